r"""A stack of d×d energy-basis operators kept as their non-zero charge-sector blocks.

The operators of Eq. (23) (F_α and the Lamb-shift basis B_h, embedded as f ⊗ I) change the charge Q by a
definite amount or a few, so in the energy basis of a U(1)-symmetric H_S (:mod:`lindblad_core.systems.symmetry`)
each is non-zero on a few sector blocks only: for 12 qubits ~3e6 of the d² = 1.7e7 entries. Where the system takes
operators to the energy basis sector by sector (:meth:`~lindblad_core.systems.open_system.EnergyBasis.to_energy_sector_blocks`)
:class:`OperatorStack` stores just those blocks and hands out one dense d×d operator at a time, never the
(m, d, d) stack; elsewhere (small d) it holds the dense stack. Either way ``stack[i]`` is, bit for bit, the i-th
matrix of ``system.to_energy_basis`` applied to the whole stack.
"""

from __future__ import annotations

import numpy as np

from lindblad_core.systems.open_system import embed

__all__ = ["OperatorStack", "energy_stack", "dense_or_stack"]


class OperatorStack:
    """m operators (d×d, energy basis) indexed like an (m, d, d) array.

    ``stack[i]`` (an integer) is the dense d×d operator i (a read-only view when the stack is dense, a fresh
    array assembled from its sector blocks otherwise); ``stack[idx]`` (slice, integer or boolean array) is the
    stack of those operators; iteration yields the dense operators one at a time; ``np.asarray(stack)`` builds
    the dense (m, d, d) array.
    """

    def __init__(self, dense: np.ndarray | None = None, blocks: tuple | None = None, sectors: tuple | None = None,
                 d: int | None = None, dtype=None):
        if (dense is None) == (blocks is None):
            raise ValueError("OperatorStack needs either dense or blocks")
        self._dense = dense
        self._blocks = blocks
        self._sectors = sectors
        if dense is not None:
            self.shape = dense.shape
            self.dtype = dense.dtype
        else:
            self.shape = (len(blocks), int(d), int(d))
            self.dtype = np.dtype(dtype)

    @property
    def is_dense(self) -> bool:
        return self._dense is not None

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def ndim(self) -> int:
        return 3

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            if self._dense is not None:
                return self._dense[key]
            return self._assemble(self._blocks[key])
        if self._dense is not None:
            return OperatorStack(dense=self._dense[key])
        index = np.arange(len(self))[key]
        return OperatorStack(blocks=tuple(self._blocks[i] for i in np.atleast_1d(index)), sectors=self._sectors,
                             d=self.shape[1], dtype=self.dtype)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype=None, copy=None):
        if self._dense is not None:
            out = self._dense
        else:
            out = np.zeros(self.shape, dtype=self.dtype)
            for i, blk in enumerate(self._blocks):
                self._assemble(blk, out[i])
        return out if dtype is None else out.astype(dtype)

    def _assemble(self, blocks: dict, out: np.ndarray | None = None) -> np.ndarray:
        d = self.shape[1]
        out = np.zeros((d, d), dtype=self.dtype) if out is None else out
        for (s, t), piece in blocks.items():
            out[np.ix_(self._sectors[s], self._sectors[t])] = piece
        return out

    def nonzero_parts(self, i: int) -> tuple[bool, bool]:
        """Whether operator i has a non-zero real part and a non-zero imaginary part."""
        pieces = [self._dense[i]] if self._dense is not None else list(self._blocks[i].values())
        return (any(bool(np.any(np.real(x) != 0)) for x in pieces),
                any(bool(np.any(np.imag(x) != 0)) for x in pieces))

    @staticmethod
    def concatenate(stacks) -> "OperatorStack":
        """The stacks one after the other (all dense, or all in blocks over the same sectors)."""
        stacks = list(stacks)
        if all(s.is_dense for s in stacks):
            return OperatorStack(dense=np.concatenate([s._dense for s in stacks], axis=0))
        if any(s.is_dense for s in stacks):
            raise ValueError("cannot concatenate dense and sector-block stacks")
        return OperatorStack(blocks=sum((s._blocks for s in stacks), ()), sectors=stacks[0]._sectors,
                             d=stacks[0].shape[1], dtype=np.result_type(*[s.dtype for s in stacks]))


def energy_stack(system, local: np.ndarray, sites: tuple[int, ...], divisor: float | None = None) -> OperatorStack:
    """The operators ``local`` (m, k, k) on ``sites``, embedded as local ⊗ I (divided by ``divisor``) and taken
    to the energy basis of ``system``: sector blocks one operator at a time where the system's products go by
    sectors, else the dense stack of ``system.to_energy_basis`` (the same numbers as the whole stack at once)."""
    dims = tuple(system.dims)
    local = np.asarray(local)
    if system.energy_sectors is None:
        f = embed(local, tuple(sites), dims)
        if divisor is not None:
            f = f / divisor
        return OperatorStack(dense=system.to_energy_basis(f))
    blocks = []
    for single in local:
        f = embed(single[None], tuple(sites), dims)[0]
        if divisor is not None:
            f = f / divisor
        blocks.append(system.to_energy_sector_blocks(f))
    dtype = np.result_type(local, system.eigenvectors)
    return OperatorStack(blocks=tuple(blocks), sectors=system.energy_sectors, d=system.dim, dtype=dtype)



def dense_or_stack(stack: OperatorStack):
    """The (m, d, d) array of a dense stack (no copy), the stack itself when it is kept in sector blocks."""
    return np.asarray(stack) if stack.is_dense else stack
