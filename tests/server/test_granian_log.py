"""granian's log without its warning about 64 blocking threads (a deliberate number)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from server.__main__ import server_argv
from server.wsgi.granian_log import CONFIG, THREADS_WARNING, DeliberateThreads, log_config
from tests.support.live_server import live_process


def test_the_shipped_file_is_the_configuration() -> None:
    assert json.loads(CONFIG.read_text(encoding="utf-8")) == log_config()
    argv = server_argv("127.0.0.1", 8000, 2, 64)
    assert argv[argv.index("--log-config") + 1] == str(CONFIG)


def test_only_the_threads_warning_is_dropped() -> None:
    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("_granian", logging.WARNING, "", 0, message, None, None)

    keep = DeliberateThreads()
    assert not keep.filter(record(f"{THREADS_WARNING} 64 Python threads, which seems quite high"))
    assert keep.filter(record("Listening at: http://127.0.0.1:8000"))


def test_the_server_starts_without_the_warning(dist_dir: Path, tmp_path: Path) -> None:
    with live_process(dist_dir, log=tmp_path / "server.log") as live:
        text = live.log_text(lambda t: "Started worker" in t)
    assert "Started worker" in text and "seems quite high" not in text
