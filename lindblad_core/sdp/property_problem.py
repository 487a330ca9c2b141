r"""The linear maps behind :mod:`~lindblad_core.sdp.properties` and the SDP they assemble, as cvxpy sees it.

Every property of :mod:`~lindblad_core.sdp.properties` is a set of *rows*: linear functionals of the variables
of Eq. (23) — vec(Γ_b) per block and the Lamb-shift coordinates θ — minus a target. An entry (i, j) of
L2'(ρ) at a state ρ = diag(p) diagonal in the energy basis is

.. math::

    \mathcal L_2'(\rho)_{ij} = \sum_b \sum_{ab} \Gamma^{(b)}_{ab}\big(F_b\rho F_a^\dagger
        - \tfrac12\{F_a^\dagger F_b, \rho\}\big)_{ij} + \sum_h \theta_h\, i(p_i - p_j)(B_h)_{ij},

so a set of entries is one complex matrix acting on vec_C(Γ_b) (:func:`dissipator_entries`) and one acting on θ
(:func:`lamb_entries`); a current (:mod:`.currents`) is one more row (:func:`current_rows`). :class:`Rows` stacks
them into a single matrix acting on (vec Γ_1, …, vec Γ_B, θ); :class:`PropertyProblem` builds the cvxpy problem
from it (objective rows under a norm, constraint rows, Γ_b ⪰ 0, Tr Γ_b = t_b) and reads back the primal point and
the multipliers the certificates need. Under the U(1) structure of :mod:`lindblad_core.systems.symmetry` Γ_b is
block diagonal over its charge groups and the spectral norm splits over the charge sectors (exact: every property
here is covariant under the twirl e^{iφQ}, as τ^pop and τ^pop,coh are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lindblad_core.sdp.popcoh_formulations import _complex_dual, _hermitian_psd

# Rows of dissipator_entries evaluated per batch: bounds the temporary (m, batch, d) arrays to a few MB.
ENTRY_BATCH = 256
# Largest matrix (rows × Σ_b m_b² complex numbers, 16 bytes each: 256 MB) the dense assembly builds; beyond it
# the symmetry-reduced solvers lc.tau_pop / lc.tau_pop_coh are the way (the Fig. 4 chain, N_L = 3, N_M = 3,
# all d² entries: 4096 × 3969 = 1.6e7, just below).
MAX_MATRIX_ENTRIES = 2**24
NORMS = ("l1", "l2", "spectral")


def dissipator_entries(f: np.ndarray, p: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    r"""The (K, m²) matrix M with (D_Γ(ρ))[rows[k], cols[k]] = (M @ vec_C(Γ))[k], ρ = diag(p) (energy basis).

    M[k, a m + b] = (F_b ρ F_a† − ½{F_a†F_b, ρ})[i, j] = Σ_l F_b[i, l] p_l conj(F_a[j, l])
    − ½ (p_i + p_j) Σ_n conj(F_a[n, i]) F_b[n, j], as batched matrix products (``ENTRY_BATCH`` entries at a time).
    """
    m = f.shape[0]
    out = np.empty((len(rows), m, m), dtype=complex)
    fc = f.conj()
    for s in range(0, len(rows), ENTRY_BATCH):
        i, j = rows[s:s + ENTRY_BATCH], cols[s:s + ENTRY_BATCH]
        sandwich = np.matmul(fc[:, j, :].transpose(1, 0, 2), (f[:, i, :] * p).transpose(1, 2, 0))  # [k, a, b]
        product = np.matmul(fc[:, :, i].transpose(2, 0, 1), f[:, :, j].transpose(2, 1, 0))  # (F_a†F_b)[i, j]
        out[s:s + ENTRY_BATCH] = sandwich - 0.5 * (p[i] + p[j])[:, None, None] * product
    return out.reshape(len(rows), m * m)


def lamb_entries(basis: np.ndarray, p: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The (K, n) matrix of θ ↦ (i[ρ, Σ_h θ_h B_h])[rows, cols] = i (p_i − p_j) (B_h)_ij, ρ = diag(p)."""
    return (basis[:, rows, cols] * (1j * (p[rows] - p[cols]))[None, :]).T


def current_rows(f: np.ndarray, basis: np.ndarray, p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The rows of Γ ↦ Σ_{α≠ν} Q_να D_Γ(ρ)_αν (length m²) and θ ↦ Σ_{α≠ν} Q_να i[ρ, H_θ]_αν (length n).

    The sum over all entries is Tr(Q D_Γ(ρ)) = Σ_ab Γ_ab [Tr(F_a† Q F_b ρ) − ½ Tr(F_a†F_b {ρ, Q})], contracted as
    two (m, d²) products; the diagonal entries are then taken off (:func:`dissipator_entries` on the diagonal).
    """
    m, d = f.shape[0], f.shape[1]
    flat = f.conj().reshape(m, d * d)
    sandwich = flat @ (np.matmul(q, f) * p[None, None, :]).reshape(m, d * d).T
    s = p[:, None] * q + q * p[None, :]
    anti = flat @ np.matmul(f, s).reshape(m, d * d).T
    diag = np.arange(d)
    full = (sandwich - 0.5 * anti).ravel()
    row = full - np.diag(q) @ dissipator_entries(f, p, diag, diag)
    lamb = np.tensordot(basis * (1j * (p[:, None] - p[None, :]))[None], q.T, axes=([1, 2], [0, 1]))
    return row, lamb


@dataclass(frozen=True, eq=False)
class Rows:
    r"""Stacked rows r = A @ (vec_C Γ_{1,1}, vec_C Γ_{1,2}, …, θ) − target, Γ_{b,g} the diagonal block of Γ_b on its
    g-th index group (:func:`~lindblad_core.systems.symmetry.gamma_groups`; one group when nothing is split).

    Attributes
    ----------
    matrix : (R, Σ_{b,g} |g|² + n_θ) complex array
    target : (R,) complex array
    real : (R,) bool, rows real for Hermitian Γ and real θ (diagonal entries, currents)
    groups : tuple of (name, slice, role)
        Consecutive rows of one property: role "objective" or "constraint".
    positions : dict name → flat d×d positions (row-major) of an entry group's rows, for matrix norms
    gamma_groups : tuple (per block) of index arrays into the block's operators
    block_sizes : tuple of m_b
    lamb_index : tuple of (block, h) of the θ columns
    """

    matrix: np.ndarray
    target: np.ndarray
    real: np.ndarray
    groups: tuple
    positions: dict
    gamma_groups: tuple
    block_sizes: tuple
    lamb_index: tuple

    def rows_of(self, role: str) -> np.ndarray:
        return np.concatenate([np.arange(s.start, s.stop) for _, s, r in self.groups if r == role] + [[]]).astype(int)

    def residual(self, gammas, theta) -> np.ndarray:
        """The rows at a point (full Γ_b; plain floating point)."""
        x = [np.asarray(g)[np.ix_(idx, idx)].ravel() for g, grp in zip(gammas, self.gamma_groups) for idx in grp]
        return self.matrix @ np.concatenate(x + [np.asarray(theta, dtype=complex)]) - self.target


def group_columns(m: int, groups) -> np.ndarray:
    """The columns a m + b of vec_C(Γ) that the blocks Γ[g, g] of ``groups`` occupy, in their stacking order."""
    return np.concatenate([(idx[:, None] * m + idx[None, :]).ravel() for idx in groups])


class PropertyProblem:
    r"""min ‖r_obj‖ subject to the constraint rows, Γ_b ⪰ 0 (Hermitian) and Tr Γ_b = t_b (or free), with cvxpy.

    ``norm``: "l1" (Σ |r_k|, Eq. (28); real rows through an epigraph s ≥ ±r whose multipliers give the dual y of
    :func:`~lindblad_core.certify.pop.pop_lower_bound`), "l2" (a second-order cone), or "spectral" (the objective
    rows are the entries of one d×d matrix X at ``positions``: t I ± X ⪰ 0, the two LMIs of Eq. (33) — per
    charge sector when ``sectors`` are given — whose multipliers give the Z of
    :func:`~lindblad_core.certify.popcoh.coh_lower_bound`). Constraint rows: r = 0, or
    Σ |r_k| ≤ ``constraint_tol`` per property. The expressions are one matrix product on the stacked variables.
    """

    def __init__(self, rows: Rows, norm: str, traces, constraint_tol: float, dim: int,
                 matrix_positions: np.ndarray | None = None, sectors=None):
        import cvxpy as cp
        import scipy.sparse as sp

        self.rows, self.norm, self.dim = rows, norm, dim
        self.gammas = [[cp.Variable((len(idx), len(idx)), hermitian=True) for idx in grp] for grp in rows.gamma_groups]
        self.theta = cp.Variable(len(rows.lamb_index)) if rows.lamb_index else None
        parts = [cp.vec(g, order="C") for grp in self.gammas for g in grp] + (
            [self.theta] if self.theta is not None else [])
        r = rows.matrix @ cp.hstack(parts) - rows.target
        constraints = [g >> 0 for grp in self.gammas for g in grp]
        if traces is not None:
            constraints += [sum(cp.real(cp.trace(g)) for g in grp) == t for grp, t in zip(self.gammas, traces)]
        for _, sl, role in rows.groups:
            if role != "constraint":
                continue
            real = rows.real[sl]
            parts = ([cp.real(r[sl][np.flatnonzero(real)])] if real.any() else []) + (
                [r[sl][np.flatnonzero(~real)]] if (~real).any() else [])
            if constraint_tol == 0:
                constraints += [x == 0 for x in parts]
            else:
                constraints.append(sum(cp.sum(cp.abs(x)) for x in parts) <= constraint_tol)
        obj = rows.rows_of("objective")
        self.epigraph = self.cone = None
        if norm == "spectral":
            n = len(obj)
            scatter = sp.csr_matrix((np.ones(n), (matrix_positions, np.arange(n))), shape=(dim * dim, n))
            x = cp.reshape(scatter @ r[obj], (dim, dim), order="C")
            tvar = cp.Variable()
            self.sectors = [np.arange(dim)] if sectors is None else sectors
            self.cone = []
            for sec in self.sectors:  # X is block diagonal over the sectors: ‖X‖ = max over its blocks
                xs = x[sec, :][:, sec] if len(self.sectors) > 1 else x
                self.cone.append((_hermitian_psd(tvar * np.eye(len(sec)) - xs),
                                  _hermitian_psd(tvar * np.eye(len(sec)) + xs)))
                constraints += list(self.cone[-1])
            objective = tvar
        elif norm == "l2":
            tvar = cp.Variable()
            self.cone = cp.SOC(tvar, cp.hstack([cp.real(r[obj]), cp.imag(r[obj])]))
            constraints.append(self.cone)
            objective = tvar
        else:
            real, cplx = obj[rows.real[obj]], obj[~rows.real[obj]]
            objective = 0
            if len(real):
                s = cp.Variable(len(real))
                self.epigraph = (s - cp.real(r[real]) >= 0, s + cp.real(r[real]) >= 0)
                constraints += list(self.epigraph)
                objective = cp.sum(s)
            if len(cplx):
                objective = objective + cp.sum(cp.abs(r[cplx]))
        self.problem = cp.Problem(cp.Minimize(objective), constraints)

    def solve(self, solver: str, **settings):
        import cvxpy as cp
        from scipy.sparse.linalg import ArpackError

        try:
            self.problem.solve(solver=solver, **settings)
        except ArpackError as err:  # cvxpy's CVXOPT interface checks the rank of the equality rows with ARPACK
            raise cp.error.SolverError(f"{solver}: {err}") from err

    status = property(lambda self: self.problem.status, doc="cvxpy's status of the last solve")
    value = property(lambda self: self.problem.value, doc="cvxpy's optimal value of the last solve")

    def point(self) -> tuple[list, np.ndarray]:
        """(Γ_b, θ) of the last solve (zeros where the solver returned none)."""
        gammas = [np.zeros((m, m), complex) for m in self.rows.block_sizes]
        for full, grp, idxs in zip(gammas, self.gammas, self.rows.gamma_groups):
            for g, idx in zip(grp, idxs):
                if g.value is not None:
                    full[np.ix_(idx, idx)] = g.value
        theta = np.zeros(len(self.rows.lamb_index))
        if self.theta is not None and self.theta.value is not None:
            theta = np.asarray(self.theta.value, float)
        return gammas, theta

    def population_dual(self) -> np.ndarray | None:
        """y = u − v from the multipliers u, v of s ≥ r and s ≥ −r (l1 norm; None without them)."""
        if self.epigraph is None or any(c.dual_value is None for c in self.epigraph):
            return None
        return np.asarray(self.epigraph[0].dual_value, float) - np.asarray(self.epigraph[1].dual_value, float)

    def matrix_dual(self) -> np.ndarray | None:
        """The d×d multiplier Z of the norm cone (spectral: W₋ − W₊; l2: the cone's vector part), or None."""
        if self.cone is None:
            return None
        d = self.dim
        if self.norm == "spectral":
            if any(c.dual_value is None for pair in self.cone for c in pair):
                return None
            z = np.zeros((d, d), complex)
            for sec, (minus, plus) in zip(self.sectors, self.cone):
                z[np.ix_(sec, sec)] = _complex_dual(np.asarray(minus.dual_value)) - _complex_dual(np.asarray(plus.dual_value))
            return z
        if self.cone.dual_value is None:
            return None
        v = np.asarray(self.cone.dual_value[1], float)
        half = v.size // 2
        return -(v[:half] + 1j * v[half:]).reshape(d, d) if half == d * d else None
