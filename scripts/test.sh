#!/usr/bin/env bash
# Every check CI runs, in order, stopping at the first failure:
#   setup -> ruff check -> mypy -> lint-imports (layer contracts) -> pytest "$@"
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/core -x -k letters`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export QT_QPA_PLATFORM=offscreen
BIN="$ROOT/.venv/bin"

step() {
    # step NAME COMMAND... : run one check; on failure say which and exit with its code.
    local name="$1"; shift
    echo "==> $name"
    local rc=0
    "$@" || rc=$?
    if (( rc != 0 )); then
        echo "test.sh: step '$name' failed (exit $rc)" >&2
        exit "$rc"
    fi
}

step setup bash scripts/setup.sh
step "ruff check" "$BIN/ruff" check .
step mypy "$BIN/mypy"
step lint-imports "$BIN/lint-imports"

echo "==> pytest"
rc=0
"$BIN/pytest" "$@" || rc=$?
if (( rc == 5 )); then
    echo "test.sh: step 'pytest' failed: no tests were collected (exit 5)" >&2
    exit 5
elif (( rc != 0 )); then
    echo "test.sh: step 'pytest' failed (exit $rc)" >&2
    exit "$rc"
fi
