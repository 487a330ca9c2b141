"""The standard master equations against physics, the Redfield equation, QuTiP and the SDP bounds.

Every expected value comes from outside the module under test: closed forms (Gibbs state, golden-rule rates),
the Redfield superoperator of ``redfield.py`` (its secular projection, its ε → 0 behaviour), QuTiP's
Bloch-Redfield tensor and steady-state solver, QUADPACK's Cauchy-weight principal values, and the certified
SDP bounds of ``sdp.py``.
"""

import numpy as np

from lindblad_core.redfield_equation import redfield
import pytest

from lindblad_core.lindblad import comparison as cmp, generators as gens, master_equations as me
from lindblad_core.systems.baths import coefficients, occupation, spectral_density
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.lindblad.ansatz import Ansatz, paper_blocks
from lindblad_core.lindblad.candidate import l2_prime
from lindblad_core.systems.operators import SIGMA_Z, site_operator
from lindblad_core.redfield_equation import l2_superoperator, populations, steady_state
from lindblad_core.lindblad.candidate import check_candidate
from lindblad_core.sdp import population_coefficients, tau_pop, tau_pop_coh

NONEQ = dict(n_left=1, n_middle=2, n_right=1, g=0.05, beta_left=1.0, beta_right=0.5)  # Fig. 2 setting
LINDBLAD_EQUATIONS = ("local", "secular", "ule", "partial_secular")


@pytest.fixture(scope="module")
def noneq():
    return ChainSetup(**NONEQ)


def _superop_secular_mask(energies, tol=1e-8):
    """Superoperator entries ρ_cd → ρ_ab with E_a − E_b = E_c − E_d (row-major vec)."""
    w = (energies[:, None] - energies[None, :]).ravel()
    return np.abs(w[:, None] - w[None, :]) < tol


def _random_state(d, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    rho = a @ a.conj().T
    return rho / np.trace(rho)


# -- the physics checks ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [NONEQ, dict(n_left=2, n_middle=1, n_right=1, g=0.1, beta_left=2.0, beta_right=0.4)])
def test_secular_populations_exact_but_continuity_broken(kwargs):
    """Global LE: populations right (τ^pop = 0, ρ0' = ρ0), local conservation law (Eq. (22)) violated."""
    setup = ChainSetup(**kwargs)
    gen = me.secular_lindblad(setup)
    res = cmp.evaluate(gen, setup)
    scale = np.abs(gens.redfield_generator(setup).rate_matrix()).max()
    assert res["tau_pop"] <= 1e-13 * scale
    assert res["trace_distance"] <= 1e-12
    assert res["continuity_violation"] > 1e-2 * scale
    # state by state: a middle-site magnetisation changes under the dissipator alone
    rho = setup.open_system().to_energy_basis(_random_state(setup.dim, 5))
    z_mid = setup.open_system().to_energy_basis(site_operator(SIGMA_Z, setup.n_left, setup.n_sites))
    assert abs(np.trace(z_mid @ gen.apply(rho))) > 1e-3 * scale
    assert abs(np.trace(z_mid @ gens.redfield_generator(setup).apply(rho))) < 1e-12 * scale


def test_local_equation_keeps_continuity(noneq):
    local = me.local_lindblad(noneq)
    assert cmp.continuity_violation(local) < 1e-12
    # the candidate check of sdp.py agrees (random state, single-site observables)
    assert check_candidate(local, redfield(noneq)).continuity_violation < 1e-12
    assert cmp.evaluate(local, noneq)["tau_pop"] > 1e-3  # … and gets the populations wrong


def test_redfield_keeps_continuity_but_is_not_completely_positive(noneq):
    gen = gens.redfield_generator(noneq)
    res = cmp.evaluate(gen, noneq)
    assert res["continuity_violation"] < 1e-12
    assert res["tau_pop"] < 1e-13 and res["tau_pop_coh"] == 0.0 and res["trace_distance"] < 1e-12
    assert not res["completely_positive"]
    assert cmp.kossakowski_min_eigenvalue(gen) < -1e-3


@pytest.mark.parametrize("kwargs", [NONEQ, dict(NONEQ, g=0.3, beta_right=10.0)])
def test_local_equation_above_certified_optimum(kwargs):
    """The local LE lies inside the ansatz of Eq. (23): its τ^pop (each block rescaled to Tr Γ = 1; τ^pop is
    homogeneous in Γ) is ≥ the certified lower bound of Eq. (29), and its τ^pop,coh at the physical rates
    is ≥ the certified lower bound of the free-trace Eq. (33)."""
    setup = ChainSetup(**kwargs)
    red = redfield(setup)
    ref_rho0 = np.diag(populations(red)).astype(complex)
    target = gens.RedfieldGenerator(red).apply(ref_rho0)

    unit = me.local_lindblad(setup, trace=1.0)
    np.testing.assert_allclose(unit.traces, 1.0)
    tau_unit = cmp.tau_pop_of(l2_prime(unit, ref_rho0))
    # the same objective through the SDP's own coefficients
    coeffs = population_coefficients(unit.ansatz, populations(red))
    via_sdp = sum(np.real(np.einsum("kab,ba->k", g, gam)) for g, gam in zip(coeffs, unit.gammas))
    assert tau_unit == pytest.approx(np.sum(np.abs(via_sdp)), rel=1e-10)
    bound = tau_pop(setup)
    assert bound.lower > 0 and tau_unit >= bound.lower

    physical = me.local_lindblad(setup)
    free = tau_pop_coh(setup, free_trace=True)
    assert cmp.evaluate(physical, setup)["tau_pop_coh"] >= free.lower
    fixed = tau_pop_coh(setup)
    assert cmp.tau_pop_coh_of(l2_prime(unit, ref_rho0), target) >= fixed.lower


@pytest.mark.parametrize("sizes", [(1, 2, 1), (2, 0, 1), (1, 1, 1)])
@pytest.mark.parametrize("beta", [0.5, 2.0])
def test_secular_and_universal_thermalise(sizes, beta):
    """β_L = β_R = β: the zeroth-order NESS of the secular and universal LEs is e^{−βH}/Z (Sec. II.D.3)."""
    setup = ChainSetup(n_left=sizes[0], n_middle=sizes[1], n_right=sizes[2], g=0.1, beta_left=beta,
                       beta_right=beta)
    e = setup.open_system().energies
    gibbs = np.exp(-beta * (e - e.min()))
    gibbs /= gibbs.sum()
    for gen in (me.secular_lindblad(setup), me.universal_lindblad(setup)):
        np.testing.assert_allclose(cmp.zeroth_order_populations(gen), gibbs, atol=1e-12)


def test_universal_is_completely_positive_and_golden_rule(noneq):
    """ULE jumps: |<E_α|L|E_γ>|² = J(ω)(n(ω)+1)|<E_α|σ−|E_γ>|² (Eq. (36)'s J already holds the 2π), CP."""
    gen = me.universal_lindblad(noneq)
    assert cmp.is_completely_positive(gen) and np.all(gen.rates >= 0)
    e = noneq.open_system().energies
    omega = e[None, :] - e[:, None]
    pos = np.where(omega > 0, omega, 1.0)
    for ell, bath in enumerate(noneq.baths):
        s = redfield(noneq).coupling[ell]
        j, n = spectral_density(pos, bath), occupation(pos, bath)
        emit = np.where(omega > 0, j * (n + 1), 0.0) * np.abs(s) ** 2
        absorb = np.where(omega > 0, j * n, 0.0) * np.abs(s) ** 2
        np.testing.assert_allclose(np.abs(gen.jumps[2 * ell]) ** 2, emit, atol=1e-13)
        np.testing.assert_allclose(np.abs(gen.jumps[2 * ell + 1]) ** 2, absorb.T, atol=1e-13)


def test_universal_populations_close_to_redfield_at_weak_coupling(noneq):
    """Zeroth order: the ULE's NESS is ρ0. At finite ε the steady states of L0 + ε²L2' and of the Redfield
    equation (redfield.steady_state) differ by O(ε²) in their populations."""
    gen = me.universal_lindblad(noneq)
    np.testing.assert_allclose(cmp.zeroth_order_populations(gen), populations(redfield(noneq)), atol=1e-12)
    e = noneq.open_system().energies
    d = noneq.dim
    diffs = []
    for eps in (0.04, 0.02, 0.01):
        sup = eps**2 * gen.superoperator()
        sup[np.diag_indices(d * d)] += (-1j * (e[:, None] - e[None, :])).ravel()
        sup[0, :] = np.eye(d).ravel()
        rhs = np.zeros(d * d, dtype=complex)
        rhs[0] = 1.0
        p_ule = np.real(np.diag(np.linalg.solve(sup, rhs).reshape(d, d)))
        p_red = np.real(np.diag(steady_state(redfield(noneq), eps, basis="energy")))
        diffs.append(np.abs(p_ule - p_red).max())
    np.testing.assert_allclose(np.array(diffs[:-1]) / np.array(diffs[1:]), 4.0, rtol=0.05)
    assert diffs[-1] < 1e-5


# -- each equation against the Redfield generator it approximates ----------------------------------------------

@pytest.mark.parametrize("g", [0.05, 0.3])
def test_secular_is_the_secular_part_of_redfield(g):
    """Davies generator (with its Lamb shift) = the Redfield superoperator restricted to E_a−E_b = E_c−E_d."""
    setup = ChainSetup(**dict(NONEQ, g=g))
    red_sup = l2_superoperator(redfield(setup))
    mask = _superop_secular_mask(setup.open_system().energies)
    np.testing.assert_allclose(me.secular_lindblad(setup).superoperator(), red_sup * mask, atol=1e-12)
    no_ls = me.secular_lindblad(setup, lamb_shift=False).superoperator()
    assert np.abs(no_ls - red_sup * mask).max() > 0.1  # the Lamb shift is a real part of it


def test_universal_and_partial_secular_tend_to_redfield_as_bohr_frequencies_merge():
    """With the Lamb shift, ‖L_ULE − L2‖ and ‖L_unified(width=∞) − L2‖ vanish linearly with the spread of
    Bohr frequencies (∝ g); without the ULE's Lamb shift the difference stays O(‖L2‖)."""
    rel = {}
    for g in (1e-3, 1e-2):
        setup = ChainSetup(**dict(NONEQ, g=g))
        red_sup = l2_superoperator(redfield(setup))
        norm = np.linalg.norm(red_sup, 2)
        for name, gen in (("ule", me.universal_lindblad(setup)),
                          ("ule_nols", me.universal_lindblad(setup, lamb_shift=False)),
                          ("unified", me.partial_secular_lindblad(setup, width=np.inf))):
            rel[name, g] = np.linalg.norm(gen.superoperator() - red_sup, 2) / norm
    for name in ("ule", "unified"):
        assert rel[name, 1e-3] < 2e-3
        assert rel[name, 1e-2] / rel[name, 1e-3] == pytest.approx(10.0, rel=0.1)
    assert rel["ule_nols", 1e-3] > 0.1


def test_partial_secular_limits(noneq):
    """width → 0: the secular equation; width → ∞: one cluster per site, S_c = σ−^(ℓ): a local equation that
    satisfies Eq. (22); any width: CP."""
    zero = me.partial_secular_lindblad(noneq, width=0.0)
    np.testing.assert_allclose(zero.superoperator(), me.secular_lindblad(noneq).superoperator(), atol=1e-13)
    wide = me.partial_secular_lindblad(noneq, width=np.inf)
    assert cmp.continuity_violation(wide) < 1e-10
    sigma = redfield(noneq).coupling  # σ−^(ℓ), energy basis
    np.testing.assert_allclose(wide.jumps[0], sigma[0], atol=1e-14)
    np.testing.assert_allclose(wide.jumps[1], sigma[0].T, atol=1e-14)
    for gen in (zero, wide, me.partial_secular_lindblad(noneq)):
        assert cmp.is_completely_positive(gen)
    assert me.partial_secular_width(noneq) == pytest.approx(
        1e-4 * np.max(np.abs(np.diag(gens.redfield_generator(noneq).rate_matrix()))))


def test_two_frequency_lamb_shift_against_quadpack(noneq):
    """η(ω1, ω2) = −(1/2π) P∫_0^∞ a(y) a(y + |Δω|)/(y − min ω) dy (QUADPACK QAWC), symmetric, and on the
    diagonal the imaginary parts of the Redfield coefficients (Im D for J(n+1), Im C for J n)."""
    from scipy.integrate import quad

    bath = noneq.baths[1]
    a_em, a_abs = me.channel_amplitudes(bath)
    w1 = np.array([0.93, 1.0, 1.2, -0.3])
    w2 = np.array([1.07, 0.5, 1.2, 0.8])
    for amp in (a_em, a_abs):
        got = me.two_frequency_lamb_shift(amp, w1, w2, omega_c=bath.spectral_density.omega_c)
        np.testing.assert_allclose(me.two_frequency_lamb_shift(amp, w2, w1, omega_c=bath.spectral_density.omega_c), got, rtol=1e-14)
        for x1, x2, val in zip(w1, w2, got):
            lo, dlt = min(x1, x2), abs(x1 - x2)
            f = lambda y: amp(y) * amp(y + dlt)  # noqa: E731
            if lo > 0:
                ref = quad(f, 0, 80, weight="cauchy", wvar=lo, limit=500, epsabs=1e-13, epsrel=1e-12)[0]
            else:
                ref = quad(lambda y: f(y) / (y - lo), 0, 80, limit=500, epsabs=1e-13, epsrel=1e-12)[0]
            assert val == pytest.approx(-ref / (2 * np.pi), rel=1e-8, abs=1e-11)
    omega = np.array([0.6, 1.0, 1.9])
    c, d = coefficients(omega, bath)
    np.testing.assert_allclose(me.two_frequency_lamb_shift(a_em, omega, omega, omega_c=bath.spectral_density.omega_c), d.imag,
                               rtol=1e-9)
    np.testing.assert_allclose(me.two_frequency_lamb_shift(a_abs, omega, omega, omega_c=bath.spectral_density.omega_c), c.imag,
                               rtol=1e-9)


# -- independent solvers -----------------------------------------------------------------------------------

def _spectrum(bath):
    def spectrum(w):  # S(ω>0) = J(n+1) (emission), S(ω<0) = J(|ω|) n(|ω|) (absorption), as tests/README.md
        aw = abs(float(w))
        if aw == 0.0:
            return 0.0
        j, n = float(spectral_density(aw, bath)), float(occupation(aw, bath))
        return j * (n + 1.0) if w > 0 else j * n
    return spectrum


def test_secular_dissipator_matches_qutip_bloch_redfield(noneq):
    """QuTiP's secular Bloch-Redfield tensor (Hermitian couplings σx with the spectrum of tests/README.md,
    no Lamb shift) minus −i[H, ·] is the secular dissipator without Lamb shift (all σ− Bohr frequencies are
    positive at g = 0.05, so σx has no cross terms between σ− and σ+ at equal frequency)."""
    qt = pytest.importorskip("qutip")
    dims = [[2] * noneq.n_sites] * 2
    h = qt.Qobj(noneq.hamiltonian(), dims=dims)
    a_ops = [(qt.Qobj(s + s.T, dims=dims), _spectrum(b)) for s, b in zip(noneq.open_system().coupling_operators,
                                                                            noneq.baths)]
    gap = np.min(np.diff(noneq.open_system().energies))
    r = qt.bloch_redfield_tensor(h, a_ops, sec_cutoff=1e-7 / gap, fock_basis=True) - qt.liouvillian(h)
    v = noneq.open_system().eigenvectors
    gen = me.secular_lindblad(noneq, lamb_shift=False)
    for seed in (1, 2):
        x = _random_state(noneq.dim, seed)
        theirs = qt.vector_to_operator(r @ qt.operator_to_vector(qt.Qobj(x, dims=dims))).full()
        ours = v @ gen.apply(v.conj().T @ x @ v) @ v.conj().T
        np.testing.assert_allclose(ours, theirs, atol=1e-11 * np.abs(theirs).max())


@pytest.mark.parametrize("equation", LINDBLAD_EQUATIONS)
def test_zeroth_order_ness_matches_qutip_steadystate(noneq, equation):
    """qutip.steadystate of L0 + ε² L2' (our superoperator, energy basis) has populations p' + O(ε²)."""
    qt = pytest.importorskip("qutip")
    gen = me.master_equation(noneq, equation)
    sup = gens.as_lindblad_form(gen).superoperator() if equation == "local" else gen.superoperator()
    d = noneq.dim
    e = noneq.open_system().energies
    eps = 1e-3
    full = eps**2 * sup
    full[np.diag_indices(d * d)] += (-1j * (e[:, None] - e[None, :])).ravel()
    swap = np.eye(d * d)[np.arange(d * d).reshape(d, d).T.ravel()]  # row-major ↔ column-stacking vec
    lq = qt.Qobj(swap @ full @ swap, dims=[[[d], [d]], [[d], [d]]], superrep="super")
    rho = qt.steadystate(lq).full()
    np.testing.assert_allclose(np.real(np.diag(rho)), cmp.zeroth_order_populations(gen), atol=1e-5)


# -- consistency and the table ---------------------------------------------------------------------------------

def test_local_candidate_as_lindblad_form(noneq):
    local = me.local_lindblad(noneq)
    form = gens.as_lindblad_form(local)
    rho = noneq.open_system().to_energy_basis(_random_state(noneq.dim, 3))
    np.testing.assert_allclose(form.apply(rho), l2_prime(local, rho), atol=1e-13)
    assert cmp.is_completely_positive(local)
    ansatz = Ansatz(noneq.open_system(), paper_blocks(noneq))
    assert [b.sites for b in local.ansatz.blocks] == [b.sites for b in ansatz.blocks]


@pytest.mark.parametrize("equation", LINDBLAD_EQUATIONS + ("redfield",))
def test_adjoint_and_superoperator_agree_with_apply(noneq, equation):
    gen = me.master_equation(noneq, equation)
    gen = gens.as_lindblad_form(gen) if equation == "local" else gen
    x = noneq.open_system().to_energy_basis(_random_state(noneq.dim, 4))
    o = noneq.open_system().to_energy_basis(_random_state(noneq.dim, 6))
    np.testing.assert_allclose(gen.superoperator() @ x.ravel(), gen.apply(x).ravel(), atol=1e-12)
    assert np.trace(o @ gen.apply(x)) == pytest.approx(np.trace(gen.adjoint(o) @ x), abs=1e-12)
    assert abs(np.trace(gen.apply(x))) < 1e-12  # trace preserving


def test_table_rows_columns_and_degenerate_points():
    setups = [ChainSetup(**NONEQ), ChainSetup(n_left=2, n_middle=2, n_right=2, g=1.0, beta_left=1.0,
                                               beta_right=0.5)]  # the second is degenerate
    df = cmp.master_equation_table(setups)
    assert list(df.columns[: len(cmp.COLUMNS)]) == list(cmp.COLUMNS)
    assert sorted(df["equation"]) == sorted(me.EQUATIONS) and len(df) == len(me.EQUATIONS)
    rows = df.set_index("equation")
    assert not rows.loc["redfield", "completely_positive"]
    assert rows.loc[["local", "secular", "ule", "partial_secular"], "completely_positive"].all()
    assert rows.loc["redfield", "tau_pop_coh"] == 0.0
    assert rows.loc["local", "continuity_violation"] < 1e-12 < rows.loc["secular", "continuity_violation"]
    with pytest.raises(ValueError, match="degenerate"):
        cmp.master_equation_table(setups[1:], skip_degenerate=False)
    with pytest.raises(ValueError, match="equation"):
        me.master_equation(setups[0], "davies")
    with pytest.raises(ValueError, match="width"):
        me.partial_secular_lindblad(setups[0], width=-1.0)


def test_lindblad_form_through_elements_matches_dense_formulas():
    """A LindbladForm with both kinds of jumps (a few non-zero elements, applied through their element pairs, and
    dense ones): G = Σ r_j L_j†L_j, the rate matrix and L2'(ρ) agree with the plain dense formulas (1e-13)."""
    system = ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=1.0, beta_right=0.5).open_system()
    d, rng = system.dim, np.random.default_rng(3)
    sparse = np.zeros((3, d, d), dtype=complex)
    for j in range(3):
        idx = rng.choice(d * d, size=3, replace=False)
        sparse[j].flat[idx] = rng.normal(size=3) + 1j * rng.normal(size=3)
    dense = rng.normal(size=(2, d, d)) + 1j * rng.normal(size=(2, d, d))
    jumps, rates = np.concatenate([sparse, dense]), rng.uniform(0.1, 2.0, 5)
    form = gens.LindbladForm("test", system, jumps, rates, np.zeros((d, d)))
    assert form._entries[4].tolist() == [True, True, True, False, False]
    decay = np.einsum("j,jab,jac->bc", rates, jumps.conj(), jumps)
    np.testing.assert_allclose(form._decay, decay, rtol=0, atol=1e-13 * np.abs(decay).max())
    w = np.einsum("j,jab->ab", rates, np.abs(jumps) ** 2)
    np.testing.assert_allclose(form.rate_matrix(), w - np.diag(w.sum(axis=0)), rtol=0, atol=1e-13 * np.abs(w).max())
    rho = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    direct = sum(r * (lj @ rho @ lj.conj().T - 0.5 * (lj.conj().T @ lj @ rho + rho @ lj.conj().T @ lj))
                 for r, lj in zip(rates, jumps))
    np.testing.assert_allclose(form.apply(rho), direct, rtol=0, atol=1e-12 * np.abs(direct).max())
