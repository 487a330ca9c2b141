#!/usr/bin/env bash
# Set up .venv (first time only), re-execute every notebook on the paper's full grids (in place: the
# committed notebooks carry the outputs) and write every figure and table into figures/.
# Extra arguments (e.g. --only 01 02, or --quick) are passed to lindblad_core.notebooks_runner.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup_env.sh"

export JUPYTER_PATH="$ROOT/.venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
exec "$ROOT/.venv/bin/python" -m lindblad_core.notebooks_runner "$@"
