#!/usr/bin/env bash
# The npm packages the tests run: N3.js and jsonld.js (tests/clients/test_parsers.py) and
# axe-core (tests/server/test_browser_dashboard.py), into
# tests/clients/node_modules at the exact versions of tests/clients/package-lock.json (npm ci,
# no install scripts). Installed only when missing or when the lock file changed: a copy of
# the lock file in node_modules records what was installed. scripts/install-system-deps.sh
# calls this after it has installed Node.js.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/tests/clients"
stamp="$dir/node_modules/.installed-package-lock.json"
if ! cmp -s "$dir/package-lock.json" "$stamp"; then
  npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
  cp "$dir/package-lock.json" "$stamp"
fi
