#!/usr/bin/env bash
# Start Smart Kampung: `bash scripts/run.sh [ARGS...]`. Prepares the checkout first (scripts/setup.sh,
# quick when nothing changed). With nothing configured the program offers the setup wizard or the
# demo village. Without a display on Linux it runs under Xvfb when xvfb-run is installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh

[[ -f main.py ]] || { echo "run: main.py is missing from $ROOT" >&2; exit 1; }

if [[ "$(uname -s)" == Linux && -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" \
      && -z "${QT_QPA_PLATFORM:-}" ]]; then
    if command -v xvfb-run >/dev/null 2>&1; then
        echo "run: no display (\$DISPLAY and \$WAYLAND_DISPLAY are empty): running under xvfb-run," \
             "so the window is invisible; run from a desktop session to see it" >&2
        exec xvfb-run -a .venv/bin/python main.py "$@"
    fi
    echo "run: no display (\$DISPLAY and \$WAYLAND_DISPLAY are empty) and xvfb-run is not installed." >&2
    echo "run: start it from a desktop session, install Xvfb (apt-get install xvfb), or set" \
         "QT_QPA_PLATFORM=offscreen" >&2
    exit 1
fi

exec .venv/bin/python main.py "$@"
