r"""The memory-dressed universal Lindblad equation of Nathan & Rudner [1]: a Lindblad equation for a dressed state,
and the near-identity map that takes it back to the physical one.

The ULE (:func:`~lindblad_core.lindblad.master_equations.universal_lindblad`; [2]) is derived from the Redfield
(Bloch–Redfield) equation by a step that is exact up to a total time derivative: the two generators differ by a
super-operator that has no secular part (no element between ρ_cd and ρ_ab with E_a − E_b = E_c − E_d: there the
ULE is the Davies equation, as Redfield is), so that, with L0(ρ) = i[ρ, H_S] of Eq. (18),

.. math::

    \mathcal L_2 - \mathcal L_{ULE} = [\mathcal Z, \mathcal L_0], \qquad
    \langle E_a|\mathcal Z(X)|E_b\rangle = \sum_{cd}
        \frac{(\mathcal L_2 - \mathcal L_{ULE})_{ab,cd}}{i(\omega_{ab} - \omega_{cd})} X_{cd}
    \quad (\omega_{ab} = E_a - E_b;\ \text{zero where } \omega_{ab} = \omega_{cd}),

a bounded ("quasilocal": smooth in the Bohr frequencies, short-ranged in time) super-operator of order one (its
ε² is the coupling of Eq. (21)). [1] calls 1 − ε²𝒵 the *memory-dressing* transformation: if ρ̃ obeys the ULE,
dρ̃/dt = L0ρ̃ + ε² L_ULE ρ̃, then ρ = (1 + ε²𝒵)ρ̃ obeys

.. math::

    \frac{d\rho}{dt} = \mathcal L_0\rho + \epsilon^2\big(\mathcal L_{ULE} + [\mathcal Z, \mathcal L_0]\big)\rho
        + O(\epsilon^4) = \mathcal L_0\rho + \epsilon^2 \mathcal L_2\rho + O(\epsilon^4):

to the order of Eq. (21) the undressed state follows the Redfield equation, with its currents and local
conservation laws, while the dressed one follows a Lindblad equation. [1]'s prescription is to solve the ULE and
apply the inverse dressing (1 + ε²𝒵) to its steady state; the leading-order NESS is then ρ0 + ε²(ρ̃2 + 𝒵ρ0),
whose coherences are Redfield's (Eq. (15)).

:class:`MemoryDressedGenerator` is that description as a generator of the physical state:
L2' = L_ULE + [𝒵, L0], what the table of :mod:`.comparison` evaluates. It is not of GKLS form — its Kossakowski
matrix is Redfield's — so it lies outside the ansatz of Eq. (23) not by breaking Eq. (22) but by leaving the class
of Lindblad equations: the complete positivity belongs to the ULE of ρ̃, and ρ̃ ↦ (1 + ε²𝒵)ρ̃ is not a CP map.

Only the abstract of [1] could be consulted here; 𝒵 is written above in the energy basis from the property the
abstract states (a near-identity transformation, used in the derivation of the ULE, whose inverse turns ULE steady
states into ones with correct currents), which fixes it uniquely up to its secular part (set to zero; it commutes
with L0 and does not enter L2').

References
----------
.. [1] F. Nathan and M. S. Rudner, "Quantifying the accuracy of steady states obtained from the universal Lindblad
   equation", arXiv:2206.02917.
.. [2] F. Nathan and M. S. Rudner, "Universal Lindblad equation for open quantum systems", Phys. Rev. B 102,
   115109 (2020).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from lindblad_core.lindblad.generators import LindbladForm, RedfieldGenerator, redfield_of
from lindblad_core.redfield_equation import Redfield, SUPEROPERATOR_MAX_DIM, coupling_support

__all__ = ["MemoryDressedGenerator", "memory_dressed", "redfield_minus_lindblad"]

# Bohr-frequency differences below this (relative to max(1, max|E|)) are zero: the secular elements, which 𝒵
# leaves out (the relative scale of master_equations.SECULAR_RTOL).
DRESSING_SECULAR_RTOL = 1e-9


def _pairs(x: np.ndarray, y: np.ndarray, d: int):
    """Row, column and value of the super-operator ρ ↦ XρY† (row-major vec): entry ((a,b), (c,e)) = X_ac conj(Y_be),
    over the non-zero elements of X and Y."""
    xa, xc = np.nonzero(coupling_support(x))
    yb, ye = np.nonzero(coupling_support(y))
    n, m = len(xa), len(yb)
    rows = (np.repeat(xa, m) * d + np.tile(yb, n))
    cols = (np.repeat(xc, m) * d + np.tile(ye, n))
    vals = np.repeat(x[xa, xc], m) * np.tile(np.conj(y[yb, ye]), n)
    return rows, cols, vals


def _sandwich_sum(terms, d: int) -> sp.csr_matrix:
    """Σ over (X, Y, weight) of weight · (ρ ↦ XρY†) as a sparse d²×d² matrix (duplicates summed)."""
    out = sp.csr_matrix((d * d, d * d), dtype=complex)
    for x, y, w in terms:
        rows, cols, vals = _pairs(x, y, d)
        out = out + sp.csr_matrix((w * vals, (rows, cols)), shape=(d * d, d * d))
    return out


def redfield_minus_lindblad(red: Redfield, form: LindbladForm) -> sp.csr_matrix:
    r"""L2 − L' as a sparse d²×d² matrix (energy basis, row-major vec), for a LindbladForm L'.

    Both are written as Σ X ρ Y† + Wρ + ρW†: Redfield with (B_ℓ, S_ℓ), (S_ℓ, B_ℓ), (S_ℓ†, A_ℓ†), (A_ℓ†, S_ℓ†) and
    W = −(Q + P†) (:class:`~lindblad_core.lindblad.generators.RedfieldGenerator`), L' with (√r_j L_j, √r_j L_j) and
    W = −½ Σ r_j L_j†L_j − iH_LS. Sparse because the couplings are: the pairs of non-zero elements only.

    Parameters
    ----------
    red : Redfield
    form : LindbladForm on the same system.

    Returns
    -------
    scipy.sparse.csr_matrix, complex.

    Examples
    --------
    >>> from lindblad_core.lindblad.game import geometric_arithmetic
    >>> from lindblad_core.redfield_equation import redfield
    >>> from lindblad_core.systems.chain import ChainSetup
    >>> red = redfield(ChainSetup(n_left=1, n_middle=0, n_right=1, g=0.0, bias=0.5, beta_left=1.0,
    ...                           beta_right=0.5))
    >>> float(abs(redfield_minus_lindblad(red, geometric_arithmetic(red))).max()) < 1e-14  # one frequency each
    True
    """
    d = red.dim
    s, a, b = red.coupling, red.a_ops, red.b_ops
    sd, ad = (np.conj(np.swapaxes(x, 1, 2)) for x in (s, a))
    terms = []
    for ell in range(s.shape[0]):
        terms += [(b[ell], s[ell], 1.0), (s[ell], b[ell], 1.0), (sd[ell], ad[ell], 1.0), (ad[ell], sd[ell], 1.0)]
    terms += [(lj, lj, -r) for lj, r in zip(form.jumps, form.rates)]
    p_op = np.tensordot(a, sd, axes=([0, 2], [0, 1]))
    q_op = np.tensordot(sd, b, axes=([0, 2], [0, 1]))
    decay = np.tensordot(form.rates[:, None, None] * form.jumps.conj(), form.jumps, axes=([0, 1], [0, 1]))
    w = -(q_op + p_op.conj().T) + 0.5 * decay + 1j * form.hamiltonian
    eye = sp.identity(d, dtype=complex, format="csr")
    w_sp = sp.csr_matrix(w)
    return _sandwich_sum(terms, d) + sp.kron(w_sp, eye, format="csr") + sp.kron(eye, w_sp.conj(), format="csr")


@dataclass(frozen=True, eq=False)
class MemoryDressedGenerator:
    r"""The generator of the undressed (physical) state of the memory-dressed ULE [1], L2' = L_ULE + [𝒵, L0]
    (module docstring), with the interface of :class:`~lindblad_core.lindblad.generators.LindbladForm`.

    Attributes
    ----------
    ule : LindbladForm, the Lindblad equation of the dressed state ρ̃.
    red : Redfield, whose dissipator the dressing reproduces.
    name : str, "memory_dressed".
    notes : str
    """

    ule: LindbladForm
    red: Redfield
    name: str = "memory_dressed"
    notes: str = ("memory-dressed universal Lindblad equation (Nathan & Rudner, arXiv:2206.02917): the ULE's "
                  "generator plus [Z, L0], Z its dressing super-operator")

    def __post_init__(self):
        if self.ule.system is not self.red.system:
            raise ValueError("ule and red must describe the same OpenSystem")

    @property
    def system(self):
        return self.red.system

    @property
    def dim(self) -> int:
        return self.red.dim

    @cached_property
    def _omega(self) -> np.ndarray:
        """ω_ab = E_a − E_b, flattened row-major (L0 is multiplication by −iω on the energy basis)."""
        e = self.red.energies
        return (e[:, None] - e[None, :]).ravel()

    @cached_property
    def _split(self):
        """(𝒵, the secular part of L2 − L_ULE) as sparse matrices, and max |L2 − L_ULE|."""
        diff = redfield_minus_lindblad(self.red, self.ule).tocoo()
        gap = self._omega[diff.row] - self._omega[diff.col]
        tol = DRESSING_SECULAR_RTOL * max(1.0, float(np.max(np.abs(self.red.energies))))
        secular = np.abs(gap) <= tol
        shape = diff.shape
        zeta = sp.csr_matrix((diff.data[~secular] / (1j * gap[~secular]),
                              (diff.row[~secular], diff.col[~secular])), shape=shape)
        residual = sp.csr_matrix((diff.data[secular], (diff.row[secular], diff.col[secular])), shape=shape)
        return zeta, residual, float(np.max(np.abs(diff.data), initial=0.0))

    @property
    def dressing(self) -> sp.csr_matrix:
        r"""𝒵 as a sparse d²×d² matrix (energy basis, row-major vec): ρ = ρ̃ + ε² 𝒵ρ̃ undoes the memory dressing."""
        return self._split[0]

    def secular_residual(self) -> float:
        r"""max |(L2 − L_ULE)_{ab,cd}| over the secular elements (ω_ab = ω_cd), relative to max |L2 − L_ULE|: the
        part of Redfield that no dressing can reach (zero to rounding for the ULE with its Lamb shift)."""
        _, residual, top = self._split
        return float(abs(residual).max() / top) if top > 0 else 0.0

    def undress(self, rho_tilde: np.ndarray, epsilon: float) -> np.ndarray:
        r"""ρ = (1 + ε²𝒵) ρ̃: a state of the ULE (energy basis) mapped to the physical state at coupling ε."""
        rho_tilde = np.asarray(rho_tilde)
        d = self.dim
        return rho_tilde + epsilon**2 * (self.dressing @ rho_tilde.ravel()).reshape(d, d)

    @cached_property
    def _commutator(self) -> sp.csr_matrix:
        r"""[𝒵, L0] as a sparse matrix: entry (r, c) = i(ω_r − ω_c) 𝒵_rc."""
        zeta = self.dressing.tocoo()
        gap = self._omega[zeta.row] - self._omega[zeta.col]
        return sp.csr_matrix((1j * gap * zeta.data, (zeta.row, zeta.col)), shape=zeta.shape)

    def apply(self, rho: np.ndarray) -> np.ndarray:
        """L2'(ρ) for any d×d matrix ρ in the energy basis."""
        rho = np.asarray(rho)
        d = self.dim
        return self.ule.apply(rho) + (self._commutator @ rho.ravel()).reshape(d, d)

    def adjoint(self, op: np.ndarray) -> np.ndarray:
        """L2'†(O), Tr[O L2'(ρ)] = Tr[L2'†(O) ρ]."""
        op = np.asarray(op)
        d = self.dim
        extra = (self._commutator.T @ op.T.ravel()).reshape(d, d).T
        return self.ule.adjoint(op) + extra

    def superoperator(self) -> np.ndarray:
        """L2' as a dense d²×d² matrix (energy basis, row-major vec)."""
        if self.dim > SUPEROPERATOR_MAX_DIM:
            raise ValueError(f"superoperator: d = {self.dim} exceeds SUPEROPERATOR_MAX_DIM = {SUPEROPERATOR_MAX_DIM}")
        return self.ule.superoperator() + self._commutator.toarray()

    def rate_matrix(self) -> np.ndarray:
        """The population block (Eq. (B5)): the ULE's, since [𝒵, L0] vanishes between populations."""
        return self.ule.rate_matrix()

    def kossakowski(self):
        r"""(operators, coefficient matrix) of the dissipator of L2': Redfield's.

        The gains of L_ULE + [𝒵, L0] are the ULE's plus the non-secular gains of L2 − L_ULE, i.e. Redfield's
        gains minus their secular difference, which vanishes (the ULE's secular part is the Davies equation, as
        Redfield's is: :meth:`secular_residual`)."""
        return RedfieldGenerator(self.red).kossakowski()


def memory_dressed(ule: LindbladForm) -> MemoryDressedGenerator:
    r"""The memory-dressed ULE [1]: the ULE ``ule`` for the dressed state and L2' = L_ULE + [𝒵, L0] for the physical
    one (module docstring).

    Parameters
    ----------
    ule : LindbladForm
        The universal Lindblad equation of the system
        (:func:`~lindblad_core.lindblad.master_equations.universal_lindblad`, with its Lamb shift: without it the
        secular Lamb shift is missing and stays missing, see
        :meth:`MemoryDressedGenerator.secular_residual`).

    Returns
    -------
    MemoryDressedGenerator

    Examples
    --------
    >>> from lindblad_core.lindblad.master_equations import universal_lindblad
    >>> from lindblad_core.systems.chain import ChainSetup
    >>> gen = memory_dressed(universal_lindblad(ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.05,
    ...                                                    beta_left=1.0, beta_right=0.5)))
    >>> gen.secular_residual() < 1e-10
    True
    """
    if not isinstance(ule, LindbladForm):
        raise ValueError(f"ule must be a LindbladForm (the universal Lindblad equation), got {type(ule).__name__}")
    return MemoryDressedGenerator(ule=ule, red=redfield_of(ule.system))
