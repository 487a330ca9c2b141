r"""Certified bounds on τ^pop (Eq. (29)): upper at a feasible Γ, lower from the dual of Eq. (29).

With c_k(Γ) = Σ_b Tr(G^b_k Γ_b): the upper bound is Σ_k |c_k(Γ*)| at a feasible Γ* (:mod:`.feasible`), every
rounding error included; the lower bound is Σ_b t_b λ_min(Σ_k y_k G^b_k) at any |y_k| ≤ 1 (weak duality),
λ_min enclosed rigorously. In another basis than the energy eigenbasis (an explicit ``basis`` of
:func:`lindblad_core.sdp.tau_pop`), ρ0 is not diagonal and a Lamb-shift offset enters every c_k.
"""

from __future__ import annotations

import numpy as np

from lindblad_core.lindblad.ansatz import Ansatz
from lindblad_core.certify.arithmetic import (fro_upper, gamma_n, hermitian_enclosure, hermitian_part, round_down,
                                              round_up, rounding_bound)
from lindblad_core.certify.feasible import feasible_gamma

def population_coefficient_errors(ansatz: Ansatz, p: np.ndarray) -> tuple[np.ndarray, ...]:
    """Entrywise bounds on the rounding error of :func:`population_coefficients` (same shapes, real)."""
    out = []
    for f in ansatz.operators:
        af = np.abs(f)
        mag = np.einsum("akm,bkm,m->kab", af, af, p) + np.einsum("ank,bnk->kab", af, af) * p[:, None, None]
        out.append(rounding_bound(f.shape[1] + 8, mag))  # d-term sums of complex products, a difference, (g + g^H)/2
    return tuple(out)



def pop_upper_bound(coeffs, coeff_err, gammas, traces, offset=None):
    """Certified upper bound of Eq. (29) at the projected multipliers: (upper, stored Γ*'s) or (inf, None).

    ``offset``: (values, error bounds) of a term added to every c_k before the absolute values are taken (the
    Lamb-shift part of the published-eigenbasis variant, :func:`pop_lamb_offset`)."""
    feas = [feasible_gamma(g, t) for g, t in zip(gammas, traces)]
    if any(f is None for f in feas):
        return np.inf, None
    d = coeffs[0].shape[0]
    c = np.zeros(d) if offset is None else np.array(offset[0], dtype=float)
    err = np.zeros(d) if offset is None else np.array(offset[1], dtype=float)
    for g_b, e_b, f in zip(coeffs, coeff_err, feas):
        m = g_b.shape[1]
        gam_t = f.base.T
        c += np.real(np.einsum("kab,ab->k", g_b, gam_t))
        ag = np.abs(gam_t)
        err += np.einsum("kab,ab->k", e_b, ag) + rounding_bound(m * m + 6, np.einsum("kab,ab->k", np.abs(g_b), ag))
        g_norm = np.sqrt(np.sum(np.abs(g_b) ** 2, axis=(1, 2))) + np.sqrt(np.sum(e_b**2, axis=(1, 2)))
        err += round_up(f.dist) * g_norm * (1 + gamma_n(m * m + 4))  # |Tr G_k (Γ* − Γ̃)| ≤ ‖G_k‖_F ‖Γ* − Γ̃‖_F
    upper = round_up(float(np.sum(np.abs(c)) + np.sum(err)), 2 * d + 8)
    return upper, [f.stored for f in feas]



def pop_lower_bound(coeffs, coeff_err, y_val, traces) -> float:
    """Σ_b t_b λ_min(Σ_k y_k G^b_k) for |y| ≤ 1, bounded below rigorously (the dual of Eq. (29))."""
    d = len(y_val)
    ay = np.abs(y_val)
    total = 0.0
    for t, g_b, e_b in zip(traces, coeffs, coeff_err):
        s_b = hermitian_part(np.tensordot(y_val, g_b, axes=1))
        err = np.tensordot(ay, e_b, axes=1) + rounding_bound(d + 4, np.tensordot(ay, np.abs(g_b), axes=1))
        lam, _, _ = hermitian_enclosure(s_b, fro_upper(err))
        total = round_down(total + round_down(t * lam))
    return total



def population_coefficient_errors_in_basis(ansatz: Ansatz, p: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """Entrywise bounds on the rounding error of ``sdp.population_coefficients_in_basis`` (same shapes)."""
    d = len(p)
    aw = np.abs(w)
    out = []
    for f in ansatz.operators:
        af = np.abs(f)
        ub, vb, rb = np.swapaxes(af, 1, 2) @ aw, af @ aw, af @ (p[:, None] * aw)
        mag = (np.einsum("bmk,m,amk->kba", ub, p, ub) + 0.5 * np.einsum("amk,bmk->kba", vb, rb)
               + 0.5 * np.einsum("amk,bmk->kba", rb, vb))
        out.append(rounding_bound(3 * d + 10, mag))  # products of two d-term sums, three terms, (g + g^H)/2
    return tuple(out)



def pop_lamb_offset(lamb: np.ndarray, theta: np.ndarray):
    """(Â θ, bound on its rounding error): the Lamb-shift part of every c_k."""
    return lamb @ theta, rounding_bound(lamb.shape[1] + 2, np.abs(lamb) @ np.abs(theta))



def sigma_min_lower(lamb: np.ndarray) -> float:
    """A rigorous lower bound on the smallest singular value of the float matrix Â (0 if none is found)."""
    gram = hermitian_part(lamb.T @ lamb)
    lam, _, _ = hermitian_enclosure(gram, fro_upper(rounding_bound(lamb.shape[0] + 2, np.abs(lamb).T @ np.abs(lamb))))
    return round_down(float(np.sqrt(lam))) if lam > 0 else 0.0



def pop_lamb_penalty(lamb, y_val, upper, coeffs, coeff_err, traces, sigma_min) -> float:
    r"""What the residual r = Âᵀy costs the dual bound of the published-eigenbasis τ^pop (inf if unbounded).

    At an optimal (Γ*, θ*) (it exists: Â has full column rank, Γ ranges over a compact set),
    ‖Âθ*‖₁ ≤ τ_opt + ‖c_Γ*‖₁ ≤ upper + Σ_b t_b Σ_k ‖G^b_k‖₂ and ‖θ*‖₂ ≤ ‖Âθ*‖₂ / σ_min(Â), so
    Σ_k y_k c*_k ≥ Σ_b t_b λ_min(Σ_k y_k G^b_k) − ‖θ*‖₂ ‖r‖₂.
    """
    if lamb.shape[1] == 0:
        return 0.0
    if not (sigma_min > 0 and np.isfinite(upper)):
        return np.inf
    r = lamb.T @ y_val
    r_norm = fro_upper(np.abs(r) + rounding_bound(lamb.shape[0] + 2, np.abs(lamb).T @ np.abs(y_val)))
    c_gamma = sum(t * float(np.sum(np.sqrt(np.sum(np.abs(g) ** 2, axis=(1, 2))) + np.sqrt(np.sum(e**2, axis=(1, 2)))))
                  for t, g, e in zip(traces, coeffs, coeff_err))
    c_gamma = round_up(c_gamma, 4 * max(g.shape[1] for g in coeffs) ** 2 + 2 * len(y_val) + 8)  # ‖G‖_F ≥ ‖G‖₂
    return round_up(r_norm * round_up(upper + c_gamma) / sigma_min, 8)
