r"""The SDPs τ^pop (Eq. (29)) and τ^pop,coh (Eq. (33)), with certified bounds and Lemma 1 (Eq. (31)).

Every solve returns a :class:`TauResult` with a *certified* interval ``[lower, upper]`` for the optimum:

* ``upper``: the objective at a Lindbladian of Eq. (23) built from the solver's candidate (each Γ projected
  onto {Γ ⪰ 0, Tr Γ = t}, then shifted by the rigorous bound on its smallest eigenvalue and rescaled, so
  that it is feasible in exact arithmetic), evaluated with a bound on every rounding error.
* ``lower``: the dual objective at a dual-feasible point repaired from the solver's dual, evaluated with
  a bound on every rounding error: a bound by weak duality, independent of the solver's tolerance.

What "certified" guarantees
---------------------------
``lower ≤ τ_opt ≤ upper`` holds for the exact optimum of the problem defined by the computed (float64)
data — the populations p (ρ0 = diag p), the target T, the operators F_α and the traceless Lamb-shift basis
(``Ansatz.operators``, ``Ansatz.hamiltonian_basis``) in the computed energy eigenbasis, the Lamb shift
ranging over the commutator directions i[ρ0, B_h] that are resolved above rounding (``LAMB_NOISE_RTOL``:
basis elements diagonal in the energy basis up to rounding, i.e. conserved, are not directions) — with
every rounding error of the certificate itself included. The tools are those of verified SDP solvers (VSDP,
Jansson, Chaykin, Keil 2007): a floating-point evaluation plus the a-priori bound γ_n = n u / (1 − n u)
(Higham, *Accuracy and Stability*, Ch. 3) on each matrix product; eigenvalues and norms through the
residual of the computed eigen-decomposition (Weyl, Ostrowski, Hoffman–Wielandt, see
:func:`_hermitian_enclosure`); the Lamb-shift term, whose coordinates can reach 1e9–1e35 at low
temperature, by an error-free compensated dot product (Ogita, Rump, Oishi 2005); the dual constraint
A_H^*(Z) = 0 not by a projection "up to rounding" but by an exact correction whose size is enclosed by a
verified linear solve (:func:`_coh_lower_bound`). ``certified`` means: this interval is tight (``CERT_ATOL``,
``CERT_RTOL``), nothing is inconsistent, and the data's own rounding (``data_error``) cannot change the
verdict.

It does not guarantee the optimum of the problem with *exact* inputs. The computed data are themselves
rounded: populations to a relative O(d³u) (GTH, :func:`~lindblad_core.redfield.populations`; measured
~3e-16 against extended precision), the eigenbasis to ~d u ‖H‖ / gap (1e-12 … 3e-10 on the paper's
grids, ``System.eigenvector_error``), the principal values of Eq. (41) to ~1e-10 relative
(``PRINCIPAL_VALUE_RTOL``). τ^pop moves by at most α ‖δp‖₁ under a change δp of the populations (the
argument of Lemma 1) and τ^pop,coh by at most ‖δT‖ under a change of the target; the Lamb-shift term
magnifies eigenbasis errors by the size of the optimal Lamb shift. ``TauResult.data_error`` is this
first-order estimate at the solution found (≤ 3e-10 on Fig. 2's grid, ≤ 1.5e-7 on the Fig. 3 points
checked, where α = 240 and the eigenbasis error is 3e-10 at g = 0.001); when it could flip the verdict,
the verdict is "inconclusive" and ``reason`` says so (N_L = 1, N_M = 2, N_R = 1 at β_L/β_R = 100/50: the
optimal Lamb shift has coordinates ~1e15 there).

Formulations
------------
τ^pop. With c_k(Γ) = <E_k|L2'(ρ0)|E_k> = Σ_b Tr(G^b_k Γ_b) (H_LS drops out, docs/conventions.md), Sion's minimax gives

.. math::

    \tau^{pop}_{opt} = \min_{\Gamma_b\succeq0,\ \mathrm{Tr}\Gamma_b=t_b}\sum_k|c_k|
        = \max_{|y_k|\le1}\ \sum_b t_b\,\lambda_{\min}\Big(\sum_k y_k G^b_k\Big),

which has only d + (number of blocks) variables; this dual is what the solver sees, and the Γ_b are
the multipliers of its matrix inequalities.

τ^pop,coh. The primal min ‖L2'(ρ0) − T‖ with the norm as an explicit cone (spectral: the LMI
[[t I, X], [X†, t I]] ⪰ 0; nuclear: its two-sided form; Frobenius: a second-order cone). Its dual is

.. math::

    \max_{\|Z\|_*\le 1,\ \mathcal A_H^*(Z)=0}\ -\mathrm{Re}\langle Z, T\rangle
        + \sum_b t_b\,\lambda_{\min}\big(\mathcal A_{\Gamma_b}^*(Z)\big).

Symmetry. Each block operator changes the magnetisation by a definite charge. When
[H_S, Σσz] = 0, twirling with e^{iφΣσz} maps every feasible (Γ, H_LS) to one whose Γ is block-diagonal in
charge and whose H_LS conserves the block magnetisation, without increasing either objective (the
objectives are convex and covariant, T and ρ0 are invariant). The solver then sees small independent
blocks (a 63×63 Γ splits into 19, 15, 15, 6, 6, 1, 1). The certified bounds are always evaluated on the
full, unreduced problem.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .lindblad import Ansatz, Block, LindbladCandidate, candidate_rate_matrix, l2_prime, lindblad_superoperator, traceless_hermitian_basis
from .redfield import Redfield, l2, populations, second_order_coherences

log = logging.getLogger(__name__)

__all__ = ["DELTA_TOL", "RESULT_STATUSES", "INCONSISTENT", "NORMS", "TARGETS", "SOLVERS", "TauResult", "CandidateCheck", "tau_pop", "tau_pop_coh",
           "lemma1_alpha", "lemma1_bound", "check_candidate", "candidate_populations", "default_solver"]

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
SOLVER_ATOL = {"CLARABEL": 1e-8, "MOSEK": 1e-8, "SCS": 1e-8, "CVXOPT": 1e-7}
SOLVER_RTOL = 1e-6
# Relative accuracy of the principal values of Eq. (41) (tests/test_baths.py: QUADPACK's QAWC to 1e-10);
# only the target T of τ^pop,coh depends on them.
PRINCIPAL_VALUE_RTOL = 1e-10
NORMS = ("spectral", "frobenius", "nuclear")
TARGETS = ("physical", "published")
SOLVERS = ("CLARABEL", "MOSEK", "SCS", "CVXOPT")
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
# Matrix entries below this (relative to the largest) are treated as structural zeros when splitting
# Γ into independent blocks; the certified bounds never rely on it.
STRUCTURE_RTOL = 1e-11


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
            "reason": self.explain(), "data_error": self.data_error, "is_result": self.is_result, **self.options,
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


def default_solver() -> str:
    """MOSEK when installed with a valid licence, otherwise Clarabel."""
    import cvxpy as cp

    if "MOSEK" in cp.installed_solvers() and _mosek_licensed():
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


def _solve(problem, solver: str | None, certify, clarabel: dict | None = None) -> _Outcome:
    """Solve with the named solver, or (``solver=None``) with the default chain, certifying every attempt.

    The default chain is MOSEK when licensed, else Clarabel (``CLARABEL_ATTEMPTS``), then CVXOPT:
    interior-point methods meet degenerate optimal faces exactly where τ ≈ 0 (a Lindbladian is possible),
    and CVXOPT's Schur-complement method copes with those. After each attempt ``certify()`` turns the
    current primal/dual values into ``(lower, upper, candidate[, data_error])``; bounds from different
    attempts are all rigorous, so the best of each is kept. The chain stops at the first "optimal" status
    whose value lies in the certified interval, or at a tight interval.

    Nothing is hidden: the bounds are reported as they are. If the best lower bound exceeds the best upper
    one, or the reported "optimal" value lies outside the interval (beyond ``SOLVER_ATOL``,
    ``SOLVER_RTOL``) and no other attempt reached a consistent "optimal", the status is ``INCONSISTENT``
    with a ``reason``. ``clarabel``: settings added to every Clarabel attempt.
    """
    import cvxpy as cp

    if solver is None:
        chain = [default_solver()] + (["CVXOPT"] if "CVXOPT" in cp.installed_solvers() else [])
    else:
        solver = str(solver).upper()
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got solver={solver!r}")
        if solver not in cp.installed_solvers():
            raise ValueError(f"solver {solver} is not installed (installed: {cp.installed_solvers()})")
        if solver == "MOSEK" and not _mosek_licensed():
            raise ValueError("solver MOSEK needs a licence; none was found")
        chain = [solver]
    t0 = time.perf_counter()
    n_attempt = 0
    lower, upper, candidate, data_error = 0.0, np.inf, None, 0.0
    reports = []  # (status, solver, value) of every attempt
    settings = {"CLARABEL": tuple({**(clarabel or {}), **a} for a in CLARABEL_ATTEMPTS), "SCS": (SCS_OPTIONS,)}
    attempts = [(name, kwargs) for name in chain for kwargs in settings.get(name, ({},))]
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


# -- rigorous floating-point evaluation ------------------------------------------------------------------
#
# Every certificate below is a float64 evaluation plus a bound on its rounding error. Model (Higham,
# "Accuracy and Stability of Numerical Algorithms", 2nd ed., §2.2, §3.1–3.6): fl(a ∘ b) = (a ∘ b)(1 + δ),
# |δ| ≤ u = 2^-53, for + − × /, plus an absolute 2^-1075 on underflow; a sum of n terms, in any order,
# is off by at most γ_{n−1} Σ|terms|; a complex multiplication counts as three roundings (√2 γ_2 ≤ γ_3).
# For an expression built from sums and products, the error is at most γ_K times the same expression
# evaluated on the absolute values of its inputs, K being the longest chain of roundings. That magnitude is
# itself computed in floating point (never below the exact one by more than a factor 1 − γ_K), hence
# γ_{2K+2} in ``_bound``. The bounds hold whatever order BLAS sums in, with or without FMA.

_U = np.finfo(float).eps / 2  # unit roundoff u
_TINY = 1e-290  # absolute slack added to every bound: covers underflow (≤ 2^-1075 per operation)


def _gamma(n: float) -> float:
    """γ_n = n u / (1 − n u) (Higham, Lemma 3.1); inf when n u ≥ 1/2."""
    nu = n * _U
    return nu / (1.0 - nu) if nu < 0.5 else np.inf


def _bound(depth: float, magnitude):
    """Bound on the rounding error of an evaluation whose chains of roundings are at most ``depth`` long,
    given ``magnitude``: the same evaluation on the absolute values of the inputs (computed in float)."""
    return _gamma(2 * depth + 2) * magnitude + _TINY


def _up(x: float, n: int = 4) -> float:
    """Round a float result of a few operations outwards (upwards for positive quantities)."""
    return float(x) * (1.0 + _gamma(n)) + _TINY if x >= 0 else float(x) * (1.0 - _gamma(n)) + _TINY


def _down(x: float, n: int = 4) -> float:
    return float(x) * (1.0 - _gamma(n)) - _TINY if x >= 0 else float(x) * (1.0 + _gamma(n)) - _TINY


def _fro_upper(x) -> float:
    """An upper bound on the Frobenius norm of a float array (the float value, rounded up)."""
    x = np.asarray(x)
    return _up(float(np.sqrt(np.sum(np.abs(x) ** 2))), x.size + 8)


def _hermitian_enclosure(a: np.ndarray, err_f: float = 0.0) -> tuple[float, float, float]:
    r"""Rigorous (λ_min lower bound, spectral-norm upper bound, nuclear-norm upper bound) of every exact
    Hermitian matrix A with ‖A − a‖_F ≤ ``err_f``, for an exactly Hermitian float array ``a``.

    From the computed eigen-decomposition a ≈ X diag(w) X^H: R = X^H a X − diag(w) and
    α ≥ ‖X^H X − I‖_F are evaluated with rounding bounds. M = X^H A X = diag(w) + R', ‖R'‖_F ≤ δ =
    ‖R‖_F + (1 + α) err_f, so by Weyl λ_min(M) ≥ w_min − δ, max|λ(M)| ≤ max|w| + δ, and by Hoffman–Wielandt
    Σ|λ(M)| ≤ Σ|w| + √n δ. By Ostrowski λ_i(M) = θ_i λ_i(A) with θ_i ∈ [1 − α, 1 + α], which carries the
    three bounds over to A. (The approach of VSDP's verified eigenvalue bounds.)
    """
    n = a.shape[0]
    if not (np.all(np.isfinite(a)) and np.isfinite(err_f)):
        return -np.inf, np.inf, np.inf
    w, x = np.linalg.eigh(a)
    cplx = 3 if (np.iscomplexobj(a) or np.iscomplexobj(x)) else 1
    ax = np.abs(x)
    r = x.conj().T @ (a @ x)
    r[np.diag_indices(n)] -= w
    mag = ax.T @ (np.abs(a) @ ax) + np.diag(np.abs(w))
    delta = _fro_upper(r) + _fro_upper(_bound(2 * cplx * n + 2, mag))
    g = x.conj().T @ x
    g[np.diag_indices(n)] -= 1.0
    alpha = _fro_upper(g) + _fro_upper(_bound(cplx * n + 2, ax.T @ ax + np.eye(n)))
    if not alpha < 0.5:
        return -np.inf, np.inf, np.inf
    delta = _up(delta + (1.0 + alpha) * err_f)
    mu = _down(float(w[0]) - delta)
    lam_min = _down(mu / (1.0 + alpha) if mu >= 0 else mu / (1.0 - alpha))
    spectral = _up((float(np.max(np.abs(w))) + delta) / (1.0 - alpha))
    nuclear = _up((float(np.sum(np.abs(w))) * (1.0 + _gamma(n)) + np.sqrt(n) * delta) / (1.0 - alpha), 8)
    return lam_min, spectral, nuclear


def _hermitian_part(x: np.ndarray) -> np.ndarray:
    """(x + x^H)/2, exactly Hermitian in floating point (the two halves are exact conjugates)."""
    return 0.5 * (x + x.conj().T)


_SPLITTER = 134217729.0  # 2^27 + 1 (Veltkamp/Dekker splitting)


def _two_product(a, b):
    """x + y = a·b exactly (Dekker), barring underflow/overflow."""
    x = a * b
    c = _SPLITTER * a
    ah = c - (c - a)
    al = a - ah
    c = _SPLITTER * b
    bh = c - (c - b)
    bl = b - bh
    return x, al * bl - (((x - ah * bh) - al * bh) - ah * bl)


def _two_sum(a, b):
    """x + y = a + b exactly (Knuth)."""
    x = a + b
    z = x - a
    return x, (a - (x - z)) + (b - z)


def _dot2(coefficients: np.ndarray, arrays: np.ndarray):
    r"""Σ_i c_i X_i (real, summed over the first axis) in twice the working precision, and its error bound.

    Algorithm Dot2 of Ogita, Rump, Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 26 (2005):
    |result − exact| ≤ u |exact| + γ_n² Σ|c_i X_i|. Used for the Lamb-shift term, whose coordinates can be
    1e9 while the sum is O(τ): plain float64 would lose everything there.
    """
    n = len(coefficients)
    if n == 0:
        return np.zeros(arrays.shape[1:]), np.zeros(arrays.shape[1:])
    p, s = _two_product(coefficients[0], arrays[0])
    for c, x in zip(coefficients[1:], arrays[1:]):
        h, r = _two_product(c, x)
        p, q = _two_sum(p, h)
        s = s + (q + r)
    res = p + s
    mag = np.tensordot(np.abs(coefficients), np.abs(arrays), axes=1)
    err = 2 * _U * np.abs(res) + 2 * _gamma(2 * n + 2) ** 2 * mag + n * _TINY
    return res, err


def _exact_sum_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σ_j a[i, j] b[j] for each row i, correctly rounded (error-free products, then ``math.fsum``)."""
    import math

    hi, lo = _two_product(a, b[None, :])
    return np.array([math.fsum(np.concatenate([h, l])) for h, l in zip(hi, lo)])


# -- structure ----------------------------------------------------------------------------------------

def _components(pattern: np.ndarray) -> list[np.ndarray]:
    """Index sets of the connected components of a symmetric boolean adjacency matrix."""
    from scipy.sparse.csgraph import connected_components

    n, labels = connected_components(pattern, directed=False)
    return [np.flatnonzero(labels == i) for i in range(n)]


def _is_real(arrays) -> bool:
    return all(np.max(np.abs(np.imag(a)), initial=0.0) <= STRUCTURE_RTOL * max(np.max(np.abs(a)), 1e-300)
               for a in arrays)


def _psd_project(gamma: np.ndarray, trace: float | None) -> np.ndarray:
    """Nearest PSD matrix (eigenvalue clipping), rescaled to ``trace`` when given."""
    g = 0.5 * (gamma + gamma.conj().T)
    w, v = np.linalg.eigh(g)
    g = (v * np.clip(w, 0.0, None)) @ v.conj().T
    if trace is not None:
        tr = np.real(np.trace(g))
        g = g * (trace / tr) if tr > 0 else np.eye(g.shape[0]) * trace / g.shape[0]
    return g


def _as_tuple_of_traces(blocks, trace) -> tuple[float, ...]:
    traces = (trace,) * len(blocks) if np.isscalar(trace) else tuple(trace)
    if len(traces) != len(blocks) or any(not (np.isfinite(t) and t > 0) for t in traces):
        raise ValueError(f"trace must be a positive number or one per block, got trace={trace!r}")
    return tuple(float(t) for t in traces)


def _resolve(problem_input, blocks):
    """Accept a ChainSetup (blocks "left,right" / "left" / Blocks) or a (Redfield, blocks) pair."""
    from .chain import ChainSetup
    from .lindblad import paper_blocks

    named = blocks is None or isinstance(blocks, str)
    if isinstance(problem_input, ChainSetup):
        red = problem_input.redfield
        if named:
            blocks = paper_blocks(problem_input, blocks or "left,right")
    elif isinstance(problem_input, Redfield):
        red = problem_input
        if blocks is None or isinstance(blocks, str):
            raise ValueError("blocks must be a sequence of Block for a Redfield input")
    else:
        raise ValueError(f"expected a ChainSetup or Redfield, got {type(problem_input).__name__}")
    blocks = tuple(b if isinstance(b, Block) else Block(tuple(b)) for b in blocks)
    # the paper's blocks by name may leave a bath without a Lindblad block ("left" with N_R > 0: a
    # published variant, docs/conventions.md); explicit Block sequences must cover every bath site
    return red, Ansatz(red.system, blocks, cover_baths=not named)


# -- τ^pop ------------------------------------------------------------------------------------------------

def population_coefficients(ansatz: Ansatz, p: np.ndarray) -> tuple[np.ndarray, ...]:
    r"""G^b_k with c_k = Σ_b Tr(G^b_k Γ_b) = <E_k|L2'(ρ0)|E_k>, one (d, m_b, m_b) Hermitian stack per block.

    From Eq. (23) with ρ0 = diag(p): the coefficient of Γ_ab is
    Σ_m conj(F_a[k,m]) F_b[k,m] p_m − p_k (F_a†F_b)_kk, and G_k is its transpose.
    """
    out = []
    for f in ansatz.operators:
        t1 = np.einsum("akm,bkm,m->kab", f.conj(), f, p)
        t2 = np.einsum("ank,bnk->kab", f.conj(), f) * p[:, None, None]
        k = t1 - t2
        g = np.swapaxes(k, 1, 2)
        out.append(0.5 * (g + np.conj(np.swapaxes(g, 1, 2))))
    return tuple(out)


def _population_coefficient_errors(ansatz: Ansatz, p: np.ndarray) -> tuple[np.ndarray, ...]:
    """Entrywise bounds on the rounding error of :func:`population_coefficients` (same shapes, real)."""
    out = []
    for f in ansatz.operators:
        af = np.abs(f)
        mag = np.einsum("akm,bkm,m->kab", af, af, p) + np.einsum("ank,bnk->kab", af, af) * p[:, None, None]
        out.append(_bound(f.shape[1] + 8, mag))  # d-term sums of complex products, a difference, (g + g^H)/2
    return tuple(out)


def _data_rtol(red: Redfield) -> tuple[float, float]:
    """First-order relative errors of the computed data: (populations η_p, eigenbasis η_V).

    η_V = d u ‖H‖/gap (``System.eigenvector_error``). η_p = the measured error of the GTH solve (against
    extended precision, ``redfield.population_rounding_error``) + 2(d − 1) · 8u, O'Cinneide's entrywise
    perturbation bound for rates known to ~8u relative (J, n, |S|²); the eigenbasis part of the rates is
    counted with η_V by the callers.
    """
    from .redfield import population_rounding_error

    d = red.dim
    return population_rounding_error(red) + 2 * (d - 1) * 8 * _U, red.system.eigenvector_error


@dataclass(frozen=True)
class _FeasibleGamma:
    """Γ* = s (Γ̃ + δ I) with δ ≥ −λ_min(Γ̃) proven and s = t / Tr(Γ̃ + δ I) exactly: feasible in exact
    arithmetic. ``stored`` is Γ* rounded to float64, ``base`` is Γ̃, ``dist`` ≥ ‖Γ* − Γ̃‖_F."""

    stored: np.ndarray
    base: np.ndarray
    dist: float


def _feasible_gamma(gam: np.ndarray, trace: float | None) -> _FeasibleGamma | None:
    g = _hermitian_part(np.asarray(gam, dtype=complex))
    m = g.shape[0]
    lam, _, _ = _hermitian_enclosure(g)
    if not np.isfinite(lam):
        return None
    delta = _up(max(0.0, -lam))
    norm = _fro_upper(g)
    if trace is None:
        return _FeasibleGamma(g + delta * np.eye(m), g, _up(delta * np.sqrt(m) * (1 + 4 * _U)))
    diag = np.real(np.diag(g))
    tr = float(np.sum(diag))
    err = _bound(m, float(np.sum(np.abs(diag))))
    den_lo, den_hi = _down(tr - err + m * delta), _up(tr + err + m * delta)
    if not den_lo > 0:
        return None
    s_lo, s_hi = _down(trace / den_hi), _up(trace / den_lo)
    dist = _up(max(abs(s_lo - 1.0), abs(s_hi - 1.0)) * norm + s_hi * delta * np.sqrt(m), 8)
    s_mid = trace / (tr + m * delta)
    return _FeasibleGamma(s_mid * (g + delta * np.eye(m)), g, dist)


def _pop_certificate_upper(coeffs, coeff_err, gammas, traces):
    """Certified upper bound of Eq. (29) at the projected multipliers: (upper, stored Γ*'s) or (inf, None)."""
    feas = [_feasible_gamma(g, t) for g, t in zip(gammas, traces)]
    if any(f is None for f in feas):
        return np.inf, None
    d = coeffs[0].shape[0]
    c = np.zeros(d)
    err = np.zeros(d)
    for g_b, e_b, f in zip(coeffs, coeff_err, feas):
        m = g_b.shape[1]
        gam_t = f.base.T
        c += np.real(np.einsum("kab,ab->k", g_b, gam_t))
        ag = np.abs(gam_t)
        err += np.einsum("kab,ab->k", e_b, ag) + _bound(m * m + 6, np.einsum("kab,ab->k", np.abs(g_b), ag))
        g_norm = np.sqrt(np.sum(np.abs(g_b) ** 2, axis=(1, 2))) + np.sqrt(np.sum(e_b**2, axis=(1, 2)))
        err += _up(f.dist) * g_norm * (1 + _gamma(m * m + 4))  # |Tr G_k (Γ* − Γ̃)| ≤ ‖G_k‖_F ‖Γ* − Γ̃‖_F
    upper = _up(float(np.sum(np.abs(c)) + np.sum(err)), 2 * d + 8)
    return upper, [f.stored for f in feas]


def _pop_certificate_lower(coeffs, coeff_err, y_val, traces) -> float:
    """Σ_b t_b λ_min(Σ_k y_k G^b_k) for |y| ≤ 1, bounded below rigorously (the dual of Eq. (29))."""
    d = len(y_val)
    ay = np.abs(y_val)
    total = 0.0
    for t, g_b, e_b in zip(traces, coeffs, coeff_err):
        s_b = _hermitian_part(np.tensordot(y_val, g_b, axes=1))
        err = np.tensordot(ay, e_b, axes=1) + _bound(d + 4, np.tensordot(ay, np.abs(g_b), axes=1))
        lam, _, _ = _hermitian_enclosure(s_b, _fro_upper(err))
        total = _down(total + _down(t * lam))
    return total


def _pop_objective(coeffs, gammas) -> float:
    c = sum(np.real(np.einsum("kab,ba->k", g_b, gam)) for g_b, gam in zip(coeffs, gammas))
    return float(np.sum(np.abs(c)))


def _real_rep(h: np.ndarray) -> np.ndarray:
    """[[Re h, −Im h], [Im h, Re h]]: PSD iff h is, with each eigenvalue doubled."""
    return np.block([[h.real, -h.imag], [h.imag, h.real]])


def tau_pop(problem_input, blocks=None, *, trace=1.0, solver: str | None = None,
            symmetry: bool = True) -> TauResult:
    r"""τ^pop_opt of Eq. (29), certified.

    Parameters
    ----------
    problem_input : ChainSetup or Redfield
    blocks : "left,right" (default), "left", or a sequence of Block / site tuples
        Which sites carry a Lindblad bath of Eq. (23). "left" keeps only the left block even when the chain
        has a right bath (a published variant); an explicit sequence must cover every bath site.
    trace : float or sequence
        Tr Γ_b (1 in the paper; τ^pop scales linearly with a common trace).
    solver : "CLARABEL" (default), "MOSEK" (when licensed), "SCS", "CVXOPT"
    symmetry : bool
        Split Γ into the blocks on which the problem decouples (exact; see module docstring).
    """
    import cvxpy as cp

    t_start = time.perf_counter()
    red, ansatz = _resolve(problem_input, blocks)
    traces = _as_tuple_of_traces(ansatz.blocks, trace)
    p = populations(red)
    coeffs = population_coefficients(ansatz, p)
    d = red.dim
    real = _is_real(coeffs)
    y = cp.Variable(d)
    lam = cp.Variable(len(coeffs))
    constraints, pieces = [], []
    for b, g in enumerate(coeffs):
        m = g.shape[1]
        scale = np.max(np.abs(g))
        groups = (_components(np.any(np.abs(g) > STRUCTURE_RTOL * scale, axis=0)) if symmetry
                  else [np.arange(m)])
        for idx in groups:
            sub = g[:, idx][:, :, idx]
            mats = sub.real if real else np.stack([_real_rep(s) for s in sub])
            s = mats.shape[1]
            expr = cp.reshape(mats.reshape(d, s * s).T @ y, (s, s), order="C")
            con = expr - lam[b] * np.eye(s) >> 0
            constraints.append(con)
            pieces.append((b, idx, con))
    constraints += [y <= 1, y >= -1]
    problem = cp.Problem(cp.Maximize(cp.sum(cp.multiply(np.array(traces), lam))), constraints)
    setup_s = time.perf_counter() - t_start
    zero_h = tuple(np.zeros((b.dim, b.dim)) for b in ansatz.blocks)

    coeff_err = _population_coefficient_errors(ansatz, p)
    eta_p, eta_v = _data_rtol(red)
    # |Δτ^pop| ≤ α ‖δp‖₁ for a change δp of the populations (the argument of Lemma 1); the eigenbasis
    # enters the coefficients G twice
    data_error = lemma1_alpha([b.sites for b in ansatz.blocks], traces) * (eta_p + 2 * eta_v)

    def certify():
        # lower: any |y| ≤ 1 gives Σ_b t_b λ_min(Σ_k y_k G^b_k) (exact in the clipped y)
        y_val = np.zeros(d) if y.value is None else np.clip(np.asarray(y.value, float), -1.0, 1.0)
        lower = _pop_certificate_lower(coeffs, coeff_err, y_val, traces)
        # upper: the multipliers of the LMIs are Γ; project onto the feasible set and evaluate rigorously
        gammas = [np.zeros((g.shape[1], g.shape[1]), dtype=complex) for g in coeffs]
        for b, idx, con in pieces:
            z = con.dual_value
            if z is None:
                continue
            z = 0.5 * (z + z.T)
            if not real:
                s = len(idx)
                z = (z[:s, :s] + z[s:, s:]) + 1j * (z[s:, :s] - z[:s, s:])
            gammas[b][np.ix_(idx, idx)] = z
        best = (np.inf, None)
        for variant in (gammas, [g.conj() for g in gammas]):  # the multiplier's complex orientation
            proj = [_psd_project(g, t) for g, t in zip(variant, traces)]
            val, stored = _pop_certificate_upper(coeffs, coeff_err, proj, traces)
            if val < best[0]:
                best = (val, stored)
        if best[1] is None:
            return max(0.0, lower), np.inf, None, data_error
        return max(0.0, lower), best[0], LindbladCandidate(ansatz, tuple(best[1]), zero_h), data_error

    out = _solve(problem, solver, certify, clarabel=CLARABEL_TIGHT)
    return TauResult("tau_pop", out.value, out.lower, out.upper, out.status, out.solver, out.seconds, setup_s,
                     out.candidate,
                     {"blocks": [b.sites for b in ansatz.blocks], "traces": list(traces), "symmetry": symmetry,
                      "attempts": out.attempts, "norm": None, "target": None, "free_trace": False},
                     reason=out.reason, data_error=out.data_error)


# -- τ^pop,coh ------------------------------------------------------------------------------------------

def _sector_labels(system, atol=1e-8):
    """Total magnetisation of each energy eigenstate (integer), or None without the U(1) symmetry."""
    if not system.conserves_magnetisation():
        return None
    m = np.real(np.einsum("ia,ij,ja->a", system.eigenvectors.conj(), system.magnetisation, system.eigenvectors))
    labels = np.round(m).astype(int)
    if np.max(np.abs(m - labels)) > atol:
        return None
    return labels


def _dissipator_sector(f: np.ndarray, p: np.ndarray, sec: np.ndarray) -> np.ndarray:
    """M_ab restricted to the sector rows/columns ``sec``: F_b ρ0 F_a† − ½{F_a†F_b, ρ0}, shape (m, m, n, n).

    ρ0 = diag(p) in the energy basis. Contractions are ``tensordot`` (BLAS), never Python loops.
    """
    fr = f[:, sec, :] * p[None, None, :]  # (F_b ρ0)[sec, :]
    sandwich = np.tensordot(fr, f[:, sec, :].conj(), axes=([2], [2]))  # (b, i, a, l)
    prod = np.tensordot(f[:, :, sec].conj(), f[:, :, sec], axes=([1], [1]))  # (a, i, b, l) = (F_a†F_b)[i, l]
    ps = p[sec]
    out = sandwich.transpose(2, 0, 1, 3) - 0.5 * prod.transpose(0, 2, 1, 3) * (ps[None, None, None, :] + ps[None, None, :, None])
    return out


def _hermitian_psd(m):
    """M ⪰ 0 for a complex Hermitian expression, written as its real representation
    [[Re M, −Im M], [Im M, Re M]] ⪰ 0 (cvxpy's duals of complex PSD constraints are not reliable)."""
    import cvxpy as cp

    mr, mi = cp.real(m), cp.imag(m)
    return cp.bmat([[mr, -mi], [mi, mr]]) >> 0


def _complex_dual(v: np.ndarray) -> np.ndarray:
    """The complex Hermitian multiplier W of an LMI from the multiplier V of its real representation."""
    v = 0.5 * (v + v.T)
    k = v.shape[0] // 2
    return (v[:k, :k] + v[k:, k:]) + 1j * (v[k:, :k] - v[:k, k:])


# Lamb-shift basis elements whose energy-basis matrix is diagonal up to this (relative to its norm) commute
# with ρ0 up to the rounding of the eigenbasis (conserved quantities such as Σσz when a block spans the whole
# chain): their commutators are rounding noise, not directions of the problem, and are left out of it.
LAMB_NOISE_RTOL = 1e-12


def _resolved_lamb_shift(basis: np.ndarray, dmat: np.ndarray) -> np.ndarray:
    """Which Lamb-shift basis elements B_h give a real direction i[ρ0, B_h] = i D∘B_h of the problem."""
    off = dmat != 0
    out = np.zeros(len(basis), dtype=bool)
    for h, b in enumerate(basis):
        total = np.sqrt(np.sum(np.abs(b) ** 2))
        out[h] = np.sqrt(np.sum(np.abs(b[off]) ** 2)) > LAMB_NOISE_RTOL * total
    return out


# Of the resolved directions, those whose normalised commutators are linearly dependent on the others up to
# this (pivoted QR, relative to the strongest) are left out too: a combination that vanishes in exact
# arithmetic (e.g. the total magnetisation when the blocks cover the whole chain) comes out of the computed
# basis as a spurious direction of size ~1e-16 that the certificate would have to treat as real. The solver
# parametrises the same set, so the two bounds describe one problem.
LAMB_RANK_RTOL = 1e-6


def _lamb_shift_selection(ansatz: Ansatz, p: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per block, which Lamb-shift basis elements span the problem's Lamb-shift directions (see above)."""
    from scipy.linalg import qr

    dmat = p[:, None] - p[None, :]
    basis = np.concatenate(ansatz.hamiltonian_basis, axis=0)
    keep = _resolved_lamb_shift(basis, dmat)
    idx = np.flatnonzero(keep)
    if len(idx):
        dirs = 1j * dmat[None] * basis[idx]
        rows = np.concatenate([dirs.real.reshape(len(idx), -1), dirs.imag.reshape(len(idx), -1)], axis=1)
        rows /= np.sqrt(np.sum(rows**2, axis=1))[:, None]
        r, piv = qr(rows.T, mode="r", pivoting=True)
        diag = np.abs(np.diag(r))
        strong = piv[: int(np.sum(diag > LAMB_RANK_RTOL * diag[0]))]
        keep = np.zeros(len(basis), dtype=bool)
        keep[idx[strong]] = True
    bounds = np.cumsum([0] + [len(hb) for hb in ansatz.hamiltonian_basis])
    return tuple(keep[a:b] for a, b in zip(bounds[:-1], bounds[1:]))


def _dissipator_with_bound(f: np.ndarray, gamma: np.ndarray, p: np.ndarray):
    """A(Γ) = Σ_ab Γ_ab (F_b ρ0 F_a† − ½{F_a†F_b, ρ0}), ρ0 = diag(p), and an entrywise bound on its rounding."""
    m, d = f.shape[0], f.shape[1]
    fd = np.conj(np.swapaxes(f, 1, 2))
    g_ops = np.tensordot(gamma, f, axes=(1, 0))  # G_a = Σ_b Γ_ab F_b
    sandwich = np.sum((g_ops * p[None, None, :]) @ fd, axis=0)
    anti = np.sum(fd @ g_ops, axis=0)
    value = sandwich - 0.5 * (anti * p[None, :] + p[:, None] * anti)
    af = np.abs(f)
    afd = np.swapaxes(af, 1, 2)
    ag = np.tensordot(np.abs(gamma), af, axes=(1, 0))
    mag_a = np.sum(afd @ ag, axis=0)
    mag = np.sum((ag * p[None, None, :]) @ afd, axis=0) + 0.5 * (mag_a * p[None, :] + p[:, None] * mag_a)
    return value, _bound(2 * m + 2 * d + 16, mag)


def _dual_map_with_bound(f: np.ndarray, z: np.ndarray, p: np.ndarray):
    """S = A_Γ^*(Z) (Hermitian m×m: Re<Z, A(Γ)> = Tr(S Γ) for Hermitian Γ) and an entrywise rounding bound."""
    m, d = f.shape[0], f.shape[1]
    fc = f.conj().reshape(m, d * d)
    zd = z.conj().T
    q1 = fc @ ((zd @ f) * p[None, None, :]).reshape(m, d * d).T
    pm = p[:, None] * zd + zd * p[None, :]
    q2 = fc @ (f @ pm).reshape(m, d * d).T
    value = _hermitian_part(q1 - 0.5 * q2)
    af = np.abs(f)
    afr = af.reshape(m, d * d)
    az = np.abs(z).T
    m1 = afr @ ((az @ af) * p[None, None, :]).reshape(m, d * d).T
    m2 = afr @ (af @ (p[:, None] * az + az * p[None, :])).reshape(m, d * d).T
    mag = m1 + 0.5 * m2
    return value, _bound(d * d + 2 * d + 16, 0.5 * (mag + mag.T))


@dataclass(frozen=True, eq=False)
class _CohData:
    """What the certificates of Eq. (33) need, computed once per solve (see :func:`_coh_data`)."""

    operators: tuple
    p: np.ndarray
    tmat: np.ndarray
    traces: tuple
    norm: str
    free_trace: bool
    lips: tuple  # ‖A_b‖ (Frobenius → Frobenius) upper bounds, also for A_b^*
    dmat: np.ndarray  # D_jk = p_j − p_k (float; within u of the exact difference)
    lamb_basis: np.ndarray  # all blocks' Lamb-shift basis B_i (energy basis), stacked
    k_rows: np.ndarray  # normalised directions K_i ≈ i D∘B_i / ‖·‖ as real vectors (re, im)
    dir_basis: np.ndarray  # the B_h of those directions (complex, d×d each)
    dir_scale: np.ndarray  # their scales s_i (K_i = fl(i D∘B_i / s_i))
    d_hi: np.ndarray  # p_j − p_k = d_hi + d_lo exactly (TwoSum)
    d_lo: np.ndarray
    e_gram: float  # ≥ ‖Gram(K) − M‖_F, M_ij = Re<N̂_i, K_j>
    support: np.ndarray  # (n, L) flat indices of the entries where direction i can be non-zero (padded)
    q: np.ndarray | None  # orthonormal basis of their span (float), for the projection
    minv: float  # ‖M^{-1}‖_2 upper bound for the correction system (inf: not verified)
    k_norm: float  # max_j ‖K_j‖_F upper bound
    structural: np.ndarray  # entries (j, k) with D_jk == 0: a Z supported there is exactly feasible
    t_norm: float  # ‖T‖_F upper bound
    eta_p: float
    eta_v: float


def _coh_data(ansatz: Ansatz, p, tmat, traces, norm, free_trace, eta, selection) -> _CohData:
    d = len(p)
    ops = ansatz.operators
    rho_norm = _fro_upper(p)
    lips = tuple(_up(2.0 * f.shape[0] * rho_norm * max(_fro_upper(fa) for fa in f) ** 2, 8) for f in ops)
    dmat = p[:, None] - p[None, :]
    basis = np.concatenate(ansatz.hamiltonian_basis, axis=0)
    # directions i[ρ0, B_i] = i D∘B_i of the problem: the resolved ones (see LAMB_NOISE_RTOL)
    dir_basis = basis[np.concatenate(selection)]
    dirs = 1j * dmat[None] * dir_basis
    rows = np.concatenate([dirs.real.reshape(len(dirs), -1), dirs.imag.reshape(len(dirs), -1)], axis=1)
    scale = np.sqrt(np.sum(rows**2, axis=1))
    k_rows = rows / scale[:, None]
    n = len(k_rows)
    q, minv, k_norm, e_gram = None, np.inf, 0.0, np.inf
    if n:
        q = np.linalg.qr(k_rows.T)[0]
        k_norm = max(_fro_upper(r) for r in k_rows)
        ak = np.abs(k_rows)
        m_t = k_rows @ k_rows.T
        e_m = _bound(2 * d * d + 10, ak @ ak.T)  # covers |K − i D∘B/s| (a few roundings) and the products
        e_gram = _fro_upper(_bound(6, ak @ ak.T))  # Gram(K) − M = Re<K_i − N̂_i, K_j>, |K − N̂| ≤ γ_5 |K|
        try:
            r_inv = np.linalg.inv(m_t)
            resid = r_inv @ m_t
            resid[np.diag_indices(n)] -= 1.0
            alpha = _fro_upper(resid) + _fro_upper(_bound(n + 2, np.abs(r_inv) @ np.abs(m_t))) \
                + _fro_upper(np.abs(r_inv) @ e_m)
            if alpha < 0.5:
                minv = _up(_fro_upper(r_inv) / (1.0 - alpha))
        except np.linalg.LinAlgError:
            pass
    eta_p, eta_v = eta
    d_hi, d_lo = _two_sum(p[:, None], -p[None, :])
    # the exact residuals only need the entries where D_jk B_ijk ≠ 0 (B is sparse by the U(1) selection rules);
    # rows are padded with the index of an entry where D = 0 (the diagonal), which contributes exact zeros
    nz = [np.flatnonzero(((b != 0) & (dmat != 0)).ravel()) for b in dir_basis]
    width = max((len(i) for i in nz), default=0)
    support = np.zeros((len(nz), max(width, 1)), dtype=int)
    for i, idx in enumerate(nz):
        support[i, : len(idx)] = idx
    return _CohData(ops, p, tmat, traces, norm, free_trace, lips, dmat, basis, k_rows, dir_basis, scale, d_hi,
                    d_lo, e_gram, support, q, minv, k_norm, dmat == 0, _fro_upper(tmat), eta_p, eta_v)


def _cascaded_sum(rows: np.ndarray):
    """Row sums of ``rows`` by a pairwise cascade of error-free TwoSums (vectorised): the exact sum is
    s + Σ e with every rounding error e kept; Σ e is then summed in float. Returns (s + Σe, bound) with
    |exact − (s + Σe)| ≤ bound = γ_n Σ|e| + u |s + Σe| (about n u² Σ|terms|)."""
    x = np.asarray(rows, dtype=float)
    errs = []
    while x.shape[1] > 1:
        if x.shape[1] % 2:
            x = np.concatenate([x, np.zeros((x.shape[0], 1))], axis=1)
        x, e = _two_sum(x[:, 0::2], x[:, 1::2])
        errs.append(e)
    n = rows.shape[1]
    e_all = np.concatenate(errs, axis=1) if errs else np.zeros((rows.shape[0], 1))
    total = x[:, 0] + np.sum(e_all, axis=1)
    bound = _gamma(2 * n + 4) * np.sum(np.abs(e_all), axis=1) + 2 * _U * np.abs(total)
    return total, bound


def _exact_residuals(data: _CohData, parts):
    """Re<N̂_i, Σ parts> (float) and an upper bound on its absolute value, N̂_i = i (p_j − p_k) B_i / s_i: the
    population differences are split exactly (TwoSum), every product is error-free (TwoProduct) and each sum
    summed by an error-free cascade (:func:`_cascaded_sum`), so the bound is ~1e-30 of the terms.
    """
    n = len(data.dir_basis)
    rows_i = np.arange(n)[:, None]
    br = data.dir_basis.real.reshape(n, -1)[rows_i, data.support]
    bi = data.dir_basis.imag.reshape(n, -1)[rows_i, data.support]
    d_hi, d_lo = data.d_hi.ravel()[data.support], data.d_lo.ravel()[data.support]
    pieces = []
    for z in parts:
        a1, a2 = _two_product(br, z.imag.ravel()[data.support])
        b1, b2 = _two_product(bi, -z.real.ravel()[data.support])
        for dd in (d_hi, d_lo):
            for w in (a1, a2, b1, b2):
                pieces += list(_two_product(dd, w))
    rows = np.concatenate(pieces, axis=1)
    sums, err = _cascaded_sum(rows)
    values = sums / data.dir_scale
    return values, (np.abs(sums) * (1 + 4 * _U) + err + rows.shape[1] * _TINY) / data.dir_scale


def _dual_norm_upper(z: np.ndarray, norm: str) -> float:
    """Upper bound on the dual norm of the Hermitian float matrix z (nuclear for the spectral objective…)."""
    if norm == "frobenius":
        return _fro_upper(z)
    _, spectral, nuclear = _hermitian_enclosure(z)
    return nuclear if norm == "spectral" else spectral


def _coh_dual_estimate(z: np.ndarray, data: _CohData) -> float:
    """The dual objective at the projected, normalised Z in plain floating point (no bounds): only to pick
    which orientation of the solver's multiplier to certify."""
    d = z.shape[0]
    z = _hermitian_part(np.asarray(z, dtype=complex))
    if data.q is not None:
        v = np.concatenate([z.real.ravel(), z.imag.ravel()])
        v = v - data.q @ (data.q.T @ v)
        z = _hermitian_part((v[: d * d] + 1j * v[d * d:]).reshape(d, d))
    value = -float(np.real(np.vdot(z, data.tmat)))
    for f, t in zip(data.operators, data.traces):
        lam = float(np.linalg.eigvalsh(_dual_map_with_bound(f, z, data.p)[0])[0])
        if data.free_trace and lam < 0:
            return 0.0
        value += 0.0 if data.free_trace else t * lam
    scale = _dual_norm_upper(z, data.norm)
    return value / scale if np.isfinite(scale) and scale > 0 else 0.0


def _coh_lower_bound(z: np.ndarray, data: _CohData) -> float:
    r"""Certified lower bound of Eq. (33) from a dual candidate Z (weak duality, rounding included).

    1. Z is projected (in floating point) onto A_H^*(Z) = 0, i.e. Z ⟂ i[ρ0, B_i] for every Lamb-shift basis
       element of every block, then made exactly Hermitian.
    2. That leaves a residual r_i = Re<N̂_i, Z̃> of rounding size, N̂_i the normalised directions. One step
       of refinement adds a float matrix δ (kept apart from Z̃, so that Z̃ + δ is exact); its residual r,
       evaluated exactly (:func:`_exact_residuals`), is then ~1e-30. Z* = Z̃ + δ + Σ_j c_j K_j with M c = −r,
       M_ij = Re<N̂_i, K_j>, satisfies A_H^*(Z*) = 0 *exactly*; M is verified invertible (‖I − R M‖ < 1 for
       an approximate inverse R) and ‖ΔZ‖_F² = cᵀ Gram(K) c ≤ ‖M^{-1}‖ (1 + ‖Gram(K) − M‖ ‖M^{-1}‖) ‖r‖².
       (Without it, a residual times the unbounded Lamb shift — 1e9 at low temperature — would void the
       bound.) When M cannot be verified, Z is restricted to the entries where ρ0 has equal populations
       (the diagonal): exactly feasible, weaker.
    3. The dual objective −Re<Z, T> + Σ_b t_b λ_min(A_Γb^*(Z)) at Z̃ is bounded below with rounding bounds
       and :func:`_hermitian_enclosure`, then at Z* by Lipschitz continuity (‖T‖_F + Σ_b t_b ‖A_b‖) ‖ΔZ‖_F,
       and divided by an upper bound of ‖Z*‖_* (the objective is positively homogeneous).
    """
    d = z.shape[0]
    z = _hermitian_part(np.asarray(z, dtype=complex))
    verified = data.q is not None and np.isfinite(data.minv)
    if verified:
        v = np.concatenate([z.real.ravel(), z.imag.ravel()])
        v = v - data.q @ (data.q.T @ v)
        z = _hermitian_part((v[: d * d] + 1j * v[d * d:]).reshape(d, d))
    elif data.q is not None:
        z = np.where(data.structural, z, 0.0)  # exactly orthogonal to every i D∘B_i
    scale = _dual_norm_upper(z, data.norm)
    if not (np.isfinite(scale) and scale > 0):
        return 0.0
    z = _hermitian_part(z / scale)  # magnitudes O(1); from here on z is this exact float array
    # one step of refinement, kept as a separate float array: Z = z + δ exactly, with A_H^*(Z) ≈ 0 far below
    # what rounding z itself would allow; the rest is the exact correction ΔZ, ‖ΔZ‖_F ≤ dz
    delta = np.zeros_like(z)
    dz = 0.0
    if verified:
        r, _ = _exact_residuals(data, [z])
        c = np.linalg.solve(data.k_rows @ data.k_rows.T, -r)
        dvec = data.k_rows.T @ c
        delta = _hermitian_part((dvec[: d * d] + 1j * dvec[d * d:]).reshape(d, d))
        _, r2 = _exact_residuals(data, [z, delta])
        dz = _up(np.sqrt(data.minv * (1.0 + data.e_gram * data.minv)) * _fro_upper(r2), 8)
    value = -float(np.real(np.vdot(z, data.tmat))) - float(np.real(np.vdot(delta, data.tmat)))
    value = _down(value - _bound(d * d + 8, float(np.sum((np.abs(z) + np.abs(delta)) * np.abs(data.tmat)))))
    lip_total = data.t_norm
    for f, t, lip in zip(data.operators, data.traces, data.lips):
        s_z, err_z = _dual_map_with_bound(f, z, data.p)
        s_d, err_d = _dual_map_with_bound(f, delta, data.p)
        s_b = s_z + s_d
        lam, _, _ = _hermitian_enclosure(s_b, _fro_upper(err_z + err_d + _bound(1, np.abs(s_b))))
        if data.free_trace:
            if _down(lam - lip * dz) < 0:
                return 0.0  # no certificate beyond the trivial ‖·‖ ≥ 0
        else:
            value = _down(value + _down(t * lam))
            lip_total = _up(lip_total + t * lip)
    value = _down(value - lip_total * dz)
    if not value > 0:
        return 0.0
    kappa = np.sqrt(d) if data.norm == "spectral" else 1.0  # dual norm ≤ kappa · Frobenius norm
    sigma = _up(_dual_norm_upper(z, data.norm) + kappa * (_fro_upper(delta) + dz), 8)
    return _down(value / sigma)


def _coh_upper_bound(gammas, thetas, data: _CohData):
    """Certified upper bound of Eq. (33) at Γ (projected onto the feasible set exactly) and Lamb-shift
    coordinates θ; returns (upper, stored Γ*'s, data_error) or (inf, None, inf)."""
    d = len(data.p)
    feas = [_feasible_gamma(g, None if data.free_trace else t) for g, t in zip(gammas, data.traces)]
    if any(f is None for f in feas):
        return np.inf, None, np.inf
    theta = np.concatenate(thetas)
    if not np.all(np.isfinite(theta)) or np.max(np.abs(theta), initial=0.0) > 1e150:
        return np.inf, None, np.inf
    yr, er = _dot2(theta, data.lamb_basis.real)
    yi, ei = _dot2(theta, data.lamb_basis.imag)
    y = yr + 1j * yi
    ad = np.abs(data.dmat)
    lamb = 1j * (data.dmat * y)
    err_l = ad * (er + ei) * (1 + 4 * _U) + _bound(3, ad * np.abs(y))
    x = lamb - data.tmat
    err = err_l.copy()
    mag = np.abs(lamb) + np.abs(data.tmat)
    dist_term = 0.0
    for f, fe, lip in zip(data.operators, feas, data.lips):
        a_val, a_err = _dissipator_with_bound(f, fe.base, data.p)
        x = x + a_val
        err = err + a_err
        mag = mag + np.abs(a_val)
        dist_term = _up(dist_term + lip * fe.dist)
    err = err + _bound(len(feas) + 4, mag)
    xh = _hermitian_part(x)
    err_f = _up(_fro_upper(err) + dist_term + _fro_upper(_bound(1, np.abs(xh))))
    if data.norm == "frobenius":
        upper = _up(_fro_upper(xh) + err_f)
    else:
        _, spectral, nuclear = _hermitian_enclosure(xh, err_f)
        upper = spectral if data.norm == "spectral" else nuclear
    # first-order effect of the data's own rounding (module docstring): target, dissipator, Lamb shift
    eta = data.eta_p + 2 * data.eta_v
    psum = data.p[:, None] + data.p[None, :]
    gam_norm = sum(_fro_upper(fe.stored) * lip for fe, lip in zip(feas, data.lips))
    data_error = ((PRINCIPAL_VALUE_RTOL + eta) * data.t_norm + eta * gam_norm
                  + data.eta_p * _fro_upper(psum * np.abs(y))
                  + 2 * np.sqrt(d) * data.eta_v * float(np.sum(np.abs(theta))) * float(np.max(ad)))
    if data.norm == "nuclear":
        data_error *= np.sqrt(d)
    return upper, [fe.stored for fe in feas], float(data_error)


def tau_pop_coh(problem_input, blocks=None, *, norm: str = "spectral", target: str = "physical", trace=1.0,
                free_trace: bool = False, solver: str | None = None, symmetry: bool = True) -> TauResult:
    r"""τ^pop,coh_opt of Eq. (33), certified.

    Parameters
    ----------
    problem_input : ChainSetup or Redfield
    blocks : "left,right" (default), "left", or a sequence of Block / site tuples
    norm : "spectral" (largest singular value; the published one), "frobenius" or "nuclear"
    target : "physical" (T = L2(ρ0), default) or "published" (T = L2_eq40(ρ0) = −L2(ρ0); docs/conventions.md)
    trace : float or sequence, Tr Γ_b (ignored with ``free_trace``)
    free_trace : bool
        Drop Tr Γ_b = t (beyond the paper: the objective is not scale invariant, so the fixed trace is a
        real restriction). The certified lower bound is then only non-trivial when the repaired dual
        satisfies A_Γ^*(Z) ⪰ 0.
    solver, symmetry : as for :func:`tau_pop`
    """
    import cvxpy as cp

    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got norm={norm!r}")
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got target={target!r}")
    t_start = time.perf_counter()
    red, ansatz = _resolve(problem_input, blocks)
    traces = _as_tuple_of_traces(ansatz.blocks, trace)
    p = populations(red)
    rho0_e = np.diag(p).astype(complex)
    t_phys = l2(red, rho0_e, basis="energy")
    tmat = t_phys if target == "physical" else -t_phys
    d = red.dim
    labels = _sector_labels(red.system) if symmetry else None
    sectors = [np.arange(d)] if labels is None else [np.flatnonzero(labels == v) for v in np.unique(labels)]

    selection = _lamb_shift_selection(ansatz, p)
    # variables: Γ per block (split by charge under the U(1) symmetry), H_LS coordinates per block
    residual = {i: -tmat[np.ix_(sec, sec)] for i, sec in enumerate(sectors)}
    constraints, gamma_vars = [], []
    for b, (f, charges, hb) in enumerate(zip(ansatz.operators, ansatz.charges, ansatz.hamiltonian_basis)):
        m = f.shape[0]
        groups = [np.flatnonzero(charges == q) for q in np.unique(charges)] if labels is not None else [np.arange(m)]
        block_vars = [(idx, cp.Variable((len(idx), len(idx)), hermitian=True)) for idx in groups]
        constraints += [g >> 0 for _, g in block_vars]
        for i, sec in enumerate(sectors):
            msec = _dissipator_sector(f, p, sec)  # (m, m, n, n)
            n = len(sec)
            for idx, g in block_vars:
                sub = msec[np.ix_(idx, idx)]
                if np.max(np.abs(sub), initial=0.0) <= STRUCTURE_RTOL * np.max(np.abs(msec)):
                    continue  # exactly zero by the U(1) symmetry: charge q maps sector M to M + q
                mat = sub.reshape(len(idx) ** 2, n * n).T  # vec_C(X) = mat @ vec_C(Γ)
                residual[i] = residual[i] + cp.reshape(mat @ cp.vec(g, order="C"), (n, n), order="C")
        if not free_trace:
            constraints.append(sum(cp.real(cp.trace(g)) for _, g in block_vars) == traces[b])
        gamma_vars.append(block_vars)
        hq = ansatz.hamiltonian_charges[b]
        resolved = selection[b]
        keep = np.flatnonzero(resolved & (hq == 0)) if labels is not None else np.flatnonzero(resolved)
        comm = 1j * (rho0_e[None] @ hb[keep] - hb[keep] @ rho0_e[None])
        # Only the range of h ↦ i[ρ0, h] matters (e.g. diagonal h commute with ρ0): parametrise it by an
        # orthonormal basis so that the solver sees no directions that leave the objective unchanged.
        # Each h is scaled to a unit-norm commutator first: at low temperature the population differences,
        # hence the commutators' sizes, span tens of orders of magnitude, and a direction must not be lost
        # (or ill-resolved) for being small.
        stacked = np.concatenate([comm[:, sec][:, :, sec].reshape(len(keep), len(sec) ** 2) for sec in sectors],
                                 axis=1)
        stacked = np.concatenate([stacked.real, stacked.imag], axis=1)
        size = np.sqrt(np.sum(stacked**2, axis=1))
        live = size > 0
        rank = 0
        if np.any(live):
            u, sv, vh = np.linalg.svd(stacked[live] / size[live, None], full_matrices=False)
            rank = int(np.sum(sv > STRUCTURE_RTOL * max(sv.max(initial=0.0), 1e-300)))
        coords = np.zeros((len(keep), rank))
        if rank:  # θ = coords @ r maps r onto unit-norm output directions
            coords[live] = u[:, :rank] / sv[:rank] / size[live, None]
        theta = cp.Variable(rank)
        for i, sec in enumerate(sectors):
            sub = np.tensordot(coords.T, comm[:, sec][:, :, sec], axes=1)
            if rank == 0 or np.max(np.abs(sub), initial=0.0) == 0.0:
                continue
            n = len(sec)
            residual[i] = residual[i] + cp.reshape(sub.reshape(rank, n * n).T @ theta, (n, n), order="C")
        keep = (keep, coords)
        gamma_vars[-1] = (block_vars, keep, theta)

    tvar = cp.Variable()
    dual_cons = []
    if norm == "frobenius":
        vec = cp.hstack([cp.vec(residual[i], order="C") for i in residual])
        con = cp.SOC(tvar, cp.hstack([cp.real(vec), cp.imag(vec)]))
        constraints.append(con)
        dual_cons.append(con)
    else:
        # X = L2'(ρ0) − T is Hermitian (both maps preserve Hermiticity), so
        #   spectral: ‖X‖ ≤ t  ⟺  t I − X ⪰ 0 and t I + X ⪰ 0,
        #   nuclear:  ‖X‖_* = min Tr P  s.t.  P − X ⪰ 0 and P + X ⪰ 0,
        # two LMIs of size n instead of one of size 2n; the certificate is Z = A − B from their multipliers.
        p_traces = []
        for i, sec in enumerate(sectors):
            x = residual[i]
            n = len(sec)
            if norm == "spectral":
                upper_m = tvar * np.eye(n)
            else:
                upper_m = cp.Variable((n, n), hermitian=True)
                p_traces.append(cp.real(cp.trace(upper_m)))
            pair = (_hermitian_psd(upper_m - x), _hermitian_psd(upper_m + x))
            constraints += list(pair)
            dual_cons.append(pair)
        if norm == "nuclear":
            constraints.append(sum(p_traces) <= tvar)
    problem = cp.Problem(cp.Minimize(tvar), constraints)
    setup_s = time.perf_counter() - t_start
    flat_cons = [c for pair in dual_cons for c in (pair if isinstance(pair, tuple) else (pair,))]

    data = _coh_data(ansatz, p, tmat, traces, norm, free_trace, _data_rtol(red), selection)

    def certify():
        # candidate → certified upper bound
        gammas, thetas = [], []
        for b, (block_vars, keep, theta) in enumerate(gamma_vars):
            m = ansatz.blocks[b].n_operators
            gam = np.zeros((m, m), dtype=complex)
            for idx, g in block_vars:
                if g.value is not None:
                    gam[np.ix_(idx, idx)] = g.value
            gammas.append(_psd_project(gam, None if free_trace else traces[b]))
            kept, coords = keep
            r = np.zeros(coords.shape[1]) if theta.value is None else np.asarray(theta.value, float)
            full = np.zeros(ansatz.blocks[b].dim ** 2 - 1)
            full[kept] = coords @ r
            thetas.append(full)
        upper, stored, data_error = _coh_upper_bound(gammas, thetas, data)
        candidate = None
        if stored is not None:
            hams = tuple(np.tensordot(t, traceless_hermitian_basis(blk.dim), axes=1)
                         for t, blk in zip(thetas, ansatz.blocks))
            candidate = LindbladCandidate(ansatz, tuple(stored), hams, tuple(thetas))
        # dual → certified lower bound
        if any(c.dual_value is None for c in flat_cons):
            return 0.0, upper, candidate, data_error
        z = np.zeros((d, d), dtype=complex)
        if norm == "frobenius":
            v = np.asarray(dual_cons[0].dual_value[1], float)
            half = v.size // 2
            flat = -(v[:half] + 1j * v[half:])
            pos = 0
            for sec in sectors:
                n = len(sec)
                z[np.ix_(sec, sec)] = flat[pos:pos + n * n].reshape(n, n)
                pos += n * n
        else:
            for sec, (con_a, con_b) in zip(sectors, dual_cons):
                z[np.ix_(sec, sec)] = (_complex_dual(np.asarray(con_a.dual_value))
                                       - _complex_dual(np.asarray(con_b.dual_value)))
        # the multiplier's complex orientation (z or its transpose; the bound takes the Hermitian part): the
        # better one by a plain estimate is certified
        lower = _coh_lower_bound(max((z, z.T), key=lambda v: _coh_dual_estimate(v, data)), data)
        return lower, upper, candidate, data_error

    out = _solve(problem, solver, certify)
    return TauResult("tau_pop_coh", out.value, out.lower, out.upper, out.status, out.solver, out.seconds, setup_s,
                     out.candidate, {"blocks": [b.sites for b in ansatz.blocks], "traces": list(traces),
                                     "symmetry": symmetry, "attempts": out.attempts, "norm": norm, "target": target,
                                     "free_trace": free_trace}, reason=out.reason, data_error=out.data_error)


# -- Lemma 1 and candidate checks -------------------------------------------------------------------------

def lemma1_alpha(blocks, traces) -> float:
    r"""α = 2 Σ_b t_b (d_b³ − d_b) of Eq. (31) (= 2(t_L d_L³ + t_R d_R³ − t_L d_L − t_R d_R) for two blocks)."""
    return 2.0 * sum(t * ((2 ** len(b)) ** 3 - 2 ** len(b)) for b, t in zip(blocks, traces))


def lemma1_bound(result: TauResult) -> float:
    r"""Lemma 1 (Eq. (31)): ‖p − p'‖₁ ≥ τ^pop_opt / α for the zeroth-order NESS p' of *any* LE of Eq. (23)
    with these traces. Uses the certified ``lower`` (so the bound is rigorous). The paper calls ‖p − p'‖₁
    the trace distance (App. B, below Eq. (B8)): it is twice the usual ½‖ρ − σ‖₁.
    """
    if result.quantity != "tau_pop":
        raise ValueError("lemma1_bound needs a tau_pop result")
    return result.lower / lemma1_alpha(result.options["blocks"], result.options["traces"])


@dataclass(frozen=True)
class CandidateCheck:
    """Physics of one candidate Lindbladian (Sec. II.D), computed without any solver.

    Attributes
    ----------
    population_l1 : ‖p' − p‖₁ between its zeroth-order NESS p' (C p' = 0, App. B) and the Redfield p.
    finite_epsilon_population_l1 : the same for the exact steady state of L0 + ε² L2' at ``epsilon``.
    coherence_error : max |ρ̄_ε[α≠ν]/ε² − ρ2[α≠ν]| against Eq. (15), relative to max |ρ2|.
    min_gamma_eigenvalue : min over blocks of λ_min(Γ_b) (≥ 0: completely positive).
    continuity_violation : max |Tr[O L2'(X)]| for σx, σy, σz on every site outside the blocks (Eq. (22)).
    """

    population_l1: float
    finite_epsilon_population_l1: float
    coherence_error: float
    min_gamma_eigenvalue: float
    continuity_violation: float
    epsilon: float


def candidate_populations(candidate: LindbladCandidate) -> np.ndarray:
    """Zeroth-order NESS p' of a candidate: C p' = 0 (Eq. (B8))."""
    w, v = np.linalg.eig(candidate_rate_matrix(candidate))
    i = int(np.argmin(np.abs(w)))
    pvec = np.real(v[:, i])
    return pvec / pvec.sum()


def check_candidate(candidate: LindbladCandidate, red: Redfield, *, epsilon: float = 0.01) -> CandidateCheck:
    """Build L0 + ε² L2' from a candidate and test it against the Redfield NESS (issue #3)."""
    from .model import SIGMA_X, SIGMA_Y, SIGMA_Z, site_operator

    system = red.system
    d = system.dim
    p = populations(red)
    p_bar = candidate_populations(candidate)
    e = system.energies
    sup = epsilon**2 * lindblad_superoperator(candidate)
    sup[np.diag_indices(d * d)] += (-1j * (e[:, None] - e[None, :])).ravel()
    sup[0, :] = np.eye(d).ravel()
    rhs = np.zeros(d * d, dtype=complex)
    rhs[0] = 1.0
    rho_eps = np.linalg.solve(sup, rhs).reshape(d, d)
    coh = second_order_coherences(red)
    off = rho_eps - np.diag(np.diag(rho_eps))
    coherence_error = float(np.max(np.abs(off / epsilon**2 - coh)) / max(np.max(np.abs(coh)), 1e-300))
    block_sites = {s for b in candidate.ansatz.blocks for s in b.sites}
    rng = np.random.default_rng(0)
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    x = l2_prime(candidate, system.to_energy_basis(a @ a.conj().T))
    viol = 0.0
    for site in range(system.n_sites):
        if site in block_sites:
            continue
        for op in (SIGMA_X, SIGMA_Y, SIGMA_Z):
            o = system.to_energy_basis(site_operator(op, site, system.n_sites))
            viol = max(viol, abs(np.trace(o @ x)))
    return CandidateCheck(
        population_l1=float(np.sum(np.abs(p_bar - p))),
        finite_epsilon_population_l1=float(np.sum(np.abs(np.real(np.diag(rho_eps)) - p))),
        coherence_error=coherence_error,
        min_gamma_eigenvalue=min(candidate.min_eigenvalues),
        continuity_violation=float(viol),
        epsilon=epsilon,
    )
