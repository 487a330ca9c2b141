"""Eq. (33) evaluated on the exact zeros of the U(1) structure: the conic data per charge group and sector, the
certificates' dual map and dissipator block by block, the Lamb-shift directions per group of disjoint
supports, and the selection of those directions. Each is checked against a computation that does not use
the structure: the full (m, m, d, d) dissipator tensor, the dense evaluation with its own rounding bound,
rational arithmetic, a pivoted QR of the dense directions, an eigen-decomposition of the whole matrix.
"""

from fractions import Fraction

import numpy as np
import pytest
from scipy.linalg import qr

from lindblad_core.certify import arithmetic, dissipator, feasible, popcoh
from lindblad_core.sdp import lamb_shift, popcoh_formulations, problem
from lindblad_core.systems.baths import BosonicBath, drude_lorentz, ohmic
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.operators import SIGMA_MINUS
from lindblad_core.redfield_equation import populations
from lindblad_core.systems.symmetry import u1_structure
from lindblad_core.systems.open_system import Coupling, OpenSystem

A3 = np.diag([1.0, np.sqrt(2.0)], k=1)  # qutrit lowering operator


def _qutrit_qubit():
    """tests/systems/test_open_system.py's exchange qutrit ⊗ qubit (H conserves Q; couplings a and σ− of charge +1)."""
    sz = np.diag([1.0, -1.0])
    hop = np.kron(A3, SIGMA_MINUS) + np.kron(A3.T, SIGMA_MINUS.T)
    h = (np.kron(np.diag([0.0, 1.0, 2.3]), np.eye(2)) + np.kron(np.eye(3), np.diag([0.7, 0.0])) + 0.08 * hop
         + 0.03 * np.kron(np.diag([0.0, 1.0, 2.0]), sz))
    return OpenSystem(h, [Coupling(A3, 0, BosonicBath(drude_lorentz(0.05, 2.0), beta=0.8)),
                          Coupling(SIGMA_MINUS, 1, BosonicBath(ohmic(), beta=3.0))], dims=(3, 2))


CASES = {
    "2+2+2": (lambda: ChainSetup(n_left=2, n_middle=2, n_right=2, g=0.05, beta_left=1.0, beta_right=5.0), None),
    "qutrit+qubit": (_qutrit_qubit, [(0,), (1,)]),
    "qutrit-qubit block": (_qutrit_qubit, [(0, 1)]),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    build, blocks = CASES[request.param]
    red, ansatz = problem.resolve(build(), blocks)
    p = populations(red)
    structure = u1_structure(red.system)
    assert structure is not None
    sectors = structure.sectors()
    selection, lamb = lamb_shift.lamb_shift_selection(ansatz, p)
    coh = popcoh_formulations.coh_blocks(ansatz, p, sectors, structure, selection, True)
    assert all(blk.op_blocks is not None for blk in coh)  # the block-wise paths are the ones under test
    return red, ansatz, p, sectors, coh, lamb


def test_group_sector_dissipators_equal_the_full_tensor(case):
    """M_ab (a, b of one charge group) on each sector, contracted over the one source sector, equals the slice of
    the full tensor F_b ρ0 F_a† − ½{F_a†F_b, ρ0} over all a, b and every index (einsum), and vanishes exactly
    where the full tensor does (the U(1) selection rule the conic data skip)."""
    _, _, p, sectors, coh, _ = case
    for blk in coh:
        full = dissipator.dissipator_images(blk.operators, p)  # (m, m, d, d)
        for i, sec in enumerate(sectors):
            ref = full[:, :, sec[:, None], sec[None, :]]
            scale = np.max(np.abs(ref), initial=0.0)
            for idx, sub in zip(blk.groups, popcoh_formulations.dissipator_sector_groups(blk, p, i, sec)):
                want = ref[np.ix_(idx, idx)]
                if sub is None:
                    assert np.max(np.abs(want), initial=0.0) <= 1e-11 * scale
                else:
                    np.testing.assert_allclose(sub, want, rtol=0, atol=1e-14 * scale)
            others = np.ones(ref.shape[:2], dtype=bool)  # a, b in different groups: exact zeros in the data
            for idx in blk.groups:
                others[np.ix_(idx, idx)] = False
            assert np.all(ref[others] == 0)


def _random_hermitian(n, rng):
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return a + a.conj().T


def test_block_dual_map_and_dissipator_enclose_the_dense_values(case):
    """A_Γ^*(Z) for a sector-block-diagonal Z and A(Γ) for a Γ zero between charge groups, evaluated block by
    block, lie within the rounding bounds of the dense evaluation (both enclose the same exact value), with
    bounds no larger; a Z with an entry between sectors takes the dense path."""
    _, _, p, sectors, coh, _ = case
    d = len(p)
    rng = np.random.default_rng(3)
    z = np.zeros((d, d), dtype=complex)
    for sec in sectors:
        z[np.ix_(sec, sec)] = _random_hermitian(len(sec), rng)
    for blk in coh:
        f, ob = blk.operators, blk.op_blocks
        got, err = dissipator.dual_map_with_bound(f, z, p, ob)
        ref, ref_err = dissipator.dual_map_with_bound(f, z, p)
        assert np.all(np.abs(got - ref) <= err + ref_err) and np.all(err <= ref_err * (1 + 1e-12))
        for blocks, value in ((ob, got), (None, ref)):  # without the bound: the same value, bit for bit
            plain, none = dissipator.dual_map_with_bound(f, z, p, blocks, bound=False)
            assert none is None and np.array_equal(plain, value)
        gam = np.zeros((f.shape[0],) * 2, dtype=complex)
        for idx in blk.groups:
            gam[np.ix_(idx, idx)] = _random_hermitian(len(idx), rng)
        got, err = dissipator.dissipator_with_bound(f, gam, p, ob)
        ref, ref_err = dissipator.dissipator_with_bound(f, gam, p)
        assert np.all(np.abs(got - ref) <= err + ref_err) and np.all(err <= ref_err * (1 + 1e-12))
        mixed = z.copy()
        mixed[sectors[0][0], sectors[-1][0]] = mixed[sectors[-1][0], sectors[0][0]] = 0.5
        assert np.array_equal(dissipator.dual_map_with_bound(f, mixed, p, ob)[0],
                              dissipator.dual_map_with_bound(f, mixed, p)[0])


def _dense_rows(ansatz, p, index):
    basis = np.concatenate(ansatz.hamiltonian_basis, axis=0)[index]
    dirs = 1j * (p[:, None] - p[None, :])[None] * basis
    rows = np.concatenate([dirs.real.reshape(len(index), -1), dirs.imag.reshape(len(index), -1)], axis=1)
    return rows / np.linalg.norm(rows, axis=1)[:, None]


def test_dissipator_matrix_columns_are_the_dissipator_of_each_coordinate(case):
    """The real matrix of Γ ↦ Σ_b A_b(Γ_b) (every bath's block, Γ_b entered as (Re vec Γ_b, Im vec Γ_b)) applied
    to random Hermitian Γ_b equals (Re vec, Im vec) of Σ_b A_b(Γ_b) evaluated directly, within its rounding
    bound; each block starts at its offset."""
    _, _, p, _, coh, _ = case
    d = len(p)
    rng = np.random.default_rng(7)
    ops = [blk.operators for blk in coh]
    a, offsets = dissipator.dissipator_matrix(ops, p, None)
    gammas = [_random_hermitian(f.shape[0], rng) for f in ops]
    x = np.concatenate([np.concatenate([g.real.ravel(), g.imag.ravel()]) for g in gammas])
    want, err = np.zeros((d, d), dtype=complex), np.zeros((d, d))
    for f, g in zip(ops, gammas):
        value, bound = dissipator.dissipator_with_bound(np.asarray(f), g, p)
        want, err = want + value, err + bound
    got = a @ x
    scale = np.abs(a).max() * np.abs(x).sum()
    sizes = [2 * f.shape[0] ** 2 for f in ops]
    assert a.shape == (2 * d * d, len(x)) and list(offsets) == list(np.cumsum([0] + sizes)[:-1])
    assert np.all(np.abs(got[:d * d] - want.real.ravel()) <= err.ravel() + 1e-14 * scale)
    assert np.all(np.abs(got[d * d:] - want.imag.ravel()) <= err.ravel() + 1e-14 * scale)


@pytest.mark.parametrize("through", ["qr", "gram"])
def test_lamb_directions_per_component_match_the_dense_directions(case, through, monkeypatch):
    """Gram matrix, projection onto the complement of the span and Kᵀc of the directions stored per component
    agree with the dense (n, 2d²) rows; the components have disjoint supports. The projection goes through an
    orthonormal basis per component or (large directions, ``LAMB_BASES_MAX_BYTES``) its Gram matrix."""
    from lindblad_core.certify import lamb as lamb_module

    _, ansatz, p, _, _, lamb = case
    if through == "gram":
        monkeypatch.setattr(lamb_module, "LAMB_BASES_MAX_BYTES", 0)
        lamb = lamb.subset(np.ones(lamb.size, dtype=bool))  # a new object: nothing cached
        assert all(q is None for q, _ in lamb._projectors)
    else:
        assert all(cho is None for _, cho in lamb._projectors)
    rows = _dense_rows(ansatz, p, lamb.index)
    np.testing.assert_allclose(lamb.gram, rows @ rows.T, rtol=0, atol=1e-14)
    rng = np.random.default_rng(5)
    v, c = rng.normal(size=rows.shape[1]), rng.normal(size=len(rows))
    q = np.linalg.qr(rows.T)[0]
    np.testing.assert_allclose(lamb.project_out(v), v - q @ (q.T @ v), rtol=0, atol=1e-13)
    # a matrix of columns: dense, zero, or supported on one component's support only (left alone by the others)
    cols = [v, np.zeros_like(v)] + [np.where(np.isin(np.arange(len(v)), sup), v, 0.0) for sup in lamb.supports]
    mat = np.stack(cols, axis=1)
    got = lamb.project_out(mat)
    np.testing.assert_allclose(got, mat - q @ (q.T @ mat), rtol=0, atol=1e-13)
    assert not got[:, 1].any()
    np.testing.assert_allclose(lamb.project_out(mat[:, :1])[:, 0], lamb.project_out(v), rtol=0, atol=1e-14)
    np.testing.assert_allclose(lamb.combine(c), rows.T @ c, rtol=0, atol=1e-14)
    support = np.zeros(rows.shape[1], dtype=int)
    for sup in lamb.supports:
        support[sup] += 1
    assert support.max() <= 1


@pytest.mark.parametrize("kw", [dict(n_left=2, n_middle=2, n_right=2), dict(n_left=2, n_middle=0, n_right=2),
                                dict(n_left=1, n_middle=0, n_right=1), dict(n_left=1, n_middle=2, n_right=1)],
                         ids=["2+2+2", "2+0+2", "1+0+1", "1+2+1"])
def test_lamb_selection_is_that_of_the_pivoted_qr(kw):
    """The kept Lamb-shift directions are those a pivoted QR of the normalised directions keeps (R diagonal above
    LAMB_RANK_RTOL): all of them where they are independent, one fewer where the blocks cover the chain
    (Q_L + Q_R = Q commutes with ρ0)."""
    setup = ChainSetup(**kw, g=0.05, beta_left=1.0, beta_right=5.0)
    red, ansatz = problem.resolve(setup, None)
    p = populations(red)
    n = sum(len(b) for b in ansatz.hamiltonian_basis)
    selection, lamb = lamb_shift.lamb_shift_selection(ansatz, p)
    rows = _dense_rows(ansatz, p, np.arange(n))  # every element here is resolved (none commutes with ρ0)
    r, piv = qr(rows.T, mode="r", pivoting=True)
    diag = np.abs(np.diag(r))
    want = np.zeros(n, dtype=bool)
    want[piv[: int(np.sum(diag > lamb_shift.LAMB_RANK_RTOL * diag[0]))]] = True
    assert np.array_equal(np.concatenate(selection), want)
    assert np.array_equal(lamb.index, np.flatnonzero(want))
    assert want.sum() == n - (kw["n_middle"] == 0)


def test_exact_residuals_against_rational_arithmetic(case):
    """Re<N̂_i, Z> with N̂_i = i D∘B_i / s_i, from the error-free evaluation that skips the entries where Z is zero
    (all of them for the directions that change the charge, when Z is sector-block-diagonal), lies within its
    bound of the exact rational value."""
    _, ansatz, p, sectors, coh, lamb = case
    d = len(p)
    tmat = np.zeros((d, d), dtype=complex)
    data = popcoh.coh_data(ansatz, p, tmat, (1.0,) * len(coh), "spectral", False, (0.0, 0.0), lamb,
                                  [blk.op_blocks for blk in coh])
    rng = np.random.default_rng(11)
    z = np.zeros((d, d), dtype=complex)
    for sec in sectors:
        z[np.ix_(sec, sec)] = _random_hermitian(len(sec), rng)
    dense = _random_hermitian(d, rng)
    pf = [Fraction(float(x)) for x in p]
    for parts in ([z], [z, 1e-17 * dense], [dense]):
        values, bounds = popcoh.exact_residuals(data, parts)
        for i, b in enumerate(data.dir_basis):
            exact = Fraction(0)
            for j, k in zip(*np.nonzero(b)):  # Re(conj(i D B) Z) = D (Re B Im Z − Im B Re Z), part by part
                exact += sum((pf[j] - pf[k]) * (Fraction(float(b[j, k].real)) * Fraction(float(part[j, k].imag))
                                                - Fraction(float(b[j, k].imag)) * Fraction(float(part[j, k].real)))
                             for part in parts)
            exact /= Fraction(float(data.dir_scale[i]))
            assert abs(Fraction(float(values[i])) - exact) <= Fraction(float(bounds[i]))
            if all(np.all(part[b != 0] == 0) for part in parts):
                assert values[i] == 0.0 and bounds[i] == 0.0


def test_psd_projection_block_by_block_equals_the_whole_projection():
    """Eigenvalue clipping of a Hermitian matrix that is block diagonal up to a permutation, done block by block,
    equals clipping the whole matrix, and keeps the zeros between blocks exact."""
    rng = np.random.default_rng(2)
    m = 9
    groups = [np.array([0, 4, 7]), np.array([1, 2]), np.array([3, 5, 6, 8])]
    g = np.zeros((m, m), dtype=complex)
    for idx in groups:
        g[np.ix_(idx, idx)] = _random_hermitian(len(idx), rng)
    w, v = np.linalg.eigh(g)
    whole = (v * np.clip(w, 0.0, None)) @ v.conj().T
    got = feasible.psd_project(g, 2.0)
    np.testing.assert_allclose(got, whole * (2.0 / np.trace(whole).real), rtol=0, atol=1e-13)
    between = np.ones((m, m), dtype=bool)
    for idx in groups:
        between[np.ix_(idx, idx)] = False
    assert np.all(got[between] == 0)


def test_enclosure_of_a_block_diagonal_matrix_contains_the_exact_spectrum():
    """λ_min ≥ bound, ‖·‖₂ ≤ bound, ‖·‖_* ≤ bound for a matrix block diagonal up to a permutation
    (enclosed block by block) and for a perturbation of it within err_f, against 200-bit eigenvalues; the
    bounds are as tight as those of the whole matrix."""
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(4)
    n = 10
    groups = [np.array([0, 3, 9]), np.array([1]), np.array([2, 4, 5, 6, 7, 8])]
    a = np.zeros((n, n), dtype=complex)
    for idx in groups:
        a[np.ix_(idx, idx)] = _random_hermitian(len(idx), rng)
    a = arithmetic.hermitian_part(a)
    pert = arithmetic.hermitian_part(1e-9 * (rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))))
    err = float(np.linalg.norm(pert)) * 1.01
    mpmath.mp.prec = 200
    for m, e in ((a, 0.0), (a + pert, err)):
        lam, spec, nuc = arithmetic.hermitian_enclosure(a, e)
        ev = [float(x) for x in mpmath.eigh(mpmath.matrix(m.tolist()), eigvals_only=True)]
        assert lam <= min(ev) and max(abs(x) for x in ev) <= spec and sum(abs(x) for x in ev) <= nuc
        assert min(ev) - lam < 1e-7 and spec - max(abs(x) for x in ev) < 1e-7 and nuc - sum(map(abs, ev)) < 1e-7
