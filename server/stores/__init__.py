"""Where the published data is read from: the :class:`~server.stores.base.Store` protocol,
the embedded Oxigraph store (local), any SPARQL 1.1 endpoint (remote), and how each runs
``/sparql`` queries within the limits (its executor). Knows nothing of pages or HTTP."""
