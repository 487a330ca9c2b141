"""The interior-point method's Newton-matrix terms through a block's n²×n² scaling matrix (ipm_kron), against the
trace formula H_ij = Σ_k Re Tr(L_ki X_k L_kj S_k⁻¹) evaluated term by term with explicit inverses."""

import numpy as np
import pytest

from lindblad_core.solvers import ipm, ipm_kron
from lindblad_core.solvers.ipm import _Lmi, _schur_complement
from lindblad_core.solvers.ipm_kron import _HermitianPacking, plan_units, scaling_matrix
from tests._lindblad_reference import newton_matrix_by_traces


def _hermitian(n, rng):
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return a + a.conj().T


def _positive(n, rng):
    a = _hermitian(n, rng)
    return a @ a + 0.1 * np.eye(n)


def test_scaling_matrix_is_the_trace_form_on_the_packed_basis():
    """K_pq = Σ_b Re Tr(E_p X_b E_q Y_b) for the basis matrices E_p = unpack(e_p), summed over two pairs (X, Y)."""
    rng = np.random.default_rng(0)
    n = 4
    pack = _HermitianPacking(n)
    basis = pack.unpack(np.eye(n * n))
    xs, ys = np.array([_positive(n, rng) for _ in range(2)]), np.array([_positive(n, rng) for _ in range(2)])
    expected = np.array([[sum(np.real(np.trace(ep @ x @ eq @ y)) for x, y in zip(xs, ys)) for eq in basis]
                         for ep in basis])
    got = scaling_matrix(pack, xs, ys)
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    assert np.all(np.linalg.eigvalsh(got) > 0)  # positive definite for X, Y ≻ 0


def test_plan_units_takes_small_blocks_over_many_variables_only(monkeypatch):
    """The cost model: a 3×3 block over 60 variables (n² = 9 ≪ k) is assembled through its scaling matrix, a 12×12
    block over 5 variables (n² = 144 ≫ k) by the general congruences; below KRON_MIN_WORK neither."""
    rng = np.random.default_rng(1)
    small = np.array([_hermitian(3, rng) for _ in range(60)])
    large = np.array([_hermitian(12, rng) for _ in range(5)])
    assert plan_units([small], [np.arange(60)], {}, [None]) == []  # 60²·9 multiply-adds: too little work
    monkeypatch.setattr(ipm_kron, "KRON_MIN_WORK", 0.0)
    assert [u.first for u in plan_units([small], [np.arange(60)], {}, [None])] == [0]
    assert plan_units([large], [np.arange(5)], {}, [None]) == []


@pytest.mark.parametrize("fail", [False, True])
def test_schur_complement_through_scaling_matrices(fail, monkeypatch):
    """A pair of blocks with negated operators except on two variables (a unit with a correction), a single small
    block over most variables and a larger one assembled by congruences: the Newton matrix equals the trace
    formula (1e-10 relative). With ``fail`` every scaling matrix's factorisation is made to fail: the blocks
    take the general path, same matrix."""
    monkeypatch.setattr(ipm_kron, "KRON_MIN_WORK", 0.0)  # blocks this small would take the general path
    rng = np.random.default_rng(3)
    m, n = 40, 3
    first = np.array([_hermitian(n, rng) for _ in range(m)])
    second = -first.copy()
    rows = np.array([0, 7])
    second[rows] += np.array([_hermitian(n, rng) for _ in rows])
    lmis = [_Lmi("minus", _hermitian(n, rng), np.arange(m), first),
            _Lmi("plus", _hermitian(n, rng), np.arange(m), second),
            _Lmi("single", _hermitian(n, rng), np.arange(1, m), np.array([_hermitian(n, rng) for _ in range(m - 1)])),
            _Lmi("large", _hermitian(9, rng), np.arange(4), np.array([_hermitian(9, rng) for _ in range(4)]))]
    xs = [_positive(lmi.const.shape[0], rng) for lmi in lmis]
    ss = [_positive(lmi.const.shape[0], rng) for lmi in lmis]
    groups = [[0, 1, 2], [3]]
    flat = [lmi.lin.reshape(len(lmi.cols), -1).view(np.float64) for lmi in lmis]
    partner_of = {b: (j, r, None) for b, (j, r, _) in ipm._negated_partners(groups[:1], lmis, flat).items()}
    assert partner_of.keys() == {1} and list(partner_of[1][1]) == list(rows)
    units = plan_units([lmis[k].lin for k in groups[0]], [lmis[k].cols for k in groups[0]], partner_of,
                       [None] * 3)
    assert [(u.first, u.second) for u in units] == [(0, 1), (2, None)]
    if fail:
        def failing(*args):
            raise np.linalg.LinAlgError("made to fail")
        monkeypatch.setattr(ipm, "unit_terms", failing)
    x_mat = [np.array([xs[k] for k in idx]) for idx in groups]
    s_mat = [np.array([ss[k] for k in idx]) for idx in groups]
    schur = _schur_complement(lmis, x_mat, s_mat, groups, m, {0: units})[1]
    expected = newton_matrix_by_traces(lmis, xs, ss, m)
    assert np.allclose(schur, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())
    assert np.allclose(schur, _schur_complement(lmis, x_mat, s_mat, groups, m)[1], rtol=1e-10,
                       atol=1e-10 * np.abs(expected).max())


def test_kron_gain_leaves_the_optimum_unchanged(monkeypatch):
    """τ^pop,coh of a chain with three qubits on one bath (coherence blocks of size ≤ 20 over ~900 variables: the
    scaling-matrix path) solved by the IPM with and without that path (KRON_GAIN = 0 switches it off): the same
    certified interval to the tight width."""
    from lindblad_core.sdp import tau_pop_coh
    from lindblad_core.systems.chain import ChainSetup

    setup = ChainSetup(n_left=3, n_middle=1, n_right=0, g=0.1, beta_left=1.0)
    calls = []
    real_terms = ipm.unit_terms
    monkeypatch.setattr(ipm, "unit_terms", lambda *a: calls.append(1) or real_terms(*a))
    with_kron = tau_pop_coh(setup, solver="IPM")
    assert calls  # the path was taken
    monkeypatch.setattr(ipm_kron, "KRON_GAIN", 0.0)
    without = tau_pop_coh(setup, solver="IPM")
    assert with_kron.lower <= without.upper and without.lower <= with_kron.upper  # rigorous: they must overlap
    assert abs(with_kron.upper - without.upper) <= 1e-9 + 1e-7 * without.upper
