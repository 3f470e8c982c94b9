#!/usr/bin/env bash
# Run the whole test suite. SQLite by default; PostgreSQL when DATABASE_URL is set.
# Arguments are passed to pytest (e.g. ./test.sh -k sync -x).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh requirements-dev.txt

# Browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install Debian's chromium package (browser tests will be skipped)." >&2
  fi
fi

python -m pytest "$@"
