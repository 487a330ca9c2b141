"""Execute the numbered notebooks with papermill: ``python -m lindblad_core.notebooks_runner [options]``.

The notebooks in ``notebooks/`` are the single source of every figure: they are edited as notebooks and
committed *with* the outputs of the full-grid run, so a reader sees every figure without running anything.

* default: the paper's full grids. Each notebook is executed (into ``build/notebooks/``) and, when it
  succeeds, replaces its source in ``notebooks/`` with the fresh outputs; figures, CSV data and tables go
  to :func:`lindblad_core.paths.figures_dir`. A notebook that fails is left untouched in ``notebooks/``;
  its executed copy with the error stays in ``build/notebooks/``.
* ``--quick``: reduced grids (``quick = True``), executed copies in ``build/notebooks/`` only.
* ``--prepare-check DIR``: write each notebook, parameterised with ``quick = True`` and without outputs,
  into DIR, for ``pytest --nbval-lax DIR`` (what ``run_tests.sh`` does, with a temporary figures folder
  and result cache).
Results are cached (:mod:`lindblad_core.sweeps`), so a second run reuses every solved point. Exits
non-zero if any notebook fails.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from pathlib import Path

from .paths import NOTEBOOKS, REPO, figures_dir

# tqdm's progress bars (e.g. run_sweep's), written to stderr while a notebook runs: not kept in committed outputs
_PROGRESS = re.compile(r"\d+%\|")


def notebooks(only=None) -> list[Path]:
    """The numbered notebooks ``notebooks/NN_*.ipynb``, optionally those whose name starts with one of ``only``."""
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        found = [p for p in found if any(p.name.startswith(o) for o in only)]
    return found


def _drop_progress_bars(path: Path) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr"
                                    and _PROGRESS.search(o.get("text", "")))]
    nbformat.write(nb, path)


def prepare_check(folder: Path, only=None) -> list[Path]:
    """Parameterised quick copies without outputs (papermill's ``prepare_only``), for nbval."""
    import nbformat
    import papermill as pm

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for nb in notebooks(only):
        target = folder / nb.name
        pm.execute_notebook(str(nb), str(target), parameters={"quick": True}, prepare_only=True,
                            kernel_name="python3", progress_bar=False)
        parsed = nbformat.read(target, as_version=4)
        for cell in parsed.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(parsed, target)
        out.append(target)
    return out


def main(argv=None) -> int:
    import papermill as pm

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced grids, outputs in build/notebooks only")
    parser.add_argument("--prepare-check", metavar="DIR", type=Path, default=None,
                        help="write quick, unexecuted copies into DIR for nbval")
    parser.add_argument("--only", nargs="*", default=None, help="notebook name prefixes to run (e.g. 00 01)")
    args = parser.parse_args(argv)
    if args.prepare_check is not None:
        written = prepare_check(args.prepare_check, args.only)
        print(f"{len(written)} notebooks prepared in {args.prepare_check} (quick = True)")
        return 0
    build = REPO / "build" / "notebooks"
    build.mkdir(parents=True, exist_ok=True)
    figures = figures_dir()
    failed = []
    for nb in notebooks(args.only):
        before = {p: p.stat().st_mtime for p in figures.glob("*")} if figures.exists() else {}
        t0 = time.perf_counter()
        print(f"== {nb.name} ({'quick' if args.quick else 'full'} grids)", flush=True)
        executed = build / nb.name
        try:
            pm.execute_notebook(str(nb), str(executed), parameters={"quick": True} if args.quick else None,
                                cwd=str(NOTEBOOKS), progress_bar=False, kernel_name="python3")
        except Exception as err:  # report and go on with the others
            failed.append(nb.name)
            print(f"   FAILED: {str(err).splitlines()[-1] if str(err) else err} (see {executed})", flush=True)
            continue
        _drop_progress_bars(executed)
        if not args.quick:
            shutil.copyfile(executed, nb)
        new = sorted(p.name for p in figures.glob("*") if before.get(p) != p.stat().st_mtime)
        print(f"   {time.perf_counter() - t0:.0f} s; wrote {', '.join(new) or 'nothing'} in {figures}", flush=True)
    if failed:
        print("failed notebooks:", ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
