"""Sweeps: a grid of settings → a results table, computed in parallel and cached on disk.

Each point is one :class:`SweepPoint` (a :class:`~lindblad_core.chain.ChainSetup`, the quantity and its
options). Its result is written, as soon as it is known, to ``<cache>/<key>.json`` where the key hashes the
point *and the code version* (the package version plus a hash of the physics modules' sources). Files
are written atomically (temporary file + ``os.replace``), so an interrupted sweep resumes where it
stopped and never leaves a half-written result. Failed solves are stored with their status like any
other result; they are never dropped.

Parallelism: joblib's process pool (one BLAS thread per worker) by default, or a Dask cluster when
``scheduler`` is given (``pip install lindblad-sdp[dask]``; for SLURM see the README).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import platform
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .chain import ChainSetup
from .paths import cache_dir as default_cache_dir

__all__ = ["SweepPoint", "grid", "run_sweep", "code_version", "evaluate"]

QUANTITIES = ("tau_pop", "tau_pop_coh")
# Part of every cache key: bump it whenever the layout or meaning of a stored record changes.
RECORD_FORMAT = 3
_PHYSICS_MODULES = ("model.py", "baths.py", "chain.py", "redfield.py", "lindblad.py", "sdp.py")


@dataclass(frozen=True)
class SweepPoint:
    """One SDP to solve: ``quantity`` ("tau_pop" | "tau_pop_coh") at ``setup`` with ``options``
    (keyword arguments of :func:`~lindblad_core.sdp.tau_pop` / :func:`~lindblad_core.sdp.tau_pop_coh`:
    blocks, norm, target, free_trace)."""

    setup: ChainSetup
    quantity: str
    options: tuple = field(default_factory=tuple)  # sorted (name, value) pairs, hashable
    tag: str = ""  # which sweep/panel the point belongs to; not part of the cache key

    def __post_init__(self):
        if self.quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {QUANTITIES}, got quantity={self.quantity!r}")
        if isinstance(self.options, dict):
            object.__setattr__(self, "options", tuple(sorted(self.options.items())))

    def record(self) -> dict:
        return {"quantity": self.quantity, **dict(self.options), **self.setup.to_dict()}

    def key(self) -> str:
        payload = json.dumps({"point": self.record(), "code": code_version(), "format": RECORD_FORMAT},
                             sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Package version plus a hash of the physics sources (read once per process): results of changed
    code are recomputed."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _PHYSICS_MODULES:
        h.update((here / name).read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


def grid(base: ChainSetup, quantities=QUANTITIES, options: dict | None = None, tag: str = "",
         **axes) -> list[SweepPoint]:
    """All combinations of ``axes`` (ChainSetup field → values) applied to ``base``, for each quantity.

    Example: ``grid(base, g=np.logspace(-3, 0, 12), beta_right=[10, 5, 1, 0.5])``.
    """
    names = list(axes)
    points = []
    for values in itertools.product(*(list(np.atleast_1d(axes[n])) for n in names)):
        changes = {n: (v.item() if hasattr(v, "item") else v) for n, v in zip(names, values)}
        setup = base.replace(**changes)
        for q in ([quantities] if isinstance(quantities, str) else quantities):
            opts = dict(options or {})
            if q == "tau_pop":
                opts = {k: v for k, v in opts.items() if k in ("blocks", "trace", "symmetry", "solver")}
            points.append(SweepPoint(setup, q, opts, tag))
    return points


def evaluate(point: SweepPoint) -> dict:
    """Solve one point and return its flat record (setting, result, status, timings, versions)."""
    from .sdp import tau_pop, tau_pop_coh

    t0 = time.perf_counter()
    row = point.record()
    try:
        solve = tau_pop if point.quantity == "tau_pop" else tau_pop_coh
        res = solve(point.setup, **dict(point.options))
        out = res.to_dict()
        out.pop("quantity")
        for k in ("blocks", "traces"):
            out[k] = json.dumps(out[k])
        row.update(out)
        row["ok"] = res.ok
    except Exception as err:  # kept as a failed point, never dropped
        # A degenerate H_S is outside the theory of Sec. II.B (e.g. the uniform 3-site chain at g = 1):
        # such points get their own status so that notebooks can list and exclude them explicitly.
        status = "degenerate" if isinstance(err, ValueError) and "degenerate" in str(err) else "error"
        row.update({"value": None, "lower": 0.0, "upper": float("inf"), "status": status, "message": str(err),
                    "verdict": "inconclusive", "solver": None, "ok": False, "certified": False})
    row["seconds"] = time.perf_counter() - t0
    row["versions"] = json.dumps(_versions())
    row["code_version"] = code_version()
    return row


def _versions() -> dict:
    import cvxpy
    import scipy

    return {"lindblad_core": __version__, "numpy": np.__version__, "scipy": scipy.__version__,
            "cvxpy": cvxpy.__version__, "python": platform.python_version()}


def _write_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, default=str)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _evaluate_and_store(point: SweepPoint, cache_dir: Path) -> dict:
    row = evaluate(point)
    _write_atomic(cache_dir / f"{point.key()}.json", row)
    return row


def run_sweep(points, *, cache_dir: Path | str | None = None, n_jobs: int | None = None,
              scheduler: str | None = None, progress: bool | None = None):
    """Evaluate ``points`` (cached ones are read, not recomputed) and return a pandas DataFrame.

    Parameters
    ----------
    points : sequence of SweepPoint
    cache_dir : folder for the per-point JSON files (default :func:`paths.cache_dir`).
    n_jobs : worker processes (default: all cores; 1 runs in this process).
    scheduler : address of a Dask scheduler ("tcp://…"); uses joblib's Dask backend.
    progress : show a tqdm bar (default: yes, except when the environment variable CI is set).
    """
    import joblib
    import pandas as pd
    from tqdm import tqdm

    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    points = list(points)
    rows: dict[int, dict] = {}
    todo = []
    for i, p in enumerate(points):
        path = cache / f"{p.key()}.json"
        if path.exists():
            rows[i] = json.loads(path.read_text())
            rows[i]["cached"] = True
        else:
            todo.append(i)
    show = (not os.environ.get("CI")) if progress is None else progress
    bar = tqdm(total=len(points), initial=len(rows), disable=not show, desc="SDP sweep")
    if todo:
        n_jobs = n_jobs or os.cpu_count() or 1
        if n_jobs == 1 and scheduler is None:
            for i in todo:
                rows[i] = _evaluate_and_store(points[i], cache)
                bar.update()
        else:
            if scheduler is not None:
                from dask.distributed import Client

                client = Client(scheduler)
                config = joblib.parallel_config(backend="dask")
            else:
                client = None
                config = joblib.parallel_config(backend="loky", inner_max_num_threads=1)
            with config:
                results = joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                    joblib.delayed(lambda i: (i, _evaluate_and_store(points[i], cache)))(i) for i in todo)
                for i, row in results:
                    rows[i] = row
                    bar.update()
            if client is not None:
                client.close()
    bar.close()
    table = pd.DataFrame([rows[i] for i in range(len(points))])
    table["tag"] = [p.tag for p in points]
    table["cached"] = table.get("cached", False)
    table["cached"] = table["cached"].fillna(False).astype(bool)
    return table


def four_panel_points(base: ChainSetup, *, beta_right, beta_left_grid, g_grid, g_fixed: float,
                      beta_left_fixed: float, options: dict | None = None) -> list[SweepPoint]:
    """The points of a Fig. 2/3/A1/A2-type figure: τ^pop and τ^pop,coh versus β_L at ``g_fixed`` (panels a, b)
    and versus g at ``beta_left_fixed`` (panels c, d), one curve per β_R."""
    base_b = base.replace(g=float(g_fixed))
    base_g = base.replace(beta_left=float(beta_left_fixed))
    return (grid(base_b, options=options, tag="vs_beta_left", beta_right=beta_right, beta_left=beta_left_grid)
            + grid(base_g, options=options, tag="vs_g", beta_right=beta_right, g=g_grid))
