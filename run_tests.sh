#!/usr/bin/env bash
# Set up .venv (first time only), run the unit tests, then the notebook checks (nbval), then build the
# documentation with warnings as errors (scripts/build_docs.sh).
#
# The notebook checks never touch the user's results: each notebook is parameterised with quick = True
# (papermill) into a temporary folder and executed there by nbval-lax, with a temporary, empty figures
# folder and result cache, so every number is recomputed; every cell must run and each notebook's
# Testing cell asserts its physics. Afterwards figures/ must be byte-identical to before.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup_env.sh"

PY="$ROOT/.venv/bin/python"
# Use the venv's jupyter kernel spec (python3 -> .venv/bin/python) in preference to user ones.
export JUPYTER_PATH="$ROOT/.venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export MPLBACKEND=Agg

CHECK="$(mktemp -d "${TMPDIR:-/tmp}/lindblad-check.XXXXXX")"
trap 'rm -rf "$CHECK"' EXIT
export LINDBLAD_FIGURES="$CHECK/figures" LINDBLAD_CACHE="$CHECK/cache"

fingerprint() {  # content hash of every file under figures/ (the user's results)
    (cd "$ROOT" && find figures -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum)
}
before="$(fingerprint)"

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

echo "== notebook checks (nbval-lax on quick copies in $CHECK) =="
"$PY" -m lindblad_core.notebooks_runner --prepare-check "$CHECK/notebooks"
set +e
"$PY" -m pytest --nbval-lax "$CHECK/notebooks" -p no:cacheprovider --rootdir "$CHECK"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
    status=$rc
fi

echo "== documentation (Sphinx, warnings as errors: scripts/build_docs.sh) =="
set +e
"$ROOT/scripts/build_docs.sh" -E -q
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
    echo "ERROR: the documentation build failed (scripts/build_docs.sh exit code $rc)" >&2
    status=$rc
fi

if [ "$(fingerprint)" != "$before" ]; then
    echo "ERROR: the checks changed files under figures/ (they must only write to $CHECK)" >&2
    status=1
fi
exit "$status"
