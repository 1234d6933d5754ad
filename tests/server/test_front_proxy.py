"""Issue 10: nginx from Debian as a caching front proxy, ``deploy/nginx/dx-lod.conf``, tested.

The real server (``python -m server``, as ``make run`` starts it) on a free port, and the real
nginx on two others (HTTP and HTTPS), running the deployed config with only its ports, paths,
site name (``localhost``) and certificate (self-signed, made by ``openssl`` for the test)
replaced (tests/support/nginx.py). Each test asks nginx over HTTPS with ``requests`` and reads ``X-Cache-Status``.
Every test uses cache keys of its own (path, ``Accept``, language), so the tests do not
depend on each other's order.

nginx is a system package that ``scripts/install-system-deps.sh`` installs (``make test``
runs it, as CI does); without it these tests fail, they do not skip.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from rdflib import Graph

from tests.support.live_server import live_server
from tests.support.nginx import FrontProxy, front_proxy
from tests.support.processes import free_port
from tests.support.timing import within

#: The server's freshness lifetime here: short, so that a stale entry is seen in seconds.
MAX_AGE = 1
TURTLE = "text/turtle"
HTML = "text/html"


@dataclass(frozen=True)
class Proxy:
    front: FrontProxy  # nginx
    upstream: str  # the server itself
    upstream_log: Path

    @property
    def url(self) -> str:
        return self.front.url

    @property
    def plain(self) -> str:
        return self.front.plain

    @property
    def cache_dir(self) -> Path:
        return self.front.cache_dir

    @property
    def certificate(self) -> Path:
        return self.front.certificate

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.front.get(path, **kwargs)

    def upstream_requests(self, pattern: str, at_least: int = 1) -> list[str]:
        """The server's access-log lines that match ``pattern``, once ``at_least`` are there.

        granian writes a line after it has sent the answer: wait a little for it.
        """
        deadline = time.monotonic() + within(3.0)
        while True:
            text = self.upstream_log.read_text(encoding="utf-8", errors="replace")
            lines = [line for line in text.splitlines() if re.search(pattern, line)]
            if len(lines) >= at_least or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)


@pytest.fixture(scope="module")
def proxy(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """``python -m server`` on a free port, nginx with dx-lod.conf in front; both stopped.

    The config names two upstream servers; here both lines name the one server (the
    failover between two is tests/harden/test_instances.py's)."""
    work = tmp_path_factory.mktemp("front-proxy")
    upstream_port = free_port()
    upstream_log = work / "server.log"
    with live_server(
        dist_dir,
        port=upstream_port,
        log=upstream_log,
        DX_CACHE_MAX_AGE=str(MAX_AGE),
        DX_SPARQL_WORKERS="1",
    ) as upstream:
        with front_proxy(work, (upstream_port, upstream_port)) as front:
            yield Proxy(front, upstream, upstream_log)


def _status(response: requests.Response) -> str | None:
    return response.headers.get("X-Cache-Status")


def test_second_request_is_a_hit_and_no_answer_crosses_media_types(proxy: Proxy) -> None:
    first = proxy.get("/id/kpi/2", headers={"Accept": HTML})
    second = proxy.get("/id/kpi/2", headers={"Accept": HTML})
    assert first.status_code == second.status_code == 200
    assert (_status(first), _status(second)) == ("MISS", "HIT")
    assert second.content == first.content
    assert second.headers["ETag"] == first.headers["ETag"]

    turtle = [proxy.get("/id/kpi/2", headers={"Accept": TURTLE}) for _ in range(2)]
    assert [_status(r) for r in turtle] == ["MISS", "HIT"]
    for answer in turtle:
        assert answer.headers["Content-Type"].startswith(TURTLE)
        assert len(Graph().parse(data=answer.text, format="turtle")) > 0
    assert turtle[1].content == turtle[0].content != first.content

    again = proxy.get("/id/kpi/2", headers={"Accept": HTML})
    assert _status(again) == "HIT"
    assert again.headers["Content-Type"].startswith(HTML)
    assert again.content == first.content


def _page_lang(response: requests.Response) -> str:
    found = re.search(r'<html lang="([a-z]+)"', response.text)
    assert found, response.text[:200]
    return found.group(1)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_answer_crosses_languages(proxy: Proxy, lang: str) -> None:
    """``?lang=`` and the cookie are in the key; a reader who has chosen has the cookie."""
    path = "/id/kpi/3"
    chosen = [
        proxy.get(f"{path}?lang={lang}", headers={"Accept": HTML}, cookies={"lang": lang})
        for _ in range(2)
    ]
    assert [_status(r) for r in chosen] == ["MISS", "HIT"]
    assert [_page_lang(r) for r in chosen] == [lang, lang]
    # The cookie alone (the next page the reader opens) is a key of its own.
    by_cookie = [proxy.get(path, headers={"Accept": HTML}, cookies={"lang": lang}) for _ in (1, 2)]
    assert [_status(r) for r in by_cookie] == ["MISS", "HIT"]
    assert [_page_lang(r) for r in by_cookie] == [lang, lang]
    # Accept-Language alone (a first visit), also apart.
    by_header = [proxy.get(path, headers={"Accept": HTML, "Accept-Language": lang}) for _ in (1, 2)]
    assert [_status(r) for r in by_header] == ["MISS", "HIT"]
    assert [_page_lang(r) for r in by_header] == [lang, lang]


def test_an_answer_that_sets_the_language_cookie_is_never_stored(proxy: Proxy) -> None:
    """A first ``?lang=en`` (no cookie yet) sets the cookie: nginx must not replay it."""
    answers = [proxy.get("/id/kpi/4?lang=en", headers={"Accept": HTML}) for _ in range(2)]
    for answer in answers:
        assert answer.status_code == 200
        assert "lang=en" in answer.headers.get("Set-Cookie", "")
        assert _status(answer) == "MISS"
        assert _page_lang(answer) == "en"


def test_conditional_requests_pass_through(proxy: Proxy) -> None:
    path, accept = "/id/kpi/5", {"Accept": TURTLE}
    first = proxy.get(path, headers=accept)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert not etag.startswith("W/"), etag  # strong: the server's sha256 of the body

    same = proxy.get(path, headers={**accept, "If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["ETag"] == etag

    since = proxy.get(path, headers={**accept, "If-Modified-Since": last_modified})
    assert since.status_code == 304
    assert since.content == b""

    wrong = proxy.get(path, headers={**accept, "If-None-Match": '"wrong"'})
    assert wrong.status_code == 200
    assert wrong.content == first.content
    assert wrong.headers["ETag"] == etag


def test_conditional_request_on_a_cold_entry(proxy: Proxy) -> None:
    """The first request through nginx is already conditional: still 304, then stored."""
    path, accept = "/id/kpi/6", {"Accept": TURTLE}
    etag = requests.get(proxy.upstream + path, headers=accept, timeout=10).headers["ETag"]
    cold = proxy.get(path, headers={**accept, "If-None-Match": etag})
    assert cold.status_code == 304
    assert cold.content == b""
    assert _status(cold) == "MISS"
    full = proxy.get(path, headers=accept)
    assert full.status_code == 200
    assert full.headers["ETag"] == etag
    assert _status(full) == "HIT"


def test_a_stale_entry_is_revalidated_upstream(proxy: Proxy) -> None:
    """After max-age nginx asks with If-None-Match; the server says 304; nginx serves its copy."""
    path, accept = "/id/kpi/7", {"Accept": TURTLE}
    first = proxy.get(path, headers=accept)
    assert _status(first) == "MISS"
    assert _status(proxy.get(path, headers=accept)) == "HIT"
    # nginx counts whole seconds: an entry of max-age 1 is stale within 2 s.
    deadline = time.monotonic() + 2 * MAX_AGE + 1.5
    while True:
        time.sleep(0.25)
        later = proxy.get(path, headers=accept)
        if _status(later) != "HIT" or time.monotonic() > deadline:
            break
    assert _status(later) == "REVALIDATED"
    assert later.status_code == 200
    assert later.content == first.content
    assert later.headers["ETag"] == first.headers["ETag"]
    assert proxy.upstream_requests(rf'"GET {re.escape(path)} HTTP/1\.1" 304 ')
    assert _status(proxy.get(path, headers=accept)) == "HIT"  # fresh again


def test_post_sparql_is_never_cached(proxy: Proxy) -> None:
    answers = [
        requests.post(
            proxy.url + "/sparql",
            data={"query": "ASK{}"},
            timeout=10,
            verify=str(proxy.certificate),
        )
        for _ in (1, 2)
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert answer.json()["boolean"] is True
        assert _status(answer) != "HIT"
    assert len(proxy.upstream_requests(r'"POST /sparql HTTP/1\.1" 200 ', at_least=2)) == 2


def test_sparql_get_is_cached(proxy: Proxy) -> None:
    path = "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
    accept = {"Accept": "application/sparql-results+json"}
    answers = [proxy.get(path, headers=accept) for _ in (1, 2)]
    assert [_status(r) for r in answers] == ["MISS", "HIT"]
    assert answers[1].json() == answers[0].json() == {"head": {}, "boolean": True}


def test_download_is_a_hit(proxy: Proxy) -> None:
    path = "/download/dx-kpi.ttl"
    answers = [proxy.get(path) for _ in (1, 2)]
    assert [r.status_code for r in answers] == [200, 200]
    assert [_status(r) for r in answers] == ["MISS", "HIT"]
    assert answers[1].content == answers[0].content
    assert len(proxy.upstream_requests(rf'"GET {re.escape(path)} HTTP/1\.1" 200 ')) == 1
    # Stored gzipped (nginx always asks for gzip); a client without gzip gets it unpacked.
    plain = proxy.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert plain.content == answers[0].content


def test_purge_by_deleting_the_files(proxy: Proxy) -> None:
    """README: ``find CACHE -type f -delete`` empties the cache while nginx keeps running."""
    path, accept = "/id/kpi/8", {"Accept": TURTLE}
    assert [_status(proxy.get(path, headers=accept)) for _ in (1, 2)] == ["MISS", "HIT"]
    for entry in proxy.cache_dir.rglob("*"):
        if entry.is_file():
            entry.unlink()
    assert [_status(proxy.get(path, headers=accept)) for _ in (1, 2)] == ["MISS", "HIT"]


def test_https_only_with_hsts(proxy: Proxy) -> None:
    """Plain HTTP redirects to HTTPS (path and query kept); every HTTPS answer has HSTS."""
    moved = requests.get(proxy.plain + "/id/kpi/2?lang=en", timeout=10, allow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["Location"] == proxy.url + "/id/kpi/2?lang=en"
    for path in ("/", "/id/kpi/2.ttl", "/no-such-page"):
        answer = proxy.get(path)
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000", path


def test_the_acme_challenge_is_served_over_plain_http(proxy: Proxy) -> None:
    """certbot --webroot writes a token there and Let's Encrypt fetches it over HTTP; every
    other path, and other files, still only redirect or are not found."""
    challenge = proxy.front.work / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "token-1").write_text("token-1.thumbprint", encoding="ascii")
    answer = requests.get(proxy.plain + "/.well-known/acme-challenge/token-1", timeout=10)
    assert (answer.status_code, answer.text) == (200, "token-1.thumbprint")
    missing = requests.get(proxy.plain + "/.well-known/acme-challenge/other", timeout=10)
    assert missing.status_code == 404
    moved = requests.get(proxy.plain + "/.well-known/other", timeout=10, allow_redirects=False)
    assert moved.status_code == 301


def test_other_host_names_get_nothing(proxy: Proxy) -> None:
    """A forged Host gets no answer at all (444: the connection is closed), over HTTP and
    over HTTPS; a TLS client naming another site is refused in the handshake."""
    port = int(proxy.plain.rsplit(":", 1)[1])
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", headers={"Host": "evil.example"}, timeout=10)
    with pytest.raises(requests.ConnectionError):
        proxy.get("/changes.atom", headers={"Host": "evil.example"})
    tls_port = int(proxy.url.rsplit(":", 1)[1])
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://127.0.0.1:{tls_port}/", timeout=10, verify=False)


def test_the_language_cookie_is_secure_over_https(proxy: Proxy) -> None:
    """The server believes nginx's X-Forwarded-Proto (DX_FORWARDED_ALLOW_IPS): the cookie
    a reader's ?lang= sets is Secure; straight over HTTP it is not."""
    over_tls = proxy.get("/plan?lang=en", headers={"Accept": HTML})
    assert "Secure" in over_tls.headers["Set-Cookie"], over_tls.headers["Set-Cookie"]
    direct = requests.get(proxy.upstream + "/plan?lang=en", headers={"Accept": HTML}, timeout=10)
    assert "Secure" not in direct.headers["Set-Cookie"]
    forged = requests.get(
        proxy.upstream + "/plan?lang=en",
        headers={"Accept": HTML, "X-Forwarded-Proto": "https"},
        timeout=10,
    )
    assert "Secure" in forged.headers["Set-Cookie"]  # from 127.0.0.1: the trusted proxy's address
