"""Execute the numbered notebooks with papermill: ``python -m lindblad_core.notebooks_runner [--quick] [--ci]``.

* default: the paper's full grids; executed copies go to ``build/notebooks/``, figures and data to ``figures/``.
* ``--quick``: reduced grids (``quick = True``).
* ``--ci``: reduced grids, executed copies written to ``notebooks/ci/`` — the reference outputs that
  ``run_tests.sh`` checks with nbval.
Results are cached (``lindblad_core.sweeps``), so a second run reuses every solved point. Exits non-zero
if any notebook fails.
"""

from __future__ import annotations

import argparse
import sys
import time

from .paths import FIGURES, NOTEBOOKS, REPO

SANITIZE = """[timings]
regex: \\d+(\\.\\d+)?\\s?s\\b
replace: TIME

[addresses]
regex: 0x[0-9a-fA-F]+
replace: ADDRESS
"""


def main(argv=None) -> int:
    import papermill as pm

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced grids")
    parser.add_argument("--ci", action="store_true", help="reduced grids, outputs into notebooks/ci/")
    parser.add_argument("--only", nargs="*", default=None, help="notebook name prefixes to run (e.g. 00 01)")
    args = parser.parse_args(argv)
    quick = args.quick or args.ci
    out_dir = NOTEBOOKS / "ci" if args.ci else REPO / "build" / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.ci:
        (out_dir / "sanitize.cfg").write_text(SANITIZE)
    notebooks = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        notebooks = [p for p in notebooks if any(p.name.startswith(o) for o in args.only)]
    failed = []
    for nb in notebooks:
        before = {p: p.stat().st_mtime for p in FIGURES.glob("*")} if FIGURES.exists() else {}
        t0 = time.perf_counter()
        print(f"== {nb.name} ({'quick' if quick else 'full'} grids)", flush=True)
        try:
            pm.execute_notebook(str(nb), str(out_dir / nb.name), parameters={"quick": quick},
                                cwd=str(NOTEBOOKS), progress_bar=False, kernel_name="python3")
        except Exception as err:  # report and go on with the others
            failed.append(nb.name)
            print(f"   FAILED: {str(err).splitlines()[-1] if str(err) else err}", flush=True)
            continue
        new = sorted(p.name for p in FIGURES.glob("*") if before.get(p) != p.stat().st_mtime)
        print(f"   {time.perf_counter() - t0:.0f} s; wrote {', '.join(new) or 'nothing'} in {FIGURES}", flush=True)
    if failed:
        print("failed notebooks:", ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
