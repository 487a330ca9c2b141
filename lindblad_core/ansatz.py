r"""The Lindblad ansatz of Eq. (23): dissipators and Lamb shifts acting on bath-coupled blocks only.

.. math::

    \mathcal L_2'(\rho) = \sum_{b} \Big( i[\rho, H^{(b)}_{LS}\otimes I]
        + \sum_{\alpha\tilde\alpha} \Gamma^{(b)}_{\alpha\tilde\alpha}
          \big(F_{\tilde\alpha}\rho F_\alpha^\dagger - \tfrac12\{F_\alpha^\dagger F_{\tilde\alpha}, \rho\}\big)\Big),

with F_α = f_α ⊗ I_rest / √d_rest, f_α running over the orthonormal products of
``{−σz/√2, σ−, σ+, I/√2}`` (first qubit of the block slowest) without the last one, I/√(d_b) (docs/conventions.md).
Eq. (23) with these F obeys the local conservation laws of Eq. (22) by construction; Γ ⪰ 0 makes it a
Lindbladian (Eq. (1)).

Each basis operator changes the block's magnetisation by a definite amount (its *charge*
q = #σ+ − #σ−); the SDPs use this to split Γ into independent blocks when the system has the U(1)
structure of :mod:`lindblad_core.symmetry`. A point of the ansatz (Γ and H_LS per block) is a
:class:`~lindblad_core.candidate.LindbladCandidate`.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .model import SIGMA_MINUS, SIGMA_PLUS, SIGMA_Z, System

__all__ = ["QUBIT_BASIS", "QUBIT_CHARGES", "Block", "Ansatz", "paper_blocks", "local_hermitian_basis",
           "traceless_hermitian_basis"]

QUBIT_BASIS = (-SIGMA_Z / np.sqrt(2.0), SIGMA_MINUS, SIGMA_PLUS, np.eye(2) / np.sqrt(2.0))
QUBIT_CHARGES = (0, -1, 1, 0)  # change of σz-magnetisation (in units of one flip) caused by each f


@dataclass(frozen=True)
class Block:
    """A set of sites carrying one Lindblad bath of Eq. (23) (``name`` is only a label)."""

    sites: tuple[int, ...]
    name: str = ""

    def __post_init__(self):
        sites = tuple(self.sites)
        if not sites:
            raise ValueError("Block.sites must not be empty")
        if len(set(sites)) != len(sites) or any(isinstance(s, bool) or int(s) != s or s < 0 for s in sites):
            raise ValueError(f"Block.sites must be distinct non-negative site indices, got {sites}")
        object.__setattr__(self, "sites", tuple(sorted(int(s) for s in sites)))

    @property
    def n_qubits(self) -> int:
        return len(self.sites)

    @property
    def dim(self) -> int:
        return 2**self.n_qubits

    @property
    def n_operators(self) -> int:
        """Size of Γ: 4^n − 1."""
        return 4**self.n_qubits - 1


def paper_blocks(setup, which="left,right") -> tuple[Block, ...]:
    """The paper's blocks for a :class:`~lindblad_core.chain.ChainSetup`: ``"left,right"`` or ``"left"``.

    ``"left,right"`` drops the right block when N_R = 0.
    """
    names = [w.strip() for w in which.split(",")] if isinstance(which, str) else list(which)
    allowed = {"left", "right"}
    if not names or any(n not in allowed for n in names) or len(set(names)) != len(names):
        raise ValueError(f"blocks must be 'left,right' or 'left' (or 'right'), got {which!r}")
    out = []
    for n in names:
        sites = setup.left_sites if n == "left" else setup.right_sites
        if sites:
            out.append(Block(sites, n))
        elif n == "left":
            raise ValueError("the left block needs n_left >= 1")
    return tuple(out)


def _block_basis(n_qubits: int):
    """Products of QUBIT_BASIS over the block (first qubit slowest), without the final I/√d."""
    ops, charges = [], []
    for idx in itertools.product(range(4), repeat=n_qubits):
        op = np.array([[1.0]])
        for i in idx:
            op = np.kron(op, QUBIT_BASIS[i])
        ops.append(op)
        charges.append(sum(QUBIT_CHARGES[i] for i in idx))
    return np.array(ops[:-1]), np.array(charges[:-1])


@functools.lru_cache(maxsize=8)
def local_hermitian_basis(k: int) -> np.ndarray:
    """An orthonormal basis of k×k Hermitian matrices (E_ii, (E_ij + E_ji)/√2, i(E_ij − E_ji)/√2)."""
    basis = []
    for i in range(k):
        for j in range(k):
            h = np.zeros((k, k), dtype=complex)
            if i == j:
                h[i, i] = 1.0
            elif i < j:
                h[i, j] = h[j, i] = 1 / np.sqrt(2)
            else:
                h[i, j], h[j, i] = 1j / np.sqrt(2), -1j / np.sqrt(2)
            basis.append(h)
    return np.array(basis)


@functools.lru_cache(maxsize=8)
def traceless_hermitian_basis(k: int) -> np.ndarray:
    """An orthonormal basis of the traceless k×k Hermitian matrices (k² − 1 of them): the off-diagonal
    elements of :func:`local_hermitian_basis` and the generalised Gell-Mann diagonals
    diag(1, …, 1, −l, 0, …) / √(l(l + 1)), l = 1 … k − 1.

    The Lamb shift is parametrised on this basis: the identity commutes with everything, and a basis that
    contains it implicitly (E_00 + E_11 = I) makes the computed commutator directions i[ρ0, B_i] linearly
    dependent only up to rounding, an artificial direction of size u that the certificates would have to
    treat as real.
    """
    full = local_hermitian_basis(k)
    diag = [i * k + i for i in range(k)]
    off = [h for j, h in enumerate(full) if j not in diag]
    gell_mann = []
    for l in range(1, k):
        h = np.zeros((k, k), dtype=complex)
        h[np.arange(l), np.arange(l)] = 1.0
        h[l, l] = -float(l)
        gell_mann.append(h / np.sqrt(l * (l + 1)))
    return np.array(off + gell_mann)


def _traceless_charges(k: int, n_qubits: int) -> np.ndarray:
    up = np.array([n_qubits - bin(i).count("1") for i in range(k)])  # number of |0> = up
    off = [up[i] - up[j] for i in range(k) for j in range(k) if i != j]
    return np.array(off + [0] * (k - 1))


def _embed(local: np.ndarray, sites: tuple[int, ...], n_sites: int) -> np.ndarray:
    """Embed operators on ``sites`` (stack (m, 2^k, 2^k), first listed site slowest) into N qubits."""
    rest = [s for s in range(n_sites) if s not in sites]
    m = local.shape[0]
    full = np.kron(local, np.eye(2 ** len(rest))[None])  # qubit order: sites…, rest…
    order = list(sites) + rest
    perm = np.argsort(order)  # axis of site s in the current order
    t = full.reshape((m,) + (2,) * (2 * n_sites))
    axes = [0] + [1 + int(p) for p in perm] + [1 + n_sites + int(p) for p in perm]
    return t.transpose(axes).reshape(m, 2**n_sites, 2**n_sites)


@dataclass(frozen=True, eq=False)
class Ansatz:
    """The operators F_α of Eq. (23) for given blocks of a system, in the energy eigenbasis.

    Attributes
    ----------
    system : System
    blocks : tuple of Block (disjoint), each made of bath sites
    cover_baths : bool
        Require every bath site to lie in a block (default). ``False`` admits the published variant with a
        Lindblad bath on the left block only although the Redfield equation has both baths (docs/conventions.md).
    """

    system: System
    blocks: tuple[Block, ...]
    cover_baths: bool = True

    def __post_init__(self):
        blocks = tuple(self.blocks)
        if not blocks:
            raise ValueError("blocks must contain at least one Block")
        seen = set()
        for b in blocks:
            if not isinstance(b, Block):
                raise ValueError(f"blocks must hold Block objects, got {type(b).__name__}")
            if max(b.sites) >= self.system.n_sites:
                raise ValueError(f"block {b.name or b.sites} has sites outside the chain "
                                 f"(0..{self.system.n_sites - 1})")
            if seen & set(b.sites):
                raise ValueError(f"blocks overlap on sites {sorted(seen & set(b.sites))}")
            seen |= set(b.sites)
        missing = set(self.system.bath_sites) - seen
        if missing and self.cover_baths:
            raise ValueError(f"blocks must cover every bath site; sites {sorted(missing)} are in none "
                             "(Eq. (23) acts only where the baths act)")
        extra = seen - set(self.system.bath_sites)
        if extra:
            raise ValueError(f"blocks may only contain bath sites; sites {sorted(extra)} have no bath")
        object.__setattr__(self, "blocks", blocks)

    @cached_property
    def charges(self) -> tuple[np.ndarray, ...]:
        return tuple(_block_basis(b.n_qubits)[1] for b in self.blocks)

    @cached_property
    def operators(self) -> tuple[np.ndarray, ...]:
        """F_α = f_α ⊗ I_rest / √d_rest per block, energy basis, shape (4^n − 1, d, d)."""
        out = []
        n = self.system.n_sites
        for b in self.blocks:
            local, _ = _block_basis(b.n_qubits)
            f = _embed(local, b.sites, n) / np.sqrt(2 ** (n - b.n_qubits))
            out.append(self.system.to_energy_basis(f))
        return tuple(out)

    @cached_property
    def hamiltonian_basis(self) -> tuple[np.ndarray, ...]:
        """Orthonormal basis of the traceless H_LS per block (embedded as H ⊗ I, energy basis): (4^n − 1, d, d),
        in the order of :func:`traceless_hermitian_basis` (the identity part of H_LS drops out of Eq. (23))."""
        n = self.system.n_sites
        return tuple(self.system.to_energy_basis(_embed(traceless_hermitian_basis(b.dim), b.sites, n))
                     for b in self.blocks)

    @cached_property
    def hamiltonian_charges(self) -> tuple[np.ndarray, ...]:
        """Magnetisation change of each H_LS basis element (0 for sector-diagonal ones)."""
        return tuple(_traceless_charges(b.dim, b.n_qubits) for b in self.blocks)
