r"""Feasible points from a solver's candidate: Γ ⪰ 0 with Tr Γ = t in exact arithmetic, and the data errors.

A solver's Γ is feasible only to its tolerance. :func:`psd_project` moves it onto {Γ ⪰ 0, Tr Γ = t} in floating
point; :func:`feasible_gamma` then shifts it by a proven bound on its smallest eigenvalue and rescales it, so
that the stored Γ* is feasible exactly and its distance to the evaluated Γ̃ is bounded. :func:`data_rtol` states
how accurate the computed data (populations, eigenbasis) are, for ``TauResult.data_error``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lindblad_core.redfield_equation import Redfield, population_rounding_error
from lindblad_core.certify.arithmetic import (diagonal_blocks, fro_upper, hermitian_enclosure, hermitian_part,
                                              round_down, round_up, rounding_bound, U)

# Relative accuracy of the principal values of Eq. (41) (tests/systems/test_baths.py: QUADPACK's QAWC to 1e-10);
# only the target T of τ^pop,coh depends on them.
PRINCIPAL_VALUE_RTOL = 1e-10



def psd_project(gamma: np.ndarray, trace: float | None) -> np.ndarray:
    """Nearest PSD matrix (eigenvalue clipping), rescaled to ``trace`` when given. Block by block on the
    connected components of the non-zero pattern (the symmetry groups of Γ): the same projection, with the
    zeros between blocks kept exact (the certificates then evaluate A(Γ) block by block)."""
    g = 0.5 * (gamma + gamma.conj().T)
    out = np.zeros_like(g)
    for idx in diagonal_blocks(g):
        w, v = np.linalg.eigh(g[np.ix_(idx, idx)])
        out[np.ix_(idx, idx)] = (v * np.clip(w, 0.0, None)) @ v.conj().T
    g = out
    if trace is not None:
        tr = np.real(np.trace(g))
        g = g * (trace / tr) if tr > 0 else np.eye(g.shape[0]) * trace / g.shape[0]
    return g



def data_rtol(red: Redfield) -> tuple[float, float]:
    """First-order relative errors of the computed data: (populations η_p, eigenbasis η_V).

    η_V = the eigenvectors' first-order error from their measured residuals and level spacings, near-degenerate
    levels refined in extended precision (``OpenSystem.eigenvector_error``,
    :func:`~lindblad_core.systems.spectrum.refined_eigh`). η_p = the measured error of the GTH solve (against
    extended precision, ``redfield.population_rounding_error``) + 2(d − 1) · 8u, O'Cinneide's entrywise
    perturbation bound for rates known to ~8u relative (J, n, |S|²); the eigenbasis part of the rates is
    counted with η_V by the callers.
    """
    d = red.dim
    return population_rounding_error(red) + 2 * (d - 1) * 8 * U, red.system.eigenvector_error



@dataclass(frozen=True)
class FeasibleGamma:
    """Γ* = s (Γ̃ + δ I) with δ ≥ −λ_min(Γ̃) proven and s = t / Tr(Γ̃ + δ I) exactly: feasible in exact
    arithmetic. ``stored`` is Γ* rounded to float64, ``base`` is Γ̃, ``dist`` ≥ ‖Γ* − Γ̃‖_F."""

    stored: np.ndarray
    base: np.ndarray
    dist: float



def feasible_gamma(gam: np.ndarray, trace: float | None) -> FeasibleGamma | None:
    g = hermitian_part(np.asarray(gam, dtype=complex))
    m = g.shape[0]
    lam, _, _ = hermitian_enclosure(g)
    if not np.isfinite(lam):
        return None
    delta = round_up(max(0.0, -lam))
    norm = fro_upper(g)
    if trace is None:
        return FeasibleGamma(g + delta * np.eye(m), g, round_up(delta * np.sqrt(m) * (1 + 4 * U)))
    diag = np.real(np.diag(g))
    tr = float(np.sum(diag))
    err = rounding_bound(m, float(np.sum(np.abs(diag))))
    den_lo, den_hi = round_down(tr - err + m * delta), round_up(tr + err + m * delta)
    if not den_lo > 0:
        return None
    s_lo, s_hi = round_down(trace / den_hi), round_up(trace / den_lo)
    dist = round_up(max(abs(s_lo - 1.0), abs(s_hi - 1.0)) * norm + s_hi * delta * np.sqrt(m), 8)
    s_mid = trace / (tr + m * delta)
    return FeasibleGamma(s_mid * (g + delta * np.eye(m)), g, dist)
