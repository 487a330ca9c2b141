r"""The SDPs τ^pop (Eq. (29)) and τ^pop,coh (Eq. (33)), with certified bounds and Lemma 1 (Eq. (31)).

:func:`tau_pop` and :func:`tau_pop_coh` take an open system (:class:`~lindblad_core.systems.open_system.OpenSystem`,
or the paper's :class:`~lindblad_core.systems.chain.ChainSetup`) and return a :class:`TauResult`: a certified
interval ``[lower, upper]`` for the optimum (:mod:`lindblad_core.certify`) and a verdict against δ_tol.

Modules: :mod:`.problem` (the input, converted and checked once), :mod:`.pop_dual`, :mod:`.pop` and
:mod:`.pop_basis` (τ^pop, in the energy basis or an explicit one), :mod:`.lamb_shift`, :mod:`.popcoh_formulations`
and :mod:`.popcoh` (τ^pop,coh), :mod:`.lemma1`, :mod:`.result` (``TauResult``) and :mod:`.solve` (the solver chain).

How the problems reach a solver. τ^pop is solved through its dual (:mod:`.pop_dual`), d + (number of blocks)
variables; the Γ_b are the multipliers of its matrix inequalities. τ^pop,coh: the primal min ‖L2'(ρ0) − T‖ with the
norm as an explicit cone, the affine map (Γ, θ) ↦ L2'(ρ0) assembled per symmetry sector (:mod:`.popcoh_formulations`).
The default chain starts with the library's interior-point method for Hermitian LMIs (solver "IPM",
:mod:`lindblad_core.solvers`: an m×m Schur complement over the few real variables, complex blocks as they are),
then, if its interval is not tight, Clarabel on the same conic data, then CVXOPT through cvxpy
(:func:`~lindblad_core.sdp.solve.solve_with_certificates`).

Symmetry (:mod:`lindblad_core.systems.symmetry`, shared by both SDPs). When H_S, every coupling operator and ρ0
are covariant under the U(1) charge Q, twirling maps every feasible (Γ, H_LS) to one whose Γ is
block-diagonal in charge and whose H_LS conserves Q, without increasing either objective. The solver then
sees small independent blocks (a 63×63 Γ splits into 19, 15, 15, 6, 6, 1, 1). The certified bounds are
always evaluated on the full, unreduced problem.

When the optimal Lamb shift is huge (N_L = 1, N_M = 2, N_R = 1 at β_L/β_R = 100/50 its coordinates reach ~1e15)
the data's rounding can decide the verdict; the result is then "inconclusive" and ``TauResult.reason`` says so.
"""

from lindblad_core.sdp.lemma1 import lemma1_alpha, lemma1_bound
from lindblad_core.sdp.pop import tau_pop
from lindblad_core.sdp.pop_dual import population_coefficients, population_flux
from lindblad_core.sdp.popcoh import NORMS, target_norm, tau_pop_coh
from lindblad_core.sdp.popcoh_formulations import FORMULATIONS
from lindblad_core.sdp.result import DELTA_TOL, INCONSISTENT, RESULT_STATUSES, TauResult
from lindblad_core.sdp.solve import NATIVE_SOLVER, SOLVERS, default_solver

__all__ = ["tau_pop", "tau_pop_coh", "TauResult", "lemma1_bound", "lemma1_alpha", "DELTA_TOL", "RESULT_STATUSES",
           "INCONSISTENT", "NORMS", "FORMULATIONS", "SOLVERS", "NATIVE_SOLVER", "default_solver",
           "population_coefficients", "population_flux", "target_norm"]
from lindblad_core.sdp.properties import tau_property  # noqa: E402,F401  (other properties as SDPs)
