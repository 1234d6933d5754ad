"""What the hardening suite sends: the site's traffic mix, and probes of a server under load."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from bench.wrk import Request

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "server" / "sparql" / "queries"
HTML = {"Accept": "text/html", "Accept-Language": "ja"}
TURTLE = {"Accept": "text/turtle"}
RESULTS = {"Accept": "application/sparql-results+json"}
#: The example queries that are SELECTs over the whole publication.
SELECTS = [
    "01-unachieved-kpis.rq",
    "02-projects-per-department.rq",
    "03-kpi-targets-and-actuals.rq",
    "05-targets-by-year.rq",
    "09-kpi-direction-and-units.rq",
]
RESOURCES = [f"/id/kpi/{n}" for n in range(1, 6)] + [f"/id/project/fy2023/{n}" for n in range(1, 6)]


def site_mix() -> list[Request]:
    """Landing page, lists, 10 resources in HTML and Turtle, a dump, the catalog, 5 SELECTs."""
    pages = [Request(path, HTML) for path in ("/", "/kpis", "/projects", "/plan")]
    resources = [Request(path, HTML) for path in RESOURCES]
    resources += [Request(path + ".ttl", TURTLE) for path in RESOURCES]
    other = [Request("/download/dx-kpi.ttl"), Request("/catalog", TURTLE)]
    selects = [Request("/sparql?query=" + quote(query(name)), RESULTS) for name in SELECTS]
    return pages + resources + other + selects


def query(name: str) -> str:
    return (QUERIES / name).read_text(encoding="utf-8")


@dataclass
class Probes:
    """Timed GETs of one URL on fresh connections while something else loads the server."""

    url: str
    timeout: float = 5.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def probe(self) -> None:
        parts = urlsplit(self.url)
        started = time.monotonic()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        try:
            conn.request(
                "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=HTML
            )
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                self.failures.append(f"status {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            self.failures.append(type(exc).__name__)
        finally:
            conn.close()
        self.latencies.append(time.monotonic() - started)

    @property
    def worst(self) -> float:
        return max(self.latencies, default=0.0)

    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else 0.0
