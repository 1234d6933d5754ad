"""WSGI middleware around the Flask app: the checks of what HTTP/1.1 forbids (``checks``)
and the access log (``access_log``)."""
