"""The metrics, in the Prometheus text format, on a port of their own.

Every worker process tries to bind ``DX_METRICS_HOST:DX_METRICS_PORT`` in a background
thread; one wins and serves the scrape for all of them (multi-process mode sums every
worker's files). The others try again every few seconds, so when the serving worker dies
and granian replaces it, another worker takes the port over. At each scrape the files of
worker processes that are gone are marked dead, so their live gauges (slots in use, cache
bytes) stop counting while their counters stay in the sums.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import start_http_server
from prometheus_client.registry import Collector

from server.metrics.folder import MULTIPROCESS_VARIABLE

log = logging.getLogger(__name__)

#: Seconds between a worker's tries to take the metrics port.
RETRY_BIND = 5.0
_PID_FILE = re.compile(r"_(\d+)\.db$")


class BuildInfo(Collector):
    """``dx_build_info``: 1, labelled with the code's version and commit and the digest of
    the data served, from the newest app of this process (a release switch makes one)."""

    def __init__(self) -> None:
        self._labels: Callable[[], Mapping[str, str]] = dict

    def provide(self, labels: Callable[[], Mapping[str, str]]) -> None:
        self._labels = labels

    def collect(self) -> Iterable[Metric]:
        labels = {"python": platform.python_version(), **self._labels()}
        family = GaugeMetricFamily(
            "dx_build_info", "The code and the data this server serves", labels=sorted(labels)
        )
        family.add_metric([labels[name] for name in sorted(labels)], 1)
        yield family


class LiveWorkers(Collector):
    """The multi-process collector, after marking the files of dead processes."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.inner = multiprocess.MultiProcessCollector(None, path=folder)

    def collect(self) -> Iterable[Metric]:
        for pid in _dead(Path(self.folder)):
            multiprocess.mark_process_dead(pid, self.folder)
        return self.inner.collect()


def _dead(folder: Path) -> set[int]:
    pids = {int(m.group(1)) for p in folder.glob("*.db") if (m := _PID_FILE.search(p.name))}
    return {pid for pid in pids if not _alive(pid)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


BUILD = BuildInfo()
if not os.environ.get(MULTIPROCESS_VARIABLE):
    REGISTRY.register(BUILD)  # one process: its own registry is the scrape's


def registry() -> CollectorRegistry:
    """What a scrape collects: every worker's files in multi-process mode, else this
    process's metrics; and the build info."""
    folder = os.environ.get(MULTIPROCESS_VARIABLE)
    if not folder:
        return REGISTRY
    found = CollectorRegistry(auto_describe=False)
    found.register(LiveWorkers(folder))
    found.register(BUILD)
    return found


_started = threading.Lock()
_serving = False


def serve_in_background(host: str, port: int) -> None:
    """Serve ``/metrics`` on ``host:port`` from this process when the port is free, else
    keep trying every :data:`RETRY_BIND` seconds (once per process, however many apps)."""
    global _serving
    with _started:
        if _serving:
            return
        _serving = True
    threading.Thread(target=_bind_forever, args=(host, port), name="metrics", daemon=True).start()


def _bind_forever(host: str, port: int) -> None:
    scraped = registry()
    while True:
        try:
            start_http_server(port, host, scraped)
        except OSError:
            time.sleep(RETRY_BIND)  # another worker serves them; take over if it goes
            continue
        log.info("metrics at http://%s:%d/metrics (process %d)", host, port, os.getpid())
        return
