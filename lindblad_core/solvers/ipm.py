r"""A primal-dual interior-point method for Hermitian LMIs (:func:`solve_hermitian_lmi`), the first solver of
the library's SDPs (through :meth:`lindblad_core.solvers.conic.ConicProblem.solve_ipm`).

Clarabel sees a complex n×n LMI as a real 2n×2n one and factorises a KKT system with one dense block of
side n(2n + 1) per cone: at d = 64 that is ~90 % of a τ^pop,coh solve, and at d = 256 it does not fit in
memory. The problems here have few variables and large, dense blocks, the case the Schur-complement
methods of SDPT3 / SeDuMi were made for: the Newton system is m × m (m variables), assembled block by block
from n×n complex products, never larger than the blocks themselves.
"""

from __future__ import annotations

import logging
import numbers
from dataclasses import dataclass

import numpy as np

from .ipm_kron import _HermitianPacking, plan_units, unit_terms
from .ipm_rows import _ratio_step, _ScalarRows, _with_scalar_blocks

log = logging.getLogger(__name__)

__all__ = ["IpmSolution", "checked_step", "checked_tolerances", "solve_hermitian_lmi"]

IPM_TOL = 1e-7  # "optimal": complementarity gap Σ Re Tr(X_k S_k) at most IPM_TOL_ABS +
IPM_TOL_ABS = 1e-10  # IPM_TOL·|objective| (a tenth of the width of a tight certified interval,
# sdp.result.CERT_ATOL + CERT_RTOL·|τ|; ``gap_rtol`` of solve_hermitian_lmi) …
IPM_RES_TOL = 1e-8  # … and relative primal and dual residuals below this. The difference of the primal and dual
# objectives is the gap plus yᵀr_p + …, so it is not asked for separately (the certificates repair the
# multipliers and report the rest). Near the optimum of the SDPs the stationarity residual wanders between
# ~1e-10 and ~1e-8 from one iteration to the next (the rounding of H·dy, H ill-conditioned): the reason for the
# margin below
IPM_MARGIN = 0.5  # stop at once when the merit (the largest ratio of gap and residuals to their tolerances) is
# below this: the tolerances met with a factor 2 to spare. When the best merit lies between IPM_MARGIN and 1 (met
# without room), the iterations go on while each one multiplies the best merit by IPM_PROGRESS or less (near
# the optimum one iteration divides it by ~10 … 100), so that a merit within rounding of 1 does not decide the
# status. A margin of 0.1 costs about one more iteration in most solves (~5 % of the time of τ^pop,coh at
# 3+3+0 and 2+2+2) for intervals that are tight either way
IPM_PROGRESS = 0.5
IPM_INACCURATE = 1e3  # "optimal_inaccurate": within this factor of both tolerances
IPM_MAX_ITER = 60
IPM_STALL = 2  # iterations without improving the best iterate before stopping (near the optimum: merit below
IPM_STALL_FAR = 6  # IPM_INACCURATE; far from it the merit's gap tolerance shrinks with the objective and may rise)
IPM_STALL_GAIN = (2.0, 0.97)  # once the best merit is below the first number (the tolerances met within a factor
# 2), an iteration improves the best iterate only when it multiplies the best merit by the second or less: at an
# optimum τ = 0 the gap can creep down by 1–3 % an iteration for ten iterations just above its absolute tolerance,
# every iteration with a rank-deficient Newton matrix (free-trace points that creep by 7–8 % an iteration go on to
# meet the tolerances: 0.9 stopped them)
IPM_REFINE = 3  # at most this many steps of iterative refinement of each Newton solve (_newton_solver)
IPM_STEP = (0.98, 0.0)  # fraction of the step to the boundary of the cones: step[0] + step[1]·min(α_p, α_d)
IPM_STEP_CAUTIOUS = (0.9, 0.09)  # SDPT3's rule (Toh, Todd, Tütüncü): after a short step the next iterates stay
# further inside the cones, full steps go 0.99 of the way. Slower to the end on well-posed problems (its last
# iterates stop with larger residuals); the ill-conditioned free-trace τ^pop,coh takes it first, then the fixed steps
# (popcoh.FREE_TRACE_STEP, FREE_TRACE_ATTEMPTS): which of its borderline points a rule decides depends on rounding
# (benchmarks/results/free_trace.md)
IPM_STEP_SHORT = (0.95, 0.0)  # a shorter fixed step: the last setting the solver chain tries where an end-game
# stalls at the level of rounding (popcoh.FREE_TRACE_ATTEMPTS, pop_dual.POP_ATTEMPTS)
IPM_PACK_BYTES = (2**17, 2**25)  # a complex group's operators are packed (_HermitianPacking) when its largest
# block's copy lies between these sizes: below, the packing's own calls cost more than the memory traffic saved


def _herm(a):
    return 0.5 * (a + np.conj(np.swapaxes(a, -1, -2)))


def _max_steps(inv_lows_x, d_x, inv_lows_s, d_s) -> tuple[float, float]:
    """Largest α ≤ 1 with every X_k + α dX_k ⪰ 0 and the same for S (M = L Lᴴ ≻ 0, L⁻¹ in ``inv_lows_x``,
    ``inv_lows_s``), from the eigenvalues of L⁻¹ dM L⁻ᴴ. Each list holds one stack per group of blocks of
    equal size; a group's X and S stacks are concatenated into one eigenvalue computation."""
    alpha = [1.0, 1.0]
    for g, (inv_x, dx) in enumerate(zip(inv_lows_x, d_x)):
        inv_low, dm = np.concatenate([inv_x, inv_lows_s[g]]), np.concatenate([dx, d_s[g]])
        # eigvalsh reads the lower triangle only: the rounding of the product's two triangles need not be averaged
        w = np.linalg.eigvalsh(inv_low @ dm @ np.conj(np.swapaxes(inv_low, 1, 2)))[:, 0]
        for side, lowest in enumerate((w[:len(dx)], w[len(dx):])):
            lowest = float(np.min(lowest, initial=0.0))
            if lowest < 0:
                alpha[side] = min(alpha[side], -1.0 / lowest)
    return alpha[0], alpha[1]


def _padded(stacked: np.ndarray, cols: np.ndarray, m: int) -> np.ndarray:
    """The rows of ``stacked`` (one per variable in ``cols``) placed in an (m, ·) array of zeros."""
    out = np.zeros((m, stacked.shape[1]))
    out[cols] = stacked
    return out


def _real_if_possible(lmi: _Lmi) -> _Lmi:
    """The LMI with real symmetric C and L_j when their off-diagonal entries are real (the diagonal of a
    Hermitian matrix is real: its imaginary parts are not part of it), else as it is. A real block keeps real
    iterates X, S: a quarter of the operations of its products and half the columns of its Schur update."""
    if not (np.iscomplexobj(lmi.lin) or np.iscomplexobj(lmi.const)):
        return lmi
    off = ~np.eye(lmi.const.shape[0], dtype=bool)
    if np.any(np.imag(lmi.lin)[:, off]) or np.any(np.imag(lmi.const)[off]):
        if np.iscomplexobj(lmi.lin) and np.iscomplexobj(lmi.const):
            return lmi
        return _Lmi(lmi.name, np.asarray(lmi.const, complex), lmi.cols, np.asarray(lmi.lin, complex))
    real = np.ascontiguousarray
    return _Lmi(lmi.name, real(np.real(lmi.const)), lmi.cols, real(np.real(lmi.lin)))


def _congruences(lin: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The rows (Re, Im interleaved) of W_j = Qᴴ L_j R for the (k, n, n) stack ``lin``, as a (k, 2n²) real
    array ((k, n²) for a real stack and real factors): the product with R as one (kn × n) matrix product, the
    one with Qᴴ batched over the stack (general products: OpenBLAS's triangular ones are slower here, for all
    their half of the operations)."""
    k, n = lin.shape[:2]
    w = np.conj(q.T) @ (lin.reshape(k * n, n) @ r).reshape(k, n, n)
    return w.reshape(k, -1).view(np.float64) if np.iscomplexobj(w) else w.reshape(k, -1)


def _schur_complement(lmis, x_mat, s_mat, groups, m: int, kron: dict | None = None):
    r"""S_k⁻¹, the Newton (Schur-complement) matrix of the HKM direction, H_ij = Σ_k Re Tr(L_ki X_k L_kj S_k⁻¹),
    and the inverse Cholesky factors of X_k and S_k (for the step lengths, :func:`_max_steps`). ``x_mat``,
    ``s_mat`` and the matrices returned hold one (len(idx), n, n) stack per group ``idx`` of ``groups`` (the
    indices into ``lmis`` of blocks of one size).

    With X = Q Qᴴ and S⁻¹ = R Rᴴ (Cholesky factors), H_ij = Re ⟨W_i, W_j⟩ for W_j = Qᴴ L_j R: one real rank-k
    update (BLAS syrk) of the stacked (Re W, Im W), accumulated over the blocks that share their variables,
    instead of a complex product of the (k, n²) operator matrix with X L_j S⁻¹: a quarter of the
    floating-point operations of the dominant term, and one scatter into H per set of variables. The blocks
    and pairs of ``kron`` (group index -> list of :class:`~lindblad_core.solvers.ipm_kron.KronUnit`) enter
    through their n²×n² scaling matrix instead (:func:`~lindblad_core.solvers.ipm_kron.unit_terms`), unless its
    factorisation fails.
    """
    s_inv, inv_low_x, inv_low_s, acc, corrections = [], [], [], {}, []
    for g, (idx, x, s) in enumerate(zip(groups, x_mat, s_mat)):
        inv_low = np.linalg.inv(np.linalg.cholesky(s))  # S = L Lᴴ, R = L⁻ᴴ
        q = np.linalg.cholesky(x)
        root = np.conj(np.swapaxes(inv_low, 1, 2))
        s_inv.append(_herm(root @ inv_low))
        inv_low_x.append(np.linalg.inv(q))
        inv_low_s.append(inv_low)
        done = set()
        units = (kron or {}).get(g, ())
        pack = _HermitianPacking(x.shape[1]) if units else None
        for unit in units:
            try:
                term, correction = unit_terms(unit, pack, x, s_inv[-1])
            except np.linalg.LinAlgError:
                continue  # these blocks take the general path below
            first = lmis[idx[unit.first]]
            _accumulate(acc, first, term, m)
            if correction is not None:
                corrections.append((first.cols, correction))
            done.update((unit.first, unit.second))
        for j, b in enumerate(idx):
            if j not in done:
                _accumulate(acc, lmis[b], _congruences(lmis[b].lin, q[j], root[j]), m)
    everything = acc.pop(b"all", None)
    schur = np.zeros((m, m)) if everything is None else _symmetrised(everything[1])
    for cols, upper in acc.values():
        schur[np.ix_(cols, cols)] += _symmetrised(upper)
    for cols, (rows, cross, diag) in corrections:
        var = cols[rows]
        schur[np.ix_(cols, var)] -= cross
        schur[np.ix_(var, cols)] -= cross.T
        schur[np.ix_(var, var)] += diag
    return s_inv, schur, inv_low_x, inv_low_s


def _accumulate(acc: dict, lmi: _Lmi, stacked: np.ndarray, m: int) -> None:
    """acc[cols] += stacked stackedᵀ (upper triangle, BLAS syrk) for the block's variables ``cols``; a block
    over most variables is padded with zero rows and added to the update over all of them."""
    from scipy.linalg.blas import dsyrk

    k = len(lmi.cols)
    cols = lmi.cols
    if k != m and 2 * k > m:
        stacked, cols = _padded(stacked, cols, m), np.arange(m)
    key = b"all" if len(cols) == m else cols.tobytes()
    if key not in acc:  # syrk writes the upper triangle only: the strict lower one stays zero
        acc[key] = [cols, np.zeros((len(cols), len(cols)), order="F")]
    acc[key][1] = dsyrk(1.0, stacked.T, beta=1.0, c=acc[key][1], trans=1, overwrite_c=1)


def _symmetrised(upper: np.ndarray) -> np.ndarray:
    """The symmetric matrix whose upper triangle is ``upper``'s (its strict lower triangle zero)."""
    full = upper + upper.T
    full[np.diag_indices_from(full)] *= 0.5
    return full


def _newton_solver(schur: np.ndarray, e: np.ndarray):
    """(r, r_e) ↦ (dy, du) solving [[H, Eᵀ], [E, 0]] (dy, −du) = (r, r_e), H the Schur complement: one Cholesky
    factorisation of H per iteration, shared by the predictor and the corrector, with the few equality rows
    eliminated (E H⁻¹ Eᵀ); the saddle-point matrix by LU when H is not numerically positive definite (also once
    per iteration).

    Near the optimum H is ill-conditioned (condition numbers of 1e15 and more as the active rows' z/s grow) and
    the elimination of E through H⁻¹ is not backward stable: its residual, which becomes the residual of the
    stationarity A*(X) + Gᵀz + Eᵀu = c of the next iterate, reaches ~1e-7 · ‖r‖. Up to ``IPM_REFINE`` steps of
    iterative refinement with the same factors (each an m×m product and a solve) bring it down to the rounding
    error of H·dy itself.
    """
    # LAPACK directly: scipy.linalg's cho_solve checks and converts its arguments on every call, a tenth of a small
    # solve's time at ~7 solves an iteration
    from scipy.linalg.lapack import dgetrf, dgetrs, dpotrf, dpotrs

    m, ne = schur.shape[0], e.shape[0]

    def cho_solve(b):
        return dpotrs(low, b, lower=1)[0]

    try:
        low, info = dpotrf(schur, lower=1, clean=0)
        if info != 0 or not np.all(np.isfinite(np.diag(low))):
            raise np.linalg.LinAlgError(f"Cholesky factorisation of the Newton matrix failed (info {info})")
        h_inv_et = cho_solve(np.ascontiguousarray(e.T)) if ne else np.zeros((m, 0))
        reduced = e @ h_inv_et
        if not np.all(np.isfinite(h_inv_et)):
            raise np.linalg.LinAlgError("non-finite Cholesky solve")
    except np.linalg.LinAlgError:  # the saddle-point matrix, factorised once (LU) for every solve of the iteration
        lu, piv, info = dgetrf(np.block([[schur, e.T], [e, np.zeros((ne, ne))]]))
        if info != 0:
            raise np.linalg.LinAlgError(f"LU factorisation of the saddle-point matrix failed (info {info})") from None

        def solve_once(r, r_e):
            sol = dgetrs(lu, piv, np.concatenate([r, r_e]))[0]
            return sol[:m], -sol[m:]
    else:
        def solve_once(r, r_e):
            h_inv_r = cho_solve(r)
            v = np.linalg.solve(reduced, e @ h_inv_r - r_e) if ne else np.zeros(0)
            return h_inv_r - h_inv_et @ v, -v

    def residual(dy, du, r, r_e):
        res, res_e = r - (schur @ dy - e.T @ du), r_e - e @ dy
        return res, res_e, np.sqrt(res @ res + res_e @ res_e)

    def solve(r, r_e):
        dy, du = solve_once(r, r_e)
        res, res_e, norm = residual(dy, du, r, r_e)
        for _ in range(IPM_REFINE):
            if not norm > 0:
                break
            ddy, ddu = solve_once(res, res_e)
            new_dy, new_du = dy + ddy, du + ddu
            new_res, new_res_e, new_norm = residual(new_dy, new_du, r, r_e)
            if not new_norm < norm:
                break
            dy, du, improved = new_dy, new_du, new_norm < 0.5 * norm
            res, res_e, norm = new_res, new_res_e, new_norm
            if not improved:
                break
        return dy, du
    return solve


@dataclass
class _Lmi:
    """S = C + Σ_j y_j L_j ⪰ 0 over the variables ``cols`` (the others do not enter)."""

    name: object
    const: np.ndarray  # (n, n) Hermitian
    cols: np.ndarray  # (k,) variable indices
    lin: np.ndarray  # (k, n, n) Hermitian


@dataclass
class IpmSolution:
    """What :func:`solve_hermitian_lmi` returns: the status, the variables y, the multipliers X_k ⪰ 0 of the
    LMIs, z ≥ 0 of the scalar rows and u of E y = f (None without a solution), and the iterations."""

    status: str
    y: np.ndarray | None
    x: list | None
    z: np.ndarray | None
    u: np.ndarray | None
    iterations: int


PAIR_ROWS_MAX = 0.5  # blocks are partners (_negated_partners) when at most this fraction of their variables'
# operators are not exactly negated (A and A* then pass over at most 1.5 instead of 2 blocks' operators)


def _negated_partners(groups, lmis, flat_real) -> dict:
    """{k: (j, rows, D)} for each block k that follows, in its group ``idx``, a block idx[j] over the same
    variables with L_k = −L_idx[j] except on the variables ``rows`` (at most ``PAIR_ROWS_MAX`` of them), where
    D = L_k + L_idx[j] (rows of ``flat_real``): then Σ_j v_j L_k = D·v_rows − Σ_j v_j L_idx[j], and A*(M, M_k)
    over the pair is L_idx[j]·(M − M_k) + D·M_k, one pass over the pair's operators instead of two."""
    out = {}
    for idx in groups:
        j = 0
        while j + 1 < len(idx):
            a, b = idx[j], idx[j + 1]
            if np.array_equal(lmis[a].cols, lmis[b].cols) and flat_real[a].shape == flat_real[b].shape:
                total = flat_real[a] + flat_real[b]  # exactly zero where the operators are exactly negated
                rows = np.flatnonzero(np.any(total != 0, axis=1))
                if len(rows) <= PAIR_ROWS_MAX * len(lmis[a].cols):
                    out[b] = (j, rows, total[rows])
                    j += 2
                    continue
            j += 1
    return out


_TOLERANCE_RANGES = {"gap_rtol": (0.0, 1.0), "gap_atol": (0.0, np.inf), "res_tol": (0.0, 1.0), "margin": (0.0, 1.0)}


def checked_tolerances(gap_rtol=None, gap_atol=None, res_tol=None, margin=None) -> dict:
    """The tolerances of :func:`solve_hermitian_lmi` and its stopping margin as floats (None: the default
    ``IPM_TOL``, ``IPM_TOL_ABS``, ``IPM_RES_TOL``, ``IPM_MARGIN``); a ValueError naming the parameter and its
    range for anything else than a number in (0, 1) (gap_atol: (0, inf))."""
    given = {"gap_rtol": (gap_rtol, IPM_TOL), "gap_atol": (gap_atol, IPM_TOL_ABS), "res_tol": (res_tol, IPM_RES_TOL),
             "margin": (margin, IPM_MARGIN)}
    out = {}
    for name, (value, default) in given.items():
        value = default if value is None else value
        low, high = _TOLERANCE_RANGES[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low < float(value) < high:
            raise ValueError(f"{name} must be a number in ({low:g}, {high:g}), got {value!r}")
        out[name] = float(value)
    return out


def checked_step(step=None) -> tuple[float, float]:
    """The step rule (a, b) of :func:`solve_hermitian_lmi` as floats (None: ``IPM_STEP``): each step goes the
    fraction a + b·min(α_p, α_d) of the way to the boundary of the cones; a ValueError naming ``step`` unless
    a > 0, b ≥ 0 and a + b < 1."""
    step = IPM_STEP if step is None else step
    try:
        a, b = (float(v) for v in step)
        valid = a > 0 and b >= 0 and a + b < 1
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(f"step must be a pair (a, b) of numbers with a > 0, b >= 0, a + b < 1, got {step!r}")
    return a, b


def solve_hermitian_lmi(c: np.ndarray, lmis: list[_Lmi], e: np.ndarray, f: np.ndarray, *, lp=None,
                        gap_rtol: float = IPM_TOL, gap_atol: float = IPM_TOL_ABS,
                        res_tol: float = IPM_RES_TOL, step=IPM_STEP, margin: float = IPM_MARGIN) -> IpmSolution:
    r"""min cᵀy s.t. S_k = C_k + Σ_j y_j L_kj ⪰ 0 (complex Hermitian blocks), s = h + G y ≥ 0, E y = f.

    Infeasible primal-dual path following with the HKM direction and Mehrotra's predictor-corrector
    (Helmberg, Rendl, Vanderbei, Wolkowicz 1996; Kojima, Shindoh, Hara 1997; Todd, Toh, Tütüncü 1998 as in
    SDPT3). ``lp = (h, G)`` (h of length p, G (p, m), dense or scipy sparse): scalar rows, handled as one
    diagonal block (the 1×1 LMIs they are, without a matrix per row): multipliers z ≥ 0, Newton-matrix term
    Gᵀ diag(z/s) G, step lengths from ratios. The multipliers satisfy
    Σ_k Re Tr(L_kj X_k) + (Gᵀz)_j + (Eᵀu)_j = c_j at the optimum (the same convention as Clarabel's duals
    through :meth:`~lindblad_core.solvers.conic.ConicProblem.hermitian_dual`); the dual objective is
    −Σ_k Re Tr(C_k X_k) − hᵀz + fᵀu.

    Blocks of one size (and real or complex) are iterated as one stack; a block whose off-diagonal data are
    real is kept in real arithmetic; 1×1 LMIs join the scalar rows (:func:`_with_scalar_blocks`); a block whose
    operators are those of the block before it negated, but in a few variables, is read through that block in
    A and A* (:func:`_negated_partners`); the Newton matrix is assembled as in :func:`_schur_complement`.

    The merit of an iterate is the largest ratio to its tolerance of the complementarity gap
    Σ_k Re Tr(X_k S_k) + zᵀs (tolerance ``gap_atol + gap_rtol·|cᵀy|``) and of the relative residuals of
    stationarity and of S = C + A(y), s = h + G y, E y = f (tolerance ``res_tol``). The iterations stop when the
    merit is below ``margin`` (the tolerances met with room to spare), when ``IPM_STALL`` iterations in a row
    do not improve the best iterate (``IPM_STALL_FAR`` while its merit is above ``IPM_INACCURATE``; by the factor
    of ``IPM_STALL_GAIN`` once its merit is within a factor 2 of the tolerances), after
    ``IPM_MAX_ITER`` iterations, or when a factorisation fails (an iterate numerically outside the cones). The
    best iterate is returned: "optimal" when its merit is below 1, "optimal_inaccurate" below
    ``IPM_INACCURATE``, else "solver_error". Nothing here is trusted: the callers certify.

    Parameters
    ----------
    c : (m,) array
        The objective.
    lmis : list of _Lmi
        The Hermitian constraints S_k ⪰ 0.
    e, f : (p_e, m) and (p_e,) arrays
        The equality rows E y = f.
    lp : tuple (h, G), optional
        The scalar rows h + G y ≥ 0.
    gap_rtol : float in (0, 1)
        Relative tolerance of the complementarity gap (default ``IPM_TOL``).
    gap_atol : float in (0, inf)
        Absolute tolerance of the complementarity gap (default ``IPM_TOL_ABS``).
    res_tol : float in (0, 1)
        Tolerance of the relative residuals (default ``IPM_RES_TOL``).
    step : pair (a, b)
        Each step goes the fraction a + b·min(α_p, α_d) of the way to the boundary of the cones (default
        ``IPM_STEP``, a fixed 0.98; ``IPM_STEP_CAUTIOUS`` for ill-conditioned problems; :func:`checked_step`).
    margin : float in (0, 1)
        Stop at once when the merit falls below this (default ``IPM_MARGIN``); between it and 1 the iterations go
        on while they still make progress.

    Returns
    -------
    IpmSolution

    Examples
    --------
    min y s.t. [[1 + y, 0], [0, 1 − y]] ⪰ 0, i.e. y ∈ [−1, 1]:

    >>> lin = np.array([[[1.0, 0.0], [0.0, -1.0]]], dtype=complex)
    >>> lmi = _Lmi("s", np.eye(2, dtype=complex), np.array([0]), lin)
    >>> sol = solve_hermitian_lmi(np.array([1.0]), [lmi], np.zeros((0, 1)), np.zeros(0))
    >>> sol.status, round(float(sol.y[0]), 6)
    ('optimal', -1.0)
    """
    tol = checked_tolerances(gap_rtol, gap_atol, res_tol, margin)
    gap_rtol, gap_atol, res_tol, margin = tol["gap_rtol"], tol["gap_atol"], tol["res_tol"], tol["margin"]
    step = checked_step(step)
    m, ne = len(c), len(f)
    lmis = [_real_if_possible(lmi) for lmi in lmis]
    n_lp = 0 if lp is None else len(lp[0])
    scalar = [k for k, lmi in enumerate(lmis) if lmi.const.shape[0] == 1]
    lp_h, lp_rows = _with_scalar_blocks(lp, [lmis[k] for k in scalar], m)
    matrix_blocks = [k for k in range(len(lmis)) if k not in set(scalar)]
    all_lmis, lmis = lmis, [lmis[k] for k in matrix_blocks]
    sizes = [lmi.const.shape[0] for lmi in lmis]
    lp_g = _ScalarRows(lp_rows, m)
    n_total = sum(sizes) + len(lp_h)
    flat = [lmi.lin.reshape(len(lmi.cols), -1) for lmi in lmis]  # (k, n²), row-major

    kinds = [(n, lmi.lin.dtype.kind) for lmi, n in zip(lmis, sizes)]  # stacked by size and real/complex
    groups = [[k for k, kind in enumerate(kinds) if kind == key] for key in sorted(set(kinds))]
    const = [np.stack([lmis[k].const for k in idx]).astype(lmis[idx[0]].lin.dtype) for idx in groups]
    # the operators as real arrays for A and A*: a complex group's n² real coordinates of each Hermitian L_j
    # (_HermitianPacking; half the memory traffic of the matrix-vector products) when the copy's size is within
    # IPM_PACK_BYTES, else the (k, 2n²) view with Re and Im interleaved; a real stack as it is
    packing = [_HermitianPacking(sizes[idx[0]]) if np.iscomplexobj(lmis[idx[0]].lin)
               and IPM_PACK_BYTES[0] <= max(flat[k].size for k in idx) * 8 <= IPM_PACK_BYTES[1] else None
               for idx in groups]
    flat_real = [None] * len(lmis)
    for idx, pack in zip(groups, packing):
        for k in idx:
            flat_real[k] = (pack(lmis[k].lin) if pack else np.ascontiguousarray(flat[k]).view(np.float64)
                            if np.iscomplexobj(flat[k]) else flat[k])

    # a block whose operators are another's negated except in a few variables (t I + X ⪰ 0 next to t I − X ⪰ 0)
    # is read through its partner's: A and A* pass over the pair's operators once
    partner = _negated_partners(groups, lmis, flat_real)
    # small blocks over many variables (and pairs of them) assemble their Newton term through an n²×n² matrix
    kron = {}
    for g, (idx, pack) in enumerate(zip(groups, packing)):
        if not np.iscomplexobj(lmis[idx[0]].lin) or sizes[idx[0]] < 2:
            continue
        partner_of = {idx.index(b): (first, rows, d if pack else None) for b, (first, rows, d) in partner.items()
                      if b in idx}
        units = plan_units([lmis[k].lin for k in idx], [lmis[k].cols for k in idx], partner_of,
                           [flat_real[k] if pack else None for k in idx])
        if units:
            kron[g] = units

    def a_star(mats, z_lp):  # Σ_k Re Tr(L_kj M_k) + (Gᵀz)_j per variable j (mats: one stack per group)
        # for Hermitian L, Re Tr(L M) = Re Σ_ab L_ab conj(M_ab) = Σ (Re L Re M + Im L Im M)_ab for any M: a real
        # product with M's own (Re, Im) view, or with the packed coordinates of M's Hermitian part
        out = lp_g.t(z_lp)
        for idx, mat, pack in zip(groups, mats, packing):
            if pack:
                mat = pack(mat)
            else:
                mat = np.ascontiguousarray(mat)
                if np.iscomplexobj(lmis[idx[0]].lin):
                    mat = mat.astype(complex, copy=False).view(np.float64)
                mat = np.real(mat).reshape(len(idx), -1)
            for j, k in enumerate(idx):
                cols = lmis[k].cols
                if k in partner:  # L_k = −L_first + D on the rows ``rows``
                    first, rows, d = partner[k]
                    out[cols] += flat_real[idx[first]] @ (mat[first] - mat[j])
                    out[cols[rows]] += d @ mat[j]
                elif j + 1 == len(idx) or idx[j + 1] not in partner:
                    out[cols] += flat_real[k] @ mat[j]
        return out

    def a_op(v):  # per group the stack of Σ_j v_j L_kj
        out = []
        for idx, pack in zip(groups, packing):
            lin = lmis[idx[0]].lin
            if pack:
                coords = []
                for k in idx:
                    if k in partner:
                        first, rows, d = partner[k]
                        coords.append(v[lmis[k].cols[rows]] @ d - coords[first])
                    else:
                        coords.append(v[lmis[k].cols] @ flat_real[k])
                out.append(pack.unpack(np.stack(coords)))
                continue
            stack = np.empty((len(idx),) + lin.shape[1:], dtype=lin.dtype)
            flat_stack = stack.reshape(len(idx), -1)
            if np.iscomplexobj(lin):
                flat_stack = flat_stack.view(np.float64)
            for j, k in enumerate(idx):
                if k in partner:
                    first, rows, d = partner[k]
                    np.subtract(v[lmis[k].cols[rows]] @ d, flat_stack[first], out=flat_stack[j])
                else:
                    flat_stack[j] = v[lmis[k].cols] @ flat_real[k]
            out.append(stack)
        return out

    def vdot(a, b):  # Σ Re Tr(A_k B_k) over the stacks (Hermitian A_k)
        return float(sum(np.real(np.vdot(x, y)) for x, y in zip(a, b)))

    norm_c = 1.0 + np.linalg.norm(c) + np.linalg.norm(f)
    norm_b = 1.0 + np.sqrt(sum(np.linalg.norm(lmi.const) ** 2 for lmi in lmis) + np.sum(lp_h**2))
    # SDPT3's starting point: X, S multiples of I large enough to be well inside the cones (a scalar row is
    # started as the 1×1 block it is)
    x_mat, s_mat = [], []
    for idx in groups:
        n, dtype = sizes[idx[0]], lmis[idx[0]].lin.dtype
        big = [max(np.linalg.norm(flat[k], axis=1).max(initial=0.0), np.linalg.norm(lmis[k].const), 1.0)
               for k in idx]
        x_mat.append(np.full(len(idx), max(10.0, np.sqrt(n)))[:, None, None] * np.eye(n, dtype=dtype))
        s_mat.append(np.maximum(max(10.0, np.sqrt(n)), np.array(big))[:, None, None] * np.eye(n, dtype=dtype))
    z_lp = np.full(len(lp_h), 10.0)
    s_lp = np.maximum(10.0, np.maximum(np.abs(lp_h), lp_g.row_max_abs()))
    y, u = np.zeros(m), np.zeros(ne)
    best, best_merit, since = None, np.inf, 0
    it = 0
    sy = a_op(y)  # A(y), updated with each step of y by the A(dy) of its direction
    for it in range(1, IPM_MAX_ITER + 1):
        r_d = [cg + v - sg for cg, v, sg in zip(const, sy, s_mat)]  # S = C + A(y) exactly, residual
        r_lp = lp_h + lp_g @ y - s_lp
        r_p = c - a_star(x_mat, z_lp) - e.T @ u  # stationarity: A*(X) + Gᵀz + Eᵀu = c
        r_e = f - e @ y
        pobj = float(c @ y)
        dobj = float(-vdot(const, x_mat) - lp_h @ z_lp + f @ u)
        gap = float(vdot(x_mat, s_mat) + z_lp @ s_lp)
        mu = gap / n_total
        res_p = np.sqrt(np.sum(r_p**2) + np.sum(r_e**2)) / norm_c
        res_d = np.sqrt(vdot(r_d, r_d) + np.sum(r_lp**2)) / norm_b
        gap_tol = gap_atol + gap_rtol * abs(pobj)
        merit = max(gap / gap_tol, res_p / res_tol, res_d / res_tol)
        log.debug("ipm %2d: pobj %+.12e dobj %+.12e gap %.2e res_p %.2e res_d %.2e merit %.3g", it, pobj, dobj, gap,
                  res_p, res_d, merit)
        previous = best_merit
        if merit < best_merit:
            best, best_merit = (y.copy(), [x.copy() for x in x_mat], z_lp.copy(), u.copy()), merit
        since = 0 if merit < (IPM_STALL_GAIN[1] if previous < IPM_STALL_GAIN[0] else 1.0) * previous else since + 1
        if not np.isfinite(merit) or merit < margin:
            break
        if previous < 1.0 and not merit <= IPM_PROGRESS * previous:  # met without room and no longer improving
            break  # substantially: the best iterate is returned
        if since >= (IPM_STALL if best_merit < IPM_INACCURATE else IPM_STALL_FAR):
            break
        try:
            s_inv, schur, inv_low_x, inv_low_s = _schur_complement(lmis, x_mat, s_mat, groups, m, kron)
            lp_g.add_newton_term(schur, z_lp / s_lp)
            newton = _newton_solver(schur, e)

            def direction(sigma, corr=None):
                # dX = σμ S⁻¹ − X − X dS S⁻¹ (− dX_a dS_a S⁻¹), dS = r_d + A(dy), A*(dX) + Gᵀdz + Eᵀdu = r_p,
                # E dy = r_e; on the scalar rows the same with diagonal matrices
                t = [sigma * mu * si - x - x @ r @ si for x, si, r in zip(x_mat, s_inv, r_d)]
                t_lp = (sigma * mu - z_lp * r_lp) / s_lp - z_lp
                if corr is not None:
                    t = [tk - dxa @ dsa @ si for tk, dxa, dsa, si in zip(t, corr[0], corr[1], s_inv)]
                    t_lp = t_lp - corr[2] * corr[3] / s_lp
                dy, du = newton(a_star(t, t_lp) - r_p, r_e)
                ady = a_op(dy)
                d_s = [r + v for r, v in zip(r_d, ady)]
                d_x = [_herm(tk - x @ v @ si) for tk, x, v, si in zip(t, x_mat, ady, s_inv)]
                gdy = lp_g @ dy
                return dy, du, d_x, d_s, t_lp - z_lp * gdy / s_lp, r_lp + gdy, ady

            def steps(d_x, d_s, dz_lp, ds_lp):
                step_x, step_s = _max_steps(inv_low_x, d_x, inv_low_s, d_s)
                return min(step_x, _ratio_step(z_lp, dz_lp)), min(step_s, _ratio_step(s_lp, ds_lp))

            pred = direction(0.0)
            a_p, a_d = steps(*pred[2:6])
            mu_aff = (vdot([x + a_p * dx for x, dx in zip(x_mat, pred[2])],
                           [s + a_d * ds for s, ds in zip(s_mat, pred[3])])
                      + (z_lp + a_p * pred[4]) @ (s_lp + a_d * pred[5])) / n_total
            sigma = min(1.0, max(0.0, mu_aff / mu) ** 3)
            dy, du, d_x, d_s, dz_lp, ds_lp, ady = direction(sigma, (pred[2], pred[3], pred[4], pred[5]))
            a_p, a_d = steps(d_x, d_s, dz_lp, ds_lp)
        except (np.linalg.LinAlgError, FloatingPointError) as err:  # an iterate numerically outside the cones
            log.info("interior-point method: iteration %d failed (%s); best iterate: merit %.3g", it, err, best_merit)
            break
        gamma = step[0] + step[1] * min(a_p, a_d, 1.0)
        log.debug("ipm %2d: sigma %.2e, steps to the boundary %.3g (primal) %.3g (dual)", it, sigma, a_p, a_d)
        a_p, a_d = min(1.0, gamma * a_p), min(1.0, gamma * a_d)
        x_mat = [_herm(x + a_p * d) for x, d in zip(x_mat, d_x)]
        z_lp = z_lp + a_p * dz_lp
        u = u + a_p * du
        y = y + a_d * dy
        sy = [v + a_d * w for v, w in zip(sy, ady)]
        s_mat = [_herm(s + a_d * d) for s, d in zip(s_mat, d_s)]
        s_lp = s_lp + a_d * ds_lp
    status = "optimal" if best_merit < 1.0 else "optimal_inaccurate" if best_merit < IPM_INACCURATE else "solver_error"
    if best is None:
        return IpmSolution("solver_error", None, None, None, None, it)
    y_best, x_groups, z_best, u_best = best
    x_best = [None] * len(all_lmis)
    for idx, stack in zip(groups, x_groups):
        for j, k in enumerate(idx):
            x_best[matrix_blocks[k]] = stack[j].astype(complex)
    for i, k in enumerate(scalar):
        x_best[k] = np.full((1, 1), z_best[n_lp + i], dtype=complex)
    return IpmSolution(status, y_best, x_best, z_best[:n_lp], u_best, it)
