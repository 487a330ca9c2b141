#!/usr/bin/env bash
# Build the documentation (Sphinx + myst-nb) into docs/_build/html with warnings as errors and every
# cross-reference checked (nitpicky). Notebooks are rendered from their stored outputs: nothing is executed,
# nothing is fetched. Sets up .venv first (first time only). Extra arguments go to sphinx-build (e.g. -E).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup_env.sh" >/dev/null
exec "$ROOT/.venv/bin/python" -m sphinx -W --keep-going -n -b html "$@" docs docs/_build/html
