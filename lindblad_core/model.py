r"""Qubit chains and their energy eigenbasis (Sec. II.A, Eq. (35), App. C).

Conventions (``docs/conventions.md``): ħ = 1; qubit basis ``|0> = spin up`` (σz = +1), ``|1> = spin down``;
σ− = |1><0|; site 0 is the left-most, slowest Kronecker factor; energies sorted ascending.

.. math::

    H_S = \sum_\ell h_\ell Z_\ell + g \sum_\ell (X_\ell X_{\ell+1} + Y_\ell Y_{\ell+1}
          + \Delta Z_\ell Z_{\ell+1}),

with ``Z_ℓ = |0><0|_ℓ`` for ``field="projector"`` (the authors' published data) or ``Z_ℓ = σz`` for
``field="sigma_z"`` (the paper's text), and the bias of App. C: ``h_ℓ = ω0`` on the first ``N // 2``
sites and ``ω0 + ε0`` on the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .system import DEGENERACY_RTOL, HERMITICITY_ATOL, EnergyBasis, validated_hamiltonian

__all__ = [
    "SIGMA_MINUS",
    "SIGMA_PLUS",
    "SIGMA_Z",
    "PROJECTOR_UP",
    "FIELDS",
    "DEGENERACY_RTOL",
    "HERMITICITY_ATOL",
    "site_operator",
    "xxz_hamiltonian",
    "System",
]

SIGMA_MINUS = np.array([[0.0, 0.0], [1.0, 0.0]])  # |1><0|: lowers σz from +1 to −1
SIGMA_PLUS = SIGMA_MINUS.T.copy()
SIGMA_Z = np.diag([1.0, -1.0])
SIGMA_X = np.array([[0.0, 1.0], [1.0, 0.0]])
SIGMA_Y = np.array([[0.0, -1j], [1j, 0.0]])
PROJECTOR_UP = np.diag([1.0, 0.0])  # |0><0| = (1 + σz)/2
FIELDS = {"projector": PROJECTOR_UP, "sigma_z": SIGMA_Z}

def site_operator(op: np.ndarray, site: int, n_sites: int) -> np.ndarray:
    """``I ⊗ … ⊗ op ⊗ … ⊗ I`` with ``op`` on ``site`` (0-based, site 0 the slowest factor)."""
    op = np.asarray(op)
    return np.kron(np.kron(np.eye(2**site), op), np.eye(2 ** (n_sites - site - 1)))


def _check_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {name}={value!r}")
    return int(value)


def _check_finite(name: str, value) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {name}={value!r}")
    return value


def xxz_hamiltonian(
    n_sites: int,
    *,
    g: float,
    delta: float = 1.0,
    omega0: float = 1.0,
    bias: float = 0.0,
    field: str = "projector",
) -> np.ndarray:
    r"""The XXZ chain of Eq. (35) with the on-site bias of App. C, as a real ``2^N × 2^N`` array.

    Parameters
    ----------
    n_sites : int
        Number of qubits N ≥ 1.
    g : float
        Nearest-neighbour coupling (``+g``: antiferromagnetic for ``g > 0``).
    delta : float
        Anisotropy Δ of the ``Z_ℓ Z_{ℓ+1}`` term (Δ = 1: isotropic, the paper's case).
    omega0 : float
        On-site field ω0 (1 in the paper).
    bias : float
        Energy bias ε0 of App. C, added to the field of sites ``ℓ >= N // 2``.
    field : {"projector", "sigma_z"}
        On-site operator: ``|0><0|`` (published data) or ``σz`` (paper's text).

    Notes
    -----
    The coupling uses Pauli matrices in both conventions; only the on-site term differs (docs/conventions.md).
    """
    n_sites = _check_count("n_sites", n_sites, 1)
    g, delta, omega0, bias = (_check_finite(k, v) for k, v in
                              (("g", g), ("delta", delta), ("omega0", omega0), ("bias", bias)))
    if field not in FIELDS:
        raise ValueError(f"field must be one of {sorted(FIELDS)}, got field={field!r}")
    d = 2**n_sites
    h = np.zeros((d, d))
    for site in range(n_sites):
        h_site = omega0 + (bias if site >= n_sites // 2 else 0.0)
        h += h_site * site_operator(FIELDS[field], site, n_sites)
    # XX + YY = 2 (σ+σ− + σ−σ+): real, avoids complex arithmetic.
    hopping = 2.0 * (np.kron(SIGMA_PLUS, SIGMA_MINUS) + np.kron(SIGMA_MINUS, SIGMA_PLUS))
    bond = hopping + delta * np.kron(SIGMA_Z, SIGMA_Z)
    for site in range(n_sites - 1):
        h += g * np.kron(np.kron(np.eye(2**site), bond), np.eye(2 ** (n_sites - site - 2)))
    return h


@dataclass(frozen=True, eq=False)
class System(EnergyBasis):
    r"""A system Hamiltonian H_S on N qubits and the sites that couple to baths through σ−.

    The paper's special case of :class:`~lindblad_core.system.OpenSystem` without the baths (they are passed
    to :func:`~lindblad_core.redfield.redfield` separately); the energy basis is the shared implementation of
    :class:`~lindblad_core.system.EnergyBasis` (sector-wise diagonalisation by magnetisation).

    Parameters
    ----------
    hamiltonian : (2^N, 2^N) array
        Hermitian H_S.
    bath_sites : tuple of int
        Sites ℓ (0-based, no repeats) coupled to their own bosonic bath via S_ℓ = σ−^(ℓ) (Eq. (35)).
    allow_degenerate : bool
        H_S must be non-degenerate for the theory of Sec. II.B; set True only to inspect such a
        spectrum (coherences of Eq. (15) are then undefined).

    Attributes
    ----------
    energies : (d,) array, ascending.
    eigenvectors : (d, d) array, columns |E_α> in the computational basis.
    """

    hamiltonian: np.ndarray
    bath_sites: tuple[int, ...]
    allow_degenerate: bool = False

    def __post_init__(self):
        h = np.asarray(self.hamiltonian)
        if h.ndim != 2 or h.shape[0] != h.shape[1]:
            raise ValueError(f"hamiltonian must be a square matrix, got shape {h.shape}")
        d = h.shape[0]
        n_sites = d.bit_length() - 1
        if d < 2 or 2**n_sites != d:
            raise ValueError(f"hamiltonian must have size 2^N x 2^N for N >= 1 qubits, got {d} x {d}")
        object.__setattr__(self, "hamiltonian", validated_hamiltonian(h))
        sites = tuple(self.bath_sites)
        if len(sites) == 0:
            raise ValueError("bath_sites must name at least one site")
        for s in sites:
            if isinstance(s, bool) or int(s) != s or not 0 <= s < n_sites:
                raise ValueError(f"bath_sites must hold site indices in [0, {n_sites - 1}], got {s!r}")
        if len(set(sites)) != len(sites):
            raise ValueError(f"bath_sites must not repeat a site, got {sites}")
        object.__setattr__(self, "bath_sites", tuple(int(s) for s in sites))
        self._check_nondegenerate()

    @property
    def dims(self) -> tuple[int, ...]:
        return (2,) * (self.dim.bit_length() - 1)

    @property
    def forms(self) -> tuple[str, ...]:
        return ("exchange",) * len(self.bath_sites)

    @cached_property
    def coupling_operators(self) -> np.ndarray:
        """S_ℓ = σ−^(ℓ) for each bath site, stacked, in the computational basis: shape (n_baths, d, d)."""
        return np.stack([site_operator(SIGMA_MINUS, s, self.n_sites) for s in self.bath_sites])

    @cached_property
    def magnetisation(self) -> np.ndarray:
        """Σ_ℓ σz^(ℓ): conserved by the XXZ chain, changed by one unit by each S_ℓ."""
        return sum(site_operator(SIGMA_Z, s, self.n_sites) for s in range(self.n_sites))

    def conserves_magnetisation(self, atol: float = 1e-12) -> bool:
        """Whether [H_S, Σ σz] = 0, the U(1) symmetry the SDPs exploit when present."""
        h, m = self.hamiltonian, self.magnetisation
        return bool(np.max(np.abs(h @ m - m @ h)) <= atol * max(1.0, np.max(np.abs(h))))
