#!/usr/bin/env bash
# System packages the tests need: real Chromium + ChromeDriver for the browser tests, CJK
# fonts so screenshots show Japanese, and Virtuoso Open Source 7 for the remote-store tests
# (only the binaries, virtuoso-t and isql-vt: the tests start their own server; the package
# virtuoso-opensource would also install and start a system service and ask for a DBA
# password). Installed only when missing (CI starts empty).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource-7-bin)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
