"""granian's own log, as ``python -m server`` configures it (``--log-config``).

granian warns at every start that 64 blocking threads "seems quite high compared to the
number of CPU cores". The number is deliberate: a ``/sparql`` query waits for a query
process in a thread of its own, so threads are cheap waiting rooms, not CPU work (see
``server_argv`` in server/__main__.py and the README). :class:`DeliberateThreads` drops that
one warning; everything else granian logs is kept, in granian's own format.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

#: The start of the warning granian logs about its blocking threads.
THREADS_WARNING = "Configuration allows spawning up to"
CONFIG = Path(__file__).with_name("granian_log.json")
MODULE = "server.wsgi.granian_log"  # by name: the JSON is written by running this module


class DeliberateThreads(logging.Filter):
    """Drops granian's warning about many blocking threads (the number is deliberate)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(THREADS_WARNING)


def log_config() -> dict[str, object]:
    """granian's default logging (granian/log.py) with :class:`DeliberateThreads`."""
    generic = {"()": "logging.Formatter", "fmt": "[%(levelname)s] %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"deliberate_threads": {"()": f"{MODULE}.DeliberateThreads"}},
        "formatters": {
            "generic": generic,
            "access": {"()": "logging.Formatter", "fmt": "%(message)s"},
        },
        "handlers": {
            "console": {
                "formatter": "generic",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["deliberate_threads"],
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


if __name__ == "__main__":  # python -m server.wsgi.granian_log > server/wsgi/granian_log.json
    print(json.dumps(log_config(), indent=2))
