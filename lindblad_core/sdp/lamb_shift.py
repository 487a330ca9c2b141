r"""The Lamb-shift variables of τ^pop,coh: which directions i[ρ0, B_h] are resolved, and their coordinates.

H_LS = Σ_h θ_h B_h (traceless Hermitian basis of each block) enters L2'(ρ0) only through i[ρ0, H_LS]; directions
that vanish to rounding (B_h diagonal in the energy basis: conserved) are dropped, nearly dependent ones are
reduced to an independent set (Gram matrix, or a pivoted QR when it is ill conditioned).
"""

from __future__ import annotations

import numpy as np
from lindblad_core.certify.lamb import dense_lamb_rows, lamb_directions
from lindblad_core.lindblad.ansatz import Ansatz
from lindblad_core.lindblad.operator_stack import OperatorStack
from lindblad_core.systems.symmetry import STRUCTURE_RTOL


# Lamb-shift basis elements whose energy-basis matrix is diagonal up to this (relative to its norm) commute
# with ρ0 up to the rounding of the eigenbasis (conserved quantities such as Σσz when a block spans the whole
# chain): their commutators are rounding noise, not directions of the problem, and are left out of it.
LAMB_NOISE_RTOL = 1e-12



def _resolved_lamb_shift(basis: np.ndarray, dmat: np.ndarray) -> np.ndarray:
    """Which Lamb-shift basis elements B_h give a real direction i[ρ0, B_h] = i D∘B_h of the problem."""
    off = dmat != 0
    out = np.zeros(len(basis), dtype=bool)
    for h, b in enumerate(basis):
        total = np.sqrt(np.sum(np.abs(b) ** 2))
        out[h] = np.sqrt(np.sum(np.abs(b[off]) ** 2)) > LAMB_NOISE_RTOL * total
    return out



# Of the resolved directions, those whose normalised commutators are linearly dependent on the others up to
# this (pivoted QR, relative to the strongest) are left out too: a combination that vanishes in exact
# arithmetic (e.g. the total magnetisation when the blocks cover the whole chain) comes out of the computed
# basis as a spurious direction of size ~1e-16 that the certificate would have to treat as real. The solver
# parametrises the same set, so the two bounds describe one problem.
LAMB_RANK_RTOL = 1e-6



# The pivoted QR of the directions is skipped when it would keep them all: every |R_kk| is at least their
# smallest singular value, so when that exceeds LAMB_GRAM_MARGIN · LAMB_RANK_RTOL (from the Gram matrix, whose
# rounding is ~1e-12 here) every direction passes the test above.
LAMB_GRAM_MARGIN = 100.0



def lamb_shift_selection(ansatz: Ansatz, p: np.ndarray):
    """Per block, which Lamb-shift basis elements span the problem's Lamb-shift directions (see above), and
    those directions (:class:`~lindblad_core.certify._certificates.LambDirections`, for the certificates).

    The kept directions are those of a pivoted QR of the normalised directions whose R diagonal exceeds
    ``LAMB_RANK_RTOL`` (relative); when the smallest singular value already does (``LAMB_GRAM_MARGIN``), all of
    them, without the QR. The singular values come from the Gram matrix per group of directions with disjoint
    supports (different charge changes), on their supports only.
    """
    from scipy.linalg import qr

    dmat = p[:, None] - p[None, :]
    basis = OperatorStack.concatenate(ansatz.hamiltonian_stacks)  # one dense B_h at a time
    keep = _resolved_lamb_shift(basis, dmat)
    idx = np.flatnonzero(keep)
    dirs = lamb_directions(basis, dmat, idx)
    floor = (LAMB_GRAM_MARGIN * LAMB_RANK_RTOL) ** 2
    if len(idx) and not all(np.linalg.eigvalsh(dirs.gram[np.ix_(c, c)])[0] > floor for c in dirs.components):
        r, piv = qr(dense_lamb_rows(basis, dmat, idx).T, mode="r", pivoting=True)
        diag = np.abs(np.diag(r))
        strong = np.zeros(len(idx), dtype=bool)
        strong[piv[: int(np.sum(diag > LAMB_RANK_RTOL * diag[0]))]] = True
        keep = np.zeros(len(basis), dtype=bool)
        keep[idx[strong]] = True
        dirs = dirs.subset(strong)
    bounds = np.cumsum([0] + [len(hb) for hb in ansatz.hamiltonian_stacks])
    return tuple(keep[a:b] for a, b in zip(bounds[:-1], bounds[1:])), dirs



def lamb_coordinates(comm: np.ndarray, sectors) -> np.ndarray:
    """θ = coords @ r for the commutator directions ``comm`` (stack of i[ρ0, B_h] on the kept B_h): coords maps
    r onto an orthonormal basis of their span restricted to the sectors.

    Only the range of h ↦ i[ρ0, h] matters (e.g. diagonal h commute with ρ0): parametrising it by an
    orthonormal basis means the solver sees no directions that leave the objective unchanged. Each h is
    scaled to a unit-norm commutator first: at low temperature the population differences, hence the
    commutators' sizes, span tens of orders of magnitude, and a direction must not be lost (or ill-resolved)
    for being small.
    """
    if isinstance(comm, np.ndarray):
        comm = [comm[:, sec][:, :, sec] for sec in sectors]
    k = comm[0].shape[0]
    stacked = np.concatenate([c.reshape(k, len(sec) ** 2) for c, sec in zip(comm, sectors)], axis=1)
    stacked = np.concatenate([stacked.real, stacked.imag], axis=1)
    size = np.sqrt(np.sum(stacked**2, axis=1))
    live = size > 0
    rank = 0
    if np.any(live):
        u, sv, _ = np.linalg.svd(stacked[live] / size[live, None], full_matrices=False)
        rank = int(np.sum(sv > STRUCTURE_RTOL * max(sv.max(initial=0.0), 1e-300)))
    coords = np.zeros((k, rank))
    if rank:
        coords[live] = u[:, :rank] / sv[:rank] / size[live, None]
    return coords
