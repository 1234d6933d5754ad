"""Prometheus metrics of the server, summed over granian's worker processes.

``families.py`` defines every metric (names, labels, what they count); the code that does
the counted thing updates them where it happens: the WSGI stack (requests), the response
cache, the ``/sparql`` endpoint, the query slots and workers, the stores' requests.
``exporter.py`` serves them in the Prometheus text format on a port of their own
(``DX_METRICS_PORT``, bound to ``DX_METRICS_HOST``, 127.0.0.1 by default), never on the
site's port: they tell how the site is used and are no reader's business.

Multi-process mode (prometheus_client's): ``python -m server`` points
``PROMETHEUS_MULTIPROC_DIR`` at an empty folder before granian starts; each worker process
writes its values to its own files there, and the scrape sums them, so one scrape per
instance sees every worker, and counts survive a worker's restart. Without that variable
(tests, ``create_app`` in a process of its own) the values live in the process.
"""
