"""Read a SPARQL 1.1 Protocol request (GET, form POST, direct POST) into its parameters.

Parsed by hand rather than through ``request.form`` / ``request.args``: werkzeug replaces
bytes that are not UTF-8, and the protocol wants those refused (400), and bodies must be
read with a size limit before anything else happens (413).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from flask import Request

from server.errors import ApiError, UpdateRefused
from server.syntax import READ_ONLY

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
#: At most this much of a refused (413) body is read and dropped, in at most DRAIN_SECONDS,
#: so that the client's keep-alive connection stays usable; see :func:`_drain`.
DRAIN_MAX_BYTES = 4 * 1024 * 1024
DRAIN_SECONDS = 2.0
DRAIN_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Operation:
    """The protocol parameters of one request (``query`` is None: no query was sent)."""

    query: str | None
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    formats: tuple[str, ...]
    example: str | None = None


def read_operation(request: Request, max_body_bytes: int) -> Operation:
    """The operation a GET or POST request asks for.

    :raises ApiError: 415 unsupported Content-Type, 413 body too large, 400 body
        incomplete, not UTF-8 or more than one query.
    :raises UpdateRefused: any SPARQL Update.
    """
    params = _parse_params(request.query_string)
    direct: str | None = None
    if request.method == "POST":
        media_type = request.mimetype
        if media_type == UPDATE:
            raise UpdateRefused(READ_ONLY)
        if media_type not in (FORM, QUERY):
            raise ApiError(
                415,
                f"Content-Type {media_type or '(none)'} is not supported; "
                f"send {FORM} or {QUERY} / 未対応の Content-Type です",
            )
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ApiError(
                400, f"charset={charset} is not supported: send UTF-8 / UTF-8 で送ってください"
            )
        body = _read_body(request, max_body_bytes)
        if media_type == FORM:
            params += _parse_params(body)
        else:
            direct = _utf8(body)
    names = {name for name, _ in params}
    if "update" in names or any(n.startswith("using-") for n in names):
        raise UpdateRefused(READ_ONLY)
    queries = [value for name, value in params if name == "query"]
    if direct is not None:
        queries.append(direct)
    if len(queries) > 1:
        raise ApiError(400, "more than one query was sent / クエリが複数あります")
    if request.method == "POST" and not queries:
        raise ApiError(400, "no query was sent: use the 'query' parameter / クエリがありません")
    return Operation(
        query=queries[0] if queries else None,
        default_graphs=_values(params, "default-graph-uri"),
        named_graphs=_values(params, "named-graph-uri"),
        formats=tuple(v for n, v in params if n in ("format", "output", "results")),
        example=next((v for n, v in params if n == "example"), None),
    )


def _read_body(request: Request, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes; never a part of it.

    A body shorter than its ``Content-Length`` (the client stopped sending) is refused
    rather than run: its first bytes can be a valid query of their own.
    """
    length = request.content_length
    if length is not None and length > limit:
        raise _too_large(limit, drained=_drain(request))
    body = _read_up_to(request, limit + 1 if length is None else length)
    if length is not None and len(body) < length:
        raise _incomplete(f"{len(body)} of {length} bytes arrived")
    if len(body) > limit:  # chunked: no length was declared
        raise _too_large(limit, drained=_drain(request))
    return body


def _read_up_to(request: Request, size: int) -> bytes:
    """The body until its end or ``size`` bytes; one read may return less than asked.

    Each WSGI server reports a broken body its own way (PEP 3333 names no error type):
    werkzeug raises ``ClientDisconnected``, gunicorn ``NoMoreData`` (an OSError) or
    ``InvalidChunkSize`` (a bare Exception), eventlet a ValueError; granian ends the body
    early without an error, which the ``Content-Length`` check of :func:`_read_body` sees.
    """
    parts: list[bytes] = []
    got = 0
    try:
        while got < size:
            chunk = request.stream.read(min(size - got, DRAIN_CHUNK))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
    except Exception as exc:  # noqa: BLE001 - only the server's stream is read here
        raise _incomplete(f"{type(exc).__name__} after {got} bytes") from exc
    return b"".join(parts)


def _incomplete(detail: str) -> ApiError:
    # The connection cannot carry another request after a broken body.
    return ApiError(
        400,
        f"request body incomplete ({detail}); nothing was run / 本文が途中で切れています",
        headers={"Connection": "close"},
    )


def _drain(request: Request) -> bool:
    """Read and drop the rest of a refused body; False if it is too big or too slow.

    An unread body is left on a keep-alive connection: gunicorn (gthread) drains 64 KiB
    of it after the answer and otherwise closes the connection, after it has told the
    client ``Connection: keep-alive`` (it drops the application's ``Connection`` header),
    so the client's next request on it fails. Bodies up to :data:`DRAIN_MAX_BYTES`
    (Tomcat swallows 2 MiB by default) are read in :data:`DRAIN_SECONDS` at most, in
    chunks that are dropped; larger ones are not read at all.
    """
    length = request.content_length
    if length is not None and length > DRAIN_MAX_BYTES:
        return False
    deadline = time.monotonic() + DRAIN_SECONDS
    drained = 0
    try:
        while drained <= DRAIN_MAX_BYTES and time.monotonic() < deadline:
            chunk = request.stream.read(DRAIN_CHUNK)
            if not chunk:
                return True
            drained += len(chunk)
    except Exception:  # noqa: BLE001 - a broken body (see _read_up_to): the client is gone
        return False
    return False


def _too_large(limit: int, *, drained: bool) -> ApiError:
    # A body still (partly) unread on the connection cannot be followed by another request:
    # ask the server to close it (gunicorn drops this header, but then closes anyway).
    return ApiError(
        413,
        f"request body larger than {limit} bytes / リクエストが大きすぎます",
        headers={} if drained else {"Connection": "close"},
    )


def _parse_params(raw: bytes) -> list[tuple[str, str]]:
    pairs = []
    try:
        for part in raw.split(b"&"):
            if part:
                name, _, value = part.partition(b"=")
                pairs.append((_unquote(name), _unquote(value)))
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "parameters are not percent-encoded UTF-8 / パラメータが UTF-8 ではありません"
        ) from exc
    return pairs


def _unquote(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, f"the query is not UTF-8 (byte {exc.start}) / クエリが UTF-8 ではありません"
        ) from exc


def _values(params: list[tuple[str, str]], name: str) -> tuple[str, ...] | None:
    values = tuple(value for key, value in params if key == name)
    return values or None
