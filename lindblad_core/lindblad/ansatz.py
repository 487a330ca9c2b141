r"""The Lindblad ansatz of Eq. (23): dissipators and Lamb shifts acting on bath-coupled blocks only.

.. math::

    \mathcal L_2'(\rho) = \sum_{b} \Big( i[\rho, H^{(b)}_{LS}\otimes I]
        + \sum_{\alpha\tilde\alpha} \Gamma^{(b)}_{\alpha\tilde\alpha}
          \big(F_{\tilde\alpha}\rho F_\alpha^\dagger - \tfrac12\{F_\alpha^\dagger F_{\tilde\alpha}, \rho\}\big)\Big),

with F_α = f_α ⊗ I_rest / √d_rest, f_α running over the orthonormal products of one local basis per site of
the block (first site slowest) without the last product, I/√(d_b) (docs/conventions.md). The local basis
(:func:`local_operator_basis`) has the identity last: ``{−σz/√2, σ−, σ+, I/√2}`` on a qubit (the authors'
order), the normalised matrix units |i><j| (i ≠ j), the generalised Gell-Mann diagonals and I/√k on a site
of dimension k ≥ 3.
Eq. (23) with these F obeys the local conservation laws of Eq. (22) by construction; Γ ⪰ 0 makes it a
Lindbladian (Eq. (1)).

Each basis operator changes the block's charge Q = Σ q_ℓ, q_ℓ = diag(0, −1, …), by a definite amount (its
*charge*: q_i − q_j = j − i for |i><j|, so #σ+ − #σ− on qubits); the SDPs use this to split Γ into independent
blocks when the system has the U(1) structure of :mod:`lindblad_core.systems.symmetry`. A point of the ansatz (Γ and
H_LS per block) is a :class:`~lindblad_core.lindblad.candidate.LindbladCandidate`.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from lindblad_core.lindblad.operator_stack import energy_stack, OperatorStack
from lindblad_core.systems.open_system import embed, OpenSystem, site_charges
from lindblad_core.systems.operators import SIGMA_MINUS, SIGMA_PLUS, SIGMA_Z


__all__ = ["QUBIT_BASIS", "QUBIT_CHARGES", "Block", "Ansatz", "paper_blocks", "local_hermitian_basis",
           "traceless_hermitian_basis", "local_operator_basis", "block_operator_basis"]

QUBIT_BASIS = (-SIGMA_Z / np.sqrt(2.0), SIGMA_MINUS, SIGMA_PLUS, np.eye(2) / np.sqrt(2.0))
QUBIT_CHARGES = (0, -1, 1, 0)  # change of σz-magnetisation (in units of one flip) caused by each f


@dataclass(frozen=True)
class Block:
    """A set of sites carrying one Lindblad bath of Eq. (23) (``name`` is only a label).

    ``dims`` are the local dimensions of ``sites`` (None: qubits); :class:`Ansatz` fills them in from its
    system. They do not take part in comparisons (a block is its sites).
    """

    sites: tuple[int, ...]
    name: str = ""
    dims: tuple[int, ...] | None = field(default=None, compare=False)

    def __post_init__(self):
        sites = tuple(self.sites)
        if not sites:
            raise ValueError("Block.sites must not be empty")
        if len(set(sites)) != len(sites) or any(isinstance(s, bool) or int(s) != s or s < 0 for s in sites):
            raise ValueError(f"Block.sites must be distinct non-negative site indices, got {sites}")
        object.__setattr__(self, "sites", tuple(sorted(int(s) for s in sites)))
        if self.dims is not None:
            dims = tuple(int(k) for k in self.dims)
            if len(dims) != len(sites) or any(k < 2 for k in dims):
                raise ValueError(f"Block.dims must give one dimension >= 2 per site, got dims={self.dims!r}")
            object.__setattr__(self, "dims", dims)

    @property
    def n_qubits(self) -> int:
        """Number of sites of the block (qubits in the paper's chain)."""
        return len(self.sites)

    @property
    def local_dims(self) -> tuple[int, ...]:
        return self.dims if self.dims is not None else (2,) * len(self.sites)

    @property
    def dim(self) -> int:
        return math.prod(self.local_dims)

    @property
    def n_operators(self) -> int:
        """Size of Γ: d_b² − 1 (4^n − 1 for n qubits)."""
        return self.dim**2 - 1


def paper_blocks(setup, which="left,right") -> tuple[Block, ...]:
    """The paper's blocks for a :class:`~lindblad_core.systems.chain.ChainSetup`: ``"left,right"`` or ``"left"``.

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


def coupled_site_groups(system: OpenSystem) -> tuple[tuple[int, ...], ...]:
    """The default blocks of an OpenSystem: the sites of its couplings, merged where couplings share sites."""
    groups: list[set[int]] = []
    for c in system.couplings:
        merged = set(c.sites)
        for g in [g for g in groups if g & merged]:
            merged |= g
            groups.remove(g)
        groups.append(merged)
    return tuple(tuple(sorted(g)) for g in sorted(groups, key=min))


@functools.lru_cache(maxsize=16)
def local_operator_basis(k: int) -> tuple[np.ndarray, np.ndarray]:
    """An orthonormal basis (Hilbert–Schmidt) of k×k operators, identity last, and the charge of each element.

    k = 2: ``QUBIT_BASIS`` (−σz/√2, σ−, σ+, I/√2; the authors' order). k ≥ 3: the matrix units |i><j|,
    i ≠ j, in row-major order (charge q_i − q_j = j − i), the generalised Gell-Mann diagonals
    diag(1, …, 1, −l, 0, …)/√(l(l+1)), l = 1 … k − 1 (charge 0), and I/√k.
    """
    if k == 2:
        return np.array(QUBIT_BASIS), np.array(QUBIT_CHARGES)
    ops, charges = [], []
    for i in range(k):
        for j in range(k):
            if i != j:
                e = np.zeros((k, k))
                e[i, j] = 1.0
                ops.append(e)
                charges.append(j - i)
    for l in range(1, k):
        h = np.zeros((k, k))
        h[np.arange(l), np.arange(l)] = 1.0
        h[l, l] = -float(l)
        ops.append(h / np.sqrt(l * (l + 1)))
        charges.append(0)
    ops.append(np.eye(k) / np.sqrt(k))
    charges.append(0)
    return np.array(ops), np.array(charges)


@functools.lru_cache(maxsize=16)
def block_operator_basis(dims: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Products of :func:`local_operator_basis` over a block with local dimensions ``dims`` (first site
    slowest), without the final I/√d_b: the f_α of Eq. (23), shape (d_b² − 1, d_b, d_b), and their charges."""
    locals_ = [local_operator_basis(k) for k in dims]
    ops, charges = [], []
    for idx in itertools.product(*(range(k * k) for k in dims)):
        op = np.array([[1.0]])
        for (basis, _), i in zip(locals_, idx):
            op = np.kron(op, basis[i])
        ops.append(op)
        charges.append(sum(int(q[i]) for (_, q), i in zip(locals_, idx)))
    return np.array(ops[:-1]), np.array(charges[:-1])


def _block_basis(block_or_n):
    """:func:`block_operator_basis` of a :class:`Block` (its ``local_dims``) or of n qubits."""
    dims = block_or_n.local_dims if isinstance(block_or_n, Block) else (2,) * int(block_or_n)
    return block_operator_basis(tuple(dims))


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


def _traceless_charges(dims: tuple[int, ...]) -> np.ndarray:
    """Charge difference Q_i − Q_j labelling each off-diagonal element (i, j) of
    :func:`traceless_hermitian_basis` on a block with local dimensions ``dims`` (0 for the diagonals)."""
    q = site_charges(tuple(dims))
    k = len(q)
    off = [q[i] - q[j] for i in range(k) for j in range(k) if i != j]
    return np.array(off + [0] * (k - 1))


def _embed(local: np.ndarray, sites: tuple[int, ...], dims) -> np.ndarray:
    """Embed a stack of operators on ``sites`` (first listed site slowest) into the system with local
    dimensions ``dims`` (an int N: N qubits). See :func:`lindblad_core.systems.open_system.embed`."""
    dims = (2,) * dims if isinstance(dims, (int, np.integer)) else tuple(dims)
    return embed(np.asarray(local)[None] if np.ndim(local) == 2 else local, tuple(sites), dims)


@dataclass(frozen=True, eq=False)
class Ansatz:
    """The operators F_α of Eq. (23) for given blocks of a system, in the energy eigenbasis.

    Attributes
    ----------
    system : System or OpenSystem
    blocks : tuple of Block (disjoint), each made of bath sites; their ``dims`` are set from the system
    cover_baths : bool
        Require every bath site to lie in a block (default). ``False`` admits the published variant with a
        Lindblad bath on the left block only although the Redfield equation has both baths (docs/conventions.md).
    """

    system: OpenSystem
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
        dims = tuple(self.system.dims)
        blocks = tuple(replace(b, dims=tuple(dims[s] for s in b.sites)) for b in blocks)
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
        return tuple(_block_basis(b)[1] for b in self.blocks)

    @cached_property
    def operators(self) -> tuple[np.ndarray, ...]:
        """F_α = f_α ⊗ I_rest / √d_rest per block, energy basis, shape (4^n − 1, d, d): the dense form of
        :attr:`operator_stacks` (where those are sector blocks, assembled from them without a second stack)."""
        return tuple(np.asarray(s) for s in self._operator_stacks())

    @cached_property
    def operator_stacks(self) -> tuple[OperatorStack, ...]:
        """F_α per block as :class:`~lindblad_core.lindblad.operator_stack.OperatorStack` (sector blocks where the
        system's energy-basis products go by sectors); the same numbers as :attr:`operators`, what τ^pop,coh
        works with."""
        return self._operator_stacks()

    def _operator_stacks(self) -> tuple[OperatorStack, ...]:
        out = []
        for b in self.blocks:
            local, _ = _block_basis(b)
            out.append(energy_stack(self.system, local, b.sites, np.sqrt(self.system.dim // b.dim)))
        return tuple(out)

    @cached_property
    def hamiltonian_basis(self) -> tuple[np.ndarray, ...]:
        """Orthonormal basis of the traceless H_LS per block (embedded as H ⊗ I, energy basis): (4^n − 1, d, d),
        in the order of :func:`traceless_hermitian_basis` (the identity part of H_LS drops out of Eq. (23)).
        The dense form of :attr:`hamiltonian_stacks`."""
        return tuple(np.asarray(s) for s in self.hamiltonian_stacks)

    @cached_property
    def hamiltonian_stacks(self) -> tuple[OperatorStack, ...]:
        """:attr:`hamiltonian_basis` per block as :class:`~lindblad_core.lindblad.operator_stack.OperatorStack`:
        the non-zero sector blocks of each B_h where the system's products go by sectors (the dense stack
        otherwise), the same numbers; what τ^pop,coh works with."""
        return tuple(energy_stack(self.system, traceless_hermitian_basis(b.dim), b.sites) for b in self.blocks)

    @cached_property
    def hamiltonian_charges(self) -> tuple[np.ndarray, ...]:
        """Magnetisation change of each H_LS basis element (0 for sector-diagonal ones)."""
        return tuple(_traceless_charges(b.local_dims) for b in self.blocks)
