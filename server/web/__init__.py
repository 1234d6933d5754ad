"""Everything a person or a linked-data client browses: pages, dereferenceable resources,
the catalog and VoID, downloads, and their helpers (labels, languages, charts, links)."""
