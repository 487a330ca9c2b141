r"""Any finite open system: a Hamiltonian on sites of any local dimensions, coupled to bosonic baths or fermionic leads.

.. math::

    H = H_S + \sum_c \big(S_c \otimes B_c^\dagger + S_c^\dagger \otimes B_c\big) + H_B
    \quad(\texttt{form="exchange"}, \text{Eq. (35), the paper's}),\qquad
    S_c \otimes (B_c + B_c^\dagger) \quad(\texttt{form="hermitian"},\ S_c = S_c^\dagger),

with B_c = Σ_k κ_k b_k of the bath of coupling c (J of Eq. (36), :mod:`lindblad_core.systems.baths`). The two forms
coincide when S_c is Hermitian. Each S_c acts on a few sites (``Coupling.sites``) and is embedded as
S_c ⊗ I on the rest; site 0 is the slowest Kronecker factor (docs/conventions.md).

The energy eigenbasis (ascending energies) is shared by every layer above (Redfield, ansatz, SDPs). When
H_S has exact zeros between the sectors of the charge Q = Σ_ℓ q_ℓ, q_ℓ = diag(0, −1, …, −(d_ℓ − 1)) (for
qubits Q = (Σσz − N)/2, the magnetisation up to a constant), each sector is diagonalised on its own so that
every eigenvector lies exactly in one sector (see :func:`sector_eigh`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from lindblad_core.systems.baths import BosonicBath
from lindblad_core.systems.fermionic import as_bath, check_fermionic_coupling, FermionicBath, is_fermionic
from lindblad_core.systems.spectrum import refined_eigh

__all__ = ["Coupling", "OpenSystem", "FORMS", "DEGENERACY_RTOL", "HERMITICITY_RTOL", "embed", "site_charges",
           "sector_eigh", "EnergyBasis"]

# Two eigenvalues closer than DEGENERACY_RTOL × (E_max − E_min) count as degenerate: the theory of Sec. II.B
# (coherences of Eq. (15) divide by E_α − E_ν) does not apply there. Relative to the width of the spectrum, so
# that c·H_S and H_S + c·I are judged as H_S (a constant shift and a change of energy unit are not physics).
DEGENERACY_RTOL = 1e-9
# ... and never below what the eigensolver resolves: a backward-stable eigh moves each eigenvalue by up to
# ~d·u·max|E| (u the unit roundoff), so gaps below DEGENERACY_RESOLUTION times that are indistinguishable from 0
# (H_S + 1e9·I: the eigenvalues carry errors ~1e-7 whatever the width).
DEGENERACY_RESOLUTION = 4.0
# Largest |H − H†| (relative to max|H|) accepted as rounding noise in a user-supplied operator: relative, so that
# an operator in any units (a coupling S = 1e-13·σ−) keeps its form.
HERMITICITY_RTOL = 1e-12
FORMS = ("exchange", "hermitian")
# From this dimension on, operators are taken to and from the energy basis sector block by sector block when the
# eigenvectors lie in exact charge sectors (:func:`sector_eigh`): V†OV then costs Σ_st n_s n_t (n_s + n_t) over
# the non-zero blocks O[s, t] instead of 4 d³ (d = 4096: ~1e9 against 3e11 operations for a σ−). Below it one
# dense product; the two agree to rounding (~1e-16 relative, a different order of the same sums).
SECTOR_PRODUCT_MIN_DIM = 2048


def _as_matrix(x, name: str) -> np.ndarray:
    """A finite square numpy matrix from an array or a ``qutip.Qobj`` operator (``.full()``)."""
    if hasattr(x, "full") and callable(x.full):
        if getattr(x, "isoper", True) is False:
            raise ValueError(f"{name} must be an operator, got a qutip.Qobj of type {getattr(x, 'type', '?')!r}")
        x = x.full()
    try:
        m = np.asarray(x)
        if m.dtype == object or not (np.issubdtype(m.dtype, np.number)):
            raise TypeError
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a square array or qutip.Qobj, got {type(x).__name__}") from None
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{name} must be finite")
    return m


def _dims_tuple(dims):
    """``dims`` as a tuple of Python ints when it is a sequence of integers, else unchanged (checked later)."""
    try:
        return tuple(int(x) for x in dims)
    except (TypeError, ValueError):
        return dims


def _is_hermitian(m: np.ndarray) -> tuple[bool, float]:
    asym = float(np.max(np.abs(m - m.conj().T), initial=0.0))
    return asym <= HERMITICITY_RTOL * float(np.max(np.abs(m), initial=0.0)), asym


def _real_if_possible(m: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(m) and np.max(np.abs(m.imag), initial=0.0) == 0.0:
        return np.real(m).astype(float)
    return m if np.iscomplexobj(m) else m.astype(float)


def validated_hamiltonian(h, name: str = "hamiltonian") -> np.ndarray:
    """H_S as a read-only Hermitian array (symmetrised; real when its imaginary part is exactly 0)."""
    h = _as_matrix(h, name)
    ok, asym = _is_hermitian(h)
    if not ok:
        raise ValueError(f"{name} must be Hermitian, got max|H - H^dagger| = {asym:.3g}")
    h = _real_if_possible(0.5 * (h + h.conj().T))
    h.setflags(write=False)
    return h


def site_charges(dims: tuple[int, ...]) -> np.ndarray:
    """Diagonal of Q = Σ_ℓ q_ℓ, q_ℓ = diag(0, −1, …, −(d_ℓ − 1)), in the computational basis (integers)."""
    q = np.zeros(1, dtype=int)
    for d in dims:
        q = (q[:, None] - np.arange(d)[None, :]).ravel()
    return q


def embed(op: np.ndarray, sites: tuple[int, ...], dims: tuple[int, ...]) -> np.ndarray:
    """``op`` (or a stack (m, k, k) of them) acting on ``sites`` (first listed the slowest factor of ``op``),
    embedded as op ⊗ I on the other sites of a system with local dimensions ``dims``.

    Each element is one product op[a, b] · δ(rest), written in a single pass into the result (no d × d
    intermediate): the numbers of ``np.kron(op, I)`` brought into the site order of ``dims``."""
    op = np.asarray(op)
    stack = op[None] if op.ndim == 2 else op
    n, m = len(dims), stack.shape[0]
    sites = tuple(int(x) for x in sites)
    rest = [x for x in range(n) if x not in sites]
    order = np.argsort(sites)  # the op's site axes in ascending site order
    k = len(sites)
    local = stack.reshape((m,) + tuple(dims[x] for x in sites) * 2)
    local = local.transpose([0] + [1 + int(o) for o in order] + [1 + k + int(o) for o in order])
    in_block = [x in sites for x in range(n)]
    local = local.reshape((m,) + tuple(dims[x] if b else 1 for x, b in zip(range(n), in_block)) * 2)
    d_rest = int(np.prod([dims[x] for x in rest], dtype=int))
    delta = np.eye(d_rest).reshape((1,) + tuple(1 if b else dims[x] for x, b in zip(range(n), in_block)) * 2)
    d = int(np.prod(dims, dtype=int))
    out = np.empty((m, d, d), dtype=np.result_type(stack, np.float64))
    np.multiply(local, delta, out=out.reshape((m,) + tuple(dims) * 2))
    return out[0] if op.ndim == 2 else out


def sector_eigh(h: np.ndarray, labels: np.ndarray):
    """Ascending eigen-decomposition of H, sector by sector when H has exact zeros between sectors.

    ``labels`` is a conserved quantity's diagonal in the computational basis (the charge Q). When every
    element of H between different labels is exactly 0 (H built from exact Kronecker products of
    charge-conserving terms), each sector is diagonalised on its own, so that every eigenvector lies
    exactly in one sector: the U(1) selection rules the SDPs rely on (``symmetry.py``) then hold exactly
    in the computed data,
    not only up to the ~1e-16 mixing a dense ``eigh`` leaves between sectors. Each block goes through
    :func:`~lindblad_core.systems.spectrum.refined_eigh`: near-degenerate levels are refined in extended
    precision, and every eigenvector comes with a first-order estimate of its error.

    Returns ``energies``, ``vectors`` (columns), the sector label of each eigenvector (None when dense) and
    the error estimate of each eigenvector.
    """
    d = h.shape[0]
    if np.any(h[labels[:, None] != labels[None, :]] != 0):
        energies, vectors, errors = refined_eigh(h)  # no exact sector structure: one dense solve
        sector_of = None
    else:
        energies, errors = np.empty(d), np.empty(d)
        vectors = np.zeros((d, d), dtype=h.dtype)
        values = np.unique(labels)
        start = 0
        for value in values:
            idx = np.flatnonzero(labels == value)
            span = slice(start, start + len(idx))
            energies[span], v, errors[span] = refined_eigh(h[np.ix_(idx, idx)])
            vectors[np.ix_(idx, np.arange(start, start + len(idx)))] = v
            start += len(idx)
        order = np.argsort(energies, kind="stable")
        energies, vectors, errors = energies[order], vectors[:, order], errors[order]
        sector_of = np.repeat(values, [np.sum(labels == v) for v in values])[order]
    for array in (energies, vectors, errors):
        array.setflags(write=False)
    return energies, vectors, sector_of, errors


def _sector_sandwich(op: np.ndarray, pieces, to_energy: bool) -> np.ndarray:
    """V†·op·V (``to_energy``) or V·op·V† for V block-diagonal over the charge sectors (``pieces``, see
    ``EnergyBasis._sector_pieces``): op (or each operator of a stack) is gathered into sector order, one small
    product V[s, s]†·op[s, t]·V[t, t] is formed per pair of sectors where it has a non-zero element, and the result
    is scattered back; exact zeros elsewhere."""
    comp, energy, offsets, blocks = pieces
    dst = energy if to_energy else comp
    op = np.asarray(op)
    stack = op[None] if op.ndim == 2 else op
    out = np.zeros(stack.shape, dtype=np.result_type(stack, blocks[0]))
    spans = list(zip(offsets[:-1], offsets[1:]))
    for single, result in zip(stack, out):
        sorted_out = np.zeros(single.shape, dtype=out.dtype)
        for (s, t), piece in _sector_products(single, pieces, to_energy).items():
            (a, b), (c, e) = spans[s], spans[t]
            sorted_out[a:b, c:e] = piece
        result[np.ix_(dst, dst)] = sorted_out
    return out[0] if op.ndim == 2 else out


def _sector_products(op: np.ndarray, pieces, to_energy: bool) -> dict:
    """The non-zero sector blocks of V†·op·V (``to_energy``) or V·op·V† for one d×d operator: {(s, t): the
    (n_s, n_t) block between sectors s and t, in the sorted order of ``pieces``}; the blocks
    :func:`_sector_sandwich` scatters (the same products, so the same numbers)."""
    comp, energy, offsets, blocks = pieces
    src = comp if to_energy else energy
    sorted_op = op[np.ix_(src, src)]
    spans = list(zip(offsets[:-1], offsets[1:]))
    out = {}
    for s, ((a, b), v_s) in enumerate(zip(spans, blocks)):
        left = v_s.conj().T if to_energy else v_s
        for t, ((c, e), v_t) in enumerate(zip(spans, blocks)):
            piece = sorted_op[a:b, c:e]
            if piece.any():
                out[s, t] = left @ piece @ (v_t if to_energy else v_t.conj().T)
    return out


class EnergyBasis:
    """The energy eigenbasis of ``self.hamiltonian`` on sites ``self.dims`` (the eigen-decomposition of
    :class:`OpenSystem`)."""

    @property
    def dim(self) -> int:
        return self.hamiltonian.shape[0]

    @property
    def n_sites(self) -> int:
        return len(self.dims)

    @cached_property
    def charge(self) -> np.ndarray:
        """Diagonal of Q = Σ_ℓ q_ℓ (computational basis), q_ℓ = diag(0, −1, …): :func:`site_charges`."""
        return site_charges(self.dims)

    def conserves_charge(self, atol: float = 1e-12) -> bool:
        """Whether [H_S, Q] = 0 (to ``atol`` relative to max(1, max|H|))."""
        h, q = self.hamiltonian, self.charge
        comm = h * (q[None, :] - q[:, None])
        return bool(np.max(np.abs(comm)) <= atol * max(1.0, np.max(np.abs(h))))

    @cached_property
    def _eigh(self):
        return sector_eigh(self.hamiltonian, self.charge)

    @property
    def energies(self) -> np.ndarray:
        """E_α, ascending."""
        return self._eigh[0]

    @property
    def eigenvectors(self) -> np.ndarray:
        """Columns |E_α> in the computational basis."""
        return self._eigh[1]

    @cached_property
    def eigenvector_error(self) -> float:
        """First-order estimate of the error of the computed eigenvectors, max_j ‖δv_j‖: each from its measured
        residual and the distance to the other levels of its charge sector (vectors of different sectors cannot
        mix: their overlaps are exact zeros), near-degenerate levels refined first
        (:func:`~lindblad_core.systems.spectrum.refined_eigh`)."""
        return float(np.max(self._eigh[3]))

    def to_energy_basis(self, op: np.ndarray) -> np.ndarray:
        """``<E_α| op |E_β>`` for an operator (or a stack of them) in the computational basis."""
        v = self.eigenvectors
        if self._sector_pieces is None:
            return v.conj().T @ op @ v
        return _sector_sandwich(op, self._sector_pieces, to_energy=True)

    def to_energy_sector_blocks(self, op: np.ndarray):
        """``<E_α| op |E_β>`` for one d×d operator as its non-zero sector blocks: ``{(I, J): block}`` with the
        block on the energy indices ``energy_sectors[I]`` × ``energy_sectors[J]``; None where the products are
        dense (below ``SECTOR_PRODUCT_MIN_DIM`` or without exact sectors). Scattered into a d×d matrix the
        blocks are ``to_energy_basis(op)``, bit for bit."""
        if self._sector_pieces is None:
            return None
        return _sector_products(np.asarray(op), self._sector_pieces, to_energy=True)

    @property
    def energy_sectors(self) -> tuple | None:
        """Energy-basis indices of each charge sector, in the order of :meth:`to_energy_sector_blocks`
        (None where the products are dense)."""
        pieces = self._sector_pieces
        if pieces is None:
            return None
        _, energy, offsets, _ = pieces
        return tuple(energy[a:b] for a, b in zip(offsets[:-1], offsets[1:]))

    def to_computational_basis(self, op: np.ndarray) -> np.ndarray:
        v = self.eigenvectors
        if self._sector_pieces is None:
            return v @ op @ v.conj().T
        return _sector_sandwich(op, self._sector_pieces, to_energy=False)

    @cached_property
    def _sector_pieces(self):
        """The computational and the energy indices sorted by charge sector, the sectors' offsets in that order
        and the blocks V[s, s]; None below ``SECTOR_PRODUCT_MIN_DIM`` or without exact sectors (then the products
        are dense)."""
        _, v, sector_of, _ = self._eigh
        if sector_of is None or self.dim < SECTOR_PRODUCT_MIN_DIM:
            return None
        comp, energy, blocks = [], [], []
        for value in np.unique(sector_of):
            comp.append(np.flatnonzero(self.charge == value))
            energy.append(np.flatnonzero(sector_of == value))
            blocks.append(v[np.ix_(comp[-1], energy[-1])])
        offsets = np.cumsum([0] + [len(c) for c in comp])
        return np.concatenate(comp), np.concatenate(energy), offsets, blocks

    @property
    def degeneracy_tolerance(self) -> float:
        """Energies closer than this count as equal: ``DEGENERACY_RTOL`` × (E_max − E_min), and at least
        ``DEGENERACY_RESOLUTION`` · d · u · max|E|, the eigensolver's resolution. Invariant under H_S → H_S + c·I
        (as long as c does not dominate the resolution) and proportional to c under H_S → c·H_S."""
        e = self.energies
        width = float(e[-1] - e[0])
        resolution = DEGENERACY_RESOLUTION * self.dim * np.finfo(float).eps * float(np.max(np.abs(e)))
        return max(DEGENERACY_RTOL * width, resolution)

    def _check_nondegenerate(self) -> None:
        if self.allow_degenerate:
            return
        gaps = np.diff(self.energies)
        tol = self.degeneracy_tolerance
        if gaps.size and gaps.min() <= tol:
            i = int(np.argmin(gaps))
            raise ValueError(
                f"hamiltonian is degenerate within {tol:.1e}: E[{i}] = {self.energies[i]:.12g} and "
                f"E[{i + 1}] = {self.energies[i + 1]:.12g}; the theory of Sec. II.B needs a "
                "non-degenerate H_S (pass allow_degenerate=True to inspect it anyway)"
            )


@dataclass(frozen=True, eq=False)
class Coupling:
    r"""One system–bath coupling: ``op`` on ``sites``, to ``bath``.

    Parameters
    ----------
    op : (k, k) array or qutip.Qobj
        S acting on ``sites`` only, k = Π_{ℓ ∈ sites} d_ℓ (first listed site the slowest factor).
    sites : int or tuple of int
        Distinct site indices (0-based).
    bath : BosonicBath, FermionicBath or a qutip BosonicEnvironment / FermionicEnvironment
        Converted by :func:`lindblad_core.systems.fermionic.as_bath`. A fermionic lead needs a parity-odd S on
        qubit sites: a fermion operator c with its Jordan–Wigner string (docs/fermionic_leads.md).
    form : {"exchange", "hermitian"}
        ``"exchange"``: S ⊗ B† + S† ⊗ B (the paper's, Eq. (35), with S = σ−); ``"hermitian"``:
        S ⊗ (B + B†), which requires S = S†.

    Examples
    --------
    >>> import numpy as np
    >>> from lindblad_core import BosonicBath, ohmic
    >>> sigma_minus = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> c = Coupling(sigma_minus, 1, BosonicBath(ohmic(), beta=2.0))
    >>> c.sites, c.form, c.is_hermitian
    ((1,), 'exchange', False)
    """

    op: np.ndarray
    sites: tuple[int, ...]
    bath: BosonicBath | FermionicBath
    form: str = "exchange"

    def __post_init__(self):
        if self.form not in FORMS:
            raise ValueError(f"Coupling.form must be one of {FORMS}, got form={self.form!r}")
        op = _real_if_possible(_as_matrix(self.op, "Coupling.op").copy())
        if not np.any(op):
            raise ValueError("Coupling.op must not be zero: a coupling S = 0 gives no rate and no Lamb shift "
                             "(remove the coupling instead)")
        if self.form == "hermitian":
            ok, asym = _is_hermitian(op)
            if not ok:
                raise ValueError("Coupling.op must be Hermitian for form='hermitian' (S ⊗ (B + B†)), got "
                                 f"max|S - S^dagger| = {asym:.3g}; use form='exchange' for S ⊗ B† + S† ⊗ B")
        op.setflags(write=False)
        object.__setattr__(self, "op", op)
        sites = (self.sites,) if isinstance(self.sites, (int, np.integer)) else tuple(self.sites)
        if not sites or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in sites):
            raise ValueError(f"Coupling.sites must be non-negative site indices, got sites={self.sites!r}")
        if len(set(sites)) != len(sites):
            raise ValueError(f"Coupling.sites must not repeat a site, got sites={sites}")
        object.__setattr__(self, "sites", tuple(int(s) for s in sites))
        object.__setattr__(self, "bath", as_bath(self.bath, "Coupling.bath"))
        if is_fermionic(self.bath):
            check_fermionic_coupling(op, self.sites)

    def __repr__(self) -> str:
        bath = self.bath
        return (f"Coupling({self.op.shape[0]}x{self.op.shape[0]} operator on sites {self.sites}, form={self.form!r}, "
                f"bath={type(bath).__name__}(beta={bath.beta:g}, J={type(bath.spectral_density).__name__}))")

    @property
    def is_hermitian(self) -> bool:
        """S = S†: then the exchange and Hermitian forms are the same coupling."""
        return self.form == "hermitian" or _is_hermitian(self.op)[0]


@dataclass(frozen=True, eq=False)
class OpenSystem(EnergyBasis):
    r"""A finite system H_S on sites of local dimensions ``dims`` and its couplings to bosonic baths.

    Parameters
    ----------
    hamiltonian : (d, d) array or qutip.Qobj
        Hermitian H_S, d = Π dims, site 0 the slowest Kronecker factor.
    couplings : Coupling or sequence of Coupling
        At least one; several may act on the same site (independent baths).
    dims : tuple of int, optional
        Local dimensions d_ℓ ≥ 2. Default: a Qobj's own dims, else all 2 (d must then be 2^N). With a Qobj
        ``hamiltonian`` they must agree with its dims (ValueError otherwise).
    allow_degenerate : bool
        H_S must be non-degenerate for the theory of Sec. II.B; True only to inspect such a spectrum.

    Attributes
    ----------
    energies, eigenvectors, eigenvector_error, charge : see :class:`EnergyBasis`.
    bath_sites : tuple of int, the coupled sites (ascending).
    coupling_operators : (n_couplings, d, d) array, S_c embedded in the full space (computational basis).

    Examples
    --------
    A qutrit (site 0) and a qubit (site 1), exchange-coupled, each on its own bath:

    >>> import numpy as np
    >>> from lindblad_core import BosonicBath, drude_lorentz, ohmic
    >>> a = np.diag(np.sqrt([1.0, 2.0]), 1)  # qutrit lowering operator
    >>> sm = np.array([[0.0, 1.0], [0.0, 0.0]])  # qubit lowering operator in the number basis
    >>> h = np.kron(a.T @ a, np.eye(2)) + 1.3 * np.kron(np.eye(3), sm.T @ sm) + 0.1 * (np.kron(a.T, sm) + np.kron(a, sm.T))
    >>> system = OpenSystem(h, [Coupling(a, 0, BosonicBath(drude_lorentz(0.1, 5.0), beta=0.8)),
    ...                         Coupling(sm, 1, BosonicBath(ohmic(), beta=3.0))], dims=(3, 2))
    >>> system.dim, system.bath_sites, system.forms
    (6, (0, 1), ('exchange', 'exchange'))
    >>> bool(np.all(np.diff(system.energies) > 0))
    True
    """

    hamiltonian: np.ndarray
    couplings: tuple[Coupling, ...]
    dims: tuple[int, ...] | None = None
    allow_degenerate: bool = False

    def __post_init__(self):
        qobj_dims = None
        if hasattr(self.hamiltonian, "dims") and hasattr(self.hamiltonian, "full"):
            qobj_dims = _dims_tuple(self.hamiltonian.dims[0])
        h = validated_hamiltonian(self.hamiltonian)
        object.__setattr__(self, "hamiltonian", h)
        d = h.shape[0]
        if self.dims is not None and qobj_dims is not None and _dims_tuple(self.dims) != qobj_dims:
            raise ValueError(f"dims={self.dims!r} contradict the hamiltonian Qobj's own dims {list(qobj_dims)}; pass "
                             "dims that agree with them, or omit dims, or pass hamiltonian.full() to choose them")
        dims = self.dims if self.dims is not None else qobj_dims
        if dims is None:
            n = d.bit_length() - 1
            if d < 2 or 2**n != d:
                raise ValueError(f"dims must be given when the hamiltonian's size {d} is not 2^N "
                                 "(the default is all sites qubits)")
            dims = (2,) * n
        dims = tuple(dims)
        if not dims or any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < 2 for x in dims):
            raise ValueError(f"dims must be a non-empty tuple of integers >= 2, got dims={self.dims!r}")
        dims = tuple(int(x) for x in dims)
        if math.prod(dims) != d:
            raise ValueError(f"dims {dims} (product {math.prod(dims)}) do not match the hamiltonian's size {d}")
        object.__setattr__(self, "dims", dims)
        couplings = (self.couplings,) if isinstance(self.couplings, Coupling) else tuple(self.couplings)
        if not couplings:
            raise ValueError("couplings must hold at least one Coupling")
        for c in couplings:
            if not isinstance(c, Coupling):
                raise ValueError(f"couplings must hold Coupling objects, got {type(c).__name__}")
            if max(c.sites) >= len(dims):
                raise ValueError(f"Coupling.sites must lie in [0, {len(dims) - 1}], got sites={c.sites}")
            k = math.prod(dims[s] for s in c.sites)
            if c.op.shape != (k, k):
                raise ValueError(f"Coupling.op on sites {c.sites} must be {k} x {k} (dims "
                                 f"{tuple(dims[s] for s in c.sites)}), got shape {c.op.shape}")
        object.__setattr__(self, "couplings", couplings)
        self._check_nondegenerate()

    def __repr__(self) -> str:
        """One line: the dimensions and the couplings (the matrices are attributes)."""
        e = self.energies
        return (f"OpenSystem(d={self.dim}, dims={self.dims}, {len(self.couplings)} coupling(s) on sites "
                f"{self.bath_sites}, energies {e[0]:.4g} … {e[-1]:.4g})")

    @property
    def bath_sites(self) -> tuple[int, ...]:
        return tuple(sorted({s for c in self.couplings for s in c.sites}))

    @property
    def baths(self) -> tuple[BosonicBath | FermionicBath, ...]:
        return tuple(c.bath for c in self.couplings)

    @property
    def forms(self) -> tuple[str, ...]:
        """Each coupling's form, ``"hermitian"`` for every Hermitian S (the two forms then coincide)."""
        return tuple("hermitian" if c.is_hermitian else "exchange" for c in self.couplings)

    @cached_property
    def coupling_operators(self) -> np.ndarray:
        ops = np.stack([embed(c.op, c.sites, self.dims) for c in self.couplings])
        ops = _real_if_possible(ops)
        ops.setflags(write=False)
        return ops

    def site_operator(self, op, site: int) -> np.ndarray:
        """``op`` on one site embedded in the full space."""
        return embed(_as_matrix(op, "op"), (site,), self.dims)
