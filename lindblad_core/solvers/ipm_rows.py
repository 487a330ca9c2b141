"""The scalar rows s = h + G y ≥ 0 of :func:`~lindblad_core.solvers.ipm.solve_hermitian_lmi` (the diagonal block
they are, 1×1 LMIs included): G dense or sparse with the products the iterations need, and their step lengths."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

LP_SPARSE_DENSITY = 0.1  # scalar rows G with at most this fraction of non-zeros are kept sparse; of those, …
LP_HEAVY_ROW = 0.25  # … the rows over more than this fraction of the variables (a trace or sum row) enter the
# Newton-matrix term Gᵀ diag(w) G as one dense rank-k update, and the others …
LP_PAIRS_MAX = 1.0  # … summed over the pairs of non-zeros of each row (one bincount) when there are at most this
# many times m² such pairs (the Newton matrix's own size), else by a sparse product. τ^pop's box rows (one
# non-zero each) next to its four sum rows take 10 … 50 µs a term this way at d = 64 … 256, 0.3 … 1.3 ms through
# scipy's sparse product
LP_DENSE_PRODUCTS = 2**16  # sparse G of at most this many entries also kept dense, for G v and Gᵀ z


class _ScalarRows:
    """The scalar rows' G (p × m), dense or sparse (``LP_SPARSE_DENSITY``), with the products the iterations
    need: G v, Gᵀ z, max_j |G_ij| per row and the Newton-matrix term Gᵀ diag(w) G."""

    def __init__(self, g, m: int):
        self.dense = None
        g = sp.csr_matrix((0, m)) if g is None else g
        nnz = g.nnz if sp.issparse(g) else np.count_nonzero(g)
        self.sparse = nnz <= LP_SPARSE_DENSITY * np.prod(g.shape)
        if not self.sparse:
            self.g = g.toarray().astype(float) if sp.issparse(g) else np.asarray(g, float)
            self.gt = self.g.T
            return
        self.g = sp.csr_matrix(g, dtype=float)
        self.g.sum_duplicates()
        self.gt = self.g.T.tocsr()
        if np.prod(self.g.shape) <= LP_DENSE_PRODUCTS:  # G v and Gᵀ z on a dense copy: scipy's sparse product
            self.dense = self.g.toarray()  # costs ~10 µs a call in checks alone
        per_row = np.diff(self.g.indptr)
        heavy = per_row > LP_HEAVY_ROW * m
        self.heavy_rows = np.flatnonzero(heavy)
        self.heavy = self.g[self.heavy_rows].toarray()
        self.light_rows = np.flatnonzero(~heavy & (per_row > 0))
        light = self.g[self.light_rows]
        self.pairs = None
        if np.sum(per_row[self.light_rows] ** 2) <= LP_PAIRS_MAX * max(m, 1) ** 2:
            # light row i contributes w_i g_ia g_ib to H_ab for each pair (a, b) of its non-zeros
            counts = np.diff(light.indptr)
            rows, width = np.repeat(self.light_rows, counts**2), np.repeat(counts, counts**2)
            start = np.repeat(light.indptr[:-1], counts**2)  # each pair's row start, its place within the row
            within = np.concatenate([np.arange(c * c) for c in counts]) if len(counts) else np.zeros(0, int)
            a, b = start + within // np.maximum(width, 1), start + within % np.maximum(width, 1)
            self.rows, self.pairs = rows, light.data[a] * light.data[b]
            flat_index = light.indices[a] * m + light.indices[b]
            where, self.inverse = np.unique(flat_index, return_inverse=True)
            self.where = np.divmod(where, m)
        else:
            self.light = light
            self.light_t = light.T.tocsr()

    def __matmul__(self, v):
        return self.dense @ v if self.dense is not None else self.g @ v

    def t(self, z):
        return self.dense.T @ z if self.dense is not None else self.gt @ z

    def row_max_abs(self) -> np.ndarray:
        if self.sparse:
            return abs(self.g).max(axis=1).toarray().ravel()
        return np.max(np.abs(self.g), axis=1, initial=0.0)

    def add_newton_term(self, schur: np.ndarray, w: np.ndarray) -> None:
        """schur += Gᵀ diag(w) G (for sparse G only its non-zeros are touched)."""
        if not self.sparse:
            schur += self.gt @ (w[:, None] * self.g)
            return
        if len(self.heavy_rows):
            schur += self.heavy.T @ (w[self.heavy_rows, None] * self.heavy)
        if self.pairs is not None:
            schur[self.where] += np.bincount(self.inverse, weights=w[self.rows] * self.pairs,
                                             minlength=len(self.where[0]))
        elif len(self.light_rows):
            term = (self.light_t @ sp.diags(w[self.light_rows]) @ self.light).tocoo()
            schur[term.row, term.col] += term.data


def _with_scalar_blocks(lp, scalar_lmis: list, m: int):
    """(h, G) of the scalar rows ``lp`` followed by one row per 1×1 LMI c + Σ_j y_j l_j ≥ 0 of ``scalar_lmis``
    (real: :func:`~lindblad_core.solvers.ipm._real_if_possible`): the diagonal block it is, with one ratio test
    and one term of Gᵀ diag(z/s) G for all of them instead of a stack of 1×1 matrices."""
    h = [np.zeros(0) if lp is None else np.asarray(lp[0], float)]
    if not scalar_lmis:
        return h[0], None if lp is None else lp[1]
    rows = np.zeros((len(scalar_lmis), m))
    for i, lmi in enumerate(scalar_lmis):
        rows[i, lmi.cols] = lmi.lin[:, 0, 0]
    h.append(np.array([float(lmi.const[0, 0]) for lmi in scalar_lmis]))
    g = rows if lp is None else sp.vstack([sp.csr_matrix(lp[1], dtype=float), sp.csr_matrix(rows)], format="csr")
    return np.concatenate(h), g


def _ratio_step(v: np.ndarray, dv: np.ndarray) -> float:
    """Largest α ≤ 1 with v + α dv ≥ 0 (v > 0): the scalar rows' counterpart of :func:`_max_steps`."""
    neg = dv < 0
    return float(min(1.0, np.min(-v[neg] / dv[neg], initial=np.inf)))
