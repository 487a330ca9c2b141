r"""Second-order generators L2' of dρ/dt = i[ρ, H_S] + ε² L2'(ρ) (Eq. (21)), in the energy eigenbasis.

:class:`LindbladForm` holds a Lindbladian by its jump operators, rates and Lamb shift (any master equation of GKLS
form); :class:`RedfieldGenerator` is the Redfield dissipator L2 itself with the same interface. Both act on
matrices, give their d²×d² super-operator and their Kossakowski matrix, so that the equations of
:mod:`.master_equations` can be compared with each other and with the SDPs (:mod:`.comparison`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from lindblad_core.lindblad.candidate import LindbladCandidate
from lindblad_core.redfield_equation import (l2, l2_superoperator, rate_matrix, Redfield, redfield,
                                             SUPEROPERATOR_MAX_DIM)
from lindblad_core.systems.open_system import OpenSystem

# A jump with n non-zero elements is applied through its n² element pairs when SPARSE_JUMP_FACTOR n² < d³
# (two dense d×d products cost ~d³ each, a gathered pair ~SPARSE_JUMP_FACTOR/2 times a BLAS multiply-add).
SPARSE_JUMP_FACTOR = 8.0



def sum_of_products(rows, cols, values, weights, n_rows: int, d: int) -> np.ndarray:
    r"""Σ_r w_r conj(J[r, b]) J[r, b'] (a d×d matrix, J†WJ) for the sparse n_rows × d matrix J with the elements
    ``values`` at (``rows``, ``cols``) and the row weights w given per element (``weights``, equal within a row):
    e.g. Σ_j r_j L_j†L_j with the rows (j, a) of the stacked jumps."""
    from scipy.sparse import csr_matrix

    j = csr_matrix((values, (rows, cols)), shape=(n_rows, d))
    jw = csr_matrix((weights * values, (rows, cols)), shape=(n_rows, d))
    return np.asarray((j.conj().T @ jw).toarray())



@dataclass(frozen=True, eq=False)
class LindbladForm:
    r"""A generator in Lindblad form, in the energy eigenbasis of H_S (Eq. (1)):

    .. math::

        \mathcal L_2'(\rho) = i[\rho, H_{LS}] + \sum_j r_j \big(L_j\rho L_j^\dagger
            - \tfrac12\{L_j^\dagger L_j, \rho\}\big).

    Attributes
    ----------
    name : str
        Which equation ("secular", "ule", "partial_secular", "local", ...).
    system : OpenSystem
    jumps : (m, d, d) array
        Jump operators L_j, energy basis.
    rates : (m,) array
        Rates r_j (≥ 0 for every equation built here; a negative one makes the map non-CP).
    hamiltonian : (d, d) array
        Lamb-shift Hamiltonian H_LS (energy basis); zero when the equation omits it.
    notes : str
        The approximation and its Lamb-shift convention, in words.
    """

    name: str
    system: OpenSystem
    jumps: np.ndarray
    rates: np.ndarray
    hamiltonian: np.ndarray
    notes: str = ""

    def __post_init__(self):
        d = self.system.dim
        jumps = np.asarray(self.jumps)
        if jumps.ndim != 3 or jumps.shape[1:] != (d, d):
            raise ValueError(f"jumps must have shape (m, {d}, {d}), got {jumps.shape}")
        rates = np.asarray(self.rates, dtype=float)
        if rates.shape != (jumps.shape[0],) or not np.all(np.isfinite(rates)):
            raise ValueError(f"rates must be {jumps.shape[0]} finite numbers, got shape {rates.shape}")
        h = np.asarray(self.hamiltonian)
        if h.shape != (d, d) or np.max(np.abs(h - h.conj().T), initial=0.0) > 1e-12 * max(1.0, np.abs(h).max()):
            raise ValueError(f"hamiltonian must be a Hermitian {d}x{d} matrix")
        object.__setattr__(self, "jumps", jumps)
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "hamiltonian", 0.5 * (h + h.conj().T))

    @property
    def dim(self) -> int:
        return self.system.dim

    @cached_property
    def _entries(self):
        """The non-zero elements of the jumps, (j, a, b, L_j[a, b]) in row-major order, and per jump whether it
        is applied through its element pairs: n non-zero elements with ``SPARSE_JUMP_FACTOR`` n² < d³."""
        j_e, a_e, b_e = np.nonzero(self.jumps)
        nnz = np.bincount(j_e, minlength=len(self.rates))
        sparse = SPARSE_JUMP_FACTOR * nnz.astype(float) ** 2 < float(self.dim) ** 3
        return j_e, a_e, b_e, self.jumps[j_e, a_e, b_e], sparse

    @cached_property
    def _decay(self) -> np.ndarray:
        """G = Σ_j r_j L_j† L_j (the anticommutator term): the sparse jumps through their non-zero elements
        (G[b, b'] = Σ r_j conj(L_j[a, b]) L_j[a, b'] over the pairs in one row a), the others dense."""
        j_e, a_e, b_e, v_e, sparse = self._entries
        dense = np.flatnonzero(~sparse)
        lj = self.jumps[dense]
        out = np.tensordot(self.rates[dense, None, None] * lj.conj(), lj, axes=([0, 1], [0, 1]))
        keep = sparse[j_e]
        if np.any(keep):
            out = out + sum_of_products(j_e[keep] * self.dim + a_e[keep], b_e[keep], v_e[keep],
                                        self.rates[j_e[keep]], len(self.rates) * self.dim, self.dim)
        return out

    @cached_property
    def _split(self):
        """Jumps with few non-zero elements (the secular ones) as element pairs, the others dense.

        For a sparse jump, (L ρ L†)[a, a'] = Σ L[a, b] ρ[b, b'] conj(L[a', b']) over the pairs of its
        non-zero elements: n² products instead of two d×d matrix products (``SPARSE_JUMP_FACTOR``).
        """
        d = self.dim
        j_all, a_all, b_all, v_all, sparse = self._entries
        dense = np.flatnonzero(~sparse)
        keep = sparse[j_all]
        j_e, a_e, b_e, v_e = j_all[keep], a_all[keep], b_all[keep], v_all[keep]
        starts = np.searchsorted(j_e, np.arange(len(self.rates) + 1))
        first, second = [], []
        for lo, hi in zip(starts[:-1], starts[1:]):
            if hi > lo:
                idx = np.arange(lo, hi)
                first.append(np.repeat(idx, hi - lo))
                second.append(np.tile(idx, hi - lo))
        e1 = np.concatenate(first) if first else np.zeros(0, dtype=int)
        e2 = np.concatenate(second) if second else np.zeros(0, dtype=int)
        coef = self.rates[j_e[e1]] * v_e[e1] * np.conj(v_e[e2])
        return dense, (a_e[e1] * d + a_e[e2], b_e[e1], b_e[e2], coef), (b_e[e1] * d + b_e[e2], a_e[e1], a_e[e2])

    def _pairs_sum(self, flat_out, x_rows, x_cols, coef, x):
        d = self.dim
        vals = coef * x[x_rows, x_cols]
        out = np.bincount(flat_out, weights=vals.real, minlength=d * d).astype(complex)
        out += 1j * np.bincount(flat_out, weights=vals.imag, minlength=d * d)
        return out.reshape(d, d)

    def apply(self, rho: np.ndarray) -> np.ndarray:
        """L2'(ρ) for ρ (any d×d matrix) in the energy basis."""
        rho = np.asarray(rho)
        h, g = self.hamiltonian, self._decay
        dense, (flat, rows, cols, coef), _ = self._split
        lj = self.jumps[dense]
        out = 1j * (rho @ h - h @ rho) - 0.5 * (g @ rho + rho @ g) + self._pairs_sum(flat, rows, cols, coef, rho)
        return out + np.sum((self.rates[dense, None, None] * lj) @ rho @ np.conj(np.swapaxes(lj, 1, 2)), axis=0)

    def adjoint(self, op: np.ndarray) -> np.ndarray:
        r"""The Heisenberg-picture map L2'†(O), Tr[O L2'(ρ)] = Tr[L2'†(O) ρ]:
        i[H_LS, O] + Σ_j r_j (L_j† O L_j − ½{L_j†L_j, O})."""
        op = np.asarray(op)
        h, g = self.hamiltonian, self._decay
        dense, (_, _, _, coef), (flat, rows, cols) = self._split
        lj = self.jumps[dense]
        out = 1j * (h @ op - op @ h) - 0.5 * (g @ op + op @ g) + self._pairs_sum(flat, rows, cols, coef.conj(), op)
        return out + np.sum(np.conj(np.swapaxes(lj, 1, 2)) @ op @ (self.rates[dense, None, None] * lj), axis=0)

    def superoperator(self) -> np.ndarray:
        """L2' as a d²×d² matrix, energy basis, row-major vec (as :func:`lindblad_core.redfield_equation.l2_superoperator`)."""
        d = self.dim
        if d > SUPEROPERATOR_MAX_DIM:
            raise ValueError(f"superoperator: d = {d} exceeds SUPEROPERATOR_MAX_DIM = {SUPEROPERATOR_MAX_DIM}")
        eye = np.eye(d)
        h, g = self.hamiltonian, self._decay
        sup = -1j * np.kron(h, eye) + 1j * np.kron(eye, h.T) - 0.5 * (np.kron(g, eye) + np.kron(eye, g.T))
        lj = self.jumps.reshape(len(self.rates), d * d)
        # Σ_j r_j kron(L_j, conj(L_j)): entry [(a,c), (b,e)] = Σ_j r_j L_j[a,b] conj(L_j[c,e])
        t = ((self.rates[:, None] * lj).T @ lj.conj()).reshape(d, d, d, d)
        return sup + t.transpose(0, 2, 1, 3).reshape(d * d, d * d)

    def rate_matrix(self) -> np.ndarray:
        """W'[k, m] = <E_k|L2'(|E_m><E_m|)|E_k> (Eq. (B5)); H_LS drops out."""
        d = self.dim
        j_e, a_e, b_e, v_e, _ = self._entries
        w = np.bincount(a_e * d + b_e, weights=self.rates[j_e] * np.abs(v_e) ** 2, minlength=d * d).reshape(d, d)
        return w - np.diag(w.sum(axis=0))

    def kossakowski(self):
        """(operators, coefficient matrix) of the dissipator: here the jumps and diag(rates)."""
        return self.jumps, np.diag(self.rates)



@dataclass(frozen=True, eq=False)
class RedfieldGenerator:
    r"""The physical Redfield dissipator L2 (Eqs. (38)–(40), :mod:`lindblad_core.redfield_equation`) with the interface of
    :class:`LindbladForm`. In terms of the operators of Eq. (40),

    .. math::

        \mathcal L_2(\rho) = \sum_\ell \big(B_\ell\rho S_\ell^\dagger + S_\ell\rho B_\ell^\dagger
            + S_\ell^\dagger\rho A_\ell + A_\ell^\dagger\rho S_\ell\big) - Q\rho - \rho Q^\dagger
            - P^\dagger\rho - \rho P,

    P = Σ A_ℓ S_ℓ†, Q = Σ S_ℓ† B_ℓ: a Kossakowski matrix [[0, 1], [1, 0]] on the pairs (B_ℓ, S_ℓ),
    (S_ℓ†, A_ℓ†), which is not positive semidefinite in general (Refs. [16–19] of the paper).
    """

    red: Redfield
    name: str = "redfield"
    notes: str = "Redfield equation (Eqs. (38)-(41)) with the principal values of Eq. (41) (its Lamb shift)"

    @property
    def system(self) -> OpenSystem:
        return self.red.system

    @property
    def dim(self) -> int:
        return self.red.dim

    def apply(self, rho: np.ndarray) -> np.ndarray:
        return l2(self.red, rho, basis="energy")

    @cached_property
    def _operators(self):
        s, a, b = self.red.coupling, self.red.a_ops, self.red.b_ops
        sd, ad, bd = (np.conj(np.swapaxes(x, 1, 2)) for x in (s, a, b))
        p_op = np.einsum("lij,ljk->ik", a, sd)
        q_op = np.einsum("lij,ljk->ik", sd, b)
        return s, a, b, sd, ad, bd, p_op, q_op

    def adjoint(self, op: np.ndarray) -> np.ndarray:
        """L2†(O): each term X ρ Y of L2 becomes Y O X."""
        op = np.asarray(op)
        s, a, b, sd, ad, bd, p_op, q_op = self._operators
        out = np.sum(sd @ op @ b + bd @ op @ s + a @ op @ sd + s @ op @ ad, axis=0)
        return out - op @ q_op - q_op.conj().T @ op - p_op @ op - op @ p_op.conj().T

    def superoperator(self) -> np.ndarray:
        return l2_superoperator(self.red)

    def rate_matrix(self) -> np.ndarray:
        return rate_matrix(self.red)

    def kossakowski(self):
        s, a, b, sd, ad, bd, _, _ = self._operators
        n = s.shape[0]
        ops = np.concatenate([b, s, sd, ad])  # F = (B_ℓ…, S_ℓ…, S_ℓ†…, A_ℓ†…)
        eye, zero = np.eye(n), np.zeros((n, n))
        swap = np.block([[zero, eye], [eye, zero]])
        k = np.block([[swap, np.zeros((2 * n, 2 * n))], [np.zeros((2 * n, 2 * n)), swap]])
        return ops, k



def redfield_generator(setup) -> RedfieldGenerator:
    """The Redfield equation of a :class:`~lindblad_core.systems.chain.ChainSetup` (or a Redfield) as a generator."""
    return RedfieldGenerator(redfield_of(setup))



def as_lindblad_form(candidate: LindbladCandidate, name: str = "local") -> LindbladForm:
    r"""A point of the ansatz of Eq. (23) as a :class:`LindbladForm`: per block Γ = Σ_j w_j v_j v_j†,
    jump L_j = Σ_b (v_j)_b F_b at rate w_j, H_LS = Σ_blocks H_LS ⊗ I (as
    :func:`lindblad_core.lindblad.candidate.lindblad_superoperator` does)."""
    system = candidate.ansatz.system
    jumps, rates = [], []
    h = np.zeros((system.dim, system.dim), dtype=complex)
    for b, (f, gam) in enumerate(zip(candidate.ansatz.operators, candidate.gammas)):
        w, v = np.linalg.eigh(0.5 * (gam + gam.conj().T))
        jumps.append(np.tensordot(v.T, f, axes=(1, 0)))
        rates.append(w)
        h += candidate.lamb_shift_energy_basis(b)
    return LindbladForm(name, system, np.concatenate(jumps), np.concatenate(rates), h,
                        notes="a point of the ansatz of Eq. (23)")



def redfield_of(system) -> Redfield:
    """The Redfield equation of an OpenSystem or ChainSetup (cached by :func:`redfield`), or a Redfield as it is."""
    return system if isinstance(system, Redfield) else redfield(system)
