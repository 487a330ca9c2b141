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
Results are cached (:mod:`lindblad_core.studies.sweeps`), so a second run reuses every solved point. Like ``make``,
a full-grid run also skips a notebook whose execution could not change anything: after each successful run
its *stamp* (``build/notebooks/stamps.json``) records a hash of its inputs (the notebook's code cells, the
sources of ``lindblad_core``, the versions of Python, NumPy, SciPy and the solver packages) and of its
outputs (the executed notebook and every file it wrote into the figures folder). A notebook is skipped only
when its inputs hash the same and every output is still there, byte for byte; ``--force`` re-executes
everything. A fresh clone has no stamps, so it executes every notebook. Exits non-zero if any notebook fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import time
from pathlib import Path

from lindblad_core.paths import NOTEBOOKS, REPO, figures_dir

# tqdm's progress bars (e.g. run_sweep's), written to stderr while a notebook runs: not kept in committed outputs
_PROGRESS = re.compile(r"\d+%\|")


def notebooks(only=None) -> list[Path]:
    """The numbered notebooks ``notebooks/NN_*.ipynb``, optionally those whose name starts with one of ``only``."""
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        found = [p for p in found if any(p.name.startswith(o) for o in only)]
    return found


STAMPS = "stamps.json"  # in the build folder


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _input_hash(nb: Path) -> str:
    """Hash of what a full-grid execution of ``nb`` depends on (module docstring)."""
    import importlib.metadata
    import platform

    import nbformat

    h = hashlib.sha256()
    parsed = nbformat.read(nb, as_version=4)
    h.update(json.dumps([c.source for c in parsed.cells if c.cell_type == "code"]).encode())
    package = Path(__file__).resolve().parent
    for src in sorted(package.rglob("*")):
        if src.is_file() and "__pycache__" not in src.parts:
            h.update(str(src.relative_to(package)).encode() + b"\0" + src.read_bytes())
    versions = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "cvxpy", "clarabel", "cvxopt", "scs", "mosek", "qutip", "matplotlib"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    h.update(json.dumps(versions, sort_keys=True).encode())
    return h.hexdigest()


def _up_to_date(stamp: dict | None, nb: Path, inputs: str, figures: Path) -> bool:
    """Whether ``stamp`` shows that executing ``nb`` again would change nothing."""
    if not stamp or stamp.get("inputs") != inputs or not nb.exists() or _sha256(nb) != stamp.get("notebook"):
        return False
    for name, digest in stamp.get("outputs", {}).items():
        out = figures / name
        if not out.is_file() or _sha256(out) != digest:
            return False
    return True


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """(modification time, sha256) of every file in ``folder``: a file counts as written by a notebook when
    either changed while it ran."""
    if not folder.exists():
        return {}
    return {p.name: (p.stat().st_mtime_ns, _sha256(p)) for p in folder.glob("*") if p.is_file()}


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
    parser.add_argument("--force", action="store_true",
                        help="re-execute notebooks even when their stamp shows nothing changed")
    args = parser.parse_args(argv)
    if args.prepare_check is not None:
        written = prepare_check(args.prepare_check, args.only)
        print(f"{len(written)} notebooks prepared in {args.prepare_check} (quick = True)")
        return 0
    build = REPO / "build" / "notebooks"
    build.mkdir(parents=True, exist_ok=True)
    figures = figures_dir()
    stamps_path = build / STAMPS
    try:
        stamps = json.loads(stamps_path.read_text()) if stamps_path.exists() else {}
    except (OSError, ValueError):
        stamps = {}  # unreadable stamps: execute everything
    failed = []
    for nb in notebooks(args.only):
        inputs = None if args.quick else _input_hash(nb)
        key = f"{nb.name}@{figures}"
        if not args.quick and not args.force and _up_to_date(stamps.get(key), nb, inputs, figures):
            print(f"== {nb.name}: up to date (inputs and outputs unchanged; --force re-executes it)", flush=True)
            continue
        before = _snapshot(figures)
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
        after = _snapshot(figures)
        new = sorted(name for name, digest in after.items() if before.get(name) != digest)
        if not args.quick:
            shutil.copyfile(executed, nb)
            written = sorted(set(new) | set((stamps.get(key) or {}).get("outputs", {})) & set(after))
            stamps[key] = {"inputs": inputs, "notebook": _sha256(nb), "outputs": {n: after[n][1] for n in written}}
            stamps_path.write_text(json.dumps(stamps, indent=1, sort_keys=True))
        print(f"   {time.perf_counter() - t0:.0f} s; wrote {', '.join(new) or 'nothing new'} in {figures}", flush=True)
    if failed:
        print("failed notebooks:", ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
