r"""Certified bounds for the SDPs of Eqs. (29) and (33): rigorous floating-point evaluation.

Every solve (:mod:`lindblad_core.sdp._sdp`) returns a :class:`~lindblad_core.sdp.solve.TauResult` with a *certified* interval ``[lower, upper]`` for the optimum:

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

Where the data have the exact zeros of the U(1) structure (:mod:`lindblad_core.systems.symmetry`; sector-wise
eigenvectors make them exact), products are evaluated block by block on the non-zero blocks only
(:class:`_OperatorBlocks`, :class:`_LambDirections`, the block-diagonal case of :func:`_hermitian_enclosure`):
the zeros are read off the float data, never assumed, so the exact values are those of the full products and
every rounding bound still holds (its sums only get shorter).

It does not guarantee the optimum of the problem with *exact* inputs. The computed data are themselves
rounded: populations to a relative O(d³u) (GTH, :func:`~lindblad_core.redfield.populations`; measured
~3e-16 against extended precision), the eigenbasis to ~d u ‖H‖ / gap (1e-12 … 3e-10 on the paper's
grids, ``System.eigenvector_error``), the principal values of Eq. (41) to ~1e-10 relative
(``PRINCIPAL_VALUE_RTOL``). τ^pop moves by at most α ‖δp‖₁ under a change δp of the populations (the
argument of Lemma 1) and τ^pop,coh by at most ‖δT‖ under a change of the target; the Lamb-shift term
magnifies eigenbasis errors by the size of the optimal Lamb shift. ``TauResult.data_error`` is this
first-order estimate at the solution found (≤ 3e-10 on Fig. 2's grid, ≤ 1.5e-7 on the Fig. 3 points
checked, where α = 240 and the eigenbasis error is 3e-10 at g = 0.001); when it could flip the verdict,
the verdict is "inconclusive".

Free trace
----------
Without Tr Γ_b = t_b the dual of Eq. (33) needs A_Γb^*(Z) ⪰ 0 exactly, where the solver meets it only to its
tolerance; :func:`_free_trace_lower_bound` repairs Z by a projection onto a face of that cone and a shift
along a direction W with A_H^*(W) = 0 and A_Γb^*(W) ≻ 0, every piece enclosed as above.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from lindblad_core.lindblad.ansatz import Ansatz
from lindblad_core.redfield import Redfield

# Relative accuracy of the principal values of Eq. (41) (tests/test_baths.py: QUADPACK's QAWC to 1e-10);
# only the target T of τ^pop,coh depends on them.
PRINCIPAL_VALUE_RTOL = 1e-10


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

    When ``a`` is block diagonal up to a permutation (exact zeros: a sector-block-diagonal Z), its spectrum is
    the union of the blocks' spectra: each block is enclosed on its own and err_f added by Weyl
    (|λ_i(A) − λ_i(a)| ≤ ‖A − a‖_F) and ‖A − a‖_* ≤ √n ‖A − a‖_F.
    """
    n = a.shape[0]
    if not (np.all(np.isfinite(a)) and np.isfinite(err_f)):
        return -np.inf, np.inf, np.inf
    blocks = _diagonal_blocks(a)
    if len(blocks) > 1:
        parts = np.array([_hermitian_enclosure(a[np.ix_(idx, idx)]) for idx in blocks])
        lam, spectral = float(np.min(parts[:, 0])), float(np.max(parts[:, 1]))
        nuclear = _up(float(np.sum(parts[:, 2])), len(blocks) + 2)
        if err_f:
            lam, spectral = _down(lam - err_f), _up(spectral + err_f)
            nuclear = _up(nuclear + _up(np.sqrt(n) * err_f))
        return lam, spectral, nuclear
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


def _diagonal_blocks(a: np.ndarray) -> list[np.ndarray]:
    """The index sets of the connected components of the non-zero pattern of the square matrix a (a is block
    diagonal on them up to a permutation, with exact zeros between blocks)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n_comp, labels = connected_components(csr_matrix(a != 0), directed=False)
    if n_comp == 1:
        return [np.arange(a.shape[0])]
    return [np.flatnonzero(labels == c) for c in range(n_comp)]


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


def _psd_project(gamma: np.ndarray, trace: float | None) -> np.ndarray:
    """Nearest PSD matrix (eigenvalue clipping), rescaled to ``trace`` when given. Block by block on the
    connected components of the non-zero pattern (the symmetry groups of Γ): the same projection, with the
    zeros between blocks kept exact (the certificates then evaluate A(Γ) block by block)."""
    g = 0.5 * (gamma + gamma.conj().T)
    out = np.zeros_like(g)
    for idx in _diagonal_blocks(g):
        w, v = np.linalg.eigh(g[np.ix_(idx, idx)])
        out[np.ix_(idx, idx)] = (v * np.clip(w, 0.0, None)) @ v.conj().T
    g = out
    if trace is not None:
        tr = np.real(np.trace(g))
        g = g * (trace / tr) if tr > 0 else np.eye(g.shape[0]) * trace / g.shape[0]
    return g



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
    from lindblad_core.redfield import population_rounding_error

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


def _pop_certificate_upper(coeffs, coeff_err, gammas, traces, offset=None):
    """Certified upper bound of Eq. (29) at the projected multipliers: (upper, stored Γ*'s) or (inf, None).

    ``offset``: (values, error bounds) of a term added to every c_k before the absolute values are taken (the
    Lamb-shift part of the published-eigenbasis variant, :func:`_pop_lamb_offset`)."""
    feas = [_feasible_gamma(g, t) for g, t in zip(gammas, traces)]
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


# -- τ^pop in another basis (the published variant of Figs. A1(c), A2(c), docs/conventions.md) -------------
#
# c_k = <w_k|L2'(ρ0)|w_k> for the columns w_k of a float matrix W (the computed eigenvectors of H' in the
# computed energy basis of H_S). ρ0 is not diagonal in that basis, so the Lamb shift enters: c = c_Γ + Â θ with
# Â the float (d, r) matrix of normalised Lamb-shift directions (data of the problem, like W). The dual gains
# the constraint Âᵀy = 0, which the solver meets only up to rounding; the bound below pays for the residual.

def _population_coefficient_errors_in_basis(ansatz: Ansatz, p: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """Entrywise bounds on the rounding error of ``sdp.population_coefficients_in_basis`` (same shapes)."""
    d = len(p)
    aw = np.abs(w)
    out = []
    for f in ansatz.operators:
        af = np.abs(f)
        ub, vb, rb = np.swapaxes(af, 1, 2) @ aw, af @ aw, af @ (p[:, None] * aw)
        mag = (np.einsum("bmk,m,amk->kba", ub, p, ub) + 0.5 * np.einsum("amk,bmk->kba", vb, rb)
               + 0.5 * np.einsum("amk,bmk->kba", rb, vb))
        out.append(_bound(3 * d + 10, mag))  # products of two d-term sums, three terms, (g + g^H)/2
    return tuple(out)


def _pop_lamb_offset(lamb: np.ndarray, theta: np.ndarray):
    """(Â θ, bound on its rounding error): the Lamb-shift part of every c_k."""
    return lamb @ theta, _bound(lamb.shape[1] + 2, np.abs(lamb) @ np.abs(theta))


def _sigma_min_lower(lamb: np.ndarray) -> float:
    """A rigorous lower bound on the smallest singular value of the float matrix Â (0 if none is found)."""
    gram = _hermitian_part(lamb.T @ lamb)
    lam, _, _ = _hermitian_enclosure(gram, _fro_upper(_bound(lamb.shape[0] + 2, np.abs(lamb).T @ np.abs(lamb))))
    return _down(float(np.sqrt(lam))) if lam > 0 else 0.0


def _pop_lamb_penalty(lamb, y_val, upper, coeffs, coeff_err, traces, sigma_min) -> float:
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
    r_norm = _fro_upper(np.abs(r) + _bound(lamb.shape[0] + 2, np.abs(lamb).T @ np.abs(y_val)))
    c_gamma = sum(t * float(np.sum(np.sqrt(np.sum(np.abs(g) ** 2, axis=(1, 2))) + np.sqrt(np.sum(e**2, axis=(1, 2)))))
                  for t, g, e in zip(traces, coeffs, coeff_err))
    c_gamma = _up(c_gamma, 4 * max(g.shape[1] for g in coeffs) ** 2 + 2 * len(y_val) + 8)  # ‖G‖_F ≥ ‖G‖₂
    return _up(r_norm * _up(upper + c_gamma) / sigma_min, 8)


def _pop_objective(coeffs, gammas) -> float:
    c = sum(np.real(np.einsum("kab,ba->k", g_b, gam)) for g_b, gam in zip(coeffs, gammas))
    return float(np.sum(np.abs(c)))



@dataclass(frozen=True, eq=False)
class _OperatorBlocks:
    r"""The operators F_α of one block cut into their non-zero blocks over a partition of the energy basis
    into sectors S_I (the U(1) sectors of :mod:`lindblad_core.systems.symmetry`).

    Per group of operators (the charge groups of Γ) the blocks F_α[S_I, S_J] that hold a non-zero entry of
    some F_α of the group form a one-to-one map J ↦ I (the charge shift), and no two groups share a block.
    Both facts are read off the float data (exact zeros), not assumed, so a product evaluated block by block
    is the full product with exact zeros left out: the same exact value, and the rounding bounds below stay
    valid (their sums only get shorter). Then the dissipator of a group maps sector-block-diagonal matrices
    to sector-block-diagonal ones, A^*(Z)_αβ = 0 for α, β in different groups when Z is sector-block-diagonal,
    and A(Γ) is sector-block-diagonal when Γ is zero between groups.
    """

    sectors: tuple  # energy-basis indices of each sector
    groups: tuple  # operator indices of each group
    maps: tuple  # per group: the (I, J) sector pairs of its blocks
    blocks: tuple  # per group: the (k, n_I, n_J) arrays F_α[S_I, S_J], α in the group, aligned with maps
    m: int
    d: int

    def sources(self, g: int) -> dict:
        """Target sector I ↦ (source sector J, block) of group g."""
        return {i: (j, blk) for (i, j), blk in zip(self.maps[g], self.blocks[g])}

    def targets(self, g: int) -> dict:
        """Source sector J ↦ (target sector I, block) of group g."""
        return {j: (i, blk) for (i, j), blk in zip(self.maps[g], self.blocks[g])}

    def block_diagonal(self, z: np.ndarray) -> bool:
        """Whether the d×d matrix z is exactly zero outside the diagonal sector blocks."""
        total = sum(np.count_nonzero(z[np.ix_(sec, sec)]) for sec in self.sectors)
        return total == np.count_nonzero(z)

    def group_diagonal(self, gamma: np.ndarray) -> bool:
        """Whether the m×m matrix gamma is exactly zero between groups."""
        total = sum(np.count_nonzero(gamma[np.ix_(idx, idx)]) for idx in self.groups)
        return total == np.count_nonzero(gamma)


def _operator_blocks(f: np.ndarray, groups, sectors) -> _OperatorBlocks | None:
    """The :class:`_OperatorBlocks` of the stack ``f`` (m, d, d) for the given operator groups and sectors, or
    None when the data do not have that structure (or there is only one sector: nothing to gain)."""
    m, d = f.shape[0], f.shape[1]
    sectors = tuple(np.asarray(sec) for sec in sectors)
    if len(sectors) < 2 or sum(len(sec) for sec in sectors) != d:
        return None
    label = np.empty(d, dtype=int)
    for i, sec in enumerate(sectors):
        label[sec] = i
    nonzero = f != 0
    used, maps, blocks = set(), [], []
    for idx in groups:
        rows, cols = np.nonzero(np.any(nonzero[idx], axis=0))
        pattern = np.zeros((len(sectors), len(sectors)), dtype=bool)
        pattern[label[rows], label[cols]] = True
        if np.any(pattern.sum(axis=0) > 1) or np.any(pattern.sum(axis=1) > 1):
            return None  # not a one-to-one map of sectors
        pairs = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(pattern)))
        if used & set(pairs):
            return None  # two groups share a block: A^*(Z) would couple them
        used |= set(pairs)
        maps.append(pairs)
        blocks.append(tuple(f[np.ix_(idx, sectors[i], sectors[j])] for i, j in pairs))
    return _OperatorBlocks(sectors, tuple(np.asarray(idx) for idx in groups), tuple(maps), tuple(blocks), m, d)


def _dissipator_with_bound(f: np.ndarray, gamma: np.ndarray, p: np.ndarray, blocks: _OperatorBlocks | None = None):
    """A(Γ) = Σ_ab Γ_ab (F_b ρ0 F_a† − ½{F_a†F_b, ρ0}), ρ0 = diag(p), and an entrywise bound on its
    rounding.

    With ``blocks`` (:class:`_OperatorBlocks` of ``f``) and Γ exactly zero between its groups, A(Γ) is
    evaluated block by block (sector-block-diagonal; the same exact value and bound)."""
    m, d = f.shape[0], f.shape[1]
    if blocks is not None and blocks.group_diagonal(gamma):
        return _dissipator_blocks_with_bound(blocks, gamma, p, 2 * m + 2 * d + 16)
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


def _dissipator_blocks_with_bound(blocks: _OperatorBlocks, gamma: np.ndarray, p: np.ndarray, depth: int):
    """:func:`_dissipator_with_bound` block by block (Γ zero between groups): per group and block
    F[S_I, S_J], G_a[S_I, S_J] = Σ_b Γ_ab F_b[S_I, S_J] adds G_a ρ0 F_a† to the (I, I) block of the sandwich
    and F_a†G_a to the (J, J) block of the anticommutator; every other block is an exact zero."""
    d = blocks.d
    sandwich = np.zeros((d, d), dtype=complex)
    anti = np.zeros((d, d), dtype=complex)
    mag_s = np.zeros((d, d))
    mag_a = np.zeros((d, d))
    for idx, maps, blks in zip(blocks.groups, blocks.maps, blocks.blocks):
        gam = gamma[np.ix_(idx, idx)]
        agam = np.abs(gam)
        for (i, j), fb in zip(maps, blks):
            si, sj = blocks.sectors[i], blocks.sectors[j]
            fbd = np.conj(np.swapaxes(fb, 1, 2))
            g_ops = np.tensordot(gam, fb, axes=(1, 0))
            sandwich[np.ix_(si, si)] += np.sum((g_ops * p[sj][None, None, :]) @ fbd, axis=0)
            anti[np.ix_(sj, sj)] += np.sum(fbd @ g_ops, axis=0)
            af = np.abs(fb)
            afd = np.swapaxes(af, 1, 2)
            ag = np.tensordot(agam, af, axes=(1, 0))
            mag_s[np.ix_(si, si)] += np.sum((ag * p[sj][None, None, :]) @ afd, axis=0)
            mag_a[np.ix_(sj, sj)] += np.sum(afd @ ag, axis=0)
    value = sandwich - 0.5 * (anti * p[None, :] + p[:, None] * anti)
    mag = mag_s + 0.5 * (mag_a * p[None, :] + p[:, None] * mag_a)
    return value, _bound(depth, mag)


def _dual_map_with_bound(f: np.ndarray, z: np.ndarray, p: np.ndarray, blocks: _OperatorBlocks | None = None):
    """S = A_Γ^*(Z) (Hermitian m×m: Re<Z, A(Γ)> = Tr(S Γ) for Hermitian Γ) and an entrywise rounding bound.

    With ``blocks`` (:class:`_OperatorBlocks` of ``f``) and Z exactly sector-block-diagonal, S is evaluated
    group by group (zero between groups; the same exact value and bound)."""
    m, d = f.shape[0], f.shape[1]
    if blocks is not None and blocks.block_diagonal(z):
        return _dual_map_blocks_with_bound(blocks, z, p, d * d + 2 * d + 16)
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


def _dual_map_blocks_with_bound(blocks: _OperatorBlocks, z: np.ndarray, p: np.ndarray, depth: int):
    """:func:`_dual_map_with_bound` for a sector-block-diagonal Z, group by group: with F[S_I, S_J] the
    blocks of a group, (Z†F_b ρ0)[S_I, S_J] = Z†[S_I, S_I] F_b[S_I, S_J] ρ0[S_J] and
    (F_b (ρ0 Z† + Z† ρ0))[S_I, S_J] = F_b[S_I, S_J] (ρ0 Z† + Z† ρ0)[S_J, S_J]."""
    m = blocks.m
    zd = z.conj().T
    az = np.abs(z).T
    q = np.zeros((m, m), dtype=complex)
    mag = np.zeros((m, m))
    for idx, maps, blks in zip(blocks.groups, blocks.maps, blocks.blocks):
        k = len(idx)
        q_g = np.zeros((k, k), dtype=complex)
        m_g = np.zeros((k, k))
        for (i, j), fb in zip(maps, blks):
            si, sj = blocks.sectors[i], blocks.sectors[j]
            pj = p[sj]
            fc = fb.conj().reshape(k, -1)
            zii, zjj = zd[np.ix_(si, si)], zd[np.ix_(sj, sj)]
            q1 = fc @ ((zii @ fb) * pj[None, None, :]).reshape(k, -1).T
            q2 = fc @ (fb @ (pj[:, None] * zjj + zjj * pj[None, :])).reshape(k, -1).T
            q_g += q1 - 0.5 * q2
            af = np.abs(fb)
            afr = af.reshape(k, -1)
            aii, ajj = az[np.ix_(si, si)], az[np.ix_(sj, sj)]
            m1 = afr @ ((aii @ af) * pj[None, None, :]).reshape(k, -1).T
            m2 = afr @ (af @ (pj[:, None] * ajj + ajj * pj[None, :])).reshape(k, -1).T
            m_g += m1 + 0.5 * m2
        q[np.ix_(idx, idx)] = q_g
        mag[np.ix_(idx, idx)] = m_g
    return _hermitian_part(q), _bound(depth, 0.5 * (mag + mag.T))


@dataclass(frozen=True, eq=False)
class _LambDirections:
    r"""The Lamb-shift directions i[ρ0, B_h] = i D∘B_h of Eq. (33) (D_jk = p_j − p_k) as real unit vectors
    K_h = fl(i D∘B_h / s_h) (Re, Im of the d×d matrix, row-major: 2d² coordinates), computed once per solve
    for the choice of directions (``sdp._lamb_shift_selection``) and the certificates (:func:`_coh_data`).

    The directions are grouped into components whose supports are pairwise disjoint (read off the float data:
    under the U(1) symmetry, by the charge the B_h change), and each component is stored on its support only,
    so its Gram matrix, an orthonormal basis of its span and the projection onto their complement cost no
    more than the non-zero entries (exact zeros elsewhere: the same exact Gram matrix).
    """

    basis: np.ndarray  # every block's traceless basis B_h (energy basis), stacked
    index: np.ndarray  # h of each direction (ascending)
    scale: np.ndarray  # s_h
    pattern: object  # scipy CSR (n, d²): the complex entries where D_jk B_h,jk ≠ 0, per direction
    components: tuple  # index arrays into the directions
    supports: tuple  # per component: its coordinates (into 2d²)
    rows: tuple  # per component: the K_h on its support, (n_c, len(support))

    @property
    def size(self) -> int:
        return len(self.index)

    @property
    def n_coordinates(self) -> int:
        return 2 * self.basis.shape[1] * self.basis.shape[2]

    def subset(self, keep: np.ndarray) -> "_LambDirections":
        """The directions ``keep`` (a boolean mask)."""
        new = np.cumsum(keep) - 1
        comps, sups, rows = [], [], []
        for c, sup, r in zip(self.components, self.supports, self.rows):
            sel = keep[c]
            if np.any(sel):
                comps.append(new[c[sel]])
                sups.append(sup)
                rows.append(r[sel])
        return _LambDirections(self.basis, self.index[keep], self.scale[keep], self.pattern[np.flatnonzero(keep)],
                               tuple(comps), tuple(sups), tuple(rows))

    def _gram(self, absolute: bool) -> np.ndarray:
        out = np.zeros((self.size, self.size))
        for c, r in zip(self.components, self.rows):
            r = np.abs(r) if absolute else r
            out[np.ix_(c, c)] = r @ r.T
        return out

    @cached_property
    def gram(self) -> np.ndarray:
        """K Kᵀ, n×n, exact zeros between components."""
        return self._gram(False)

    @cached_property
    def abs_gram(self) -> np.ndarray:
        """|K| |K|ᵀ, n×n, exact zeros between components."""
        return self._gram(True)

    @cached_property
    def _bases(self) -> tuple:
        """Per component an orthonormal basis of the span of its K_h on its support (float, one QR each)."""
        return tuple(np.linalg.qr(r.T)[0] for r in self.rows)

    def project_out(self, v: np.ndarray, copy: bool = True) -> np.ndarray:
        """v − Q Qᵀ v (float) for v of shape (2d²,) or (2d², k), Q an orthonormal basis of the directions'
        span; in place for a float array v with ``copy=False``."""
        v = np.array(v, dtype=float) if copy or v.dtype != float else v
        for sup, q in zip(self.supports, self._bases):
            part = v[sup]
            v[sup] = part - q @ (q.T @ part)
        return v

    def combine(self, c: np.ndarray) -> np.ndarray:
        """Kᵀ c = Σ_h c_h K_h (float), a vector of 2d² coordinates."""
        out = np.zeros(self.n_coordinates)
        for comp, sup, r in zip(self.components, self.supports, self.rows):
            out[sup] = r.T @ c[comp]
        return out

    def norm_upper(self) -> float:
        """max_h ‖K_h‖_F, rounded up."""
        return max((_fro_upper(row) for r in self.rows for row in r), default=0.0)


def _lamb_directions(basis: np.ndarray, dmat: np.ndarray, index: np.ndarray) -> _LambDirections:
    """:class:`_LambDirections` of the basis elements ``basis[index]``."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    index = np.asarray(index)
    n, dd = len(index), dmat.size
    flat = basis.reshape(len(basis), -1)
    nonzero = (flat != 0)[index] & (dmat.ravel() != 0)[None, :]
    pattern = csr_matrix(nonzero)
    if n == 0:
        return _LambDirections(basis, index, np.zeros(0), pattern, (), (), ())
    # directions sharing an entry are connected: the counts of shared entries are exact in float32 (< 2^24)
    shared = nonzero.astype(np.float32)
    _, labels = connected_components(shared @ shared.T > 0, directed=False)
    del shared
    i_dmat = (1j * dmat).ravel()
    scale = np.zeros(n)
    comps, sups, rows = [], [], []
    for v in np.unique(labels):
        c = np.flatnonzero(labels == v)
        entries = np.flatnonzero(np.any(nonzero[c], axis=0))
        dirs = i_dmat[entries][None, :] * flat[index[c][:, None], entries[None, :]]  # i D∘B_h on the support
        r = np.concatenate([dirs.real, dirs.imag], axis=1)
        scale[c] = np.sqrt(np.sum(r**2, axis=1))
        r /= scale[c][:, None]
        comps.append(c)
        sups.append(np.concatenate([entries, dd + entries]))
        rows.append(r)
    return _LambDirections(basis, index, scale, pattern, tuple(comps), tuple(sups), tuple(rows))


def _dense_lamb_rows(basis: np.ndarray, dmat: np.ndarray, index: np.ndarray) -> np.ndarray:
    """(n, 2d²): the K_h of :class:`_LambDirections` as dense rows, normalised over all 2d² coordinates (the
    pivoted QR of ``sdp._lamb_shift_selection`` sees exactly these)."""
    dirs = 1j * dmat[None] * basis[index]
    rows = np.concatenate([dirs.real.reshape(len(index), -1), dirs.imag.reshape(len(index), -1)], axis=1)
    rows /= np.sqrt(np.sum(rows**2, axis=1))[:, None]
    return rows


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
    lamb: _LambDirections | None  # normalised directions K_i ≈ i D∘B_i / ‖·‖ as real vectors (None: none)
    dir_basis: np.ndarray  # the B_h of those directions (complex, d×d each)
    dir_scale: np.ndarray  # their scales s_i (K_i = fl(i D∘B_i / s_i))
    d_hi: np.ndarray  # p_j − p_k = d_hi + d_lo exactly (TwoSum)
    d_lo: np.ndarray
    e_gram: float  # ≥ ‖Gram(K) − M‖_F, M_ij = Re<N̂_i, K_j>
    support: np.ndarray  # (n, L) flat indices of the entries where direction i can be non-zero (padded)
    minv: float  # ‖M^{-1}‖_2 upper bound for the correction system (inf: not verified)
    k_norm: float  # max_j ‖K_j‖_F upper bound
    structural: np.ndarray  # entries (j, k) with D_jk == 0: a Z supported there is exactly feasible
    t_norm: float  # ‖T‖_F upper bound
    eta_p: float
    eta_v: float
    # free trace only (else None): the real matrix of Γ ↦ P⊥ A(Γ) on (Re vec Γ_b, Im vec Γ_b) of every block,
    # P⊥ the float projection orthogonal to the Lamb-shift directions, its column offsets per block, and the
    # direction W of :func:`_psd_direction` (A_Γb^*(W) ≈ I, A_H^*(W) ≈ 0)
    a_perp: np.ndarray | None = None
    a_offsets: tuple = ()
    w_dir: np.ndarray | None = None
    # per block the :class:`_OperatorBlocks` of its operators over the U(1) sectors (None: dense evaluation)
    op_blocks: tuple = ()

    def blocks(self, b: int) -> _OperatorBlocks | None:
        return self.op_blocks[b] if self.op_blocks else None


def _coh_data(ansatz: Ansatz, p, tmat, traces, norm, free_trace, eta, lamb: _LambDirections,
              op_blocks: tuple = ()) -> _CohData:
    """The data of the certificates of Eq. (33). ``lamb``: the problem's Lamb-shift directions (the ones
    ``sdp._lamb_shift_selection`` kept); ``op_blocks``: per block the :class:`_OperatorBlocks` of its
    operators or None."""
    d = len(p)
    ops = ansatz.operators
    rho_norm = _fro_upper(p)
    lips = tuple(_up(2.0 * f.shape[0] * rho_norm * max(_fro_upper(fa) for fa in f) ** 2, 8) for f in ops)
    dmat = p[:, None] - p[None, :]
    basis = lamb.basis
    # directions i[ρ0, B_i] = i D∘B_i of the problem: the resolved ones (see LAMB_NOISE_RTOL)
    everything = len(lamb.index) == len(basis)  # (then index is 0 … n − 1)
    dir_basis = basis if everything else basis[lamb.index]
    scale = lamb.scale
    n = lamb.size
    minv, k_norm, e_gram = np.inf, 0.0, np.inf
    if n:
        k_norm = lamb.norm_upper()
        m_t, ak_gram = lamb.gram, lamb.abs_gram
        e_m = _bound(2 * d * d + 10, ak_gram)  # covers |K − i D∘B/s| (a few roundings) and the products
        e_gram = _fro_upper(_bound(6, ak_gram))  # Gram(K) − M = Re<K_i − N̂_i, K_j>, |K − N̂| ≤ γ_5 |K|
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
    counts = np.diff(lamb.pattern.indptr)
    width = int(np.max(counts, initial=0))
    support = np.zeros((n, max(width, 1)), dtype=int)
    support[np.arange(width)[None, :] < counts[:, None]] = lamb.pattern.indices
    lamb = lamb if n else None
    a_perp, offsets, w_dir = None, (), None
    if free_trace:
        a_perp, offsets = _dissipator_matrix(ops, p, lamb)
        w_dir = _psd_direction(a_perp, offsets, d)
    return _CohData(ops, p, tmat, traces, norm, free_trace, lips, dmat, basis, lamb, dir_basis, scale,
                    d_hi, d_lo, e_gram, support, minv, k_norm, dmat == 0, _fro_upper(tmat), eta_p, eta_v,
                    a_perp, offsets, w_dir, tuple(op_blocks))


def _as_matrix(v: np.ndarray, d: int) -> np.ndarray:
    """The Hermitian part of the d×d matrix whose real representation (Re vec, Im vec) is ``v``."""
    return _hermitian_part((v[: d * d] + 1j * v[d * d:]).reshape(d, d))


def _as_vector(z: np.ndarray) -> np.ndarray:
    return np.concatenate([z.real.ravel(), z.imag.ravel()])


def _dissipator_matrix(operators, p: np.ndarray, lamb: _LambDirections | None):
    r"""The real 2d² × Σ_b 2m_b² matrix of Γ ↦ P⊥ Σ_b A_b(Γ_b) (Eq. (23) at ρ0, the Lamb-shift directions
    projected out), Γ_b entered as (Re vec Γ_b, Im vec Γ_b); plain floating point (it only proposes
    candidates, which the certificate then checks), and the first column of each block."""
    d = len(p)
    cols, offsets, pos = [], [], 0
    for f in operators:
        m = f.shape[0]
        mr = _dissipator_images(f, p).reshape(m * m, d * d)  # A_b(E_ab) = M_ab
        cols += [np.concatenate([mr.real, mr.imag], axis=1), np.concatenate([-mr.imag, mr.real], axis=1)]
        offsets.append(pos)
        pos += 2 * m * m
    a = np.concatenate(cols, axis=0).T
    if lamb is not None:
        a = lamb.project_out(a, copy=False)
    return a, tuple(offsets)


def _dissipator_images(f: np.ndarray, p: np.ndarray) -> np.ndarray:
    """M_ab = F_b ρ0 F_a† − ½{F_a†F_b, ρ0} (ρ0 = diag p), the image of the matrix unit E_ab under the
    dissipator of Eq. (23), shape (m, m, d, d)."""
    fd = np.conj(f)
    sandwich = np.einsum("bij,j,akj->abik", f, p, fd, optimize=True)
    prod = np.einsum("aji,bjk->abik", fd, f, optimize=True)  # (F_a†F_b)_ik
    return sandwich - 0.5 * prod * (p[None, None, None, :] + p[None, None, :, None])


def _psd_direction(a_perp: np.ndarray, offsets: tuple, d: int) -> np.ndarray | None:
    r"""A direction W with A_H^*(W) ≈ 0 and A_Γb^*(W) ≈ I for every block: the least-norm solution of
    A_Γ^*(W) = I within the orthogonal complement of the Lamb-shift directions (a float proposal; the
    certificate encloses λ_min(A_Γb^*(W)) itself). None when the least-squares solution misses (no such W)."""
    rhs = np.zeros(a_perp.shape[1])
    bounds = list(offsets) + [a_perp.shape[1]]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        m = int(round(np.sqrt((hi - lo) // 2)))
        rhs[lo: lo + m * m] = np.eye(m).ravel()
    w, *_ = np.linalg.lstsq(a_perp.T, rhs, rcond=None)
    if not np.all(np.isfinite(w)) or np.linalg.norm(a_perp.T @ w - rhs) > 0.5:
        return None
    return _as_matrix(w, d)


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


# Terms per chunk of directions in _exact_residuals (each direction's row holds up to 16 error-free terms per part
# and entry of its support): ~2^24 doubles (128 MB) per chunk, so that at d = 1024 (30 directions with 1.7e5
# entries each) the cascade does not hold every row at once (it needed more than 12 GB); rows are summed
# independently, so the chunking changes no result.
EXACT_CHUNK_TERMS = 2**24


def _exact_residuals(data: _CohData, parts):
    """Re<N̂_i, Σ parts> (float) and an upper bound on its absolute value, N̂_i = i (p_j − p_k) B_i / s_i: the
    population differences are split exactly (TwoSum), every product is error-free (TwoProduct) and each sum
    summed by an error-free cascade (:func:`_cascaded_sum`), so the bound is ~1e-30 of the terms. Only the
    entries where some part is non-zero enter (the others contribute exact zeros: for a sector-block-diagonal
    Z, none of the directions that change the charge). Directions are processed in chunks of at most
    ``EXACT_CHUNK_TERMS`` terms.
    """
    n = len(data.dir_basis)
    live = np.zeros(data.dmat.size, dtype=bool)
    for z in parts:
        live |= np.asarray(z).ravel() != 0
    keep = live[data.support] & (data.support != 0)  # index 0, the entry (0, 0) where D = 0, is the padding
    counts = np.sum(keep, axis=1)
    active = np.flatnonzero(counts)  # the other directions meet only zeros: residual and bound exactly 0
    values, bounds = np.zeros(n), np.zeros(n)
    if not len(active):
        return values, bounds
    support = _compact(data.support[active], keep[active])
    # p_j − p_k = d_hi + d_lo: d_lo is mostly an exact zero (the difference is exact), its terms are taken
    # on the entries where it is not
    support_lo = _compact(support, data.d_lo.ravel()[support] != 0)
    width = support.shape[1] + support_lo.shape[1]
    # directions whose B is real (or imaginary) in the energy basis have the other half of the terms exactly zero:
    # they are processed apart, without it
    flat = data.dir_basis.reshape(n, -1)
    kinds = [(bool(np.any(flat[i].real != 0)), bool(np.any(flat[i].imag != 0))) for i in active]
    for kind in sorted(set(kinds)):
        members = np.flatnonzero([k == kind for k in kinds])
        n_terms = 4 * len(parts) * sum(kind)
        step = max(1, EXACT_CHUNK_TERMS // max(1, n_terms * width))
        for a in range(0, len(members), step):
            rows = members[a:a + step]
            values[active[rows]], bounds[active[rows]] = _exact_residuals_rows(
                data, parts, active[rows], ((data.d_hi, support[rows]), (data.d_lo, support_lo[rows])), *kind)
    return values, bounds


def _compact(support: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The entries ``support[keep]`` of each row first (stable), padded to the longest row by the entry (0, 0),
    where D = 0 (it contributes exact zeros)."""
    width = max(1, int(np.max(np.sum(keep, axis=1), initial=0)))
    order = np.argsort(~keep, axis=1, kind="stable")[:, :width]
    return np.where(np.take_along_axis(keep, order, axis=1), np.take_along_axis(support, order, axis=1), 0)


def _exact_residuals_rows(data: _CohData, parts, idx: np.ndarray, pieces_of_d, real: bool = True,
                          imag: bool = True):
    """:func:`_exact_residuals` for the directions ``idx``: ``pieces_of_d`` holds (d, support), a part of
    p_j − p_k and the entries (one row per direction) where it is taken; ``real``/``imag``: whether Re B/Im B of
    these directions has a non-zero entry (else its terms are left out)."""
    flat = data.dir_basis.reshape(len(data.dir_basis), -1)
    pieces = []
    for dmat, support in pieces_of_d:
        b = flat[idx[:, None], support]
        dd = dmat.ravel()[support]
        for z in parts:
            products = []
            if real:
                products += _two_product(b.real, z.imag.ravel()[support])
            if imag:
                products += _two_product(b.imag, -z.real.ravel()[support])
            for w in products:
                pieces += list(_two_product(dd, w))
    rows = np.concatenate(pieces, axis=1)
    sums, err = _cascaded_sum(rows)
    values = sums / data.dir_scale[idx]
    return values, (np.abs(sums) * (1 + 4 * _U) + err + rows.shape[1] * _TINY) / data.dir_scale[idx]


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
    if data.lamb is not None:
        v = data.lamb.project_out(np.concatenate([z.real.ravel(), z.imag.ravel()]))
        z = _hermitian_part((v[: d * d] + 1j * v[d * d:]).reshape(d, d))
    value = -float(np.real(np.vdot(z, data.tmat)))
    for b, (f, t) in enumerate(zip(data.operators, data.traces)):
        lam = float(np.linalg.eigvalsh(_dual_map_with_bound(f, z, data.p, data.blocks(b))[0])[0])
        if data.free_trace and lam < 0:
            return 0.0
        value += 0.0 if data.free_trace else t * lam
    scale = _dual_norm_upper(z, data.norm)
    return value / scale if np.isfinite(scale) and scale > 0 else 0.0


@dataclass(frozen=True)
class _DualParts:
    """Rigorous pieces of the dual objective at the exactly feasible Z* = z + δ + ΔZ (A_H^*(Z*) = 0) built
    from a dual candidate by steps 1–2 of :func:`_coh_lower_bound`: ``value`` ≤ −Re<z + δ, T>, ``lams[b]`` ≤
    λ_min(A_Γb^*(z + δ)), ``dz`` ≥ ‖ΔZ‖_F, ``sigma`` ≥ ‖Z*‖ (the dual norm)."""

    value: float
    lams: tuple
    dz: float
    sigma: float

    def objective(self, t_norm: float) -> float:
        """≤ −Re<Z*, T>."""
        return _down(self.value - t_norm * self.dz)

    def lam_min(self, lips: tuple) -> tuple:
        """≤ λ_min(A_Γb^*(Z*)) per block (‖A_b^*‖ ≤ lip_b)."""
        return tuple(_down(lam - lip * self.dz) for lam, lip in zip(self.lams, lips))


def _coh_dual_parts(z: np.ndarray, data: _CohData) -> _DualParts | None:
    """Steps 1–2 of :func:`_coh_lower_bound` and the rigorous pieces of step 3 (None: no usable Z)."""
    d = z.shape[0]
    z = _hermitian_part(np.asarray(z, dtype=complex))
    verified = data.lamb is not None and np.isfinite(data.minv)
    if verified:
        v = data.lamb.project_out(np.concatenate([z.real.ravel(), z.imag.ravel()]))
        z = _hermitian_part((v[: d * d] + 1j * v[d * d:]).reshape(d, d))
    elif data.lamb is not None:
        z = np.where(data.structural, z, 0.0)  # exactly orthogonal to every i D∘B_i
    scale = _dual_norm_upper(z, data.norm)
    if not (np.isfinite(scale) and scale > 0):
        return None
    z = _hermitian_part(z / scale)  # magnitudes O(1); from here on z is this exact float array
    # one step of refinement, kept as a separate float array: Z = z + δ exactly, with A_H^*(Z) ≈ 0 far below
    # what rounding z itself would allow; the rest is the exact correction ΔZ, ‖ΔZ‖_F ≤ dz
    delta = np.zeros_like(z)
    dz = 0.0
    if verified:
        r, _ = _exact_residuals(data, [z])
        c = np.linalg.solve(data.lamb.gram, -r)
        dvec = data.lamb.combine(c)
        delta = _hermitian_part((dvec[: d * d] + 1j * dvec[d * d:]).reshape(d, d))
        _, r2 = _exact_residuals(data, [z, delta])
        dz = _up(np.sqrt(data.minv * (1.0 + data.e_gram * data.minv)) * _fro_upper(r2), 8)
    value = -float(np.real(np.vdot(z, data.tmat))) - float(np.real(np.vdot(delta, data.tmat)))
    value = _down(value - _bound(d * d + 8, float(np.sum((np.abs(z) + np.abs(delta)) * np.abs(data.tmat)))))
    lams = []
    for b, f in enumerate(data.operators):
        s_z, err_z = _dual_map_with_bound(f, z, data.p, data.blocks(b))
        s_d, err_d = _dual_map_with_bound(f, delta, data.p, data.blocks(b))
        s_b = s_z + s_d
        lam, _, _ = _hermitian_enclosure(s_b, _fro_upper(err_z + err_d + _bound(1, np.abs(s_b))))
        lams.append(lam)
    kappa = np.sqrt(d) if data.norm == "spectral" else 1.0  # dual norm ≤ kappa · Frobenius norm
    sigma = _up(_dual_norm_upper(z, data.norm) + kappa * (_fro_upper(delta) + dz), 8)
    return _DualParts(value, tuple(lams), dz, sigma)


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
    4. With a free trace the dual feasible set is {A_Γb^*(Z) ⪰ 0, A_H^*(Z) = 0, ‖Z‖_* ≤ 1} with value
       −Re<Z, T>; see :func:`_free_trace_lower_bound`.
    """
    if data.free_trace:
        return _free_trace_lower_bound(z, data)
    parts = _coh_dual_parts(z, data)
    if parts is None:
        return 0.0
    value = parts.value
    lip_total = data.t_norm
    for t, lip, lam in zip(data.traces, data.lips, parts.lams):
        value = _down(value + _down(t * lam))
        lip_total = _up(lip_total + t * lip)
    value = _down(value - lip_total * parts.dz)
    if not value > 0:
        return 0.0
    return _down(value / parts.sigma)


# A face of the dual cone: eigen-directions of A_Γb^*(Z) below these multiples of its most negative
# eigenvalue are projected to exactly zero by :func:`_face_projection` (0: no projection); each choice gives
# a rigorous bound and the best is kept. On Figs. 2/3, 1e4 never beat 1e2, and whole blocks (inf) lose the
# objective (the solver's A_Γb^*(Z) is not zero on whole blocks).
FACE_THRESHOLDS = (0.0, 1e2)


def _free_trace_lower_bound(z: np.ndarray, data: _CohData) -> float:
    r"""Certified lower bound of Eq. (33) without Tr Γ_b = t_b, from a dual candidate Z.

    The dual feasible set is {A_Γb^*(Z) ⪰ 0 (each block), A_H^*(Z) = 0, ‖Z‖_* ≤ 1}, value −Re<Z, T>
    (weak duality: ‖X‖ ≥ Re<Z, X> for X = A_Γ(Γ) + A_H(H) − T). The solver's Z meets A_Γb^*(Z) ⪰ 0 only up
    to its tolerance, and exactly where the optimal Γ_b is supported complementary slackness puts those
    eigenvalues at 0, so they come out slightly negative. The repair:

    1. (face projection) the eigen-directions V_b of A_Γb^*(Z) below a threshold (``FACE_THRESHOLDS``) span
       a face; Z is projected orthogonally to the images P⊥A_Γb(V_b Y V_b†) of that face, which puts the
       compressed V_b† A_Γb^*(Z) V_b at zero up to rounding;
    2. (shift) a direction W with A_H^*(W) = 0 and A_Γb^*(W) ≻ 0 (:func:`_psd_direction`, enclosed
       rigorously like Z) absorbs the rest: with ℓ_b ≤ λ_min(A_Γb^*(Z*)), m_b ≤ λ_min(A_Γb^*(W*)) (m_b > 0)
       and λ = max_b max(0, −ℓ_b)/m_b, Z* + λW* is dual feasible, so

       .. math:: \tau_{opt} \ge \frac{-\mathrm{Re}\langle Z^*, T\rangle - \lambda\,\mathrm{Re}\langle W^*, T\rangle}
                                     {\|Z^*\|_* + \lambda \|W^*\|_*}

       whenever the numerator is positive (both Z* and W* exactly feasible for A_H^*, every term bounded as in
       :func:`_coh_lower_bound`).

    Both orientations of the multiplier (z, zᵀ) and every face threshold are tried; the best bound is returned
    (each is rigorous). 0 when no combination gives a positive bound.
    """
    w_parts = None if data.w_dir is None else _coh_dual_parts(data.w_dir, data)
    w_lams = None if w_parts is None else w_parts.lam_min(data.lips)
    if w_lams is not None and not min(w_lams) > 0:
        w_parts = None
    best = 0.0
    for zz in (z, z.T):
        for threshold in FACE_THRESHOLDS:
            candidate = _face_projection(zz, data, threshold)
            parts = None if candidate is None else _coh_dual_parts(candidate, data)
            if parts is None:
                continue
            obj = parts.objective(data.t_norm)
            lams = parts.lam_min(data.lips)
            if min(lams) >= 0:
                bound = _down(obj / parts.sigma) if obj > 0 else 0.0
            elif w_parts is not None:
                shift = max(_up(-lam / m) for lam, m in zip(lams, w_lams) if lam < 0)
                num = _down(obj + _down(shift * w_parts.objective(data.t_norm)))
                den = _up(parts.sigma + _up(shift * w_parts.sigma))
                bound = _down(num / den) if num > 0 else 0.0
            else:
                bound = 0.0
            best = max(best, bound)
    return best


def _face_projection(z: np.ndarray, data: _CohData, threshold: float) -> np.ndarray | None:
    """Z projected orthogonally to P⊥A_Γb(V_b Y V_b†) for the eigenvectors V_b of A_Γb^*(Z) whose eigenvalues
    lie below ``threshold`` × |most negative eigenvalue| (all of them for inf; Z itself for 0). Plain floating
    point: a proposal that :func:`_coh_dual_parts` then certifies."""
    d = z.shape[0]
    z = _hermitian_part(np.asarray(z, dtype=complex))
    if threshold == 0.0:
        return z
    if data.a_perp is None:
        return None
    v = _as_vector(z)
    if data.lamb is not None:
        v = data.lamb.project_out(v)
    z = _as_matrix(v, d)
    z = z / max(np.sum(np.abs(np.linalg.eigvalsh(z))), 1e-300)
    bounds = list(data.a_offsets) + [data.a_perp.shape[1]]
    images = []
    for b, (f, lo, hi) in enumerate(zip(data.operators, bounds[:-1], bounds[1:])):
        m = f.shape[0]
        w, vecs = np.linalg.eigh(_dual_map_with_bound(f, z, data.p, data.blocks(b))[0])
        cut = -threshold * min(w[0], 0.0) if np.isfinite(threshold) else np.inf
        face = vecs[:, w <= cut]
        r = face.shape[1]
        if r == 0:
            continue
        # a Hermitian basis of the face: v_i v_i†, v_i v_j† + v_j v_i†, i(v_i v_j† − v_j v_i†)
        units = [np.outer(face[:, i], face[:, i].conj()) for i in range(r)]
        for i in range(r):
            for j in range(i + 1, r):
                o = np.outer(face[:, i], face[:, j].conj())
                units += [o + o.conj().T, 1j * (o - o.conj().T)]
        g = np.array(units).reshape(len(units), m * m)
        coords = np.concatenate([g.real, g.imag], axis=1)
        images.append(data.a_perp[:, lo:hi] @ coords.T)
    if not images:
        return z
    from scipy.linalg import qr

    n_mat = np.concatenate(images, axis=1)
    q_n, r_n, _ = qr(n_mat, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r_n))
    rank = int(np.sum(diag > FACE_RANK_RTOL * diag[0])) if len(diag) and diag[0] > 0 else 0
    q_n = q_n[:, :rank]
    v = _as_vector(z)
    v = v - q_n @ (q_n.T @ v)
    return _as_matrix(v, d)


# Face images whose pivoted-QR diagonal falls below this (relative) are dependent on the others: the
# projection keeps only the resolved ones.
FACE_RANK_RTOL = 1e-12


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
    live = np.flatnonzero(theta)  # zero coordinates contribute exact zeros to Dot2
    yr, er = _dot2(theta[live], data.lamb_basis[live].real)
    yi, ei = _dot2(theta[live], data.lamb_basis[live].imag)
    y = yr + 1j * yi
    ad = np.abs(data.dmat)
    lamb = 1j * (data.dmat * y)
    err_l = ad * (er + ei) * (1 + 4 * _U) + _bound(3, ad * np.abs(y))
    x = lamb - data.tmat
    err = err_l.copy()
    mag = np.abs(lamb) + np.abs(data.tmat)
    dist_term = 0.0
    for b, (f, fe, lip) in enumerate(zip(data.operators, feas, data.lips)):
        a_val, a_err = _dissipator_with_bound(f, fe.base, data.p, data.blocks(b))
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
