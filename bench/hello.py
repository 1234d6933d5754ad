"""The ceiling of our stack: Flask's hello world under the granian command line we serve with.

bench/http_bench.py runs it with ``server.__main__.server_argv`` (only the app spec
differs), so a page of ours at 0.5x this is at half of what Flask + granian can do here.
It answers every path, so each page workload can ask it for the same path it asks us.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def hello(path: str) -> str:
    return "Hello, World!"
