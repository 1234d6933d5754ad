#!/usr/bin/env bash
# Screenshots of the staff's workbook for the README (docs/workbook-*.png): the template as
# `make template` writes it, rendered by LibreOffice (headless) to PDF, then cut to PNG by
# pdftoppm (poppler-utils); both come from scripts/install-system-deps.sh. Each image is
# kept under 300 KB. Run from anywhere: scripts/workbook-screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python -m converter template --out "$work/dx-kpi-next.xlsx" >/dev/null
soffice "-env:UserInstallation=file://$work/profile" --headless --convert-to pdf \
  --outdir "$work" "$work/dx-kpi-next.xlsx" >/dev/null 2>&1
pdf="$work/dx-kpi-next.pdf"
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
# Page 1 is the input sheet (A3 landscape, one page wide): its left part (plan, 部・課,
# the locked grey columns) and its right part (targets, the yellow cells to fill, 掲載).
pdftoppm -png -r 140 -f 1 -l 1 -x 84 -y 120 -W 1080 -H 380 -singlefile "$pdf" docs/workbook-input
pdftoppm -png -r 200 -f 1 -l 1 -x 2300 -y 170 -W 1100 -H 560 -singlefile "$pdf" \
  docs/workbook-input-kpi
# The last page is 記入方法.
pdftoppm -png -r 80 -f "$pages" -l "$pages" -W 1323 -H 520 -singlefile "$pdf" \
  docs/workbook-instructions
for image in docs/workbook-input.png docs/workbook-input-kpi.png docs/workbook-instructions.png; do
  size=$(stat -c %s "$image")
  [ "$size" -lt 307200 ] || { echo "$image is $size bytes (over 300 KB)" >&2; exit 1; }
  echo "$image $size bytes"
done
