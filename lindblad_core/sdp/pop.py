r"""τ^pop (Eq. (29)): how well can a Lindbladian of Eq. (23) reproduce the leading-order NESS populations?

With c_k(Γ) = <w_k|L2'(ρ0)|w_k> = Σ_b Tr(G^b_k Γ_b) for the basis vectors w_k of Eq. (28) (by default the energy
eigenbasis, where H_LS drops out, docs/conventions.md), Sion's minimax gives

.. math::

    \tau^{pop}_{opt} = \min_{\Gamma_b\succeq0,\ \mathrm{Tr}\Gamma_b=t_b}\sum_k|c_k|
        = \max_{|y_k|\le1}\ \sum_b t_b\,\lambda_{\min}\Big(\sum_k y_k G^b_k\Big),

which has only d + (number of blocks) variables; this dual is what the solver sees, and the Γ_b are the
multipliers of its matrix inequalities (:class:`PopDual`). In another basis ρ0 is not diagonal, the Lamb
shift enters c_k, and its coordinates θ are kept as free variables (the equality rows Âᵀy = 0 of the dual).
"""

from __future__ import annotations

import time

import numpy as np

from lindblad_core.certify.feasible import data_rtol, psd_project
from lindblad_core.certify.pop import population_coefficient_errors, pop_lower_bound, pop_upper_bound
from lindblad_core.lindblad.candidate import LindbladCandidate
from lindblad_core.redfield_equation import populations
from lindblad_core.sdp.lemma1 import lemma1_alpha
from lindblad_core.sdp.pop_basis import tau_pop_in_basis
from lindblad_core.sdp.pop_dual import PopDual, pop_groups, pop_result, population_coefficients
from lindblad_core.sdp.problem import as_traces, resolve
from lindblad_core.sdp.result import TauResult
from lindblad_core.systems.symmetry import is_real, u1_structure


def tau_pop(system, blocks=None, *, trace=1.0, basis=None, solver: str | None = None,
            symmetry: bool = True) -> TauResult:
    r"""τ^pop_opt of Eq. (29), certified.

    Parameters
    ----------
    system : OpenSystem or ChainSetup
        The open system (a :class:`~lindblad_core.systems.chain.ChainSetup` is taken as ``setup.open_system()``).
    blocks : None, "left,right", "left", or a sequence of site tuples
        Which sites carry a Lindblad bath of Eq. (23) (:func:`lindblad_core.sdp.problem.resolve`). Default: for a
        ChainSetup the paper's "left,right", for an OpenSystem one block per set of sites its couplings share.
    trace : float or sequence of float
        Tr Γ_b (1 in the paper; τ^pop scales linearly with a common trace).
    basis : None, (d, d) array or an energy basis
        The basis {w_k} of the diagonal of Eq. (28): None (default) for the energy eigenbasis of H_S; a unitary
        (columns w_k, computational basis), or an object with ``eigenvectors`` and ``eigenvector_error`` such as
        another :class:`~lindblad_core.systems.open_system.OpenSystem`. The Lamb shift then enters
        (:func:`lindblad_core.sdp.pop_basis.tau_pop_in_basis`).
    solver : None or str
        None: the default chain ("IPM", then "QICS", then Clarabel or MOSEK when licensed, then CVXOPT); or one
        of "IPM", "QICS", "CLARABEL", "MOSEK", "SCS", "CVXOPT".
    symmetry : bool
        Split Γ into the blocks on which the problem decouples under the U(1) structure (exact).

    Returns
    -------
    TauResult
        ``quantity="tau_pop"``, the certified interval ``[lower, upper]``, ``verdict()`` against δ_tol (Eq. (30)),
        and the ``candidate`` Lindbladian that attains ``upper``.

    Examples
    --------
    >>> import lindblad_core as lc
    >>> res = lc.tau_pop(lc.ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.01, beta_left=1.0, beta_right=0.5))
    >>> res.verdict(), res.certified
    ('impossible', True)
    >>> round(res.lower, 7)  # far above δ_tol = 1e-6: no admissible LE gets the populations right
    0.0009481
    """
    t_start = time.perf_counter()
    red, ansatz = resolve(system, blocks)
    traces = as_traces(ansatz.blocks, trace)
    if basis is not None:
        return tau_pop_in_basis(red, ansatz, traces, basis, solver=solver, symmetry=symmetry)
    p = populations(red)
    coeffs = population_coefficients(ansatz, p)
    d = red.dim
    real = is_real(coeffs)
    structure = u1_structure(red.system) if symmetry else None
    problem = PopDual(coeffs, pop_groups(coeffs, ansatz.charges, structure, symmetry), traces, real)
    setup_s = time.perf_counter() - t_start
    zero_h = tuple(np.zeros((b.dim, b.dim)) for b in ansatz.blocks)

    coeff_err = population_coefficient_errors(ansatz, p)
    eta_p, eta_v = data_rtol(red)
    # |Δτ^pop| ≤ α ‖δp‖₁ for a change δp of the populations (the argument of Lemma 1); the eigenbasis
    # enters the coefficients G twice
    data_error = lemma1_alpha(ansatz.blocks, traces) * (eta_p + 2 * eta_v)

    def certify():
        # lower: any |y| ≤ 1 gives Σ_b t_b λ_min(Σ_k y_k G^b_k) (exact in the clipped y)
        y_val = problem.y()
        y_val = np.zeros(d) if y_val is None else np.clip(y_val, -1.0, 1.0)
        lower = pop_lower_bound(coeffs, coeff_err, y_val, traces)
        # upper: the multipliers of the LMIs are Γ; project onto the feasible set and evaluate rigorously
        gammas = problem.gammas()
        best = (np.inf, None)
        for variant in (gammas, [g.conj() for g in gammas]):  # the multiplier's complex orientation
            proj = [psd_project(g, t) for g, t in zip(variant, traces)]
            val, stored = pop_upper_bound(coeffs, coeff_err, proj, traces)
            if val < best[0]:
                best = (val, stored)
        if best[1] is None:
            return max(0.0, lower), np.inf, None, data_error
        return max(0.0, lower), best[0], LindbladCandidate(ansatz, tuple(best[1]), zero_h), data_error

    return pop_result(problem, solver, certify, red=red, p=p, ansatz=ansatz, traces=traces, symmetry=symmetry,
                      setup_seconds=setup_s)
