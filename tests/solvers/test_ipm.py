"""The library's interior-point method (lindblad_core.solvers.ipm, through ConicProblem.solve_ipm) on machines
that round differently: its status on a well-posed problem does not hinge on the last bits (the stopping rule
keeps a margin to its tolerances), a numerical failure of a late iterate returns the best iterate found, and its
tolerances are keywords. References: scipy's HiGHS (linprog) and numpy's eigenvalues."""

import numpy as np
import pytest
from scipy.optimize import linprog

from lindblad_core.solvers import ipm
from lindblad_core.lindblad.ansatz import local_hermitian_basis
from lindblad_core.solvers.conic import ConicProblem
from lindblad_core.sdp.result import RESULT_STATUSES


def _lp(seed=3):
    """A 6-variable LP, min cᵀx s.t. G x ≤ h, E x = f, bounded on its polytope; HiGHS's solution."""
    rng = np.random.default_rng(seed)
    m, p = 6, 14
    g, h = rng.normal(size=(p, m)), rng.uniform(0.5, 1.5, size=p)
    e = rng.normal(size=(2, m))
    f = e @ (0.01 * rng.normal(size=m))
    c = g.T @ rng.uniform(0.1, 1.0, size=p) + e.T @ rng.normal(size=2)
    ref = linprog(c, A_ub=g, b_ub=h, A_eq=e, b_eq=f, bounds=[(None, None)] * m, method="highs")
    assert ref.status == 0
    return (c, g, h, e, f), ref


def _solve_lp(c, g, h, e, f, **tolerances):
    problem = ConicProblem(len(c))
    problem.q = c
    problem.add("rows", "nonneg", g, h)
    problem.add("eq", "zero", e, f)
    return problem.solve_ipm(**tolerances), problem


def _perturbed(data, kind, rng):
    """The same LP with its data changed at the level of rounding, or its rows/variables in another order;
    returns the data and the permutation of the variables."""
    c, g, h, e, f = data
    m = len(c)
    if kind == "as_is":
        return data, np.arange(m)
    if kind in ("scaled_up", "scaled_down"):  # every number ×(1 ± 1e-14): the same x
        s = 1.0 + (1e-14 if kind == "scaled_up" else -1e-14)
        return (s * c, s * g, s * h, s * e, s * f), np.arange(m)
    if kind == "entries":  # every entry ×(1 + 1e-14 ξ), ξ standard normal
        return tuple(a * (1.0 + 1e-14 * rng.normal(size=np.shape(a))) for a in data), np.arange(m)
    if kind == "rows":
        rows, eqs = rng.permutation(len(h)), rng.permutation(len(f))
        return (c, g[rows], h[rows], e[eqs], f[eqs]), np.arange(m)
    perm = rng.permutation(m)  # "variables": x' = x[perm]
    return (c[perm], g[:, perm], h, e[:, perm], f), perm


def test_lp_status_and_solution_do_not_depend_on_rounding():
    """An LP whose Newton matrix reaches a condition number of ~1e15 at its last iterates: without iterative
    refinement of the Newton solve their stationarity residual (~1e-8, the residual tolerance) is set by
    rounding, and the status is "optimal" or "optimal_inaccurate" by BLAS kernel. Solved as it is, with every
    number scaled by 1 ± 1e-14 or perturbed entry by entry at 1e-14, with its rows or variables permuted, it
    gives one status, "optimal", and x, the optimum and both sets of multipliers equal HiGHS's to 1e-8 (x,
    value) and 1e-6 (multipliers); stationarity c + Gᵀz + Eᵀu = 0 holds to 1e-10 (relative) and
    complementarity to ipm.IPM_MARGIN (a half) of the gap tolerance (the tolerances met with room to spare)."""
    data, ref = _lp()
    rng = np.random.default_rng(0)
    statuses = set()
    for kind in ("as_is", "scaled_up", "scaled_down", "entries", "entries", "rows", "rows", "variables"):
        (c, g, h, e, f), perm = _perturbed(data, kind, rng)
        status, problem = _solve_lp(c, g, h, e, f)
        statuses.add(status)
        assert problem.x is not None, kind
        assert problem.value == pytest.approx(ref.fun, abs=1e-8), kind
        np.testing.assert_allclose(problem.x, ref.x[perm], atol=1e-8, err_msg=kind)
        z, u = problem.dual("rows"), problem.dual("eq")
        assert np.linalg.norm(c + g.T @ z + e.T @ u) <= 1e-10 * (1 + np.linalg.norm(c)), kind
        gap_tol = ipm.IPM_TOL_ABS + ipm.IPM_TOL * abs(ref.fun)  # met with room to spare
        assert np.all(z >= 0) and z @ (h - g @ problem.x) <= ipm.IPM_MARGIN * gap_tol, kind
        if kind in ("as_is", "scaled_up", "scaled_down", "entries"):  # HiGHS's multipliers, in its row order
            np.testing.assert_allclose(z, -ref.ineqlin.marginals, atol=1e-6, err_msg=kind)
            np.testing.assert_allclose(u, -ref.eqlin.marginals, atol=1e-6, err_msg=kind)
    assert statuses == {"optimal"}


def test_tolerances_are_keywords_of_solve_ipm():
    """Tighter tolerances give a more accurate LP solution in more iterations, looser ones a coarser one in
    fewer; each within its own tolerance of HiGHS's optimum (the gap bounds the error of the value)."""
    data, ref = _lp()
    out = {}
    for name, kw in (("loose", dict(gap_rtol=1e-3, res_tol=1e-4)), ("default", {}),
                     ("tight", dict(gap_rtol=1e-12, gap_atol=1e-14, res_tol=1e-12))):
        status, problem = _solve_lp(*data, **kw)
        assert status in RESULT_STATUSES
        out[name] = problem.iterations, abs(problem.value - ref.fun), np.abs(problem.x - ref.x).max()
    assert out["loose"][0] < out["default"][0] < out["tight"][0]
    assert out["loose"][1] <= 1e-3 * abs(ref.fun) and out["tight"][1] <= 1e-11 and out["tight"][2] <= 1e-10


@pytest.mark.parametrize("step", [ipm.IPM_STEP, ipm.IPM_STEP_CAUTIOUS, (0.5, 0.0)])
def test_step_rule_is_a_keyword_and_each_reaches_the_lp_optimum(step):
    """The fixed 0.98, SDPT3's 0.9 + 0.09·min(α_p, α_d) and a timid fixed 0.5 all end "optimal" at HiGHS's
    optimum (to the gap tolerance); the timid rule takes more iterations than the default."""
    data, ref = _lp()
    status, problem = _solve_lp(*data, step=step)
    assert status == "optimal" and abs(problem.value - ref.fun) <= 1e-6 * abs(ref.fun)
    if step == (0.5, 0.0):
        assert problem.iterations > _solve_lp(*data)[1].iterations


def test_smaller_margin_only_runs_on_from_the_same_iterates():
    """The stopping margin truncates one and the same sequence of iterates: a smaller margin takes more iterations
    and ends closer to λ_min (numpy); each is "optimal" to the gap tolerance."""
    problem, c = _eigen_problem()
    lam = np.linalg.eigvalsh(c)[0]
    runs = {}
    for margin in (0.5, 1e-6):
        problem, _ = _eigen_problem()
        assert problem.solve_ipm(margin=margin) == "optimal"
        runs[margin] = problem.iterations, abs(problem.value - lam)
    assert runs[0.5][0] < runs[1e-6][0] and runs[1e-6][1] < runs[0.5][1]
    assert all(err <= ipm.IPM_TOL_ABS + ipm.IPM_TOL * abs(lam) for _, err in runs.values())


@pytest.mark.parametrize("name, value", [("gap_rtol", 0.0), ("gap_rtol", -1e-7), ("gap_rtol", 1.0),
                                         ("gap_rtol", float("nan")), ("gap_rtol", "1e-7"), ("gap_rtol", True),
                                         ("gap_atol", 0.0), ("gap_atol", float("inf")), ("res_tol", 0.0),
                                         ("res_tol", 2.0), ("step", 0.98), ("step", (0.0, 0.5)),
                                         ("step", (0.9, 0.1)), ("step", (0.9, -0.1)), ("step", ("a", 0.0)),
                                         ("margin", 0.0), ("margin", 1.5), ("margin", "0.5")])
def test_bad_tolerance_is_named(name, value):
    data, _ = _lp()
    problem = ConicProblem(6)
    problem.q = data[0]
    problem.add("rows", "nonneg", data[1], data[2])
    with pytest.raises(ValueError, match=name):
        problem.solve_ipm(**{name: value})
    with pytest.raises(ValueError, match=name):
        ipm.solve_hermitian_lmi(data[0], [], np.zeros((0, 6)), np.zeros(0), lp=(data[2], -data[1]),
                                  **{name: value})


# -- numerical failure of a late iterate -------------------------------------------------------------------

N_EIG = 5


def _eigen_problem():
    """min Re Tr(C X) over Hermitian X ⪰ 0 with Tr X = 1, whose value is λ_min(C) (complex 5×5 C); and C."""
    rng = np.random.default_rng(N_EIG)
    a = rng.normal(size=(N_EIG, N_EIG)) + 1j * rng.normal(size=(N_EIG, N_EIG))
    c = a + a.conj().T
    basis = local_hermitian_basis(N_EIG)
    problem = ConicProblem(N_EIG**2)
    problem.q = np.real(np.einsum("ij,kji->k", c, basis))
    problem.add("trace", "zero", np.real(np.trace(basis, axis1=1, axis2=2))[None], [1.0])
    problem.add_psd("x", np.zeros(N_EIG**2), basis.reshape(N_EIG**2, N_EIG**2).T, N_EIG)
    return problem, c


@pytest.mark.parametrize("factor", ["S", "X"])
@pytest.mark.parametrize("back", [1, 2, None])
def test_failed_cholesky_of_a_late_iterate_returns_the_best_iterate(monkeypatch, factor, back):
    """The Cholesky factorisation of S (or X) fails at iteration N − ``back`` (N the iterations of the
    undisturbed solve; None: at the first): no exception escapes, and the result is the best of the iterates
    before the failure, with the status its accuracy earns: the same x, value and status as the solve stopped
    there by its iteration limit, within 1e-7 of numpy's λ_min when "optimal" and within what
    "optimal_inaccurate" promises (``IPM_INACCURATE`` times the gap tolerance) otherwise (one and two iterations
    before the end); "solver_error" (no solution) at the first."""
    problem, c = _eigen_problem()
    lam = np.linalg.eigvalsh(c)[0]
    problem.solve_ipm()
    n_iter = problem.iterations
    fail_at = 1 if back is None else n_iter - back
    monkeypatch.setattr(ipm, "IPM_MAX_ITER", fail_at)
    truncated_problem = _eigen_problem()[0]
    truncated = truncated_problem.solve_ipm()
    monkeypatch.undo()

    real_cholesky, calls = np.linalg.cholesky, [0]
    first_failing = 2 * (fail_at - 1) + (0 if factor == "S" else 1)  # one block: S, then X, per iteration

    def cholesky(a, *args, **kwargs):
        calls[0] += 1
        if calls[0] > first_failing:
            raise np.linalg.LinAlgError("Matrix is not positive definite")
        return real_cholesky(a, *args, **kwargs)

    monkeypatch.setattr(np.linalg, "cholesky", cholesky)
    failed, _ = _eigen_problem()
    status = failed.solve_ipm()
    monkeypatch.undo()
    assert calls[0] == first_failing + 1  # it did fail there, once
    assert status == truncated and failed.iterations == fail_at
    if back is None:
        assert status == "solver_error" and failed.x is None and failed.value is None
        return
    np.testing.assert_array_equal(failed.x, truncated_problem.x)
    assert status in RESULT_STATUSES
    tol = 1e-7 if status == "optimal" else ipm.IPM_INACCURATE * (ipm.IPM_TOL_ABS + ipm.IPM_TOL * abs(lam))
    assert failed.value == pytest.approx(lam, abs=tol)
    # the multiplier of X ⪰ 0 comes with it: C − λ_min I
    np.testing.assert_allclose(failed.hermitian_dual("x"), c - lam * np.eye(N_EIG), atol=10 * tol)


def _spectral_norm_problem():
    """min t s.t. t I ∓ X(y) ⪰ 0 (X(y) = C + Σ_j y_j L_j, complex Hermitian 6×6, 4 variables y), i.e. the
    smallest spectral norm of X(y), with −0.15 − y_j ≥ 0 (active at the optimum) written as 1×1 LMIs and
    y_j + 1 ≥ 0 as scalar rows."""
    rng = np.random.default_rng(11)
    n, k = 6, 4

    def hermitian():
        a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
        return a + a.conj().T

    c_mat, lin = hermitian(), np.stack([hermitian() for _ in range(k)])
    problem = ConicProblem(1 + k)
    problem.q[0] = 1.0
    flat = np.concatenate([np.zeros((1, n * n)), lin.reshape(k, n * n)]).T  # vec X(y) − vec C, per variable
    eye = np.zeros((n * n, 1 + k), complex)
    eye[:, 0] = np.eye(n).ravel()
    problem.add_psd("minus", -c_mat.ravel(), eye - flat, n)  # t I − X(y)
    problem.add_psd("plus", c_mat.ravel(), eye + flat, n)  # t I + X(y)
    for j in range(k):
        row = np.zeros((1, 1 + k))
        row[0, 1 + j] = -1.0
        problem.add_psd(("upper", j), -0.15 * np.ones(1), row, 1)
    problem.add("lower", "nonneg", -np.hstack([np.zeros((k, 1)), np.eye(k)]), np.ones(k))
    return problem, c_mat, lin


def test_negated_pair_and_scalar_blocks_against_clarabel(monkeypatch):
    """A pair t I ∓ X(y) ⪰ 0 (operators negated but in t, read through one another in A and A*) and 1×1 LMIs
    (iterated as scalar rows) next to scalar rows: the value of Clarabel's solve, the multipliers of the
    1×1 LMIs (active bounds, ~0.2 … 1) within 1e-3 of Clarabel's (whose own accuracy there is ~1e-4), and the
    value is ‖X(y)‖₂ (numpy's eigenvalues)."""
    found = []
    real_partners = ipm._negated_partners
    monkeypatch.setattr(ipm, "_negated_partners", lambda *a: found.append(real_partners(*a)) or found[-1])
    problem, c_mat, lin = _spectral_norm_problem()
    assert problem.solve_ipm() in RESULT_STATUSES
    assert [len(p) for p in found] == [1]  # the pair was recognised
    reference = _spectral_norm_problem()[0]
    assert reference.solve() in RESULT_STATUSES
    assert problem.value == pytest.approx(reference.value, abs=1e-6)
    x_mat = c_mat + np.tensordot(problem.x[1:], lin, axes=1)
    assert problem.value == pytest.approx(np.max(np.abs(np.linalg.eigvalsh(x_mat))), abs=1e-6)
    for j in range(lin.shape[0]):
        np.testing.assert_allclose(problem.hermitian_dual(("upper", j)), reference.hermitian_dual(("upper", j)),
                                   atol=1e-3)


@pytest.mark.parametrize("pairs_max", [1.0, 0.0])
def test_scalar_rows_newton_term_against_dense_product(monkeypatch, pairs_max):
    """Gᵀ diag(w) G of sparse scalar rows (box rows of one non-zero, a few rows of two or three, two full rows
    taken as a dense rank-2 update) equals numpy's dense product, summed over pairs of non-zeros
    (``LP_PAIRS_MAX`` = 1) and through scipy's sparse product (``LP_PAIRS_MAX`` = 0)."""
    import scipy.sparse as sp

    from lindblad_core.solvers import ipm_rows

    monkeypatch.setattr(ipm_rows, "LP_PAIRS_MAX", pairs_max)
    rng = np.random.default_rng(11)
    m = 40
    box = sp.eye(m, format="csr") * 2.0
    few = sp.random(12, m, density=0.06, random_state=2, format="csr")
    full = sp.csr_matrix(rng.normal(size=(2, m)))
    g = sp.vstack([box, -box, few, full, sp.csr_matrix((1, m))], format="csr")
    rows = ipm_rows._ScalarRows(g, m)
    assert rows.sparse and len(rows.heavy_rows) == 2 and (rows.pairs is not None) == (pairs_max > 0)
    w = rng.uniform(0.1, 10.0, size=g.shape[0])
    schur = np.eye(m)
    rows.add_newton_term(schur, w)
    dense = g.toarray()
    np.testing.assert_allclose(schur, np.eye(m) + dense.T @ (w[:, None] * dense), rtol=1e-13, atol=1e-13)
