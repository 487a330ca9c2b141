#!/usr/bin/env bash
# Idempotent bootstrap of the project environment in .venv:
#   python3.11 (or python3 >= 3.11) venv -> pip install -r requirements.lock
#   -> pip install --no-deps -e . -> register the venv as the `python3` Jupyter kernel.
# A stamp (.venv/.lindblad-stamp = sha256 of requirements.lock + pyproject.toml)
# makes a second run a fast no-op.  Run it as a subprocess (it is not meant to be sourced).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
STAMP="$VENV/.lindblad-stamp"

hash_inputs() {
    if command -v sha256sum >/dev/null 2>&1; then
        cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1
    else
        cat requirements.lock pyproject.toml | shasum -a 256 | cut -d' ' -f1
    fi
}

WANT="$(hash_inputs)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
    echo "environment up to date ($VENV)"
    exit 0
fi

if command -v python3.11 >/dev/null 2>&1; then
    PY=python3.11
elif command -v python3 >/dev/null 2>&1; then
    PY=python3
else
    echo "ERROR: no python3.11 or python3 found on PATH; Python >= 3.11 is required." >&2
    exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "ERROR: $PY is Python $("$PY" -c 'import platform; print(platform.python_version())'); Python >= 3.11 is required." >&2
    echo "       Install Python 3.11 (or use: conda env create -f environment.yml)." >&2
    exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV with $PY ($("$PY" --version 2>&1))"
    "$PY" -m venv "$VENV"
fi
rm -f "$STAMP"

"$VENV/bin/python" -m pip install --upgrade pip
"$VENV/bin/python" -m pip install -r requirements.lock
"$VENV/bin/python" -m pip install --no-deps -e .
# Make the kernel named `python3` (used by papermill / nbval) point at the venv python.
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lindblad-sdp)"

echo "$WANT" > "$STAMP"
echo "environment ready ($VENV)"
