"""Redfield L2, the zeroth-order NESS (App. A) and Eq. (15), against physics and independent solvers."""

import numpy as np

from lindblad_core.redfield_equation import redfield
import pytest

from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.operators import site_operator
from lindblad_core.redfield_equation import (l2, l2_superoperator, populations, rate_matrix, rho0,
                                    second_order_coherences, steady_state)

from lindblad_core.studies.reference import as_complex

SETUP_KEYS = ["n_left", "n_middle", "n_right", "g", "delta", "bias", "beta_left", "beta_right", "field",
              "gamma", "omega_c", "s"]


@pytest.mark.parametrize("beta", [0.5, 1.0, 5.0])
@pytest.mark.parametrize("sizes, g", [((1, 2, 1), 0.01), ((2, 2, 2), 0.1), ((1, 0, 2), 0.3), ((3, 0, 0), 0.05)])
def test_equal_temperatures_thermalise(beta, sizes, g):
    """β_L = β_R: the zeroth-order NESS of App. A is the Gibbs state e^{-βH}/Z (Sec. II.D.3)."""
    setup = ChainSetup(n_left=sizes[0], n_middle=sizes[1], n_right=sizes[2], g=g,
                       beta_left=beta, beta_right=beta)
    p = populations(redfield(setup))
    e = setup.open_system().energies
    gibbs = np.exp(-beta * (e - e.min()))
    np.testing.assert_allclose(p, gibbs / gibbs.sum(), atol=1e-10)


def test_unequal_temperatures_do_not_thermalise():
    setup = ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.05, beta_left=1.0, beta_right=0.5)
    p = populations(redfield(setup))
    for beta in (0.5, 1.0):
        gibbs = np.exp(-beta * setup.open_system().energies)
        assert np.max(np.abs(p - gibbs / gibbs.sum())) > 1e-3


@pytest.fixture(scope="module")
def noneq():
    return redfield(ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=1.0, beta_right=0.3, bias=0.05))


def test_trace_preserving_and_hermiticity_preserving(noneq):
    rng = np.random.default_rng(7)
    for _ in range(3):
        x = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
        lx = l2(noneq, x)
        assert abs(np.trace(lx)) < 1e-13 * np.abs(x).max()
        np.testing.assert_allclose(lx.conj().T, l2(noneq, x.conj().T), atol=1e-14)


def test_superoperator_matches_map_and_is_stable(noneq):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
    sup = l2_superoperator(noneq)
    np.testing.assert_allclose(sup @ x.ravel(), l2(noneq, x, basis="energy").ravel(), atol=1e-13)
    # The physical sign (docs/conventions.md): no eigenvalue with positive real part.
    assert np.linalg.eigvals(sup).real.max() < 1e-12


@pytest.mark.parametrize("shortcuts", [False, True])
@pytest.mark.parametrize("kind", ["diagonal", "hermitian", "general"])
def test_each_kind_of_input_matches_the_superoperator(kind, shortcuts, monkeypatch):
    """l2 takes shortcuts (from L2_SHORTCUT_MIN_DIM on; here from d = 0 or never) for a real diagonal ρ (ρ0 in the
    energy basis: rows and columns scaled) and a Hermitian one (X(ρ)† in place of X(ρ†)†); each agrees with the
    d² × d² superoperator, which takes none, at rounding."""
    from lindblad_core import redfield_equation

    monkeypatch.setattr(redfield_equation, "L2_SHORTCUT_MIN_DIM", 0 if shortcuts else 10**9)
    red = redfield(ChainSetup(n_left=2, n_middle=1, n_right=2, g=0.1, beta_left=1.0, beta_right=0.4, bias=0.05))
    rng = np.random.default_rng(5)
    d = red.dim
    x = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    x = {"diagonal": np.diag(np.diag(x).real), "hermitian": x + x.conj().T, "general": x}[kind]
    ref = (l2_superoperator(red) @ x.ravel()).reshape(d, d)
    got = l2(red, x, basis="energy")
    assert np.max(np.abs(got - ref)) <= 1e-14 * np.max(np.abs(ref))
    if kind != "general" and shortcuts:
        assert np.array_equal(got, got.conj().T)


def test_rate_matrix_is_a_generator(noneq):
    w = rate_matrix(noneq)
    off = w - np.diag(np.diag(w))
    assert off.min() >= 0
    np.testing.assert_allclose(w.sum(axis=0), 0, atol=1e-14)
    p = populations(noneq)
    assert p.min() > 0 and p.sum() == pytest.approx(1.0)
    # ρ0 solves Eq. (14): the diagonal of L2(ρ0) vanishes in the energy basis.
    target = l2(noneq, rho0(noneq, basis="energy"), basis="energy")
    np.testing.assert_allclose(np.diag(target), 0, atol=1e-14)


def test_continuity_equation_for_middle_observables():
    """Eq. (22): for O on the middle sites, Tr[O L2(ρ)] = 0 for any ρ (L2 acts on bath sites only)."""
    setup = ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.2, beta_left=1.0, beta_right=0.4)
    red = redfield(setup)
    rng = np.random.default_rng(11)
    a = rng.normal(size=(16, 16)) + 1j * rng.normal(size=(16, 16))
    rho = a @ a.conj().T
    rho /= np.trace(rho)
    lr = l2(red, rho)
    z = np.diag([1.0, -1.0])
    for site in (1, 2):
        assert abs(np.trace(site_operator(z, site, 4) @ lr)) < 1e-13
    # ...while on a bath site it does not vanish:
    assert abs(np.trace(site_operator(z, 0, 4) @ lr)) > 1e-3


def test_finite_epsilon_steady_state_tends_to_rho0_and_eq15(noneq):
    """ρ_ε → ρ0 with ‖ρ_ε − ρ0‖ ∝ ε², and off-diagonals / ε² → Eq. (15) with O(ε²) error."""
    r0 = rho0(noneq, basis="energy")
    coh = second_order_coherences(noneq)
    diffs, coh_err = [], []
    for eps in (0.02, 0.01, 0.005):
        rs = steady_state(noneq, eps, basis="energy")
        assert np.trace(rs) == pytest.approx(1.0)
        diffs.append(np.abs(rs - r0).max())
        off = rs - np.diag(np.diag(rs))
        coh_err.append(np.abs(off / eps**2 - coh).max())
    ratios = np.array(diffs[:-1]) / np.array(diffs[1:])
    np.testing.assert_allclose(ratios, 4.0, rtol=0.02)
    np.testing.assert_allclose(np.array(coh_err[:-1]) / np.array(coh_err[1:]), 4.0, rtol=0.1)
    assert coh_err[-1] < 1e-3 * np.abs(coh).max()


def test_reference_ness_points(ness_points):
    """Every published point: ρ0 and −L2(ρ0) (= L2_eq40(ρ0)) within 1e-7 (reference-data README)."""
    assert len(ness_points) >= 6
    for point in ness_points:
        setup = ChainSetup(**{k: point[k] for k in SETUP_KEYS})
        red = redfield(setup)
        r0 = rho0(red)
        np.testing.assert_allclose(r0, as_complex(point["rho0"]), atol=1e-7, rtol=0)
        np.testing.assert_allclose(-l2(red, r0), as_complex(point["L2_eq40_rho0"]), atol=1e-7, rtol=0)


def _qutip_populations(setup, eps):
    qt = pytest.importorskip("qutip")
    from lindblad_core.systems.baths import occupation, spectral_density

    dims = [[2] * setup.n_sites] * 2
    h = qt.Qobj(setup.hamiltonian(), dims=dims)

    def spectrum_for(bath):
        def spectrum(w):  # S(ω>0) = J(n+1) (emission), S(ω<0) = J(|ω|) n(|ω|) (absorption)
            aw = abs(float(w))
            if aw == 0.0:
                return 0.0  # never multiplies a non-zero element: σx changes the magnetisation
            j = float(spectral_density(aw, bath))
            n = float(occupation(aw, bath))
            return eps**2 * (j * (n + 1.0) if w > 0 else j * n)
        return spectrum

    a_ops = []
    for s_op, bath in zip(setup.open_system().coupling_operators, setup.baths):
        sm = qt.Qobj(s_op, dims=dims)
        a_ops.append((sm + sm.dag(), spectrum_for(bath)))
    r = qt.bloch_redfield_tensor(h, a_ops, sec_cutoff=-1, fock_basis=True)
    rho = qt.steadystate(r, method="direct", solver="solve").full()
    v = setup.open_system().eigenvectors
    return np.real(np.diag(v.conj().T @ rho @ v))


@pytest.mark.parametrize("sizes, betas", [((1, 2, 1), (1.0, 0.5)), ((2, 0, 1), (2.0, 0.7))])
def test_populations_agree_with_qutip_bloch_redfield(sizes, betas):
    eps = 0.01
    setup = ChainSetup(n_left=sizes[0], n_middle=sizes[1], n_right=sizes[2], g=0.05,
                       beta_left=betas[0], beta_right=betas[1])
    pq = _qutip_populations(setup, eps)
    np.testing.assert_allclose(populations(redfield(setup)), pq, atol=1e-5)
    finite = np.real(np.diag(steady_state(redfield(setup), eps, basis="energy")))
    np.testing.assert_allclose(finite, pq, atol=1e-5)


def test_stationary_populations_of_a_detailed_balance_chain_are_gibbs():
    """Rates obeying detailed balance R[k, m] / R[m, k] = e^{−β(E_k − E_m)} have the Gibbs state as their
    unique stationary distribution, whatever the (random) symmetric parts; spread over 40 decades."""
    from lindblad_core.solvers.markov import stationary_populations

    rng = np.random.default_rng(3)
    e = np.sort(rng.uniform(0, 1, 6))
    beta = 90.0
    sym = rng.uniform(0.1, 1.0, (6, 6))
    sym = sym + sym.T
    rates = sym * np.exp(-beta * (e[:, None] - e[None, :]) / 2)
    gibbs = np.exp(-beta * (e - e[0]))
    gibbs /= gibbs.sum()
    np.testing.assert_allclose(stationary_populations(rates), gibbs, rtol=1e-12)


@pytest.mark.parametrize("rates, match", [
    (np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), "not unique"),  # level 2 decoupled
    (np.array([[0.0, -1.0], [1.0, 0.0]]), "rates must be finite and >= 0"),
    (np.zeros((2, 2)), "every rate vanishes"),
])
def test_stationary_populations_refuses_what_has_no_unique_answer(rates, match):
    from lindblad_core.solvers.markov import stationary_populations

    with pytest.raises(ValueError, match=match):
        stationary_populations(rates)


@pytest.mark.parametrize("c", [1e-7, 1e-13, 1e3])
def test_coupling_units_scale_l2_and_leave_rho0(c):
    """S_ℓ → c S_ℓ (the coupling in other units): every rate scales by c², so L2 → c² L2 and ρ0 is unchanged, even
    when every element of c S_ℓ is below the eigensolver-noise level of an S of order one."""
    from lindblad_core.studies.examples import two_qubits
    from lindblad_core.systems.open_system import Coupling, OpenSystem

    system = two_qubits(g=0.1)
    scaled = OpenSystem(system.hamiltonian, [Coupling(c * k.op, k.sites, k.bath) for k in system.couplings])
    red, red_c = redfield(system), redfield(scaled)
    np.testing.assert_allclose(rho0(red_c), rho0(red), atol=1e-13)
    r0 = rho0(red)
    np.testing.assert_allclose(l2(red_c, r0), c**2 * l2(red, r0), rtol=0, atol=1e-12 * c**2)
