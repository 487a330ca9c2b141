"""Solving the SDPs: the result type and the solver chain (MOSEK when licensed, Clarabel, CVXOPT).

Every solve of Eq. (29) or (33) ends in a :class:`TauResult`: the solver's value *and* a certified interval
``[lower, upper]`` (:mod:`lindblad_core.certificates`), a status from a fixed set, and a verdict against
δ_tol (Eqs. (30), (34)). :func:`solve_with_certificates` runs the chain of solvers and settings, certifying every
attempt, and stops at the first consistent "optimal" or tight interval.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .candidate import LindbladCandidate

log = logging.getLogger(__name__)

__all__ = ["DELTA_TOL", "RESULT_STATUSES", "INCONSISTENT", "SOLVERS", "NATIVE_SOLVER", "TauResult", "default_solver",
           "solve_with_certificates"]

DELTA_TOL = 1e-6  # δ_tol of Eqs. (30), (34), as in the paper
# Statuses whose number can count as a result: "optimal" (its value is checked against the certified
# interval; a value outside it turns the status into "inconsistent") and "optimal_inaccurate" only together
# with a tight certified interval. See TauResult.is_result; notebooks and plots use this set.
RESULT_STATUSES = frozenset({"optimal", "optimal_inaccurate"})
INCONSISTENT = "inconsistent"  # certified lower > upper, or an "optimal" value outside the certified interval
# The solver's own accuracy: an "optimal" value may lie SOLVER_ATOL[solver] + SOLVER_RTOL·|value| outside the
# certified interval before it counts as inconsistent. Clarabel's and MOSEK's default gap and feasibility
# tolerances are 1e-8 (the published grids stay within 6e-10 of the interval), CVXOPT's abstol and feastol
# 1e-7 (Fig. 3's τ^pop comes within 3e-8), SCS runs at 1e-10 (SCS_OPTIONS).
SOLVER_ATOL = {"CLARABEL": 1e-8, "MOSEK": 1e-8, "SCS": 1e-8, "CVXOPT": 1e-7, "IPM": 1e-8, "QICS": 1e-8}
SOLVER_RTOL = 1e-6
SOLVERS = ("CLARABEL", "MOSEK", "SCS", "CVXOPT")
# The library's own interior-point method for Hermitian LMIs (lindblad_core.conic.solve_hermitian_lmi): the
# first attempt of the default chain for problems that offer it (τ^pop; τ^pop,coh with formulation="conic"), and a
# ``solver=`` choice there. Its gap tolerance (conic.IPM_TOL = 1e-7 relative, 1e-10 absolute) keeps "optimal" values
# within SOLVER_ATOL["IPM"] + SOLVER_RTOL·|value| of the certified interval.
NATIVE_SOLVER = "IPM"
# QICS (lindblad_core.qics_backend.solve_qics) on the same conic data, Hermitian blocks as they are; a ``solver=``
# choice wherever the conic data exist (τ^pop; τ^pop,coh with formulation="conic", every norm)
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
# A certified interval is "tight" when upper − lower ≤ CERT_ATOL + CERT_RTOL·upper: the dual bound and a
# checked primal candidate then pin the optimum down far below δ_tol and below the rtol 1e-4 of the
# comparison with the published values. A tight interval ends the solver chain even when the solver only
# reports "optimal_inaccurate" (typically Clarabel stopping with a dual residual of 1.5e-8 against its 1e-8
# tolerance): the numbers are then ours, checked, not the solver's.
CERT_ATOL = 1e-9
CERT_RTOL = 1e-6


@dataclass(frozen=True)
class TauResult:
    """One solve of Eq. (29) or (33).

    Attributes
    ----------
    quantity : "tau_pop" or "tau_pop_coh"
    value : float or None
        The solver's optimum (None when it returned none).
    lower, upper : float
        Certified interval containing the exact optimum of the problem defined by the computed data,
        rounding included (see the module docstring).
    status : str
        cvxpy status ("optimal", "optimal_inaccurate", "infeasible", "solver_error", …) of the attempt that
        is reported, or ``INCONSISTENT``: the certified lower bound exceeds the upper one, or the solver
        said "optimal" with a value outside the certified interval (beyond ``SOLVER_ATOL[solver]`` +
        ``SOLVER_RTOL``·|value|). Only ``RESULT_STATUSES`` can count as a result (see ``is_result``).
    solver : str
    solve_seconds, setup_seconds : float
    candidate : LindbladCandidate or None
        A Lindbladian of Eq. (23) (rounded to float64) within rounding of the one that attains ``upper``.
    options : dict
        norm, target, blocks, traces, free_trace, symmetry, attempts.
    reason : str or None
        Why the result is inconclusive whatever δ_tol (an inconsistency); ``explain()`` adds the reasons
        that depend on δ_tol.
    data_error : float
        First-order estimate of how far the rounding of the computed data (populations, eigenbasis,
        principal values) can move the optimum (module docstring); the verdict holds only beyond it.
    scale : float
        The problem's own scale, so that τ can be read against it (``relative``; δ_tol is absolute while
        the targets shrink with g). τ^pop,coh: ‖T‖ in the objective's norm, T the target of Eq. (33)
        (‖L2(ρ0)‖; the published target −L2(ρ0) has the same norm). τ^pop: the Redfield NESS's gross
        population flux s = Σ_k p_k |W_kk| = Σ_k p_k Σ_{m≠k} W_mk, W the population block of L2
        (:func:`~lindblad_core.redfield.rate_matrix`, App. A), i.e. the total rate at which population
        leaves the energy levels at ρ0. Plain floating point (a reporting scale, not a certified number);
        NaN when unknown.
    """

    quantity: str
    value: float | None
    lower: float
    upper: float
    status: str
    solver: str
    solve_seconds: float
    setup_seconds: float
    candidate: LindbladCandidate | None = field(repr=False, default=None)
    options: dict = field(default_factory=dict)
    reason: str | None = None
    data_error: float = 0.0
    scale: float = float("nan")

    @property
    def relative(self) -> tuple[float, float]:
        """The certified interval divided by ``scale``: (lower / scale, upper / scale); NaNs without a
        positive finite scale."""
        if not (np.isfinite(self.scale) and self.scale > 0):
            return float("nan"), float("nan")
        return self.lower / self.scale, self.upper / self.scale

    @property
    def ok(self) -> bool:
        """The solver reported "optimal" and its value lies in the certified interval."""
        return self.status == "optimal"

    @property
    def consistent(self) -> bool:
        return self.status != INCONSISTENT and self.lower <= self.upper

    def _ill_conditioned(self, tol: float) -> bool:
        """The interval decides the verdict, but widening it by ``data_error`` does not."""
        return (self.lower >= tol or self.upper < tol) and not (self.lower - self.data_error >= tol
                                                                 or self.upper + self.data_error < tol)

    @property
    def certified(self) -> bool:
        """The certified interval is tight (``CERT_ATOL``, ``CERT_RTOL``) and consistent, and the data's own
        rounding cannot change the verdict at δ_tol, whatever the solver said."""
        return (self.consistent and self.reason is None and _tight(self.lower, self.upper)
                and not self._ill_conditioned(DELTA_TOL))

    def verdict(self, tol: float = DELTA_TOL) -> str:
        """"impossible" if lower ≥ tol, "possible" if upper < tol, else "inconclusive" (Eqs. (30), (34)).

        Inconsistent results are "inconclusive", and so are results whose verdict ``data_error`` could flip.
        """
        if not self.consistent or self.reason is not None:
            return "inconclusive"
        if self.lower - self.data_error >= tol:
            return "impossible"
        if self.upper + self.data_error < tol:
            return "possible"
        return "inconclusive"

    def explain(self, tol: float = DELTA_TOL) -> str | None:
        """Why the verdict at ``tol`` is "inconclusive" (None when it is not)."""
        if self.verdict(tol) != "inconclusive":
            return None
        if self.reason is not None:
            return self.reason
        if not self.consistent:
            return f"inconsistent certificate: lower {self.lower:.6g} > upper {self.upper:.6g}"
        if self._ill_conditioned(tol):
            return (f"ill-conditioned: the rounding of the computed data can move the optimum by up to "
                    f"{self.data_error:.2g} (see data_error), enough to cross delta_tol = {tol:g} from the "
                    f"certified interval [{self.lower:.6g}, {self.upper:.6g}]")
        if not np.isfinite(self.upper):
            return f"no certified upper bound ({self.status})"
        return f"the certified interval [{self.lower:.6g}, {self.upper:.6g}] contains delta_tol = {tol:g}"

    @property
    def is_result(self) -> bool:
        """Counts as a result (drawn solid, listed as decided): "optimal" and consistent, or a certified
        interval with a status in ``RESULT_STATUSES``; and a decided verdict."""
        return (self.status in RESULT_STATUSES and (self.ok or self.certified)
                and self.verdict() != "inconclusive")

    def to_dict(self) -> dict:
        return {
            "quantity": self.quantity, "value": self.value, "lower": self.lower, "upper": self.upper,
            "status": self.status, "certified": self.certified, "verdict": self.verdict(), "solver": self.solver,
            "solve_seconds": self.solve_seconds, "setup_seconds": self.setup_seconds,
            "reason": self.explain(), "data_error": self.data_error, "is_result": self.is_result,
            "scale": self.scale, "relative_lower": self.relative[0], "relative_upper": self.relative[1],
            **self.options,
        }

    def __str__(self) -> str:
        v = "None" if self.value is None else f"{self.value:.6g}"
        why = self.explain()
        return (f"{self.quantity} = {v} in [{self.lower:.6g}, {self.upper:.6g}] ({self.verdict()}; "
                f"{self.status}, {self.solver}, {self.solve_seconds:.2f}s)" + (f" [{why}]" if why else ""))


# -- solvers ------------------------------------------------------------------------------------------

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


def default_solver() -> str:
    """MOSEK when installed with a valid licence, otherwise Clarabel."""
    if "MOSEK" in _installed_solvers() and _mosek_licensed():
        return "MOSEK"
    return "CLARABEL"


def _tight(lower: float, upper: float) -> bool:
    return bool(np.isfinite(upper) and upper - lower <= CERT_ATOL + CERT_RTOL * abs(upper))


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


def _value_consistent(value: float, lower: float, upper: float, solver: str) -> bool:
    tol = SOLVER_ATOL.get(solver, max(SOLVER_ATOL.values())) + SOLVER_RTOL * abs(value)
    return lower - tol <= value <= upper + tol


def solve_with_certificates(problem, solver: str | None, certify, clarabel: dict | None = None,
                            native: bool = False, conic: bool = False) -> _Outcome:
    """Solve with the named solver, or (``solver=None``) with the default chain, certifying every attempt.

    The default chain is MOSEK when licensed, else Clarabel at its first setting, then CVXOPT, then Clarabel's
    other settings (``CLARABEL_ATTEMPTS``): interior-point methods meet degenerate optimal faces exactly where
    τ ≈ 0 (a Lindbladian is possible), and CVXOPT's Schur-complement method copes with those (and, with a free
    trace, where Clarabel stops "optimal" at a value above the certified upper bound it already has; trying
    CVXOPT before Clarabel's other settings halves the time of such points). After each attempt ``certify()`` turns the
    current primal/dual values into ``(lower, upper, candidate[, data_error])``; bounds from different
    attempts are all rigorous, so the best of each is kept. The chain stops at the first "optimal" status
    whose value lies in the certified interval, or at a tight interval.

    Nothing is hidden: the bounds are reported as they are. If the best lower bound exceeds the best upper
    one, or the reported "optimal" value lies outside the interval (beyond ``SOLVER_ATOL``,
    ``SOLVER_RTOL``) and no other attempt reached a consistent "optimal", the status is ``INCONSISTENT``
    with a ``reason``. ``clarabel``: settings added to every Clarabel attempt. ``native``: the problem also
    solves with ``NATIVE_SOLVER``, which then comes first in the default chain and may be named. ``conic``: the
    problem also solves with ``QICS_SOLVER``, which may be named.
    """
    import cvxpy as cp

    if solver is None:
        chain = ([NATIVE_SOLVER] if native else []) + [default_solver()] + (
            ["CVXOPT"] if "CVXOPT" in _installed_solvers() else [])
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
    settings = {"CLARABEL": tuple({**(clarabel or {}), **a} for a in CLARABEL_ATTEMPTS), "SCS": (SCS_OPTIONS,)}
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
        except cp.error.SolverError as err:
            log.info("solver %s (%s) failed: %s", name, kwargs, err)
            attempt = "solver_error"
        value = float(problem.value) if attempt in _STATUS_RANK and problem.value is not None else None
        reports.append((attempt, name, value))
        lo, up, cand, *extra = certify()
        lower = max(lower, lo)
        if up < upper:
            upper, candidate = up, cand
            data_error = extra[0] if extra else 0.0
        if (attempt == "optimal" and value is not None and _value_consistent(value, lower, upper, name)) \
                or _tight(lower, upper):
            break
        log.info("solver %s with %s returned %s; interval [%g, %g]", name, kwargs, attempt, lower, upper)
    status, used, value, reason = "solver_error", chain[0], None, None
    for attempt, name, val in reports:  # the best status among attempts consistent with the final interval
        if attempt == "optimal" and not _value_consistent(val, lower, upper, name):
            continue
        if _STATUS_RANK.get(attempt, 2) < _STATUS_RANK.get(status, 2):
            status, used, value = attempt, name, val
    lying = [(name, val) for attempt, name, val in reports
             if attempt == "optimal" and not _value_consistent(val, lower, upper, name)]
    if lower > upper:
        reason = (f"inconsistent certificate: the certified lower bound {lower:.10g} exceeds the certified upper "
                  f"bound {upper:.10g} (please report this setting)")
    elif lying and status != "optimal":
        name, val = lying[0]
        reason = (f"inconsistent: {name} reported 'optimal' with value {val:.10g} outside the certified interval "
                  f"[{lower:.10g}, {upper:.10g}] (beyond its tolerance {SOLVER_ATOL.get(name, 0.0):g} + "
                  f"{SOLVER_RTOL:g}·|value|)")
        used, value = name, val
    if reason is not None:
        status = INCONSISTENT
    return _Outcome(status, used, value, time.perf_counter() - t0, n_attempt, lower, upper, candidate,
                    data_error, reason)
