"""Hand-written HTTP abuse against the real server (``python -m server``), over raw sockets.

Each group sends requests that clients and attackers really send (broken request lines,
bad percent-encoding, huge URLs and headers, garbage Accept and cookies, odd methods,
ranges, conditional headers, traversal, broken bodies) and checks, case by case, that the
answer is the one the standard asks for: a clear 4xx, or the right 2xx/3xx where the
request is legal (each case says which, and why). After every case a probe of ``/`` must
answer 200, and the server's log must show no traceback or panic. Some cases are refused by
granian itself before Flask sees them (400, 414, 431 with an empty body); that is fine as
long as it is a 4xx and the server stays up. No case may end without an answer: granian
answers even a request line of binary garbage with a 400.

One Figure row per group: what was sent, the statuses that came back, and the errors
(5xx, no answer, a failed probe, a traceback in the log).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.harden.figures import Figure, record
from tests.harden.rawhttp import Answer, exchange, request, tracebacks
from tests.support.live_server import Live, live_process

#: Bytes of a request line plus headers, ready to send: ``raw(b"GET / HTTP/1.1")``.
Check = Callable[[Answer], str | None]


def raw(line: bytes, headers: bytes = b"", body: bytes = b"") -> bytes:
    """``line`` with Host and ``Connection: close``, ``headers`` (CRLF-ended) and ``body``."""
    return line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + b"\r\n" + body


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: frozenset[int]
    why: str = ""  #: why that answer is the right one
    check: Check | None = None
    half_close: bool = False


def case(
    name: str,
    data: bytes,
    *expect: int,
    why: str = "",
    check: Check | None = None,
    half_close: bool = False,
) -> Case:
    return Case(name, data, frozenset(expect), why, check, half_close)


def get(target: str, **headers: str) -> bytes:
    return request("GET", target, headers)


@pytest.fixture(scope="module")
def live(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    log = tmp_path_factory.mktemp("abuse") / "server.log"
    with live_process(dist_dir, log=log) as server:
        yield server


def port_of(live: Live) -> int:
    return int(live.url.rsplit(":", 1)[1])


def run_group(live: Live, group: str, sent: str, cases: list[Case]) -> None:
    """Send every case, judge it, probe the server, record one Figure row; then assert."""
    port, start = port_of(live), live.log.stat().st_size
    statuses: Counter[str] = Counter()
    problems: list[str] = []
    for item in cases:
        answer = exchange(port, item.data, half_close=item.half_close)
        statuses[f"{answer.status // 100}xx" if answer.status else "no answer"] += 1
        problem = judge(item, answer)
        if problem:
            problems.append(f"{item.name}: {problem}")
        probe = exchange(port, get("/")).status
        if probe != 200:
            problems.append(f"{item.name}: the probe of / got {probe} afterwards")
    # waits for the access log's last lines (a traceback is written before its answer)
    time.sleep(0.2)
    traces = tracebacks(live.log, start)
    errors = statuses["5xx"] + statuses["no answer"] + len(traces)
    errors += sum("probe" in p for p in problems)
    record(
        Figure(
            case=f"HTTP abuse: {group}",
            sent=f"{len(cases)} requests: {sent}",
            outcome=", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
            errors=errors,
        )
    )
    assert not problems and not traces, (problems, traces)


def judge(item: Case, answer: Answer) -> str | None:
    if answer.status not in item.expect:
        return f"got {answer.status}, expected {sorted(item.expect)} ({item.why})"
    return item.check(answer) if item.check else None


def test_malformed_request_lines(live: Live) -> None:
    bad = "RFC 9112 §3: not a request line; granian answers 400 and closes"
    cases = [
        case("no target or version", b"GET\r\n\r\n", 400, why=bad),
        case("extra token", raw(b"GET / HTTP/1.1 extra"), 400, why=bad),
        case("two spaces", raw(b"GET  / HTTP/1.1"), 400, why=bad),
        case("space inside the target", raw(b"GET /id/kpi 2 HTTP/1.1"), 400, why=bad),
        case("HTTP/9.9", raw(b"GET / HTTP/9.9"), 400, 505, why="unknown version"),
        case("HTTP/2.0 on an HTTP/1 port", raw(b"GET / HTTP/2.0"), 400, 505, why="no h2c"),
        case("FOO/1.1", raw(b"GET / FOO/1.1"), 400, why=bad),
        case("binary garbage", b"\x00\x01\x02\xff\xfe\r\n\r\n", 400, why=bad),
        case("HTTP/0.9 (no version)", b"GET /\r\n\r\n", 400, why="HTTP/0.9 is not served"),
        case("header without a colon", raw(b"GET / HTTP/1.1", b"NoColon\r\n"), 400, why=bad),
        case(
            "space in a header name",
            raw(b"GET / HTTP/1.1", b"Bad Name: x\r\n"),
            400,
            why="RFC 9112 §5.1: MUST be 400",
        ),
        case(
            "obsolete line folding",
            raw(b"GET / HTTP/1.1", b"X-A: a\r\n  b\r\n"),
            400,
            why="RFC 9112 §5.2: reject or unfold; granian rejects",
        ),
        case("NUL in the path", raw(b"GET /id/a\x00b HTTP/1.1"), 400, why="not a URI"),
        case(
            "NUL in a header value",
            raw(b"GET / HTTP/1.1", b"X-A: a\x00b\r\n"),
            400,
            why="RFC 9110 §5.5: CR, LF, NUL are invalid in field values",
        ),
        case(
            "DEL in a header value",
            raw(b"GET / HTTP/1.1", b"X-A: a\x7fb\r\n"),
            400,
            why="not a field-vchar",
        ),
        case(
            "bare LF line endings",
            b"GET / HTTP/1.1\nHost: x\nConnection: close\n\n",
            200,
            why="legal: RFC 9112 §2.2 lets a recipient accept a lone LF",
        ),
        case(
            "HTTP/1.0 without Host",
            b"GET / HTTP/1.0\r\n\r\n",
            200,
            why="legal: Host is required from HTTP/1.1 on",
        ),
        case(
            "absolute-form target",
            raw(b"GET http://elsewhere.example/ HTTP/1.1"),
            200,
            why="legal: RFC 9112 §3.2.2, a server MUST accept it",
        ),
        case("GET *", raw(b"GET * HTTP/1.1"), 400, 404, why="* is for OPTIONS only"),
        case(
            "OPTIONS *",
            raw(b"OPTIONS * HTTP/1.1"),
            200,
            204,
            404,
            why="legal; Flask has no server-wide OPTIONS and answers 404",
        ),
        case(
            "Content-Length and chunked",
            raw(
                b"POST /sparql HTTP/1.1",
                b"Content-Type: application/sparql-query\r\nContent-Length: 5\r\n"
                b"Transfer-Encoding: chunked\r\n",
                b"0\r\n\r\n",
            ),
            411,
            why="RFC 9112 §6.1: chunked wins (granian drops the Content-Length), and a "
            "chunked body is refused: server/wsgi/checks.py",
        ),
        case(
            "two Content-Lengths",
            raw(b"POST /sparql HTTP/1.1", b"Content-Length: 5\r\nContent-Length: 6\r\n", b"ASK{}"),
            400,
            why="RFC 9112 §6.3: unrecoverable framing error",
        ),
        case(
            "negative Content-Length",
            raw(b"POST /sparql HTTP/1.1", b"Content-Length: -5\r\n"),
            400,
            why="RFC 9112 §6.3",
        ),
        case(
            "Content-Length: abc",
            raw(b"POST /sparql HTTP/1.1", b"Content-Length: abc\r\n"),
            400,
            why="RFC 9112 §6.3",
        ),
        case(
            "Transfer-Encoding: gzip",
            raw(b"POST /sparql HTTP/1.1", b"Transfer-Encoding: gzip\r\n"),
            400,
            501,
            why="no chunked: no framing",
        ),
    ]
    run_group(
        live,
        "malformed request lines and framing",
        "broken request lines, headers and body framing",
        cases,
    )


def test_bad_percent_encoding_and_utf8(live: Live) -> None:
    missing = "no such resource (after werkzeug replaced the bad bytes): 404"
    ignored = "legal URI; the value is unusable, so the parameter is ignored"
    refused = "/sparql decodes parameters itself and refuses non-UTF-8: 400"
    cases = [
        *(
            case(f"path {p}", get(p), 404, why=missing)
            for p in (
                "/id/%zz",
                "/id/%",
                "/id/%e3%81",
                "/id/%ff%fe",
                "/id/%c0%af",
                "/id/kpi/%00",
                "/download/%ff",
                "/download/%e3",
                "/graph/%ff",
                "/%ff",
            )
        ),
        case(
            "raw byte 0xff in the path",
            raw(b"GET /id/\xff\xfe HTTP/1.1"),
            400,
            why="not a URI character; granian refuses",
        ),
        case(
            "raw UTF-8 in the path",
            raw("GET /id/キー HTTP/1.1".encode()),
            400,
            404,
            why="not a URI character, but read as UTF-8: no such resource",
        ),
        *(
            case(f"query {q}", get(q), 200, why=ignored)
            for q in (
                "/?lang=%ff",
                "/?lang=%zz",
                "/?%ff=1",
                "/kpis?lang=%e3%81",
                "/?lang=%00",
            )
        ),
        *(
            case(f"query {q}", get(q), 400, why=refused)
            for q in (
                "/sparql?query=%ff",
                "/sparql?query=%e3%81",
                "/sparql?%ff=x",
                "/sparql?query=ASK%7B%7D&query=%ff",
                "/sparql?query=%zz",
            )
        ),
        case(
            "query ?format=%ff on a resource",
            get("/id/kpi/2?format=%ff"),
            200,
            406,
            why="format= is not read on resources: Accept decides",
        ),
        case(
            "raw 0xff in the query string",
            raw(b"GET /sparql?query=\xff HTTP/1.1"),
            400,
            why="not a URI character",
        ),
    ]
    run_group(live, "invalid percent-encoding and UTF-8", "paths and query strings", cases)


def test_huge_urls_and_headers(live: Live) -> None:
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(10_000))
    cases = [
        case(
            "100 KB URL",
            raw(b"GET /?" + b"a" * 100_000 + b" HTTP/1.1"),
            414,
            why="over granian's URL limit: 414 before Flask",
        ),
        case(
            "60 KB URL",
            raw(b"GET /?" + b"a" * 60_000 + b" HTTP/1.1"),
            200,
            414,
            why="legal; under granian's limit the page answers",
        ),
        case(
            "100 KB header",
            raw(b"GET / HTTP/1.1", b"X-Big: " + b"a" * 100_000 + b"\r\n"),
            200,
            431,
            why="legal (no limit in RFC 9110); granian's buffer takes it",
        ),
        case(
            "10,000 headers",
            raw(b"GET / HTTP/1.1", many),
            431,
            why="over granian's header count: 431 before Flask",
        ),
        case(
            "200 headers",
            raw(b"GET / HTTP/1.1", many[: 200 * 10]),
            200,
            431,
            why="granian takes about 100 headers",
        ),
        case(
            "10,000 headers on /sparql POST",
            raw(b"POST /sparql HTTP/1.1", many, b"ASK{}"),
            431,
            why="refused before the body is read",
        ),
    ]
    run_group(live, "100 KB URLs and headers, 10,000 headers", "huge request heads", cases)


def test_accept_and_language_garbage(live: Live) -> None:
    thousands = ",".join(f"x{i}/y{i};q=0.{i % 10}" for i in range(3_000))
    nonsense = "406: nothing offered is acceptable (the message lists what is)"
    cases = [
        case("3,000 Accept entries", get("/id/kpi/2", Accept=thousands), 406, why=nonsense),
        case(
            "3,000 Accept entries, /sparql",
            get("/sparql?query=ASK%7B%7D", Accept=thousands),
            406,
            why=nonsense,
        ),
        case(
            "Accept */*;q=nan x 2,000",
            get("/id/kpi/2", Accept=",".join(["*/*;q=nan"] * 2000)),
            200,
            why="every entry ignored (invalid q): no preference",
        ),
        case(
            "binary Accept",
            raw(b"GET /id/kpi/2 HTTP/1.1", b"Accept: \x80\xff/\xc3(;q=\xfe\r\n"),
            200,
            406,
            why="latin-1 garbage: no valid entry, or nothing acceptable",
        ),
        case("Accept: ;;;,,,", get("/", Accept=";;;,,,;q=1,/"), 200, 406, why="no valid entry"),
        case(
            "3,000 Accept-Language entries",
            get("/", **{"Accept-Language": ",".join(f"x{i};q=0.1" for i in range(3000))}),
            200,
            why="no known language: the default, Japanese",
        ),
        case(
            "binary Accept-Language",
            raw(b"GET / HTTP/1.1", b"Accept-Language: \xe3\x81\x82;q=\xff\r\n"),
            200,
            why="ignored",
        ),
        case(
            "Accept-Language q=nan",
            get("/", **{"Accept-Language": "en;q=nan, ja;q=inf"}),
            200,
            why="ignored entries",
        ),
    ]
    run_group(
        live, "Accept and Accept-Language garbage", "thousands of entries, binary, invalid q", cases
    )


def test_garbage_cookies(live: Live) -> None:
    legal = "cookies are a hint (the language); garbage is ignored and the page answers"
    cookies = [
        b"lang=\xff\xfe",
        b";;;;;=;==;lang",
        b'lang="unterminated',
        b"lang=en; lang=ja; lang=xx",
        b"lang=" + b"e" * 4000,
        b"; ".join(b"c%d=v" % i for i in range(2000)),
        b"=\x01\x02",
    ]
    cases = [
        case(
            f"Cookie {cookie[:24]!r}",
            raw(b"GET /id/kpi/2 HTTP/1.1", b"Cookie: " + cookie + b"\r\n"),
            200,
            why=legal,
        )
        for cookie in cookies[:-1]
    ]
    cases.append(
        case(
            "control bytes in Cookie",
            raw(b"GET / HTTP/1.1", b"Cookie: =\x01\x02\r\n"),
            200,
            400,
            why="invalid field value: granian may refuse",
        )
    )
    run_group(live, "garbage cookies", "binary, unterminated, repeated, 2,000 cookies", cases)


def no_echo(answer: Answer) -> str | None:
    return "TRACE echoed the request" if b"s3cret" in answer.raw else None


def test_odd_methods(live: Live) -> None:
    not_allowed = "405 with Allow: the route exists, the method is not for it"
    cases = [
        case("PROPFIND /", request("PROPFIND", "/"), 405, why=not_allowed),
        case(
            "TRACE / (must not echo)",
            raw(b"TRACE / HTTP/1.1", b"X-Secret: s3cret\r\n"),
            405,
            why="TRACE is not offered (XST)",
            check=no_echo,
        ),
        case(
            "CONNECT",
            raw(b"CONNECT 127.0.0.1:80 HTTP/1.1"),
            400,
            404,
            405,
            why="not a proxy: no route for an authority",
        ),
        case(
            "10 KB method",
            raw(b"G" * 10_240 + b" / HTTP/1.1"),
            400,
            405,
            501,
            why="unknown method (a token, so legal syntax)",
        ),
        case("method with a (", raw(b"GE(T / HTTP/1.1"), 400, why="not a token"),
        case("DELETE a download", request("DELETE", "/download/dx-kpi.ttl"), 405, why=not_allowed),
        case("PUT /sparql", request("PUT", "/sparql"), 405, why="read-only endpoint"),
        case("PATCH a resource", request("PATCH", "/id/kpi/2"), 405, why=not_allowed),
        case("OPTIONS /", request("OPTIONS", "/"), 200, 204, why="legal: the CORS preflight"),
        case(
            "lowercase get",
            raw(b"get / HTTP/1.1"),
            405,
            why="methods are case-sensitive (server/wsgi/checks.py)",
        ),
    ]
    run_group(live, "odd methods", "PROPFIND, TRACE, CONNECT, a 10 KB method, lowercase get", cases)


def content_range(expected: str) -> Check:
    def check(answer: Answer) -> str | None:
        found = answer.header("content-range") or ""
        return None if found.startswith(expected) else f"Content-Range {found!r}"

    return check


def test_ranges_on_downloads(live: Live, dist_dir: Path) -> None:
    size = (dist_dir / "download" / "dx-kpi.ttl").stat().st_size
    ttl = "/download/dx-kpi.ttl"

    def ranged(value: str, **more: str) -> bytes:
        return get(ttl, Range=value, **{"Accept-Encoding": "identity", **more})

    whole = "RFC 9110 §14.2: a server may ignore Range; the whole file"
    cases = [
        case("one range", ranged("bytes=0-99"), 206, check=content_range(f"bytes 0-99/{size}")),
        case("suffix", ranged("bytes=-10"), 206, check=content_range(f"bytes {size - 10}-")),
        case("open end", ranged("bytes=10-"), 206, check=content_range("bytes 10-")),
        case("several ranges", ranged("bytes=0-1,5-9,20-"), 200, why=whole),
        case("invalid", ranged("bytes=z-q"), 200, why=whole),
        case("reversed", ranged("bytes=9-1"), 200, why=whole),
        case("other unit", ranged("pages=1-2"), 200, why=whole),
        case(
            "past the end",
            ranged(f"bytes={size + 10}-"),
            416,
            why="§15.5.17",
            check=content_range(f"bytes */{size}"),
        ),
        case(
            "If-Range stale",
            ranged("bytes=0-9", **{"If-Range": '"old"'}),
            200,
            why="§13.1.5: the client's copy is not this one",
        ),
        case("Range on a page", get("/", Range="bytes=0-9"), 200, why="pages offer no ranges"),
        case(
            "Range on HEAD",
            request("HEAD", ttl, {"Range": "bytes=0-9"}),
            200,
            why="§14.2: Range is defined for GET only",
        ),
        case("huge numbers", ranged("bytes=0-" + "9" * 5000), 200, why=whole),
    ]
    run_group(live, "Range requests on downloads", "one, several, invalid, past the end", cases)


def short_problem(answer: Answer) -> str | None:
    if len(answer.body) > 300 or b'"status":412' not in answer.body.replace(b" ", b""):
        return f"412 with {len(answer.body)} bytes: {answer.body[:80]!r}"
    return None


def test_conditional_headers_with_garbage(live: Live) -> None:
    ignored = "RFC 9110 §13.1: an invalid condition is no condition"
    cases = []
    for path in ("/", "/download/dx-kpi.ttl", "/id/kpi/2"):
        cases += [
            case(
                f"{path} If-None-Match garbage",
                get(path, **{"If-None-Match": "garbage"}),
                200,
                why="no entity-tag matches",
            ),
            case(
                f"{path} If-Modified-Since not a date",
                get(path, **{"If-Modified-Since": "not a date"}),
                200,
                why=ignored,
            ),
            case(
                f"{path} If-Unmodified-Since not a date",
                get(path, **{"If-Unmodified-Since": "yesterday"}),
                200,
                why=ignored,
            ),
            case(
                f"{path} If-Match *",
                get(path, **{"If-Match": "*"}),
                200,
                why="§13.1.1: * holds for any current representation",
            ),
            case(
                f"{path} If-None-Match *",
                get(path, **{"If-None-Match": "*"}),
                304,
                why="§13.1.2: the resource exists",
            ),
            case(
                f"{path} If-Match garbage",
                get(path, **{"If-Match": "garbage"}),
                412,
                why="no entity-tag matches; a short problem, not the page",
                check=short_problem,
            ),
            case(
                f"{path} 10,000 entity-tags",
                get(path, **{"If-None-Match": ", ".join(f'"t{i}"' for i in range(10_000))}),
                200,
                why="none matches",
            ),
        ]
    run_group(
        live,
        "conditional headers with garbage",
        "If-None-Match, If-Modified-Since, If-Match on pages and downloads",
        cases,
    )


LEAKS = (b"root:x:", b"def create_app", b'"sha256":', b"[tool.importlinter]")
TRAVERSALS = [
    "../app.py",
    "..%2fapp.py",
    "%2e%2e%2fapp.py",
    "%2e%2e/%2e%2e/server/app.py",
    "%252e%252e%252fapp.py",
    "..\\app.py",
    "..%5capp.py",
    "%2e%2e%5capp.py",
    "lod.css%00.txt",
    "..%00/app.py",
    "%c0%ae%c0%ae%c0%afapp.py",
    "%c0%ae%c0%ae/app.py",
    "%e0%80%ae%e0%80%ae/app.py",
    "....//....//etc/passwd",
    "..;/app.py",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "..%252f..%252fmanifest.json",
    "../manifest.json",
    "..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "%u002e%u002e/app.py",
    "../../pyproject.toml",
    "%2e%2e%2f%2e%2e%2fpyproject.toml",
]


def no_leak(answer: Answer) -> str | None:
    if any(marker in answer.raw for marker in LEAKS):
        return "a file outside the route was served"
    location = answer.header("location")
    # A redirect names a path of this site (server/app.py: never a host a client chose).
    if location is not None and not (location.startswith("/") and not location.startswith("//")):
        return f"redirect off the site: {location}"
    return None


def test_traversal_on_static_and_download_routes(live: Live) -> None:
    why = "no such file in the route (404), or werkzeug's 308 merging '//' within the site"
    cases = [
        case(
            f"{route}{variant}",
            raw(f"GET {route}{variant} HTTP/1.1".encode()),
            400,
            404,
            308,
            why=why,
            check=no_leak,
        )
        for route in ("/static/", "/sparql/assets/", "/download/", "/graph/", "/id/")
        for variant in TRAVERSALS
    ]
    run_group(
        live,
        "path traversal",
        "../, %2e%2e%2f, %252e, backslashes, NUL, overlong "
        "UTF-8 on every static and download route",
        cases,
    )


FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def incomplete(answer: Answer) -> str | None:
    return None if b"incomplete" in answer.body else f"not 'incomplete': {answer.body[:80]!r}"


def test_broken_bodies_never_run(live: Live) -> None:
    """A body cut short, or chunks that do not parse, must never run the bytes that did
    arrive: each body below begins with a complete query (``ASK{}`` answers 200)."""
    query = b"query=ASK%7B%7D"
    line = b"POST /sparql HTTP/1.1"
    chunked = FORM + b"Transfer-Encoding: chunked\r\n"
    cases = [
        case(
            "Content-Length 100, 15 bytes, then closed",
            raw(line, FORM + b"Content-Length: 100\r\n", query),
            400,
            half_close=True,
            why="read exactly Content-Length or refuse",
            check=incomplete,
        ),
        case(
            "direct POST: Content-Length 100, 5 bytes",
            raw(
                line, b"Content-Type: application/sparql-query\r\nContent-Length: 100\r\n", b"ASK{}"
            ),
            400,
            half_close=True,
            check=incomplete,
        ),
        case(
            "invalid chunk size",
            raw(line, chunked, b"zz\r\n" + query + b"\r\n0\r\n\r\n"),
            411,
            why="a chunked body is refused before it is read (server/wsgi/checks.py)",
        ),
        case(
            "chunk without its CRLF",
            raw(line, chunked, b"5\r\nquery=ASK\r\n0\r\n\r\n"),
            411,
            why="a chunked body is refused before it is read (server/wsgi/checks.py)",
        ),
        case(
            "body over the limit",
            raw(line, FORM + b"Content-Length: 99999999\r\n", query),
            413,
            half_close=True,
            why="413 before reading",
        ),
    ]
    run_group(live, "broken request bodies on POST /sparql", "cut short, bad chunks", cases)


def test_a_chunked_body_cut_short_never_runs(live: Live) -> None:
    data = raw(
        b"POST /sparql HTTP/1.1",
        FORM + b"Transfer-Encoding: chunked\r\n",
        b"64\r\nquery=ASK%7B%7D",  # a chunk of 100 bytes announced, 15 sent
    )
    answer = exchange(port_of(live), data, half_close=True)
    assert answer.status == 411, answer.raw[:200]  # server/wsgi/checks.py: never run
    whole = raw(b"POST /sparql HTTP/1.1", FORM + b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n")
    assert exchange(port_of(live), whole).status == 411


def test_http11_needs_exactly_one_host(live: Live) -> None:
    port = port_of(live)
    assert exchange(port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").status == 400
    assert exchange(port, raw(b"GET / HTTP/1.1", b"Host: other\r\n")).status == 400


def test_method_names_are_case_sensitive(live: Live) -> None:
    answer = exchange(port_of(live), raw(b"get / HTTP/1.1"))
    assert answer.status == 405 and answer.header("Allow") == "GET, HEAD, OPTIONS"


JAPANESE_QUERY = 'SELECT ?s WHERE {{ ?s ?p ?o FILTER(STR(?o) != "{text}") }} LIMIT 1 #{pad}'


def query_of(japanese: int, length: int = 20_000) -> str:
    """A query of ``length`` characters holding ``japanese`` Japanese characters."""
    text = ("福島県の行政デジタル化" * japanese)[:japanese]
    shell = JAPANESE_QUERY.format(text=text, pad="")
    return JAPANESE_QUERY.format(text=text, pad="a" * (length - len(shell)))


def test_get_query_at_the_documented_length(live: Live) -> None:
    """README: a GET URL holds up to 65,534 bytes (granian's limit; longer: 414), which
    carries a 20,000-character ASCII query or about 7,000 Japanese characters; POST carries
    the full 20,000 characters of any query; longer ones get our JSON 413."""
    port, accept = port_of(live), {"Accept": "application/sparql-results+json"}
    statuses = {}
    for japanese in (0, 5_000, 19_900):
        query = query_of(japanese)
        assert len(query) == 20_000
        target = "/sparql?query=" + quote(query)
        got = exchange(port, request("GET", target, accept), timeout=30).status
        statuses[f"GET {japanese:,} ja ({len(target):,} B)"] = (
            got,
            200 if len(target) <= 65_534 else 414,
        )
        form = ("query=" + quote(query)).encode()
        posted = exchange(
            port, request("POST", "/sparql", {**accept, **FORM_HEADERS}, form), timeout=30
        )
        statuses[f"POST {japanese:,} ja"] = (posted.status, 200)
        longer = exchange(port, request("POST", "/sparql", {**accept, **FORM_HEADERS}, form + b"a"))
        statuses[f"POST {japanese:,} ja + 1"] = (longer.status, 413)
    record(
        Figure(
            case="/sparql at the documented lengths (20,000 characters; GET URL ≤ 65,534 B)",
            sent=f"{len(statuses)} requests",
            outcome=", ".join(f"{k}: {got}" for k, (got, _) in statuses.items()),
            errors=sum(got != want for got, want in statuses.values()),
        )
    )
    assert {k: got for k, (got, _) in statuses.items()} == {
        k: want for k, (_, want) in statuses.items()
    }
