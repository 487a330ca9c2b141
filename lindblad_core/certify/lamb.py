r"""The Lamb-shift directions i[ρ0, B_h] of Eq. (23), stored per group of disjoint supports.

τ^pop,coh optimises over the Lamb shift H_LS = Σ_h θ_h B_h; only the commutators i[ρ0, B_h] that are resolved
above rounding are directions. :class:`LambDirections` keeps them on their supports (the U(1) structure makes
them sparse) with their Gram matrix or a pivoted QR, shared by the solver set-up and the certificates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from lindblad_core.certify.arithmetic import fro_upper

# The orthonormal bases of the directions' spans (one QR per component, as large as the directions themselves) are
# kept for directions of at most this many bytes in all (every system of the paper: 2+2+2 takes ~1 MB); larger
# ones (N ≥ 11 qubits) are projected out through each component's Gram matrix instead, when its smallest
# eigenvalue (the rows have unit norm) is at least LAMB_GRAM_PROJECTION_MIN: then the projection's rounding is
# below ~1e-11 of the vector, and the certificates refine the residual it leaves in extended precision anyway
LAMB_BASES_MAX_BYTES = 2**28
LAMB_GRAM_PROJECTION_MIN = 1e-4


@dataclass(frozen=True, eq=False)
class LambDirections:
    r"""The Lamb-shift directions i[ρ0, B_h] = i D∘B_h of Eq. (33) (D_jk = p_j − p_k) as real unit vectors
    K_h = fl(i D∘B_h / s_h) (Re, Im of the d×d matrix, row-major: 2d² coordinates), computed once per solve
    for the choice of directions (``sdp.lamb_shift_selection``) and the certificates (:func:`coh_data`).

    The directions are grouped into components whose supports are pairwise disjoint (read off the float data:
    under the U(1) symmetry, by the charge the B_h change), and each component is stored on its support only,
    so its Gram matrix, an orthonormal basis of its span and the projection onto their complement cost no
    more than the non-zero entries (exact zeros elsewhere: the same exact Gram matrix).
    """

    basis: object  # every block's traceless basis B_h (energy basis), stacked: (n, d, d) array or OperatorStack
    index: np.ndarray  # h of each direction (ascending)
    scale: np.ndarray  # s_h
    pattern: object  # scipy CSR (n, d²): the complex entries where D_jk B_h,jk ≠ 0, per direction
    components: tuple  # index arrays into the directions
    supports: tuple  # per component: its coordinates (into 2d²)
    rows: tuple  # per component: the K_h on its support, (n_c, len(support))

    @property
    def size(self) -> int:
        return len(self.index)

    @property
    def n_coordinates(self) -> int:
        return 2 * self.basis.shape[1] * self.basis.shape[2]

    def subset(self, keep: np.ndarray) -> "LambDirections":
        """The directions ``keep`` (a boolean mask)."""
        new = np.cumsum(keep) - 1
        comps, sups, rows = [], [], []
        for c, sup, r in zip(self.components, self.supports, self.rows):
            sel = keep[c]
            if np.any(sel):
                comps.append(new[c[sel]])
                sups.append(sup)
                rows.append(r[sel])
        return LambDirections(self.basis, self.index[keep], self.scale[keep], self.pattern[np.flatnonzero(keep)],
                               tuple(comps), tuple(sups), tuple(rows))

    def _gram(self, absolute: bool) -> np.ndarray:
        out = np.zeros((self.size, self.size))
        for c, r in zip(self.components, self.rows):
            r = np.abs(r) if absolute else r
            out[np.ix_(c, c)] = r @ r.T
        return out

    @cached_property
    def gram(self) -> np.ndarray:
        """K Kᵀ, n×n, exact zeros between components."""
        return self._gram(False)

    @cached_property
    def abs_gram(self) -> np.ndarray:
        """|K| |K|ᵀ, n×n, exact zeros between components."""
        return self._gram(True)

    @cached_property
    def _projectors(self) -> tuple:
        """Per component (Q, None), Q an orthonormal basis of the span of its K_h on its support (one QR), or, for
        directions taking more than ``LAMB_BASES_MAX_BYTES`` in all, (None, Cholesky factor of its Gram matrix)
        where that matrix is well conditioned (``LAMB_GRAM_PROJECTION_MIN``): no second array of their size."""
        from scipy.linalg import cho_factor

        large = sum(r.nbytes for r in self.rows) > LAMB_BASES_MAX_BYTES
        out = []
        for c, r in zip(self.components, self.rows):
            gram = self.gram[np.ix_(c, c)]
            if large and np.linalg.eigvalsh(gram)[0] >= LAMB_GRAM_PROJECTION_MIN:
                out.append((None, cho_factor(gram)))
            else:
                out.append((np.linalg.qr(r.T)[0], None))
        return tuple(out)

    def _removed(self, part: np.ndarray, r: np.ndarray, projector) -> np.ndarray:
        """The component of ``part`` (on a support) in the span of the rows ``r``: Q Qᵀ part or Rᵀ G⁻¹ R part."""
        from scipy.linalg import cho_solve

        q, cho = projector
        return q @ (q.T @ part) if q is not None else r.T @ cho_solve(cho, r @ part)

    def project_out(self, v: np.ndarray, copy: bool = True) -> np.ndarray:
        """v − P v (float) for v of shape (2d²,) or (2d², k), P the orthogonal projection onto the directions'
        span; in place for a float array v with ``copy=False``."""
        v = np.array(v, dtype=float) if copy or v.dtype != float else v
        if v.ndim == 1:
            for sup, r, projector in zip(self.supports, self.rows, self._projectors):
                part = v[sup]
                v[sup] = part - self._removed(part, r, projector)
            return v
        # a column with no non-zero entry on a component's support is left exactly as it is by that component
        # (the supports are disjoint, so the pattern read once holds for every component)
        nonzero = v != 0
        for sup, r, projector in zip(self.supports, self.rows, self._projectors):
            cols = np.flatnonzero(nonzero[sup].any(axis=0))
            if len(cols):
                block = np.ix_(sup, cols)
                part = v[block]
                v[block] = part - self._removed(part, r, projector)
        return v

    def combine(self, c: np.ndarray) -> np.ndarray:
        """Kᵀ c = Σ_h c_h K_h (float), a vector of 2d² coordinates."""
        out = np.zeros(self.n_coordinates)
        for comp, sup, r in zip(self.components, self.supports, self.rows):
            out[sup] = r.T @ c[comp]
        return out

    def norm_upper(self) -> float:
        """max_h ‖K_h‖_F, rounded up."""
        return max((fro_upper(row) for r in self.rows for row in r), default=0.0)



def lamb_directions(basis: np.ndarray, dmat: np.ndarray, index: np.ndarray) -> LambDirections:
    """:class:`LambDirections` of the basis elements ``basis[index]``."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    index = np.asarray(index)
    n, dd = len(index), dmat.size
    live = dmat.ravel() != 0
    nonzero = np.zeros((n, dd), dtype=bool)
    for r, h in enumerate(index):  # one B_h at a time (basis may be an OperatorStack)
        np.logical_and(np.asarray(basis[h]).ravel() != 0, live, out=nonzero[r])
    pattern = csr_matrix(nonzero)
    if n == 0:
        return LambDirections(basis, index, np.zeros(0), pattern, (), (), ())
    # directions sharing an entry are connected: the counts of shared entries are exact in float32 (< 2^24)
    shared = nonzero.astype(np.float32)
    _, labels = connected_components(shared @ shared.T > 0, directed=False)
    del shared
    i_dmat = (1j * dmat).ravel()
    scale = np.zeros(n)
    comps, sups, rows = [], [], []
    for v in np.unique(labels):
        c = np.flatnonzero(labels == v)
        entries = np.flatnonzero(np.any(nonzero[c], axis=0))
        values = np.stack([np.asarray(basis[h]).ravel()[entries] for h in index[c]])
        dirs = i_dmat[entries][None, :] * values  # i D∘B_h on the support
        r = np.concatenate([dirs.real, dirs.imag], axis=1)
        scale[c] = np.sqrt(np.sum(r**2, axis=1))
        r /= scale[c][:, None]
        comps.append(c)
        sups.append(np.concatenate([entries, dd + entries]))
        rows.append(r)
    return LambDirections(basis, index, scale, pattern, tuple(comps), tuple(sups), tuple(rows))



def dense_lamb_rows(basis: np.ndarray, dmat: np.ndarray, index: np.ndarray) -> np.ndarray:
    """(n, 2d²): the K_h of :class:`LambDirections` as dense rows, normalised over all 2d² coordinates (the
    pivoted QR of ``sdp.lamb_shift_selection`` sees exactly these)."""
    dd = dmat.size
    rows = np.empty((len(index), 2 * dd))
    for r, h in enumerate(index):  # one B_h at a time (basis may be an OperatorStack)
        direction = (1j * dmat * basis[h]).ravel()
        rows[r, :dd], rows[r, dd:] = direction.real, direction.imag
    rows /= np.sqrt(np.sum(rows**2, axis=1))[:, None]
    return rows
