#!/usr/bin/env bash
# Screenshots of the staff console for docs/console-guide.md (docs/console/*.png): the
# end-to-end test drives real headless Chromium through sign-in, a bad and a good workbook,
# the preview, the publish, the public /kpis and a roll-back (tests/console/test_browser.py)
# and copies the guide's images here. Each image is kept under 300 KB (the test checks).
# Run from anywhere: scripts/console-screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DX_CONSOLE_GUIDE_DIR=docs/console .venv/bin/python -m pytest -q -p no:xdist \
  tests/console/test_browser.py
for image in docs/console/*.png; do
  echo "$image $(stat -c %s "$image") bytes"
done
