"""The deployed nginx config, ``deploy/nginx/dx-lod.conf``, run by Debian's nginx for tests.

:func:`front_proxy` runs that very file with only its ports, paths, site name
(``localhost``) and certificate (self-signed, made by ``openssl``) replaced, in front of
the server instances the test started, and returns once nginx answers over HTTPS.

nginx is a system package that ``scripts/install-system-deps.sh`` installs (``make test``
runs it, as CI does); without it the tests that use it fail, they do not skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.processes import free_port, log_tail, stop_process
from tests.support.timing import within

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "nginx" / "dx-lod.conf"
#: The site's name in the deployed config, and the one the tests serve under instead.
SITE, NAME = "data.pref.fukushima.lg.jp", "localhost"
#: The upstream servers the deployed config names, in its order.
UPSTREAMS = (8000, 8002)


@dataclass(frozen=True)
class FrontProxy:
    url: str  #: nginx over HTTPS (``https://localhost:<port>``)
    plain: str  #: nginx over HTTP
    work: Path  #: its config, certificate, cache, logs
    certificate: Path  #: the self-signed one nginx shows

    @property
    def cache_dir(self) -> Path:
        return self.work / "cache"

    @property
    def tls_port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(self.url + path, timeout=10, verify=str(self.certificate), **kwargs)  # type: ignore[arg-type]

    def error_log(self) -> str:
        """nginx's error log, whole."""
        path = self.work / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        pytest.fail(
            "nginx is not installed: run scripts/install-system-deps.sh (make test and CI do)",
            pytrace=False,
        )
    return found


def proxy_config(
    template: str, *, plain: int, tls: int, upstreams: Sequence[int], work: Path
) -> str:
    """The deployed config with these ports, name and paths; each is found as often as the
    deployed file has it (the redirect names the HTTPS port, which 443 leaves out).
    ``upstreams`` replace the config's upstream servers in order (one port may be given
    twice: one server behind both lines)."""
    if len(upstreams) != len(UPSTREAMS):
        raise ValueError(f"{CONFIG.name} names {len(UPSTREAMS)} upstream servers")
    replacements = {
        f"return 301 https://{SITE}$request_uri;": (
            1,
            f"return 301 https://{NAME}:{tls}$request_uri;",
        ),
        "127.0.0.1:8080": (2, f"127.0.0.1:{plain}"),
        "127.0.0.1:8443": (2, f"127.0.0.1:{tls}"),
        f"server_name {SITE};": (2, f"server_name {NAME};"),
        **{
            f"server 127.0.0.1:{deployed} ": (1, f"server 127.0.0.1:{port} ")
            for deployed, port in zip(UPSTREAMS, upstreams, strict=True)
        },
        "/etc/ssl/dx-lod/": (2, f"{work}/"),
        "root /var/www/letsencrypt;": (1, f"root {work / 'acme'};"),
        "/var/cache/nginx/dx-lod ": (1, f"{work / 'cache'} "),
        "/var/log/nginx/dx-lod.access.log": (1, str(work / "access.log")),
    }
    for old, (times, new) in replacements.items():
        assert template.count(old) == times, f"{CONFIG.name} no longer has {old!r} {times}×"
        template = template.replace(old, new)
    return template


def self_signed(work: Path) -> Path:
    """A certificate for ``localhost`` and its key, as the config names them."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}"]
        + ["-keyout", str(work / "privkey.pem"), "-out", str(work / "fullchain.pem")],
        check=True,
        capture_output=True,
    )
    return work / "fullchain.pem"


def main_config(work: Path, *, connections: int = 64) -> str:
    """What Debian's /etc/nginx/nginx.conf puts around conf.d/, with every path in ``work``;
    ``connections`` per worker counts both sides (clients and upstream)."""
    # Under root nginx's workers would run as nobody, who cannot enter pytest's tmp directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {work / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {work / 'nginx.pid'};\n"
        f"error_log {work / 'error.log'} warn;\nevents {{ worker_connections {connections}; }}\n"
        f"http {{\n{temp}    include {work / 'dx-lod.conf'};\n}}\n"
    )


@contextmanager
def front_proxy(
    work: Path, upstreams: Sequence[int], *, connections: int = 64
) -> Iterator[FrontProxy]:
    """nginx running the deployed config in ``work`` in front of ``upstreams``; stopped after.

    :raises RuntimeError: nginx exited or did not answer over HTTPS in time.
    """
    nginx = nginx_binary()
    plain_port, tls_port = free_port(), free_port()
    certificate = self_signed(work)
    (work / "dx-lod.conf").write_text(
        proxy_config(
            CONFIG.read_text(encoding="utf-8"),
            plain=plain_port,
            tls=tls_port,
            upstreams=upstreams,
            work=work,
        ),
        encoding="utf-8",
    )
    (work / "nginx.conf").write_text(main_config(work, connections=connections), encoding="utf-8")
    process = subprocess.Popen(
        [nginx, "-p", str(work), "-e", str(work / "error.log"), "-c", str(work / "nginx.conf")]
        + ["-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"https://{NAME}:{tls_port}"
        _wait_for_nginx(url + "/nginx-ready", certificate, process, work)
        yield FrontProxy(url, f"http://{NAME}:{plain_port}", work, certificate)
    finally:
        stop_process(process)


def _wait_for_nginx(
    url: str, certificate: Path, process: subprocess.Popen[bytes], work: Path
) -> None:
    """Until nginx answers over HTTPS with its certificate (any status: the app's 404)."""
    deadline = time.monotonic() + within(10.0)
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"nginx exited with {process.returncode}: {log_tail(work / 'error.log')}"
            )
        try:
            requests.get(url, timeout=1, verify=str(certificate))
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"nginx did not answer: {log_tail(work / 'error.log')}"
                ) from None
        time.sleep(0.05)
