r"""τ^pop,coh as a solver sees it: the primal min ‖L2'(ρ0) − T‖ in two formulations with the same multipliers.

The norm is an explicit cone (spectral: the LMI [[t I, X], [X†, t I]] ⪰ 0; nuclear: its two-sided form; Frobenius:
a second-order cone), the affine map (Γ, θ) ↦ L2'(ρ0) assembled per symmetry sector. :class:`CohConic` builds the
conic data directly from numpy arrays (for the library's interior-point method and Clarabel,
:mod:`lindblad_core.solvers`); :class:`CohCvxpy` builds the same problem with cvxpy, an independent cross-check.
Both expose Γ, θ and the multiplier Z, so the certificates are the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import functools

import numpy as np
from lindblad_core.certify.dissipator import operator_blocks
from lindblad_core.lindblad.ansatz import Ansatz, local_hermitian_basis
from lindblad_core.lindblad.operator_stack import dense_or_stack
from lindblad_core.sdp.lamb_shift import lamb_coordinates
from lindblad_core.sdp.solve import NATIVE_SOLVER, QICS_SOLVER
from lindblad_core.solvers.conic import ConicProblem
from lindblad_core.solvers import qics
from lindblad_core.solvers.norm_subspace import solve_norm_subspace
from lindblad_core.systems.symmetry import gamma_groups, STRUCTURE_RTOL


def _dissipator_sector(f: np.ndarray, p: np.ndarray, sec: np.ndarray) -> np.ndarray:
    """M_ab restricted to the sector rows/columns ``sec``: F_b ρ0 F_a† − ½{F_a†F_b, ρ0}, shape (m, m, n, n).

    ρ0 = diag(p) in the energy basis. Contractions are ``tensordot`` (BLAS), never Python loops.
    """
    fr = f[:, sec, :] * p[None, None, :]  # (F_b ρ0)[sec, :]
    sandwich = np.tensordot(fr, f[:, sec, :].conj(), axes=([2], [2]))  # (b, i, a, l)
    prod = np.tensordot(f[:, :, sec].conj(), f[:, :, sec], axes=([1], [1]))  # (a, i, b, l) = (F_a†F_b)[i, l]
    ps = p[sec]
    psum = ps[None, None, None, :] + ps[None, None, :, None]
    return sandwich.transpose(2, 0, 1, 3) - 0.5 * prod.transpose(0, 2, 1, 3) * psum



def dissipator_sector_groups(blk: "_CohBlock", p: np.ndarray, i: int, sec: np.ndarray) -> list:
    """M_ab of :func:`_dissipator_sector` for a, b in each Γ group of ``blk``, on the rows/columns of sector i:
    one (k, k, n, n) array per group, None where it vanishes (exactly zero by the U(1) symmetry: below
    ``STRUCTURE_RTOL`` of the sector's largest entry).

    With the block's :class:`~lindblad_core.certify._certificates.OperatorBlocks` (the U(1) structure, read off the
    data) only the group's own blocks enter: F_b ρ0 F_a† on sector i contracts over the one sector that the
    group maps onto i, F_a†F_b over the one sector it maps i onto (F of charge q maps sector M to M + q); the
    terms left out are exact zeros. Otherwise the full tensor of :func:`_dissipator_sector` is sliced.
    """
    ob = blk.op_blocks
    if ob is None:
        msec = _dissipator_sector(np.asarray(blk.operators), p, sec)
        subs = [msec[np.ix_(idx, idx)] for idx in blk.groups]
        big = np.max(np.abs(msec), initial=0.0)
    else:
        subs = [_group_dissipator_sector(ob, g, p, i) for g in range(len(blk.groups))]
        big = max((np.max(np.abs(sub)) for sub in subs if sub is not None), default=0.0)
    return [None if sub is None or np.max(np.abs(sub), initial=0.0) <= STRUCTURE_RTOL * big else sub for sub in subs]



def _group_dissipator_sector(ob, g: int, p: np.ndarray, i: int) -> np.ndarray | None:
    """M_ab for a, b in group g of ``ob`` on sector i, from the group's blocks (None: no block touches i),
    as batched products that land directly in the (a, b, i, l) layout."""
    sec = ob.sectors[i]
    src, dst = ob.sources(g).get(i), ob.targets(g).get(i)
    if src is None and dst is None:
        return None
    out = None
    if src is not None:  # F_b[S_i, S_j] ρ0 F_a[S_i, S_j]†
        j, fb = src
        out = np.matmul((fb * p[ob.sectors[j]][None, None, :])[None], np.conj(np.swapaxes(fb, 1, 2))[:, None])
    if dst is not None:  # F_a[S_t, S_i]† F_b[S_t, S_i]
        fb = dst[1]
        prod = np.matmul(np.conj(np.swapaxes(fb, 1, 2))[:, None], fb[None])
        ps = p[sec]
        prod *= 0.5
        prod *= ps[None, None, None, :] + ps[None, None, :, None]
        if out is None:
            out = np.negative(prod)
        else:
            out -= prod
    return out



def _hermitian_psd(m):
    """M ⪰ 0 for a complex Hermitian expression, written as its real representation
    [[Re M, −Im M], [Im M, Re M]] ⪰ 0 (cvxpy's duals of complex PSD constraints are not reliable)."""
    import cvxpy as cp

    mr, mi = cp.real(m), cp.imag(m)
    return cp.bmat([[mr, -mi], [mi, mr]]) >> 0



def _complex_dual(v: np.ndarray) -> np.ndarray:
    """The complex Hermitian multiplier W of an LMI from the multiplier V of its real representation."""
    v = 0.5 * (v + v.T)
    k = v.shape[0] // 2
    return (v[:k, :k] + v[k:, k:]) + 1j * (v[k:, :k] - v[:k, k:])



@dataclass(frozen=True, eq=False)
class _CohBlock:
    """One Lindblad block of Eq. (33) as the formulations see it: the Γ groups (indices into the block's
    operators), the kept Lamb-shift basis elements, their commutators i[ρ0, B_h] on the diagonal sector blocks
    (per sector a (k, n_i, n_i) array, :func:`sector_commutators`) and coordinates."""

    operators: object  # (m, d, d) array or OperatorStack
    groups: list
    keep: np.ndarray
    comm: tuple
    coords: np.ndarray
    op_blocks: object = None  # certificates.OperatorBlocks of the operators over the sectors, or None



def coh_blocks(ansatz: Ansatz, p, sectors, structure, selection, symmetry: bool) -> list[_CohBlock]:
    out = []
    for b, (stack, charges, hb) in enumerate(zip(ansatz.operator_stacks, ansatz.charges, ansatz.hamiltonian_stacks)):
        f = dense_or_stack(stack)  # an OperatorStack where the operators are kept in sector blocks
        groups = (gamma_groups(charges, by_charge=structure is not None) if symmetry
                  else [np.arange(f.shape[0])])
        hq = ansatz.hamiltonian_charges[b]
        keep = np.flatnonzero(selection[b] & (hq == 0)) if structure else np.flatnonzero(selection[b])
        comm = sector_commutators(hb, keep, p, sectors)
        out.append(_CohBlock(f, groups, keep, comm, lamb_coordinates(comm, sectors),
                             operator_blocks(f, groups, sectors) if structure is not None else None))
    return out



def sector_commutators(basis, keep, p: np.ndarray, sectors) -> tuple:
    """i[ρ0, B_h] (ρ0 = diag(p)) for h in ``keep`` on the diagonal sector blocks: per sector S_i the (k, n_i, n_i)
    array of the commutators' entries on S_i × S_i, taken one B_h at a time from ``basis`` (an (m, d, d) array
    or an :class:`~lindblad_core.lindblad.operator_stack.OperatorStack`), never the (k, d, d) stack."""
    out = [np.empty((len(keep), len(sec), len(sec)), dtype=complex) for sec in sectors]
    for r, h in enumerate(keep):
        dense = np.asarray(basis[h])
        for c, sec in zip(out, sectors):
            c[r] = dense[np.ix_(sec, sec)]
    for c, sec in zip(out, sectors):
        ps = p[sec]
        c[:] = 1j * (ps[None, :, None] * c - c * ps[None, None, :])
    return tuple(out)



def _full_theta(blk: _CohBlock, r, dim: int) -> np.ndarray:
    """Lamb-shift coordinates on the whole traceless basis from the solver's r (zero when absent)."""
    full = np.zeros(dim**2 - 1)
    if r is not None:
        full[blk.keep] = blk.coords @ np.asarray(r, float)
    return full



class CohCvxpy:
    """Eq. (33) as a cvxpy problem (``formulation="cvxpy"``): the original formulation, kept as an independent
    cross-check of :class:`CohConic` and for solvers other than Clarabel."""

    def __init__(self, ansatz, p, tmat, sectors, blocks: list[_CohBlock], norm, free_trace, traces):
        import cvxpy as cp

        self.ansatz, self.sectors, self.norm, self.dim = ansatz, sectors, norm, len(p)
        residual = {i: -tmat[np.ix_(sec, sec)] for i, sec in enumerate(sectors)}
        constraints, self.variables = [], []
        for b, blk in enumerate(blocks):
            block_vars = [(idx, cp.Variable((len(idx), len(idx)), hermitian=True)) for idx in blk.groups]
            constraints += [g >> 0 for _, g in block_vars]
            for i, sec in enumerate(sectors):
                n = len(sec)
                for (idx, g), sub in zip(block_vars, dissipator_sector_groups(blk, p, i, sec)):
                    if sub is None:
                        continue  # exactly zero by the U(1) symmetry: charge q maps sector M to M + q
                    mat = sub.reshape(len(idx) ** 2, n * n).T  # vec_C(X) = mat @ vec_C(Γ)
                    residual[i] = residual[i] + cp.reshape(mat @ cp.vec(g, order="C"), (n, n), order="C")
            if not free_trace:
                constraints.append(sum(cp.real(cp.trace(g)) for _, g in block_vars) == traces[b])
            rank = blk.coords.shape[1]
            theta = cp.Variable(rank)
            for i, sec in enumerate(sectors):
                sub = np.tensordot(blk.coords.T, blk.comm[i], axes=1)
                if rank == 0 or np.max(np.abs(sub), initial=0.0) == 0.0:
                    continue
                n = len(sec)
                residual[i] = residual[i] + cp.reshape(sub.reshape(rank, n * n).T @ theta, (n, n), order="C")
            self.variables.append((block_vars, theta))
        tvar = cp.Variable()
        self.dual_cons = []
        if norm == "frobenius":
            vec = cp.hstack([cp.vec(residual[i], order="C") for i in residual])
            con = cp.SOC(tvar, cp.hstack([cp.real(vec), cp.imag(vec)]))
            constraints.append(con)
            self.dual_cons.append(con)
        else:
            # X = L2'(ρ0) − T is Hermitian (both maps preserve Hermiticity), so
            #   spectral: ‖X‖ ≤ t  ⟺  t I − X ⪰ 0 and t I + X ⪰ 0,
            #   nuclear:  ‖X‖_* = min Tr P  s.t.  P − X ⪰ 0 and P + X ⪰ 0,
            # two LMIs of size n instead of one of size 2n; the certificate is Z = A − B from their multipliers.
            p_traces = []
            for i, sec in enumerate(sectors):
                x = residual[i]
                n = len(sec)
                if norm == "spectral":
                    upper_m = tvar * np.eye(n)
                else:
                    upper_m = cp.Variable((n, n), hermitian=True)
                    p_traces.append(cp.real(cp.trace(upper_m)))
                pair = (_hermitian_psd(upper_m - x), _hermitian_psd(upper_m + x))
                constraints += list(pair)
                self.dual_cons.append(pair)
            if norm == "nuclear":
                constraints.append(sum(p_traces) <= tvar)
        self.problem = cp.Problem(cp.Minimize(tvar), constraints)
        self.blocks = blocks

    def solve(self, solver: str, **settings):
        self.problem.solve(solver=solver, **settings)

    @property
    def status(self):
        return self.problem.status

    @property
    def dual_orientation_known(self) -> bool:
        """False: Z is read from cvxpy's complex duals, whose orientation (Z or Zᵀ) the certificate estimates."""
        return False

    @property
    def value(self):
        return self.problem.value

    def extract(self):
        """(Γ per block, full Lamb-shift coordinates per block, dual Z or None) of the last solve."""
        gammas, thetas = [], []
        for b, ((block_vars, theta), blk) in enumerate(zip(self.variables, self.blocks)):
            m = blk.operators.shape[0]
            gam = np.zeros((m, m), dtype=complex)
            for idx, g in block_vars:
                if g.value is not None:
                    gam[np.ix_(idx, idx)] = g.value
            gammas.append(gam)
            thetas.append(_full_theta(blk, theta.value, self.ansatz.blocks[b].dim))
        flat_cons = [c for pair in self.dual_cons for c in (pair if isinstance(pair, tuple) else (pair,))]
        if any(c.dual_value is None for c in flat_cons):
            return gammas, thetas, None
        z = np.zeros((self.dim, self.dim), dtype=complex)
        if self.norm == "frobenius":
            _fill_frobenius_dual(z, np.asarray(self.dual_cons[0].dual_value[1], float), self.sectors)
        else:
            for sec, (con_a, con_b) in zip(self.sectors, self.dual_cons):
                z[np.ix_(sec, sec)] = (_complex_dual(np.asarray(con_a.dual_value))
                                       - _complex_dual(np.asarray(con_b.dual_value)))
        return gammas, thetas, z



def _fill_frobenius_dual(z: np.ndarray, v: np.ndarray, sectors) -> None:
    """Z from the vector part v = (Re, Im of the stacked sector residuals) of the second-order cone's dual."""
    half = v.size // 2
    flat = -(v[:half] + 1j * v[half:])
    pos = 0
    for sec in sectors:
        n = len(sec)
        z[np.ix_(sec, sec)] = flat[pos:pos + n * n].reshape(n, n)
        pos += n * n



# The interior-point method takes τ^pop,coh (spectral norm, fixed trace) on subspaces of the sectors when the largest
# has at least this many states. Below, the rounds cost more than they save: on the 20-state sectors of 2+2+2 and
# 3+3+0 the compressed blocks grow to ~15 over up to 7 rounds at some couplings (notebook 03's 3+3+0 grid: 55 s
# against 32 s on the whole problem); from 2+3+2 (35) on the subspaces stay small (2+4+2: 2 … 3× faster on a grid
# of g)
SUBSPACE_MIN_SIDE = 32
# With the subspace method, the sector maps L_i of τ^pop,coh are kept when they take at most this many bytes, else
# made anew in each round (at N = 12, 2+8+2, they take 16 × 129 × C(24, 12) bytes = 5.6 GB)
SUBSPACE_KEEP_BYTES = 2**31


@functools.lru_cache(maxsize=8)
def _hermitian_basis_matrix(k: int):
    """The (k², k²) sparse matrix of :func:`local_hermitian_basis` (row j: vec E_j), at most two entries a row:
    applied to the stacked M_ab it gives the images A(E_j) = Σ_ab (E_j)_ab M_ab of the basis."""
    from scipy.sparse import csr_matrix

    return csr_matrix(local_hermitian_basis(k).reshape(k * k, k * k))



class CohConic:
    r"""Eq. (33) assembled as Clarabel's conic form directly (``formulation="conic"``, the default).

    The real variables x = (t, [P_i], Γ coordinates, r) with Γ = Σ_j x_j E_j on the orthonormal Hermitian
    basis E_j of each charge group (:func:`local_hermitian_basis`) and θ = coords @ r; per sector i the
    residual X_i = L_i x − T_i, L_i a precomputed complex (n_i², n_x) array. The cones are those of the
    cvxpy formulation (:class:`CohCvxpy`), written out by :class:`~lindblad_core.solvers.conic.ConicProblem`; so are
    the multipliers Z. Solvers other than Clarabel fall back to the cvxpy formulation, built on first use.
    ``ipm_options``: keyword arguments (gap_rtol, gap_atol, res_tol, step, margin) of
    :meth:`~lindblad_core.solvers.conic.ConicProblem.solve_ipm` for the interior-point method (default: its own).
    ``subspace``: the interior-point method solves the spectral norm's LMIs on growing subspaces of the sectors
    (:func:`~lindblad_core.solvers.norm_subspace.solve_norm_subspace`, fixed trace only); None (default) when a
    sector has at least ``SUBSPACE_MIN_SIDE`` states. The other solvers always see the whole problem.
    """

    def __init__(self, ansatz, p, tmat, sectors, blocks: list[_CohBlock], norm, free_trace, traces, fallback,
                 ipm_options: dict | None = None, subspace: bool | None = None):
        self.ansatz, self.sectors, self.norm, self.dim, self.blocks = ansatz, sectors, norm, len(p), blocks
        self._fallback, self._cvxpy, self.active = fallback, None, None
        self.ipm_options = dict(ipm_options or {})
        nx = 1
        p_cols = []
        if norm == "nuclear":
            for sec in sectors:
                p_cols.append(np.arange(nx, nx + len(sec) ** 2))
                nx += len(sec) ** 2
        self.gamma_cols, self.theta_cols = [], []
        for blk in blocks:
            cols = []
            for idx in blk.groups:
                cols.append(np.arange(nx, nx + len(idx) ** 2))
                nx += len(idx) ** 2
            self.gamma_cols.append(cols)
            self.theta_cols.append(np.arange(nx, nx + blk.coords.shape[1]))
            nx += blk.coords.shape[1]
        cp_ = ConicProblem(nx)
        cp_.q[0] = 1.0  # minimise t
        for b, (blk, gcols) in enumerate(zip(blocks, self.gamma_cols)):
            if not free_trace:
                row = np.zeros((1, nx))
                for idx, cols in zip(blk.groups, gcols):
                    row[0, cols] = np.real(np.trace(local_hermitian_basis(len(idx)), axis1=1, axis2=2))
                cp_.add(("trace", b), "zero", row, [traces[b]])
            for g, (idx, cols) in enumerate(zip(blk.groups, gcols)):
                k = len(idx)
                linear = np.zeros((k * k, nx), complex)
                linear[:, cols] = local_hermitian_basis(k).reshape(k * k, k * k).T
                cp_.add_psd(("gamma", b, g), np.zeros(k * k), linear, k)
        self._p, self._tmat, self._p_cols, self._base = p, tmat, p_cols, cp_
        self._conic, self.subspace_solution, self._maps = None, None, None
        if subspace is None:
            subspace = max(len(sec) for sec in sectors) >= SUBSPACE_MIN_SIDE
        # the cutting-plane method takes the spectral norm's LMIs over the fixed-trace set (norm_subspace)
        self.subspace = bool(subspace) and norm == "spectral" and not free_trace

    def _sector_map(self, i: int) -> np.ndarray:
        """L_i transposed, (n_x, n_i²): row j is vec(L_i e_j), so that the solver's per-variable matrices are
        views of it (ConicProblem.solve_ipm), not copies. Rows of variables that do not enter sector i are never
        written (np.zeros: no memory)."""
        sec = self.sectors[i]
        n = len(sec)
        out = np.zeros((self._base.n_variables, n * n), complex)
        for blk, gcols, tcols in zip(self.blocks, self.gamma_cols, self.theta_cols):
            for idx, cols, sub in zip(blk.groups, gcols, dissipator_sector_groups(blk, self._p, i, sec)):
                if sub is not None:  # else exactly zero by the U(1) symmetry
                    out[cols[0]:cols[-1] + 1] = _hermitian_basis_matrix(len(idx)) @ sub.reshape(len(cols), n * n)
            if len(tcols):
                out[tcols[0]:tcols[-1] + 1] = np.tensordot(blk.coords.T, blk.comm[i], axes=1).reshape(
                    len(tcols), n * n)
        return out

    @property
    def _lin(self) -> list:
        """The maps L_i of every sector (made on first use, then kept)."""
        if self._maps is None:
            self._maps = [self._sector_map(i) for i in range(len(self.sectors))]
        return self._maps

    def _subspace_images(self) -> list:
        """Per sector its (n_x, n_i, n_i) operators for the subspace method: the kept maps when they take at most
        ``SUBSPACE_KEEP_BYTES``, else a function making them anew (the method calls it once per round)."""
        sizes = [len(sec) for sec in self.sectors]
        if self._maps is not None or 16 * self._base.n_variables * sum(n * n for n in sizes) <= SUBSPACE_KEEP_BYTES:
            return [lv.reshape(len(lv), n, n) for lv, n in zip(self._lin, sizes)]
        return [lambda i=i, n=n: self._sector_map(i).reshape(-1, n, n) for i, n in enumerate(sizes)]

    @property
    def conic(self) -> ConicProblem:
        """The whole problem as one :class:`~lindblad_core.solvers.conic.ConicProblem` (built on first use: with
        the subspace method, only when another solver is asked; it holds −L_i next to L_i)."""
        if self._conic is None:
            self._conic = self._with_norm()
        return self._conic

    def _with_norm(self) -> ConicProblem:
        """The base problem with the norm's cones on the full sectors."""
        cp_, lin, tmat, sectors = self._base.copy(), self._lin, self._tmat, self.sectors
        nx = cp_.n_variables
        if self.norm == "frobenius":
            a = np.vstack([np.eye(1, nx)] + [lv.T.real for lv in lin] + [lv.T.imag for lv in lin])
            tv = np.concatenate([tmat[np.ix_(s, s)].ravel() for s in sectors])
            cp_.add("norm", "soc", -a, np.concatenate([[0.0], -tv.real, -tv.imag]))
            return cp_
        # X = L2'(ρ0) − T is Hermitian (both maps preserve Hermiticity), so
        #   spectral: ‖X‖ ≤ t  ⟺  t I − X ⪰ 0 and t I + X ⪰ 0,
        #   nuclear:  ‖X‖_* = min Tr P  s.t.  P − X ⪰ 0 and P + X ⪰ 0,
        # two LMIs of size n instead of one of size 2n; the certificate is Z = A − B from their multipliers.
        p_trace = np.zeros((1, nx))
        for i, sec in enumerate(sectors):
            n = len(sec)
            tv = tmat[np.ix_(sec, sec)].ravel()
            # the variables of t I (spectral) or P_i (nuclear) and their rows vec(E_j)
            if self.norm == "spectral":
                up_cols, up_rows = np.array([0]), np.eye(n).ravel()[None]
            else:
                basis = local_hermitian_basis(n)
                up_cols, up_rows = self._p_cols[i], basis.reshape(n * n, n * n)
                p_trace[0, self._p_cols[i]] = np.real(np.trace(basis, axis1=1, axis2=2))
            plus = lin[i]  # t I − X = t I − L x + T ⪰ 0 and t I + X ⪰ 0; the rows up_cols of L_i are zero
            minus = np.negative(plus)
            minus[up_cols] = up_rows
            plus[up_cols] = up_rows
            cp_.add_psd(("minus", i), tv, minus.T, n)
            cp_.add_psd(("plus", i), -tv, plus.T, n)
        if self.norm == "nuclear":
            p_trace[0, 0] = -1.0
            cp_.add("nuclear", "nonneg", p_trace, [0.0])  # t − Σ_i Tr P_i ≥ 0
        return cp_

    def solve(self, solver: str, **settings):
        self.active, self.subspace_solution = None, None
        if solver == QICS_SOLVER:
            qics.solve_qics(self.conic)  # looked up on the module: one place to wrap it
            return
        if solver == NATIVE_SOLVER and self.subspace:
            targets = [self._tmat[np.ix_(sec, sec)] for sec in self.sectors]
            self.subspace_solution = solve_norm_subspace(self._base, self._subspace_images(), targets, 0,
                                                         ipm_options={**self.ipm_options, **settings})
            return
        if solver == NATIVE_SOLVER:  # ``settings``: this attempt's changes to ``ipm_options``
            self.conic.solve_ipm(**{**self.ipm_options, **settings})
            return
        if solver == "CLARABEL":
            self.conic.solve(**settings)
            return
        if self._cvxpy is None:
            self._cvxpy = self._fallback()
        self.active = self._cvxpy
        self._cvxpy.solve(solver, **settings)

    @property
    def dual_orientation_known(self) -> bool:
        """Whether Z of :meth:`extract` is in the orientation of Eq. (33) by construction: the multipliers of the
        conic data (any solver of :attr:`conic`; the subspace method's lift them in their own orientation),
        read by :meth:`~lindblad_core.solvers.conic.ConicProblem.hermitian_dual`, not cvxpy's complex duals."""
        return self.active is None

    @property
    def status(self):
        if self.subspace_solution is not None:
            return self.subspace_solution.status
        return self.conic.status if self.active is None else self.active.status

    @property
    def value(self):
        if self.subspace_solution is not None:
            return self.subspace_solution.value
        return self.conic.value if self.active is None else self.active.value

    def min_trace_primal(self, t_max: float):
        r"""(Γ per block, full Lamb-shift coordinates per block) minimising Σ_b Tr Γ_b over the feasible set
        with t ≤ ``t_max`` (‖L2'(ρ0) − T‖ ≤ t_max), by the interior-point method; None when it returns no point
        (or for the Frobenius norm, whose cone it does not take).

        With Tr Γ_b free the optimal set can be long and flat along dissipators that nearly annihilate ρ0 (at
        equilibrium, every detailed-balance pair), and an interior-point method ends near its analytic centre:
        Tr Γ_b in the hundreds where Γ_b ≈ 0 does as well, and the first-order data error of
        :func:`~lindblad_core.certify.popcoh.coh_upper_bound`, proportional to ‖Γ‖, with it.
        """
        if self.norm == "frobenius":
            return None
        conic = self.conic.copy()
        conic.q = np.zeros(conic.n_variables)
        for blk, gcols in zip(self.blocks, self.gamma_cols):
            for idx, cols in zip(blk.groups, gcols):
                conic.q[cols] = np.real(np.trace(local_hermitian_basis(len(idx)), axis1=1, axis2=2))
        conic.add("t_max", "nonneg", np.eye(1, conic.n_variables), [t_max])  # t_max − t ≥ 0
        conic.solve_ipm(**self.ipm_options)
        return None if conic.x is None else self._primal(conic.x)

    def extract(self):
        """(Γ per block, full Lamb-shift coordinates per block, dual Z or None) of the last solve."""
        if self.active is not None:
            return self.active.extract()
        sol = self.subspace_solution
        if sol is not None:
            gammas, thetas = self._primal(sol.x)
            if sol.x is None:
                return gammas, thetas, None
            z = np.zeros((self.dim, self.dim), dtype=complex)
            for sec, (minus, plus) in zip(self.sectors, sol.duals):
                z[np.ix_(sec, sec)] = minus - plus
            return gammas, thetas, z
        gammas, thetas = self._primal(self.conic.x)
        if not self.conic.has_dual:
            return gammas, thetas, None
        z = np.zeros((self.dim, self.dim), dtype=complex)
        if self.norm == "frobenius":
            _fill_frobenius_dual(z, self.conic.dual("norm")[1:], self.sectors)
        else:
            for i, sec in enumerate(self.sectors):
                z[np.ix_(sec, sec)] = self.conic.hermitian_dual(("minus", i)) - self.conic.hermitian_dual(("plus", i))
        return gammas, thetas, z

    def _primal(self, x):
        """(Γ per block, full Lamb-shift coordinates per block) of the variables x (zeros for None)."""
        gammas, thetas = [], []
        for b, (blk, gcols, tcols) in enumerate(zip(self.blocks, self.gamma_cols, self.theta_cols)):
            m = blk.operators.shape[0]
            gam = np.zeros((m, m), dtype=complex)
            if x is not None:
                for idx, cols in zip(blk.groups, gcols):
                    gam[np.ix_(idx, idx)] = np.tensordot(x[cols], local_hermitian_basis(len(idx)), axes=1)
            gammas.append(gam)
            thetas.append(_full_theta(blk, None if x is None else x[tcols], self.ansatz.blocks[b].dim))
        return gammas, thetas



FORMULATIONS = ("conic", "cvxpy")
