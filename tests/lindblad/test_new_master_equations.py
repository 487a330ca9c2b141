"""The master equations that claim to beat the limitation: the memory-dressed ULE (Nathan & Rudner,
arXiv:2206.02917), the nearest-PSD Redfield equation (D'Abbruzzo, Cavina, Giovannetti, arXiv:2211.04400) and the
geometric-arithmetic master equation (Davidović, Quantum 4, 326 (2020)).

Expected values come from outside the modules under test: the Redfield super-operator of ``redfield_equation``
(its canonical GKLS decomposition recomputed here from the d²×d² matrix, the Choi reshuffle and an orthonormal
operator basis), the Gibbs state, the golden-rule rates J(n+1), J n of Eq. (42) from ``baths``, cvxpy's nearest
PSD matrix, the finite-ε Redfield steady state and the certified SDP bounds.
"""

import numpy as np
import pytest

from lindblad_core.lindblad import comparison as cmp, master_equations as me
from lindblad_core.lindblad.ansatz import Ansatz, Block, local_operator_basis
from lindblad_core.lindblad.game import geometric_arithmetic
from lindblad_core.lindblad.generators import LindbladForm
from lindblad_core.lindblad.memory_dressed import memory_dressed
from lindblad_core.lindblad.psd_redfield import canonical_form, psd_redfield
from lindblad_core.redfield_equation import (l2_superoperator, populations, redfield, second_order_coherences,
                                             steady_state)
from lindblad_core.sdp import population_coefficients, tau_pop, tau_pop_coh
from lindblad_core.systems.baths import occupation, spectral_density
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.open_system import Coupling, OpenSystem
from lindblad_core.systems.operators import SIGMA_X, SIGMA_Z

NONEQ = dict(n_left=1, n_middle=2, n_right=1, g=0.05, beta_left=1.0, beta_right=0.5)  # Fig. 2 setting
# Two uncoupled qubits with different fields (1 and 1.5): each σ− has one Bohr frequency, Redfield is Davies.
SINGLE_FREQUENCY = dict(n_left=1, n_middle=0, n_right=1, g=0.0, bias=0.5, beta_left=1.0, beta_right=0.3)
NEW = ("memory_dressed", "psd_redfield", "game")


@pytest.fixture(scope="module")
def noneq():
    return ChainSetup(**NONEQ)


def _random_state(d, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    rho = a @ a.conj().T
    return rho / np.trace(rho)


# -- an independent canonical decomposition, from the d²×d² super-operator ---------------------------------

def _operator_basis(d):
    """Orthonormal basis of d×d matrices (d ≥ 3), identity first: I/√d, |a><b| (a ≠ b), Gell-Mann diagonals
    (:func:`~lindblad_core.lindblad.ansatz.local_operator_basis`, which the modules under test do not use)."""
    ops, _ = local_operator_basis(d)
    return np.roll(np.asarray(ops, dtype=complex), 1, axis=0)


def _reshuffle(x, d):
    """Super-operator (row-major vec) ↔ coefficients c of Σ c_{(ac),(be)} |a><c| ρ |e><b| (an involution)."""
    return x.reshape(d, d, d, d).transpose(0, 2, 1, 3).reshape(d * d, d * d)


def _canonical_from_superoperator(sup, d):
    """(K on the traceless basis, H, the basis): L(ρ) = −i[H, ρ] + Σ K_ij (G_iρG_j† − ½{G_j†G_i, ρ})."""
    basis = _operator_basis(d)
    u = basis.reshape(d * d, d * d).T  # columns: vec(G_i)
    c = u.conj().T @ _reshuffle(sup, d) @ u
    f = np.tensordot(c[1:, 0], basis[1:], axes=1) / np.sqrt(d)
    return c[1:, 1:], 0.5j * (f - f.conj().T), basis[1:]


def _superoperator_from_canonical(k, h, basis):
    d = h.shape[0]
    v = basis.reshape(len(basis), d * d).T
    gains = _reshuffle(v @ k @ v.conj().T, d)
    decay = np.einsum("ij,jka,ikc->ac", k, basis.conj(), basis)
    eye = np.eye(d)
    return (gains - 1j * (np.kron(h, eye) - np.kron(eye, h.T))
            - 0.5 * (np.kron(decay, eye) + np.kron(eye, decay.T)))


# -- the canonical form and the nearest-PSD Redfield equation ---------------------------------------------------

@pytest.mark.parametrize("kind", ["chain", "hermitian"])
def test_canonical_form_is_redfield(kind):
    """Jumps, eigenvalues (negative ones included) and Hamiltonian of canonical_form give back L2 exactly, for the
    paper's exchange couplings and for a Hermitian σx coupling (A_ℓ = 0)."""
    if kind == "chain":
        system = ChainSetup(**NONEQ).open_system()
    else:
        h = 0.5 * np.kron(SIGMA_Z, np.eye(2)) + 0.8 * np.kron(np.eye(2), SIGMA_Z) + 0.2 * np.kron(SIGMA_X, SIGMA_X)
        bath = ChainSetup(**NONEQ).baths[0]
        system = OpenSystem(h, [Coupling(SIGMA_X, (0,), bath, form="hermitian")])
    red = redfield(system)
    form = canonical_form(red)
    gen = LindbladForm("canonical", red.system, form.jumps, form.eigenvalues, form.hamiltonian)
    ref = l2_superoperator(red)
    np.testing.assert_allclose(gen.superoperator(), ref, atol=1e-13 * np.abs(ref).max())
    assert form.eigenvalues.min() < -1e-3 * form.eigenvalues.max()  # Redfield is not CP here
    # the same H and K as the decomposition of the super-operator itself
    k_full, h_full, basis = _canonical_from_superoperator(ref, red.dim)
    np.testing.assert_allclose(np.linalg.eigvalsh(k_full)[np.abs(np.linalg.eigvalsh(k_full)) > 1e-10],
                               np.sort(form.eigenvalues[np.abs(form.eigenvalues) > 1e-10]), rtol=1e-10)
    h_diff = form.hamiltonian - h_full
    np.testing.assert_allclose(h_diff - np.trace(h_diff) / red.dim * np.eye(red.dim), 0.0, atol=1e-12)


def test_psd_redfield_equals_redfield_when_already_psd():
    """One Bohr frequency per coupling (uncoupled qubits, fields 1 and 1.5): B_ℓ ∝ S_ℓ, Redfield's Kossakowski
    matrix is PSD, and the clipping changes nothing."""
    red = redfield(ChainSetup(**SINGLE_FREQUENCY))
    ref = l2_superoperator(red)
    k_full, _, _ = _canonical_from_superoperator(ref, red.dim)
    w = np.linalg.eigvalsh(k_full)
    assert w.min() > -1e-12 * w.max()
    np.testing.assert_allclose(psd_redfield(red).superoperator(), ref, atol=1e-13 * np.abs(ref).max())


@pytest.mark.parametrize("g", [0.05, 0.3])
def test_psd_redfield_is_the_eigen_clip_of_the_full_kossakowski_matrix(g):
    """K of L2 on the full (d² − 1)-dimensional traceless basis, negative eigenvalues set to 0 (Higham 1988),
    with Redfield's Hamiltonian: the super-operator of psd_redfield. The distance ‖K − K₊‖_F is that of the
    clipped eigenvalues."""
    red = redfield(ChainSetup(**dict(NONEQ, g=g)))
    k_full, h_full, basis = _canonical_from_superoperator(l2_superoperator(red), red.dim)
    w, v = np.linalg.eigh(k_full)
    k_plus = (v * np.clip(w, 0.0, None)) @ v.conj().T
    expected = _superoperator_from_canonical(k_plus, h_full, basis)
    got = psd_redfield(red).superoperator()
    np.testing.assert_allclose(got, expected, atol=1e-12 * np.abs(expected).max())
    k_got, _, _ = _canonical_from_superoperator(got, red.dim)
    assert np.linalg.norm(k_full - k_got) == pytest.approx(np.sqrt(np.sum(w[w < 0] ** 2)), rel=1e-9)


def test_psd_redfield_is_the_nearest_psd_matrix_cvxpy():
    """cvxpy's argmin ‖K − P‖_F over P ⪰ 0 is the Kossakowski matrix of psd_redfield (d = 4). SCS at a tight
    tolerance: K has rank 6 of 15, the optimum sits on a large face of the PSD cone, where the interior-point
    solvers stop at ~1e-5 ("optimal_inaccurate")."""
    cp = pytest.importorskip("cvxpy")
    red = redfield(ChainSetup(n_left=1, n_middle=0, n_right=1, g=0.3, beta_left=1.0, beta_right=0.3))
    k_full, _, _ = _canonical_from_superoperator(l2_superoperator(red), red.dim)
    p = cp.Variable(k_full.shape, hermitian=True)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(cp.real(k_full - p)) + cp.sum_squares(cp.imag(k_full - p))),
                         [p >> 0])
    problem.solve(solver=cp.SCS, eps=1e-10, max_iters=100_000)
    k_got, _, _ = _canonical_from_superoperator(psd_redfield(red).superoperator(), red.dim)
    np.testing.assert_allclose(k_got, p.value, atol=1e-8 * np.abs(k_full).max())
    assert np.linalg.norm(k_full - k_got) ** 2 == pytest.approx(problem.value, rel=1e-8)
    assert np.linalg.eigvalsh(k_full).min() < -0.5  # the clip did something


# -- GAME ---------------------------------------------------------------------------------------------------

def test_game_jumps_are_golden_rule_amplitudes(noneq):
    """|<E_α|L|E_γ>|² = J(ω)(n(ω)+1)|<E_α|σ−|E_γ>|² (emission) and J n |.|² (absorption, transposed), from
    Eq. (42) directly; the same jumps as the ULE's."""
    gen = geometric_arithmetic(noneq)
    red = redfield(noneq)
    e = red.energies
    omega = e[None, :] - e[:, None]
    pos = np.where(omega > 0, omega, 1.0)
    ule = me.universal_lindblad(noneq)
    for ell, bath in enumerate(noneq.baths):
        j, n = spectral_density(pos, bath), occupation(pos, bath)
        s2 = np.abs(red.coupling[ell]) ** 2
        np.testing.assert_allclose(np.abs(gen.jumps[2 * ell]) ** 2, np.where(omega > 0, j * (n + 1), 0) * s2,
                                   atol=1e-13)
        np.testing.assert_allclose(np.abs(gen.jumps[2 * ell + 1]) ** 2, (np.where(omega > 0, j * n, 0) * s2).T,
                                   atol=1e-13)
        for c in (2 * ell, 2 * ell + 1):
            np.testing.assert_allclose(gen.jumps[c], ule.jumps[c], atol=1e-13)


def test_game_is_secular_for_a_single_bohr_frequency():
    """One Bohr frequency per coupling: geometric and arithmetic means coincide; GAME = Davies (with its Lamb
    shift) = Redfield."""
    setup = ChainSetup(**SINGLE_FREQUENCY)
    ref = l2_superoperator(redfield(setup))
    for gen in (geometric_arithmetic(setup), me.secular_lindblad(setup)):
        np.testing.assert_allclose(gen.superoperator(), ref, atol=1e-13 * np.abs(ref).max())


def test_game_hamiltonian_is_the_arithmetic_mean_of_the_principal_values():
    """H_R element by element from the Bohr components (game module docstring): Σ_k over pairs of elements
    (k, a), (k, b) of S_ℓ of [(Im D(ω_kb) + Im D(ω_ka))/2 − i(γ(ω_kb) − γ(ω_ka))/4] S*_ka S_kb, and the
    absorption analogue over pairs (a, k), (b, k) with −Im C and +i(γ_abs − γ_abs')/4; D, C from baths.coefficients."""
    from lindblad_core.systems.baths import coefficients

    setup = ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.3, beta_left=1.0, beta_right=0.3)
    red = redfield(setup)
    e = red.energies
    h = np.zeros((red.dim, red.dim), dtype=complex)
    for s, bath in zip(red.coupling, setup.baths):
        for k in range(red.dim):
            row = np.flatnonzero(np.abs(s[k]) > 1e-12)  # elements (k, ·): frequencies E_· − E_k
            c, d = coefficients(e[row] - e[k], bath)
            coef = (d.imag[None, :] + d.imag[:, None]) / 2 - 0.5j * (d.real[None, :] - d.real[:, None])
            h[np.ix_(row, row)] += coef * np.outer(s[k, row].conj(), s[k, row])
            col = np.flatnonzero(np.abs(s[:, k]) > 1e-12)  # elements (·, k): frequencies E_k − E_·
            c, d = coefficients(e[k] - e[col], bath)
            coef = -(c.imag[:, None] + c.imag[None, :]) / 2 + 0.5j * (c.real[:, None] - c.real[None, :])
            h[np.ix_(col, col)] += coef * np.outer(s[col, k], s[col, k].conj())
    diff = geometric_arithmetic(setup).hamiltonian - h
    np.testing.assert_allclose(diff - np.trace(diff) / red.dim * np.eye(red.dim), 0.0, atol=1e-12 * np.abs(h).max())


@pytest.mark.parametrize("g", [0.05, 0.3])
def test_game_secular_part_and_populations_are_redfields(g):
    """Between elements with E_a − E_b = E_c − E_d the GAME's rates reduce to the secular ones: its secular
    projection is Redfield's; so is its population block (τ^pop = 0)."""
    setup = ChainSetup(**dict(NONEQ, g=g))
    red = redfield(setup)
    w = (red.energies[:, None] - red.energies[None, :]).ravel()
    mask = np.abs(w[:, None] - w[None, :]) < 1e-8
    ref = l2_superoperator(red)
    gen = geometric_arithmetic(setup)
    np.testing.assert_allclose(gen.superoperator() * mask, ref * mask, atol=1e-12 * np.abs(ref).max())
    assert np.abs((gen.superoperator() - ref) * ~mask).max() > 1e-3 * np.abs(ref).max()  # not Redfield
    assert cmp.evaluate(gen, setup)["tau_pop"] < 1e-13


# -- memory-dressed ULE ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [NONEQ, dict(NONEQ, g=0.3, beta_right=10.0), dict(NONEQ, n_middle=1)])
def test_memory_dressed_generator_is_redfield(kwargs):
    """L_ULE + [𝒵, L0] = L2: the ULE differs from Redfield only off the secular elements."""
    setup = ChainSetup(**kwargs)
    gen = me.master_equation(setup, "memory_dressed")
    ref = l2_superoperator(redfield(setup))
    np.testing.assert_allclose(gen.superoperator(), ref, atol=1e-10 * np.abs(ref).max())
    assert gen.secular_residual() < 1e-9
    assert cmp.is_completely_positive(gen.ule) and not cmp.is_completely_positive(gen)
    no_ls = memory_dressed(me.universal_lindblad(setup, lamb_shift=False))
    assert no_ls.secular_residual() > 1e-3  # the secular Lamb shift cannot be dressed in


def test_undressed_ule_steady_state_has_redfields_coherences(noneq):
    """ρ̃ the steady state of L0 + ε² L_ULE, ρ = (1 + ε²𝒵)ρ̃: its coherences / ε² tend to Eq. (15)'s ρ2 (the
    error shrinks ∝ ε²), those of ρ̃ itself do not; zeroth order: ρ0 + ε²(ρ̃2 + 𝒵ρ0) has Redfield's ρ2."""
    gen = me.master_equation(noneq, "memory_dressed")
    red = redfield(noneq)
    d = red.dim
    e = red.energies
    rho2 = second_order_coherences(red)
    off = ~np.eye(d, dtype=bool)
    errors, ule_errors = [], []
    for eps in (0.04, 0.02, 0.01):
        sup = eps**2 * gen.ule.superoperator()
        sup[np.diag_indices(d * d)] += (-1j * (e[:, None] - e[None, :])).ravel()
        sup[0, :] = np.eye(d).ravel()
        rhs = np.zeros(d * d, dtype=complex)
        rhs[0] = 1.0
        rho_tilde = np.linalg.solve(sup, rhs).reshape(d, d)
        rho = gen.undress(rho_tilde, eps)
        ref = steady_state(red, eps, basis="energy")
        errors.append(np.abs((rho - ref)[off]).max() / eps**2)
        ule_errors.append(np.abs((rho_tilde - ref)[off]).max() / eps**2)
    scale = np.abs(rho2).max()
    np.testing.assert_allclose(np.array(errors[:-1]) / np.array(errors[1:]), 4.0, rtol=0.1)
    assert errors[-1] < 1e-3 * scale
    assert min(ule_errors) > 0.01 * scale and max(ule_errors) < 1.1 * min(ule_errors)  # the ULE misses ρ2
    # leading order directly: ρ̃2 = −i L_ULE(ρ0)/(E_α − E_ν) off the diagonal, plus 𝒵ρ0
    rho0 = np.diag(populations(red)).astype(complex)
    gaps = e[:, None] - e[None, :] + np.eye(d)
    dressed = -1j * gen.ule.apply(rho0) / gaps + (gen.dressing @ rho0.ravel()).reshape(d, d)
    np.testing.assert_allclose(dressed[off], rho2[off], atol=1e-10 * scale)


def test_dressing_stays_bounded_as_bohr_frequencies_merge():
    """𝒵 is quasilocal: (L2 − L_ULE)/(iΔω) has a finite limit as the Bohr frequencies of each σ− merge (g → 0)."""
    sizes = [np.abs(me.master_equation(ChainSetup(**dict(NONEQ, g=g)), "memory_dressed").dressing).max()
             for g in (1e-2, 1e-3)]
    assert sizes[1] == pytest.approx(sizes[0], rel=0.05) and sizes[0] < 10.0


def test_memory_dressed_needs_a_lindblad_form(noneq):
    with pytest.raises(ValueError, match="ule"):
        memory_dressed(me.redfield_generator(noneq))


# -- all three: limits, complete positivity, the table ------------------------------------------------------------

@pytest.mark.parametrize("beta", [0.5, 3.0])
def test_single_qubit_gibbs(beta):
    """A single qubit on one bath: every equation's zeroth-order populations are e^{−βE}/Z."""
    setup = ChainSetup(n_left=1, n_middle=0, n_right=0, beta_left=beta)
    e = setup.open_system().energies
    gibbs = np.exp(-beta * (e - e.min()))
    gibbs /= gibbs.sum()
    for eq in me.EQUATIONS:
        np.testing.assert_allclose(cmp.zeroth_order_populations(me.master_equation(setup, eq)), gibbs,
                                   atol=1e-13, err_msg=eq)


@pytest.mark.parametrize("sizes", [(1, 2, 1), (2, 0, 1)])
def test_game_and_memory_dressed_thermalise(sizes):
    """β_L = β_R: the populations of GAME and of the memory-dressed ULE are the Gibbs state (Redfield's)."""
    beta = 0.7
    setup = ChainSetup(n_left=sizes[0], n_middle=sizes[1], n_right=sizes[2], g=0.1, beta_left=beta)
    e = setup.open_system().energies
    gibbs = np.exp(-beta * (e - e.min()))
    gibbs /= gibbs.sum()
    for eq in ("game", "memory_dressed"):
        np.testing.assert_allclose(cmp.zeroth_order_populations(me.master_equation(setup, eq)), gibbs,
                                   atol=1e-12, err_msg=eq)


@pytest.mark.parametrize("equation, cp", [("psd_redfield", True), ("game", True), ("memory_dressed", False)])
def test_complete_positivity_from_the_superoperator(noneq, equation, cp):
    """The Kossakowski matrix recomputed from each super-operator: PSD (to 1e-12 of its scale) for the nearest-PSD
    Redfield and GAME, whose constructions guarantee it; not for the memory-dressed generator of the physical
    state (Redfield's), whose ULE is."""
    gen = me.master_equation(noneq, equation)
    k_full, _, _ = _canonical_from_superoperator(gen.superoperator(), noneq.dim)
    w = np.linalg.eigvalsh(k_full)
    assert (w.min() >= -1e-12 * w.max()) == cp
    assert cmp.is_completely_positive(gen) == cp


@pytest.mark.parametrize("equation", NEW)
def test_apply_adjoint_superoperator_agree(noneq, equation):
    gen = me.master_equation(noneq, equation)
    system = noneq.open_system()
    x = system.to_energy_basis(_random_state(noneq.dim, 4))
    o = system.to_energy_basis(_random_state(noneq.dim, 6))
    np.testing.assert_allclose(gen.superoperator() @ x.ravel(), gen.apply(x).ravel(), atol=1e-12)
    assert np.trace(o @ gen.apply(x)) == pytest.approx(np.trace(gen.adjoint(o) @ x), abs=1e-12)
    assert abs(np.trace(gen.apply(x))) < 1e-12


def _ansatz_gamma(gen, ansatz):
    """Γ = Σ_j r_j c_j c_j† with c_j the coordinates of L_j on the ansatz operators (one block)."""
    f = ansatz.operators[0]
    coords = np.einsum("aij,kij->ka", f.conj(), gen.jumps)
    return np.einsum("k,ka,kb->ab", gen.rates, coords, coords.conj())


@pytest.mark.parametrize("beta_right", [1.0, 0.3])
def test_inside_the_ansatz_not_below_the_certified_bound(beta_right):
    """Two qubits, both on baths, one block of Eq. (23) holding both: every Lindblad equation lies inside the
    ansatz (its Γ reproduces its populations flux), so its τ^pop / Tr Γ is ≥ the certified lower bound of
    Eq. (29) and its τ^pop,coh ≥ that of the free-trace Eq. (33). (The optimum is 0 here: with one block that
    covers the whole chain the ansatz contains the Davies equation.)"""
    setup = ChainSetup(n_left=1, n_middle=0, n_right=1, g=0.3, beta_left=1.0, beta_right=beta_right)
    red = redfield(setup)
    p = populations(red)
    rho0 = np.diag(p).astype(complex)
    ansatz = Ansatz(red.system, (Block((0, 1)),))
    bound_pop = tau_pop(setup, blocks=[(0, 1)]).lower
    bound_coh = tau_pop_coh(setup, blocks=[(0, 1)], free_trace=True).lower
    for eq in ("psd_redfield", "game"):
        gen = me.master_equation(setup, eq)
        gamma = _ansatz_gamma(gen, ansatz)
        flux = np.real(np.einsum("kab,ba->k", population_coefficients(ansatz, p)[0], gamma))
        tau = cmp.tau_pop_of(gen.apply(rho0))
        assert np.sum(np.abs(flux)) == pytest.approx(tau, abs=1e-12)
        assert tau / np.real(np.trace(gamma)) >= bound_pop
        assert cmp.evaluate(gen, setup)["tau_pop_coh"] >= bound_coh


def test_table_rows_of_the_new_equations(noneq):
    """On the Fig. 2 setting: GAME gets the populations (τ^pop = 0) and breaks Eq. (22); the nearest-PSD Redfield
    breaks both; the memory-dressed ULE gets populations and coherences and keeps Eq. (22), and is not CP."""
    rows = {r["equation"]: r for r in cmp.master_equation_records(noneq, equations=NEW)}
    scale = np.abs(me.redfield_generator(noneq).rate_matrix()).max()
    md, psd, game = rows["memory_dressed"], rows["psd_redfield"], rows["game"]
    assert md["tau_pop"] < 1e-13 * scale and md["tau_pop_coh"] < 1e-10 * scale
    assert md["continuity_violation"] < 1e-10 * scale and not md["completely_positive"]
    assert game["tau_pop"] < 1e-13 * scale and game["trace_distance"] < 1e-12
    assert game["continuity_violation"] > 1e-3 * scale and game["completely_positive"]
    assert psd["tau_pop"] > 1e-6 * scale and psd["continuity_violation"] > 1e-6 * scale
    assert psd["completely_positive"]


@pytest.mark.parametrize("module", ["psd_redfield", "game", "memory_dressed"])
def test_examples_run(module):
    """The numpydoc Examples of the three modules run (doctest)."""
    import doctest
    import importlib

    mod = importlib.import_module(f"lindblad_core.lindblad.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_ule_is_computed_once_for_the_ule_and_the_memory_dressed_ule():
    setup = ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.05, beta_left=1.0, beta_right=0.5)
    ule = me.master_equation(setup, "ule")
    assert me.master_equation(setup, "ule") is ule
    assert me.master_equation(setup, "memory_dressed").ule is ule
    assert not ule.jumps.flags.writeable and not ule.hamiltonian.flags.writeable
    fresh = me.universal_lindblad(setup)  # the same numbers as a computation of its own
    np.testing.assert_array_equal(fresh.jumps, ule.jumps)
    np.testing.assert_array_equal(fresh.hamiltonian, ule.hamiltonian)
    assert me.master_equation(setup, "ule", lamb_shift=False) is not ule
