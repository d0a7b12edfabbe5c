#!/bin/sh
# The browser for tests/browser: Debian's Chromium (Playwright's own browser download is not
# used). Installs the chromium package with apt-get when it is missing (as root), and checks
# that Playwright and axe-playwright-python (the Python packages of the `browser` extra) are in
# the virtual environment.
# Idempotent: with both present it only prints the versions.
#
#   scripts/browser.sh [PYTHON]      PYTHON defaults to .venv/bin/python
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${1:-$ROOT/.venv/bin/python}

say() { echo "browser.sh: $*" >&2; }
die() { say "$*"; exit 1; }

chromium=${SAMEN_CHROMIUM:-$(command -v chromium || true)}
if [ -z "$chromium" ]; then
    [ "$(id -u)" = 0 ] || die "Chromium is not installed; install it (Debian: apt-get install chromium) or run this as root"
    command -v apt-get >/dev/null 2>&1 || die "Chromium is not installed and there is no apt-get to install it"
    say "installing Chromium (apt-get install chromium)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || die "apt-get update failed (no network?)"
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2 \
        || die "apt-get install chromium failed"
    chromium=$(command -v chromium) || die "chromium installed, but not found in PATH"
fi
"$chromium" --version >&2 || die "$chromium does not run"
"$PY" -c "import playwright; from playwright.sync_api import sync_playwright" 2>/dev/null \
    || die "Playwright is not installed in $PY: pip install -e '.[browser]'"
"$PY" -c "import axe_playwright_python.sync_playwright" 2>/dev/null \
    || die "axe-playwright-python (axe-core, for the accessibility test) is not installed in $PY: pip install -e '.[browser]'"
"$PY" -c "from importlib.metadata import version; print('playwright', version('playwright'))" >&2
