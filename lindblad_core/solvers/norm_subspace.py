r"""min t s.t. ‖Σ_j x_j L_ij − T_i‖ ≤ t on every block i (spectral norm, Hermitian L_ij and T_i) and the
constraints of a base :class:`~lindblad_core.solvers.conic.ConicProblem`, solved on growing subspaces of the
blocks (a cutting-plane method) by the interior-point method.

The spectral norm is the pair of LMIs t I − X_i ⪰ 0 and t I + X_i ⪰ 0, X_i = Σ_j x_j L_ij − T_i. For an isometry
V_i (n_i × r_i) the compressed pair t I ∓ V_iᴴ X_i V_i ⪰ 0 is implied by it, so the compressed problem is a
relaxation: its optimum is a lower bound, and its multipliers W_i^∓ lift to multipliers V_i W_i^∓ V_iᴴ of the
full problem with the same dual value (Tr and ‖·‖_* are unchanged by the isometry). Its optimal x gives an upper
bound, max_i ‖X_i(x)‖ over the full blocks. Each round adds to V_i the eigenvectors of X_i(x) whose eigenvalues
lie outside [−t, t] (the constraints x violates, largest first, at most ``SUBSPACE_ADD`` a block), until the two
bounds meet within the interior-point method's own gap tolerance. At the optimum the norm is attained on an
eigenspace of X_i of dimension at most ~√m (m variables), so the compressed blocks stay small: τ^pop,coh on the
2+4+2 chain (d = 256, sectors up to 70 states) converges in one or two rounds with blocks of at most 8 at the
benchmark's coupling, in up to six with blocks of up to 28 at g = 0.14 … 0.5; each round costs an interior-point
solve on those, one eigendecomposition of each X_i and the products V_iᴴ L_ij V_i.

Blocks of at most ``SUBSPACE_WHOLE`` rows enter whole, and a block whose subspace would pass
``SUBSPACE_WHOLE_FRACTION`` of its rows enters whole from then on. The data are read, never copied: ``images[i]``
may be a read-only (m, n_i, n_i) view of a solver's operator matrix, or a function making it anew.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conic import ConicProblem
from .ipm import IPM_TOL, IPM_TOL_ABS

__all__ = ["NormSubspaceSolution", "solve_norm_subspace", "SUBSPACE_WHOLE"]

SUBSPACE_WHOLE = 16  # blocks of at most this side enter the compressed problem whole
SUBSPACE_START = 4  # a larger block starts with the eigenvectors of T_i of this many largest |eigenvalues| …
SUBSPACE_ADD = 8  # … and each round adds at most this many eigenvectors of X_i(x) outside [−t, t]
SUBSPACE_WHOLE_FRACTION = 0.5  # a block whose subspace would exceed this fraction of its rows enters whole
SUBSPACE_ROUNDS = 30  # rounds before the solve is reported "optimal_inaccurate" (on the paper's chains: 1 … 3)
SUBSPACE_RANK_RTOL = 1e-8  # a new eigenvector whose component outside the subspace is below this is dropped


@dataclass(frozen=True)
class NormSubspaceSolution:
    """``status`` ("optimal", "optimal_inaccurate" or the compressed solve's failure), ``x`` (None on failure),
    ``value`` the compressed optimum t (a lower bound up to the solver's accuracy), ``upper`` = max_i ‖X_i(x)‖ in
    floating point, ``duals`` per block the lifted multipliers (W^−, W^+) of t I − X_i ⪰ 0 and t I + X_i ⪰ 0,
    ``rounds``, ``iterations`` (interior-point iterations over all rounds) and ``sizes`` (r_i per block)."""

    status: str
    x: np.ndarray | None
    value: float | None
    upper: float
    duals: list
    rounds: int
    iterations: int
    sizes: tuple


def _compressed(images: np.ndarray, v: np.ndarray | None) -> np.ndarray:
    """V ᴴ L_j V for the (m, n, n) stack (as it is when V is None: the block enters whole)."""
    if v is None:
        return images
    m, n = images.shape[:2]
    right = (images.reshape(m * n, n) @ v).reshape(m, n, v.shape[1])
    return np.conj(v.T) @ right


def _extended(v: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The isometry V extended by the components of the columns ``new`` orthogonal to it (Gram–Schmidt twice,
    then QR; columns already in the span dropped)."""
    for _ in range(2):
        new = new - v @ (np.conj(v.T) @ new)
    q, r = np.linalg.qr(new)
    keep = np.abs(np.diag(r)) > SUBSPACE_RANK_RTOL
    return np.hstack([v, q[:, keep]])


def solve_norm_subspace(base: ConicProblem, images: list, targets: list, t_col: int = 0, *,
                        gap_rtol: float = IPM_TOL, gap_atol: float = IPM_TOL_ABS, max_rounds: int = SUBSPACE_ROUNDS,
                        ipm_options: dict | None = None) -> NormSubspaceSolution:
    r"""Minimise ``base.q``ᵀx (which should be x[t_col], the norm bound t) subject to ``base``'s constraints and
    ‖Σ_j x_j L_ij − T_i‖ ≤ t for each block i, by the cutting-plane method of the module docstring.

    Parameters
    ----------
    base : ConicProblem
        The objective and every constraint but the norm's (not modified).
    images : list of (m, n_i, n_i) complex arrays, or of functions returning one
        L_ij, Hermitian, for the m = ``base.n_variables`` variables; row ``t_col`` is ignored. A function is
        called once per round (its block's operators are then never all held at once: large problems make
        them anew instead of keeping them).
    targets : list of (n_i, n_i) Hermitian arrays
        T_i.
    t_col : int
        The variable t.
    gap_rtol, gap_atol : float
        Stop when ``upper`` − ``value`` ≤ gap_atol + gap_rtol·|upper| (default: the interior-point method's
        own gap tolerances, ``ipm.IPM_TOL``, ``ipm.IPM_TOL_ABS``).
    max_rounds : int
        At most this many compressed solves.
    ipm_options : dict, optional
        Keyword arguments of :meth:`ConicProblem.solve_ipm`.
    """
    if len(images) != len(targets):
        raise ValueError(f"images and targets must have one entry per block, got {len(images)} and {len(targets)}")
    if not 0 <= t_col < base.n_variables:
        raise ValueError(f"t_col must be in [0, {base.n_variables}), got {t_col}")
    if not (isinstance(max_rounds, (int, np.integer)) and max_rounds >= 1):
        raise ValueError(f"max_rounds must be an integer >= 1, got {max_rounds!r}")

    def image(i):
        return images[i]() if callable(images[i]) else images[i]

    subspaces, compressed = [], []
    for i, t_mat in enumerate(targets):
        v = None
        if t_mat.shape[0] > SUBSPACE_WHOLE:
            w, u = np.linalg.eigh(t_mat)
            v = u[:, np.argsort(-np.abs(w), kind="stable")[:SUBSPACE_START]]
        subspaces.append(v)
        compressed.append(_compressed(image(i), v))
    iterations, status, converged = 0, "solver_error", False
    for rounds in range(1, max_rounds + 1):
        problem, solved_on = base.copy(), list(subspaces)
        for i, (v, lin, t_mat) in enumerate(zip(subspaces, compressed, targets)):
            r = lin.shape[1]
            plus = lin.reshape(len(lin), r * r).copy()
            plus[t_col] = np.eye(r).ravel()
            minus = -plus
            minus[t_col] = plus[t_col]
            t_red = (t_mat if v is None else np.conj(v.T) @ t_mat @ v).ravel()
            problem.add_psd(("minus", i), t_red, np.ascontiguousarray(minus.T), r)
            problem.add_psd(("plus", i), -t_red, np.ascontiguousarray(plus.T), r)
        status = problem.solve_ipm(**(ipm_options or {}))
        iterations += problem.iterations
        if problem.x is None:
            return NormSubspaceSolution(status, None, None, np.inf, [], rounds, iterations, _sizes(solved_on, targets))
        x, value = problem.x, problem.value
        x_lin = x.copy()
        x_lin[t_col] = 0.0
        upper, grown = 0.0, False
        for i, t_mat in enumerate(targets):  # one pass over each block's operators: X_i(x), then the next round's
            lin, v = image(i), subspaces[i]
            w, u = np.linalg.eigh(np.tensordot(x_lin, lin, axes=1) - t_mat)
            upper = max(upper, float(np.max(np.abs(w), initial=0.0)))
            outside = np.flatnonzero(np.abs(w) > value)
            if v is None or not len(outside):
                continue
            chosen = outside[np.argsort(-np.abs(w[outside]), kind="stable")[:SUBSPACE_ADD]]
            subspaces[i] = _extended(v, u[:, chosen])
            if subspaces[i].shape[1] > SUBSPACE_WHOLE_FRACTION * len(w):  # little left to gain: the whole block
                subspaces[i] = None
                grown, compressed[i] = True, lin
            elif subspaces[i].shape[1] > v.shape[1]:
                grown, compressed[i] = True, _compressed(lin, subspaces[i])
        converged = upper - value <= gap_atol + gap_rtol * abs(upper)
        if converged or not grown:
            break
    if not converged and status == "optimal":
        status = "optimal_inaccurate"
    duals = []  # of the last compressed problem, lifted through its subspaces
    for i, v in enumerate(solved_on):
        pair = (problem.hermitian_dual(("minus", i)), problem.hermitian_dual(("plus", i)))
        duals.append(pair if v is None else tuple(v @ w @ np.conj(v.T) for w in pair))
    return NormSubspaceSolution(status, x, value, upper, duals, rounds, iterations, _sizes(solved_on, targets))


def _sizes(subspaces, targets) -> tuple:
    return tuple(t.shape[0] if v is None else v.shape[1] for v, t in zip(subspaces, targets))
