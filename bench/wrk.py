"""Drive ``wrk`` (Debian's package) from Python: one run, its figures as a :class:`WrkResult`.

Why wrk: a client of Python threads over http.client saturates long before the servers do
(issue 10: the 0.46x "cheap query" figure measured the client). wrk is event-driven C, and
bench/http_bench.py checks its ceiling on this machine against nginx before trusting it.

Every run gets a generated Lua script: fixed requests are pre-built by wrk itself (no Lua per
request, the client's cheapest path); a request whose text must differ each time builds its
path in ``request()`` from a per-thread counter. ``done()`` prints one JSON line that we parse,
rather than wrk's human table.

With ``markers``, a ``response()`` hook also tallies every answer by its status, by which of
the markers its body holds and by whether it carries ``Retry-After`` (the hardening suite
checks each answer of a run that way, not a sample); wrk then reads every body, which
costs it some speed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MARK = "WRKJSON "


@dataclass(frozen=True)
class Request:
    """What every connection sends. With ``suffix`` set, each request's path is
    ``path + <unique number> + suffix`` (unique across threads and runs, see ``nonce``)."""

    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    suffix: str | None = None
    method: str = "GET"
    body: str | None = None


@dataclass(frozen=True)
class Answers:
    """One kind of answer in a run's tally: its status, which markers its body held (in
    the order given), and whether it had a ``Retry-After`` header."""

    status: int
    markers: tuple[bool, ...]
    retry_after: bool


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    bytes: int
    p50_ms: float
    p99_ms: float
    bad_status: int  #: answers with a status >= 400 (wrk counts those, not 3xx)
    socket_errors: int  #: connect, read, write errors and timeouts
    #: Of the socket errors, the requests that got no answer within wrk's timeout (10 s
    #: unless the run set another).
    timeouts: int = 0
    #: Answers of each kind (only with ``markers``, else empty).
    tally: Mapping[Answers, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        """Answers with a status below 400 per second: a refusal (503 under overload) is
        quick to send and must not count as throughput."""
        return (self.requests - self.bad_status) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.bad_status + self.socket_errors


def available() -> str | None:
    return shutil.which("wrk")


def lua_string(text: str | bytes) -> str:
    """A Lua string literal for any text (or bytes): every byte but a safe few as a decimal
    escape (three digits always, so a digit after it cannot join the escape)."""
    data = text.encode() if isinstance(text, str) else text
    safe = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 /._-")
    return '"' + "".join(chr(b) if b in safe else f"\\{b:03d}" for b in data) + '"'


_DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  local extra = ""
  if tally_json then extra = ', "tally": ' .. tally_json() end
  io.write(string.format(
    '%s{"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, "p50_us": %.0f, ' ..
    '"p99_us": %.0f, "status": %.0f, "connect": %.0f, "read": %.0f, "write": %.0f, ' ..
    '"timeout": %.0f%s}\n',
    MARK, summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout, extra))
end
"""

# Each thread counts its answers by "<status> <one 0/1 per marker> <r if Retry-After>"; the
# main state keeps the threads (setup) and merges their counts at the end (thread:get copies
# a table). It wraps any setup() the script already has.
_TALLY = r"""
tally_threads = {}
local inner_setup = setup
function setup(thread)
  table.insert(tally_threads, thread)
  if inner_setup then inner_setup(thread) end
end
tally = {}
function response(status, headers, body)
  local key = tostring(status) .. " "
  for _, marker in ipairs(MARKERS) do
    if body and string.find(body, marker, 1, true) then key = key .. "1" else key = key .. "0" end
  end
  for name, _ in pairs(headers) do
    if string.lower(name) == "retry-after" then key = key .. " r" end
  end
  tally[key] = (tally[key] or 0) + 1
end
function tally_json()
  local all = {}
  for _, thread in ipairs(tally_threads) do
    for key, count in pairs(thread:get("tally")) do all[key] = (all[key] or 0) + count end
  end
  local parts = {}
  for key, count in pairs(all) do table.insert(parts, string.format('"%s": %.0f', key, count)) end
  return "{" .. table.concat(parts, ", ") .. "}"
end
"""


def tally_script(markers: Sequence[str]) -> str:
    """The Lua that tallies answers (appended to a run's script)."""
    return "MARKERS = {" + ", ".join(lua_string(m) for m in markers) + "}\n" + _TALLY


def _answers(key: str) -> Answers:
    status, marks, *rest = key.split(" ")
    return Answers(int(status), tuple(m == "1" for m in marks), rest == ["r"])


def script(request: Request, *, threads: int, nonce: int) -> str:
    lines = [f"MARK = {lua_string(MARK)}", f"wrk.method = {lua_string(request.method)}"]
    lines += [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in request.headers.items()]
    if request.body is not None:
        lines.append(f"wrk.body = {lua_string(request.body)}")
    if request.suffix is None:
        lines.append(f"wrk.path = {lua_string(request.path)}")
    else:
        # setup() runs in the main Lua state, once per thread, and hands each thread its
        # number as the global `tid` (a global: thread:set cannot reach a local upvalue).
        lines += [
            "started = 0",
            "function setup(thread) thread:set('tid', started); started = started + 1 end",
            "count = 0",
            "function request()",
            "  count = count + 1",
            f"  local n = string.format('%.0f', {nonce} + count * {threads} + tid)",
            f"  return wrk.format(nil, {lua_string(request.path)} .. n .. "
            f"{lua_string(request.suffix)})",
            "end",
        ]
    return "\n".join(lines) + "\n" + _DONE


def mix_script(requests: Sequence[Request]) -> str:
    """Every connection sends ``requests`` in turn, each thread starting at its own place
    (fixed texts only: a mix measures a site's traffic, not the answer cache's misses)."""
    if any(r.suffix is not None for r in requests):
        raise ValueError("a mix sends fixed requests (no suffix)")
    lines = [f"MARK = {lua_string(MARK)}", "started = 0", "reqs = {}"]
    for r in requests:
        headers = (
            "{"
            + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in r.headers.items())
            + "}"
        )
        body = lua_string(r.body) if r.body is not None else "nil"
        lines.append(
            f"reqs[#reqs + 1] = function() return wrk.format({lua_string(r.method)}, "
            f"{lua_string(r.path)}, {headers}, {body}) end"
        )
    lines += [
        "function setup(thread) thread:set('tid', started); started = started + 1 end",
        "i = nil",
        "function request()",
        "  if i == nil then i = tid end",
        "  i = i % #reqs + 1",
        "  return reqs[i]()",
        "end",
    ]
    return "\n".join(lines) + "\n" + _DONE


_CHECKED = r"""
threads = {}
function setup(thread)
  thread:set('tid', started)
  started = started + 1
  table.insert(threads, thread)
end
mismatched, refused, seen = 0, 0, {}
function response(status, headers, body)
  if status ~= 200 then refused = refused + 1 return end
  local etag = headers["ETag"] or headers["etag"] or headers["Etag"]
  local label = labels[etag]
  if label == nil or expected[etag] ~= body then mismatched = mismatched + 1 return end
  seen[label] = (seen[label] or 0) + 1
end
function done(summary, latency, requests)
  local e = summary.errors
  local m, r, counts = 0, 0, {}
  for _, t in ipairs(threads) do
    m = m + t:get("mismatched")
    r = r + t:get("refused")
    for label, n in pairs(t:get("seen")) do counts[label] = (counts[label] or 0) + n end
  end
  local parts = {}
  for label, n in pairs(counts) do parts[#parts + 1] = string.format('"%s": %.0f', label, n) end
  io.write(string.format(
    '%s{"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, "p50_us": %.0f, ' ..
    '"p99_us": %.0f, "status": %.0f, "connect": %.0f, "read": %.0f, "write": %.0f, ' ..
    '"timeout": %.0f, "mismatched": %.0f, "not_200": %.0f, "seen": {%s}}\n',
    MARK, summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout, m, r,
    table.concat(parts, ", ")))
end
"""


@dataclass(frozen=True)
class CheckedResult:
    """A run whose every answer was compared with the body expected for its ETag."""

    result: WrkResult
    mismatched: int  #: answers whose ETag is unknown or whose body is not that ETag's
    not_200: int  #: answers with another status than 200
    seen: dict[str, int]  #: answers per label of the expected bodies (a release's name)


def checked_script(requests: Sequence[Request], expected: Mapping[str, tuple[str, bytes]]) -> str:
    """A mix (as :func:`mix_script`) whose ``response()`` checks each answer: its ETag must
    be one of ``expected`` (``{ETag: (label, body)}``) and its body exactly that body."""
    lines = mix_script(requests).split("\nfunction done", 1)[0].splitlines()
    lines = [line for line in lines if not line.startswith("function setup")]
    lines += ["expected, labels = {}, {}"]
    for etag, (label, body) in expected.items():
        key = lua_string(etag)
        lines.append(f"expected[{key}] = {lua_string(body)}")
        lines.append(f"labels[{key}] = {lua_string(label)}")
    return "\n".join(lines) + "\n" + _CHECKED


def run_checked(
    port: int,
    requests: Sequence[Request],
    expected: Mapping[str, tuple[str, bytes]],
    *,
    connections: int,
    seconds: int,
    threads: int,
) -> CheckedResult:
    """:func:`run` over a mix, every answer checked (:func:`checked_script`)."""
    doc = _wrk(port, checked_script(requests, expected), connections, seconds, threads)
    return CheckedResult(
        _result(doc), int(doc["mismatched"]), int(doc["not_200"]), dict(doc["seen"])
    )


def run(
    port: int,
    request: Request | Sequence[Request],
    *,
    connections: int,
    seconds: int,
    threads: int,
    nonce: int = 0,
    url: str | None = None,
    markers: Sequence[str] | None = None,
    timeout: float = 10.0,
) -> WrkResult:
    """One wrk run against 127.0.0.1:``port``: one request, or a mix sent in turn; ``nonce``
    offsets the unique numbers so that no two runs of a harness send the same text (our
    answer cache lives as long as the server). ``url`` is where to connect instead (e.g.
    ``https://localhost:8443``: wrk sends its host as ``Host`` and SNI); ``markers``: tally
    every answer (see :class:`Answers`); ``timeout``: seconds after which wrk gives up on
    an answer and counts a timeout.
    """
    threads = max(1, min(threads, connections))  # wrk refuses more threads than connections
    text = (
        script(request, threads=threads, nonce=nonce)
        if isinstance(request, Request)
        else mix_script(request)
    )
    if markers is not None:
        text += tally_script(markers)
    return _result(_wrk(port, text, connections, seconds, threads, url, timeout))


def _wrk(
    port: int,
    text: str,
    connections: int,
    seconds: int,
    threads: int,
    url: str | None = None,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Run wrk with the Lua ``text``; the JSON line its ``done()`` printed."""
    threads = max(1, min(threads, connections))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-wrk-") as lua:
        lua.write(text)
        lua.flush()
        args = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            f"{timeout:g}s",
        ]
        done = subprocess.run(
            [*args, "-s", lua.name, url or f"http://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    line = next((x for x in done.stdout.splitlines() if x.startswith(MARK)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    doc: dict[str, Any] = json.loads(line[len(MARK) :])
    return doc


def _result(doc: dict[str, Any]) -> WrkResult:
    return WrkResult(
        requests=int(doc["requests"]),
        seconds=doc["duration_us"] / 1e6,
        bytes=int(doc["bytes"]),
        p50_ms=doc["p50_us"] / 1000,
        p99_ms=doc["p99_us"] / 1000,
        bad_status=int(doc["status"]),
        socket_errors=int(doc["connect"] + doc["read"] + doc["write"] + doc["timeout"]),
        timeouts=int(doc["timeout"]),
        tally={_answers(key): int(n) for key, n in doc.get("tally", {}).items()},
    )
