"""The result of one solve of Eq. (29) or (33): the solver's value, a certified interval, a verdict.

Every solve ends in a :class:`TauResult`: the solver's value *and* a certified interval ``[lower, upper]``
(:mod:`lindblad_core.certify`), a status from a fixed set, and a verdict against δ_tol (Eqs. (30), (34)).
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from lindblad_core.lindblad.candidate import LindbladCandidate

if TYPE_CHECKING:
    from lindblad_core.lindblad.candidate import LindbladCandidate

DELTA_TOL = 1e-6  # δ_tol of Eqs. (30), (34), as in the paper



# Statuses whose number can count as a result: "optimal" (its value is checked against the certified
# interval; a value outside it turns the status into "inconsistent") and "optimal_inaccurate" only together
# with a tight certified interval. See TauResult.is_result; notebooks and plots use this set.
RESULT_STATUSES = frozenset({"optimal", "optimal_inaccurate"})



INCONSISTENT = "inconsistent"  # certified lower > upper, or an "optimal" value outside the certified interval



# A certified interval is "tight" when upper − lower ≤ CERT_ATOL + CERT_RTOL·upper: the dual bound and a
# checked primal candidate then pin the optimum down far below δ_tol and below the rtol 1e-4 of the
# comparison with the published values. A tight interval ends the solver chain even when the solver only
# reports "optimal_inaccurate" (typically Clarabel stopping with a dual residual of 1.5e-8 against its 1e-8
# tolerance): the numbers are then ours, checked, not the solver's.
CERT_ATOL = 1e-9



CERT_RTOL = 1e-6
# What ``TauResult.scale`` is, per quantity (for ``explain``).
_SCALE_NAME = {"tau_pop": "the NESS's population flux", "tau_pop_coh": "the norm of the target"}



@dataclass(frozen=True, eq=False)
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
        (:func:`~lindblad_core.redfield_equation.rate_matrix`, App. A), i.e. the total rate at which population
        leaves the energy levels at ρ0. Plain floating point (a reporting scale, not a certified number);
        NaN when unknown.

    Examples
    --------
    >>> import lindblad_core as lc
    >>> res = lc.tau_pop(lc.ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.01, beta_left=1.0, beta_right=0.5))
    >>> print(res)  # doctest: +ELLIPSIS
    tau_pop in [0.000948078, 0.000948078]: impossible (certified, relative [...]; optimal, IPM, ... s)
    >>> res.verdict(), res.certified, res.lower <= res.upper
    ('impossible', True, True)
    >>> res.options["blocks"]
    [(0,), (3,)]
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

    def __post_init__(self):
        # plain Python floats (no np.float64 in reprs and JSON), read-only options and candidate arrays: a result
        # cannot be changed after its interval was certified
        for name in ("lower", "upper", "solve_seconds", "setup_seconds", "data_error", "scale"):
            object.__setattr__(self, name, float(getattr(self, name)))
        if self.value is not None:
            object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "options", types.MappingProxyType(dict(self.options)))
        if self.candidate is not None:
            for arrays in (self.candidate.gammas, self.candidate.hamiltonians):
                for a in arrays:
                    a.setflags(write=False)

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
        return (self.consistent and self.reason is None and is_tight(self.lower, self.upper)
                and not self._ill_conditioned(DELTA_TOL))

    def _interval(self, relative: bool) -> tuple[float, float, float]:
        """(lower, upper, data_error), divided by ``scale`` when ``relative``."""
        if not relative:
            return self.lower, self.upper, self.data_error
        if not (np.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"relative=True needs a positive finite scale, got scale={self.scale!r}")
        return self.lower / self.scale, self.upper / self.scale, self.data_error / self.scale

    def verdict(self, tol: float = DELTA_TOL, *, relative: bool = False) -> str:
        """"impossible" if lower ≥ tol, "possible" if upper < tol, else "inconclusive" (Eqs. (30), (34)).

        Parameters
        ----------
        tol : float
            δ_tol, absolute (the paper's 1e-6) or, with ``relative=True``, in units of ``scale``.
        relative : bool
            Compare the interval divided by ``scale`` (‖T‖ for τ^pop,coh, the population flux for τ^pop) with
            ``tol``: a verdict that does not depend on the units of the couplings.

        Inconsistent results are "inconclusive", and so are results whose verdict ``data_error`` could flip.
        """
        if not (np.isfinite(tol) and tol > 0):
            raise ValueError(f"tol must be finite and > 0, got tol={tol!r}")
        if not self.consistent or self.reason is not None:
            return "inconclusive"
        lower, upper, err = self._interval(relative)
        if lower - err >= tol:
            return "impossible"
        if upper + err < tol:
            return "possible"
        return "inconclusive"

    def _undecided_reason(self, tol: float = DELTA_TOL) -> str | None:
        """Why the verdict at ``tol`` is "inconclusive" (None when it is not): the ``reason`` column of records."""
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

    def explain(self, tol: float = DELTA_TOL) -> str:
        """One sentence: the verdict at ``tol`` and what decided it, relative to the problem's scale.

        Examples
        --------
        >>> import lindblad_core as lc
        >>> res = lc.tau_pop_coh(lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.05, beta_left=1, beta_right=0.3))
        >>> print(res.explain())  # doctest: +ELLIPSIS
        impossible: the certified lower bound ... exceeds delta_tol = 1e-06 by ...x; ... of the scale ...
        """
        verdict = self.verdict(tol)
        rel = self.relative
        of_scale = (f"; {rel[0]:.2g} of the scale {self.scale:.3g} ({_SCALE_NAME.get(self.quantity, 'scale')})"
                    if np.isfinite(rel[0]) else "")
        trace = ("; Tr Γ_b is free" if self.options.get("free_trace") else
                 "; with Tr Γ_b fixed (free_trace=True asks without it)" if self.quantity == "tau_pop_coh" else "")
        if verdict == "impossible":
            return (f"impossible: the certified lower bound {self.lower:.3g} exceeds delta_tol = {tol:g} by "
                    f"{self.lower / tol:.3g}x{of_scale}{trace}: no Lindblad equation of Eq. (23) obeying the local "
                    "conservation laws reproduces this at leading order")
        if verdict == "possible":
            return (f"possible: the certified upper bound {self.upper:.3g} lies below delta_tol = {tol:g}"
                    f"{of_scale}{trace}; the candidate Lindbladian attains it")
        return f"inconclusive: {self._undecided_reason(tol)}"

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
            "reason": self._undecided_reason(), "data_error": self.data_error, "is_result": self.is_result,
            "scale": self.scale, "relative_lower": self.relative[0], "relative_upper": self.relative[1],
            **dict(self.options),
        }

    def __str__(self) -> str:
        rel = self.relative
        relative = (f", relative [{rel[0]:.3g}, {rel[1]:.3g}]" if np.isfinite(rel[0]) else "")
        return (f"{self.quantity} in [{self.lower:.6g}, {self.upper:.6g}]: {self.verdict()}"
                f" ({'certified' if self.certified else 'not certified'}{relative}; {self.status}, {self.solver}, "
                f"{self.solve_seconds:.2f} s)")


def is_tight(lower: float, upper: float) -> bool:
    return bool(np.isfinite(upper) and upper - lower <= CERT_ATOL + CERT_RTOL * abs(upper))


def decides_verdict(lower: float, upper: float, data_error: float = 0.0, tol: float = DELTA_TOL) -> bool:
    """Whether the certified interval [lower, upper], widened by ``data_error``, decides the verdict at δ_tol =
    ``tol`` (:meth:`TauResult.verdict` "impossible" or "possible")."""
    return bool(lower - data_error >= tol or upper + data_error < tol)
