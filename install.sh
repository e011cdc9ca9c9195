#!/usr/bin/env bash
# Install kg and everything its tests need on a fresh machine:
# a virtualenv in .venv with kg, the default spaCy model and the dev tools,
# and Debian's chromium for the viewer's browser tests (when apt-get is there).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
   && [ "$(id -u)" = "0" ]; then
  echo "installing chromium (browser tests of the viewer)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/kg --help >/dev/null
echo "kg installed: run it as .venv/bin/kg (or activate .venv)"
