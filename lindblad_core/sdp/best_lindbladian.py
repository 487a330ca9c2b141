r"""The best Lindbladian an SDP finds, at a physical coupling ε, ready to simulate — with the checks a user needs.

The candidate of :func:`~lindblad_core.sdp.tau_pop` / :func:`~lindblad_core.sdp.tau_pop_coh` is the point of the
ansatz of Eq. (23) that attains the certified upper bound. It is the best *leading-order* Lindbladian for its
objective, not necessarily a good one to integrate: with Tr Γ_b fixed to 1 its rates carry an arbitrary scale, a
rank-deficient Γ can leave a nearly conserved subspace (a Liouvillian gap of ~1e-12), and no Lindbladian of
Eq. (23) reproduces the Redfield NESS where the SDP says "impossible". :func:`best_lindbladian` therefore

- takes the physical scale: for the coherences (τ^pop,coh) the trace is left free (``free_trace=True``), so Γ_b
  matches L2(ρ0) in size; for the populations (τ^pop, homogeneous in Γ) the optimum is rescaled by the factor s
  that minimises ‖s D(ρ0) − L2(ρ0)‖_F, D the candidate's dissipator, when that s is positive, else by
  ‖L2(ρ0)‖_F/‖D(ρ0)‖_F (:func:`physical_scale`);
- builds L0 + ε² L2' as a QuTiP super-operator (:meth:`~lindblad_core.lindblad.candidate.LindbladCandidate.to_qutip`);
- checks that its steady state is unique, that it relaxes no slower than ``max_relaxation_factor`` times the
  Redfield equation's slowest population relaxation, and that its NESS lies within ``max_distance`` (trace
  distance) of ρ0 — warning (:class:`LindbladianWarning`) with the numbers when any check fails.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np

from lindblad_core.lindblad.candidate import LindbladCandidate, l2_prime
from lindblad_core.redfield_equation import l2, populations, rate_matrix, redfield, rho0, steady_state
from lindblad_core.sdp.pop import tau_pop
from lindblad_core.sdp.popcoh import tau_pop_coh
from lindblad_core.sdp.result import TauResult

__all__ = ["best_lindbladian", "BestLindbladian", "LindbladianWarning", "OBJECTIVES"]

OBJECTIVES = ("coherences", "populations")
# Eigenvalues of the Liouvillian below this (relative to its largest |eigenvalue|) count as zero (a steady state).
KERNEL_RTOL = 1e-9
# The dense eigen-decomposition of the d² × d² Liouvillian is done up to this d (16 d⁴ bytes: 17 MB at d = 32).
EIGEN_MAX_DIM = 32


class LindbladianWarning(UserWarning):
    """The best Lindbladian is a poor thing to simulate: a non-unique steady state, slow relaxation, or a NESS far
    from the Redfield one."""


@dataclass(frozen=True)
class BestLindbladian:
    """A Lindbladian of Eq. (23) at coupling ε and what it gets right.

    Attributes
    ----------
    liouvillian : qutip.Qobj
        L0 + ε² L2' (a super-operator, computational basis): ``qutip.mesolve`` and ``qutip.steadystate`` take it.
    epsilon : float
    result : TauResult
        The SDP solve whose candidate this is (its certified interval and verdict).
    candidate : LindbladCandidate
        The candidate at its physical scale (``scale`` times the SDP's).
    scale : float
        The factor applied to the SDP's Γ (1 for the free-trace coherence objective).
    steady_state : ndarray
        Its NESS (computational basis).
    distance_to_rho0, distance_to_redfield : float
        Trace distances ½‖ρ − σ‖₁ of its NESS to ρ0 and to the Redfield steady state at the same ε.
    relaxation_time, redfield_relaxation_time : float
        1 / (its Liouvillian gap), and 1 / (ε² × the gap of the Redfield rate matrix); NaN when not computed.
    unique : bool or None
        Its steady state is unique (a one-dimensional kernel); None when not computed (d > ``EIGEN_MAX_DIM``).
    problems : tuple of str
        The failed checks, as warned.
    """

    liouvillian: object
    epsilon: float
    result: TauResult
    candidate: LindbladCandidate
    scale: float
    steady_state: np.ndarray
    distance_to_rho0: float
    distance_to_redfield: float
    relaxation_time: float
    redfield_relaxation_time: float
    unique: bool | None
    problems: tuple[str, ...]


def _trace_distance(a: np.ndarray, b: np.ndarray) -> float:
    return 0.5 * float(np.sum(np.abs(np.linalg.eigvalsh(0.5 * ((a - b) + (a - b).conj().T)))))


def physical_scale(d: np.ndarray, t: np.ndarray) -> float:
    """The factor s > 0 that brings a candidate's L2'(ρ0) = ``d`` to the size of L2(ρ0) = ``t``: the least-squares
    s = Re<D, T>/‖D‖_F² minimising ‖s D − T‖_F when it is positive, else ‖T‖_F/‖D‖_F (a Lindbladian's rates
    cannot be scaled by s ≤ 0: it would stop being completely positive); 1 when D or T is 0."""
    d_norm2 = float(np.real(np.vdot(d, d)))
    if not d_norm2 > 0:
        return 1.0
    s = float(np.real(np.vdot(d, t))) / d_norm2
    if s > 0:
        return s
    ratio = float(np.sqrt(float(np.real(np.vdot(t, t))) / d_norm2))
    return ratio if ratio > 0 else 1.0


def _least_squares_scale(candidate: LindbladCandidate, red) -> float:
    rho0_e = np.diag(populations(red)).astype(complex)
    return physical_scale(l2_prime(candidate, rho0_e), l2(red, rho0_e, basis="energy"))


def best_lindbladian(system, epsilon: float, *, objective: str = "coherences", blocks=None,
                     max_distance: float = 0.05, max_relaxation_factor: float = 100.0,
                     solver: str | None = None) -> BestLindbladian:
    r"""The best Lindbladian of Eq. (23) for ``objective``, at coupling ε, as a QuTiP super-operator, checked.

    Parameters
    ----------
    system : OpenSystem or ChainSetup
    epsilon : float
        The physical system–bath coupling ε > 0 of Eq. (18) (weak coupling: ε² × rates ≪ the Bohr frequencies).
    objective : {"coherences", "populations"}
        "coherences": the free-trace optimum of τ^pop,coh (Eq. (33)), closest to L2(ρ0) as a whole; "populations":
        the optimum of τ^pop (Eq. (29)) rescaled to L2(ρ0)'s size.
    blocks : optional
        As for :func:`~lindblad_core.sdp.tau_pop`.
    max_distance : float
        Warn when the trace distance of its NESS to ρ0 exceeds this.
    max_relaxation_factor : float
        Warn when it relaxes more than this many times slower than the Redfield equation's populations.
    solver : str, optional
        As for :func:`~lindblad_core.sdp.tau_pop`.

    Returns
    -------
    BestLindbladian

    Warns
    -----
    LindbladianWarning
        When its steady state is not unique, its relaxation is too slow, or its NESS is far from ρ0.

    Examples
    --------
    >>> import warnings
    >>> from lindblad_core.studies.examples import two_qubits
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     best = best_lindbladian(two_qubits(g=0.1), epsilon=0.1)
    >>> best.unique, best.liouvillian.issuper
    (True, True)
    >>> bool(best.distance_to_rho0 < 0.5)
    True
    """
    import qutip

    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got objective={objective!r}")
    epsilon = float(epsilon)
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be finite and > 0, got epsilon={epsilon!r}")
    for name, value in (("max_distance", max_distance), ("max_relaxation_factor", max_relaxation_factor)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be finite and > 0, got {name}={value!r}")
    red = redfield(system)
    if objective == "coherences":
        result = tau_pop_coh(system, blocks, free_trace=True, solver=solver)
    else:
        result = tau_pop(system, blocks, solver=solver)
    if result.candidate is None:
        raise ValueError(f"the SDP returned no candidate ({result.status}): {result.explain()}")
    scale = 1.0 if objective == "coherences" else _least_squares_scale(result.candidate, red)
    cand = result.candidate
    candidate = dataclasses.replace(cand, gammas=tuple(scale * g for g in cand.gammas),
                                    hamiltonians=tuple(scale * h for h in cand.hamiltonians),
                                    lamb_shift_coordinates=None if cand.lamb_shift_coordinates is None else
                                    tuple(scale * np.asarray(t) for t in cand.lamb_shift_coordinates))
    liouvillian = candidate.to_qutip(epsilon)
    ness = qutip.steadystate(liouvillian).full()
    r0 = rho0(red)
    distance_to_rho0 = _trace_distance(ness, r0)
    distance_to_redfield = _trace_distance(ness, steady_state(red, epsilon))

    w = np.sort(np.abs(np.real(np.linalg.eigvals(rate_matrix(red)))))
    redfield_time = 1.0 / (epsilon**2 * w[1]) if len(w) > 1 and w[1] > 0 else float("inf")
    unique, relaxation_time = None, float("nan")
    if red.dim <= EIGEN_MAX_DIM:
        lam = np.linalg.eigvals(liouvillian.full())
        zero = np.abs(lam) <= KERNEL_RTOL * max(float(np.max(np.abs(lam))), np.finfo(float).tiny)
        unique = int(np.sum(zero)) == 1
        rest = np.abs(np.real(lam[~zero]))
        relaxation_time = 1.0 / float(np.min(rest)) if rest.size and np.min(rest) > 0 else float("inf")

    problems = []
    if unique is False:
        problems.append(f"its steady state is not unique ({int(np.sum(zero))} zero eigenvalues of the Liouvillian)")
    if np.isfinite(redfield_time) and relaxation_time > max_relaxation_factor * redfield_time:
        problems.append(f"it relaxes in {relaxation_time:.3g}, more than {max_relaxation_factor:g} times the Redfield "
                        f"populations' {redfield_time:.3g} (Liouvillian gap {1 / relaxation_time:.2g})")
    if distance_to_rho0 > max_distance:
        problems.append(f"its NESS lies {distance_to_rho0:.3g} (trace distance) from rho0, more than "
                        f"max_distance = {max_distance:g}; the SDP's verdict: {result.verdict()}")
    for p in problems:
        warnings.warn(f"best Lindbladian ({objective}, epsilon = {epsilon:g}): {p}", LindbladianWarning, stacklevel=2)
    return BestLindbladian(liouvillian, epsilon, result, candidate, scale, ness, distance_to_rho0,
                           distance_to_redfield, relaxation_time, redfield_time, unique, tuple(problems))
