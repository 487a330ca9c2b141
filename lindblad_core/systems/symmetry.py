r"""The U(1) symmetry both SDPs exploit, detected and checked once.

Let Q = Σ_ℓ q_ℓ with the local charge q = diag(0, −1, …, −(k−1)) on a site of dimension k (for a qubit
q = (σz − 1)/2, so Q counts the flipped spins and σ− = |1><0| has charge −1). When

* H_S commutes with Q,
* every coupling operator S has a definite charge ([Q, S] = q_S S), and
* every computed energy eigenvector has a definite charge (so ρ0, diagonal in the energy basis, commutes
  with Q),

twirling with e^{iφQ} maps every feasible (Γ, H_LS) of Eq. (23) to one whose Γ is block-diagonal in the
charge of the block operators F_α and whose H_LS conserves Q, without increasing either objective (both are
convex and covariant; T = L2(ρ0) and ρ0 are invariant). Then both SDPs split into small independent blocks:
:func:`gamma_groups` (Γ) and :attr:`U1Structure.state_charges` (the sectors of the residual of Eq. (33)).
Without the symmetry (e.g. a σx coupling) nothing is split by charge. The certified bounds are always
evaluated on the full, unreduced problem (:mod:`lindblad_core.certify._certificates`), so a wrong reduction could
only make an interval loose, never wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["STRUCTURE_RTOL", "U1Structure", "operator_charge", "u1_structure", "is_sector_pure", "gamma_groups", "is_real"]

# Matrix entries below this (relative to the largest) are treated as structural zeros when splitting Γ into
# independent blocks; the certified bounds never rely on it.
STRUCTURE_RTOL = 1e-11
# An eigenvector's expected charge <E|Q|E> must be within this of an integer to have a definite charge
# (the sector-wise diagonalisation of ``OpenSystem`` makes them exact; a dense eigh leaves ~1e-15).
CHARGE_ATOL = 1e-8


def operator_charge(op: np.ndarray, q: np.ndarray, rtol: float = STRUCTURE_RTOL) -> int | None:
    """The definite charge c with [Q, op] = c·op (Q = diag(q)), 0 for op = 0, or None if op has none."""
    op = np.asarray(op)
    scale = np.max(np.abs(op), initial=0.0)
    if scale == 0.0:
        return 0
    i, j = np.nonzero(np.abs(op) > rtol * scale)
    diffs = np.unique(np.rint(q[i] - q[j]).astype(int))
    return int(diffs[0]) if len(diffs) == 1 else None


@dataclass(frozen=True, eq=False)
class U1Structure:
    """The checked U(1) symmetry of a system: the charge of each energy eigenstate (ascending energies)."""

    state_charges: np.ndarray

    def sectors(self) -> list[np.ndarray]:
        """Energy-basis index sets of equal charge."""
        return [np.flatnonzero(self.state_charges == v) for v in np.unique(self.state_charges)]


def u1_structure(system) -> U1Structure | None:
    """The U(1) structure of ``system`` (module docstring), or None when any of its three conditions fails.

    ``system``: an :class:`~lindblad_core.systems.open_system.OpenSystem` (it carries ``charge``, the diagonal
    of Q, and ``conserves_charge``).
    """
    q = system.charge
    if not system.conserves_charge(STRUCTURE_RTOL):
        return None
    if any(operator_charge(s, q) is None for s in system.coupling_operators):
        return None
    v = system.eigenvectors
    m = np.einsum("ia,i->a", np.abs(v) ** 2, q)
    labels = np.rint(m).astype(int)
    if np.max(np.abs(m - labels), initial=0.0) > CHARGE_ATOL:
        return None
    return U1Structure(labels)


def is_sector_pure(vectors: np.ndarray, charge: np.ndarray) -> bool:
    """Every column of ``vectors`` (computational basis) lies in one sector of the charge Q = diag(``charge``),
    up to ``CHARGE_ATOL`` in norm outside it: the condition for a basis of Eq. (28) to keep the twirl argument."""
    v2 = np.abs(np.asarray(vectors)) ** 2
    main = np.asarray(charge)[np.argmax(v2, axis=0)]
    outside = np.sum(v2 * (np.asarray(charge)[:, None] != main[None, :]), axis=0)
    return bool(np.max(outside, initial=0.0) <= CHARGE_ATOL**2)


def gamma_groups(charges: np.ndarray, pattern: np.ndarray | None = None, *, by_charge: bool = True) -> list[np.ndarray]:
    """Index sets on which a Γ of Eq. (23) decouples, shared by both SDPs.

    Parameters
    ----------
    charges : (m,) int array
        Charge of each block operator F_α (``Ansatz.charges``).
    by_charge : bool
        Split by charge: only when the system has the U(1) structure (:func:`u1_structure`); Γ_αβ with
        different charges is then zero at an optimum.
    pattern : (m, m) bool array or None
        Which Γ_αβ enter the objective at all (e.g. the non-zero pattern of the coefficients of Eq. (29));
        the groups are refined into the connected components of ``pattern``, since Γ entries that couple
        nothing can be set to zero. None: no refinement.
    """
    from scipy.sparse.csgraph import connected_components

    m = len(charges)
    adjacency = np.ones((m, m), dtype=bool) if pattern is None else np.asarray(pattern, dtype=bool).copy()
    if by_charge:
        adjacency &= np.asarray(charges)[:, None] == np.asarray(charges)[None, :]
    n, labels = connected_components(adjacency, directed=False)
    return [np.flatnonzero(labels == i) for i in range(n)]


def is_real(arrays) -> bool:
    """All arrays real up to ``STRUCTURE_RTOL`` (then the SDPs use real symmetric LMIs)."""
    return all(np.max(np.abs(np.imag(a)), initial=0.0) <= STRUCTURE_RTOL * max(np.max(np.abs(a)), 1e-300)
               for a in arrays)
