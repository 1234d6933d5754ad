"""HTTP caching of every GET and HEAD answer: validators, freshness, and a response cache.

An answer is computed once, validated cheaply and cached by anything between the server and
the reader:

- a strong ``ETag`` from the data's digest and the answer's bytes (the same after a restart
  on the same build, changed by a new build) and ``Last-Modified`` from the build time, so
  ``If-None-Match`` / ``If-Modified-Since`` get 304 (validators.py);
- ``Cache-Control: public, max-age=…`` (``DX_CACHE_MAX_AGE``), so browsers, proxies and CDNs
  may reuse an answer for that long and then revalidate it with a 304;
- an in-process cache of rendered answers, bounded in bytes (``DX_RESPONSE_CACHE_MB``), kept
  while the data's digest is the one they were rendered under: the embedded build's never
  changes; a remote store's register states its build's, read again every
  ``DX_STORE_GRAPHS_TTL`` (response_cache.py). Like any HTTP cache it keys an answer by its
  URL and by the request headers its ``Vary`` names, so no cached answer ever crosses
  languages or media types; a plain repeated request is answered before Flask
  (fast_path.py). hooks.py wires it all into the app.
"""

from server.caching.hooks import init_app
from server.caching.response_cache import ResponseCache
from server.caching.validators import DataVersion, Validators

__all__ = ["DataVersion", "ResponseCache", "Validators", "init_app"]
