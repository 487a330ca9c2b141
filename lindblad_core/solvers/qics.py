r"""QICS (Quantum Information Conic Solver; He, Saunderson, Fawzi 2024) as a solver of :class:`ConicProblem`.

QICS solves

.. math::

    \min_x\ c^T x \quad\text{s.t.}\quad b - A x = 0,\quad h - G x \in \mathcal K,

with dual :math:`\max -b^T y - h^T z` s.t. :math:`c + A^T y + G^T z = 0`, :math:`z \in \mathcal K_*`: Clarabel's
form with the zero cone written as separate equality rows, so the data of a
:class:`~lindblad_core.conic.ConicProblem` map over row block by row block and the multipliers come back in
Clarabel's sign convention (the one :meth:`ConicProblem.solve_ipm` stores):

======================  ====================================================  ==============================
ConicProblem block      QICS rows                                             multiplier stored
======================  ====================================================  ==============================
"zero" b − a x = 0      A = a, b = b                                          y (Aᵀy + … + c = 0)
"nonneg" b − a x ≥ 0    G = a, h = b, ``NonNegOrthant(k)``                    z
"soc" b − a x ∈ SOC     G = a, h = b, ``SecondOrder(k − 1)``                  z (t first, as Clarabel's)
Hermitian C + L(x) ⪰ 0  h = vec C, G = −vec L, ``PosSemidefinite(n, iscomplex)``  Hermitian Z_k
======================  ====================================================  ==============================

vec is QICS's full vectorisation of a Hermitian n×n matrix: row-major, real and imaginary part of each entry
interleaved (2n² reals; n² for a real symmetric block, which gets the real cone ``iscomplex=False``). Its
inner product ⟨vec X, vec Z⟩ = Re Tr(X Z) for Hermitian X, Z, so stationarity reads
Σ_k Re Tr(L_kj Z_k) + (aᵀz)_j + (a_eqᵀy)_j = c_j and Z_k is the multiplier W of
:meth:`ConicProblem.hermitian_dual` itself, with nothing to unpack (no real representation, no √2).

QICS's hot loops are numba functions compiled on first use (``cache=True``: the machine code is written next
to the package and loaded by later processes). :func:`warm_up` runs that first use once per process on a
small problem with every kind of row; :func:`solve_qics` calls it, so the compile never falls inside a
timed solve after the first.
"""

from __future__ import annotations

import functools
import logging
import time

import numpy as np
import scipy.sparse as sp

from lindblad_core.solvers.conic import _SOLUTION_PRESENT, ConicProblem

log = logging.getLogger(__name__)

__all__ = ["QICS_OPTIONS", "QICS_STATUS", "QICS_EXIT_LIMIT", "qics_status", "qics_model", "solve_qics", "warm_up"]

# qics.Solver options. QICS stops "optimal" when its relative gap and relative residuals (∞-norm, on its
# rescaled data) are below tol_gap and tol_feas (defaults 1e-8). The free-trace lower bound of τ^pop,coh needs the
# dual residual below 1e-8: at the defaults the certified interval of the 2+2+2 chain (g = 0.05, β 1/5) is 2e-8
# wide, not tight (solvers.CERT_ATOL + CERT_RTOL·τ = 5e-9), at 1e-9 it is 2e-9; every other setting of
# tests/solvers/test_qics_backend.py is tight at either. Where QICS stalls just above 1e-9 (dual residual ~1.3e-9, as
# on that chain at a fixed trace) it stops "near_optimal" ("optimal_inaccurate") at its best point, whose
# interval is tight.
QICS_OPTIONS = {"tol_gap": 1e-9, "tol_feas": 1e-9, "max_iter": 100, "verbose": 0}

# QICS's solution status (``sol_status`` of qics.Solver.solve) → the cvxpy status names the library uses
QICS_OPTIMAL = "optimal"  # gap and residuals below tol_gap, tol_feas
QICS_NEAR_OPTIMAL = "near_optimal"  # stopped early within tol_near (1e3) of both
QICS_PRIMAL_INFEASIBLE = "pinfeas"
QICS_DUAL_INFEASIBLE = "dinfeas"
QICS_NEAR_PRIMAL_INFEASIBLE = "near_pinfeas"
QICS_NEAR_DUAL_INFEASIBLE = "near_dinfeas"
QICS_ILL_POSED = "illposed"  # τ, κ → 0 of the homogeneous embedding
QICS_UNKNOWN = "unknown"  # stopped early, nothing certified: see QICS_EXIT_LIMIT
QICS_STATUS = {QICS_OPTIMAL: "optimal", QICS_NEAR_OPTIMAL: "optimal_inaccurate",
               QICS_PRIMAL_INFEASIBLE: "infeasible", QICS_DUAL_INFEASIBLE: "unbounded",
               QICS_NEAR_PRIMAL_INFEASIBLE: "infeasible_inaccurate",
               QICS_NEAR_DUAL_INFEASIBLE: "unbounded_inaccurate", QICS_ILL_POSED: "solver_error",
               QICS_UNKNOWN: "solver_error"}
# QICS's exit status (``exit_status``) of an "unknown" solution that hit a limit, reported as cvxpy's
# "user_limit" (as conic.clarabel_status reports Clarabel's MaxIterations / MaxTime); "step_failure" and
# "slow_progress" stay "solver_error"
QICS_EXIT_LIMIT = frozenset({"max_iter", "max_time"})


def qics_status(sol_status: str, exit_status: str) -> str:
    """The cvxpy-style status of a QICS solution (an unrecognised ``sol_status``: "solver_error", logged)."""
    if sol_status not in QICS_STATUS:
        log.warning("QICS returned an unrecognised solution status %r (exit %r)", sol_status, exit_status)
        return "solver_error"
    if sol_status == QICS_UNKNOWN and exit_status in QICS_EXIT_LIMIT:
        return "user_limit"
    return QICS_STATUS[sol_status]


def _hermitian_rows(mat: np.ndarray, iscomplex: bool) -> np.ndarray:
    """QICS's full vec of the row-major vec(s) ``mat`` (n², …): rows (entry, Re/Im) interleaved, or Re only."""
    if not iscomplex:
        return np.ascontiguousarray(mat.real)
    return np.stack([mat.real, mat.imag], axis=1).reshape((2 * mat.shape[0],) + mat.shape[1:])


def qics_model(problem: ConicProblem):
    """QICS's ``Model`` of ``problem`` (module docstring) and, per named block, where its multiplier lies:
    ``{name: ("zero", start, stop)}`` for equality rows (slices of y), ``{name: (kind, k)}`` for the k-th cone.

    Parameters
    ----------
    problem : ConicProblem
        Zero, non-negative, second-order and Hermitian PSD blocks (:meth:`ConicProblem.add`, :meth:`add_psd`).

    Returns
    -------
    model : qics.Model
    where : dict
    """
    import qics
    from qics.cones import NonNegOrthant, PosSemidefinite, SecondOrder

    a_rows, b_rows, g_rows, h_rows, cones, where = [], [], [], [], [], {}
    n_eq = 0
    lmis = iter(problem.lmis)
    for (name, kind, start, stop, size), a, b in zip(problem.blocks, problem._a, problem._b):
        if kind == "zero":
            a_rows.append(a)
            b_rows.append(b)
            where[name] = ("zero", n_eq, n_eq + len(b))
            n_eq += len(b)
            continue
        where[name] = (kind, len(cones))
        if kind == "psd":
            _, const, linear = next(lmis)
            n = size // 2
            iscomplex = bool(np.iscomplexobj(linear) and np.any(linear.imag)) or bool(
                np.iscomplexobj(const) and np.any(const.imag))
            g_rows.append(-_hermitian_rows(linear, iscomplex))
            h_rows.append(_hermitian_rows(np.asarray(const), iscomplex))
            cones.append(PosSemidefinite(n, iscomplex=iscomplex))
        else:
            g_rows.append(a)
            h_rows.append(b)
            cones.append(NonNegOrthant(len(b)) if kind == "nonneg" else SecondOrder(len(b) - 1))
    nx = problem.n_variables
    dense = any(not sp.issparse(g) for g in g_rows)
    g = (np.vstack([g.toarray() if sp.issparse(g) else g for g in g_rows]) if dense
         else sp.vstack(g_rows, format="csr")) if g_rows else np.zeros((0, nx))
    g_rows.clear()  # qics.Model copies g: one copy of the rows less at the peak
    h = np.concatenate(h_rows) if h_rows else np.zeros(0)
    kw = {}
    if a_rows:
        kw = {"A": sp.vstack(a_rows, format="csr"), "b": np.concatenate(b_rows).reshape(-1, 1)}
    model = qics.Model(np.asarray(problem.q, float).reshape(-1, 1), G=g, h=h.reshape(-1, 1), cones=cones, **kw)
    return model, where


def _warm_up_problem() -> ConicProblem:
    """A small problem that reaches each numba kernel QICS uses for the blocks :func:`qics_model` writes: a complex
    and a real LMI over a sparse basis of Hermitian / symmetric 3×3 matrices (a few non-zeros per variable: the
    sparse Schur-complement kernels) sharing a variable that enters as the identity (a dense column next to the
    sparse ones), a complex and a real LMI over 200 dense variables, non-negative rows, a second-order cone and
    an equality row. QICS picks the sparse kernels for a cone whose rows are below 1 % dense, hence the 200."""
    n, n_dense = 3, 200
    herm = np.zeros((n * n, n * n), dtype=complex)  # columns vec E_j of a Hermitian basis: E_ii, E_ij + E_ji, i(E_ij − E_ji)
    for j, (a, b) in enumerate((a, b) for a in range(n) for b in range(n)):
        if a == b:
            herm[a * n + a, j] = 1.0
        else:
            herm[a * n + b, j], herm[b * n + a, j] = (1.0, 1.0) if a < b else (1j, -1j)
    rows, cols = np.triu_indices(n)
    sym = np.zeros((n * n, len(rows)))
    sym[rows * n + cols, np.arange(len(rows))] = np.where(rows == cols, 1.0, np.sqrt(0.5))
    sym[cols * n + rows, np.arange(len(rows))] = np.where(rows == cols, 1.0, np.sqrt(0.5))
    n_sparse = herm.shape[1] + sym.shape[1]
    t, nx = n_sparse, n_sparse + 1 + n_dense  # the shared variable t, then the dense ones
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(n, n, n_dense)) + 1j * rng.normal(size=(n, n, n_dense))
    dense = (dense + dense.conj().transpose(1, 0, 2)).reshape(n * n, n_dense)
    problem = ConicProblem(nx)
    problem.q = rng.normal(size=nx)
    for name, basis, first, dtype in (("sparse", herm, 0, complex), ("sparse_real", sym, herm.shape[1], float)):
        linear = np.zeros((n * n, nx), dtype)
        linear[:, first:first + basis.shape[1]] = basis
        linear[:, t] = np.eye(n).ravel()
        problem.add_psd(name, np.zeros(n * n, dtype), linear, n)
    for name, part in (("dense", dense), ("dense_real", dense.real)):
        linear = np.zeros((n * n, nx), part.dtype)
        linear[:, t + 1:] = 0.01 * part
        problem.add_psd(name, 10 * np.eye(n).ravel().astype(part.dtype), linear, n)
    problem.add("box", "nonneg", np.vstack([np.eye(nx), -np.eye(nx)]), np.full(2 * nx, 5.0))
    problem.add("ball", "soc", -np.vstack([np.zeros(nx), np.eye(nx)]), np.concatenate([[100.0], np.zeros(nx)]))
    problem.add("eq", "zero", np.eye(1, nx), [1.0])
    return problem


@functools.lru_cache(maxsize=1)
def warm_up() -> float:
    """Import QICS and compile (or load from numba's cache) its numba kernels, once per process.

    Returns
    -------
    float
        Seconds it took (the first call in the process; later calls return the same number at no cost).

    Examples
    --------
    >>> from lindblad_core.qics_backend import warm_up
    >>> seconds = warm_up()  # ~0.2 s with numba's cache on disk; a few seconds the very first time
    """
    t0 = time.perf_counter()
    problem = _warm_up_problem()
    status = _solve(problem, QICS_OPTIONS)
    seconds = time.perf_counter() - t0
    log.info("QICS warm-up: %s in %.2f s", status, seconds)
    return seconds


def solve_qics(problem: ConicProblem, **options) -> str:
    """Solve ``problem`` with QICS; set what :meth:`ConicProblem.solve_ipm` sets and return the status.

    ``status`` (cvxpy names, :data:`QICS_STATUS`), ``value`` = qᵀx, ``x``, ``iterations`` and the multipliers
    read by :meth:`ConicProblem.hermitian_dual` (a Hermitian matrix per LMI) and :meth:`ConicProblem.dual`
    (scalar, second-order and equality rows, Clarabel's sign convention); ``x`` and the multipliers only with
    "optimal" or "optimal_inaccurate". The certificates of :mod:`lindblad_core.sdp` read them unchanged.

    Parameters
    ----------
    problem : ConicProblem
    **options
        ``qics.Solver`` options over :data:`QICS_OPTIONS` (``tol_gap``, ``tol_feas``, ``max_iter``, …).

    Returns
    -------
    str
        The status.

    Examples
    --------
    >>> import numpy as np
    >>> from lindblad_core.conic import ConicProblem
    >>> p = ConicProblem(1)
    >>> p.q[:] = 1.0                                      # min x
    >>> p.add_psd("X", np.array([0, 1j, -1j, 0]), np.eye(4)[:, [0, 3]] @ np.ones((2, 1)), 2)  # [[x, i], [−i, x]] ⪰ 0
    >>> solve_qics(p), round(p.value, 6)
    ('optimal', 1.0)
    """
    warm_up()
    return _solve(problem, {**QICS_OPTIONS, **options})


def _solve(problem: ConicProblem, options: dict) -> str:
    import qics

    model, where = qics_model(problem)
    try:
        sol = qics.Solver(model, **options).solve()
    except (np.linalg.LinAlgError, ArithmeticError) as err:  # a singular iterate: reported, not raised
        log.info("QICS failed: %s", err)
        sol = {"sol_status": QICS_UNKNOWN, "exit_status": "step_failure", "num_iter": 0}
    status = qics_status(sol["sol_status"], sol["exit_status"])
    problem.status, problem.iterations = status, int(sol["num_iter"])
    problem.z, problem._ipm_duals = None, None
    if status not in _SOLUTION_PRESENT:
        problem.x, problem.value = None, None
        return status
    problem.x = np.asarray(sol["x_opt"], float).ravel().copy()
    problem.value = float(problem.q @ problem.x)
    y, z = np.asarray(sol["y_opt"], float).ravel(), sol["z_opt"]
    duals = {}
    for name, (kind, *loc) in where.items():
        if kind == "zero":
            duals[name] = y[loc[0]:loc[1]].copy()
        elif kind == "psd":
            mat = z.mats[loc[0]][0]
            duals[name] = 0.5 * (mat + mat.conj().T)
        else:
            duals[name] = z.vecs[loc[0]].ravel().copy()
    problem._ipm_duals = duals
    return status
