#!/usr/bin/env bash
# Install what the browser tests (tests/test_browser.py) need beyond pip: Debian's Chromium.
# `make test` runs this; it is a no-op when Chromium is already there. Playwright, pypdf and
# pypdfium2 come with the `dev` extra (pip); the CJK font comes with the project's dependencies.
#
# apt needs root. Without root (and without password-less sudo) this only says what to install
# and exits 0: the browser tests then fail with the same message when CI is set, and are skipped
# with it otherwise.
set -euo pipefail

CHROMIUM="${WXNB_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0

HINT="apt-get update && apt-get install -y --no-install-recommends chromium"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "install-browser: $CHROMIUM is missing and this is not root; the browser tests need it:" >&2
    echo "  sudo sh -c '$HINT'" >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get here; install Chromium and set WXNB_CHROMIUM to its path" >&2
  exit 0
fi

echo "install-browser: installing Debian's chromium (apt-get, --no-install-recommends) …"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "install-browser: $CHROMIUM still missing after apt-get" >&2; exit 1; }
echo "install-browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM installed")"
