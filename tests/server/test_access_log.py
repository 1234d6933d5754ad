"""The access log: one parseable line per request, whatever the request holds."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from server.wsgi.access_log import AccessLog

LINE = re.compile(
    r"^(?P<addr>\S+) - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "
    r'"(?P<method>\S+) (?P<url>\S+) (?P<protocol>\S+)" (?P<status>\d{3}) (?P<size>\d+|-) '
    r"(?P<ms>\d+\.\d)ms$"
)


def app(environ: dict, start_response):  # type: ignore[no-untyped-def,type-arg]
    status = 404 if environ["PATH_INFO"].startswith("/missing") else 200
    return Response(b"hello", status=status)(environ, start_response)


@pytest.fixture
def logged() -> Iterator[tuple[Client, AccessLog, int]]:
    read, write = os.pipe()
    log = AccessLog(app, fd=write, interval=3600)  # flushed by the test, not the thread
    try:
        yield Client(log), log, read
    finally:
        os.close(read)
        os.close(write)


def lines(log: AccessLog, read: int) -> list[str]:
    log.flush()
    return os.read(read, 1 << 20).decode("utf-8").splitlines()


def test_a_request_is_one_common_log_format_line(logged) -> None:  # type: ignore[no-untyped-def]
    client, log, read = logged
    client.get("/id/kpi/2?lang=en")
    client.post("/missing")
    first, second = (LINE.match(line) for line in lines(log, read))
    assert first and second
    assert first["method"] == "GET" and first["url"] == "/id/kpi/2?lang=en"
    assert first["status"] == "200" and first["size"] == "5"
    assert first["protocol"].startswith("HTTP/")
    assert second["method"] == "POST" and second["status"] == "404"


def test_no_request_can_break_or_forge_a_line(logged) -> None:  # type: ignore[no-untyped-def]
    client, log, read = logged
    # As a server hands them over (PEP 3333): the request's bytes as latin-1 characters.
    raw = {"PATH_INFO": '/a b"c\r\nd', "QUERY_STRING": "q=\x00\x1b[31m\xe6\x97\xa5"}
    client.get("/", environ_overrides=raw)
    client.get("/" + "x" * 100_000)
    found = lines(log, read)
    assert len(found) == 2 and all(LINE.match(line) for line in found), found
    assert found[0].split('"')[1] == "GET /a%20b%22c%0D%0Ad?q=%00%1B%5B31m%E6%97%A5 HTTP/1.1"
    assert len(found[1]) < 2200 and "…" in found[1]


def test_the_writer_thread_writes_in_the_background() -> None:
    read, write = os.pipe()
    try:
        client = Client(AccessLog(app, fd=write, interval=0.01))
        client.get("/")
        assert LINE.match(os.read(read, 4096).decode().strip())  # blocks until written
    finally:
        os.close(read)
        os.close(write)
