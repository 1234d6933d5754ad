"""Health and version, by Mozilla Dockerflow's names, for load balancers and operators.

- ``/__lbheartbeat__``: liveness. The process answers HTTP; nothing else is touched (no
  store, no disk), so a slow store never gets a live process restarted.
- ``/__heartbeat__``: readiness. The store answers a query and serves a loaded build (its
  editions' graphs); otherwise 503 with ``Retry-After`` and the failing check named, so a
  balancer sends readers elsewhere until it passes.
- ``/__version__``: the code (name, version, commit) and the release served (the data's
  digest, the editions, the release folder).

Each answer is for this moment only: ``Cache-Control: no-store`` and no validators (no
cache may keep it, the response cache included), and the access log leaves these paths out
at the info level (server/wsgi/access_log.py).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from server.web.common.context import Context
from server.web.health.checks import readiness
from server.web.health.openapi import OPERATIONS
from server.web.health.version import Code, release

__all__ = ["OPERATIONS", "PATHS", "create_blueprint"]

#: The paths of this feature (the access log leaves them out at the info level).
PATHS = frozenset({"/__lbheartbeat__", "/__heartbeat__", "/__version__"})


def _now_only(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def create_blueprint(context: Context) -> Blueprint:
    bp = Blueprint("health", __name__)
    code = Code.running(context.settings.source_commit)

    @bp.get("/__lbheartbeat__")
    def lbheartbeat() -> Response:
        return _now_only(jsonify(status="ok"))

    @bp.get("/__heartbeat__")
    def heartbeat() -> Response:
        ready = readiness(context.store)
        response = _now_only(jsonify(ready.as_json()))
        if not ready.ok:
            response.status_code = 503
            response.headers["Retry-After"] = str(ready.retry_after)
        return response

    @bp.get("/__version__")
    def version() -> Response:
        served = release(context.store, context.manifest, context.dist_dir)
        return _now_only(jsonify(code.as_json() | {"release": served}))

    return bp
