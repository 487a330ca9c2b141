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

__all__ = [
    "SIGMA_MINUS",
    "SIGMA_PLUS",
    "SIGMA_Z",
    "PROJECTOR_UP",
    "FIELDS",
    "DEGENERACY_ATOL",
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

# Two eigenvalues closer than this (relative to max(1, ‖H‖)) count as degenerate: the theory of Sec. II.B
# (coherences of Eq. (15) divide by E_α − E_ν) does not apply there.
DEGENERACY_ATOL = 1e-9
# Largest |H − H†| accepted as rounding noise in a user-supplied Hamiltonian.
HERMITICITY_ATOL = 1e-12


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
class System:
    r"""A system Hamiltonian H_S on N qubits and the sites that couple to baths through σ−.

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
        if not np.all(np.isfinite(h)):
            raise ValueError("hamiltonian must be finite")
        asym = np.max(np.abs(h - h.conj().T))
        if asym > HERMITICITY_ATOL * max(1.0, np.max(np.abs(h))):
            raise ValueError(f"hamiltonian must be Hermitian, got max|H - H^dagger| = {asym:.3g}")
        h = 0.5 * (h + h.conj().T)
        if not np.iscomplexobj(h) or np.max(np.abs(h.imag)) == 0.0:
            h = np.real(h).astype(float)
        h.setflags(write=False)
        object.__setattr__(self, "hamiltonian", h)
        sites = tuple(self.bath_sites)
        if len(sites) == 0:
            raise ValueError("bath_sites must name at least one site")
        for s in sites:
            if isinstance(s, bool) or int(s) != s or not 0 <= s < n_sites:
                raise ValueError(f"bath_sites must hold site indices in [0, {n_sites - 1}], got {s!r}")
        if len(set(sites)) != len(sites):
            raise ValueError(f"bath_sites must not repeat a site, got {sites}")
        object.__setattr__(self, "bath_sites", tuple(int(s) for s in sites))
        if not self.allow_degenerate:
            gaps = np.diff(self.energies)
            tol = DEGENERACY_ATOL * max(1.0, float(np.max(np.abs(self.energies))))
            if gaps.size and gaps.min() < tol:
                i = int(np.argmin(gaps))
                raise ValueError(
                    f"hamiltonian is degenerate within {tol:.1e}: E[{i}] = {self.energies[i]:.12g} and "
                    f"E[{i + 1}] = {self.energies[i + 1]:.12g}; the theory of Sec. II.B needs a "
                    "non-degenerate H_S (pass allow_degenerate=True to inspect it anyway)"
                )

    @property
    def dim(self) -> int:
        return self.hamiltonian.shape[0]

    @property
    def n_sites(self) -> int:
        return self.dim.bit_length() - 1

    @cached_property
    def _eigh(self):
        """Eigen-decomposition, ascending. When H_S has exact zeros between different magnetisation sectors
        (the XXZ chain, built from exact Kronecker products, does), each sector is diagonalised on its own, so
        that every eigenvector lies exactly in one sector: the U(1) selection rules the SDPs rely on
        (``symmetry.py``) then hold exactly in the computed data, not only up to the ~1e-16 mixing a dense
        ``eigh`` leaves between sectors."""
        h = self.hamiltonian
        m = np.rint(np.real(np.diag(self.magnetisation))).astype(int)
        labels = None
        if np.any(h[m[:, None] != m[None, :]] != 0):
            energies, vectors = np.linalg.eigh(h)  # no exact sector structure: one dense solve
        else:
            energies = np.empty(self.dim)
            vectors = np.zeros((self.dim, self.dim), dtype=h.dtype)
            start = 0
            for value in np.unique(m):
                idx = np.flatnonzero(m == value)
                w, v = np.linalg.eigh(h[np.ix_(idx, idx)])
                cols = slice(start, start + len(idx))
                energies[cols] = w
                vectors[np.ix_(idx, np.arange(start, start + len(idx)))] = v
                start += len(idx)
            order = np.argsort(energies, kind="stable")
            energies, vectors = energies[order], vectors[:, order]
            labels = np.repeat(np.unique(m), [np.sum(m == v) for v in np.unique(m)])[order]
        energies.setflags(write=False)
        vectors.setflags(write=False)
        return energies, vectors, labels

    @cached_property
    def eigenvector_error(self) -> float:
        """First-order estimate of the rounding error of the computed eigenvectors: max_j ‖δv_j‖ ≈
        d u ‖H‖₂ / gap_j (Davis–Kahan for a backward-stable eigensolver), gap_j being the distance to the
        nearest other eigenvalue of the same magnetisation sector when sectors are diagonalised separately
        (vectors of different sectors cannot mix: their overlaps are exact zeros)."""
        e, _, labels = self._eigh
        groups = [np.arange(self.dim)] if labels is None else [np.flatnonzero(labels == v) for v in np.unique(labels)]
        gap = np.inf
        for idx in groups:
            if len(idx) > 1:
                gap = min(gap, float(np.min(np.diff(np.sort(e[idx])))))
        if gap == np.inf:
            return float(self.dim * np.finfo(float).eps)
        scale = max(float(np.max(np.abs(e))), np.finfo(float).tiny)
        return float(self.dim * np.finfo(float).eps / 2 * scale / max(gap, np.finfo(float).tiny))

    @property
    def energies(self) -> np.ndarray:
        return self._eigh[0]

    @property
    def eigenvectors(self) -> np.ndarray:
        return self._eigh[1]

    def to_energy_basis(self, op: np.ndarray) -> np.ndarray:
        """``<E_α| op |E_β>`` for an operator (or a stack of them) in the computational basis."""
        v = self.eigenvectors
        return v.conj().T @ op @ v

    def to_computational_basis(self, op: np.ndarray) -> np.ndarray:
        v = self.eigenvectors
        return v @ op @ v.conj().T

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
