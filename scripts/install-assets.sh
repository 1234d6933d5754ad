#!/usr/bin/env bash
# Install the query UI's editor (YASGUI, npm package @zazuko/yasgui) into
# server/static/vendor/yasgui/ so that /sparql works with no internet access at run time
# (no CDN). Idempotent: does nothing when the pinned version is already in place.
# The target directory is generated: keep it git-ignored.
set -euo pipefail

VERSION="${YASGUI_VERSION:-4.6.2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="$ROOT/server/static/vendor/yasgui"
# The version stamp and the package's metadata (licence, provenance) stay out of the served
# folder: the site does not tell anyone which version of which library it runs.
ABOUT="$ROOT/server/vendor-about/yasgui"
STAMP="$ABOUT/VERSION"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" && -f "$TARGET/yasgui.min.js" \
      && -f "$TARGET/yasgui.min.css" ]]; then
  echo "yasgui $VERSION already installed in ${TARGET#"$ROOT"/}"
  exit 0
fi
if ! command -v npm >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  # A new machine may lack Node.js: take Debian's npm (only `npm pack` is used).
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
command -v npm >/dev/null || { echo "install-assets: npm is required (Node 18+)" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The package's build/ is self-contained (one bundled script + one stylesheet), so fetching
# the tarball is enough: no dependency tree, no install scripts run.
(cd "$WORK" && npm pack --silent "@zazuko/yasgui@$VERSION" >/dev/null)
tar -xzf "$WORK"/zazuko-yasgui-"$VERSION".tgz -C "$WORK"

mkdir -p "$TARGET.tmp" "$ABOUT"
cp "$WORK/package/build/yasgui.min.js" "$WORK/package/build/yasgui.min.css" "$TARGET.tmp/"
rm -rf "$TARGET"
mv "$TARGET.tmp" "$TARGET"
cp "$WORK/package/package.json" "$ABOUT/package.json"  # licence and provenance
echo "$VERSION" > "$STAMP"  # last: it says the install is complete
echo "installed yasgui $VERSION in ${TARGET#"$ROOT"/}"
