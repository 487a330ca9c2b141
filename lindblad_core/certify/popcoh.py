r"""Certified bounds on τ^pop,coh (Eq. (33)) with the trace of each Γ_b fixed.

Upper: ‖L2'(ρ0) − T‖ at a feasible (Γ*, θ) (:mod:`.feasible`), enclosed rigorously. Lower: the dual of Eq. (33),

.. math::

    \max_{\|Z\|_*\le 1,\ \mathcal A_H^*(Z)=0}\ -\mathrm{Re}\langle Z, T\rangle
        + \sum_b t_b\,\lambda_{\min}\big(\mathcal A_{\Gamma_b}^*(Z)\big),

at the solver's Z, the constraint A_H^*(Z) = 0 met not by a projection "up to rounding" but by an exact
correction whose size is enclosed by a verified linear solve (:func:`coh_lower_bound`); the Lamb-shift term,
whose coordinates can reach 1e9–1e35 at low temperature, by the compensated dot product of :mod:`.arithmetic`.
"""

from __future__ import annotations

import functools

from dataclasses import dataclass

import numpy as np

from lindblad_core.lindblad.ansatz import Ansatz
from lindblad_core.lindblad.operator_stack import dense_or_stack
from lindblad_core.certify.arithmetic import (cascaded_sum, dot2, fro_upper, hermitian_enclosure, hermitian_part,
                                              round_down, round_up, rounding_bound, TINY, two_product, two_sum, U)
from lindblad_core.certify.dissipator import (dissipator_matrix, dissipator_with_bound, dual_map_with_bound,
                                              OperatorBlocks)
from lindblad_core.certify.feasible import feasible_gamma, PRINCIPAL_VALUE_RTOL
from lindblad_core.certify.lamb import LambDirections

@dataclass(frozen=True, eq=False)
class CohData:
    """What the certificates of Eq. (33) need, computed once per solve (see :func:`coh_data`)."""

    operators: tuple
    p: np.ndarray
    tmat: np.ndarray
    traces: tuple
    norm: str
    free_trace: bool
    lips: tuple  # ‖A_b‖ (Frobenius → Frobenius) upper bounds, also for A_b^*
    dmat: np.ndarray  # D_jk = p_j − p_k (float; within u of the exact difference)
    lamb_basis: object  # all blocks' Lamb-shift basis B_i (energy basis), stacked: array or OperatorStack
    lamb: LambDirections | None  # normalised directions K_i ≈ i D∘B_i / ‖·‖ as real vectors (None: none)
    dir_basis: object  # the B_h of those directions (complex, d×d each; array or OperatorStack)
    dir_scale: np.ndarray  # their scales s_i (K_i = fl(i D∘B_i / s_i))
    d_hi: np.ndarray  # p_j − p_k = d_hi + d_lo exactly (TwoSum)
    d_lo: np.ndarray
    e_gram: float  # ≥ ‖Gram(K) − M‖_F, M_ij = Re<N̂_i, K_j>
    support: np.ndarray  # (n, L) flat indices of the entries where direction i can be non-zero (padded)
    minv: float  # ‖M^{-1}‖_2 upper bound for the correction system (inf: not verified)
    k_norm: float  # max_j ‖K_j‖_F upper bound
    structural: np.ndarray  # entries (j, k) with D_jk == 0: a Z supported there is exactly feasible
    t_norm: float  # ‖T‖_F upper bound
    eta_p: float
    eta_v: float
    # free trace only (else None): the real matrix of Γ ↦ P⊥ A(Γ) on (Re vec Γ_b, Im vec Γ_b) of every block,
    # P⊥ the float projection orthogonal to the Lamb-shift directions, and its column offsets per block
    a_perp: np.ndarray | None = None
    a_offsets: tuple = ()
    # per block the :class:`OperatorBlocks` of its operators over the U(1) sectors (None: dense evaluation)
    op_blocks: tuple = ()

    def blocks(self, b: int) -> OperatorBlocks | None:
        return self.op_blocks[b] if self.op_blocks else None

    @functools.cached_property
    def w_dir(self) -> np.ndarray | None:
        """Free trace: the direction W of :func:`psd_direction` (A_Γb^*(W) ≈ I, A_H^*(W) ≈ 0), computed when first
        asked for (a least-squares solve of the size of ``a_perp``, needed only by a dual candidate that leaves
        the cone); None without the free trace or without such a W."""
        return None if self.a_perp is None else psd_direction(self.a_perp, self.a_offsets, len(self.p))



def coh_data(ansatz: Ansatz, p, tmat, traces, norm, free_trace, eta, lamb: LambDirections,
              op_blocks: tuple = ()) -> CohData:
    """The data of the certificates of Eq. (33). ``lamb``: the problem's Lamb-shift directions (the ones
    ``sdp.lamb_shift_selection`` kept); ``op_blocks``: per block the :class:`OperatorBlocks` of its
    operators or None."""
    d = len(p)
    # F_α as OperatorStacks where they are kept in sector blocks (the maps below go by blocks, op_blocks), dense
    # for the free trace (its dissipator matrix is dense)
    ops = ansatz.operators if free_trace else tuple(dense_or_stack(s) for s in ansatz.operator_stacks)
    rho_norm = fro_upper(p)
    lips = tuple(round_up(2.0 * f.shape[0] * rho_norm * max(fro_upper(np.asarray(fa)) for fa in f) ** 2, 8)
                 for f in ops)
    dmat = p[:, None] - p[None, :]
    basis = lamb.basis
    # directions i[ρ0, B_i] = i D∘B_i of the problem: the resolved ones (see LAMB_NOISE_RTOL)
    everything = len(lamb.index) == len(basis)  # (then index is 0 … n − 1)
    dir_basis = basis if everything else basis[lamb.index]
    scale = lamb.scale
    n = lamb.size
    minv, k_norm, e_gram = np.inf, 0.0, np.inf
    if n:
        k_norm = lamb.norm_upper()
        m_t, ak_gram = lamb.gram, lamb.abs_gram
        e_m = rounding_bound(2 * d * d + 10, ak_gram)  # covers |K − i D∘B/s| (a few roundings) and the products
        e_gram = fro_upper(rounding_bound(6, ak_gram))  # Gram(K) − M = Re<K_i − N̂_i, K_j>, |K − N̂| ≤ γ_5 |K|
        try:
            r_inv = np.linalg.inv(m_t)
            resid = r_inv @ m_t
            resid[np.diag_indices(n)] -= 1.0
            alpha = fro_upper(resid) + fro_upper(rounding_bound(n + 2, np.abs(r_inv) @ np.abs(m_t))) \
                + fro_upper(np.abs(r_inv) @ e_m)
            if alpha < 0.5:
                minv = round_up(fro_upper(r_inv) / (1.0 - alpha))
        except np.linalg.LinAlgError:
            pass
    eta_p, eta_v = eta
    d_hi, d_lo = two_sum(p[:, None], -p[None, :])
    # the exact residuals only need the entries where D_jk B_ijk ≠ 0 (B is sparse by the U(1) selection rules);
    # rows are padded with the index of an entry where D = 0 (the diagonal), which contributes exact zeros
    counts = np.diff(lamb.pattern.indptr)
    width = int(np.max(counts, initial=0))
    support = np.zeros((n, max(width, 1)), dtype=int)
    support[np.arange(width)[None, :] < counts[:, None]] = lamb.pattern.indices
    lamb = lamb if n else None
    a_perp, offsets = dissipator_matrix(ops, p, lamb) if free_trace else (None, ())
    return CohData(ops, p, tmat, traces, norm, free_trace, lips, dmat, basis, lamb, dir_basis, scale,
                    d_hi, d_lo, e_gram, support, minv, k_norm, dmat == 0, fro_upper(tmat), eta_p, eta_v,
                    a_perp, offsets, tuple(op_blocks))



def as_matrix(v: np.ndarray, d: int) -> np.ndarray:
    """The Hermitian part of the d×d matrix whose real representation (Re vec, Im vec) is ``v``."""
    return hermitian_part((v[: d * d] + 1j * v[d * d:]).reshape(d, d))



def as_vector(z: np.ndarray) -> np.ndarray:
    return np.concatenate([z.real.ravel(), z.imag.ravel()])



def psd_direction(a_perp: np.ndarray, offsets: tuple, d: int) -> np.ndarray | None:
    r"""A direction W with A_H^*(W) ≈ 0 and A_Γb^*(W) ≈ I for every block: the least-norm solution of
    A_Γ^*(W) = I within the orthogonal complement of the Lamb-shift directions (a float proposal; the
    certificate encloses λ_min(A_Γb^*(W)) itself). None when the least-squares solution misses (no such W)."""
    rhs = np.zeros(a_perp.shape[1])
    bounds = list(offsets) + [a_perp.shape[1]]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        m = int(round(np.sqrt((hi - lo) // 2)))
        rhs[lo: lo + m * m] = np.eye(m).ravel()
    rows, cols = _coupled(a_perp != 0, rhs != 0)
    w = np.zeros(a_perp.shape[0])
    w[rows], *_ = np.linalg.lstsq(a_perp[np.ix_(rows, cols)].T, rhs[cols], rcond=None)
    if not np.all(np.isfinite(w)) or np.linalg.norm(a_perp.T @ w - rhs) > 0.5:
        return None
    return as_matrix(w, d)


def _coupled(pattern: np.ndarray, cols: np.ndarray):
    """The rows and columns of the non-zero ``pattern`` (boolean, rows × columns) connected to the columns
    ``cols`` through non-zeros. The least-norm solution of Aᵀw = r with r supported on ``cols`` is zero outside
    these rows and solves the system restricted to them: A is block diagonal in the connected parts (for the
    free-trace dissipator matrix, by the U(1) charge its entries change; the part of the identity is a quarter
    of its columns and rows), and the equations of the other parts have a zero right-hand side."""
    while True:
        rows = pattern[:, cols].any(axis=1)
        grown = pattern[rows].any(axis=0) | cols
        if np.array_equal(grown, cols):
            return np.flatnonzero(rows), np.flatnonzero(cols)
        cols = grown



# Terms per chunk of directions in exact_residuals (each direction's row holds up to 16 error-free terms per part
# and entry of its support): ~2^24 doubles (128 MB) per chunk, so that at d = 1024 (30 directions with 1.7e5
# entries each) the cascade does not hold every row at once (it needed more than 12 GB); rows are summed
# independently, so the chunking changes no result.
EXACT_CHUNK_TERMS = 2**24



def exact_residuals(data: CohData, parts):
    """Re<N̂_i, Σ parts> (float) and an upper bound on its absolute value, N̂_i = i (p_j − p_k) B_i / s_i: the
    population differences are split exactly (TwoSum), every product is error-free (TwoProduct) and each sum
    summed by an error-free cascade (:func:`cascaded_sum`), so the bound is ~1e-30 of the terms. Only the
    entries where some part is non-zero enter (the others contribute exact zeros: for a sector-block-diagonal
    Z, none of the directions that change the charge). Directions are processed in chunks of at most
    ``EXACT_CHUNK_TERMS`` terms.
    """
    n = len(data.dir_basis)
    live = np.zeros(data.dmat.size, dtype=bool)
    for z in parts:
        live |= np.asarray(z).ravel() != 0
    keep = live[data.support] & (data.support != 0)  # index 0, the entry (0, 0) where D = 0, is the padding
    counts = np.sum(keep, axis=1)
    active = np.flatnonzero(counts)  # the other directions meet only zeros: residual and bound exactly 0
    values, bounds = np.zeros(n), np.zeros(n)
    if not len(active):
        return values, bounds
    support = _compact(data.support[active], keep[active])
    # p_j − p_k = d_hi + d_lo: d_lo is mostly an exact zero (the difference is exact), its terms are taken
    # on the entries where it is not
    support_lo = _compact(support, data.d_lo.ravel()[support] != 0)
    width = support.shape[1] + support_lo.shape[1]
    # directions whose B is real (or imaginary) in the energy basis have the other half of the terms exactly zero:
    # they are processed apart, without it
    kinds = [_nonzero_parts(data.dir_basis, i) for i in active]
    for kind in sorted(set(kinds)):
        members = np.flatnonzero([k == kind for k in kinds])
        n_terms = 4 * len(parts) * sum(kind)
        step = max(1, EXACT_CHUNK_TERMS // max(1, n_terms * width))
        for a in range(0, len(members), step):
            rows = members[a:a + step]
            values[active[rows]], bounds[active[rows]] = _exact_residuals_rows(
                data, parts, active[rows], ((data.d_hi, support[rows]), (data.d_lo, support_lo[rows])), *kind)
    return values, bounds



def _nonzero_parts(basis, i: int) -> tuple[bool, bool]:
    """Whether B_i of ``basis`` (an (n, d, d) array or an OperatorStack) has a non-zero real / imaginary entry."""
    if isinstance(basis, np.ndarray):
        return bool(np.any(basis[i].real != 0)), bool(np.any(basis[i].imag != 0))
    return basis.nonzero_parts(i)



def _basis_entries(basis, idx: np.ndarray, support: np.ndarray) -> np.ndarray:
    """The entries ``support[r]`` (flat indices into d×d) of B_idx[r], one row per r; for an OperatorStack one
    dense B at a time."""
    if isinstance(basis, np.ndarray):
        return basis.reshape(len(basis), -1)[idx[:, None], support]
    out = np.empty(support.shape, dtype=basis.dtype)
    for r, i in enumerate(idx):
        out[r] = np.asarray(basis[i]).ravel()[support[r]]
    return out



def _basis_part(basis, rows: np.ndarray, part):
    """``part`` (np.real or np.imag) of each B_r, r in ``rows``, as float arrays: a stack for an array ``basis``,
    one dense B at a time for an OperatorStack."""
    if isinstance(basis, np.ndarray) or not len(rows):
        return part(np.asarray(basis[rows]) if len(rows) else np.zeros((0,) + basis.shape[1:]))
    return (np.ascontiguousarray(part(np.asarray(basis[i]))) for i in rows)



def _compact(support: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The entries ``support[keep]`` of each row first (stable), padded to the longest row by the entry (0, 0),
    where D = 0 (it contributes exact zeros)."""
    width = max(1, int(np.max(np.sum(keep, axis=1), initial=0)))
    order = np.argsort(~keep, axis=1, kind="stable")[:, :width]
    return np.where(np.take_along_axis(keep, order, axis=1), np.take_along_axis(support, order, axis=1), 0)



def _exact_residuals_rows(data: CohData, parts, idx: np.ndarray, pieces_of_d, real: bool = True,
                          imag: bool = True):
    """:func:`exact_residuals` for the directions ``idx``: ``pieces_of_d`` holds (d, support), a part of
    p_j − p_k and the entries (one row per direction) where it is taken; ``real``/``imag``: whether Re B/Im B of
    these directions has a non-zero entry (else its terms are left out)."""
    pieces = []
    for dmat, support in pieces_of_d:
        b = _basis_entries(data.dir_basis, idx, support)
        dd = dmat.ravel()[support]
        for z in parts:
            products = []
            if real:
                products += two_product(b.real, z.imag.ravel()[support])
            if imag:
                products += two_product(b.imag, -z.real.ravel()[support])
            for w in products:
                pieces += list(two_product(dd, w))
    rows = np.concatenate(pieces, axis=1)
    sums, err = cascaded_sum(rows)
    values = sums / data.dir_scale[idx]
    return values, (np.abs(sums) * (1 + 4 * U) + err + rows.shape[1] * TINY) / data.dir_scale[idx]



def _dual_norm_upper(z: np.ndarray, norm: str) -> float:
    """Upper bound on the dual norm of the Hermitian float matrix z (nuclear for the spectral objective…)."""
    if norm == "frobenius":
        return fro_upper(z)
    _, spectral, nuclear = hermitian_enclosure(z)
    return nuclear if norm == "spectral" else spectral



def coh_dual_estimate(z: np.ndarray, data: CohData) -> float:
    """The dual objective at the projected, normalised Z in plain floating point (no bounds): only to pick
    which orientation of the solver's multiplier to certify."""
    d = z.shape[0]
    z = hermitian_part(np.asarray(z, dtype=complex))
    if data.lamb is not None:
        v = data.lamb.project_out(np.concatenate([z.real.ravel(), z.imag.ravel()]))
        z = hermitian_part((v[: d * d] + 1j * v[d * d:]).reshape(d, d))
    value = -float(np.real(np.vdot(z, data.tmat)))
    for b, (f, t) in enumerate(zip(data.operators, data.traces)):
        lam = float(np.linalg.eigvalsh(dual_map_with_bound(f, z, data.p, data.blocks(b), bound=False)[0])[0])
        if data.free_trace and lam < 0:
            return 0.0
        value += 0.0 if data.free_trace else t * lam
    scale = _dual_norm_upper(z, data.norm)
    return value / scale if np.isfinite(scale) and scale > 0 else 0.0



@dataclass(frozen=True)
class _DualParts:
    """Rigorous pieces of the dual objective at the exactly feasible Z* = z + δ + ΔZ (A_H^*(Z*) = 0) built
    from a dual candidate by steps 1–2 of :func:`coh_lower_bound`: ``value`` ≤ −Re<z + δ, T>, ``lams[b]`` ≤
    λ_min(A_Γb^*(z + δ)), ``dz`` ≥ ‖ΔZ‖_F, ``sigma`` ≥ ‖Z*‖ (the dual norm)."""

    value: float
    lams: tuple
    dz: float
    sigma: float

    def objective(self, t_norm: float) -> float:
        """≤ −Re<Z*, T>."""
        return round_down(self.value - t_norm * self.dz)

    def lam_min(self, lips: tuple) -> tuple:
        """≤ λ_min(A_Γb^*(Z*)) per block (‖A_b^*‖ ≤ lip_b)."""
        return tuple(round_down(lam - lip * self.dz) for lam, lip in zip(self.lams, lips))



def coh_dual_parts(z: np.ndarray, data: CohData) -> _DualParts | None:
    """Steps 1–2 of :func:`coh_lower_bound` and the rigorous pieces of step 3 (None: no usable Z)."""
    d = z.shape[0]
    z = hermitian_part(np.asarray(z, dtype=complex))
    verified = data.lamb is not None and np.isfinite(data.minv)
    if verified:
        v = data.lamb.project_out(np.concatenate([z.real.ravel(), z.imag.ravel()]))
        z = hermitian_part((v[: d * d] + 1j * v[d * d:]).reshape(d, d))
    elif data.lamb is not None:
        z = np.where(data.structural, z, 0.0)  # exactly orthogonal to every i D∘B_i
    scale = _dual_norm_upper(z, data.norm)
    if not (np.isfinite(scale) and scale > 0):
        return None
    z = hermitian_part(z / scale)  # magnitudes O(1); from here on z is this exact float array
    # one step of refinement, kept as a separate float array: Z = z + δ exactly, with A_H^*(Z) ≈ 0 far below
    # what rounding z itself would allow; the rest is the exact correction ΔZ, ‖ΔZ‖_F ≤ dz
    delta = np.zeros_like(z)
    dz = 0.0
    if verified:
        r, _ = exact_residuals(data, [z])
        c = np.linalg.solve(data.lamb.gram, -r)
        dvec = data.lamb.combine(c)
        delta = hermitian_part((dvec[: d * d] + 1j * dvec[d * d:]).reshape(d, d))
        _, r2 = exact_residuals(data, [z, delta])
        dz = round_up(np.sqrt(data.minv * (1.0 + data.e_gram * data.minv)) * fro_upper(r2), 8)
    value = -float(np.real(np.vdot(z, data.tmat))) - float(np.real(np.vdot(delta, data.tmat)))
    value = round_down(value - rounding_bound(d * d + 8, float(np.sum((np.abs(z) + np.abs(delta)) * np.abs(data.tmat)))))
    lams = []
    for b, f in enumerate(data.operators):
        s_z, err_z = dual_map_with_bound(f, z, data.p, data.blocks(b))
        s_d, err_d = dual_map_with_bound(f, delta, data.p, data.blocks(b))
        s_b = s_z + s_d
        lam, _, _ = hermitian_enclosure(s_b, fro_upper(err_z + err_d + rounding_bound(1, np.abs(s_b))))
        lams.append(lam)
    kappa = np.sqrt(d) if data.norm == "spectral" else 1.0  # dual norm ≤ kappa · Frobenius norm
    sigma = round_up(_dual_norm_upper(z, data.norm) + kappa * (fro_upper(delta) + dz), 8)
    return _DualParts(value, tuple(lams), dz, sigma)



def coh_lower_bound(z: np.ndarray, data: CohData) -> float:
    r"""Certified lower bound of Eq. (33) from a dual candidate Z (weak duality, rounding included).

    1. Z is projected (in floating point) onto A_H^*(Z) = 0, i.e. Z ⟂ i[ρ0, B_i] for every Lamb-shift basis
       element of every block, then made exactly Hermitian.
    2. That leaves a residual r_i = Re<N̂_i, Z̃> of rounding size, N̂_i the normalised directions. One step
       of refinement adds a float matrix δ (kept apart from Z̃, so that Z̃ + δ is exact); its residual r,
       evaluated exactly (:func:`exact_residuals`), is then ~1e-30. Z* = Z̃ + δ + Σ_j c_j K_j with M c = −r,
       M_ij = Re<N̂_i, K_j>, satisfies A_H^*(Z*) = 0 *exactly*; M is verified invertible (‖I − R M‖ < 1 for
       an approximate inverse R) and ‖ΔZ‖_F² = cᵀ Gram(K) c ≤ ‖M^{-1}‖ (1 + ‖Gram(K) − M‖ ‖M^{-1}‖) ‖r‖².
       (Without it, a residual times the unbounded Lamb shift — 1e9 at low temperature — would void the
       bound.) When M cannot be verified, Z is restricted to the entries where ρ0 has equal populations
       (the diagonal): exactly feasible, weaker.
    3. The dual objective −Re<Z, T> + Σ_b t_b λ_min(A_Γb^*(Z)) at Z̃ is bounded below with rounding bounds
       and :func:`hermitian_enclosure`, then at Z* by Lipschitz continuity (‖T‖_F + Σ_b t_b ‖A_b‖) ‖ΔZ‖_F,
       and divided by an upper bound of ‖Z*‖_* (the objective is positively homogeneous).

    With a free trace the dual feasible set is {A_Γb^*(Z) ⪰ 0, A_H^*(Z) = 0, ‖Z‖_* ≤ 1} instead: use
    :func:`lindblad_core.certify.free_trace.free_trace_lower_bound`.
    """
    if data.free_trace:
        raise ValueError("coh_lower_bound needs fixed traces; use free_trace_lower_bound for free_trace=True")
    parts = coh_dual_parts(z, data)
    if parts is None:
        return 0.0
    value = parts.value
    lip_total = data.t_norm
    for t, lip, lam in zip(data.traces, data.lips, parts.lams):
        value = round_down(value + round_down(t * lam))
        lip_total = round_up(lip_total + t * lip)
    value = round_down(value - lip_total * parts.dz)
    if not value > 0:
        return 0.0
    return round_down(value / parts.sigma)



def coh_upper_bound(gammas, thetas, data: CohData):
    """Certified upper bound of Eq. (33) at Γ (projected onto the feasible set exactly) and Lamb-shift
    coordinates θ; returns (upper, stored Γ*'s, data_error) or (inf, None, inf)."""
    d = len(data.p)
    feas = [feasible_gamma(g, None if data.free_trace else t) for g, t in zip(gammas, data.traces)]
    if any(f is None for f in feas):
        return np.inf, None, np.inf
    theta = np.concatenate(thetas)
    if not np.all(np.isfinite(theta)) or np.max(np.abs(theta), initial=0.0) > 1e150:
        return np.inf, None, np.inf
    live = np.flatnonzero(theta)  # zero coordinates contribute exact zeros to Dot2
    yr, er = dot2(theta[live], _basis_part(data.lamb_basis, live, np.real))
    yi, ei = dot2(theta[live], _basis_part(data.lamb_basis, live, np.imag))
    y = yr + 1j * yi
    ad = np.abs(data.dmat)
    lamb = 1j * (data.dmat * y)
    err_l = ad * (er + ei) * (1 + 4 * U) + rounding_bound(3, ad * np.abs(y))
    x = lamb - data.tmat
    err = err_l.copy()
    mag = np.abs(lamb) + np.abs(data.tmat)
    dist_term = 0.0
    for b, (f, fe, lip) in enumerate(zip(data.operators, feas, data.lips)):
        a_val, a_err = dissipator_with_bound(f, fe.base, data.p, data.blocks(b))
        x = x + a_val
        err = err + a_err
        mag = mag + np.abs(a_val)
        dist_term = round_up(dist_term + lip * fe.dist)
    err = err + rounding_bound(len(feas) + 4, mag)
    xh = hermitian_part(x)
    err_f = round_up(fro_upper(err) + dist_term + fro_upper(rounding_bound(1, np.abs(xh))))
    if data.norm == "frobenius":
        upper = round_up(fro_upper(xh) + err_f)
    else:
        _, spectral, nuclear = hermitian_enclosure(xh, err_f)
        upper = spectral if data.norm == "spectral" else nuclear
    # first-order effect of the data's own rounding (module docstring): target, dissipator, Lamb shift
    eta = data.eta_p + 2 * data.eta_v
    psum = data.p[:, None] + data.p[None, :]
    gam_norm = sum(fro_upper(fe.stored) * lip for fe, lip in zip(feas, data.lips))
    data_error = ((PRINCIPAL_VALUE_RTOL + eta) * data.t_norm + eta * gam_norm
                  + data.eta_p * fro_upper(psum * np.abs(y))
                  + 2 * np.sqrt(d) * data.eta_v * float(np.sum(np.abs(theta))) * float(np.max(ad)))
    if data.norm == "nuclear":
        data_error *= np.sqrt(d)
    return upper, [fe.stored for fe in feas], float(data_error)
