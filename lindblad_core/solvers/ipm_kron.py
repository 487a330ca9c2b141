r"""Packed Hermitian coordinates, and the Newton-matrix terms of small blocks over many variables through their
n²×n² scaling matrix (for :func:`~lindblad_core.solvers.ipm.solve_hermitian_lmi`).

The HKM Newton matrix of an LMI S = C + Σ_j y_j L_j ⪰ 0 over k variables is H_ij = Re Tr(L_i X L_j S⁻¹). The
general assembly (:func:`~lindblad_core.solvers.ipm._schur_complement`) forms W_j = Qᴴ L_j R (X = Q Qᴴ,
S⁻¹ = R Rᴴ) and adds the rank-k update of their 2n² real coordinates: k²·n² multiply-adds. The form
B(L, L') = Re Tr(L X L' S⁻¹) is symmetric and positive on the n²-dimensional real space of Hermitian
matrices, so in packed coordinates c(L) (:class:`_HermitianPacking`) H = M K Mᵀ, with M the (k, n²) matrix of
the c(L_j) and K the n²×n² matrix of B (:func:`scaling_matrix`). With K = F Fᵀ (Cholesky), H is the rank-n²
update of M F: k·n⁴ + k²·n²/2 multiply-adds and n⁶/3 for the factorisation. For blocks with n² well below k,
such as τ^pop,coh's coherence blocks t I ± (…) over all variables, that is half the work; and two blocks with
the same operators up to sign (L⁺_j = −L⁻_j, the pairs of
:func:`~lindblad_core.solvers.ipm._negated_partners`) share one M, so their two terms are one update with
K⁺ + K⁻: a quarter. The few variables in which a pair's operators differ enter as a correction of rank ≤ 2r.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KRON_GAIN = 0.8  # a block (or pair) is assembled through its scaling matrix when the operation count of that
# path is below this fraction of the general one's (kron_cost against general_cost) …
KRON_MIN_WORK = 1e7  # … and the general one's is at least this many multiply-adds: below, the calls' own cost
# decides (at d = 16 and 64 both paths take the same time)


class _HermitianPacking:
    """The n² real coordinates of the Hermitian part H = (M + Mᴴ)/2 of complex n×n matrices (stacked on the
    first axis): Re H_aa, √2 Re H_ab and √2 Im H_ab (a < b), so that ⟨pack(A), pack(B)⟩ = Re Tr(A B) for
    Hermitian A and Re Tr(A M) = ⟨pack(A), pack(M)⟩ for any M; ``unpack`` is the Hermitian matrix of given
    coordinates (``unpack`` of the p-th unit vector is the basis matrix E_p: e_aa, (e_ab + e_ba)/√2,
    i(e_ab − e_ba)/√2)."""

    def __init__(self, n: int):
        self.n = n
        self.diag = np.arange(n)
        self.upper = np.triu_indices(n, 1)

    def __call__(self, mats: np.ndarray) -> np.ndarray:
        a, b = self.upper
        d = self.diag
        upper, lower = mats[:, a, b], mats[:, b, a]
        half = np.sqrt(0.5)
        return np.concatenate([np.real(mats[:, d, d]), half * (upper.real + lower.real),
                               half * (upper.imag - lower.imag)], axis=1)

    def unpack(self, coords: np.ndarray) -> np.ndarray:
        n, (a, b) = self.n, self.upper
        t = len(a)
        out = np.zeros((len(coords), n, n), dtype=complex)
        out[:, self.diag, self.diag] = coords[:, :n]
        off = np.sqrt(0.5) * (coords[:, n:n + t] + 1j * coords[:, n + t:])
        out[:, a, b] = off
        out[:, b, a] = np.conj(off)
        return out


def scaling_matrix(pack: _HermitianPacking, xs, ys) -> np.ndarray:
    """K_pq = Σ_b Re Tr(E_p X_b E_q Y_b) over the packed basis E_p of ``pack`` and the pairs (X_b, Y_b) of
    ``xs``, ``ys`` (Hermitian n×n; for the HKM Newton matrix Y = S⁻¹): column q holds the packed coordinates of
    Σ_b X_b E_q Y_b, each entry (X E_cd Y)_ij = X_ic Y_dj."""
    a, b = pack.upper
    d = pack.diag
    # X E_q Y for the basis matrices E_q, combined from the products X e_cd Y of the matrix units
    unit = sum(x.T[:, None, :, None] * y[None, :, None, :] for x, y in zip(xs, ys))  # [c, d, i, j] = X_ic Y_dj
    half = np.sqrt(0.5)
    upper, lower = unit[a, b], unit[b, a]
    basis = np.concatenate([unit[d, d], half * (upper + lower), (1j * half) * (upper - lower)])
    k = pack(basis).T
    return 0.5 * (k + k.T)


@dataclass(frozen=True)
class KronUnit:
    """One block, or a pair of blocks with negated operators (``second``), assembled through its scaling
    matrix: ``first``, ``second`` are positions in their group's stack; ``coords`` the (k, n²) packed
    coordinates of the first block's operators; for a pair, the second block's operators are −coords except on
    the variables ``rows``, where they are ``diff`` − coords (``diff`` of shape (r, n²))."""

    first: int
    second: int | None
    coords: np.ndarray
    rows: np.ndarray | None = None
    diff: np.ndarray | None = None


def general_cost(k: int, n: int, blocks: int) -> float:
    """Multiply-adds of the general assembly of ``blocks`` blocks of size n over k variables: the congruences
    Qᴴ L_j R (8 k n³ real, complex products) and the rank-k update of 2n² real columns (k² n²), per block."""
    return blocks * (k * k * n * n + 8.0 * k * n**3)


def kron_cost(k: int, n: int, rows: int = 0) -> float:
    """Multiply-adds of the assembly through the scaling matrix: forming K (~4 n⁴ per block), its Cholesky
    factorisation (n⁶/3), M F (k n⁴), the rank-n² update (k² n²/2) and a pair's correction (2 k n² r)."""
    n2 = n * n
    return 8.0 * n2 * n2 + n2**3 / 3.0 + k * n2 * n2 + 0.5 * k * k * n2 + 2.0 * k * n2 * rows


def plan_units(lins, cols, partner_of, flat_packed) -> list[KronUnit]:
    """The KronUnits of one group of complex blocks (operators ``lins[j]`` of shape (k_j, n, n) over
    ``cols[j]``): each block or pair (``partner_of[j] = (first, rows, diff)`` for the second block of a pair,
    ``diff`` in packed coordinates) whose scaling-matrix assembly costs less than ``KRON_GAIN`` times the
    general one (and the general one at least ``KRON_MIN_WORK``). ``flat_packed[j]`` is the block's packed
    coordinates when already at hand, else None."""
    n = lins[0].shape[1]
    pack = _HermitianPacking(n)
    units, taken = [], set()
    for j in range(len(lins)):
        if j in taken:
            continue
        k = len(cols[j])
        second = next((b for b, (first, _, _) in partner_of.items() if first == j), None)
        if second is not None:
            rows, diff = partner_of[second][1], partner_of[second][2]
            general = general_cost(k, n, 2)
            worth = kron_cost(k, n, len(rows)) < KRON_GAIN * general
        else:
            rows = diff = None
            general = general_cost(k, n, 1)
            worth = kron_cost(k, n) < KRON_GAIN * general
        worth = worth and general >= KRON_MIN_WORK
        if not worth:
            continue
        coords = flat_packed[j] if flat_packed[j] is not None else pack(lins[j])
        if second is not None and diff is None:  # the partners' difference in packed coordinates
            diff = pack(lins[second][rows]) + coords[rows]
        units.append(KronUnit(j, second, np.ascontiguousarray(coords), rows, diff))
        taken.update({j} if second is None else {j, second})
    return units


def unit_terms(unit: KronUnit, pack: _HermitianPacking, x: np.ndarray, s_inv: np.ndarray):
    """The unit's Newton-matrix term H = Σ_blocks M_b K_b M_bᵀ as (G, correction): H = G Gᵀ + correction,
    G = coords·F (k × n², K = F Fᵀ over the unit's blocks) and, for a pair that differs in the variables
    ``rows``, correction = (rows, C, D) meaning H[:, rows] −= C, H[rows, :] −= Cᵀ, H[rows, rows] += D (None
    otherwise). ``x``, ``s_inv``: the group's stacks of X and S⁻¹. Raises LinAlgError when K is not numerically
    positive definite (the caller then takes the general path)."""
    from scipy.linalg.blas import dtrmm
    from scipy.linalg.lapack import dpotrf

    blocks = (unit.first,) if unit.second is None else (unit.first, unit.second)
    low, info = dpotrf(scaling_matrix(pack, x[list(blocks)], s_inv[list(blocks)]), lower=1, clean=1)
    if info != 0 or not np.all(np.isfinite(np.diag(low))):
        raise np.linalg.LinAlgError(f"Cholesky factorisation of a block's scaling matrix failed (info {info})")
    g = dtrmm(1.0, low, unit.coords.T, lower=1, trans_a=1).T  # coords·F, F lower triangular
    if unit.rows is None or not len(unit.rows):
        return g, None
    # L⁺ = −L⁻ + D on the rows: H⁺ = M K⁺ Mᵀ − M K⁺ D̃ᵀ − D̃ K⁺ Mᵀ + D̃ K⁺ D̃ᵀ, the columns of K⁺ Dᵀ being the
    # packed coordinates of X⁺ D_r S⁺⁻¹
    kd = pack(x[unit.second] @ pack.unpack(unit.diff) @ s_inv[unit.second]).T
    return g, (unit.rows, unit.coords @ kd, unit.diff @ kd)
