#!/usr/bin/env bash
# System packages the tests need: real Chromium + ChromeDriver for the browser tests, CJK
# fonts so screenshots show Japanese, Virtuoso Open Source 7 for the remote-store tests
# (only the binaries, virtuoso-t and isql-vt: the tests start their own server; the package
# virtuoso-opensource would also install and start a system service and ask for a DBA
# password), and nginx for the front-proxy test (tests/server/test_front_proxy.py runs
# deploy/nginx/dx-lod.conf on a free port). rapper (raptor2-utils), Node.js and npm for the
# third-party parser tests (tests/clients/test_parsers.py); their npm packages come from
# scripts/install-test-clients.sh, run at the end. wrk drives the load of the hardening
# suite (tests/harden/; a Python client would measure itself). LibreOffice Calc (headless
# soffice) opens and saves the staff's workbook template and renders its screenshots, with
# poppler-utils (pdftoppm) for the PNGs (tests/converter/workbook/). systemd for
# systemd-analyze (tests/deploy/test_systemd.py reads the units; a container may lack it) and
# systemd-container for systemd-nspawn (tests/deploy/test_systemd_boot.py boots the units
# under a real systemd). prometheus for promtool (tests/deploy/test_prometheus.py checks
# deploy/prometheus/; its service is not started, see policy-rc.d below). Installed only
# when missing (CI starts empty).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource-7-bin)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v rapper >/dev/null 2>&1 || need+=(raptor2-utils)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  # The test starts its own nginx; the package's service (port 80) is not wanted: a
  # policy-rc.d that says 101 keeps it from starting (containers usually have one;
  # otherwise one is written for the install only, and removed even if the install fails).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
"$(dirname "$0")/install-test-clients.sh"
