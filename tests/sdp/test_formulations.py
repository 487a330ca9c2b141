"""Eq. (33) reaches the solver in two independent ways: assembled as Clarabel's conic form directly
(``formulation="conic"``, lindblad_core/conic.py) and through cvxpy (``formulation="cvxpy"``). Both must give
overlapping certified intervals and the same verdicts; the conic building blocks are checked against
numpy's eigenvalues. The interior-point method's block of scalar rows is checked against scipy's linprog and,
with a Hermitian LMI, against Clarabel; the dual of Eq. (29) (τ^pop) solved by it against cvxpy/Clarabel."""

import numpy as np
import pytest

from lindblad_core.lindblad.ansatz import local_hermitian_basis
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.solvers.conic import ConicProblem, realrep_svec, svec_to_matrix
from lindblad_core.solvers.ipm import IPM_RES_TOL
from lindblad_core.studies.variants import tau_pop_coh
from lindblad_core.sdp.result import RESULT_STATUSES


def _random_hermitian(n, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return a + a.conj().T


@pytest.mark.parametrize("method", ["clarabel", "ipm"])
@pytest.mark.parametrize("n", [1, 3, 5])
def test_hermitian_psd_cone_gives_smallest_eigenvalue(n, method):
    """min Re Tr(C X) over X ⪰ 0 (Hermitian), Tr X = 1, is λ_min(C), with Clarabel (through the real
    representation: the cone rows, the √2 scaling and the unpacking of the dual) and with the library's
    interior-point method; the multiplier of X ⪰ 0 is C − λ_min I. Checked against numpy.linalg.eigvalsh (the
    accuracy is asserted, not the status string: either "optimal" status carries a solution)."""
    c = _random_hermitian(n, n)
    basis = local_hermitian_basis(n)
    problem = ConicProblem(n * n)
    problem.q = np.real(np.einsum("ij,kji->k", c, basis))
    problem.add("trace", "zero", np.real(np.trace(basis, axis1=1, axis2=2))[None], [1.0])
    problem.add_psd("x", np.zeros(n * n), basis.reshape(n * n, n * n).T, n)
    assert (problem.solve() if method == "clarabel" else problem.solve_ipm()) in RESULT_STATUSES
    lam = np.linalg.eigvalsh(c)
    assert problem.value == pytest.approx(lam[0], abs=1e-7)
    if method == "clarabel":  # the multiplier of the real representation, unpacked by hand
        w = problem.dual("x")
        k = w.shape[0] // 2
        w_c = (w[:k, :k] + w[k:, k:]) + 1j * (w[k:, :k] - w[:k, k:])  # <W, realrep(E)> = Re Tr(w_c E)
        assert np.allclose(problem.hermitian_dual("x"), w_c)
    else:
        w_c = problem.hermitian_dual("x")
    assert np.allclose(w_c, c - lam[0] * np.eye(n), atol=1e-6)
    x = np.tensordot(problem.x, basis, axes=1)
    assert np.trace(x).real == pytest.approx(1.0, abs=1e-7) and np.linalg.eigvalsh(x)[0] > -1e-7


def test_realrep_svec_round_trip():
    """svec of the real representation, unpacked again, is [[Re X, −Im X], [Im X, Re X]]."""
    x = _random_hermitian(4, 7)
    v = realrep_svec(x.ravel(), 4)
    assert v.shape == (8 * 9 // 2,)
    r = svec_to_matrix(v, 8)
    assert np.allclose(r, np.block([[x.real, -x.imag], [x.imag, x.real]]))


SMALL = dict(n_left=1, n_middle=2, n_right=1, g=0.05, beta_left=1.0, beta_right=5.0)


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(norm="frobenius"),
    dict(norm="nuclear"),
    dict(free_trace=True),
    dict(target="published", symmetry=False),
    dict(beta_right=0.5, g=0.3, norm="nuclear"),
    dict(n_left=2, n_middle=1, n_right=1, g=0.01),
])
def test_formulations_agree(kwargs):
    """Overlapping certified intervals and the same verdict from the two formulations. With a free trace the
    lower bound needs a dual point strictly inside A_Γ^*(Z) ⪰ 0: the interior-point multipliers of the conic
    formulation provide one where Clarabel's boundary point (cvxpy formulation) can fail, so there the conic
    verdict may be decided where the cvxpy one is "inconclusive", never the opposite decision."""
    solve_kw = {k: kwargs[k] for k in ("norm", "free_trace", "target", "symmetry") if k in kwargs}
    setup = ChainSetup(**{**SMALL, **{k: v for k, v in kwargs.items() if k not in solve_kw}})
    conic = tau_pop_coh(setup, formulation="conic", **solve_kw)
    ref = tau_pop_coh(setup, formulation="cvxpy", **solve_kw)
    assert conic.options["formulation"] == "conic" and ref.options["formulation"] == "cvxpy"
    assert max(conic.lower, ref.lower) <= min(conic.upper, ref.upper), (conic, ref)
    if solve_kw.get("free_trace") and ref.verdict() == "inconclusive":
        assert conic.verdict() in ("impossible", "inconclusive") and conic.lower >= ref.lower, (conic, ref)
    else:
        assert conic.verdict() == ref.verdict(), (conic, ref)
        assert conic.certified == ref.certified, (conic, ref)
    assert conic.status in ("optimal", "optimal_inaccurate")
    if not solve_kw.get("free_trace"):
        assert conic.lower > 0 and conic.certified


def test_each_solver_of_the_conic_formulation_gives_the_same_certified_result():
    """The default chain starts with the library's interior-point method ("IPM"); Clarabel takes the conic
    form directly; other solvers (CVXOPT) see the cvxpy formulation. Same certified verdict from each."""
    setup = ChainSetup(**SMALL)
    results = {name: tau_pop_coh(setup, solver=name) for name in ("IPM", "CLARABEL", "CVXOPT")}
    results["default"] = tau_pop_coh(setup)
    assert results["default"].solver == "IPM" and results["default"].options["attempts"] == 1
    for name in ("IPM", "CLARABEL", "CVXOPT"):
        assert results[name].solver == name
    assert len({r.verdict() for r in results.values()}) == 1
    assert max(r.lower for r in results.values()) <= min(r.upper for r in results.values())
    assert all(r.certified for r in results.values())


@pytest.mark.parametrize("solver", ["IPM", "QICS", "CLARABEL", "CVXOPT"])
@pytest.mark.parametrize("kwargs", [dict(), dict(n_left=2, n_middle=2, n_right=2, g=0.3, beta_right=0.5)])
def test_conic_multipliers_come_in_the_orientation_of_eq33(solver, kwargs, monkeypatch):
    """The multiplier Z read from the conic data (the interior-point method, QICS, Clarabel) is certified as it
    is: a plain estimate of the dual objective (coh_dual_estimate) is larger at Z than at Zᵀ (Z is complex
    here: the two differ), and the certified interval is tight. Z from cvxpy's complex duals (CVXOPT) has its
    orientation estimated first."""
    from lindblad_core.certify.popcoh import coh_dual_estimate
    from lindblad_core.sdp import popcoh

    certified, estimated = [], []
    lower_bound, estimate = popcoh.coh_lower_bound, popcoh.coh_dual_estimate
    monkeypatch.setattr(popcoh, "coh_lower_bound", lambda z, data: certified.append((z, data)) or lower_bound(z, data))
    monkeypatch.setattr(popcoh, "coh_dual_estimate", lambda z, data: estimated.append(z) or estimate(z, data))
    result = tau_pop_coh(ChainSetup(**{**SMALL, **kwargs}), solver=solver)
    assert result.certified and len(certified) == 1, result
    z, data = certified[0]
    assert np.max(np.abs(z - z.T)) > 1e-6 * np.max(np.abs(z))
    if solver == "CVXOPT":
        assert len(estimated) == 2
    else:
        assert not estimated
        assert coh_dual_estimate(z, data) > coh_dual_estimate(z.T, data)


@pytest.mark.parametrize("kwargs", [dict(n_left=2, n_middle=3, n_right=2, g=0.05, beta_left=1.0, beta_right=5.0),
                                    dict(n_left=2, n_middle=2, n_right=2, g=0.3, beta_left=1.0, beta_right=0.5),
                                    dict(n_left=3, n_middle=3, n_right=0, g=0.1, beta_left=1.0)])
def test_subspace_method_agrees_with_the_whole_problem(kwargs, monkeypatch):
    """The interior-point method on subspaces of the sectors (asked for from 17 states on here: 2+3+2 has
    sectors of 35, 2+2+2 of 20, 3+3+0 of 20), the same method on the whole problem and QICS on it: overlapping
    certified intervals, each tight."""
    from lindblad_core.sdp import popcoh_formulations
    from lindblad_core.solvers import norm_subspace
    from lindblad_core.systems.symmetry import u1_structure

    seen = []

    def spy(*args, **kw):
        seen.append(norm_subspace.solve_norm_subspace(*args, **kw))
        return seen[-1]

    monkeypatch.setattr(popcoh_formulations, "solve_norm_subspace", spy)
    monkeypatch.setattr(popcoh_formulations, "SUBSPACE_MIN_SIDE", 17)
    setup = ChainSetup(**kwargs)
    sub = tau_pop_coh(setup, solver="IPM")
    sizes = [len(sec) for sec in u1_structure(setup.open_system()).sectors()]
    assert len(seen) == 1 and max(sizes) > norm_subspace.SUBSPACE_WHOLE
    # the method did its work: the largest sector compressed at the end, or (past SUBSPACE_WHOLE_FRACTION) whole
    # after rounds on compressed blocks
    assert seen[0].sizes[int(np.argmax(sizes))] < max(sizes) or seen[0].rounds > 1
    monkeypatch.setattr(popcoh_formulations, "SUBSPACE_MIN_SIDE", 10**9)
    whole = tau_pop_coh(setup, solver="IPM")
    assert len(seen) == 1  # the whole problem, without the subspace method
    qics = tau_pop_coh(setup, solver="QICS")
    results = (sub, whole, qics)
    assert max(r.lower for r in results) <= min(r.upper for r in results), results
    assert all(r.certified for r in results), results


def test_bad_formulation_is_named():
    with pytest.raises(ValueError, match="formulation"):
        tau_pop_coh(ChainSetup(**SMALL), formulation="mosek")


def _random_positive(n, seed):
    a = _random_hermitian(n, seed)
    return a @ a + 0.1 * np.eye(n)


def test_schur_complement_equals_trace_formula():
    """The interior-point method's Newton matrix, assembled from Cholesky factors and a real rank-k update
    over blocks that share variables, equals H_ij = Σ_k Re Tr(L_ki X_k L_kj S_k⁻¹) evaluated term by term
    with an explicit inverse (six blocks: two over all variables, one over most of them (padded into the update
    over all), one over two, one 1×1, one real symmetric)."""
    from lindblad_core.solvers.ipm import _Lmi, _schur_complement
    from tests._lindblad_reference import newton_matrix_by_traces

    m = 6
    specs = [(4, np.arange(m)), (3, np.arange(m)), (2, np.array([1, 4])), (1, np.array([0, 5])),
             (3, np.array([0, 2, 3, 5])), (3, np.arange(m))]
    lmis, xs, ss = [], [], []
    for k, (n, cols) in enumerate(specs):
        part = np.real if k == 5 else np.asarray  # the last block real symmetric, with real X and S
        lin = np.array([part(_random_hermitian(n, 10 * k + j)) for j in range(len(cols))])
        lmis.append(_Lmi(k, part(_random_hermitian(n, 99 + k)), cols, lin))
        xs.append(part(_random_positive(n, 50 + k)))
        ss.append(part(_random_positive(n, 70 + k)))
    groups = [[k] for k in range(len(specs))]  # one block per group: stacks of one matrix
    s_inv, schur, inv_low_x, inv_low_s = _schur_complement(lmis, [x[None] for x in xs], [s[None] for s in ss],
                                                           groups, m)
    s_inv, inv_low_x, inv_low_s = ([a[0] for a in stacks] for stacks in (s_inv, inv_low_x, inv_low_s))
    expected = newton_matrix_by_traces(lmis, xs, ss, m)
    assert np.allclose(schur, expected, rtol=1e-10, atol=1e-10)
    for got, s in zip(s_inv, ss):
        assert np.allclose(got, np.linalg.inv(s), rtol=1e-10, atol=1e-12)
    for inv_lows, mats in ((inv_low_x, xs), (inv_low_s, ss)):  # L⁻¹ M L⁻ᴴ = I, L lower triangular
        for inv_low, mat in zip(inv_lows, mats):
            assert np.allclose(inv_low, np.tril(inv_low))
            assert np.allclose(inv_low @ mat @ inv_low.conj().T, np.eye(len(mat)), atol=1e-10)


@pytest.mark.parametrize("n_eq", [0, 1, 2])
def test_newton_step_solves_the_saddle_point_system(n_eq):
    """The Newton step (Cholesky of H with the equality rows eliminated) solves [[H, Eᵀ], [E, 0]] (dy, −du) =
    (r, r_e) as numpy's dense solve of the whole saddle-point matrix does; an indefinite H falls back to it."""
    from lindblad_core.solvers.ipm import _newton_solver

    rng = np.random.default_rng(n_eq)
    m = 7
    a = rng.normal(size=(m, m))
    e, r, r_e = rng.normal(size=(n_eq, m)), rng.normal(size=m), rng.normal(size=n_eq)
    for h in (a @ a.T + np.eye(m), a + a.T):  # positive definite, then (almost surely) indefinite
        kkt = np.block([[h, e.T], [e, np.zeros((n_eq, n_eq))]])
        sol = np.linalg.solve(kkt, np.concatenate([r, r_e]))
        dy, du = _newton_solver(h, e)(r, r_e)
        assert np.allclose(dy, sol[:m]) and np.allclose(du, -sol[m:])


# -- the interior-point method's block of scalar rows ------------------------------------------------------

@pytest.mark.parametrize("method", ["ipm", "qics"])
def test_scalar_rows_match_linprog(method):
    """An LP (G x ≤ h, E x = f) through ConicProblem's non-negative and zero rows, which the interior-point
    method keeps as one block of scalar rows (no 1×1 matrix per row) and QICS (lindblad_core.solvers.qics) as a
    non-negative orthant and equality rows: the optimum, x and both sets of multipliers equal scipy's HiGHS
    solution (its marginals are −z in Clarabel's sign convention). The accuracy is asserted, not the status string
    (tests/solvers/test_ipm.py checks that the IPM's status does not depend on rounding)."""
    from scipy.optimize import linprog

    from lindblad_core.solvers.qics import solve_qics

    rng = np.random.default_rng(3)
    m, p = 6, 14
    g, h = rng.normal(size=(p, m)), rng.uniform(0.5, 1.5, size=p)
    e = rng.normal(size=(2, m))
    f = e @ (0.01 * rng.normal(size=m))
    c = g.T @ rng.uniform(0.1, 1.0, size=p) + e.T @ rng.normal(size=2)  # bounded below on the polytope
    ref = linprog(c, A_ub=g, b_ub=h, A_eq=e, b_eq=f, bounds=[(None, None)] * m, method="highs")
    assert ref.status == 0
    problem = ConicProblem(m)
    problem.q = c
    problem.add("rows", "nonneg", g, h)
    problem.add("eq", "zero", e, f)
    status = problem.solve_ipm() if method == "ipm" else solve_qics(problem)
    assert status in RESULT_STATUSES
    assert problem.value == pytest.approx(ref.fun, abs=1e-8)
    assert np.allclose(problem.x, ref.x, atol=1e-7)
    assert np.allclose(problem.dual("rows"), -ref.ineqlin.marginals, atol=1e-6)
    assert np.allclose(problem.dual("eq"), -ref.eqlin.marginals, atol=1e-6)


def test_scalar_rows_with_a_hermitian_lmi_match_clarabel():
    """min cᵀx s.t. C + Σ_j x_j L_j ⪰ 0 (complex 5×5), |x_j| ≤ 0.13 and one equality row, with the LMI and two
    box rows active at the optimum: the interior-point method (scalar-row block + Hermitian LMI) and Clarabel
    (real representation) give the same optimum, x and multipliers of every constraint (the multipliers to the
    accuracy a relative gap of 1e-7 allows); the interior-point multipliers satisfy stationarity
    Σ_j Re Tr(L_j W) − (box)ᵀz − eᵀu = c (Clarabel's sign convention) and complementarity."""
    rng = np.random.default_rng(11)
    m, n, bound = 4, 5, 0.13
    lin = np.array([_random_hermitian(n, 20 + j) for j in range(m)])
    const = 3.0 * np.eye(n) + 0.3 * _random_hermitian(n, 30)
    box = np.vstack([np.eye(m), -np.eye(m)])
    e = rng.normal(size=(1, m))
    c = rng.normal(size=m)
    out = {}
    for method in ("ipm", "clarabel"):
        problem = ConicProblem(m)
        problem.q = c
        problem.add_psd("lmi", const.ravel(), lin.reshape(m, n * n).T, n)
        problem.add("box", "nonneg", box, np.full(2 * m, bound))  # bound − x ≥ 0, bound + x ≥ 0
        problem.add("eq", "zero", e, [0.05])
        assert (problem.solve_ipm() if method == "ipm" else problem.solve()) in RESULT_STATUSES
        out[method] = problem.value, problem.x, problem.hermitian_dual("lmi"), problem.dual("box"), problem.dual("eq")
    (v1, x1, w1, z1, u1), (v2, x2, w2, z2, u2) = out["ipm"], out["clarabel"]
    s = const + np.tensordot(x1, lin, axes=1)
    assert np.linalg.eigvalsh(s)[0] < 1e-7 and np.sum(bound - np.abs(x1) < 1e-7) == 2  # both kinds active
    assert v1 == pytest.approx(v2, abs=1e-8)
    assert np.allclose(x1, x2, atol=1e-6)
    assert np.allclose(w1, w2, atol=1e-4) and np.allclose(z1, z2, atol=1e-4) and np.allclose(u1, u2, atol=1e-4)
    stat = np.real(np.einsum("jab,ba->j", lin, w1)) - box.T @ z1 - e.T @ u1
    assert np.allclose(stat, c, atol=1e-8)
    assert np.linalg.eigvalsh(w1)[0] > -1e-12 and np.all(z1 > 0)
    assert abs(np.trace(w1 @ s)) < 1e-8 and abs(z1 @ (bound - box @ x1)) < 1e-8


def test_hermitian_packing_is_the_trace_inner_product():
    """The packed real coordinates of the interior-point method's operators: ⟨pack(A), pack(M)⟩ = Re Tr(A M)
    for Hermitian A and any complex M (numpy's trace, 1e-12), and unpack(pack(A)) = A."""
    from lindblad_core.solvers.ipm import _HermitianPacking

    n = 6
    pack = _HermitianPacking(n)
    rng = np.random.default_rng(2)
    a = np.array([_random_hermitian(n, 60 + k) for k in range(3)])
    mats = rng.normal(size=(3, n, n)) + 1j * rng.normal(size=(3, n, n))
    got = np.einsum("ki,ki->k", pack(a), pack(mats))
    assert np.allclose(got, np.real(np.einsum("kab,kba->k", a, mats)), rtol=1e-12, atol=1e-12)
    assert np.allclose(pack.unpack(pack(a)), a, rtol=0, atol=1e-12)


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("real", [False, True])
def test_structured_paths_match_clarabel(real, packed, monkeypatch):
    """The interior-point method's paths for structure, on one problem against Clarabel: box rows with one
    non-zero each (m = 12 variables: G kept sparse, its Newton term summed over the rows' non-zeros), an LMI
    over all variables, one over 9 of them (padded into the update over all), one over 3 (scattered), a 1×1
    block and, with ``real``, real symmetric data (the blocks kept in real arithmetic); with ``packed``, A and
    A* of the complex blocks on packed coordinates. Same optimum (1e-8), x (1e-6) and LMI multipliers (1e-4,
    the accuracy a relative gap of 1e-7 allows)."""
    from lindblad_core.solvers import ipm

    monkeypatch.setattr(ipm, "IPM_PACK_BYTES", (0, np.inf) if packed else (0, 0))
    rng = np.random.default_rng(5)
    m, bound = 12, 0.2

    def sym(n, seed):
        a = _random_hermitian(n, seed)
        return np.real(a) + 0j if real else a

    specs = [("all", 5, np.arange(m)), ("most", 4, np.arange(3, m)), ("few", 3, np.array([0, 4, 7])),
             ("scalar", 1, np.arange(m))]
    c = rng.normal(size=m)
    out = {}
    for method in ("ipm", "clarabel"):
        problem = ConicProblem(m)
        problem.q = c
        for k, (name, n, cols) in enumerate(specs):
            lin = np.zeros((m, n, n), dtype=complex)
            for j in cols:
                lin[j] = 0.3 * sym(n, 40 + 13 * k + j)
            const = 2.0 * np.eye(n) + 0.1 * sym(n, 90 + k)
            problem.add_psd(name, const.ravel(), lin.reshape(m, n * n).T, n)
        problem.add("box", "nonneg", np.vstack([np.eye(m), -np.eye(m)]), np.full(2 * m, bound))
        assert (problem.solve_ipm() if method == "ipm" else problem.solve()) in RESULT_STATUSES
        out[method] = problem.value, problem.x, [problem.hermitian_dual(name) for name, *_ in specs]
    (v1, x1, w1), (v2, x2, w2) = out["ipm"], out["clarabel"]
    assert v1 == pytest.approx(v2, abs=1e-8)
    assert np.allclose(x1, x2, atol=1e-6)
    for a, b in zip(w1, w2):
        assert np.allclose(a, b, atol=1e-4)


# -- τ^pop (Eq. (29)): the interior-point method on its dual ------------------------------------------------

POP_CASES = [dict(n_left=1, n_middle=2, n_right=1, g=0.05, beta_left=1.0, beta_right=5.0),
             dict(n_left=2, n_middle=2, n_right=2, g=0.01, beta_left=1.0, beta_right=5.0),
             dict(n_left=2, n_middle=2, n_right=2, g=0.01, beta_left=1.0, beta_right=1.0)]


@pytest.mark.parametrize("eigenbasis", ["energy", "published"])
@pytest.mark.parametrize("kwargs", POP_CASES)
def test_tau_pop_interior_point_agrees_with_clarabel(kwargs, eigenbasis):
    """τ^pop by the interior-point method on the conic form of the dual (the first attempt of the default chain):
    a narrow certified interval; its value lies in the certified interval of the cvxpy/Clarabel solve and the
    intervals overlap, with the same verdict (an equilibrium point, where τ^pop ≈ 0, included)."""
    from lindblad_core.studies.variants import tau_pop
    from lindblad_core.sdp.solve import SOLVER_ATOL, SOLVER_RTOL

    setup = ChainSetup(**kwargs, bias=0.01 if eigenbasis == "published" else 0.0)
    ipm = tau_pop(setup, solver="IPM", eigenbasis=eigenbasis)
    ref = tau_pop(setup, solver="CLARABEL", eigenbasis=eigenbasis)
    assert ipm.solver == "IPM" and ipm.status in RESULT_STATUSES
    # within twice a tight width (result.CERT_ATOL, CERT_RTOL): at the equilibrium point the optimum τ ≈ 0 is
    # degenerate and the IPM ends with a best merit of ~0.9 and a width of 7.5e-10, which another CPU's rounding
    # can push past the tight width itself
    assert ipm.upper - ipm.lower <= 2e-9 + 2e-6 * ipm.upper
    tol = SOLVER_ATOL["IPM"] + SOLVER_RTOL * abs(ipm.value)
    assert ref.lower - tol <= ipm.value <= ref.upper + tol, (ipm, ref)
    assert max(ipm.lower, ref.lower) <= min(ipm.upper, ref.upper), (ipm, ref)
    assert ipm.verdict() == ref.verdict()


def _rotated_pop_data(setup, seed):
    """G^b_k of Eq. (29) in a random unitary basis of each Γ_b (complex; the same problem: Γ → U Γ U†)."""
    from lindblad_core.sdp.problem import resolve
    from lindblad_core.sdp import population_coefficients
    from lindblad_core.redfield_equation import populations

    red, ansatz = resolve(setup, None)
    rng = np.random.default_rng(seed)
    out = []
    for g in population_coefficients(ansatz, populations(red)):
        m = g.shape[1]
        u, _ = np.linalg.qr(rng.normal(size=(m, m)) + 1j * rng.normal(size=(m, m)))
        out.append(np.einsum("ia,kab,bj->kij", u.conj().T, g, u))
    return tuple(out)


@pytest.mark.parametrize("kwargs", POP_CASES[:2])
def test_tau_pop_interior_point_multipliers_are_an_optimal_gamma(kwargs):
    """The multipliers X of the dual's LMIs are Γ_b themselves (Tr X = t_b from the λ_b column, orientation
    Σ_b Tr(G^b_k Γ_b)): with complex G (a random unitary basis change of Γ; G normalised to max |G| = 1),
    Γ ⪰ 0, Tr Γ_b = t_b, and Σ_k |c_k(Γ)| meets the dual bound Σ_b t_b λ_min(Σ_k y_k G^b_k) of the solver's y
    (numpy's eigenvalues) within a tight interval's width: Γ is optimal. The conjugate Γ is not. On the 1+2+1 chain
    the value also equals the primal min Σ_k |c_k| over Hermitian Γ solved independently with cvxpy/Clarabel (on the 2+2+2 chain
    Clarabel and SCS reach that primal only to ~2 %, CVXOPT fails: the reason τ^pop goes to the IPM first)."""
    import cvxpy as cp

    from lindblad_core.sdp.pop_dual import PopDual

    coeffs = _rotated_pop_data(ChainSetup(**kwargs), seed=5)
    scale = max(np.abs(g).max() for g in coeffs)
    coeffs = tuple(g / scale for g in coeffs)
    traces = (1.0, 0.5)
    problem = PopDual(coeffs, [(b, np.arange(g.shape[1])) for b, g in enumerate(coeffs)], traces, real=False)
    problem.solve(solver="IPM")
    assert problem.status in RESULT_STATUSES
    gammas = problem.gammas()
    for g, t in zip(gammas, traces):
        assert np.allclose(g, g.conj().T) and np.linalg.eigvalsh(g)[0] > -1e-9
        # Tr Γ_b = t_b is a row of the IPM's stationarity, whose residual it keeps below IPM_RES_TOL·(1 + ‖c‖)
        assert np.trace(g).real == pytest.approx(t, abs=IPM_RES_TOL * (1.0 + np.linalg.norm(problem.conic.q)))
    value = np.abs(sum(np.einsum("kab,ba->k", gb, g) for gb, g in zip(coeffs, gammas))).sum()
    conj = np.abs(sum(np.einsum("kab,ba->k", gb, g.conj()) for gb, g in zip(coeffs, gammas))).sum()
    y = np.clip(problem.y(), -1.0, 1.0)
    lower = sum(t * np.linalg.eigvalsh(np.tensordot(y, gb, axes=1))[0] for gb, t in zip(coeffs, traces))
    assert lower <= value <= lower + 1e-9 + 1e-6 * value  # a tight interval (result.CERT_ATOL, CERT_RTOL)
    assert value == pytest.approx(problem.value, rel=1e-6, abs=1e-9)
    assert conj > value * 1.01
    if kwargs["n_left"] == 1:  # the primal of Eq. (29), an independent solve
        gam = [cp.Variable(g.shape[1:], hermitian=True) for g in coeffs]
        c = sum(cp.real(cp.hstack([cp.trace(gb[k] @ gv) for k in range(len(gb))])) for gb, gv in zip(coeffs, gam))
        primal = cp.Problem(cp.Minimize(cp.sum(cp.abs(c))),
                            [gv >> 0 for gv in gam] + [cp.real(cp.trace(gv)) == t for gv, t in zip(gam, traces)])
        primal.solve(solver="CLARABEL")
        assert primal.status in RESULT_STATUSES and value == pytest.approx(primal.value, rel=1e-7)


def test_tau_pop_is_solved_again_with_the_next_ipm_setting(monkeypatch):
    """Where the interior-point method's first setting leaves τ^pop's interval un-tight and not "optimal" (here a
    first setting that stops after a few iterations: res_tol 0.5, gap tolerance 1e-2), the chain tries its next
    setting (``pop_dual.POP_ATTEMPTS``) before QICS: the point is decided by the method's second attempt, with the
    same certified interval as QICS's within a tight width."""
    from lindblad_core.sdp import pop_dual
    from lindblad_core.studies.variants import tau_pop

    monkeypatch.setattr(pop_dual, "POP_ATTEMPTS", ({"res_tol": 0.5, "gap_atol": 1e-2}, {}))
    setup = ChainSetup(**SMALL)
    result, ref = tau_pop(setup), tau_pop(setup, solver="QICS")
    assert result.solver == "IPM" and result.options["attempts"] == 2 and result.certified, result
    assert max(result.lower, ref.lower) <= min(result.upper, ref.upper)
