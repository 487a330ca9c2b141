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

Two notebooks run at a time (``--jobs``, default 2): each has its own kernel, and while one plots, saves PDFs
or solves in its kernel the other keeps the second core busy; each kernel then gets its share of the cores
for BLAS, the solvers' thread pools and its sweeps' worker processes (:data:`THREAD_VARIABLES`,
``LINDBLAD_SWEEP_JOBS``, unless set in the environment). A notebook
that reads points another one solves (:data:`AFTER`, e.g. the tables of 08 from the sweeps of 01, 02, 05 and
06) starts only when that one has finished, so the result cache serves them instead of both solving them. The
paper's notebooks (00–08) start before the others, each kind by its longest chain of waiting notebooks.
Each notebook writes into its own folder under ``build/notebooks/figures/`` (its ``LINDBLAD_FIGURES``); the
runner then moves those files into the figures folder, so it knows exactly which files each notebook wrote.
For each notebook it prints the wall seconds and the CPU seconds of its kernel and its sweep workers.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import shutil
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
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

# Thread pools of OpenBLAS, OpenMP, MKL, rayon (Clarabel) and numba (QICS). With several notebooks at a time,
# each kernel gets its share of the cores (unless the variable is set): BLAS threads waiting for a core that
# another notebook's kernel or sweep worker holds cost far more than they save on matrices this small.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS",
                    "NUMBA_NUM_THREADS")

# The notebooks that reproduce the paper's figures and tables (the others go beyond it).
PAPER = ("00", "01", "02", "03", "04", "05", "06", "07", "08")

# Notebook prefix -> the notebooks whose cached points it reads: it starts after them (when they are run too).
AFTER = {
    "05": ("01",),  # Fig. A1's "no bias" variant is panels (c, d) of Fig. 2
    "06": ("02",),  # Fig. A2's "no bias" variant is panels (c, d) of Fig. 3
    "08": ("01", "02", "05", "06"),  # Tables I and II: the four-panel sweeps of Figs. 2, 3, A1, A2
    "10": ("01", "02", "05", "06"),  # panels (c, d) of the same four figures with Tr Γ = 1
    "11": ("01", "02"),  # τ^pop and τ^pop,coh (physical target) of panels (c, d) of Figs. 2 and 3
}


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


@dataclass(frozen=True)
class Execution:
    """How one notebook's execution went: ``error`` (None on success; else the last line of the exception),
    the wall seconds and the CPU seconds of its kernel and the kernel's child processes (the sweep workers)."""

    error: str | None
    seconds: float
    cpu_seconds: float


def _children_cpu() -> float:
    """User + system seconds of the terminated children of this process (and of theirs, once reaped)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def execute(nb: Path, executed: Path, figures: Path, quick: bool, threads: int | None = None) -> Execution:
    """Execute ``nb`` into ``executed`` with papermill (cwd ``notebooks/``), its figures written into ``figures``.

    The kernel inherits this process's environment with ``LINDBLAD_FIGURES`` set to ``figures`` and, when
    ``threads`` is given, each of :data:`THREAD_VARIABLES` and ``LINDBLAD_SWEEP_JOBS`` (the worker processes of
    its sweeps) that is not set already set to ``threads``; the environment is restored afterwards. Its CPU
    time is measured as this process's children's, so run one notebook at a time per process.
    """
    import papermill as pm

    shutil.rmtree(figures, ignore_errors=True)  # left over from an interrupted run
    figures.mkdir(parents=True)
    changes = {"LINDBLAD_FIGURES": str(figures)}
    if threads is not None:
        changes.update({var: str(threads) for var in THREAD_VARIABLES + ("LINDBLAD_SWEEP_JOBS",)
                        if var not in os.environ})
    previous = {var: os.environ.get(var) for var in changes}
    os.environ.update(changes)
    t0, cpu0 = time.perf_counter(), _children_cpu()
    error = None
    try:
        pm.execute_notebook(str(nb), str(executed), parameters={"quick": True} if quick else None,
                            cwd=str(NOTEBOOKS), progress_bar=False, kernel_name="python3")
    except Exception as err:  # reported by the caller, which goes on with the others
        error = str(err).splitlines()[-1] if str(err) else repr(err)
    finally:
        for var, value in previous.items():
            if value is None:
                del os.environ[var]
            else:
                os.environ[var] = value
    return Execution(error, time.perf_counter() - t0, _children_cpu() - cpu0)


def _prefix(nb: Path) -> str:
    return nb.name[:2]


def ready(pending: list[Path], running: set[str], seconds: dict[str, float] | None = None) -> list[Path]:
    """The notebooks of ``pending`` that may start now, the most urgent first.

    A notebook may start when none of its :data:`AFTER` notebooks is pending or running (one that is not
    part of this run does not count). The paper's notebooks (:data:`PAPER`) come before the others, so that
    every figure and table of the paper is written first; among each, urgency is the longest chain of waiting
    notebooks it heads, in ``seconds`` (name -> expected wall seconds, :func:`recorded_seconds`; 1 for a
    notebook not in it), so that a long chain such as 02 -> 06 -> 10 starts first; ties in file order.
    """
    seconds = seconds or {}
    waiting = {_prefix(nb) for nb in pending} | running
    by_prefix = {_prefix(nb): nb for nb in pending}

    @functools.cache
    def chain(prefix: str) -> float:
        after = [p for p, before in AFTER.items() if prefix in before and p in by_prefix]
        return seconds.get(by_prefix[prefix].name, 1.0) + max((chain(p) for p in after), default=0.0)

    startable = [nb for nb in pending if not (set(AFTER.get(_prefix(nb), ())) & (waiting - {_prefix(nb)}))]
    return sorted(startable, key=lambda nb: (_prefix(nb) not in PAPER, -chain(_prefix(nb))))


def recorded_seconds(nb: Path) -> float | None:
    """The wall seconds of ``nb``'s last execution, as papermill recorded them in its metadata (None if absent)."""
    try:
        return float(json.loads(nb.read_text())["metadata"]["papermill"]["duration"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _collect(staging: Path, figures: Path) -> list[str]:
    """Move every file a notebook wrote into ``staging`` into ``figures``; their names, sorted."""
    written = sorted(p.name for p in staging.glob("*") if p.is_file()) if staging.exists() else []
    for name in written:
        shutil.move(str(staging / name), str(figures / name))
    shutil.rmtree(staging, ignore_errors=True)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced grids, outputs in build/notebooks only")
    parser.add_argument("--prepare-check", metavar="DIR", type=Path, default=None,
                        help="write quick, unexecuted copies into DIR for nbval")
    parser.add_argument("--only", nargs="*", default=None, help="notebook name prefixes to run (e.g. 00 01)")
    parser.add_argument("--force", action="store_true",
                        help="re-execute notebooks even when their stamp shows nothing changed")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="notebooks executed at the same time (default 2; 1 runs them one after the other)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got --jobs {args.jobs}")
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
    failed, pending, inputs_of = [], [], {}
    for nb in notebooks(args.only):
        inputs = None if args.quick else _input_hash(nb)
        if not args.quick and not args.force and _up_to_date(stamps.get(f"{nb.name}@{figures}"), nb, inputs, figures):
            print(f"== {nb.name}: up to date (inputs and outputs unchanged; --force re-executes it)", flush=True)
        else:
            pending.append(nb)
            inputs_of[nb.name] = inputs
    staging_root = build / "figures"
    grids = "quick" if args.quick else "full"

    def finish(nb: Path, result: Execution) -> None:
        written = _collect(staging_root / nb.stem, figures)
        executed = build / nb.name
        if result.error is not None:
            failed.append(nb.name)
            print(f"   {nb.name} FAILED: {result.error} (see {executed})", flush=True)
            return
        _drop_progress_bars(executed)
        if not args.quick:
            key = f"{nb.name}@{figures}"
            shutil.copyfile(executed, nb)
            after = _snapshot(figures)
            outputs = sorted((set(written) | set((stamps.get(key) or {}).get("outputs", {}))) & set(after))
            stamps[key] = {"inputs": inputs_of[nb.name], "notebook": _sha256(nb),
                           "outputs": {n: after[n][1] for n in outputs}}
            stamps_path.write_text(json.dumps(stamps, indent=1, sort_keys=True))
        print(f"   {nb.name}: {result.seconds:.0f} s, CPU {result.cpu_seconds:.0f} s; "
              f"wrote {', '.join(written) or 'nothing'} in {figures}", flush=True)

    threads = max(1, (os.cpu_count() or 1) // args.jobs) if args.jobs > 1 else None

    def start(nb: Path) -> tuple:
        print(f"== {nb.name} ({grids} grids)", flush=True)
        return nb, build / nb.name, staging_root / nb.stem, args.quick, threads

    if args.jobs == 1 or len(pending) <= 1:
        for nb in pending:
            finish(nb, execute(*start(nb)))
    else:
        seconds = {nb.name: recorded_seconds(nb) or 1.0 for nb in pending}
        running = {}
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            while pending or running:
                for nb in ready(pending, {_prefix(n) for n in running.values()}, seconds)[:args.jobs - len(running)]:
                    pending.remove(nb)
                    running[pool.submit(execute, *start(nb))] = nb
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    finish(running.pop(future), future.result())
    if failed:
        print("failed notebooks:", ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
