r"""The standard master equations as second-order generators L2', against the SDP optimum (issue #12).

Each equation is written as the ε² part L2' of dρ/dt = i[ρ, H_S] + ε² L2'(ρ) (Eq. (21)), in the energy
eigenbasis of H_S, for the paper's baths (Eqs. (35)–(42)): on every bath site ℓ the coupling
S_ℓ = σ−^(ℓ) exchanges quanta with a bosonic bath, H_SB = Σ_r κ B_r† σ− + h.c., so there are two
independent *channels* per site (⟨B B⟩ = 0 in a thermal state):

* emission, jump operator built from S_ℓ, golden-rule rate function γ_em(ω) = J(ω)(n(ω) + 1),
* absorption, built from S_ℓ†, with γ_abs(ω) = J(ω) n(ω),

with ω = E_γ − E_α the Bohr frequency of the element <E_α|S_ℓ|E_γ> (the energy the system gives away in the
emission) and J of Eq. (36) *including* its 2π: J(ω) = 2π Σ_k |κ_k|² δ(ω − Ω_k) is itself the golden-rule
rate, so a transition |E_γ> → |E_α> goes at J(ω)(n(ω) + 1)|<E_α|S|E_γ>|² (the population block of the
Redfield equation, :func:`lindblad_core.redfield.rate_matrix`). With
S(ω) = Σ_{E_γ − E_α = ω} |E_α><E_α|S|E_γ><E_γ| the Bohr components and the half-sided transforms
D(ω) = γ_em(ω)/2 + i η_em(ω), C(ω) = γ_abs(ω)/2 + i Im C(ω) of Eq. (41) (``baths.coefficients``), the physical
Redfield dissipator (:mod:`lindblad_core.redfield`, B_ℓ = Σ_ω D(ω)S(ω), A_ℓ = Σ_ω C(ω)S(ω)) is

.. math::

    \mathcal L_2(\rho) = \sum_\ell \sum_{\omega\omega'} D(\omega)\big(S(\omega)\rho S(\omega')^\dagger
        - S(\omega')^\dagger S(\omega)\rho\big) + C(\omega)\big(S(\omega')^\dagger\rho S(\omega)
        - \rho S(\omega)S(\omega')^\dagger\big) + \text{h.c.}

The equations (all with ``lamb_shift=True`` by default; ``False`` drops H_LS):

``"redfield"``
    L2 itself (:class:`RedfieldGenerator`): exact populations and coherences at leading order, not CP.
``"local"``
    σ∓ on each bath site at the bare on-site splitting, no Lamb shift: a point of the ansatz of Eq. (23)
    (:func:`lindblad_core.candidate.local_lindblad_candidate`), returned as a
    :class:`~lindblad_core.candidate.LindbladCandidate`.
``"secular"``
    Davies / global Lindblad equation: ω = ω' only. Jumps S(ω) at γ_em(ω), S(ω)† at γ_abs(ω), Lamb shift
    H_LS = Σ_ω η_em(ω) S(ω)†S(ω) − Im C(ω) S(ω)S(ω)†.
``"ule"``
    Universal Lindblad equation (Nathan & Rudner 2020): one jump operator per channel,
    L = Σ_{αγ} g(E_γ − E_α) |E_α><E_α|S|E_γ><E_γ| with g = √γ_em (and likewise √γ_abs for S†), and their
    Lamb shift, computed here (:func:`two_frequency_lamb_shift`).
``"partial_secular"``
    Partial secular approximation (Cattaneo et al. 2019): the Redfield terms with |ω − ω'| ≤ ``width`` are
    kept, the others dropped; made completely positive by evaluating D, C at one frequency ω̄_c per cluster
    of Bohr frequencies (the unified GKLS equation of Trushechkin 2021): jumps S_c = Σ_{ω∈c} S(ω) at
    γ(ω̄_c), H_LS = Σ_c η(ω̄_c) S_c†S_c. ``width → 0`` is the secular equation, ``width → ∞`` the local
    one (one cluster per site, S_c = σ−^(ℓ)).

2π conventions. Whatever the normalisation of the bath spectral function, the ULE's g(ω)² must be the
golden-rule rate function (|L_mn|² is the rate n → m). Nathan & Rudner normalise J_NR(ω) as the Fourier
transform of the bath correlation function with a 1/(2π) and take g = √(2π J_NR); here J of Eq. (36) already
carries the 2π and is itself that rate: 2π J_NR(ω) ↔ J(ω)(n(ω)+1) on the emission channel (J(ω) n(ω) on
the absorption one), i.e. g(ω) = √(J(ω)(n(ω)+1)). Their overall coupling γ is our ε² (Eq. (21)).
``tests/test_master_equations.py`` checks |L_mn|² against J(n+1)|<m|σ−|n>|² computed from Eq. (42).

References
----------
.. [1] F. Nathan and M. S. Rudner, "Universal Lindblad equation for open quantum systems",
   Phys. Rev. B 102, 115109 (2020).
.. [2] M. Cattaneo, G. L. Giorgi, S. Maniscalco and R. Zambrini, "Local versus global master equation with
   common and separate baths: superiority of the global approach in partial secular approximation",
   New J. Phys. 21, 113045 (2019).
.. [3] A. Trushechkin, "Unified Gorini-Kossakowski-Lindblad-Sudarshan quantum master equation beyond the
   secular approximation", Phys. Rev. A 103, 062226 (2021).
.. [4] H.-P. Breuer and F. Petruccione, *The Theory of Open Quantum Systems* (OUP, 2002), Sec. 3.3.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .baths import PV_CUTOFF_MULT, Bath, coefficients, occupation, principal_value, spectral_density
from .ansatz import Ansatz, paper_blocks
from .candidate import LindbladCandidate, l2_prime, local_lindblad_candidate, population_rates
from .model import SIGMA_X, SIGMA_Y, SIGMA_Z, System, site_operator
from .redfield import (COUPLING_ATOL, SUPEROPERATOR_MAX_DIM, Redfield, l2, l2_superoperator, populations,
                       rate_matrix, stationary_populations)

log = logging.getLogger(__name__)

__all__ = [
    "EQUATIONS",
    "COLUMNS",
    "PAPER_EPSILON",
    "LindbladForm",
    "RedfieldGenerator",
    "redfield_generator",
    "local_lindblad",
    "secular_lindblad",
    "universal_lindblad",
    "partial_secular_lindblad",
    "partial_secular_width",
    "master_equation",
    "as_lindblad_form",
    "two_frequency_lamb_shift",
    "channel_amplitudes",
    "bohr_clusters",
    "tau_pop_of",
    "tau_pop_coh_of",
    "continuity_violation",
    "zeroth_order_populations",
    "kossakowski_min_eigenvalue",
    "is_completely_positive",
    "evaluate",
    "master_equation_records",
    "master_equation_table",
]

EQUATIONS = ("redfield", "local", "secular", "ule", "partial_secular")
COLUMNS = ("equation", "n_left", "n_middle", "n_right", "g", "beta_left", "beta_right", "tau_pop", "tau_pop_coh",
           "continuity_violation", "trace_distance", "completely_positive")
# ε of Eq. (21) in the paper's figures (Table I caption): only used to set the default cluster width of the
# partial secular equation, which compares Bohr-frequency differences with the relaxation rates ε² W.
PAPER_EPSILON = 0.01
# Bohr frequencies closer than this (relative to max(1, max|E|)) are one frequency of the secular equation:
# eigenvalue differences that agree up to rounding (the XXZ chain has many exactly equal ones). The same
# relative scale as system.DEGENERACY_RTOL; the chains of the paper's grids have no genuine Bohr-frequency
# splitting below 1e-6.
SECULAR_RTOL = 1e-9
# Kossakowski eigenvalues above −KOSSAKOWSKI_RTOL · (largest |eigenvalue|) count as non-negative (rounding).
KOSSAKOWSKI_RTOL = 1e-12
# A jump with n non-zero elements is applied through its n² element pairs when SPARSE_JUMP_FACTOR n² < d³
# (two dense d×d products cost ~d³ each, a gathered pair ~SPARSE_JUMP_FACTOR/2 times a BLAS multiply-add).
SPARSE_JUMP_FACTOR = 8.0
# Bohr-frequency differences Δ that agree to this many significant digits share one principal-value
# integrand in two_frequency_lamb_shift (as baths._DEDUP_DIGITS for single frequencies).
_DEDUP_DIGITS = 12


# -- the generators --------------------------------------------------------------------------------------

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
    system : System
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
    system: System
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
    def _decay(self) -> np.ndarray:
        """G = Σ_j r_j L_j† L_j (the anticommutator term)."""
        lj = self.jumps
        return np.tensordot(self.rates[:, None, None] * lj.conj(), lj, axes=([0, 1], [0, 1]))

    @cached_property
    def _split(self):
        """Jumps with few non-zero elements (the secular ones) as element pairs, the others dense.

        For a sparse jump, (L ρ L†)[a, a'] = Σ L[a, b] ρ[b, b'] conj(L[a', b']) over the pairs of its
        non-zero elements: n² products instead of two d×d matrix products (``SPARSE_JUMP_FACTOR``).
        """
        d = self.dim
        nnz = np.count_nonzero(self.jumps.reshape(len(self.rates), -1), axis=1)
        sparse = SPARSE_JUMP_FACTOR * nnz.astype(float) ** 2 < float(d) ** 3
        dense = np.flatnonzero(~sparse)
        j_e, a_e, b_e = np.nonzero(self.jumps * sparse[:, None, None])
        v_e = self.jumps[j_e, a_e, b_e]
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
        """L2' as a d²×d² matrix, energy basis, row-major vec (as :func:`lindblad_core.redfield.l2_superoperator`)."""
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
        w = np.tensordot(self.rates, np.abs(self.jumps) ** 2, axes=1)
        return w - np.diag(w.sum(axis=0))

    def kossakowski(self):
        """(operators, coefficient matrix) of the dissipator: here the jumps and diag(rates)."""
        return self.jumps, np.diag(self.rates)


@dataclass(frozen=True, eq=False)
class RedfieldGenerator:
    r"""The physical Redfield dissipator L2 (Eqs. (38)–(40), :mod:`lindblad_core.redfield`) with the interface of
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
    def system(self) -> System:
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
    """The Redfield equation of a :class:`~lindblad_core.chain.ChainSetup` (or a Redfield) as a generator."""
    return RedfieldGenerator(_redfield_of(setup))


def as_lindblad_form(candidate: LindbladCandidate, name: str = "local") -> LindbladForm:
    r"""A point of the ansatz of Eq. (23) as a :class:`LindbladForm`: per block Γ = Σ_j w_j v_j v_j†,
    jump L_j = Σ_b (v_j)_b F_b at rate w_j, H_LS = Σ_blocks H_LS ⊗ I (as
    :func:`lindblad_core.candidate.lindblad_superoperator` does)."""
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


def _redfield_of(setup) -> Redfield:
    from .chain import ChainSetup

    if isinstance(setup, ChainSetup):
        return setup.redfield
    if isinstance(setup, Redfield):
        return setup
    raise ValueError(f"expected a ChainSetup or Redfield, got {type(setup).__name__}")


def local_lindblad(setup, *, blocks="left,right", trace: float | None = None) -> LindbladCandidate:
    r"""The local Lindblad equation: σ−^(ℓ), σ+^(ℓ) on every bath site at J(ω_ℓ)(n(ω_ℓ)+1), J(ω_ℓ)n(ω_ℓ), with
    ω_ℓ the bare on-site splitting and no Lamb shift (:func:`lindblad_core.candidate.local_lindblad_candidate`).

    Parameters
    ----------
    setup : ChainSetup
    blocks : "left,right" (default) or "left", as :func:`lindblad_core.ansatz.paper_blocks`
    trace : float or None
        None (default): the physical rates. A number rescales each block to Tr Γ_b = ``trace``, the
        normalisation of Eqs. (29), (33) (τ^pop is homogeneous of degree one in Γ).

    Returns
    -------
    LindbladCandidate, a point of Eq. (23): it satisfies Eq. (22) by construction.
    """
    red = _redfield_of(setup)
    ansatz = Ansatz(red.system, paper_blocks(setup, blocks))
    return local_lindblad_candidate(ansatz, red, trace=trace)


# -- channels and Bohr frequencies ------------------------------------------------------------------

def _bohr_frequencies(red: Redfield) -> np.ndarray:
    """ω[α, γ] = E_γ − E_α, the frequency of <E_α|S|E_γ> (as in :func:`lindblad_core.redfield.redfield`)."""
    e = red.energies
    return e[None, :] - e[:, None]


def bohr_clusters(omega: np.ndarray, width: float) -> np.ndarray:
    """Single-linkage clusters of frequencies: sorted neighbours closer than or equal to ``width`` share a label.

    Parameters
    ----------
    omega : 1-d array of float
    width : float ≥ 0

    Returns
    -------
    labels : int array, same shape, 0 … n_clusters − 1 in ascending frequency.
    """
    omega = np.asarray(omega, dtype=float)
    if np.isnan(width) or width < 0:
        raise ValueError(f"width must be >= 0, got width={width!r}")
    order = np.argsort(omega, kind="stable")
    new = np.concatenate([[0], (np.diff(omega[order]) > width).astype(int)])
    labels = np.empty(omega.shape, dtype=int)
    labels[order] = np.cumsum(new)
    return labels


def _channel_elements(red: Redfield, ell: int):
    """Non-zero elements (α, γ) of S_ℓ in the energy basis and their Bohr frequencies."""
    mask = np.abs(red.coupling[ell]) > COUPLING_ATOL
    rows, cols = np.nonzero(mask)
    return rows, cols, _bohr_frequencies(red)[rows, cols]


def _clustered_lindblad(red: Redfield, width: float, lamb_shift: bool, name: str, notes: str) -> LindbladForm:
    r"""Jumps S_c = Σ_{ω∈c} S(ω) at γ_em(ω̄_c) and S_c† at γ_abs(ω̄_c) for clusters c of the Bohr frequencies of
    each S_ℓ (``bohr_clusters`` with ``width``); ω̄_c is the mean of the cluster's distinct frequencies.
    H_LS = Σ_c Im D(ω̄_c) S_c†S_c − Im C(ω̄_c) S_c S_c† (Breuer & Petruccione Eq. (3.142) with the
    half-sided transforms of Eq. (41) at ω̄_c)."""
    d = red.dim
    s_e = red.coupling
    jumps, rates = [], []
    h = np.zeros((d, d), dtype=complex)
    for ell, bath in enumerate(red.baths):
        rows, cols, om = _channel_elements(red, ell)
        labels = bohr_clusters(om, width)
        n_c = labels.max(initial=-1) + 1
        bar = np.array([np.mean(np.unique(om[labels == c])) for c in range(n_c)])
        c_bar, d_bar = coefficients(bar, bath)
        ops = np.zeros((n_c, d, d), dtype=s_e.dtype)
        ops[labels, rows, cols] = s_e[ell, rows, cols]
        ops_d = np.conj(np.swapaxes(ops, 1, 2))
        jumps += [ops, ops_d]
        rates += [2.0 * d_bar.real, 2.0 * c_bar.real]
        if lamb_shift:
            h += np.tensordot(d_bar.imag[:, None, None] * ops.conj(), ops, axes=([0, 1], [0, 1]))  # Σ Im D S_c†S_c
            h -= np.tensordot(c_bar.imag[:, None, None] * ops, ops.conj(), axes=([0, 2], [0, 2]))  # Σ Im C S_c S_c†
    return LindbladForm(name, red.system, np.concatenate(jumps), np.concatenate(rates), h, notes)


def _secular_width(red: Redfield) -> float:
    return SECULAR_RTOL * max(1.0, float(np.max(np.abs(red.energies))))


def secular_lindblad(setup, *, lamb_shift: bool = True) -> LindbladForm:
    r"""The global secular (Davies) Lindblad equation [4]:

    .. math::

        \mathcal L_2'(\rho) = -i[H_{LS}, \rho] + \sum_{\ell,\omega} \gamma^\ell_{em}(\omega)
            \mathcal D[S_\ell(\omega)]\rho + \gamma^\ell_{abs}(\omega)\mathcal D[S_\ell(\omega)^\dagger]\rho,
        \quad H_{LS} = \sum_{\ell,\omega} \mathrm{Im}D_\ell(\omega) S_\ell(\omega)^\dagger S_\ell(\omega)
            - \mathrm{Im}C_\ell(\omega) S_\ell(\omega) S_\ell(\omega)^\dagger,

    D[L]ρ = LρL† − ½{L†L, ρ}, γ_em = J(n+1) = 2 Re D, γ_abs = J n = 2 Re C, ω over the distinct Bohr
    frequencies of S_ℓ (equal to rounding: ``SECULAR_RTOL``). It is the part of the Redfield superoperator
    that connects ρ_ab to ρ_cd with E_a − E_b = E_c − E_d (``tests/test_master_equations.py``).

    Parameters
    ----------
    setup : ChainSetup or Redfield
    lamb_shift : bool
        Include H_LS (default). It commutes with H_S, so it changes neither τ^pop nor τ^pop,coh nor the
        NESS; only the continuity violation.
    """
    red = _redfield_of(setup)
    notes = "global secular (Davies) equation, " + ("with" if lamb_shift else "without") + " its Lamb shift"
    return _clustered_lindblad(red, _secular_width(red), lamb_shift, "secular", notes)


def partial_secular_width(setup, epsilon: float = PAPER_EPSILON) -> float:
    r"""Default cluster width of :func:`partial_secular_lindblad`: ε² max_k |W_kk|, the fastest relaxation rate
    of the Redfield rate matrix W at coupling ε (Cattaneo et al.'s criterion [2]: a pair of Bohr frequencies
    must be treated together when their difference is not large against the relaxation rates)."""
    red = _redfield_of(setup)
    epsilon = float(epsilon)
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be finite and > 0, got epsilon={epsilon!r}")
    return epsilon**2 * float(np.max(np.abs(np.diag(rate_matrix(red)))))


def partial_secular_lindblad(setup, *, width: float | None = None, lamb_shift: bool = True) -> LindbladForm:
    r"""Partial secular approximation [2] in the completely positive, unified form of [3].

    The Bohr frequencies of each S_ℓ are grouped into clusters (single linkage: neighbours at most ``width``
    apart). Redfield terms S(ω)ρS(ω')† with ω, ω' in one cluster are kept, the others dropped (the partial
    secular approximation of [2]), and D, C are evaluated at the cluster's mean frequency ω̄_c, which makes
    the kept terms a Lindblad form with one jump per cluster [3]:

    .. math::

        \mathcal L_2'(\rho) = -i[H_{LS}, \rho] + \sum_{\ell,c} \gamma_{em}(\bar\omega_c)\mathcal D[S_c]\rho
            + \gamma_{abs}(\bar\omega_c)\mathcal D[S_c^\dagger]\rho, \qquad
        S_c = \sum_{\omega\in c} S_\ell(\omega),

    H_LS = Σ_c Im D(ω̄_c) S_c†S_c − Im C(ω̄_c) S_c S_c†. ``width`` → 0 gives :func:`secular_lindblad`; a width
    larger than the spread of each site's Bohr frequencies gives S_c = σ−^(ℓ): a local equation (rates and
    Lamb shift at the mean Bohr frequency), which satisfies Eq. (22).

    Parameters
    ----------
    setup : ChainSetup or Redfield
    width : float ≥ 0, optional
        Cluster width in units of ω0. Default :func:`partial_secular_width` (ε = 0.01).
    lamb_shift : bool
        Include H_LS (default).
    """
    red = _redfield_of(setup)
    if width is None:
        width = partial_secular_width(red)
    width = float(width)
    if np.isnan(width) or width < 0:
        raise ValueError(f"width must be >= 0, got width={width!r}")
    width = max(width, _secular_width(red))  # never split frequencies that are equal to rounding
    notes = (f"partial secular equation (Cattaneo et al. 2019) in unified form (Trushechkin 2021), cluster "
             f"width {width:.3g}, " + ("with" if lamb_shift else "without") + " its Lamb shift")
    return _clustered_lindblad(red, width, lamb_shift, "partial_secular", notes)


# -- the universal Lindblad equation -----------------------------------------------------------------------

def two_frequency_lamb_shift(amplitude, w1, w2, *, omega_c: float) -> np.ndarray:
    r"""The ULE's Lamb-shift kernel for amplitudes a(ω) = √γ(ω) supported on ω > 0 [1]:

    .. math::

        \eta(\omega_1, \omega_2) = -\frac{1}{2\pi}\,\mathcal P\!\int_{-\infty}^{\infty}
            \frac{a(\omega_1 + u)\,a(\omega_2 + u)}{u}\,du
        = -\frac{1}{2\pi}\,\mathcal P\!\int_0^\infty \frac{a(y)\,a(y + |\omega_2 - \omega_1|)}
            {y - \min(\omega_1, \omega_2)}\,dy,

    symmetric, and η(ω, ω) = −(1/2π) P∫ γ(x)/(x − ω) dx, the imaginary part of the half-sided transform of
    Eq. (41) (Im D for γ = J(n+1), Im C for γ = J n). It is the imaginary part of
    Γ(ω1, ω2) = ∫ du/(2π) a(ω1+u) a(ω2+u) [π δ(u) − i P/u], whose real part ½ a(ω1) a(ω2) is the ULE's
    dissipator and whose diagonal is the Redfield Γ(ω).

    Parameters
    ----------
    amplitude : callable, vectorised, a(x) for x > 0 (smooth on (0, ∞), decaying like the cut-off)
    w1, w2 : arrays of float, same shape
    omega_c : float, the bath cut-off (sets the integration range, as ``baths.coefficients``)

    Returns
    -------
    η : array of the shape of w1.
    """
    w1, w2 = np.broadcast_arrays(np.asarray(w1, dtype=float), np.asarray(w2, dtype=float))
    lo = np.minimum(w1, w2).ravel()
    delta = np.abs(w2 - w1).ravel()
    if lo.size == 0:
        return np.zeros(w1.shape)
    scale = np.where(delta > 0, 10.0 ** (_DEDUP_DIGITS - 1 - np.floor(np.log10(np.where(delta > 0, delta, 1.0)))),
                     1.0)
    delta_key = np.round(delta * scale) / scale
    lo_scale = 10.0 ** (_DEDUP_DIGITS - 1 - np.floor(np.log10(np.where(lo != 0, np.abs(lo), 1.0))))
    lo_key = np.round(lo * lo_scale) / lo_scale
    # many pairs share (min ω, |Δω|) (degenerate Bohr frequencies): one integral each
    keys, first, back = np.unique(np.stack([delta_key, lo_key]), axis=1, return_index=True, return_inverse=True)
    cutoff = max(PV_CUTOFF_MULT * omega_c, 2.0 * float(np.max(np.abs(lo))) + 1.0)
    values = np.empty(keys.shape[1])
    uniq, inverse = np.unique(keys[0], return_inverse=True)
    for i, dlt in enumerate(uniq):
        sel = np.flatnonzero(inverse == i)
        values[sel] = principal_value(lambda y, dlt=dlt: amplitude(y) * amplitude(y + dlt), lo[first[sel]], cutoff)
    out = values[np.ravel(back)]
    return (-out / (2.0 * np.pi)).reshape(w1.shape)


def channel_amplitudes(bath: Bath):
    """The ULE's g of the two channels of one bath: (a_em, a_abs) = (√(J(n+1)), √(J n)) as vectorised functions
    of x > 0, zero for x ≤ 0 (Θ of Eq. (42)); g(ω)² is the golden-rule rate at Bohr frequency ω."""
    def amplitude(x, extra):
        x = np.asarray(x, dtype=float)
        pos = np.where(x > 0, x, 1.0)
        with np.errstate(over="ignore"):  # n(x) = 0 where e^{βx} overflows: correct
            return np.where(x > 0, np.sqrt(spectral_density(pos, bath) * (occupation(pos, bath) + extra)), 0.0)

    return (lambda x: amplitude(x, 1.0)), (lambda x: amplitude(x, 0.0))


def _ule_lamb_shift(red: Redfield, ell: int, a_em, a_abs) -> np.ndarray:
    r"""Λ = Σ_k [S*_km S_kn η_em(ω_km, ω_kn)] − [S_mk S*_nk η_abs(ω_mk, ω_nk)] for site ℓ (energy basis),
    with ω_km = E_m − E_k the frequency of <E_k|S|E_m>: the two-frequency generalisation of
    Im D(ω) S(ω)†S(ω) − Im C(ω) S(ω)S(ω)† (the sign of the absorption term as in the secular equation)."""
    s = red.coupling[ell]
    om = _bohr_frequencies(red)
    d = red.dim
    mask = np.abs(s) > COUPLING_ATOL
    lam = np.zeros((d, d), dtype=complex)
    bath = red.baths[ell]
    # emission: pairs of elements in one row k of S; absorption: pairs in one column k of S (rows of Sᵀ)
    for amp, sign, mat, freq, msk in ((a_em, 1.0, s, om, mask), (a_abs, -1.0, s.T, om.T, mask.T)):
        kk, mm, nn = [], [], []
        for k in range(d):
            idx = np.flatnonzero(msk[k])
            kk.append(np.full(idx.size**2, k))
            mm.append(np.repeat(idx, idx.size))
            nn.append(np.tile(idx, idx.size))
        kk, mm, nn = (np.concatenate(x).astype(int) for x in (kk, mm, nn))
        if kk.size == 0:
            continue
        eta = two_frequency_lamb_shift(amp, freq[kk, mm], freq[kk, nn], omega_c=bath.omega_c)
        # emission: S*_km S_kn; absorption (mat = Sᵀ): S_mk S*_nk
        coef = np.conj(mat[kk, mm]) * mat[kk, nn] if sign > 0 else mat[kk, mm] * np.conj(mat[kk, nn])
        np.add.at(lam, (mm, nn), sign * coef * eta)
    return lam


def universal_lindblad(setup, *, lamb_shift: bool = True) -> LindbladForm:
    r"""The universal Lindblad equation (ULE) of Nathan & Rudner [1], one jump per channel:

    .. math::

        L^{em}_\ell = \sum_{\alpha\gamma} \sqrt{J(\omega_{\alpha\gamma})(n(\omega_{\alpha\gamma})+1)}\,
            |E_\alpha\rangle\langle E_\alpha|S_\ell|E_\gamma\rangle\langle E_\gamma|, \qquad
        L^{abs}_\ell = \Big(\sum_{\alpha\gamma} \sqrt{J(\omega_{\alpha\gamma}) n(\omega_{\alpha\gamma})}\,
            |E_\alpha\rangle\langle E_\alpha|S_\ell|E_\gamma\rangle\langle E_\gamma|\Big)^\dagger,

    ω_αγ = E_γ − E_α, both at rate 1 (g(ω) = √(golden-rule rate); see the module docstring for the mapping to
    Nathan & Rudner's 2π convention), and the ULE Lamb shift

    .. math::

        \Lambda_{mn} = \sum_{\ell,k} S^*_{km}S_{kn}\,\eta_{em}(\omega_{km}, \omega_{kn})
            - S_{mk}S^*_{nk}\,\eta_{abs}(\omega_{mk}, \omega_{nk})

    (:func:`two_frequency_lamb_shift` with a = √(J(n+1)) and √(J n)); on the diagonal ω_km = ω_kn it is the
    secular Lamb shift. CP by construction. Its population block is the Redfield one exactly
    (|L_km|² = golden-rule rate), so τ^pop = 0 and its zeroth-order NESS is ρ0.

    Parameters
    ----------
    setup : ChainSetup or Redfield
    lamb_shift : bool
        Include Λ (default; costs one principal-value integral per distinct pair of Bohr frequencies).
    """
    red = _redfield_of(setup)
    d = red.dim
    jumps = []
    h = np.zeros((d, d), dtype=complex)
    for ell, bath in enumerate(red.baths):
        rows, cols, freqs = _channel_elements(red, ell)
        c, dd = coefficients(freqs, bath)
        for rate in (2.0 * dd.real, 2.0 * c.real):
            op = np.zeros((d, d), dtype=red.coupling.dtype)
            op[rows, cols] = red.coupling[ell, rows, cols] * np.sqrt(np.clip(rate, 0.0, None))
            jumps.append(op)
        jumps[-1] = jumps[-1].conj().T
        if lamb_shift:
            h += _ule_lamb_shift(red, ell, *channel_amplitudes(bath))
    notes = "universal Lindblad equation (Nathan & Rudner 2020), " + ("with" if lamb_shift else "without") + \
        " its Lamb shift"
    return LindbladForm("ule", red.system, np.array(jumps), np.ones(len(jumps)), h, notes)


def master_equation(setup, equation: str, *, lamb_shift: bool = True, width: float | None = None,
                    local_trace: float | None = None):
    """One of ``EQUATIONS`` for ``setup``: a RedfieldGenerator, a LindbladCandidate ("local") or a LindbladForm.

    ``lamb_shift`` applies to "secular", "ule" and "partial_secular"; ``width`` to "partial_secular";
    ``local_trace`` to "local" (see :func:`local_lindblad`).
    """
    if equation == "redfield":
        return redfield_generator(setup)
    if equation == "local":
        return local_lindblad(setup, trace=local_trace)
    if equation == "secular":
        return secular_lindblad(setup, lamb_shift=lamb_shift)
    if equation == "ule":
        return universal_lindblad(setup, lamb_shift=lamb_shift)
    if equation == "partial_secular":
        return partial_secular_lindblad(setup, width=width, lamb_shift=lamb_shift)
    raise ValueError(f"equation must be one of {EQUATIONS}, got equation={equation!r}")


# -- what each equation gets right and wrong -------------------------------------------------------------

def _as_generator(generator):
    return as_lindblad_form(generator) if isinstance(generator, LindbladCandidate) else generator


def _l2_prime_rho0(generator, rho0_e: np.ndarray) -> np.ndarray:
    if isinstance(generator, LindbladCandidate):
        return l2_prime(generator, rho0_e)  # the exact evaluation the SDPs certify against
    return generator.apply(rho0_e)


def tau_pop_of(l2_prime_rho0: np.ndarray) -> float:
    r"""τ^pop = Σ_α |<E_α|L2'(ρ0)|E_α>| (Eq. (28)) from L2'(ρ0) in the energy basis (the objective of Eq. (29))."""
    return float(np.sum(np.abs(np.real(np.diag(l2_prime_rho0)))))


def tau_pop_coh_of(l2_prime_rho0: np.ndarray, target: np.ndarray) -> float:
    r"""τ^pop,coh = ‖L2'(ρ0) − T‖ (Eq. (32)) in the spectral norm (largest singular value), as the published
    values and :func:`lindblad_core.sdp.tau_pop_coh`'s default; T = L2(ρ0) (physical target)."""
    return float(np.linalg.norm(np.asarray(l2_prime_rho0) - np.asarray(target), 2))


def _middle_observables(system: System, sites) -> np.ndarray:
    """All Pauli strings on ``sites`` except the identity, embedded and in the energy basis."""
    paulis = (np.eye(2), SIGMA_X, SIGMA_Y, SIGMA_Z)
    n = system.n_sites
    ops = []
    for idx in itertools.product(range(4), repeat=len(sites)):
        if not any(idx):
            continue
        op = np.eye(system.dim, dtype=complex)
        for site, i in zip(sites, idx):
            if i:
                op = op @ site_operator(paulis[i], site, n)
        ops.append(op)
    return system.to_energy_basis(np.array(ops)) if ops else np.zeros((0, system.dim, system.dim))


def continuity_violation(generator, *, sites=None) -> float:
    r"""How far L2' is from the local conservation laws of Eq. (22), for every state at once:

    .. math::

        \max_{O} \max_{\rho} |\mathrm{Tr}[O\,\mathcal L_2'(\rho)]| = \max_O \|\mathcal L_2'^\dagger(O)\|,

    O over the Pauli strings (≠ identity) on the sites without a bath (H_M of Fig. 1), ρ over density
    matrices, ‖·‖ the spectral norm. Eq. (22) demands d<O_M>/dt = −i<[O_M, H_S]>, i.e. L2'†(O_M) = 0 for every
    O_M on H_M: zero for the Redfield equation and every point of Eq. (23), non-zero for equations whose jumps
    act on the middle. This generalises :func:`lindblad_core.candidate.check_candidate`'s ``continuity_violation``
    (σx, σy, σz of each site outside the blocks, one random state) to any generator, all observables on
    H_M, and a state-independent value.

    Parameters
    ----------
    generator : LindbladForm, RedfieldGenerator or LindbladCandidate
    sites : sequence of int, optional
        Default: the sites not in ``system.bath_sites``. No such site: 0.
    """
    gen = _as_generator(generator)
    system = gen.system
    if sites is None:
        sites = [s for s in range(system.n_sites) if s not in system.bath_sites]
    ops = _middle_observables(system, list(sites))
    return max((float(np.linalg.norm(gen.adjoint(o), 2)) for o in ops), default=0.0)


def zeroth_order_populations(generator) -> np.ndarray:
    r"""Zeroth-order NESS populations p' of L2' (App. A, B): W' p' = 0, Σ p' = 1, with W' the population block
    (Eq. (B5)). Raises ValueError if the kernel of W' is not one-dimensional."""
    gen = _as_generator(generator)
    try:
        return stationary_populations(population_rates(gen.rate_matrix()))
    except ValueError as err:
        raise ValueError(f"{gen.name}: {err}") from err


def kossakowski_min_eigenvalue(generator) -> float:
    r"""λ_min of the Kossakowski matrix of L2' (Eq. (1)), relative to its largest |eigenvalue|.

    The dissipator Σ_kl K_kl F_k ρ F_l† (+ terms Xρ + ρX†) is written on the span of the traceless parts of
    the F_k: with vec(F) = Q R (QR, orthonormal Q), the Kossakowski matrix in the orthonormal basis Q is
    R K R†, unique whatever linear dependences the F_k have; the generator is completely positive iff it is
    PSD. A Lindblad form with non-negative rates skips the QR (its K = diag(rates) is PSD by construction)
    and returns min(rates)/max(rates) ≥ 0 instead of the eigenvalue.
    """
    gen = _as_generator(generator)
    ops, k = gen.kossakowski()
    diag = np.real(np.diag(k))
    if np.count_nonzero(k - np.diag(np.diag(k))) == 0 and diag.min(initial=0.0) >= 0:
        return float(diag.min() / diag.max()) if diag.max() > 0 else 0.0
    d = gen.dim
    ops = np.asarray(ops, dtype=complex)
    traces = np.einsum("kii->k", ops) / d
    ops = ops - traces[:, None, None] * np.eye(d)[None]
    _, r = np.linalg.qr(ops.reshape(len(ops), d * d).T)
    m = r @ k @ r.conj().T
    w = np.linalg.eigvalsh(0.5 * (m + m.conj().T))
    scale = np.max(np.abs(w))
    return float(w[0] / scale) if scale > 0 else 0.0


def is_completely_positive(generator) -> bool:
    """Lindblad form with a PSD Kossakowski matrix (to ``KOSSAKOWSKI_RTOL``): :func:`kossakowski_min_eigenvalue`."""
    return kossakowski_min_eigenvalue(generator) >= -KOSSAKOWSKI_RTOL


@dataclass(frozen=True)
class _Reference:
    """What every equation is compared with: the Redfield ρ0 and target L2(ρ0), energy basis."""

    p: np.ndarray
    rho0: np.ndarray
    target: np.ndarray

    @classmethod
    def of(cls, red: Redfield) -> "_Reference":
        p = populations(red)
        rho0 = np.diag(p).astype(complex)
        return cls(p, rho0, l2(red, rho0, basis="energy"))


def evaluate(generator, setup, *, reference: _Reference | None = None) -> dict:
    r"""The four numbers of issue #12 for one generator, from exact (numpy) evaluations.

    Returns
    -------
    dict with
        tau_pop : Σ_α |<E_α|L2'(ρ0)|E_α>| (Eq. (28)),
        tau_pop_coh : ‖L2'(ρ0) − L2(ρ0)‖ (spectral norm, physical target, Eq. (32)),
        continuity_violation : :func:`continuity_violation`,
        trace_distance : ½ Σ_a |p'_a − p_a| = ½‖ρ0' − ρ0‖₁ (ρ0' of :func:`zeroth_order_populations`; the
            paper's Lemma 1 bounds Σ |p' − p|, twice this),
        completely_positive : :func:`is_completely_positive`.
    """
    red = _redfield_of(setup)
    ref = reference or _Reference.of(red)
    x = _l2_prime_rho0(generator, ref.rho0)
    p_prime = zeroth_order_populations(generator)
    return {
        "tau_pop": tau_pop_of(x),
        "tau_pop_coh": tau_pop_coh_of(x, ref.target),
        "continuity_violation": continuity_violation(generator),
        "trace_distance": 0.5 * float(np.sum(np.abs(p_prime - ref.p))),
        "completely_positive": is_completely_positive(generator),
    }


def master_equation_records(setup, *, equations=EQUATIONS, lamb_shift: bool = True, width: float | None = None,
                            local_trace: float | None = None) -> list[dict]:
    """One record per equation for one :class:`~lindblad_core.chain.ChainSetup`, with ``COLUMNS`` and the
    seconds it took (``seconds``, not part of ``COLUMNS``).

    Parameters are passed to :func:`master_equation`. Raises ValueError for degenerate spectra (from the
    Redfield set-up, message containing "degenerate").
    """
    red = setup.redfield
    ref = _Reference.of(red)
    out = []
    for eq in equations:
        t0 = time.perf_counter()
        gen = master_equation(setup, eq, lamb_shift=lamb_shift, width=width, local_trace=local_trace)
        rec = {"equation": eq, "n_left": setup.n_left, "n_middle": setup.n_middle, "n_right": setup.n_right,
               "g": setup.g, "beta_left": setup.beta_left, "beta_right": setup.beta_right,
               **evaluate(gen, red, reference=ref)}
        rec["seconds"] = time.perf_counter() - t0
        out.append(rec)
    return out


def master_equation_table(setups, *, skip_degenerate: bool = True, progress=None, **kwargs):
    """Records of :func:`master_equation_records` for many set-ups as a pandas DataFrame (``COLUMNS`` + seconds).

    Parameters
    ----------
    setups : iterable of ChainSetup
    skip_degenerate : bool
        Leave out set-ups whose H_S is degenerate (logged), as the figure notebooks do.
    progress : callable, optional
        Wraps the iterable (e.g. ``tqdm.tqdm``).
    kwargs : passed to :func:`master_equation_records`.
    """
    import pandas as pd

    rows = []
    for setup in (progress(list(setups)) if progress else setups):
        try:
            rows += master_equation_records(setup, **kwargs)
        except ValueError as err:
            if skip_degenerate and "degenerate" in str(err):
                log.info("skipped (degenerate spectrum): %s", setup)
                continue
            raise
    return pd.DataFrame(rows, columns=list(COLUMNS) + ["seconds"])
