#!/usr/bin/env bash
# What `make bench` needs besides the venv (bench/http.py):
# - wrk, the load generator (a Python client saturates before the servers do: issue 10);
# - nginx, the trivial server of the client self-check (how fast can wrk go here?);
# - Trifid 5.3 (npm), the peer for the entity pages, into bench/.trifid/ (ignored by git).
# Idempotent and quiet: installs only what is missing. Trifid is optional (the bench runs
# with --no-trifid when npm is missing), so its failure only warns.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  log="$(mktemp)"
  # The bench starts its own nginx on a free port with a temporary config; the package's
  # service (port 80) is not wanted: a policy-rc.d that says 101 keeps it from starting
  # (containers usually have one; otherwise one is written for the install only).
  policy=/usr/sbin/policy-rc.d
  own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    own_policy=1
  fi
  if ! { $SUDO apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${need[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    [ -z "$own_policy" ] || $SUDO rm -f "$policy"
    exit 1
  fi
  rm -f "$log"
  [ -z "$own_policy" ] || $SUDO rm -f "$policy"
fi
trifid="$here/bench/.trifid"
if [ ! -x "$trifid/node_modules/.bin/trifid" ]; then
  if command -v npm >/dev/null 2>&1; then
    mkdir -p "$trifid"
    printf '*\n' >"$trifid/.gitignore"
    [ -f "$trifid/package.json" ] || printf '{"private": true}\n' >"$trifid/package.json"
    npm install --prefix "$trifid" --no-audit --no-fund --loglevel=error trifid@5.3 >/dev/null \
      || echo "warning: npm install trifid@5.3 failed; run the bench with --no-trifid" >&2
  else
    echo "warning: npm not found; Trifid is skipped (--no-trifid)" >&2
  fi
fi
