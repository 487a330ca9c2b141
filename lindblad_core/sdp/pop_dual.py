r"""The dual of τ^pop (Eq. (29)) as the solver sees it: one Hermitian LMI per group of Γ, a box on y.

With c_k(Γ) = Σ_b Tr(G^b_k Γ_b) (:func:`population_coefficients`),

.. math::

    \tau^{pop}_{opt} = \min_{\Gamma_b\succeq0,\ \mathrm{Tr}\Gamma_b=t_b}\sum_k|c_k|
        = \max_{|y_k|\le1}\ \sum_b t_b\,\lambda_{\min}\Big(\sum_k y_k G^b_k\Big)

(Sion's minimax): only d + (number of blocks) variables; the Γ_b are the multipliers of its matrix inequalities
(:class:`PopDual`), θ those of the equality rows Âᵀy = 0 when the Lamb shift enters (another basis, :mod:`.pop_basis`).
"""

from __future__ import annotations

import numpy as np

from lindblad_core.lindblad.ansatz import Ansatz
from lindblad_core.redfield_equation import Redfield, populations, rate_matrix
from lindblad_core.sdp.result import TauResult
from lindblad_core.sdp.solve import CLARABEL_TIGHT, NATIVE_SOLVER, QICS_SOLVER, solve_with_certificates
from lindblad_core.solvers.conic import ConicProblem
from lindblad_core.solvers.ipm import IPM_STEP_SHORT
from lindblad_core.solvers import qics
from lindblad_core.systems.symmetry import STRUCTURE_RTOL, gamma_groups

# The interior-point method's settings, tried in turn before QICS (sdp.solve.solve_with_certificates'
# native_settings): at an optimum τ^pop = 0 (equal temperatures) the complementarity gap can stall at ~1.5e-10, just
# above its 1e-10 tolerance, with an interval up to ~1.4e-9 wide: not tight, and which points a step rule gets through
# depends on rounding (Fig. A2's left-only-blocks grid of τ^pop: the fixed step 0.98 leaves one of 48 points to QICS,
# 0.95 none, SDPT3's cautious rule another one)
POP_ATTEMPTS = ({}, {"step": IPM_STEP_SHORT})


def population_coefficients(ansatz: Ansatz, p: np.ndarray) -> tuple[np.ndarray, ...]:
    r"""G^b_k with c_k = Σ_b Tr(G^b_k Γ_b) = <E_k|L2'(ρ0)|E_k>, one (d, m_b, m_b) Hermitian stack per block.

    From Eq. (23) with ρ0 = diag(p): the coefficient of Γ_ab is
    Σ_m conj(F_a[k,m]) F_b[k,m] p_m − p_k (F_a†F_b)_kk, and G_k is its transpose.
    """
    out = []
    for f in ansatz.operators:
        t1 = np.einsum("akm,bkm,m->kab", f.conj(), f, p)
        t2 = np.einsum("ank,bnk->kab", f.conj(), f) * p[:, None, None]
        k = t1 - t2
        g = np.swapaxes(k, 1, 2)
        out.append(0.5 * (g + np.conj(np.swapaxes(g, 1, 2))))
    return tuple(out)



def _real_rep(h: np.ndarray) -> np.ndarray:
    """[[Re h, −Im h], [Im h, Re h]]: PSD iff h is, with each eigenvalue doubled."""
    return np.block([[h.real, -h.imag], [h.imag, h.real]])



def pop_groups(coeffs, charges, structure, symmetry: bool) -> list[tuple[int, np.ndarray]]:
    """(block b, Γ_b indices) of each LMI Σ_k y_k G^b_k − λ_b I ⪰ 0 of the dual of Eq. (29): one per group of
    :func:`gamma_groups` (split by charge only under the U(1) structure), the whole Γ_b without ``symmetry``."""
    out = []
    for b, g in enumerate(coeffs):
        pattern = np.any(np.abs(g) > STRUCTURE_RTOL * np.max(np.abs(g)), axis=0)
        groups = (gamma_groups(charges[b], pattern, by_charge=structure is not None) if symmetry
                  else [np.arange(g.shape[1])])
        out += [(b, idx) for idx in groups]
    return out



def _pop_dual_lmis(coeffs, groups, real: bool, y, lam):
    """The LMIs of :func:`_pop_groups` as cvxpy constraints on ``y``, ``lam``; real symmetric when every G is
    real, else their real representations. Returns the constraints and ``pieces`` (block, Γ indices,
    constraint) for :func:`_pop_multipliers`."""
    import cvxpy as cp

    d = coeffs[0].shape[0]
    constraints, pieces = [], []
    for b, idx in groups:
        sub = coeffs[b][:, idx][:, :, idx]
        mats = sub.real if real else np.stack([_real_rep(s) for s in sub])
        s = mats.shape[1]
        expr = cp.reshape(mats.reshape(d, s * s).T @ y, (s, s), order="C")
        con = expr - lam[b] * np.eye(s) >> 0
        constraints.append(con)
        pieces.append((b, idx, con))
    return constraints, pieces



def _pop_multipliers(coeffs, pieces, real: bool) -> list[np.ndarray]:
    """Γ_b of Eq. (29) from the multipliers of :func:`_pop_dual_lmis` (zero where a solver returned none)."""
    gammas = [np.zeros((g.shape[1], g.shape[1]), dtype=complex) for g in coeffs]
    for b, idx, con in pieces:
        z = con.dual_value
        if z is None:
            continue
        z = 0.5 * (z + z.T)
        if not real:
            s = len(idx)
            z = (z[:s, :s] + z[s:, s:]) + 1j * (z[s:, :s] - z[:s, s:])
        gammas[b][np.ix_(idx, idx)] = z
    return gammas



class PopDual:
    r"""The dual of Eq. (29) as the solvers see it: max Σ_b t_b λ_b s.t. Σ_k y_k G^b_k − λ_b I ⪰ 0 per group of
    :func:`_pop_groups`, −1 ≤ y ≤ 1, and (published eigenbasis) Âᵀy = 0.

    ``solver="IPM"`` (first in the default chain): the library's interior-point method on conic data assembled
    here (:class:`~lindblad_core.solvers.conic.ConicProblem`, variables x = (y, λ), objective −Σ_b t_b λ_b): one
    complex Hermitian LMI per group with L_{y_k} = G^b_k[idx, idx] and L_{λ_b} = −I, the box as 2d scalar
    rows, Âᵀy = 0 as equality rows. Its multipliers satisfy Σ_groups Tr X = t_b (the λ_b column) and
    Σ_b Tr(G^b_k X_b) + (box)_k + (Âu)_k = 0 (the y_k column), so X is Γ_b's block itself and u the θ of
    c = c_Γ + Âθ (up to the sign the certificates try anyway). Every other solver sees the same problem through
    cvxpy (:func:`_pop_dual_lmis`, built on first use).
    """

    def __init__(self, coeffs, groups, traces, real: bool, lamb: np.ndarray | None = None):
        self.coeffs, self.groups, self.traces, self.real = coeffs, groups, traces, real
        self.lamb = lamb if lamb is not None and lamb.shape[1] else None
        d, nb = coeffs[0].shape[0], len(coeffs)
        self.dim, nx = d, d + nb
        conic = ConicProblem(nx)
        conic.q[d:] = -np.asarray(traces, float)
        for i, (b, idx) in enumerate(groups):
            s = len(idx)
            linear = np.zeros((s * s, nx), complex)
            linear[:, :d] = coeffs[b][:, idx][:, :, idx].reshape(d, s * s).T
            linear[:, d + b] = -np.eye(s).ravel()
            conic.add_psd(("gamma", i), np.zeros(s * s), linear, s)
        box = np.hstack([np.vstack([np.eye(d), -np.eye(d)]), np.zeros((2 * d, nb))])
        conic.add("box", "nonneg", box, np.ones(2 * d))  # 1 − y ≥ 0, 1 + y ≥ 0
        if self.lamb is not None:
            conic.add("lamb", "zero", np.hstack([self.lamb.T, np.zeros((self.lamb.shape[1], nb))]),
                      np.zeros(self.lamb.shape[1]))
        self.conic, self._cvxpy, self.native = conic, None, False

    def _build_cvxpy(self):
        import cvxpy as cp

        y, lam = cp.Variable(self.dim), cp.Variable(len(self.coeffs))
        constraints, pieces = _pop_dual_lmis(self.coeffs, self.groups, self.real, y, lam)
        constraints += [y <= 1, y >= -1]
        lamb_con = None
        if self.lamb is not None:  # θ is free: Σ_k y_k <w_k|i[ρ0, B_h]|w_k> = 0
            lamb_con = self.lamb.T @ y == 0
            constraints.append(lamb_con)
        problem = cp.Problem(cp.Maximize(cp.sum(cp.multiply(np.array(self.traces), lam))), constraints)
        return problem, y, pieces, lamb_con

    def solve(self, solver: str, **settings):
        self.native = solver in (NATIVE_SOLVER, QICS_SOLVER)  # both leave their solution on the conic data
        if solver == QICS_SOLVER:
            qics.solve_qics(self.conic)  # looked up on the module: one place to wrap it
            return
        if self.native:  # ``settings``: the interior-point method's (POP_ATTEMPTS)
            self.conic.solve_ipm(**settings)
            return
        if self._cvxpy is None:
            self._cvxpy = self._build_cvxpy()
        self._cvxpy[0].solve(solver=solver, **settings)

    @property
    def status(self):
        return self.conic.status if self.native else self._cvxpy[0].status

    @property
    def value(self):
        if not self.native:
            return self._cvxpy[0].value
        return None if self.conic.value is None else -self.conic.value

    def y(self) -> np.ndarray | None:
        """y of the last solve (None without one)."""
        if self.native:
            return None if self.conic.x is None else self.conic.x[:self.dim]
        val = self._cvxpy[1].value
        return None if val is None else np.asarray(val, float)

    def gammas(self) -> list[np.ndarray]:
        """Γ_b from the multipliers of the LMIs (zero where the solver returned none)."""
        if not self.native:
            return _pop_multipliers(self.coeffs, self._cvxpy[2], self.real)
        gammas = [np.zeros((g.shape[1], g.shape[1]), dtype=complex) for g in self.coeffs]
        if self.conic.has_dual:
            for i, (b, idx) in enumerate(self.groups):
                gammas[b][np.ix_(idx, idx)] = self.conic.hermitian_dual(("gamma", i))
        return gammas

    def theta(self) -> np.ndarray | None:
        """The multiplier of Âᵀy = 0 (None without one)."""
        if self.lamb is None:
            return None
        if self.native:
            val = self.conic.dual("lamb")
        else:
            val = self._cvxpy[3].dual_value
        return None if val is None else np.asarray(val, float).reshape(self.lamb.shape[1])


def population_flux(red: Redfield, p: np.ndarray | None = None) -> float:
    r"""The scale of τ^pop (``TauResult.scale``): the gross population flux of the Redfield NESS,

    .. math:: s_{pop} = \sum_k p_k |W_{kk}| = \sum_k p_k \sum_{m \ne k} W_{mk},

    W the population block of L2 (App. A, :func:`~lindblad_core.redfield_equation.rate_matrix`), p the NESS
    populations. It scales as γ under γ → cγ while τ^pop (Tr Γ fixed) does not change, so τ^pop / s_pop
    scales as 1/c.
    """
    p = populations(red) if p is None else p
    return float(np.sum(p * np.abs(np.diag(rate_matrix(red)))))


def pop_result(problem, solver, certify, *, red: Redfield, p: np.ndarray, ansatz: Ansatz, traces, symmetry: bool,
               setup_seconds: float, **options) -> TauResult:
    """Run the solver chain on a τ^pop dual (energy basis or explicit basis) and wrap the outcome as a TauResult;
    ``options`` are recorded next to the blocks, traces and attempts."""
    out = solve_with_certificates(problem, solver, certify, clarabel=CLARABEL_TIGHT, native=True,
                                  conic=True, scale=max(traces), native_settings=POP_ATTEMPTS)
    return TauResult("tau_pop", out.value, out.lower, out.upper, out.status, out.solver, out.seconds, setup_seconds,
                     out.candidate,
                     {"blocks": [b.sites for b in ansatz.blocks], "block_dims": [b.dim for b in ansatz.blocks],
                      "traces": list(traces), "symmetry": symmetry,
                      "attempts": out.attempts, "norm": None, "target": None, "free_trace": False, **options},
                     reason=out.reason, data_error=out.data_error, scale=population_flux(red, p))

