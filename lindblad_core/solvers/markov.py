r"""Stationary distributions of Markov rate matrices: W p = 0, Σ p = 1, by the GTH algorithm.

The zeroth-order NESS populations of App. A solve this for the population block of L2
(:func:`lindblad_core.redfield_equation.populations`), and a Lindbladian's zeroth-order populations (Eq. (B5)) for
its own rates. GTH (Grassmann, Taksar, Heyman) works on the non-negative rates only, without cancellation, so every
population comes out with a small relative error however small it is.
"""

from __future__ import annotations

import numpy as np

__all__ = ["stationary_populations", "gth", "checked_rates", "closed_class", "GTH_RESIDUAL", "GTH_DENSE_FILL"]


# Residual check of the GTH populations: |W p| ≤ GTH_RESIDUAL · d³ · u · |W| p componentwise, the size
# O'Cinneide's entrywise bound (≈ 2 d³ u relative) allows; in practice the error is O(d u). The check only
# catches a broken solve.
GTH_RESIDUAL = 4.0
# A GTH elimination step updates the whole remaining block when more than this fraction of it is reached by the
# eliminated level's rates, else only the rows and columns it reaches (same numbers: the rest adds exact zeros).
GTH_DENSE_FILL = 0.5


def gth(p_out: np.ndarray, dtype=float) -> np.ndarray:
    """Stationary vector of an irreducible chain with rates ``p_out[i, j]`` (i → j, diagonal ignored), by the
    GTH state reduction. Only sums and products of non-negative numbers occur, so there is no cancellation."""
    a = np.array(p_out, dtype=dtype)
    n = a.shape[0]
    for k in range(n - 1, 0, -1):
        out = a[k, :k].sum()  # total rate out of k into the states not yet eliminated
        if not out > 0.0:
            raise ValueError("the zeroth-order NESS could not be computed: a rate underflowed to 0 while "
                             "eliminating a level (rates spread over more than ~600 orders of magnitude)")
        a[:k, k] /= out
        # a[:k, :k] += outer(a[:k, k], a[k, :k]), on the non-zero rows and columns only while they are few (the
        # rates couple neighbouring charge sectors only): the skipped products are exact zeros
        rows, cols = np.flatnonzero(a[:k, k]), np.flatnonzero(a[k, :k])
        if rows.size * cols.size > GTH_DENSE_FILL * k * k:
            a[:k, :k] += np.outer(a[:k, k], a[k, :k])
        elif rows.size and cols.size:
            block = np.ix_(rows, cols)
            a[block] += np.outer(a[rows, k], a[k, cols])
    pi = np.zeros(n, dtype=dtype)
    pi[0] = 1.0
    for k in range(1, n):
        pi[k] = pi[:k] @ a[:k, k]
    return pi / pi.sum()


def stationary_populations(rates: np.ndarray) -> np.ndarray:
    r"""The stationary distribution p of the rate matrix W = R − diag(Σ_k R[k, ·]): W p = 0, Σ p = 1.

    Parameters
    ----------
    rates : (d, d) array
        R[k, m] ≥ 0, the rate of the transition m → k (the diagonal is ignored), e.g. the off-diagonal part of
        the population block of L2 (App. A) or of a Lindbladian's L2' (Eq. (B5)).

    Solved scale-free and without cancellation by the GTH algorithm (state reduction on the rates, which are
    ≥ 0), so the result does not depend on the overall rate scale and every population, however small
    (e^{−100} at low temperature), comes out with a small *relative* error.

    Raises ValueError when a rate is negative or not finite, when every rate vanishes, or when the kernel of W
    is not one-dimensional (more than one closed class of levels: the stationary state is not unique).

    Notes
    -----
    The rates are divided by the largest one first. The kernel of a rate matrix has the dimension of the
    number of closed communicating classes of its transition graph, which is read exactly from the
    non-zero pattern; levels outside the single closed class are transient and get p = 0. On that class
    GTH computes p with an entrywise relative error of order n³u (O'Cinneide), independent of the chain's
    condition; every entry is ≥ 0 by construction. A residual check |W p| ≤ ``GTH_RESIDUAL`` · d³ · u · |W| p
    (componentwise) guards the result.

    References
    ----------
    W. K. Grassmann, M. I. Taksar, D. P. Heyman, "Regenerative analysis and steady state distributions
    for Markov chains", Oper. Res. 33, 1107 (1985).
    C. A. O'Cinneide, "Entrywise perturbation theory and error analysis for Markov chains",
    Numer. Math. 65, 109 (1993).
    """
    rates, keep = closed_class(checked_rates(rates))
    p = np.zeros(rates.shape[0])
    p[keep] = gth(rates.T[np.ix_(keep, keep)])
    w = rates - np.diag(rates.sum(axis=0))
    residual = np.abs(w @ p)
    scale = np.abs(w) @ p
    if np.any(residual > GTH_RESIDUAL * len(p) ** 3 * np.finfo(float).eps * scale + np.finfo(float).tiny):
        raise ArithmeticError("GTH populations fail their residual check (please report this setting)")
    return p


def checked_rates(rates: np.ndarray) -> np.ndarray:
    r = np.array(rates, dtype=float)
    if r.ndim != 2 or r.shape[0] != r.shape[1]:
        raise ValueError(f"rates must be a square matrix, got shape {r.shape}")
    np.fill_diagonal(r, 0.0)
    if not np.all(np.isfinite(r)) or np.any(r < 0.0):
        raise ValueError("rates must be finite and >= 0 off the diagonal, got min "
                         f"{np.min(r):.3g}, max {np.max(r):.3g}")
    if not r.max(initial=0.0) > 0.0:
        raise ValueError("every rate vanishes: the stationary state is undefined")
    return r


def closed_class(rates: np.ndarray):
    """The rates (normalised by the largest) and the levels of the single closed class
    (see :func:`stationary_populations`)."""
    from scipy.sparse.csgraph import connected_components

    rates = rates / rates.max()
    out_edges = rates.T > 0.0  # [i, j]: i → j
    n_classes, labels = connected_components(out_edges, directed=True, connection="strong")
    leaves = out_edges & (labels[:, None] != labels[None, :])  # edges leaving a class
    closed = [c for c in range(n_classes) if not leaves[labels == c].any()]
    if len(closed) != 1:
        raise ValueError("the zeroth-order NESS is not unique: the rate matrix of App. A has a kernel of "
                         f"dimension {len(closed)} (are some levels decoupled from every bath?)")
    return rates, np.flatnonzero(labels == closed[0])
