r"""The certified lower bound of τ^pop,coh without Tr Γ_b = t_b (``free_trace=True``).

Without the trace constraint the dual of Eq. (33) needs A_Γb^*(Z) ⪰ 0 exactly, where a solver meets it only to
its tolerance. :func:`free_trace_lower_bound` repairs Z by a projection onto a face of that cone
(:func:`face_projection`) and a shift along a direction W with A_H^*(W) = 0 and A_Γb^*(W) ≻ 0, every piece
enclosed as in :mod:`.popcoh`.
"""

from __future__ import annotations

import numpy as np
from lindblad_core.certify.arithmetic import hermitian_part, round_down, round_up
from lindblad_core.certify.dissipator import dual_map_with_bound
from lindblad_core.certify.popcoh import as_matrix, as_vector, coh_dual_parts, CohData


# A face of the dual cone: eigen-directions of A_Γb^*(Z) below these multiples of its most negative
# eigenvalue are projected to exactly zero by :func:`_face_projection` (0: no projection); each choice gives
# a rigorous bound and the best is kept. On Figs. 2/3, 1e4 never beat 1e2, and whole blocks (inf) lose the
# objective (the solver's A_Γb^*(Z) is not zero on whole blocks).
FACE_THRESHOLDS = (0.0, 1e2)



def free_trace_lower_bound(z: np.ndarray, data: CohData, enough: float = np.inf) -> float:
    r"""Certified lower bound of Eq. (33) without Tr Γ_b = t_b, from a dual candidate Z.

    The dual feasible set is {A_Γb^*(Z) ⪰ 0 (each block), A_H^*(Z) = 0, ‖Z‖_* ≤ 1}, value −Re<Z, T>
    (weak duality: ‖X‖ ≥ Re<Z, X> for X = A_Γ(Γ) + A_H(H) − T). The solver's Z meets A_Γb^*(Z) ⪰ 0 only up
    to its tolerance, and exactly where the optimal Γ_b is supported complementary slackness puts those
    eigenvalues at 0, so they come out slightly negative. The repair:

    1. (face projection) the eigen-directions V_b of A_Γb^*(Z) below a threshold (``FACE_THRESHOLDS``) span
       a face; Z is projected orthogonally to the images P⊥A_Γb(V_b Y V_b†) of that face, which puts the
       compressed V_b† A_Γb^*(Z) V_b at zero up to rounding;
    2. (shift) a direction W with A_H^*(W) = 0 and A_Γb^*(W) ≻ 0 (:func:`psd_direction`, enclosed
       rigorously like Z) absorbs the rest: with ℓ_b ≤ λ_min(A_Γb^*(Z*)), m_b ≤ λ_min(A_Γb^*(W*)) (m_b > 0)
       and λ = max_b max(0, −ℓ_b)/m_b, Z* + λW* is dual feasible, so

       .. math:: \tau_{opt} \ge \frac{-\mathrm{Re}\langle Z^*, T\rangle - \lambda\,\mathrm{Re}\langle W^*, T\rangle}
                                     {\|Z^*\|_* + \lambda \|W^*\|_*}

       whenever the numerator is positive (both Z* and W* exactly feasible for A_H^*, every term bounded as in
       :func:`coh_lower_bound`).

    Every face threshold is tried on the multiplier z, then on its transpose zᵀ, and the best bound is returned
    (each is rigorous), except that the search stops as soon as a bound reaches ``enough`` (e.g. the upper bound
    less a tight interval's width): zᵀ is tried only when z has not certified that much (the caller passes the
    orientation its dual estimate prefers). 0 when no combination gives a positive bound. The shift direction W
    (a least-squares solve of the size of ``data.a_perp``) is made only for candidates that leave the cone and
    when none that is dual feasible without it certifies ``enough``.
    """
    best, shift = 0.0, []  # shift: the parts of W and their λ_min bounds, made at most once
    for zz in (z, z.T):  # the caller's orientation first; the transpose only when that has not certified enough
        candidates = []
        for threshold in FACE_THRESHOLDS:
            candidate = _face_projection(zz, data, threshold)
            parts = None if candidate is None else coh_dual_parts(candidate, data)
            if parts is not None:
                candidates.append((parts, parts.objective(data.t_norm), parts.lam_min(data.lips)))
        for parts, obj, lams in candidates:
            if min(lams) >= 0 and obj > 0:
                best = max(best, round_down(obj / parts.sigma))
        if best >= enough:
            return best
        if all(min(lams) >= 0 for _, _, lams in candidates):
            continue
        if not shift:
            w_parts = None if data.w_dir is None else coh_dual_parts(data.w_dir, data)
            shift.append((w_parts, None if w_parts is None else w_parts.lam_min(data.lips)))
        w_parts, w_lams = shift[0]
        if w_lams is None or not min(w_lams) > 0:
            continue
        for parts, obj, lams in candidates:
            if min(lams) < 0:
                step = max(round_up(-lam / m) for lam, m in zip(lams, w_lams) if lam < 0)
                num = round_down(obj + round_down(step * w_parts.objective(data.t_norm)))
                den = round_up(parts.sigma + round_up(step * w_parts.sigma))
                if num > 0:
                    best = max(best, round_down(num / den))
        if best >= enough:
            return best
    return best



def _face_projection(z: np.ndarray, data: CohData, threshold: float) -> np.ndarray | None:
    """Z projected orthogonally to P⊥A_Γb(V_b Y V_b†) for the eigenvectors V_b of A_Γb^*(Z) whose eigenvalues
    lie below ``threshold`` × |most negative eigenvalue| (all of them for inf; Z itself for 0). Plain floating
    point: a proposal that :func:`coh_dual_parts` then certifies."""
    d = z.shape[0]
    z = hermitian_part(np.asarray(z, dtype=complex))
    if threshold == 0.0:
        return z
    if data.a_perp is None:
        return None
    v = as_vector(z)
    if data.lamb is not None:
        v = data.lamb.project_out(v)
    z = as_matrix(v, d)
    z = z / max(np.sum(np.abs(np.linalg.eigvalsh(z))), 1e-300)
    bounds = list(data.a_offsets) + [data.a_perp.shape[1]]
    images = []
    for b, (f, lo, hi) in enumerate(zip(data.operators, bounds[:-1], bounds[1:])):
        m = f.shape[0]
        w, vecs = np.linalg.eigh(dual_map_with_bound(f, z, data.p, data.blocks(b), bound=False)[0])
        cut = -threshold * min(w[0], 0.0) if np.isfinite(threshold) else np.inf
        face = vecs[:, w <= cut]
        r = face.shape[1]
        if r == 0:
            continue
        # a Hermitian basis of the face: v_i v_i†, v_i v_j† + v_j v_i†, i(v_i v_j† − v_j v_i†)
        units = [np.outer(face[:, i], face[:, i].conj()) for i in range(r)]
        for i in range(r):
            for j in range(i + 1, r):
                o = np.outer(face[:, i], face[:, j].conj())
                units += [o + o.conj().T, 1j * (o - o.conj().T)]
        g = np.array(units).reshape(len(units), m * m)
        coords = np.concatenate([g.real, g.imag], axis=1)
        images.append(data.a_perp[:, lo:hi] @ coords.T)
    if not images:
        return z
    from scipy.linalg import qr

    n_mat = np.concatenate(images, axis=1)
    q_n, r_n, _ = qr(n_mat, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r_n))
    rank = int(np.sum(diag > FACE_RANK_RTOL * diag[0])) if len(diag) and diag[0] > 0 else 0
    q_n = q_n[:, :rank]
    v = as_vector(z)
    v = v - q_n @ (q_n.T @ v)
    return as_matrix(v, d)



# Face images whose pivoted-QR diagonal falls below this (relative) are dependent on the others: the
# projection keeps only the resolved ones.
FACE_RANK_RTOL = 1e-12
