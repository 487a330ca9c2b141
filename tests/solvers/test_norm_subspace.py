"""The cutting-plane method on eigen-subspaces (lindblad_core.solvers.norm_subspace) against the whole problem
solved by QICS (another solver, the full LMIs), and its lifted multipliers as a certificate checked here by
hand: weak duality gives a lower bound from any Z with ‖Z‖_* ≤ 1."""

import numpy as np
import pytest

from lindblad_core.solvers import norm_subspace
from lindblad_core.solvers.conic import ConicProblem
from lindblad_core.solvers.norm_subspace import solve_norm_subspace
from lindblad_core.solvers.qics import solve_qics


def _hermitian(rng, n, scale=1.0):
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return scale * (a + a.conj().T) / 2


def _problem(seed=1, sizes=(60, 40, 12), k=6):
    """min t s.t. ‖Σ_j y_j L_ij − T_i‖ ≤ t on each block i, y ≥ 0, Σ y = 1: the base problem (variables
    (t, y)), the (k + 1, n, n) images (row 0, t's, zero) and the targets."""
    rng = np.random.default_rng(seed)
    images, targets = [], []
    for n in sizes:
        lin = np.zeros((k + 1, n, n), complex)
        lin[1:] = [_hermitian(rng, n) for _ in range(k)]
        images.append(lin)
        targets.append(_hermitian(rng, n, 1.5))
    base = ConicProblem(k + 1)
    base.q[0] = 1.0
    base.add("simplex", "zero", np.r_[0.0, np.ones(k)][None], [1.0])
    base.add("positive", "nonneg", -np.eye(k + 1)[1:], np.zeros(k))
    return base, images, targets


def _whole(base, images, targets):
    """The same problem with the full LMIs t I ∓ X_i ⪰ 0."""
    problem = base.copy()
    for i, (lin, t_mat) in enumerate(zip(images, targets)):
        n = t_mat.shape[0]
        plus = lin.reshape(len(lin), n * n).copy()
        plus[0] = np.eye(n).ravel()
        minus = -plus
        minus[0] = plus[0]
        problem.add_psd(("minus", i), t_mat.ravel(), minus.T.copy(), n)
        problem.add_psd(("plus", i), -t_mat.ravel(), plus.T.copy(), n)
    return problem


def _norm(y, images, targets):
    return max(np.abs(np.linalg.eigvalsh(np.tensordot(y, lin[1:], axes=1) - t)).max()
               for lin, t in zip(images, targets))


def _dual_bound(duals, images, targets):
    """min over the simplex of the Lagrangian at Z_i = W_i^− − W_i^+ scaled to Σ_i ‖Z_i‖_* = 1:
    min_j Σ_i Re Tr(Z_i L_ij) − Σ_i Re Tr(Z_i T_i), a lower bound on the optimum for any such Z."""
    zs = [minus - plus for minus, plus in duals]
    nuclear = sum(np.abs(np.linalg.eigvalsh(0.5 * (z + z.conj().T))).sum() for z in zs)
    zs = [0.5 * (z + z.conj().T) / nuclear for z in zs]
    per_var = sum(np.real(np.einsum("ab,jba->j", z, lin[1:])) for z, lin in zip(zs, images))
    return float(per_var.min() - sum(np.real(np.trace(z @ t)) for z, t in zip(zs, targets)))


def test_agrees_with_qics_on_the_whole_problem_and_certifies_itself():
    base, images, targets = _problem()
    sol = solve_norm_subspace(base, images, targets)
    assert sol.status == "optimal" or sol.upper - sol.value < 1e-6
    assert sol.sizes[2] == 12  # at most SUBSPACE_WHOLE rows: whole
    assert sol.sizes[0] < 60 and sol.sizes[1] < 40  # the larger blocks compressed
    whole = _whole(base, images, targets)
    solve_qics(whole)
    assert whole.value == pytest.approx(sol.value, rel=1e-6)
    y = np.clip(sol.x[1:], 0.0, None)
    upper = _norm(y / y.sum(), images, targets)  # a feasible point's norm: an upper bound
    lower = _dual_bound(sol.duals, images, targets)
    assert lower <= whole.value * (1 + 1e-7) <= upper * (1 + 2e-7)
    assert upper - lower <= 1e-6 * upper  # the lifted multipliers certify the optimum
    assert sol.upper == pytest.approx(_norm(sol.x[1:], images, targets), rel=1e-12)


def test_one_round_is_reported_inaccurate_when_the_bounds_have_not_met():
    base, images, targets = _problem(seed=4)
    first = solve_norm_subspace(base, images, targets, max_rounds=1)
    assert first.rounds == 1
    assert first.upper - first.value > 1e-3 * first.upper  # four eigenvectors of T are not enough here
    assert first.status == "optimal_inaccurate"
    full = solve_norm_subspace(base, images, targets)
    assert full.rounds > 1
    assert first.value <= full.value * (1 + 1e-7)  # a relaxation: a lower bound up to the solver's accuracy
    assert full.upper - full.value <= 1e-6 * full.upper


def test_blocks_entering_whole_are_the_whole_problem(monkeypatch):
    base, images, targets = _problem(seed=2, sizes=(20, 14))
    monkeypatch.setattr(norm_subspace, "SUBSPACE_WHOLE", 64)
    sol = solve_norm_subspace(base, images, targets)
    assert sol.rounds == 1 and sol.sizes == (20, 14)
    whole = _whole(base, images, targets)
    whole.solve_ipm()
    np.testing.assert_allclose(sol.x, whole.x, rtol=0, atol=1e-12)


def test_a_subspace_past_the_whole_fraction_makes_its_block_whole(monkeypatch):
    """A block whose subspace would exceed SUBSPACE_WHOLE_FRACTION of its rows enters whole from then on: with the
    fraction 0 every block that grows does, and the result is the whole problem's (QICS)."""
    base, images, targets = _problem(seed=4)
    monkeypatch.setattr(norm_subspace, "SUBSPACE_WHOLE_FRACTION", 0.0)
    sol = solve_norm_subspace(base, images, targets)
    assert sol.rounds == 2 and sol.sizes[0] == 60  # it grew in the first round, so it went whole
    whole = _whole(base, images, targets)
    solve_qics(whole)
    assert whole.value == pytest.approx(sol.value, rel=1e-6)
    assert sol.upper - sol.value <= 1e-6 * sol.upper


@pytest.mark.parametrize("kwargs, name", [({"t_col": 9}, "t_col"), ({"max_rounds": 0}, "max_rounds"),
                                          ({"max_rounds": 1.5}, "max_rounds")])
def test_bad_arguments_are_named(kwargs, name):
    base, images, targets = _problem(sizes=(8,))
    with pytest.raises(ValueError, match=name):
        solve_norm_subspace(base, images, targets, **kwargs)
    with pytest.raises(ValueError, match="one entry per block"):
        solve_norm_subspace(base, images, targets[:0])
