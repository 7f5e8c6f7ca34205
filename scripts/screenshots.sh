#!/usr/bin/env bash
# Screenshots at 1366×768 under Xvfb with a real window manager (openbox), Indonesian and English:
#   bash scripts/screenshots.sh [OUT_DIR] [--residents N] [--lang id|en]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-docs/screenshots}"
shift || true
xvfb-run -a -s "-screen 0 1366x768x24" bash -c '
  openbox & WM=$!
  sleep 1
  QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots.py "$@"
  kill $WM' _ "$OUT" "$@"
