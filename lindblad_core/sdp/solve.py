"""The solver chain: the library's interior-point method, MOSEK when licensed, Clarabel, CVXOPT.

:func:`solve_with_certificates` runs the chain of solvers and settings, certifying every attempt, and stops at the
first consistent "optimal" or tight interval (:data:`~lindblad_core.sdp.result.CERT_ATOL`,
:data:`~lindblad_core.sdp.result.CERT_RTOL`).
"""

from __future__ import annotations

import functools
import logging
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
from lindblad_core.lindblad.candidate import LindbladCandidate
from lindblad_core.sdp.result import INCONSISTENT, is_tight

log = logging.getLogger(__name__)


# The solver's own accuracy: an "optimal" value may lie SOLVER_ATOL[solver]·max(1, scale) + SOLVER_RTOL·|value|
# outside the certified interval before it counts as inconsistent, ``scale`` the size of the problem's data (passed
# by the caller: Tr Γ, ‖T‖ of Eq. (33)); the solvers' feasibility and gap tolerances are relative to their data, so
# the error of the reported optimum grows with it (H, ω_c, λ → c·H, c·ω_c, c·λ at β/c: ‖T‖ → c‖T‖, and Clarabel's
# free-trace τ^pop,coh ≈ 0 lands 1.7e-8 above the certified interval at ‖T‖ = 1.8, 4e-8 at 184, 8e-8 at 1.8e4).
# Clarabel's and MOSEK's default gap and feasibility tolerances are 1e-8 (the published grids stay within 6e-10 of
# the interval), CVXOPT's abstol and feastol 1e-7 (Fig. 3's τ^pop comes within 3e-8), SCS runs at 1e-10
# (SCS_OPTIONS).
SOLVER_ATOL = {"CLARABEL": 1e-8, "MOSEK": 1e-8, "SCS": 1e-8, "CVXOPT": 1e-7, "IPM": 1e-8, "QICS": 1e-8}
SOLVER_RTOL = 1e-6



SOLVERS = ("CLARABEL", "MOSEK", "SCS", "CVXOPT")



# The library's own interior-point method for Hermitian LMIs (lindblad_core.solvers.ipm.solve_hermitian_lmi): the
# first attempt of the default chain for problems that offer it (τ^pop; τ^pop,coh with formulation="conic"), and a
# ``solver=`` choice there. Its gap tolerance (ipm.IPM_TOL = 1e-7 relative, 1e-10 absolute) keeps "optimal" values
# within SOLVER_ATOL["IPM"] + SOLVER_RTOL·|value| of the certified interval.
NATIVE_SOLVER = "IPM"
# QICS (lindblad_core.solvers.qics.solve_qics) on the same conic data, Hermitian blocks as they are: second in the
# default chain and a ``solver=`` choice wherever the conic data exist (τ^pop; τ^pop,coh with formulation="conic",
# every norm). Its first use in a process imports it and loads (or compiles) its numba kernels: ~0.6 s (3.4 s into
# an empty numba cache, benchmarks/results/speed.md), paid only when a problem falls through the IPM
QICS_SOLVER = "QICS"



# SCS reaches the accuracy the verdict needs only with tight tolerances (at its default eps it reports
# 2.5e-5 where the optimum is 4e-8; docs/conventions.md).
SCS_OPTIONS = {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 200_000}



# Clarabel at its defaults often stalls just above its 1e-8 feasibility tolerance on τ^pop,coh at d = 64
# ("AlmostSolved", i.e. optimal_inaccurate) or fails outright (Fig. 4, and Fig. 3 at β_L = β_R = 10 with
# single-threaded BLAS); a static regularisation of 1e-7 (default 1e-8) converges there at once and changes
# no published value (Fig. 2(c,d) to ≤ 5e-7). These settings are tried in turn until one reports "optimal" or
# the certified interval is tight; each result records how many were needed.
CLARABEL_ATTEMPTS = ({"static_regularization_constant": 1e-7}, {}, {"equilibrate_max_iter": 50},
                     {"direct_solve_method": "qdldl"}, {"max_step_fraction": 0.95})



# τ^pop is small (d + blocks variables) and cheap to solve tightly: at Clarabel's default 1e-8 the
# published Fig. 2(c) values near 1e-4 come out only to ~5e-5 relative; with these to ~5e-7.
# τ^pop,coh keeps the defaults (tighter ones cost ~2x and leave its certified intervals unchanged).
CLARABEL_TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8}



@functools.lru_cache(maxsize=1)
def _mosek_licensed() -> bool:
    try:
        import mosek

        with mosek.Env() as env:
            env.checkoutlicense(mosek.feature.pts)
        return True
    except Exception as err:  # no package, no licence, or licence server unreachable
        log.info("MOSEK not used: %s", err)
        return False



@functools.lru_cache(maxsize=1)
def _installed_solvers() -> tuple[str, ...]:
    """cvxpy's installed solvers, asked once per process (~9 ms a call)."""
    import cvxpy as cp

    return tuple(cp.installed_solvers())



def _importable(package: str) -> bool:
    """Whether ``package`` is installed, without importing it (nor cvxpy, ~0.5 s: the default chain's first solvers,
    the library's interior-point method and QICS, do without it)."""
    import importlib.util

    return importlib.util.find_spec(package) is not None


def default_solver() -> str:
    """MOSEK when installed with a valid licence, otherwise Clarabel."""
    if _importable("mosek") and _mosek_licensed():
        return "MOSEK"
    return "CLARABEL"


def _failures() -> tuple:
    """What a solver raises on data it cannot handle: cvxpy's SolverError (once cvxpy is imported: no solve through
    it can have raised one before), CVXOPT's ArithmeticError (a zero or negative pivot in its scaling), numpy's
    LinAlgError and other ValueErrors, and ARPACK's errors from the rank check of the equality rows in cvxpy's
    CVXOPT interface (ArpackNoConvergence). Anything else is a bug."""
    from scipy.sparse.linalg import ArpackError

    cvxpy = sys.modules.get("cvxpy")
    return (ArithmeticError, ValueError, ArpackError) + ((cvxpy.error.SolverError,) if cvxpy is not None else ())



@dataclass(frozen=True)
class _Outcome:
    status: str  # the reported status: the best consistent one any attempt reached, or INCONSISTENT
    solver: str  # the solver that reached it
    value: float | None  # its optimum
    seconds: float
    attempts: int
    lower: float  # the largest certified lower bound over all attempts
    upper: float  # the smallest certified upper bound over all attempts …
    candidate: LindbladCandidate | None  # … and the Lindbladian that attains it
    data_error: float = 0.0  # data_error at that candidate
    reason: str | None = None  # why the outcome is inconsistent



_STATUS_RANK = {"optimal": 0, "optimal_inaccurate": 1}


def _solver_atol(solver: str, scale: float) -> float:
    return SOLVER_ATOL.get(solver, max(SOLVER_ATOL.values())) * max(1.0, scale)


def _value_consistent(value: float, lower: float, upper: float, solver: str, scale: float = 1.0) -> bool:
    tol = _solver_atol(solver, scale) + SOLVER_RTOL * abs(value)
    return lower - tol <= value <= upper + tol



def solve_with_certificates(problem, solver: str | None, certify, clarabel: dict | None = None,
                            native: bool = False, conic: bool = False, scale: float = 1.0,
                            native_settings: tuple = ({},), decisive=None) -> _Outcome:
    """Solve with the named solver, or (``solver=None``) with the default chain, certifying every attempt.

    The default chain is the library's interior-point method (``native``), QICS on the same conic data (``conic``:
    Hermitian cones as they are, where Clarabel sees their real embedding; faster and with tighter certified bounds
    than Clarabel where a free-trace point falls through the IPM, benchmarks/results/free_trace.md), then MOSEK when
    licensed, else Clarabel at its first setting, then CVXOPT, then Clarabel's other settings
    (``CLARABEL_ATTEMPTS``): interior-point methods meet degenerate optimal faces exactly where τ ≈ 0 (a Lindbladian
    is possible), and CVXOPT's Schur-complement method copes with those (and, with a free trace, where Clarabel
    stops "optimal" at a value above the certified upper bound it already has; trying CVXOPT before Clarabel's other
    settings halves the time of such points). After each attempt ``certify()`` turns the current primal/dual values
    into ``(lower, upper, candidate[, data_error])``; bounds from different attempts are all rigorous, so the best
    of each is kept. An attempt whose solver raises on the data (cvxpy's SolverError, CVXOPT's ArithmeticError,
    numpy's LinAlgError or another ValueError) counts as "solver_error" and the chain goes on. The chain stops at
    the first "optimal" status whose value lies in the certified interval, or at a tight interval.

    Nothing is hidden: the bounds are reported as they are. If the best lower bound exceeds the best upper one, or
    the reported "optimal" value lies outside the interval (beyond ``SOLVER_ATOL``·max(1, ``scale``),
    ``SOLVER_RTOL``; ``scale`` the size of the problem's data) and no other attempt reached a consistent "optimal",
    the status is ``INCONSISTENT`` with a ``reason``. ``clarabel``: settings added to every Clarabel attempt.
    ``native_settings``: the settings ``NATIVE_SOLVER`` is tried with, in turn, like Clarabel's (keyword arguments of
    ``problem.solve``; default one attempt with the problem's own). ``decisive``: where given, a callable
    ``(lower, upper, data_error) -> bool``; an "optimal" attempt of ``NATIVE_SOLVER`` then ends the chain only when
    the interval is decisive or no other of its settings is left (its settings are cheap next to the other solvers).
    ``native``: the problem also solves with ``NATIVE_SOLVER``, which then comes first in the default chain and may
    be named. ``conic``: the problem also solves with ``QICS_SOLVER``, which may be named.
    """
    if solver is None:
        chain = ([NATIVE_SOLVER] if native else []) + ([QICS_SOLVER] if conic else []) + [default_solver()] + (
            ["CVXOPT"] if _importable("cvxopt") else [])
    elif native and str(solver).upper() == NATIVE_SOLVER:
        chain = [NATIVE_SOLVER]
    elif conic and str(solver).upper() == QICS_SOLVER:
        chain = [QICS_SOLVER]
    else:
        solver = str(solver).upper()
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got solver={solver!r}")
        if solver not in _installed_solvers():
            raise ValueError(f"solver {solver} is not installed (installed: {list(_installed_solvers())})")
        if solver == "MOSEK" and not _mosek_licensed():
            raise ValueError("solver MOSEK needs a licence; none was found")
        chain = [solver]
    t0 = time.perf_counter()
    n_attempt = 0
    lower, upper, candidate, data_error = 0.0, np.inf, None, 0.0
    reports = []  # (status, solver, value) of every attempt
    settings = {"CLARABEL": tuple({**(clarabel or {}), **a} for a in CLARABEL_ATTEMPTS), "SCS": (SCS_OPTIONS,),
                NATIVE_SOLVER: tuple(native_settings)}
    attempts = [(name, kwargs) for name in chain for kwargs in settings.get(name, ({},))]
    if solver is None and "CVXOPT" in chain:  # CVXOPT right after the first setting of the default solver
        first = next(i for i, (name, _) in enumerate(attempts) if name == chain[-2]) + 1
        attempts = attempts[:first] + [attempts[-1]] + attempts[first:-1]
    for n_attempt, (name, kwargs) in enumerate(attempts, start=1):
        try:
            with warnings.catch_warnings():  # cvxpy's bmat of expressions and its inaccuracy warning
                warnings.filterwarnings("ignore", message="Initializing a Constant with a nested list")
                warnings.filterwarnings("ignore", message="Solution may be inaccurate")
                problem.solve(solver=name, **kwargs)
            attempt = problem.status
        except _failures() as err:  # one failed attempt: the chain goes on, earlier bounds are kept
            log.info("solver %s (%s) failed: %r", name, kwargs, err)
            attempt = "solver_error"
        value = float(problem.value) if attempt in _STATUS_RANK and problem.value is not None else None
        reports.append((attempt, name, value))
        lo, up, cand, *extra = certify()
        lower = max(lower, lo)
        if up < upper:
            upper, candidate = up, cand
            data_error = extra[0] if extra else 0.0
        done = attempt == "optimal" and value is not None and _value_consistent(value, lower, upper, name, scale)
        if done and decisive is not None and n_attempt < len(attempts) and attempts[n_attempt][0] == NATIVE_SOLVER:
            done = decisive(lower, upper, data_error)  # an undecided interval: the native method's next setting
        if done or is_tight(lower, upper):
            break
        log.info("solver %s with %s returned %s; interval [%g, %g]", name, kwargs, attempt, lower, upper)
    status, used, value, reason = "solver_error", chain[0], None, None
    for attempt, name, val in reports:  # the best status among attempts consistent with the final interval
        if attempt == "optimal" and not _value_consistent(val, lower, upper, name, scale):
            continue
        if _STATUS_RANK.get(attempt, 2) < _STATUS_RANK.get(status, 2):
            status, used, value = attempt, name, val
    lying = [(name, val) for attempt, name, val in reports
             if attempt == "optimal" and not _value_consistent(val, lower, upper, name, scale)]
    if lower > upper:
        reason = (f"inconsistent certificate: the certified lower bound {lower:.10g} exceeds the certified upper "
                  f"bound {upper:.10g} (please report this setting)")
    elif lying and status != "optimal":
        name, val = lying[0]
        reason = (f"inconsistent: {name} reported 'optimal' with value {val:.10g} outside the certified interval "
                  f"[{lower:.10g}, {upper:.10g}] (beyond its tolerance {_solver_atol(name, scale):g} + "
                  f"{SOLVER_RTOL:g}·|value|)")
        used, value = name, val
    if reason is not None:
        status = INCONSISTENT
    return _Outcome(status, used, value, time.perf_counter() - t0, n_attempt, lower, upper, candidate,
                    data_error, reason)
