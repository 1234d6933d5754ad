"""The Flask server: pages, dereferenceable IRIs, downloads, the catalog and ``/sparql``
over a store (docs/architecture.md draws its layers)."""
