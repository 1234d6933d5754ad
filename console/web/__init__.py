"""The console's pages and API, one blueprint each: auth, pages (upload → check → preview →
publish), history (releases, roll-back, audit log), account (API tokens), api (JSON)."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from console.web.account import bp as account
    from console.web.api import bp as api
    from console.web.auth import bp as auth
    from console.web.history import bp as history
    from console.web.pages import bp as pages

    for blueprint in (auth, pages, history, account, api):
        app.register_blueprint(blueprint)
