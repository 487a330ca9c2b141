r"""τ^pop with the diagonal of Eq. (28) in an explicit basis {w_k} (the ``basis`` of :func:`lindblad_core.sdp.tau_pop`).

In a basis other than the energy eigenbasis ρ0 is not diagonal, so the Lamb shift of Eq. (23) contributes to
c_k = <w_k|L2'(ρ0)|w_k>: c = c_Γ + Â θ with θ free (:func:`basis_lamb_directions`), the equality rows Âᵀy = 0 of
the dual (:class:`~lindblad_core.sdp.pop_dual.PopDual`). The published Figs. A1(c), A2(c) used such a basis
(:mod:`lindblad_core.studies.variants`).
"""

from __future__ import annotations

import time

import numpy as np
from scipy.linalg import qr

from lindblad_core.certify.arithmetic import round_down
from lindblad_core.certify.feasible import data_rtol, psd_project
from lindblad_core.certify.pop import (pop_lamb_offset, pop_lamb_penalty, pop_lower_bound, pop_upper_bound,
                                       population_coefficient_errors_in_basis, sigma_min_lower)
from lindblad_core.lindblad.ansatz import Ansatz, traceless_hermitian_basis
from lindblad_core.lindblad.candidate import LindbladCandidate
from lindblad_core.redfield_equation import Redfield, populations
from lindblad_core.sdp.lamb_shift import LAMB_NOISE_RTOL, LAMB_RANK_RTOL
from lindblad_core.sdp.lemma1 import lemma1_alpha
from lindblad_core.sdp.pop_dual import PopDual, pop_groups, pop_result
from lindblad_core.sdp.result import TauResult
from lindblad_core.systems.symmetry import is_real, is_sector_pure, u1_structure

# Largest max|B†B − I| of a basis accepted as orthonormal up to rounding (the deviation is added to its error).
BASIS_ORTHONORMAL_ATOL = 1e-10


def _basis_vectors(basis, system) -> tuple[np.ndarray, float]:
    """The basis of Eq. (28) as (d, d) orthonormal columns in the computational basis and its rounding error: an
    object with ``eigenvectors`` and ``eigenvector_error`` (an :class:`~lindblad_core.systems.open_system.OpenSystem`
    or another energy basis), or an array taken as exact."""
    if hasattr(basis, "eigenvectors"):
        vectors, error = np.asarray(basis.eigenvectors), float(getattr(basis, "eigenvector_error", 0.0))
    else:
        try:
            vectors, error = np.asarray(basis, dtype=complex), 0.0
        except (TypeError, ValueError):
            raise ValueError(f"basis must be a (d, d) array or an energy basis, got {type(basis).__name__}") from None
    d = system.dim
    if vectors.shape != (d, d) or not np.all(np.isfinite(vectors)):
        raise ValueError(f"basis must be a finite {d} x {d} array (columns: the basis vectors), got shape {vectors.shape}")
    deviation = float(np.max(np.abs(vectors.conj().T @ vectors - np.eye(d))))
    if deviation > BASIS_ORTHONORMAL_ATOL:
        raise ValueError(f"basis must have orthonormal columns, got max|B^dagger B - I| = {deviation:.2g}")
    return (np.real(vectors) if np.all(np.imag(vectors) == 0) else vectors), max(error, deviation)


def population_coefficients_in_basis(ansatz: Ansatz, p: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    r"""G^b_k with Σ_b Tr(G^b_k Γ_b) = <w_k|D(ρ0)|w_k>, D the dissipator of Eq. (23), ρ0 = diag(p).

    ``w``: (d, d), columns w_k in the energy basis. With u_a = F_a† w, v_a = F_a w, r_a = F_a ρ0 w the
    coefficient of Γ_ab is Σ_m conj(u_b) p u_a − ½ Σ conj(v_a) r_b − ½ Σ conj(r_a) v_b; for w = I it is that of
    :func:`population_coefficients`.
    """
    pw = p[:, None] * w
    out = []
    for f in ansatz.operators:
        u, v, r = np.conj(np.swapaxes(f, 1, 2)) @ w, f @ w, f @ pw
        k = (np.einsum("bmk,m,amk->kab", u.conj(), p, u) - 0.5 * np.einsum("amk,bmk->kab", v.conj(), r)
             - 0.5 * np.einsum("amk,bmk->kab", r.conj(), v))
        g = np.swapaxes(k, 1, 2)
        out.append(0.5 * (g + np.conj(np.swapaxes(g, 1, 2))))
    return tuple(out)


def basis_lamb_directions(ansatz: Ansatz, p: np.ndarray, w: np.ndarray):
    """Â (d, r): unit-norm columns <w_k|i[ρ0, B_h]|w_k> of a well-conditioned subset of the Lamb-shift basis,
    the index h of each column in the concatenated ``Ansatz.hamiltonian_basis`` and its norm.

    Columns below ``LAMB_NOISE_RTOL`` ‖B_h‖_F max|p_i − p_j| are rounding noise (all of them when ε0 = 0, or
    for real B_h, whose commutator with the real ρ0 has a zero diagonal in the real basis W); of the rest a
    pivoted QR keeps those independent to ``LAMB_RANK_RTOL``, as for τ^pop,coh.
    """
    basis = np.concatenate(ansatz.hamiltonian_basis, axis=0)
    dmat = p[:, None] - p[None, :]
    a = np.real(np.einsum("ik,hij,jk->kh", w.conj(), 1j * dmat[None] * basis, w))
    size = np.sqrt(np.sum(a**2, axis=0))
    scale = np.sqrt(np.sum(np.abs(basis) ** 2, axis=(1, 2))) * np.max(np.abs(dmat))
    idx = np.flatnonzero(size > LAMB_NOISE_RTOL * scale)
    if len(idx):
        r, piv = qr(a[:, idx] / size[idx], mode="r", pivoting=True)
        diag = np.abs(np.diag(r))
        idx = idx[np.sort(piv[: int(np.sum(diag > LAMB_RANK_RTOL * diag[0]))])]
    return a[:, idx] / size[idx], idx, size[idx]


def tau_pop_in_basis(red: Redfield, ansatz: Ansatz, traces: tuple[float, ...], basis, *, solver: str | None,
                     symmetry: bool) -> TauResult:
    r"""τ^pop with the diagonal of Eq. (28) taken in the basis {w_k} of ``basis`` (:func:`lindblad_core.sdp.tau_pop`).

    ρ0 = Σ p_a |E_a><E_a| from H_S as usual, but c_k = <w_k|L2'(ρ0)|w_k>. ρ0 is not diagonal in {w_k}, so the
    Lamb shift contributes: c = c_Γ + Â θ, θ free (:func:`basis_lamb_directions`). The solver sees

    .. math::

        \max_{|y_k|\le 1,\ \hat A^T y = 0}\ \sum_b t_b\,\lambda_{\min}\Big(\sum_k y_k G^b_k\Big),

    the dual of min Σ_k |c_k| over Γ_b ⪰ 0, Tr Γ_b = t_b, θ ∈ R^r. Certificates: upper from the multipliers
    (Γ of the LMIs, θ of Âᵀy = 0) evaluated rigorously; lower from y projected onto Âᵀy = 0 in float, the
    residual paid for by :func:`~lindblad_core.certify.pop.pop_lamb_penalty`. The problem is defined by the
    computed float data p, F, W and Â; ``data_error`` adds the error of the basis (``basis_error``) to that of H_S's.
    """
    t_start = time.perf_counter()
    vectors, basis_error = _basis_vectors(basis, red.system)
    p = populations(red)
    w = red.system.eigenvectors.conj().T @ vectors  # columns w_k in the energy basis
    coeffs = population_coefficients_in_basis(ansatz, p, w)
    coeff_err = population_coefficient_errors_in_basis(ansatz, p, w)
    lamb, lamb_idx, lamb_size = basis_lamb_directions(ansatz, p, w)
    d, n_lamb = red.dim, lamb.shape[1]
    real = is_real(coeffs)
    # the twirl argument of the module docstring holds when both bases are sector-pure
    structure = u1_structure(red.system) if symmetry else None
    if structure is not None and not is_sector_pure(vectors, red.system.charge):
        structure = None
    problem = PopDual(coeffs, pop_groups(coeffs, ansatz.charges, structure, symmetry), traces, real, lamb)
    setup_s = time.perf_counter() - t_start

    eta_p, eta_v = data_rtol(red)
    eta = eta_p + 2 * eta_v + 2 * basis_error  # both bases enter G twice
    alpha = lemma1_alpha(ansatz.blocks, traces)
    sigma_min = sigma_min_lower(lamb) if n_lamb else 0.0
    bounds = np.cumsum([0] + [len(hb) for hb in ansatz.hamiltonian_basis])

    def certify():
        gammas = problem.gammas()
        theta0 = problem.theta()
        theta0 = np.zeros(n_lamb) if theta0 is None else theta0
        best = (np.inf, None, theta0)
        for variant in (gammas, [g.conj() for g in gammas]):  # the multiplier's complex orientation
            proj = [psd_project(g, t) for g, t in zip(variant, traces)]
            for theta in (theta0, -theta0) if n_lamb else (theta0,):  # and the sign of θ's multiplier
                val, stored = pop_upper_bound(coeffs, coeff_err, proj, traces,
                                                     offset=pop_lamb_offset(lamb, theta))
                if val < best[0]:
                    best = (val, stored, theta)
        upper, stored, theta = best
        # lower: y projected onto Âᵀy = 0 (in float) and scaled into the box; the residual is paid for
        y_val = problem.y()
        y_val = np.zeros(d) if y_val is None else y_val
        if n_lamb:
            y_val = y_val - lamb @ np.linalg.lstsq(lamb, y_val, rcond=None)[0]
        y_val = np.clip(y_val / max(1.0, float(np.max(np.abs(y_val), initial=0.0))), -1.0, 1.0)
        lower = pop_lower_bound(coeffs, coeff_err, y_val, traces)
        lower = round_down(lower - pop_lamb_penalty(lamb, y_val, upper, coeffs, coeff_err, traces, sigma_min))
        lower = max(0.0, lower) if np.isfinite(lower) else 0.0
        if stored is None:
            return lower, np.inf, None, 0.0
        thetas = []  # coordinates on Ansatz.hamiltonian_basis of the Lamb shift Σ_j θ_j B_{h_j} / |a_{h_j}|
        for b in range(len(ansatz.blocks)):
            full = np.zeros(bounds[b + 1] - bounds[b])
            sel = (lamb_idx >= bounds[b]) & (lamb_idx < bounds[b + 1])
            full[lamb_idx[sel] - bounds[b]] = theta[sel] / lamb_size[sel]
            thetas.append(full)
        hams = tuple(np.tensordot(t, traceless_hermitian_basis(blk.dim), axes=1)
                     for t, blk in zip(thetas, ansatz.blocks))
        # first order in the data's rounding: Lemma 1's α for the populations/eigenbases, and the Lamb part
        data_error = eta * (alpha + float(np.sum(np.abs(lamb) @ np.abs(theta))))
        return lower, upper, LindbladCandidate(ansatz, tuple(stored), hams, tuple(thetas)), data_error

    return pop_result(problem, solver, certify, red=red, p=p, ansatz=ansatz, traces=traces, symmetry=symmetry,
                      setup_seconds=setup_s, basis="explicit", lamb_directions=int(n_lamb))
