#!/usr/bin/env bash
# Set up .venv (first time only), run the unit tests, then the notebook checks (nbval).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup_env.sh"

PY="$ROOT/.venv/bin/python"
export MPLBACKEND=Agg
# Use the venv's jupyter kernel spec (python3 -> .venv/bin/python) in preference to user ones.
export JUPYTER_PATH="$ROOT/.venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

status=0

echo "== unit tests =="
set +e
"$PY" -m pytest tests "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "ERROR: no unit tests were collected (pytest exit code 5)" >&2
    status=1
elif [ "$rc" -ne 0 ]; then
    status=$rc
fi

shopt -s nullglob
nbs=(notebooks/ci/*.ipynb)
shopt -u nullglob
if [ "${#nbs[@]}" -gt 0 ]; then
    echo "== notebook checks (nbval) =="
    nbargs=(--nbval notebooks/ci -p no:cacheprovider)
    if [ -f notebooks/ci/sanitize.cfg ]; then
        nbargs+=(--nbval-sanitize-with notebooks/ci/sanitize.cfg)
    fi
    set +e
    "$PY" -m pytest "${nbargs[@]}"
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        status=$rc
    fi
else
    echo "== notebook checks: no notebooks/ci/*.ipynb, skipped =="
fi

exit "$status"
