"""Conditional and range requests (RFC 9110 §13 and §14) on a complete answer, once for all.

werkzeug's ``make_conditional`` answers ``If-Match: *`` with 412, sends the whole page with a
412, lets a Range win over a failed If-Match, and refuses a malformed or multi-range Range
with 416; RFC 9110 says otherwise on all four. Here the preconditions are evaluated in the
standard's order (§13.2.2): If-Match (else If-Unmodified-Since) → 412; If-None-Match (else
If-Modified-Since) → 304; then If-Range and Range. Headers that are not valid are ignored,
as §13.1 requires of dates (``If-Modified-Since: not a date`` is no condition).

Ranges (only on GET, only where the answer says ``Accept-Ranges: bytes``): one range gets
206 with ``Content-Range``; one that starts past the end gets 416 with
``Content-Range: bytes */length``; a malformed header, another unit, or several ranges are
ignored and get the whole body (200): a server may always ignore Range (§14.2), and
answering several ranges as multipart/byteranges buys a data publisher nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from flask import Request, Response
from werkzeug.http import parse_date, parse_etags, quote_etag

from server.errors import error_body

#: The request headers (WSGI names) this module evaluates; without any, nothing changes.
_CONDITIONS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
)
_SPEC = re.compile(r"(\d{1,18})-(\d{0,18})|-(\d{1,18})")


@dataclass(frozen=True)
class _Slice:
    start: int
    stop: int


def apply_conditions(request: Request, response: Response) -> Response:
    """``response`` (a complete 200 answer to GET or HEAD) as the request's conditions make it.

    Returns the same object, changed in place: 304 (no body), 412 or 416 (a short error
    body), 206 (the range), or unchanged.
    """
    if not any(name in request.environ for name in _CONDITIONS):
        return response  # the common case: nothing to evaluate
    etag, weak = response.get_etag()
    status = _precondition(request, etag if not weak else None, etag, response.last_modified)
    if status == 304:
        response.status_code = 304  # werkzeug sends no body with a 304
        return response
    if status == 412:
        return _problem(response, 412, "precondition failed / 前提条件を満たしません")
    if request.method == "GET" and response.headers.get("Accept-Ranges") == "bytes":
        _apply_range(request, response, etag if not weak else None)
    return response


def _precondition(
    request: Request, strong: str | None, etag: str | None, modified: datetime | None
) -> int | None:
    headers = request.headers
    if "If-Match" in headers:
        if not _matches(headers["If-Match"], strong, weak=False):
            return 412
    elif _after(modified, headers.get("If-Unmodified-Since")):
        return 412
    if "If-None-Match" in headers:
        return 304 if _matches(headers["If-None-Match"], etag, weak=True) else None
    since = parse_date(headers.get("If-Modified-Since"))
    if since is not None and modified is not None and modified <= since:
        return 304
    return None


def _matches(header: str, etag: str | None, *, weak: bool) -> bool:
    """Whether an If-Match / If-None-Match list names ``etag`` ("*": any current one)."""
    tags = parse_etags(header)
    if tags.star_tag:
        return True  # every answer that gets here has a current representation
    if etag is None:
        return False
    return tags.contains_weak(etag) if weak else tags.contains(etag)


def _after(modified: datetime | None, header: str | None) -> bool:
    """Whether the answer changed after the date in ``header`` (an invalid date: no)."""
    since = parse_date(header)
    return since is not None and modified is not None and modified > since


def _apply_range(request: Request, response: Response, strong: str | None) -> None:
    header = request.headers.get("Range")
    if header is None or not _if_range_holds(request, strong, response.last_modified):
        return
    body = response.get_data()
    chosen = byte_range(header, len(body))
    if chosen is None:
        return
    if chosen.start >= chosen.stop:
        _problem(response, 416, f"range not satisfiable: {len(body)} bytes / 範囲が不正です")
        response.headers["Content-Range"] = f"bytes */{len(body)}"
        return
    response.set_data(body[chosen.start : chosen.stop])
    response.status_code = 206
    response.headers["Content-Range"] = f"bytes {chosen.start}-{chosen.stop - 1}/{len(body)}"


def _if_range_holds(request: Request, strong: str | None, modified: datetime | None) -> bool:
    """If-Range: the range only if the client's copy is this one (strong comparison)."""
    value = request.headers.get("If-Range")
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return strong is not None and value == quote_etag(strong)
    date = parse_date(value)
    return date is not None and modified is not None and date == modified


def byte_range(header: str, length: int) -> _Slice | None:
    """The one byte range ``header`` asks of a body of ``length`` bytes.

    None: answer the whole body (malformed, another unit, several ranges). An empty slice
    (start == stop): the range is valid but not satisfiable (416).
    """
    unit, eq, ranges = header.partition("=")
    if not eq or unit.strip().lower() != "bytes" or "," in ranges:
        return None
    match = _SPEC.fullmatch(ranges.strip())
    if match is None:
        return None
    first, last, suffix = match.groups()
    if suffix is not None:
        size = int(suffix)
        return _Slice(max(0, length - size), length) if size else _Slice(0, 0)
    start = int(first)
    if last and int(last) < start:
        return None  # "bytes=5-1" is not a valid range at all: ignored
    if start >= length:
        return _Slice(0, 0)
    stop = min(int(last) + 1, length) if last else length
    return _Slice(start, stop)


def _problem(response: Response, status: int, message: str) -> Response:
    """Replace the representation with the site's short JSON error; no cache may keep it
    (it answers one request's conditions, not the URL)."""
    for name in ("Content-Encoding", "Content-Disposition", "Content-Range", "Content-Language"):
        response.headers.pop(name, None)
    response.set_data(json.dumps(error_body(status, message), ensure_ascii=False) + "\n")
    response.content_type = "application/json"
    response.headers["Cache-Control"] = "no-store"
    response.status_code = status
    return response
