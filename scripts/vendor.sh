#!/bin/sh
# The browser libraries the platform serves itself (no CDN): installs the versions pinned in
# package.json and package-lock.json with `npm ci`, then copies the files the pages use into
# src/samen/web/core/static/samen/vendor/. The copies are committed, so running the platform
# needs no npm; run this only to change a version (edit package.json, `npm install
# --package-lock-only`, then this script) and commit what it wrote.
#
#   scripts/vendor.sh
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENDOR=$ROOT/src/samen/web/core/static/samen/vendor

say() { echo "vendor.sh: $*" >&2; }
die() { say "$*"; exit 1; }

command -v npm >/dev/null 2>&1 || die "npm is not installed (Debian: apt-get install npm)"
cd "$ROOT"
npm ci --ignore-scripts --no-audit --no-fund >&2 || die "npm ci failed"

# Leaflet: the map of a round's schools
src=$ROOT/node_modules/leaflet
[ -f "$src/dist/leaflet.js" ] || die "node_modules/leaflet/dist/leaflet.js is missing after npm ci"
dest=$VENDOR/leaflet
rm -rf "$dest"
mkdir -p "$dest/images"
cp "$src/dist/leaflet.js" "$src/dist/leaflet.css" "$dest/"
cp "$src/dist/images/"*.png "$dest/images/"
cp "$src/LICENSE" "$dest/LICENSE"
version=$(node -p "require('$src/package.json').version")
say "leaflet $version copied to ${dest#"$ROOT"/}"
