"""Who gets in: no session → the sign-in page (the API: 401); no CSRF token → 400; an editor
cannot publish; sign-in is throttled; cookies are HttpOnly, SameSite=Strict, Secure behind
TLS; passwords are argon2id, tokens stored hashed, the state private (issue 24)."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from console.web.guard import PUBLIC
from tests.console.conftest import Place
from tests.console.support import PASSWORDS, sign_in, snapshot, token_of

SAMPLE = {"candidate_id": "0123456789abcdef", "release_id": "20260101T000000.000Z-abcdef"}
SAMPLE["token_id"] = "abcd1234"


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) of every route but the public ones."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        path = rule.rule
        for name, value in SAMPLE.items():
            path = path.replace(f"<{name}>", value)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return found


def test_no_session_every_console_route_redirects_to_sign_in(
    console_app: Flask, client: FlaskClient
) -> None:
    routes = [r for r in _routes(console_app) if not r[2].startswith("/api/")]
    assert len(routes) >= 14
    for endpoint, method, path in routes:
        answer = client.open(path, method=method, data={"csrf_token": "x"})
        assert answer.status_code == 303, (endpoint, method, answer.status_code)
        assert answer.headers["Location"].startswith("/login?next="), endpoint
    for path in ("/no/such/page", "/preview/0123456789abcdef/kpis", "/preview/x"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["Location"].startswith("/login")


def test_no_token_the_api_answers_401(console_app: Flask, client: FlaskClient) -> None:
    routes = [r for r in _routes(console_app) if r[2].startswith("/api/")]
    assert len(routes) >= 12
    for headers in ({}, {"Authorization": "Bearer dxc_not-a-token"}, {"Authorization": "Basic x"}):
        for endpoint, method, path in routes:
            answer = client.open(path, method=method, headers=headers, json={})
            assert answer.status_code == 401, (endpoint, method, answer.status_code)
            assert answer.json == {"ok": False, "error": answer.json["error"], "status": 401}
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/openapi.json").status_code == 200  # a description, no data


def test_the_sign_in_page_goes_back_only_within_the_console(client: FlaskClient) -> None:
    for target, expected in (("/releases", "/releases"), ("//evil.example/", "/")):
        form = client.get(f"/login?next={target}")
        answer = client.post(
            "/login",
            data={
                "csrf_token": token_of(form.data),
                "name": "bob",
                "password": PASSWORDS["bob"],
                "next": target,
            },
        )
        assert answer.headers["Location"] == expected


def _forms(console_app: Flask) -> list[tuple[str, str]]:
    return [(e, p) for e, m, p in _routes(console_app) if m == "POST" and not p.startswith("/api")]


def test_no_csrf_token_on_a_form_is_400(
    console_app: Flask, publisher: tuple[FlaskClient, str], place: Place
) -> None:
    client, csrf = publisher
    before = snapshot(place.releases)
    forms = _forms(console_app)
    assert {e for e, _ in forms} >= {"pages.publish", "history.rollback", "pages.upload"}
    for fields in ({}, {"csrf_token": ""}, {"csrf_token": csrf[:-2] + "xx"}):
        for endpoint, path in forms:
            answer = client.post(path, data={**fields, "reason": "r"})
            assert answer.status_code == 400, (endpoint, fields, answer.status_code)
            assert "CSRF" in answer.get_data(as_text=True)
    # The sign-in form too: its token is an HMAC of a cookie only this console sets.
    fresh = console_app.test_client()
    fresh.get("/login")
    answer = fresh.post("/login", data={"name": "alice", "password": PASSWORDS["alice"]})
    assert answer.status_code == 400
    assert client.get("/").status_code == 200  # still signed in: the refusal ended nothing
    assert snapshot(place.releases) == before


def test_an_editors_session_cannot_publish_or_roll_back(
    editor: tuple[FlaskClient, str], place: Place, console_app: Flask
) -> None:
    client, csrf = editor
    svc = console_app.extensions["console"]
    first = svc.releases.current_id()
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "fy2024" / "dx-kpi-fy2024.csv"
    from tests.console.support import candidate_id, upload

    cid = candidate_id(upload(client, csrf, fixture))  # an editor uploads and checks
    page = client.get(f"/candidates/{cid}").get_data(as_text=True)
    assert 'id="editor-note"' in page and 'id="publish-form"' not in page
    assert client.get(f"/preview/{cid}/kpis").status_code == 200  # and previews
    before = snapshot(place.releases)
    answer = client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf})
    assert answer.status_code == 403
    assert "publisher" in answer.get_data(as_text=True)
    answer = client.post(f"/releases/{first}/rollback", data={"csrf_token": csrf, "reason": "r"})
    assert answer.status_code == 403
    token = svc.accounts.new_token("bob", "ci")
    api = client.post(
        f"/api/v1/candidates/{cid}/publish", headers={"Authorization": f"Bearer {token}"}, json={}
    )
    assert api.status_code == 403 and api.json["status"] == 403
    assert snapshot(place.releases) == before
    assert svc.releases.current_id() == first


def test_sign_in_is_throttled_per_account_and_per_address(client: FlaskClient) -> None:
    def attempt(name: str, password: str, address: str = "10.0.0.1") -> tuple[int, str]:
        form = client.get("/login", environ_base={"REMOTE_ADDR": address})
        answer = client.post(
            "/login",
            data={"csrf_token": token_of(form.data), "name": name, "password": password},
            environ_base={"REMOTE_ADDR": address},
        )
        return answer.status_code, answer.get_data(as_text=True)

    for _ in range(5):
        status, page = attempt("alice", "wrong password!")
        assert status == 200 and 'id="login-error"' in page
    status, page = attempt("alice", PASSWORDS["alice"])  # even the right password waits
    assert status == 429
    wait = re.search(r"あと (\d+) 秒待って", page)
    assert wait is not None and 1 <= int(wait[1]) <= 30, page
    assert "wait" in page and "seconds" in page
    assert attempt("bob", PASSWORDS["bob"])[0] == 303  # another account is not held up
    # Per address: 20 failures over many names from one address, then everyone there waits.
    for n in range(20):
        attempt(f"user{n}", "wrong password!", address="10.0.0.2")
    assert attempt("carol", PASSWORDS["carol"], address="10.0.0.2")[0] == 429
    assert attempt("carol", PASSWORDS["carol"], address="10.0.0.3")[0] == 303


def _cookie(answer, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith(name + "="))


def test_session_cookies_are_httponly_strict_and_secure_behind_tls(
    console_app: Flask,
) -> None:
    for headers, address, secure in (
        ({}, "127.0.0.1", False),
        ({"X-Forwarded-Proto": "https"}, "127.0.0.1", True),  # the trusted proxy
        ({"X-Forwarded-Proto": "https"}, "203.0.113.9", False),  # anyone else: not believed
    ):
        client = console_app.test_client()
        env = {"REMOTE_ADDR": address}
        form = client.get("/login", headers=headers, environ_base=env)
        answer = client.post(
            "/login",
            headers=headers,
            environ_base=env,
            data={"csrf_token": token_of(form.data), "name": "bob", "password": PASSWORDS["bob"]},
        )
        assert answer.status_code == 303
        name = "__Host-dxc_session" if secure else "dxc_session"
        cookie = _cookie(answer, name)
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert ("Secure" in cookie) == secure, cookie
        page = client.get("/", headers=headers, environ_base=env)
        assert page.status_code == 200
        assert "script-src 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-store"


def test_sign_out_and_a_new_password_end_sessions(
    console_app: Flask, publisher: tuple[FlaskClient, str]
) -> None:
    client, csrf = publisher
    other = console_app.test_client()
    sign_in(other, "alice")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/").status_code == 303  # this session ended
    assert other.get("/").status_code == 200  # the other is still on
    console_app.extensions["console"].accounts.add(
        "alice", "publisher", "a-brand-new-password", replace=True
    )
    assert other.get("/").status_code == 303  # a new password ends it


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(
    publisher: tuple[FlaskClient, str], place: Place
) -> None:
    client, csrf = publisher
    page = client.post("/account/tokens", data={"csrf_token": csrf, "label": "CI"})
    token = re.search(r'id="new-token">(dxc_[^<]+)<', page.get_data(as_text=True))
    assert token is not None
    bearer = {"Authorization": f"Bearer {token[1]}"}
    assert client.get("/api/v1/releases", headers=bearer).status_code == 200
    stored = (place.state / "accounts.json").read_text()
    assert token[1] not in stored and token[1][4:] not in stored
    assert "dxc_" not in client.get("/account").get_data(as_text=True)  # shown once
    token_id = json.loads(stored)["accounts"]["alice"]["tokens"][0]["id"]
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert client.get("/api/v1/releases", headers=bearer).status_code == 401


def test_passwords_are_argon2id_and_the_state_is_private(
    publisher: tuple[FlaskClient, str], place: Place
) -> None:
    accounts = json.loads((place.state / "accounts.json").read_text())["accounts"]
    for name, account in accounts.items():
        assert account["password_hash"].startswith("$argon2id$"), name
        assert PASSWORDS[name] not in json.dumps(account)
    assert stat.S_IMODE(place.state.stat().st_mode) == 0o700
    for name in ("accounts.json", "sessions.json", "secret.key", "audit.jsonl"):
        assert stat.S_IMODE((place.state / name).stat().st_mode) == 0o600, name
    sessions = (place.state / "sessions.json").read_text()
    cookie = publisher[0].get_cookie("dxc_session")
    assert cookie is not None and cookie.value not in sessions  # only its SHA-256
    from tests.console.support import candidate_id, upload
    from tests.console.tables import FY2024

    cid = candidate_id(upload(publisher[0], publisher[1], FY2024))
    uploaded = place.state / "candidates" / cid / "upload" / FY2024.name
    assert stat.S_IMODE(uploaded.stat().st_mode) == 0o600
    assert stat.S_IMODE((place.state / "candidates").stat().st_mode) == 0o700


@pytest.mark.parametrize("path", ["/", "/releases", "/audit", "/account"])
def test_pages_work_without_javascript(publisher: tuple[FlaskClient, str], path: str) -> None:
    page = publisher[0].get(path).get_data(as_text=True)
    assert "<script" not in page
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", page)  # Japanese first …
    assert 'class="en"' in page  # … English beside it
