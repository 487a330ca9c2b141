"""Sweeps: a grid of settings → a results table, computed in parallel and cached on disk.

Each point is one :class:`SweepPoint` (a system — the paper's :class:`~lindblad_core.systems.chain.ChainSetup` or
a user's :class:`~lindblad_core.studies.system_spec.SystemSpec` — the quantity and its options): an SDP (``"tau_pop"``, ``"tau_pop_coh"``) or one standard master equation's metrics
(``"master_equation"``, :func:`~lindblad_core.lindblad.master_equations.master_equation_records`). Its result is written, as soon as it is known, to ``<cache>/<key>.json``; the key hashes the point,
the solver requested, the versions of the solver packages and the default solver (MOSEK when licensed), and
the code version (the package version plus a hash of the package's sources, :func:`physics_sources`) and, for a
user's system, a hash of its factory's source file.

What is cached: only outcomes that depend on nothing but the key, namely every result coming back from the
SDP (whatever its status, certified or not), ``"degenerate"`` (H_S outside the theory of Sec. II.B) and
``"invalid"`` (any other ``ValueError``: invalid input). Any other exception (``MemoryError``, ``OSError``, a
licence server down, a solver crash) is returned in the table with status ``"error"`` and its message, but not
written, so the next run retries it. No point is ever dropped.

What is trusted: a record is read only if it parses, its checksum matches its content, it belongs to the point
(its stored setting, quantity, options and key are the point's), its verdict and ``certified`` agree with its own
interval, and it is well formed (a non-empty ``status`` other than ``"error"``; for an SDP
numeric ``lower`` and ``upper`` that are not NaN, ``lower <= upper`` unless the status itself reports an
inconsistent certificate; for a computed master equation every numeric metric of ``MASTER_EQUATION_METRICS``). Anything else is reported with a :class:`CacheWarning` naming the file, recomputed and
overwritten.

Files are written atomically (temporary file + ``os.replace``, mode 0644) by the process that called
:func:`run_sweep`; workers only compute and return records, so a cluster whose nodes do not share the
client's disk loses nothing. A cache folder that cannot be created or written is warned about once; the
sweep then computes without caching (records already in it are still read).

Parallelism: joblib's process pool (one BLAS thread per worker) by default, or a Dask cluster when
``scheduler`` is given (``pip install lindblad-sdp[dask]``; for SLURM see the README).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import itertools
import json
import math
import os
import platform
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lindblad_core._version import __version__
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.lindblad.master_equations import EQUATIONS
from lindblad_core.lindblad.comparison import master_equation_records
from lindblad_core.paths import PACKAGE, cache_dir as default_cache_dir
from lindblad_core.sdp import DELTA_TOL, default_solver
from lindblad_core.sdp.result import is_tight
from lindblad_core.studies.system_spec import SystemSpec
from lindblad_core.studies.variants import tau_pop, tau_pop_coh

__all__ = ["SweepPoint", "SystemSpec", "grid", "master_equation_points", "run_sweep", "code_version", "evaluate",
           "physics_sources", "CacheWarning"]

SDP_QUANTITIES = ("tau_pop", "tau_pop_coh")
QUANTITIES = SDP_QUANTITIES + ("master_equation",)
# The numeric metrics of a computed "master_equation" record (master_equations.COLUMNS without the setting).
MASTER_EQUATION_METRICS = ("tau_pop", "tau_pop_coh", "continuity_violation", "trace_distance")
COMPUTED = "computed"  # status of a master-equation record whose metrics were evaluated
# Part of every cache key: the layout and meaning of a stored record (a changed layout gets a new number).
RECORD_FORMAT = 7
# Modules (and the folder of modules) that cannot change a computed number: the command-line and notebook front ends. Every other source
# file of the package keys the cache (tests/studies/test_sweeps.py checks the set is what the package holds).
FRONT_ENDS = ("__main__.py", "cli/", "notebooks_runner.py")
# Distributions whose versions key the cache (None when not installed): a solver upgrade recomputes.
SOLVER_PACKAGES = ("cvxpy", "clarabel", "cvxopt", "scs", "mosek")
# Cache files are readable by others, as open() makes them under the usual umask (mkstemp alone gives 0600).
CACHE_FILE_MODE = 0o644

# Statuses of points whose solve raised (the SDP's own statuses are passed through unchanged).
DEGENERATE = "degenerate"  # ValueError: H_S is degenerate, outside Sec. II.B; deterministic, cached
INVALID = "invalid"  # any other ValueError: invalid input; deterministic, cached
ERROR = "error"  # any other exception: transient (memory, disk, licence, solver crash); never cached
# A record with lower > upper is trusted only when its status says so (an inconsistent certificate).
_CROSSED_BOUNDS_STATUS = "inconsistent"
# Fields stored with each record so that it can be checked on reading; not columns of the table.
_POINT_FIELD, _KEY_FIELD, _CHECKSUM_FIELD = "point", "cache_key", "checksum"


class CacheWarning(UserWarning):
    """A cache record was damaged or inconsistent (and is recomputed), or the cache cannot be written."""


@dataclass(frozen=True)
class SweepPoint:
    """One point: ``quantity`` ("tau_pop" | "tau_pop_coh" | "master_equation") at ``setup`` with ``options``
    (keyword arguments of :func:`~lindblad_core.sdp.tau_pop` / :func:`~lindblad_core.sdp.tau_pop_coh`:
    blocks, norm, target, free_trace, solver, …; for "master_equation" ``equation`` and the keyword arguments
    of :func:`~lindblad_core.lindblad.master_equations.master_equation_records`)."""

    setup: ChainSetup | SystemSpec
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
        """Hash of the point, the solver requested, the solver versions and the code version."""
        payload = json.dumps({"point": self.record(), "solver": dict(self.options).get("solver"),
                              "solvers": _solver_versions(), "code": code_version(), "format": RECORD_FORMAT,
                              "system_code": getattr(self.setup, "code_hash", None)},
                             sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Package version plus a hash of the physics sources (read once per process): results of changed
    code are recomputed."""
    h = hashlib.sha256()
    for path in physics_sources():
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


def physics_sources() -> list[Path]:
    """Every Python source of the package except the front ends (``FRONT_ENDS``), sorted: what keys the cache."""
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if not p.relative_to(PACKAGE).as_posix().startswith(FRONT_ENDS))


@functools.lru_cache(maxsize=1)
def _solver_versions() -> dict:
    """Versions of :data:`SOLVER_PACKAGES` (None if absent) and the default solver (MOSEK only when licensed),
    read once per process like :func:`code_version`."""

    versions = {}
    for name in SOLVER_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {**versions, "default_solver": default_solver()}


def grid(base: ChainSetup | SystemSpec, quantities=SDP_QUANTITIES, options: dict | None = None, tag: str = "",
         **axes) -> list[SweepPoint]:
    """All combinations of ``axes`` applied to ``base``, for each quantity: the points of a sweep.

    Parameters
    ----------
    base : ChainSetup or SystemSpec
        The system; ``axes`` change its fields (a ChainSetup) or its factory's parameters (a SystemSpec).
    quantities : str or sequence of str
        "tau_pop", "tau_pop_coh" (both by default) or "master_equation".
    options : dict, optional
        Keyword arguments of the solve (blocks, norm, target, free_trace, solver, …); τ^pop keeps only those it takes.
    tag : str
        Which sweep or panel the points belong to (a column of the table; not part of the cache key).
    **axes : sequences
        Field or parameter name → values; the grid is their Cartesian product, in the order given.

    Returns
    -------
    list of SweepPoint
        For :func:`run_sweep`.

    Examples
    --------
    >>> from lindblad_core import ChainSetup
    >>> points = grid(ChainSetup(n_left=1, n_middle=2, n_right=1), "tau_pop", g=[0.01, 0.1], beta_right=[10, 0.5])
    >>> [(p.setup.g, p.setup.beta_right) for p in points]
    [(0.01, 10.0), (0.01, 0.5), (0.1, 10.0), (0.1, 0.5)]
    """
    names = list(axes)
    points = []
    for values in itertools.product(*(list(np.atleast_1d(axes[n])) for n in names)):
        changes = {n: (v.item() if hasattr(v, "item") else v) for n, v in zip(names, values)}
        setup = base.replace(**changes)
        for q in ([quantities] if isinstance(quantities, str) else quantities):
            opts = dict(options or {})
            if q == "tau_pop":
                opts = {k: v for k, v in opts.items() if k in ("blocks", "trace", "symmetry", "solver", "eigenbasis")}
            else:
                opts.pop("eigenbasis", None)  # τ^pop only (the published variant of Figs. A1(c)/A2(c))
            points.append(SweepPoint(setup, q, opts, tag))
    return points


def master_equation_points(setups, equations=None, tag: str = "", **options) -> list[SweepPoint]:
    """One "master_equation" point per set-up and equation (default: all of
    :data:`~lindblad_core.lindblad.master_equations.EQUATIONS`); ``options`` as for
    :func:`~lindblad_core.lindblad.master_equations.master_equation_records` (lamb_shift, width, local_trace)."""
    return [SweepPoint(setup, "master_equation", {"equation": eq, **options}, tag)
            for setup in setups for eq in (EQUATIONS if equations is None else equations)]


def _evaluate_master_equation(point: SweepPoint) -> dict:
    opts = dict(point.options)
    rec = master_equation_records(_system(point), equations=(opts.pop("equation"),), **opts)[0]
    rec.pop("seconds", None)
    return {**rec, "status": COMPUTED}


def evaluate(point: SweepPoint) -> dict:
    """Solve one point and return its flat record (setting, result, status, timings, versions).

    Never raises for a failed solve: a ``ValueError`` gives status ``"degenerate"`` or ``"invalid"``, any other
    exception status ``"error"`` (see the module docstring for which of these are cached).
    """
    t0 = time.perf_counter()
    row = point.record()
    try:
        if point.quantity == "master_equation":
            row.update(_evaluate_master_equation(point))
        else:
            solve = tau_pop if point.quantity == "tau_pop" else tau_pop_coh
            res = solve(_system(point), **dict(point.options))
            out = res.to_dict()
            out.pop("quantity")
            for k in ("blocks", "block_dims", "traces"):
                if k in out:
                    out[k] = json.dumps(out[k])
            row.update(out)
            row["ok"] = res.ok
    except ValueError as err:
        # A degenerate H_S is outside the theory of Sec. II.B (e.g. the uniform 3-site chain at g = 1):
        # such points get their own status so that notebooks can list and exclude them explicitly.
        row.update(_failure(DEGENERATE if "degenerate" in str(err) else INVALID, err))
    except Exception as err:  # transient: kept as a failed point, never dropped, retried by the next run
        row.update(_failure(ERROR, err))
    row["seconds"] = time.perf_counter() - t0
    row["versions"] = json.dumps(_versions())
    row["code_version"] = code_version()
    return row


def _system(point: SweepPoint):
    """What the solvers take: a ChainSetup as it is (its published variants need the record), a SystemSpec built."""
    return point.setup if isinstance(point.setup, ChainSetup) else point.setup.build()


def _failure(status: str, err: BaseException) -> dict:
    return {"value": None, "lower": 0.0, "upper": float("inf"), "status": status,
            "message": f"{type(err).__name__}: {err}", "verdict": "inconclusive", "solver": None, "ok": False,
            "certified": False}


def _versions() -> dict:
    import scipy

    return {"lindblad_core": __version__, "numpy": np.__version__, "scipy": scipy.__version__,
            **{name: v for name, v in _solver_versions().items() if name in SOLVER_PACKAGES},
            "python": platform.python_version()}


def _evaluate_indexed(i: int, point: SweepPoint) -> tuple[int, dict]:
    return i, evaluate(point)


# -- the cache ---------------------------------------------------------------------------------------------

def _warn(message: str) -> None:
    warnings.warn(message, CacheWarning, stacklevel=4)


def _as_stored(value):
    """``value`` as it reads back from a JSON file."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def checksum(record: dict) -> str:
    """sha256 of a record's content as stored (canonical JSON, without its own checksum field)."""
    content = {k: v for k, v in _as_stored(record).items() if k != _CHECKSUM_FIELD}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _verdict_problem(data: dict) -> str | None:
    """Why an SDP record's stored verdict and ``certified`` contradict its own interval (None if they agree)."""
    lower, upper, err = data["lower"], data["upper"], data.get("data_error", 0.0)
    if not _is_number(err) or err < 0:
        return f"data_error={err!r} is not a non-negative number"
    verdict = data.get("verdict")
    if verdict == "impossible" and not lower - err >= DELTA_TOL:
        return f"verdict 'impossible' with lower={lower!r} (data_error {err!r}) below delta_tol = {DELTA_TOL:g}"
    if verdict == "possible" and not upper + err < DELTA_TOL:
        return f"verdict 'possible' with upper={upper!r} (data_error {err!r}) not below delta_tol = {DELTA_TOL:g}"
    if verdict not in ("impossible", "possible", "inconclusive"):
        return f"verdict={verdict!r} is none of impossible, possible, inconclusive"
    if data.get("certified") is True and not (math.isfinite(lower) and math.isfinite(upper) and 0 <= lower <= upper
                                             and is_tight(lower, upper)):
        return f"certified with the interval [{lower!r}, {upper!r}], which is not finite, ordered and tight"
    return None


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and not math.isnan(x)


def _record_problem(data, point: SweepPoint, key: str) -> str | None:
    """Why the stored ``data`` is not a trustworthy record of ``point`` under ``key`` (None if it is)."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not a record"
    expected = _as_stored(point.record())
    stored = data.get(_POINT_FIELD)
    if not isinstance(stored, dict):
        return f"{_POINT_FIELD}={stored!r} is not a point"
    differ = sorted(k for k in expected.keys() | stored.keys() if stored.get(k) != expected.get(k))
    if differ:
        return f"its stored point differs from this one in {', '.join(differ)}"
    for name in ("quantity", *point.setup.to_dict()):
        if data.get(name) != expected[name]:
            return f"{name}={data.get(name)!r}, expected {expected[name]!r}"
    if data.get(_KEY_FIELD) != key:
        return f"{_KEY_FIELD}={data.get(_KEY_FIELD)!r}, expected {key!r}"
    if data.get(_CHECKSUM_FIELD) != checksum(data):
        return "its checksum does not match its content (edited or damaged)"
    status = data.get("status")
    if not (isinstance(status, str) and status):
        return f"status={status!r} is not a non-empty string"
    if status == ERROR:
        return f"status={ERROR!r}: transient errors are never cached"
    if point.quantity == "master_equation":
        if status == COMPUTED:
            for name in MASTER_EQUATION_METRICS:
                if not _is_number(data.get(name)):
                    return f"{name}={data.get(name)!r} is not a number"
            if not isinstance(data.get("completely_positive"), bool):
                return f"completely_positive={data.get('completely_positive')!r} is not a bool"
        return None
    for name in ("lower", "upper"):
        if not _is_number(data.get(name)):
            return f"{name}={data.get(name)!r} is not a number"
    if data["lower"] > data["upper"] and _CROSSED_BOUNDS_STATUS not in status:
        return f"lower={data['lower']!r} > upper={data['upper']!r} with status={status!r}"
    return _verdict_problem(data)


def _read(path: Path, point: SweepPoint, key: str) -> dict | None:
    """The cached record of ``point``, or None (missing, or reported with a CacheWarning and recomputed)."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        _warn(f"cache record {path} cannot be read ({type(err).__name__}: {err}); recomputing it")
        return None
    try:
        data = json.loads(raw)
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError: truncated or garbage
        _warn(f"cache record {path} is damaged ({err}); recomputing it")
        return None
    problem = _record_problem(data, point, key)
    if problem is not None:
        _warn(f"cache record {path} is inconsistent ({problem}); recomputing it")
        return None
    for name in (_POINT_FIELD, _KEY_FIELD, _CHECKSUM_FIELD):
        del data[name]
    return data


def _write_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        os.fchmod(fd, CACHE_FILE_MODE)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, default=str)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- running -----------------------------------------------------------------------------------------------

def _evaluate_group(group) -> list[tuple[int, dict]]:
    return [_evaluate_indexed(i, point) for i, point in group]


def _cost(point: SweepPoint) -> tuple:
    """A rough rank of a point's solve time: larger baths (their Lindblad blocks), then larger H_S."""
    s = point.setup
    if isinstance(s, ChainSetup):
        return max(s.n_left, s.n_right), s.n_left + s.n_middle + s.n_right
    return 0, 0


def worker_groups(points, todo) -> list[list[int]]:
    """The indices ``todo`` grouped for the process pool: the points of one system (``setup``) together, in their
    order, so that one worker computes its Redfield equation once (:func:`~lindblad_core.redfield_equation.redfield`
    keeps it) for both SDPs or every master equation; the groups most expensive first (:func:`_cost`), so that no
    long solve is left alone at the end of a sweep, in the order of ``todo`` otherwise. Grouping decides only
    where and when a point is computed, never its record."""
    groups: dict = {}
    for i in todo:
        setting = json.dumps(points[i].setup.to_dict(), sort_keys=True, default=str)
        groups.setdefault(setting, []).append(i)
    return sorted(groups.values(), key=lambda g: tuple(-c for c in _cost(points[g[0]])))


def _computed(points, todo, n_jobs: int, scheduler: str | None):
    """(index, record) for each index in ``todo``, in order of completion. Records are computed in this
    process (``n_jobs=1``), a joblib process pool (:func:`worker_groups`) or on Dask workers, and always
    returned to this process."""
    if scheduler is not None:
        yield from _computed_on_dask(points, todo, scheduler)
    elif n_jobs == 1:
        for i in todo:
            yield i, evaluate(points[i])
    else:
        import joblib

        with joblib.parallel_config(backend="loky", inner_max_num_threads=1):
            for done in joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                    joblib.delayed(_evaluate_group)([(i, points[i]) for i in group])
                    for group in worker_groups(points, todo)):
                yield from done


def _computed_on_dask(points, todo, scheduler: str):
    from dask.distributed import Client, as_completed

    with Client(scheduler, set_as_default=False) as client:
        futures = client.map(evaluate, [points[i] for i in todo], pure=False)
        index = {f.key: i for f, i in zip(futures, todo)}
        for future in as_completed(futures):
            i = index[future.key]
            try:
                row = future.result()
            except Exception as err:  # the task itself failed (a worker died, KilledWorker): transient
                row = {**points[i].record(), **_failure(ERROR, err), "seconds": None, "versions": None,
                       "code_version": code_version()}
            future.release()
            yield i, row


def _default_jobs() -> int:
    """``LINDBLAD_SWEEP_JOBS`` (a positive integer) when set, else the number of cores."""
    value = os.environ.get("LINDBLAD_SWEEP_JOBS")
    if value is None:
        return os.cpu_count() or 1
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(f"LINDBLAD_SWEEP_JOBS must be a positive integer, got {value!r}")
    return int(value)


def run_sweep(points, *, cache_dir: Path | str | None = None, n_jobs: int | None = None,
              scheduler: str | None = None, progress: bool | None = None):
    """Evaluate ``points`` (cached ones are read, not recomputed) and return a pandas DataFrame.

    Parameters
    ----------
    points : sequence of SweepPoint
    cache_dir : path, optional
        Folder for the per-point JSON files (default :func:`paths.cache_dir`); ``~`` is expanded.
    n_jobs : int, optional
        Worker processes (default: the environment variable ``LINDBLAD_SWEEP_JOBS`` when set, which the notebook
        runner sets to each kernel's share of the cores, else all cores; 1 runs in this process). Ignored with
        ``scheduler``.
    scheduler : str, optional
        Address of a Dask scheduler ("tcp://…"): the points are solved on its workers.
    progress : bool, optional
        Show a tqdm bar (default: yes, except when the environment variable CI is set).

    Returns
    -------
    pandas.DataFrame
        One row per point, in the order of ``points``: the setting, the result (value, lower, upper, status,
        verdict, …), ``message`` for failed points, ``tag`` and ``cached`` (read from the cache).

    Warns
    -----
    CacheWarning
        For each damaged or inconsistent record (named; it is recomputed and overwritten), and once if the
        cache folder cannot be created or written (the sweep then runs without caching).

    Notes
    -----
    Workers only compute; this process writes every cache file, as each result arrives. Which outcomes are
    cached and which records are trusted is described in the module docstring.

    Examples
    --------
    >>> import tempfile
    >>> from lindblad_core import ChainSetup
    >>> points = grid(ChainSetup(n_left=1, n_middle=0, n_right=1, beta_left=1.0, beta_right=0.5), "tau_pop",
    ...               g=[0.01, 0.1])
    >>> table = run_sweep(points, cache_dir=tempfile.mkdtemp(), n_jobs=1, progress=False)
    >>> list(table["g"]), list(table["verdict"])
    ([0.01, 0.1], ['impossible', 'impossible'])
    """
    import pandas as pd
    from tqdm import tqdm

    cache = (Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()).absolute()
    points = list(points)
    keys = [p.key() for p in points]
    rows: dict[int, dict] = {}
    todo = []
    for i, (p, key) in enumerate(zip(points, keys)):
        row = _read(cache / f"{key}.json", p, key)
        if row is None:
            todo.append(i)
        else:
            rows[i] = {**row, "cached": True}
    show = (not os.environ.get("CI")) if progress is None else progress
    writable = True
    with tqdm(total=len(points), initial=len(rows), disable=not show, desc="sweep") as bar:
        if todo:
            for i, row in _computed(points, todo, n_jobs or _default_jobs(), scheduler):
                rows[i] = row
                bar.update()
                if not writable or row["status"] == ERROR:
                    continue
                try:
                    record = {**row, _POINT_FIELD: points[i].record(), _KEY_FIELD: keys[i]}
                    _write_atomic(cache / f"{keys[i]}.json", {**record, _CHECKSUM_FIELD: checksum(record)})
                except OSError as err:
                    writable = False
                    warnings.warn(f"cache folder {cache} cannot be written ({type(err).__name__}: {err}): "
                                  "the results of this run are returned but not cached", CacheWarning,
                                  stacklevel=2)
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
