"""QICS (lindblad_core.solvers.qics) on the library's conic data.

The mapping of each kind of block (Hermitian and real LMIs, second-order and equality rows) is checked against
numpy's eigenvalues and a closed form (scalar rows against scipy's HiGHS in tests/sdp/test_formulations.py); then
τ^pop and τ^pop,coh are solved with QICS and with an independent solver on the same conic data — the library's
interior-point method, or Clarabel for the Frobenius norm's second-order cone, which the interior-point method
does not take — and the certified intervals computed from each point by the project's certificates must overlap
and be narrow. The multipliers of a degenerate SDP are not unique (the two solvers' differ by O(1) where τ ≈ 0),
so they are compared through what every optimal pair shares: each solver's multipliers make the other's point
optimal (complementarity across the solvers) and satisfy stationarity.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from lindblad_core.solvers import conic
from lindblad_core.solvers import qics as qics_backend
from lindblad_core.lindblad.ansatz import local_hermitian_basis
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.solvers.conic import ConicProblem
from lindblad_core.solvers.qics import QICS_STATUS, qics_status, solve_qics
from lindblad_core.sdp import popcoh_formulations, tau_pop_coh
from lindblad_core.studies.variants import tau_pop  # the basis of Eq. (28) by name: "energy" or "published"
from lindblad_core.sdp.result import CERT_RTOL, RESULT_STATUSES

# |value(QICS) − value(reference)|, the complementarity of one solver's multipliers with the other's point and the
# stationarity residual: ≤ GAP_ATOL + GAP_RTOL·|τ|. The interior-point method stops at a gap of 1e-10 + 1e-7·|τ|
# (conic.IPM_TOL), QICS at 1e-9 relative (QICS_OPTIONS); measured on the cases below: ≤ 4e-9 for each.
GAP_ATOL, GAP_RTOL = 2e-8, 1e-7
# Width of a certified interval: ≤ WIDTH_ATOL + CERT_RTOL·upper (measured ≤ 2.3e-9: the 2+2+2 free trace with
# QICS; ≤ 1.1e-9 otherwise)
WIDTH_ATOL = 1e-8


def _random_hermitian(n, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return a + a.conj().T


def _kkt(problem: ConicProblem, x, duals):
    """(Σ_blocks ⟨multiplier, slack at x⟩, stationarity residual q − Σ_k Re Tr(L_kj Z_k) + Σ aᵀz, smallest
    eigenvalue of the Hermitian multipliers, smallest scalar-row multiplier), computed from the problem's data
    with numpy. Clarabel's convention: slack b − a x ∈ K, multipliers z ∈ K* with Aᵀz + q = 0."""
    lmis = {name: (const, linear) for name, const, linear in problem.lmis}
    gap, res = 0.0, np.array(problem.q, float)
    lam_min, z_min = np.inf, np.inf
    for (name, kind, *_), a, b in zip(problem.blocks, problem._a, problem._b):
        z = duals[name]
        if kind == "psd":
            const, linear = lmis[name]
            n = int(round(np.sqrt(const.size)))
            gap += np.real(np.vdot(z, (const + linear @ x).reshape(n, n)))
            res -= np.real(np.conj(z).ravel() @ linear)
            lam_min = min(lam_min, np.linalg.eigvalsh(z)[0])
        else:
            gap += z @ (b - a @ x)
            res += a.T @ z
            if kind == "nonneg":
                z_min = min(z_min, z.min())
    return gap, res, lam_min, z_min


def _snapshot(problem: ConicProblem):
    duals = {name: problem.hermitian_dual(name) if kind == "psd" else problem.dual(name)
             for name, kind, *_ in problem.blocks}
    return problem.value, problem.x.copy(), duals


# -- the mapping, block by block --------------------------------------------------------------------------

@pytest.mark.parametrize("real", [False, True])
@pytest.mark.parametrize("n", [1, 3, 6])
def test_hermitian_lmi_gives_smallest_eigenvalue(n, real):
    """min Re Tr(C X) over X ⪰ 0, Tr X = 1 is λ_min(C) (numpy.linalg.eigvalsh) and the multiplier of X ⪰ 0 is
    C − λ_min I: the vectorisation of a complex Hermitian block (and of a real one, which gets QICS's real cone),
    the sign of G and the orientation of the multiplier (C − λ_min I, not its conjugate)."""
    c = _random_hermitian(n, n)
    basis = local_hermitian_basis(n)
    if real:
        c, keep = c.real, np.all(basis.imag == 0, axis=(1, 2))
        basis = basis[keep].real
    k = len(basis)
    problem = ConicProblem(k)
    problem.q = np.real(np.einsum("ij,kji->k", c, basis))
    problem.add("trace", "zero", np.real(np.trace(basis, axis1=1, axis2=2))[None], [1.0])
    problem.add_psd("x", np.zeros(n * n), basis.reshape(k, n * n).T, n)
    assert solve_qics(problem) in RESULT_STATUSES
    lam = np.linalg.eigvalsh(c)
    assert problem.value == pytest.approx(lam[0], abs=1e-8)
    assert np.allclose(problem.hermitian_dual("x"), c - lam[0] * np.eye(n), atol=1e-7)
    assert problem.dual("trace") == pytest.approx([-lam[0]], abs=1e-7)  # q + Tr(E_j) u − Re Tr(E_j W) = 0
    x = np.tensordot(problem.x, basis, axes=1)
    assert np.trace(x).real == pytest.approx(1.0, abs=1e-8) and np.linalg.eigvalsh(x)[0] > -1e-8


def test_second_order_cone_is_the_distance_to_a_hyperplane():
    """min t s.t. ‖x − a‖ ≤ t, Σ x = 0 is the distance of a to the hyperplane, |Σ a|/√m at x = a − mean(a), and
    the multiplier of the cone (t first, Clarabel's layout) is (1, −(x − a)/t) (the unit normal)."""
    rng = np.random.default_rng(4)
    m = 5
    a = rng.normal(size=m) + 0.3
    problem = ConicProblem(m + 1)  # (t, x)
    problem.q[0] = 1.0
    problem.add("cone", "soc", -sp.eye(m + 1), np.concatenate([[0.0], -a]))  # (t, x − a) ∈ SOC
    problem.add("sum", "zero", np.concatenate([[0.0], np.ones(m)])[None], [0.0])
    assert solve_qics(problem) in RESULT_STATUSES
    dist = abs(a.sum()) / np.sqrt(m)
    assert problem.value == pytest.approx(dist, abs=1e-8)
    assert np.allclose(problem.x[1:], a - a.mean(), atol=1e-7)
    z = problem.dual("cone")
    assert z[0] == pytest.approx(1.0, abs=1e-7)
    assert np.allclose(z[1:], -(problem.x[1:] - a) / dist, atol=1e-6)


def test_every_qics_status_is_mapped():
    """Each of QICS's documented solution statuses has a library status; a solution only with an optimal one;
    an "unknown" that hit a limit is "user_limit"; anything unrecognised is a solver error."""
    documented = {"optimal", "pinfeas", "dinfeas", "near_optimal", "near_pinfeas", "near_dinfeas", "illposed",
                  "unknown"}
    assert set(QICS_STATUS) == documented
    assert {k for k, v in QICS_STATUS.items() if v in conic._SOLUTION_PRESENT} == {"optimal", "near_optimal"}
    assert qics_status("unknown", "max_iter") == qics_status("unknown", "max_time") == "user_limit"
    assert qics_status("unknown", "slow_progress") == "solver_error"
    assert qics_status("no such status", "solved") == "solver_error"


def test_infeasible_problem_leaves_no_point():
    """x ≥ 1 and x ≤ 0: QICS detects primal infeasibility; no x, value or multipliers are left behind."""
    problem = ConicProblem(1)
    problem.q[:] = 1.0
    problem.add("rows", "nonneg", np.array([[-1.0], [1.0]]), np.array([-1.0, 0.0]))
    assert solve_qics(problem) in ("infeasible", "infeasible_inaccurate")
    assert problem.x is None and problem.value is None and not problem.has_dual


# -- τ^pop and τ^pop,coh: QICS against the interior-point method / Clarabel --------------------------------

CHAINS = {"1+2+1": (1, 2, 1), "2+2+2": (2, 2, 2), "1+0+2": (1, 0, 2)}
# (chain, quantity, keywords, tight): the published eigenbasis needs ε0 ≠ 0 to differ from the energy one, so
# every setup has bias 0.01. Not tight: the free-trace lower bound of 1+0+2 (two qubits on the right: nearly-null
# dissipators, sdp.tau_pop_coh), 0 or tight depending on the rounding of the dual point, for either solver (the
# interior-point method's is tight with OPENBLAS_CORETYPE=Prescott, 0 on this machine's default); there the
# certified upper bounds must agree instead.
CASES = ([(c, "tau_pop", {"eigenbasis": e}, True) for c in CHAINS for e in ("energy", "published")]
         + [(c, "tau_pop_coh", {"norm": nrm}, True) for c in CHAINS for nrm in ("spectral", "frobenius")]
         + [(c, "tau_pop_coh", {"norm": nrm, "free_trace": True}, c != "1+0+2")
            for c in ("1+2+1", "1+0+2") for nrm in ("spectral", "frobenius")]
         + [("2+2+2", "tau_pop_coh", {"norm": "spectral", "free_trace": True}, True)])


@pytest.fixture
def recorded(monkeypatch):
    """The value, x and multipliers of the last solve of a ConicProblem by each method, as it returned."""
    out = {}

    def wrap(key, solve):
        def run(problem, *args, **kwargs):
            status = solve(problem, *args, **kwargs)
            out[key] = (problem, _snapshot(problem) if status in conic._SOLUTION_PRESENT else None)
            return status
        return run

    monkeypatch.setattr(ConicProblem, "solve_ipm", wrap("IPM", ConicProblem.solve_ipm))
    monkeypatch.setattr(ConicProblem, "solve", wrap("CLARABEL", ConicProblem.solve))
    monkeypatch.setattr(qics_backend, "solve_qics", wrap("QICS", qics_backend.solve_qics))
    # the interior-point method on the same whole problem as QICS (not on subspaces of the sectors, whose
    # multipliers would be the compressed problem's: that method is checked in tests/solvers/test_norm_subspace.py)
    monkeypatch.setattr(popcoh_formulations, "SUBSPACE_MIN_SIDE", 10**9)
    return out


@pytest.mark.parametrize("chain, quantity, kwargs, tight", CASES,
                         ids=[f"{c}-{q}-{'-'.join(map(str, k.values()))}" for c, q, k, _ in CASES])
def test_qics_and_the_reference_certify_the_same_optimum(chain, quantity, kwargs, tight, recorded):
    """Both SDPs on 1+2+1, 2+2+2 and 1+0+2 chains, both eigenbases for τ^pop, spectral and Frobenius norm and
    fixed and free trace for τ^pop,coh: QICS and the reference solver (the interior-point method; Clarabel on the
    same conic data for the Frobenius norm) each give a certified interval from its own point; the intervals
    overlap and are narrow (WIDTH_ATOL + CERT_RTOL·τ; where the lower bound is fragile, see CASES, the upper bounds
    agree), the optima agree, QICS's multipliers are stationary and in the dual cone, and each solver's
    multipliers are complementary to the other solver's point (GAP_ATOL + GAP_RTOL·|τ|)."""
    n_l, n_m, n_r = CHAINS[chain]
    setup = ChainSetup(n_left=n_l, n_middle=n_m, n_right=n_r, g=0.05, beta_left=1.0, beta_right=5.0, bias=0.01)
    solve = tau_pop if quantity == "tau_pop" else tau_pop_coh
    reference = "CLARABEL" if kwargs.get("norm") == "frobenius" else "IPM"
    ref = solve(setup, solver=reference, **kwargs)
    res = solve(setup, solver="QICS", **kwargs)
    assert res.solver == "QICS" and res.options["attempts"] == 1
    assert max(res.lower, ref.lower) <= min(res.upper, ref.upper), (res, ref)
    if tight:
        for r in (res, ref):
            assert r.upper - r.lower <= WIDTH_ATOL + CERT_RTOL * abs(r.upper), r
    else:
        assert res.upper == pytest.approx(ref.upper, abs=GAP_ATOL + GAP_RTOL * abs(ref.upper)), (res, ref)

    (_, snap_ref), (p_q, snap_q) = recorded[reference], recorded["QICS"]
    assert snap_ref is not None and snap_q is not None
    tol = GAP_ATOL + GAP_RTOL * abs(snap_ref[0])
    assert snap_q[0] == pytest.approx(snap_ref[0], abs=tol)
    gap, residual, lam_min, z_min = _kkt(p_q, snap_q[1], snap_q[2])
    assert abs(gap) <= tol and np.max(np.abs(residual)) <= tol and lam_min >= -tol and z_min >= -tol
    for duals_of, point_of in ((snap_q, snap_ref), (snap_ref, snap_q)):  # across the solvers
        assert abs(_kkt(p_q, point_of[1], duals_of[2])[0]) <= tol
