"""Eq. (33) reaches the solver in two independent ways: assembled as Clarabel's conic form directly
(``formulation="conic"``, lindblad_core/conic.py) and through cvxpy (``formulation="cvxpy"``). Both must give
overlapping certified intervals and the same verdicts; the conic building blocks are checked against
numpy's eigenvalues."""

import numpy as np
import pytest

from lindblad_core.ansatz import local_hermitian_basis
from lindblad_core.chain import ChainSetup
from lindblad_core.conic import ConicProblem, realrep_svec, svec_to_matrix
from lindblad_core.sdp import tau_pop_coh


def _random_hermitian(n, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return a + a.conj().T


@pytest.mark.parametrize("method", ["clarabel", "ipm"])
@pytest.mark.parametrize("n", [1, 3, 5])
def test_hermitian_psd_cone_gives_smallest_eigenvalue(n, method):
    """min Re Tr(C X) over X ⪰ 0 (Hermitian), Tr X = 1, is λ_min(C), with Clarabel (through the real
    representation: the cone rows, the √2 scaling and the unpacking of the dual) and with the library's
    interior-point method; the multiplier of X ⪰ 0 is C − λ_min I. Checked against numpy.linalg.eigvalsh."""
    c = _random_hermitian(n, n)
    basis = local_hermitian_basis(n)
    problem = ConicProblem(n * n)
    problem.q = np.real(np.einsum("ij,kji->k", c, basis))
    problem.add("trace", "zero", np.real(np.trace(basis, axis1=1, axis2=2))[None], [1.0])
    problem.add_psd("x", np.zeros(n * n), basis.reshape(n * n, n * n).T, n)
    assert (problem.solve() if method == "clarabel" else problem.solve_ipm()) == "optimal"
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


def test_bad_formulation_is_named():
    with pytest.raises(ValueError, match="formulation"):
        tau_pop_coh(ChainSetup(**SMALL), formulation="mosek")


def _random_positive(n, seed):
    a = _random_hermitian(n, seed)
    return a @ a + 0.1 * np.eye(n)


def test_schur_complement_equals_trace_formula():
    """The interior-point method's Newton matrix, assembled from Cholesky factors and a real rank-k update
    over blocks that share variables, equals H_ij = Σ_k Re Tr(L_ki X_k L_kj S_k⁻¹) evaluated term by term
    with an explicit inverse (four blocks: two over all variables, one over a subset, one 1×1)."""
    from lindblad_core.conic import _Lmi, _schur_complement

    m = 6
    specs = [(4, np.arange(m)), (3, np.arange(m)), (2, np.array([1, 4])), (1, np.array([0, 5]))]
    lmis, xs, ss = [], [], []
    for k, (n, cols) in enumerate(specs):
        lin = np.array([_random_hermitian(n, 10 * k + j) for j in range(len(cols))])
        lmis.append(_Lmi(k, _random_hermitian(n, 99 + k), cols, lin))
        xs.append(_random_positive(n, 50 + k))
        ss.append(_random_positive(n, 70 + k))
    groups = [[0], [1], [2], [3]]
    s_inv, schur = _schur_complement(lmis, xs, ss, groups, m)
    expected = np.zeros((m, m))
    for lmi, x, s in zip(lmis, xs, ss):
        inv = np.linalg.inv(s)
        for a, i in enumerate(lmi.cols):
            for b, j in enumerate(lmi.cols):
                expected[i, j] += np.real(np.trace(lmi.lin[a] @ x @ lmi.lin[b] @ inv))
    assert np.allclose(schur, expected, rtol=1e-10, atol=1e-10)
    for got, s in zip(s_inv, ss):
        assert np.allclose(got, np.linalg.inv(s), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n_eq", [0, 1, 2])
def test_newton_step_solves_the_saddle_point_system(n_eq):
    """The Newton step (Cholesky of H with the equality rows eliminated) solves [[H, Eᵀ], [E, 0]] (dy, −du) =
    (r, r_e) as numpy's dense solve of the whole saddle-point matrix does; an indefinite H falls back to it."""
    from lindblad_core.conic import _newton_solver

    rng = np.random.default_rng(n_eq)
    m = 7
    a = rng.normal(size=(m, m))
    e, r, r_e = rng.normal(size=(n_eq, m)), rng.normal(size=m), rng.normal(size=n_eq)
    for h in (a @ a.T + np.eye(m), a + a.T):  # positive definite, then (almost surely) indefinite
        kkt = np.block([[h, e.T], [e, np.zeros((n_eq, n_eq))]])
        sol = np.linalg.solve(kkt, np.concatenate([r, r_e]))
        dy, du = _newton_solver(h, e)(r, r_e)
        assert np.allclose(dy, sol[:m]) and np.allclose(du, -sol[m:])
