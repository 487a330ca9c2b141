#!/usr/bin/env bash
# Set up .venv (first time only) and regenerate every figure and table into figures/.
# Extra arguments (e.g. --quick) are passed to lindblad_core.notebooks_runner.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup_env.sh"

export MPLBACKEND=Agg
export JUPYTER_PATH="$ROOT/.venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
exec "$ROOT/.venv/bin/python" -m lindblad_core.notebooks_runner "$@"
