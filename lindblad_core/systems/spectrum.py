"""Eigenvectors of one Hermitian block with an a-posteriori error for each, refined where levels nearly cross.

The Redfield data of a chain are only as good as the eigenbasis of H_S. LAPACK's eigenvectors carry an error of
about u ‖H‖ / gap (Davis–Kahan), and near-degenerate levels of one charge sector (gaps ~1e-7 in a 12-qubit chain)
make that 1e-8 … 1e-5: enough to hide a no-go verdict behind ``data_error``. Here, per block:

1. the residuals r_j = H v_j − λ_j v_j of the float64 vectors are measured (with the rounding allowance of the
   product, which counts only the non-zero elements of a row of H);
2. a vector whose first-order error (‖r_j‖ + allowance) / gap_j exceeds :data:`ETA_REFINE` is grouped with its
   neighbours into a cluster of nearly equal levels, and the cluster is re-diagonalised on its own: H is projected
   onto the cluster's vectors in extended precision (``np.longdouble``), shifted by the cluster's mean level so the
   small projected matrix keeps its relative accuracy in float64, and solved as a generalised eigenproblem (the
   Gram matrix absorbs the vectors' O(u) non-orthogonality);
3. the error of each vector is then estimated to first order from its measured residual: the components along
   the other levels of its cluster, |v_k† r_j| / |λ_j − λ_k|, and the rest, ‖r_j‖ / (distance to the levels
   outside the cluster).

Where the extended type is no wider than float64 (some platforms), step 2 gains nothing and step 3 reports it.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["ETA_REFINE", "refined_eigh"]

# A vector whose first-order error estimate exceeds this is refined with its near-degenerate neighbours.
ETA_REFINE = 1e-10
_U64 = np.finfo(np.float64).eps / 2
_TINY = np.finfo(np.float64).tiny


def refined_eigh(h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ascending eigen-decomposition of a Hermitian block, near-degenerate clusters refined.

    Parameters
    ----------
    h : (n, n) ndarray
        Hermitian, real or complex.

    Returns
    -------
    energies : (n,) ndarray
        Ascending.
    vectors : (n, n) ndarray
        Columns, orthonormal to O(u).
    errors : (n,) ndarray
        First-order estimate of ‖v_j − x_j‖ for the exact eigenvector x_j (phase aligned), from the measured
        residual of v_j (module docstring). Exactly degenerate levels give errors of order 1/tiny: the
        eigenvectors are not determined.
    """
    h = np.asarray(h)
    energies, vectors = np.linalg.eigh(h)
    n = len(energies)
    if n == 1:
        return energies, vectors, np.zeros(1)
    nnz = int(np.max(np.count_nonzero(h, axis=1)))
    resid, allow = _residual_float64(h, energies, vectors, nnz)
    gaps = np.diff(energies)
    links = np.maximum(resid[:-1] + allow[:-1], resid[1:] + allow[1:]) > ETA_REFINE * gaps
    clusters = _runs(links)
    errors = (resid + allow) / np.maximum(_nearest_gap(energies), _TINY)
    if not clusters:
        return energies, vectors, errors
    energies, vectors = energies.copy(), vectors.copy()
    cols = np.concatenate([np.arange(a, b) for a, b in clusters])
    ell = _ell(h, nnz)
    hv = _wide_matmul(h, ell, vectors[:, cols])
    at = 0
    for a, b in clusters:
        k = b - a
        energies[a:b], vectors[:, a:b] = _rotate(vectors[:, a:b], hv[:, at:at + k])
        at += k
    order = np.argsort(energies, kind="stable")  # a refined level never passes a neighbour, but keep the contract
    energies, vectors, errors = energies[order], vectors[:, order], errors[order]
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    clusters = [rank[np.arange(a, b)] for a, b in clusters]
    cols = np.concatenate(clusters)
    resid_ld, allow_ld = _residual_extended(h, ell, energies[cols], vectors[:, cols], nnz)
    at = 0
    for idx in clusters:
        k = len(idx)
        r = resid_ld[:, at:at + k]
        delta = np.linalg.norm(allow_ld[:, at:at + k], axis=0)
        proj = np.abs(vectors[:, idx].conj().T @ r)
        diff = np.abs(energies[idx][:, None] - energies[idx][None, :])
        np.fill_diagonal(diff, np.inf)
        inside = np.sum((proj + delta[None, :]) / np.maximum(diff, _TINY), axis=0)
        outside_levels = np.delete(energies, idx)
        gap_out = (np.min(np.abs(outside_levels[None, :] - energies[idx][:, None]), axis=1)
                   if len(outside_levels) else np.full(k, np.inf))
        errors[idx] = inside + (np.linalg.norm(r, axis=0) + delta) / np.maximum(gap_out, _TINY)
        at += k
    return energies, vectors, errors


def _residual_float64(h, energies, vectors, nnz):
    """‖H v_j − λ_j v_j‖ in float64 and an allowance for its rounding, (nnz + 2) u (‖|H||v_j|‖ + |λ_j|)."""
    r = h @ vectors - vectors * energies
    allow = (nnz + 2) * _U64 * (np.linalg.norm(np.abs(h) @ np.abs(vectors), axis=0) + np.abs(energies))
    return np.linalg.norm(r, axis=0), allow


def _residual_extended(h, ell, energies, vectors, nnz):
    """H v_j − λ_j v_j in extended precision (rounded to float64) and its entrywise rounding allowance."""
    v = vectors.astype(_wide(vectors.dtype))
    r = _wide_matmul(h, ell, v) - v * np.asarray(energies, dtype=np.longdouble)
    u_ext = np.finfo(np.longdouble).eps / 2
    magnitude = np.abs(h) @ np.abs(vectors)  # |H||v| (its own rounding is immaterial to an allowance)
    allow = (nnz + 2) * u_ext * (magnitude + np.abs(vectors) * np.abs(energies)) + _U64 * np.abs(r.astype(complex))
    return r.astype(vectors.dtype), allow


def _rotate(v, hv):
    """Re-diagonalise H on the span of one cluster's vectors v, given H v in extended precision."""
    wide = _wide(v.dtype)
    vw = v.astype(wide)
    proj = vw.conj().T @ hv
    gram = vw.conj().T @ vw
    mean = np.mean(np.real(np.diag(proj)))
    shifted = (proj - mean * gram).astype(v.dtype)
    shifted = (shifted + shifted.conj().T) / 2
    gram64 = gram.astype(v.dtype)
    nu, x = scipy.linalg.eigh(shifted, (gram64 + gram64.conj().T) / 2)
    # keep LAPACK's phase convention: each refined vector has a real positive overlap with the one it replaces
    diag = np.diag(x).copy()
    diag[diag == 0] = 1.0
    x = x * (np.abs(diag) / diag)[None, :]
    return (mean + nu.astype(np.longdouble)).astype(np.float64), v @ x


def _wide(dtype):
    return np.clongdouble if np.issubdtype(dtype, np.complexfloating) else np.longdouble


def _ell(h, nnz):
    """H as (columns, values), each (n, nnz): the non-zero elements of every row, padded with zeros; None when
    more than a quarter of each row is non-zero (then H is multiplied as a dense matrix)."""
    if 4 * nnz > h.shape[0]:
        return None
    nonzero = h != 0
    cols = np.argsort(~nonzero, axis=1, kind="stable")[:, :nnz]
    vals = np.take_along_axis(h, cols, axis=1).copy()
    vals[np.arange(nnz)[None, :] >= np.count_nonzero(nonzero, axis=1)[:, None]] = 0
    return cols, vals


def _wide_matmul(h, ell, v):
    """H v in extended precision: one padded column of the row-compressed H at a time (``ell``), or as a dense
    product; either way each element sums at most nnz + 1 rounded terms."""
    wide = np.result_type(_wide(h.dtype), _wide(v.dtype))
    vw = v.astype(wide)
    if ell is None:
        return h.astype(wide) @ vw
    cols, vals = ell
    out = np.zeros(v.shape, dtype=wide)
    for c, w in zip(cols.T, vals.T):
        out += w.astype(wide)[:, None] * vw[c]
    return out


def _runs(links):
    """Index ranges [a, b) of the runs of consecutive levels joined by ``links`` (b − a ≥ 2)."""
    out, start = [], None
    for i, linked in enumerate(links):
        if linked and start is None:
            start = i
        elif not linked and start is not None:
            out.append((start, i + 1))
            start = None
    if start is not None:
        out.append((start, len(links) + 1))
    return out


def _nearest_gap(energies):
    gaps = np.diff(energies)
    return np.minimum(np.r_[np.inf, gaps], np.r_[gaps, np.inf])
