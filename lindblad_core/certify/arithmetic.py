r"""Rigorous floating-point arithmetic: a-priori rounding bounds, error-free transformations, enclosures.

The tools of verified SDP solvers (VSDP, Jansson, Chaykin, Keil 2007): a float64 evaluation plus the bound
γ_n = n u / (1 − n u) (Higham, *Accuracy and Stability*, Ch. 3) on each sum and product; eigenvalues and norms
of Hermitian matrices through the residual of the computed eigen-decomposition (Weyl, Ostrowski,
Hoffman–Wielandt: :func:`hermitian_enclosure`); error-free TwoSum/TwoProduct and the compensated dot product
of Ogita, Rump and Oishi (2005) (:func:`dot2`), for terms whose size dwarfs their sum.
"""

from __future__ import annotations

import numpy as np

U = np.finfo(float).eps / 2  # unit roundoff u



TINY = 1e-290  # absolute slack added to every bound: covers underflow (≤ 2^-1075 per operation)



def gamma_n(n: float) -> float:
    """γ_n = n u / (1 − n u) (Higham, Lemma 3.1); inf when n u ≥ 1/2."""
    nu = n * U
    return nu / (1.0 - nu) if nu < 0.5 else np.inf



def rounding_bound(depth: float, magnitude):
    """Bound on the rounding error of an evaluation whose chains of roundings are at most ``depth`` long,
    given ``magnitude``: the same evaluation on the absolute values of the inputs (computed in float)."""
    return gamma_n(2 * depth + 2) * magnitude + TINY



def round_up(x: float, n: int = 4) -> float:
    """Round a float result of a few operations outwards (upwards for positive quantities)."""
    return float(x) * (1.0 + gamma_n(n)) + TINY if x >= 0 else float(x) * (1.0 - gamma_n(n)) + TINY



def round_down(x: float, n: int = 4) -> float:
    return float(x) * (1.0 - gamma_n(n)) - TINY if x >= 0 else float(x) * (1.0 + gamma_n(n)) - TINY



def fro_upper(x) -> float:
    """An upper bound on the Frobenius norm of a float array (the float value, rounded up)."""
    x = np.asarray(x)
    return round_up(float(np.sqrt(np.sum(np.abs(x) ** 2))), x.size + 8)



def hermitian_enclosure(a: np.ndarray, err_f: float = 0.0) -> tuple[float, float, float]:
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
    blocks = diagonal_blocks(a)
    if len(blocks) > 1:
        parts = np.array([_connected_enclosure(a[np.ix_(idx, idx)], 0.0) for idx in blocks])
        lam, spectral = float(np.min(parts[:, 0])), float(np.max(parts[:, 1]))
        nuclear = round_up(float(np.sum(parts[:, 2])), len(blocks) + 2)
        if err_f:
            lam, spectral = round_down(lam - err_f), round_up(spectral + err_f)
            nuclear = round_up(nuclear + round_up(np.sqrt(n) * err_f))
        return lam, spectral, nuclear
    return _connected_enclosure(a, err_f)


def _connected_enclosure(a: np.ndarray, err_f: float) -> tuple[float, float, float]:
    """:func:`hermitian_enclosure` of a finite ``a`` taken as one block (from its eigen-decomposition)."""
    n = a.shape[0]
    w, x = np.linalg.eigh(a)
    cplx = 3 if (np.iscomplexobj(a) or np.iscomplexobj(x)) else 1
    ax = np.abs(x)
    r = x.conj().T @ (a @ x)
    r[np.diag_indices(n)] -= w
    mag = ax.T @ (np.abs(a) @ ax) + np.diag(np.abs(w))
    delta = fro_upper(r) + fro_upper(rounding_bound(2 * cplx * n + 2, mag))
    g = x.conj().T @ x
    g[np.diag_indices(n)] -= 1.0
    alpha = fro_upper(g) + fro_upper(rounding_bound(cplx * n + 2, ax.T @ ax + np.eye(n)))
    if not alpha < 0.5:
        return -np.inf, np.inf, np.inf
    delta = round_up(delta + (1.0 + alpha) * err_f)
    mu = round_down(float(w[0]) - delta)
    lam_min = round_down(mu / (1.0 + alpha) if mu >= 0 else mu / (1.0 - alpha))
    spectral = round_up((float(np.max(np.abs(w))) + delta) / (1.0 - alpha))
    nuclear = round_up((float(np.sum(np.abs(w))) * (1.0 + gamma_n(n)) + np.sqrt(n) * delta) / (1.0 - alpha), 8)
    return lam_min, spectral, nuclear



BLOCKS_BY_LABELS = 64  # diagonal_blocks of matrices up to this size by label propagation in numpy (scipy's
# connected_components costs ~0.2 ms a call in building its sparse matrix; these are called by the thousand)


def diagonal_blocks(a: np.ndarray) -> list[np.ndarray]:
    """The index sets of the connected components of the non-zero pattern of the square matrix a (a is block
    diagonal on them up to a permutation, with exact zeros between blocks)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n = a.shape[0]
    if n <= BLOCKS_BY_LABELS:  # each index takes the least label among its neighbours until none changes: at
        linked = (a != 0) | (a != 0).T  # most n sweeps of n² operations, and no sparse-matrix construction
        np.fill_diagonal(linked, True)
        labels = np.arange(n)
        while True:
            lowest = np.where(linked, labels[None, :], n).min(axis=1)
            if np.array_equal(lowest, labels):
                break
            labels = lowest
        roots = np.unique(labels)
        return [np.arange(n)] if len(roots) == 1 else [np.flatnonzero(labels == r) for r in roots]
    n_comp, labels = connected_components(csr_matrix(a != 0), directed=False)
    if n_comp == 1:
        return [np.arange(a.shape[0])]
    return [np.flatnonzero(labels == c) for c in range(n_comp)]



def hermitian_part(x: np.ndarray) -> np.ndarray:
    """(x + x^H)/2, exactly Hermitian in floating point (the two halves are exact conjugates)."""
    return 0.5 * (x + x.conj().T)



_SPLITTER = 134217729.0  # 2^27 + 1 (Veltkamp/Dekker splitting)



def two_product(a, b):
    """x + y = a·b exactly (Dekker), barring underflow/overflow."""
    x = a * b
    c = _SPLITTER * a
    ah = c - (c - a)
    al = a - ah
    c = _SPLITTER * b
    bh = c - (c - b)
    bl = b - bh
    return x, al * bl - (((x - ah * bh) - al * bh) - ah * bl)



def two_sum(a, b):
    """x + y = a + b exactly (Knuth)."""
    x = a + b
    z = x - a
    return x, (a - (x - z)) + (b - z)



def dot2(coefficients: np.ndarray, arrays):
    r"""Σ_i c_i X_i (real, summed over the first axis) in twice the working precision, and its error bound.

    Algorithm Dot2 of Ogita, Rump, Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 26 (2005):
    |result − exact| ≤ u |exact| + γ_n² Σ|c_i X_i|. Used for the Lamb-shift term, whose coordinates can be
    1e9 while the sum is O(τ): plain float64 would lose everything there. ``arrays`` is a stack or any
    iterable of the X_i (then one X_i is held at a time); with no coefficient it must be a stack (the shape).
    """
    n = len(coefficients)
    if n == 0:
        return np.zeros(arrays.shape[1:]), np.zeros(arrays.shape[1:])
    mag = p = s = None
    for c, x in zip(coefficients, arrays):
        if p is None:
            p, s = two_product(c, x)
            mag = abs(c) * np.abs(x)
            continue
        h, r = two_product(c, x)
        p, q = two_sum(p, h)
        s = s + (q + r)
        mag += abs(c) * np.abs(x)
    res = p + s
    err = 2 * U * np.abs(res) + 2 * gamma_n(2 * n + 2) ** 2 * mag + n * TINY
    return res, err



def cascaded_sum(rows: np.ndarray):
    """Row sums of ``rows`` by a pairwise cascade of error-free TwoSums (vectorised): the exact sum is
    s + Σ e with every rounding error e kept; Σ e is then summed in float. Returns (s + Σe, bound) with
    |exact − (s + Σe)| ≤ bound = γ_n Σ|e| + u |s + Σe| (about n u² Σ|terms|)."""
    x = np.asarray(rows, dtype=float)
    errs = []
    while x.shape[1] > 1:
        if x.shape[1] % 2:
            x = np.concatenate([x, np.zeros((x.shape[0], 1))], axis=1)
        x, e = two_sum(x[:, 0::2], x[:, 1::2])
        errs.append(e)
    n = rows.shape[1]
    e_all = np.concatenate(errs, axis=1) if errs else np.zeros((rows.shape[0], 1))
    total = x[:, 0] + np.sum(e_all, axis=1)
    bound = gamma_n(2 * n + 4) * np.sum(np.abs(e_all), axis=1) + 2 * U * np.abs(total)
    return total, bound
