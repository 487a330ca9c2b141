r"""The dissipator of Eq. (23) at ρ0 and its dual map, evaluated with rigorous error bounds.

D_Γ(ρ0) = Σ_ab Γ_ab (F_b ρ0 F_a† − ½{F_a†F_b, ρ0}) and its adjoint Z ↦ A_Γ^*(Z), block by block where the U(1)
structure makes the operators block-sparse (:class:`OperatorBlocks`): the zeros are read off the float data,
so the exact values are those of the full products and every rounding bound still holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lindblad_core.certify.arithmetic import hermitian_part, rounding_bound
from lindblad_core.certify.lamb import LambDirections


@dataclass(frozen=True, eq=False)
class OperatorBlocks:
    r"""The operators F_α of one block cut into their non-zero blocks over a partition of the energy basis
    into sectors S_I (the U(1) sectors of :mod:`lindblad_core.systems.symmetry`).

    Per group of operators (the charge groups of Γ) the blocks F_α[S_I, S_J] that hold a non-zero entry of
    some F_α of the group form a one-to-one map J ↦ I (the charge shift), and no two groups share a block.
    Both facts are read off the float data (exact zeros), not assumed, so a product evaluated block by block
    is the full product with exact zeros left out: the same exact value, and the rounding bounds below stay
    valid (their sums only get shorter). Then the dissipator of a group maps sector-block-diagonal matrices
    to sector-block-diagonal ones, A^*(Z)_αβ = 0 for α, β in different groups when Z is sector-block-diagonal,
    and A(Γ) is sector-block-diagonal when Γ is zero between groups.
    """

    sectors: tuple  # energy-basis indices of each sector
    groups: tuple  # operator indices of each group
    maps: tuple  # per group: the (I, J) sector pairs of its blocks
    blocks: tuple  # per group: the (k, n_I, n_J) arrays F_α[S_I, S_J], α in the group, aligned with maps
    m: int
    d: int

    def sources(self, g: int) -> dict:
        """Target sector I ↦ (source sector J, block) of group g."""
        return {i: (j, blk) for (i, j), blk in zip(self.maps[g], self.blocks[g])}

    def targets(self, g: int) -> dict:
        """Source sector J ↦ (target sector I, block) of group g."""
        return {j: (i, blk) for (i, j), blk in zip(self.maps[g], self.blocks[g])}

    def block_diagonal(self, z: np.ndarray) -> bool:
        """Whether the d×d matrix z is exactly zero outside the diagonal sector blocks."""
        total = sum(np.count_nonzero(z[np.ix_(sec, sec)]) for sec in self.sectors)
        return total == np.count_nonzero(z)

    def group_diagonal(self, gamma: np.ndarray) -> bool:
        """Whether the m×m matrix gamma is exactly zero between groups."""
        total = sum(np.count_nonzero(gamma[np.ix_(idx, idx)]) for idx in self.groups)
        return total == np.count_nonzero(gamma)



def operator_blocks(f: np.ndarray, groups, sectors) -> OperatorBlocks | None:
    """The :class:`OperatorBlocks` of the stack ``f`` (an (m, d, d) array or an
    :class:`~lindblad_core.lindblad.operator_stack.OperatorStack`, read one operator at a time) for the given
    operator groups and sectors, or None when the data do not have that structure (or there is only one sector:
    nothing to gain)."""
    m, d = f.shape[0], f.shape[1]
    sectors = tuple(np.asarray(sec) for sec in sectors)
    if len(sectors) < 2 or sum(len(sec) for sec in sectors) != d:
        return None
    label = np.empty(d, dtype=int)
    for i, sec in enumerate(sectors):
        label[sec] = i
    dense = isinstance(f, np.ndarray)  # else an OperatorStack: one dense F_α at a time
    nonzero = f != 0 if dense else None
    used, maps, blocks = set(), [], []
    for idx in groups:
        if dense:
            rows, cols = np.nonzero(np.any(nonzero[idx], axis=0))
        else:
            touched = np.zeros((d, d), dtype=bool)
            for a in idx:
                touched |= f[a] != 0
            rows, cols = np.nonzero(touched)
        pattern = np.zeros((len(sectors), len(sectors)), dtype=bool)
        pattern[label[rows], label[cols]] = True
        if np.any(pattern.sum(axis=0) > 1) or np.any(pattern.sum(axis=1) > 1):
            return None  # not a one-to-one map of sectors
        pairs = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(pattern)))
        if used & set(pairs):
            return None  # two groups share a block: A^*(Z) would couple them
        used |= set(pairs)
        maps.append(pairs)
        if dense:
            blocks.append(tuple(f[np.ix_(idx, sectors[i], sectors[j])] for i, j in pairs))
        else:
            parts = [[] for _ in pairs]
            for a in idx:
                fa = f[a]
                for part, (i, j) in zip(parts, pairs):
                    part.append(fa[np.ix_(sectors[i], sectors[j])])
            blocks.append(tuple(np.stack(part) for part in parts))
    return OperatorBlocks(sectors, tuple(np.asarray(idx) for idx in groups), tuple(maps), tuple(blocks), m, d)



def dissipator_with_bound(f: np.ndarray, gamma: np.ndarray, p: np.ndarray, blocks: OperatorBlocks | None = None):
    """A(Γ) = Σ_ab Γ_ab (F_b ρ0 F_a† − ½{F_a†F_b, ρ0}), ρ0 = diag(p), and an entrywise bound on its
    rounding.

    With ``blocks`` (:class:`OperatorBlocks` of ``f``) and Γ exactly zero between its groups, A(Γ) is
    evaluated block by block (sector-block-diagonal; the same exact value and bound)."""
    m, d = f.shape[0], f.shape[1]
    if blocks is not None and blocks.group_diagonal(gamma):
        return _dissipator_blocks_with_bound(blocks, gamma, p, 2 * m + 2 * d + 16)
    f = np.asarray(f)  # an OperatorStack becomes the dense stack here
    fd = np.conj(np.swapaxes(f, 1, 2))
    g_ops = np.tensordot(gamma, f, axes=(1, 0))  # G_a = Σ_b Γ_ab F_b
    sandwich = np.sum((g_ops * p[None, None, :]) @ fd, axis=0)
    anti = np.sum(fd @ g_ops, axis=0)
    value = sandwich - 0.5 * (anti * p[None, :] + p[:, None] * anti)
    af = np.abs(f)
    afd = np.swapaxes(af, 1, 2)
    ag = np.tensordot(np.abs(gamma), af, axes=(1, 0))
    mag_a = np.sum(afd @ ag, axis=0)
    mag = np.sum((ag * p[None, None, :]) @ afd, axis=0) + 0.5 * (mag_a * p[None, :] + p[:, None] * mag_a)
    return value, rounding_bound(2 * m + 2 * d + 16, mag)



def _dissipator_blocks_with_bound(blocks: OperatorBlocks, gamma: np.ndarray, p: np.ndarray, depth: int):
    """:func:`dissipator_with_bound` block by block (Γ zero between groups): per group and block
    F[S_I, S_J], G_a[S_I, S_J] = Σ_b Γ_ab F_b[S_I, S_J] adds G_a ρ0 F_a† to the (I, I) block of the sandwich
    and F_a†G_a to the (J, J) block of the anticommutator; every other block is an exact zero."""
    d = blocks.d
    sandwich = np.zeros((d, d), dtype=complex)
    anti = np.zeros((d, d), dtype=complex)
    mag_s = np.zeros((d, d))
    mag_a = np.zeros((d, d))
    for idx, maps, blks in zip(blocks.groups, blocks.maps, blocks.blocks):
        gam = gamma[np.ix_(idx, idx)]
        agam = np.abs(gam)
        for (i, j), fb in zip(maps, blks):
            si, sj = blocks.sectors[i], blocks.sectors[j]
            fbd = np.conj(np.swapaxes(fb, 1, 2))
            g_ops = np.tensordot(gam, fb, axes=(1, 0))
            sandwich[np.ix_(si, si)] += np.sum((g_ops * p[sj][None, None, :]) @ fbd, axis=0)
            anti[np.ix_(sj, sj)] += np.sum(fbd @ g_ops, axis=0)
            af = np.abs(fb)
            afd = np.swapaxes(af, 1, 2)
            ag = np.tensordot(agam, af, axes=(1, 0))
            mag_s[np.ix_(si, si)] += np.sum((ag * p[sj][None, None, :]) @ afd, axis=0)
            mag_a[np.ix_(sj, sj)] += np.sum(afd @ ag, axis=0)
    value = sandwich - 0.5 * (anti * p[None, :] + p[:, None] * anti)
    mag = mag_s + 0.5 * (mag_a * p[None, :] + p[:, None] * mag_a)
    return value, rounding_bound(depth, mag)



def dual_map_with_bound(f: np.ndarray, z: np.ndarray, p: np.ndarray, blocks: OperatorBlocks | None = None,
                        bound: bool = True):
    """S = A_Γ^*(Z) (Hermitian m×m: Re<Z, A(Γ)> = Tr(S Γ) for Hermitian Γ) and an entrywise rounding bound (None
    with ``bound=False``: the same S, for plain floating-point proposals, without the work of the bound).

    With ``blocks`` (:class:`OperatorBlocks` of ``f``) and Z exactly sector-block-diagonal, S is evaluated
    group by group (zero between groups; the same exact value and bound)."""
    m, d = f.shape[0], f.shape[1]
    if blocks is not None and blocks.block_diagonal(z):
        return _dual_map_blocks_with_bound(blocks, z, p, d * d + 2 * d + 16, bound)
    f = np.asarray(f)  # an OperatorStack becomes the dense stack here
    fc = f.conj().reshape(m, d * d)
    zd = z.conj().T
    q1 = fc @ ((zd @ f) * p[None, None, :]).reshape(m, d * d).T
    pm = p[:, None] * zd + zd * p[None, :]
    q2 = fc @ (f @ pm).reshape(m, d * d).T
    value = hermitian_part(q1 - 0.5 * q2)
    if not bound:
        return value, None
    af = np.abs(f)
    afr = af.reshape(m, d * d)
    az = np.abs(z).T
    m1 = afr @ ((az @ af) * p[None, None, :]).reshape(m, d * d).T
    m2 = afr @ (af @ (p[:, None] * az + az * p[None, :])).reshape(m, d * d).T
    mag = m1 + 0.5 * m2
    return value, rounding_bound(d * d + 2 * d + 16, 0.5 * (mag + mag.T))



def _dual_map_blocks_with_bound(blocks: OperatorBlocks, z: np.ndarray, p: np.ndarray, depth: int, bound: bool):
    """:func:`dual_map_with_bound` for a sector-block-diagonal Z, group by group: with F[S_I, S_J] the
    blocks of a group, (Z†F_b ρ0)[S_I, S_J] = Z†[S_I, S_I] F_b[S_I, S_J] ρ0[S_J] and
    (F_b (ρ0 Z† + Z† ρ0))[S_I, S_J] = F_b[S_I, S_J] (ρ0 Z† + Z† ρ0)[S_J, S_J]."""
    m = blocks.m
    zd = z.conj().T
    az = np.abs(z).T
    q = np.zeros((m, m), dtype=complex)
    mag = np.zeros((m, m))
    for idx, maps, blks in zip(blocks.groups, blocks.maps, blocks.blocks):
        k = len(idx)
        q_g = np.zeros((k, k), dtype=complex)
        m_g = np.zeros((k, k))
        for (i, j), fb in zip(maps, blks):
            si, sj = blocks.sectors[i], blocks.sectors[j]
            pj = p[sj]
            fc = fb.conj().reshape(k, -1)
            zii, zjj = zd[np.ix_(si, si)], zd[np.ix_(sj, sj)]
            q1 = fc @ ((zii @ fb) * pj[None, None, :]).reshape(k, -1).T
            q2 = fc @ (fb @ (pj[:, None] * zjj + zjj * pj[None, :])).reshape(k, -1).T
            q_g += q1 - 0.5 * q2
            if not bound:
                continue
            af = np.abs(fb)
            afr = af.reshape(k, -1)
            aii, ajj = az[np.ix_(si, si)], az[np.ix_(sj, sj)]
            m1 = afr @ ((aii @ af) * pj[None, None, :]).reshape(k, -1).T
            m2 = afr @ (af @ (pj[:, None] * ajj + ajj * pj[None, :])).reshape(k, -1).T
            m_g += m1 + 0.5 * m2
        q[np.ix_(idx, idx)] = q_g
        mag[np.ix_(idx, idx)] = m_g
    return hermitian_part(q), rounding_bound(depth, 0.5 * (mag + mag.T)) if bound else None



def dissipator_matrix(operators, p: np.ndarray, lamb: LambDirections | None):
    r"""The real 2d² × Σ_b 2m_b² matrix of Γ ↦ P⊥ Σ_b A_b(Γ_b) (Eq. (23) at ρ0, the Lamb-shift directions
    projected out), Γ_b entered as (Re vec Γ_b, Im vec Γ_b); plain floating point (it only proposes
    candidates, which the certificate then checks), and the first column of each block."""
    d = len(p)
    sizes = [f.shape[0] ** 2 for f in operators]
    a = np.empty((2 * d * d, 2 * sum(sizes)))  # rows are gathered by the projection below
    offsets, pos = [], 0
    for f, n in zip(operators, sizes):
        mr = dissipator_images(f, p).reshape(n, d * d)  # A_b(E_ab) = M_ab
        re, im = mr.real.T, mr.imag.T  # written column block by column block: a transposed copy of the whole
        a[:d * d, pos:pos + n], a[d * d:, pos:pos + n] = re, im  # stack would cost ~5x more in cache misses
        a[:d * d, pos + n:pos + 2 * n], a[d * d:, pos + n:pos + 2 * n] = -im, re
        offsets.append(pos)
        pos += 2 * n
    if lamb is not None:
        a = lamb.project_out(a, copy=False)
    return a, tuple(offsets)



def dissipator_images(f: np.ndarray, p: np.ndarray) -> np.ndarray:
    """M_ab = F_b ρ0 F_a† − ½{F_a†F_b, ρ0} (ρ0 = diag p), the image of the matrix unit E_ab under the
    dissipator of Eq. (23), shape (m, m, d, d)."""
    fd = np.conj(f)
    sandwich = np.einsum("bij,j,akj->abik", f, p, fd, optimize=True)
    prod = np.einsum("aji,bjk->abik", fd, f, optimize=True)  # (F_a†F_b)_ik
    return sandwich - 0.5 * prod * (p[None, None, None, :] + p[None, None, :, None])
