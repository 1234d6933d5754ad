"""The ceiling of our stack: Flask's hello world under the granian command line we serve with.

bench/http_bench.py runs it with ``server.__main__.server_argv`` (only the app spec
differs) and with our access log, so a page of ours at 0.5x this is at half of what Flask +
granian can do here. It answers every path, so each page workload can ask it for the same
path it asks us.
"""

from __future__ import annotations

from flask import Flask

from server.wsgi.access_log import AccessLog

app = Flask(__name__)
app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def hello(path: str) -> str:
    return "Hello, World!"
