#!/usr/bin/env bash
# Regenerate requirements.lock (runtime + the `test`, `qutip` and `docs` extras, fully pinned) from
# pyproject.toml with pip-tools.  Uses the project venv (.venv); creates it if needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ ! -x .venv/bin/python ]; then
    PY="$(command -v python3.11 || command -v python3)"
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip pip-tools

CUSTOM_COMPILE_COMMAND="scripts/lock.sh" \
.venv/bin/pip-compile --quiet --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
    --no-emit-trusted-host --extra test --extra qutip --extra docs --output-file requirements.lock pyproject.toml

# Portability: drop any local index / find-links / file:// lines and absolute paths
# that a local pip configuration may have injected.
tmp="$(mktemp)"
grep -v -E '^(--index-url|--extra-index-url|--find-links|-f |-i |--trusted-host)|file://' requirements.lock \
    | sed -E "s#${ROOT}/?##g" > "$tmp"
mv "$tmp" requirements.lock
echo "requirements.lock regenerated ($(grep -c '==' requirements.lock) pins)"
