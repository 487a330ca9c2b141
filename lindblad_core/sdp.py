r"""The SDPs τ^pop (Eq. (29)) and τ^pop,coh (Eq. (33)), with certified bounds and Lemma 1 (Eq. (31)).

Every solve returns a :class:`TauResult` with a *certified* interval ``[lower, upper]`` for the optimum:

* ``upper``: the objective evaluated exactly (numpy) at the solver's candidate after projecting each Γ onto
  {Γ ⪰ 0, Tr Γ = t}: a real Lindbladian of Eq. (23) attains it.
* ``lower``: the dual objective evaluated exactly at a dual-feasible point repaired from the solver's
  dual (clipped / projected / rescaled into the dual feasible set): a rigorous bound by weak duality,
  independent of the solver's tolerance.

Formulations
------------
τ^pop. With c_k(Γ) = <E_k|L2'(ρ0)|E_k> = Σ_b Tr(G^b_k Γ_b) (H_LS drops out, SPEC.md), Sion's minimax gives

.. math::

    \tau^{pop}_{opt} = \min_{\Gamma_b\succeq0,\ \mathrm{Tr}\Gamma_b=t_b}\sum_k|c_k|
        = \max_{|y_k|\le1}\ \sum_b t_b\,\lambda_{\min}\Big(\sum_k y_k G^b_k\Big),

which has only d + (number of blocks) variables; this dual is what the solver sees, and the Γ_b are
the multipliers of its matrix inequalities.

τ^pop,coh. The primal min ‖L2'(ρ0) − T‖ with the norm as an explicit cone (spectral: the LMI
[[t I, X], [X†, t I]] ⪰ 0; nuclear: its two-sided form; Frobenius: a second-order cone). Its dual is

.. math::

    \max_{\|Z\|_*\le 1,\ \mathcal A_H^*(Z)=0}\ -\mathrm{Re}\langle Z, T\rangle
        + \sum_b t_b\,\lambda_{\min}\big(\mathcal A_{\Gamma_b}^*(Z)\big).

Symmetry. Each block operator changes the magnetisation by a definite charge. When
[H_S, Σσz] = 0, twirling with e^{iφΣσz} maps every feasible (Γ, H_LS) to one whose Γ is block-diagonal in
charge and whose H_LS conserves the block magnetisation, without increasing either objective (the
objectives are convex and covariant, T and ρ0 are invariant). The solver then sees small independent
blocks (a 63×63 Γ splits into 19, 15, 15, 6, 6, 1, 1). The certified bounds are always evaluated on the
full, unreduced problem.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .lindblad import Ansatz, Block, LindbladCandidate, candidate_rate_matrix, l2_prime, lindblad_superoperator, local_hermitian_basis
from .redfield import Redfield, l2, populations, second_order_coherences

log = logging.getLogger(__name__)

__all__ = ["DELTA_TOL", "NORMS", "TARGETS", "SOLVERS", "TauResult", "CandidateCheck", "tau_pop", "tau_pop_coh",
           "lemma1_alpha", "lemma1_bound", "check_candidate", "candidate_populations", "default_solver"]

DELTA_TOL = 1e-6  # δ_tol of Eqs. (30), (34), as in the paper
NORMS = ("spectral", "frobenius", "nuclear")
TARGETS = ("physical", "published")
SOLVERS = ("CLARABEL", "MOSEK", "SCS", "CVXOPT")
# SCS reaches the accuracy the verdict needs only with tight tolerances (at its default eps it reports
# 2.5e-5 where the optimum is 4e-8; SPEC.md).
SCS_OPTIONS = {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 200_000}
# Clarabel at its defaults often stalls just above its 1e-8 feasibility tolerance on τ^pop,coh at d = 64
# ("AlmostSolved", i.e. optimal_inaccurate) or fails outright (Fig. 4, and Fig. 3 at β_L = β_R = 10 with
# single-threaded BLAS); a static regularisation of 1e-7 (default 1e-8) converges there at once and changes
# no published value (Fig. 2(c,d) to ≤ 5e-7). These settings are tried in turn until one reports "optimal" or
# the certified interval is tight; each result records how many were needed.
CLARABEL_ATTEMPTS = ({"static_regularization_constant": 1e-7}, {}, {"equilibrate_max_iter": 50},
                     {"direct_solve_method": "qdldl"}, {"max_step_fraction": 0.95})
# τ^pop is small (d + blocks variables) and cheap to solve tightly: at Clarabel's default 1e-8 the
# published Fig. 2(c) values near 1e-4 come out only to ~5e-5 relative; with these to ~5e-7.
# τ^pop,coh keeps the defaults (tighter ones cost ~2x and leave its certified intervals unchanged).
CLARABEL_TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8}
# A certified interval is "tight" when upper − lower ≤ CERT_ATOL + CERT_RTOL·upper: the dual bound and a
# checked primal candidate then pin the optimum down far below δ_tol and below the rtol 1e-4 of the
# comparison with the published values. A tight interval ends the solver chain even when the solver only
# reports "optimal_inaccurate" (typically Clarabel stopping with a dual residual of 1.5e-8 against its 1e-8
# tolerance): the numbers are then ours, checked, not the solver's.
CERT_ATOL = 1e-9
CERT_RTOL = 1e-6
# Matrix entries below this (relative to the largest) are treated as structural zeros when splitting
# Γ into independent blocks; the certified bounds never rely on it.
STRUCTURE_RTOL = 1e-11


@dataclass(frozen=True)
class TauResult:
    """One solve of Eq. (29) or (33).

    Attributes
    ----------
    quantity : "tau_pop" or "tau_pop_coh"
    value : float or None
        The solver's optimum (None when it returned none).
    lower, upper : float
        Certified interval containing the true optimum (see module docstring).
    status : str
        cvxpy status ("optimal", "optimal_inaccurate", "infeasible", "solver_error", …). Anything but
        "optimal" is to be reported, not plotted as a value.
    solver : str
    solve_seconds, setup_seconds : float
    candidate : LindbladCandidate or None
        The Lindbladian (projected onto the feasible set) that attains ``upper``.
    options : dict
        norm, target, blocks, traces, free_trace, symmetry.
    """

    quantity: str
    value: float | None
    lower: float
    upper: float
    status: str
    solver: str
    solve_seconds: float
    setup_seconds: float
    candidate: LindbladCandidate | None = field(repr=False, default=None)
    options: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The solver reported "optimal"."""
        return self.status == "optimal"

    @property
    def certified(self) -> bool:
        """The certified interval is tight (see ``CERT_ATOL``, ``CERT_RTOL``), whatever the solver said."""
        return _tight(self.lower, self.upper)

    def verdict(self, tol: float = DELTA_TOL) -> str:
        """"impossible" if lower ≥ tol, "possible" if upper < tol, else "inconclusive" (Eqs. (30), (34))."""
        if self.lower >= tol:
            return "impossible"
        if self.upper < tol:
            return "possible"
        return "inconclusive"

    def to_dict(self) -> dict:
        return {
            "quantity": self.quantity, "value": self.value, "lower": self.lower, "upper": self.upper,
            "status": self.status, "certified": self.certified, "verdict": self.verdict(), "solver": self.solver,
            "solve_seconds": self.solve_seconds, "setup_seconds": self.setup_seconds, **self.options,
        }

    def __str__(self) -> str:
        v = "None" if self.value is None else f"{self.value:.6g}"
        return (f"{self.quantity} = {v} in [{self.lower:.6g}, {self.upper:.6g}] ({self.verdict()}; "
                f"{self.status}, {self.solver}, {self.solve_seconds:.2f}s)")


# -- solvers ------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _mosek_licensed() -> bool:
    try:
        import mosek

        with mosek.Env() as env:
            env.checkoutlicense(mosek.feature.pts)
        return True
    except Exception as err:  # no package, no licence, or licence server unreachable
        log.info("MOSEK not used: %s", err)
        return False


def default_solver() -> str:
    """MOSEK when installed with a valid licence, otherwise Clarabel."""
    import cvxpy as cp

    if "MOSEK" in cp.installed_solvers() and _mosek_licensed():
        return "MOSEK"
    return "CLARABEL"


def _tight(lower: float, upper: float) -> bool:
    return bool(np.isfinite(upper) and upper - lower <= CERT_ATOL + CERT_RTOL * abs(upper))


@dataclass(frozen=True)
class _Outcome:
    status: str  # the best status any attempt reached ("optimal" > "optimal_inaccurate" > anything else)
    solver: str  # the solver that reached it
    value: float | None  # its optimum
    seconds: float
    attempts: int
    lower: float  # the largest certified lower bound over all attempts
    upper: float  # the smallest certified upper bound over all attempts …
    candidate: LindbladCandidate | None  # … and the Lindbladian that attains it


_STATUS_RANK = {"optimal": 0, "optimal_inaccurate": 1}


def _solve(problem, solver: str | None, certify, clarabel: dict | None = None) -> _Outcome:
    """Solve with the named solver, or (``solver=None``) with the default chain, certifying every attempt.

    The default chain is MOSEK when licensed, else Clarabel (``CLARABEL_ATTEMPTS``), then CVXOPT:
    interior-point methods meet degenerate optimal faces exactly where τ ≈ 0 (a Lindbladian is possible),
    and CVXOPT's Schur-complement method copes with those. After each attempt ``certify()`` turns the
    current primal/dual values into ``(lower, upper, candidate)``; bounds from different attempts are all
    rigorous, so the best of each is kept. The chain stops at the first "optimal" status or tight interval.
    ``clarabel``: settings added to every Clarabel attempt.
    """
    import cvxpy as cp

    if solver is None:
        chain = [default_solver()] + (["CVXOPT"] if "CVXOPT" in cp.installed_solvers() else [])
    else:
        solver = str(solver).upper()
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got solver={solver!r}")
        if solver not in cp.installed_solvers():
            raise ValueError(f"solver {solver} is not installed (installed: {cp.installed_solvers()})")
        if solver == "MOSEK" and not _mosek_licensed():
            raise ValueError("solver MOSEK needs a licence; none was found")
        chain = [solver]
    t0 = time.perf_counter()
    status, used, value, n_attempt = "solver_error", chain[0], None, 0
    lower, upper, candidate = 0.0, np.inf, None
    settings = {"CLARABEL": tuple({**(clarabel or {}), **a} for a in CLARABEL_ATTEMPTS), "SCS": (SCS_OPTIONS,)}
    attempts = [(name, kwargs) for name in chain for kwargs in settings.get(name, ({},))]
    for n_attempt, (name, kwargs) in enumerate(attempts, start=1):
        try:
            with warnings.catch_warnings():  # cvxpy's bmat of expressions and its inaccuracy warning
                warnings.filterwarnings("ignore", message="Initializing a Constant with a nested list")
                warnings.filterwarnings("ignore", message="Solution may be inaccurate")
                problem.solve(solver=name, **kwargs)
            attempt = problem.status
        except cp.error.SolverError as err:
            log.info("solver %s (%s) failed: %s", name, kwargs, err)
            attempt = "solver_error"
        if _STATUS_RANK.get(attempt, 2) < _STATUS_RANK.get(status, 2):
            status, used = attempt, name
            value = float(problem.value) if attempt in _STATUS_RANK else None
        lo, up, cand = certify()
        lower = max(lower, lo)
        if up < upper:
            upper, candidate = up, cand
        if attempt == "optimal" or _tight(lower, upper):
            break
        log.info("solver %s with %s returned %s; interval [%g, %g]", name, kwargs, attempt, lower, upper)
    # lower ≤ upper holds mathematically; at rounding level only lowering `lower` keeps both rigorous
    return _Outcome(status, used, value, time.perf_counter() - t0, n_attempt, min(lower, upper), upper, candidate)


# -- structure ----------------------------------------------------------------------------------------

def _components(pattern: np.ndarray) -> list[np.ndarray]:
    """Index sets of the connected components of a symmetric boolean adjacency matrix."""
    from scipy.sparse.csgraph import connected_components

    n, labels = connected_components(pattern, directed=False)
    return [np.flatnonzero(labels == i) for i in range(n)]


def _is_real(arrays) -> bool:
    return all(np.max(np.abs(np.imag(a)), initial=0.0) <= STRUCTURE_RTOL * max(np.max(np.abs(a)), 1e-300)
               for a in arrays)


def _psd_project(gamma: np.ndarray, trace: float | None) -> np.ndarray:
    """Nearest PSD matrix (eigenvalue clipping), rescaled to ``trace`` when given."""
    g = 0.5 * (gamma + gamma.conj().T)
    w, v = np.linalg.eigh(g)
    g = (v * np.clip(w, 0.0, None)) @ v.conj().T
    if trace is not None:
        tr = np.real(np.trace(g))
        g = g * (trace / tr) if tr > 0 else np.eye(g.shape[0]) * trace / g.shape[0]
    return g


def _as_tuple_of_traces(blocks, trace) -> tuple[float, ...]:
    traces = (trace,) * len(blocks) if np.isscalar(trace) else tuple(trace)
    if len(traces) != len(blocks) or any(not (np.isfinite(t) and t > 0) for t in traces):
        raise ValueError(f"trace must be a positive number or one per block, got trace={trace!r}")
    return tuple(float(t) for t in traces)


def _resolve(problem_input, blocks):
    """Accept a ChainSetup (blocks "left,right" / "left" / Blocks) or a (Redfield, blocks) pair."""
    from .chain import ChainSetup
    from .lindblad import paper_blocks

    named = blocks is None or isinstance(blocks, str)
    if isinstance(problem_input, ChainSetup):
        red = problem_input.redfield
        if named:
            blocks = paper_blocks(problem_input, blocks or "left,right")
    elif isinstance(problem_input, Redfield):
        red = problem_input
        if blocks is None or isinstance(blocks, str):
            raise ValueError("blocks must be a sequence of Block for a Redfield input")
    else:
        raise ValueError(f"expected a ChainSetup or Redfield, got {type(problem_input).__name__}")
    blocks = tuple(b if isinstance(b, Block) else Block(tuple(b)) for b in blocks)
    # the paper's blocks by name may leave a bath without a Lindblad block ("left" with N_R > 0: a
    # published variant, SPEC.md); explicit Block sequences must cover every bath site
    return red, Ansatz(red.system, blocks, cover_baths=not named)


# -- τ^pop ------------------------------------------------------------------------------------------------

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


def _pop_objective(coeffs, gammas) -> float:
    c = sum(np.real(np.einsum("kab,ba->k", g_b, gam)) for g_b, gam in zip(coeffs, gammas))
    return float(np.sum(np.abs(c)))


def _real_rep(h: np.ndarray) -> np.ndarray:
    """[[Re h, −Im h], [Im h, Re h]]: PSD iff h is, with each eigenvalue doubled."""
    return np.block([[h.real, -h.imag], [h.imag, h.real]])


def tau_pop(problem_input, blocks=None, *, trace=1.0, solver: str | None = None,
            symmetry: bool = True) -> TauResult:
    r"""τ^pop_opt of Eq. (29), certified.

    Parameters
    ----------
    problem_input : ChainSetup or Redfield
    blocks : "left,right" (default), "left", or a sequence of Block / site tuples
        Which sites carry a Lindblad bath of Eq. (23). "left" keeps only the left block even when the chain
        has a right bath (a published variant); an explicit sequence must cover every bath site.
    trace : float or sequence
        Tr Γ_b (1 in the paper; τ^pop scales linearly with a common trace).
    solver : "CLARABEL" (default), "MOSEK" (when licensed), "SCS", "CVXOPT"
    symmetry : bool
        Split Γ into the blocks on which the problem decouples (exact; see module docstring).
    """
    import cvxpy as cp

    t_start = time.perf_counter()
    red, ansatz = _resolve(problem_input, blocks)
    traces = _as_tuple_of_traces(ansatz.blocks, trace)
    p = populations(red)
    coeffs = population_coefficients(ansatz, p)
    d = red.dim
    real = _is_real(coeffs)
    y = cp.Variable(d)
    lam = cp.Variable(len(coeffs))
    constraints, pieces = [], []
    for b, g in enumerate(coeffs):
        m = g.shape[1]
        scale = np.max(np.abs(g))
        groups = (_components(np.any(np.abs(g) > STRUCTURE_RTOL * scale, axis=0)) if symmetry
                  else [np.arange(m)])
        for idx in groups:
            sub = g[:, idx][:, :, idx]
            mats = sub.real if real else np.stack([_real_rep(s) for s in sub])
            s = mats.shape[1]
            expr = cp.reshape(mats.reshape(d, s * s).T @ y, (s, s), order="C")
            con = expr - lam[b] * np.eye(s) >> 0
            constraints.append(con)
            pieces.append((b, idx, con))
    constraints += [y <= 1, y >= -1]
    problem = cp.Problem(cp.Maximize(cp.sum(cp.multiply(np.array(traces), lam))), constraints)
    setup_s = time.perf_counter() - t_start
    zero_h = tuple(np.zeros((b.dim, b.dim)) for b in ansatz.blocks)

    def certify():
        # lower: any |y| ≤ 1 gives Σ_b t_b λ_min(Σ_k y_k G^b_k)
        y_val = np.zeros(d) if y.value is None else np.clip(np.asarray(y.value, float), -1.0, 1.0)
        lower = sum(t * np.linalg.eigvalsh(np.tensordot(y_val, g, axes=1))[0] for t, g in zip(traces, coeffs))
        # upper: the multipliers of the LMIs are Γ; project onto the feasible set and evaluate exactly
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
        best = None
        for variant in (gammas, [g.conj() for g in gammas]):  # the multiplier's complex orientation
            proj = [_psd_project(g, t) for g, t in zip(variant, traces)]
            val = _pop_objective(coeffs, proj)
            if best is None or val < best[0]:
                best = (val, proj)
        return max(0.0, float(lower)), best[0], LindbladCandidate(ansatz, tuple(best[1]), zero_h)

    out = _solve(problem, solver, certify, clarabel=CLARABEL_TIGHT)
    return TauResult("tau_pop", out.value, out.lower, out.upper, out.status, out.solver, out.seconds, setup_s,
                     out.candidate,
                     {"blocks": [b.sites for b in ansatz.blocks], "traces": list(traces), "symmetry": symmetry,
                      "attempts": out.attempts, "norm": None, "target": None, "free_trace": False})


# -- τ^pop,coh ------------------------------------------------------------------------------------------

def _sector_labels(system, atol=1e-8):
    """Total magnetisation of each energy eigenstate (integer), or None without the U(1) symmetry."""
    if not system.conserves_magnetisation():
        return None
    m = np.real(np.einsum("ia,ij,ja->a", system.eigenvectors.conj(), system.magnetisation, system.eigenvectors))
    labels = np.round(m).astype(int)
    if np.max(np.abs(m - labels)) > atol:
        return None
    return labels


def _dissipator_sector(f: np.ndarray, p: np.ndarray, sec: np.ndarray) -> np.ndarray:
    """M_ab restricted to the sector rows/columns ``sec``: F_b ρ0 F_a† − ½{F_a†F_b, ρ0}, shape (m, m, n, n).

    ρ0 = diag(p) in the energy basis. Contractions are ``tensordot`` (BLAS), never Python loops.
    """
    fr = f[:, sec, :] * p[None, None, :]  # (F_b ρ0)[sec, :]
    sandwich = np.tensordot(fr, f[:, sec, :].conj(), axes=([2], [2]))  # (b, i, a, l)
    prod = np.tensordot(f[:, :, sec].conj(), f[:, :, sec], axes=([1], [1]))  # (a, i, b, l) = (F_a†F_b)[i, l]
    ps = p[sec]
    out = sandwich.transpose(2, 0, 1, 3) - 0.5 * prod.transpose(0, 2, 1, 3) * (ps[None, None, None, :] + ps[None, None, :, None])
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


def _dual_norm(z: np.ndarray, norm: str) -> float:
    s = np.linalg.svd(z, compute_uv=False)
    return {"spectral": float(np.sum(s)), "nuclear": float(s[0]), "frobenius": float(np.sqrt(np.sum(s**2)))}[norm]


def _norm(x: np.ndarray, norm: str) -> float:
    s = np.linalg.svd(x, compute_uv=False)
    return {"spectral": float(s[0]), "nuclear": float(np.sum(s)), "frobenius": float(np.sqrt(np.sum(s**2)))}[norm]


def _coh_lower_bound(z, ansatz, rho0_e, target, traces, norm, free_trace) -> float:
    """Repair Z into the dual feasible set and evaluate the dual objective exactly (weak duality)."""
    d = z.shape[0]
    # 1. A_H^*(Z) = 0: Z ⟂ i[ρ0, h ⊗ I] for every Hermitian h on every block (real inner product)
    rows = []
    for hb in ansatz.hamiltonian_basis:
        n_dirs = 1j * (rho0_e[None] @ hb - hb @ rho0_e[None])
        rows.append(np.concatenate([n_dirs.real.reshape(len(hb), -1), n_dirs.imag.reshape(len(hb), -1)], axis=1))
    nmat = np.vstack(rows)
    zv = np.concatenate([z.real.ravel(), z.imag.ravel()])
    coef = np.linalg.lstsq(nmat @ nmat.T, nmat @ zv, rcond=None)[0]
    zv = zv - nmat.T @ coef
    z = (zv[: d * d] + 1j * zv[d * d:]).reshape(d, d)
    # 2. onto the unit sphere of the dual norm: the dual objective is positively homogeneous of degree 1
    #    in Z, so a positive value is largest at ‖Z‖_* = 1 (solvers' multipliers are often scaled down)
    dn = _dual_norm(z, norm)
    if dn == 0.0:
        return 0.0
    z = z / dn
    # 3. exact dual objective
    value = -np.real(np.vdot(z, target))
    for f, t in zip(ansatz.operators, traces):
        zd = z.conj().T
        q1 = np.einsum("aji,bji->ab", f.conj(), zd @ f @ rho0_e)
        pmat = rho0_e @ zd + zd @ rho0_e
        q2 = np.einsum("akj,bkj->ab", f.conj(), f @ pmat)
        q = q1 - 0.5 * q2
        s = 0.5 * (q + q.conj().T)
        lam_min = np.linalg.eigvalsh(s)[0]
        if free_trace:
            if lam_min < 0:
                return 0.0  # no certificate beyond the trivial ‖·‖ ≥ 0
        else:
            value += t * lam_min
    return max(0.0, float(value))


def tau_pop_coh(problem_input, blocks=None, *, norm: str = "spectral", target: str = "physical", trace=1.0,
                free_trace: bool = False, solver: str | None = None, symmetry: bool = True) -> TauResult:
    r"""τ^pop,coh_opt of Eq. (33), certified.

    Parameters
    ----------
    problem_input : ChainSetup or Redfield
    blocks : "left,right" (default), "left", or a sequence of Block / site tuples
    norm : "spectral" (largest singular value; the published one), "frobenius" or "nuclear"
    target : "physical" (T = L2(ρ0), default) or "published" (T = L2_eq40(ρ0) = −L2(ρ0); SPEC.md)
    trace : float or sequence, Tr Γ_b (ignored with ``free_trace``)
    free_trace : bool
        Drop Tr Γ_b = t (beyond the paper: the objective is not scale invariant, so the fixed trace is a
        real restriction). The certified lower bound is then only non-trivial when the repaired dual
        satisfies A_Γ^*(Z) ⪰ 0.
    solver, symmetry : as for :func:`tau_pop`
    """
    import cvxpy as cp

    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got norm={norm!r}")
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got target={target!r}")
    t_start = time.perf_counter()
    red, ansatz = _resolve(problem_input, blocks)
    traces = _as_tuple_of_traces(ansatz.blocks, trace)
    p = populations(red)
    rho0_e = np.diag(p).astype(complex)
    t_phys = l2(red, rho0_e, basis="energy")
    tmat = t_phys if target == "physical" else -t_phys
    d = red.dim
    labels = _sector_labels(red.system) if symmetry else None
    sectors = [np.arange(d)] if labels is None else [np.flatnonzero(labels == v) for v in np.unique(labels)]

    # variables: Γ per block (split by charge under the U(1) symmetry), H_LS coordinates per block
    residual = {i: -tmat[np.ix_(sec, sec)] for i, sec in enumerate(sectors)}
    constraints, gamma_vars = [], []
    for b, (f, charges, hb) in enumerate(zip(ansatz.operators, ansatz.charges, ansatz.hamiltonian_basis)):
        m = f.shape[0]
        groups = [np.flatnonzero(charges == q) for q in np.unique(charges)] if labels is not None else [np.arange(m)]
        block_vars = [(idx, cp.Variable((len(idx), len(idx)), hermitian=True)) for idx in groups]
        constraints += [g >> 0 for _, g in block_vars]
        for i, sec in enumerate(sectors):
            msec = _dissipator_sector(f, p, sec)  # (m, m, n, n)
            n = len(sec)
            for idx, g in block_vars:
                sub = msec[np.ix_(idx, idx)]
                if np.max(np.abs(sub), initial=0.0) <= STRUCTURE_RTOL * np.max(np.abs(msec)):
                    continue  # exactly zero by the U(1) symmetry: charge q maps sector M to M + q
                mat = sub.reshape(len(idx) ** 2, n * n).T  # vec_C(X) = mat @ vec_C(Γ)
                residual[i] = residual[i] + cp.reshape(mat @ cp.vec(g, order="C"), (n, n), order="C")
        if not free_trace:
            constraints.append(sum(cp.real(cp.trace(g)) for _, g in block_vars) == traces[b])
        gamma_vars.append(block_vars)
        hq = ansatz.hamiltonian_charges[b]
        keep = np.flatnonzero(hq == 0) if labels is not None else np.arange(len(hb))
        comm = 1j * (rho0_e[None] @ hb[keep] - hb[keep] @ rho0_e[None])
        # Only the range of h ↦ i[ρ0, h] matters (e.g. diagonal h commute with ρ0): parametrise it by an
        # orthonormal basis so that the solver sees no directions that leave the objective unchanged.
        stacked = np.concatenate([comm[:, sec][:, :, sec].reshape(len(keep), -1) for sec in sectors], axis=1)
        u, sv, vh = np.linalg.svd(np.concatenate([stacked.real, stacked.imag], axis=1), full_matrices=False)
        rank = int(np.sum(sv > STRUCTURE_RTOL * max(sv.max(initial=0.0), 1e-300)))
        coords = u[:, :rank] / sv[:rank]  # θ = coords @ r maps r onto unit-norm output directions
        theta = cp.Variable(rank)
        for i, sec in enumerate(sectors):
            sub = np.tensordot(coords.T, comm[:, sec][:, :, sec], axes=1)
            if rank == 0 or np.max(np.abs(sub), initial=0.0) == 0.0:
                continue
            n = len(sec)
            residual[i] = residual[i] + cp.reshape(sub.reshape(rank, n * n).T @ theta, (n, n), order="C")
        keep = (keep, coords)
        gamma_vars[-1] = (block_vars, keep, theta)

    tvar = cp.Variable()
    dual_cons = []
    if norm == "frobenius":
        vec = cp.hstack([cp.vec(residual[i], order="C") for i in residual])
        con = cp.SOC(tvar, cp.hstack([cp.real(vec), cp.imag(vec)]))
        constraints.append(con)
        dual_cons.append(con)
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
            dual_cons.append(pair)
        if norm == "nuclear":
            constraints.append(sum(p_traces) <= tvar)
    problem = cp.Problem(cp.Minimize(tvar), constraints)
    setup_s = time.perf_counter() - t_start
    flat_cons = [c for pair in dual_cons for c in (pair if isinstance(pair, tuple) else (pair,))]

    def certify():
        # candidate → certified upper bound
        gammas, hams = [], []
        for b, (block_vars, keep, theta) in enumerate(gamma_vars):
            m = ansatz.blocks[b].n_operators
            gam = np.zeros((m, m), dtype=complex)
            for idx, g in block_vars:
                if g.value is not None:
                    gam[np.ix_(idx, idx)] = g.value
            gammas.append(_psd_project(gam, None if free_trace else traces[b]))
            local = local_hermitian_basis(ansatz.blocks[b].dim)
            kept, coords = keep
            r = np.zeros(coords.shape[1]) if theta.value is None else np.asarray(theta.value, float)
            hams.append(np.tensordot(coords @ r, local[kept], axes=1))
        candidate = LindbladCandidate(ansatz, tuple(gammas), tuple(hams))
        upper = _norm(l2_prime(candidate, rho0_e) - tmat, norm)
        # dual → certified lower bound
        if any(c.dual_value is None for c in flat_cons):
            return 0.0, upper, candidate
        z = np.zeros((d, d), dtype=complex)
        if norm == "frobenius":
            v = np.asarray(dual_cons[0].dual_value[1], float)
            half = v.size // 2
            flat = -(v[:half] + 1j * v[half:])
            pos = 0
            for sec in sectors:
                n = len(sec)
                z[np.ix_(sec, sec)] = flat[pos:pos + n * n].reshape(n, n)
                pos += n * n
        else:
            for sec, (con_a, con_b) in zip(sectors, dual_cons):
                z[np.ix_(sec, sec)] = (_complex_dual(np.asarray(con_a.dual_value))
                                       - _complex_dual(np.asarray(con_b.dual_value)))
        lower = max(_coh_lower_bound(variant, ansatz, rho0_e, tmat, traces, norm, free_trace)
                    for variant in (z, z.conj(), z.T, z.conj().T))
        return lower, upper, candidate

    out = _solve(problem, solver, certify)
    return TauResult("tau_pop_coh", out.value, out.lower, out.upper, out.status, out.solver, out.seconds, setup_s,
                     out.candidate, {"blocks": [b.sites for b in ansatz.blocks], "traces": list(traces),
                                     "symmetry": symmetry, "attempts": out.attempts, "norm": norm, "target": target,
                                     "free_trace": free_trace})


# -- Lemma 1 and candidate checks -------------------------------------------------------------------------

def lemma1_alpha(blocks, traces) -> float:
    r"""α = 2 Σ_b t_b (d_b³ − d_b) of Eq. (31) (= 2(t_L d_L³ + t_R d_R³ − t_L d_L − t_R d_R) for two blocks)."""
    return 2.0 * sum(t * ((2 ** len(b)) ** 3 - 2 ** len(b)) for b, t in zip(blocks, traces))


def lemma1_bound(result: TauResult) -> float:
    r"""Lemma 1 (Eq. (31)): ‖p − p'‖₁ ≥ τ^pop_opt / α for the zeroth-order NESS p' of *any* LE of Eq. (23)
    with these traces. Uses the certified ``lower`` (so the bound is rigorous). The paper calls ‖p − p'‖₁
    the trace distance (App. B, below Eq. (B8)): it is twice the usual ½‖ρ − σ‖₁.
    """
    if result.quantity != "tau_pop":
        raise ValueError("lemma1_bound needs a tau_pop result")
    return result.lower / lemma1_alpha(result.options["blocks"], result.options["traces"])


@dataclass(frozen=True)
class CandidateCheck:
    """Physics of one candidate Lindbladian (Sec. II.D), computed without any solver.

    Attributes
    ----------
    population_l1 : ‖p' − p‖₁ between its zeroth-order NESS p' (C p' = 0, App. B) and the Redfield p.
    finite_epsilon_population_l1 : the same for the exact steady state of L0 + ε² L2' at ``epsilon``.
    coherence_error : max |ρ̄_ε[α≠ν]/ε² − ρ2[α≠ν]| against Eq. (15), relative to max |ρ2|.
    min_gamma_eigenvalue : min over blocks of λ_min(Γ_b) (≥ 0: completely positive).
    continuity_violation : max |Tr[O L2'(X)]| for σx, σy, σz on every site outside the blocks (Eq. (22)).
    """

    population_l1: float
    finite_epsilon_population_l1: float
    coherence_error: float
    min_gamma_eigenvalue: float
    continuity_violation: float
    epsilon: float


def candidate_populations(candidate: LindbladCandidate) -> np.ndarray:
    """Zeroth-order NESS p' of a candidate: C p' = 0 (Eq. (B8))."""
    w, v = np.linalg.eig(candidate_rate_matrix(candidate))
    i = int(np.argmin(np.abs(w)))
    pvec = np.real(v[:, i])
    return pvec / pvec.sum()


def check_candidate(candidate: LindbladCandidate, red: Redfield, *, epsilon: float = 0.01) -> CandidateCheck:
    """Build L0 + ε² L2' from a candidate and test it against the Redfield NESS (issue #3)."""
    from .model import SIGMA_X, SIGMA_Y, SIGMA_Z, site_operator

    system = red.system
    d = system.dim
    p = populations(red)
    p_bar = candidate_populations(candidate)
    e = system.energies
    sup = epsilon**2 * lindblad_superoperator(candidate)
    sup[np.diag_indices(d * d)] += (-1j * (e[:, None] - e[None, :])).ravel()
    sup[0, :] = np.eye(d).ravel()
    rhs = np.zeros(d * d, dtype=complex)
    rhs[0] = 1.0
    rho_eps = np.linalg.solve(sup, rhs).reshape(d, d)
    coh = second_order_coherences(red)
    off = rho_eps - np.diag(np.diag(rho_eps))
    coherence_error = float(np.max(np.abs(off / epsilon**2 - coh)) / max(np.max(np.abs(coh)), 1e-300))
    block_sites = {s for b in candidate.ansatz.blocks for s in b.sites}
    rng = np.random.default_rng(0)
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    x = l2_prime(candidate, system.to_energy_basis(a @ a.conj().T))
    viol = 0.0
    for site in range(system.n_sites):
        if site in block_sites:
            continue
        for op in (SIGMA_X, SIGMA_Y, SIGMA_Z):
            o = system.to_energy_basis(site_operator(op, site, system.n_sites))
            viol = max(viol, abs(np.trace(o @ x)))
    return CandidateCheck(
        population_l1=float(np.sum(np.abs(p_bar - p))),
        finite_epsilon_population_l1=float(np.sum(np.abs(np.real(np.diag(rho_eps)) - p))),
        coherence_error=coherence_error,
        min_gamma_eigenvalue=min(candidate.min_eigenvalues),
        continuity_violation=float(viol),
        epsilon=epsilon,
    )
