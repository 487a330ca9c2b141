"""Baths: Eq. (41)-(42) against closed forms and an independent quadrature (QUADPACK QAWC)."""

import numpy as np
import pytest
from scipy.integrate import quad

from lindblad_core.systems.baths import PV_CUTOFF_MULT, BosonicBath, coefficients, occupation, ohmic, spectral_density


def Bath(beta, gamma=1.0, omega_c=10.0, s=1.0, mu=0.0):
    """The paper's bath, Eq. (42): J = γ ω^s exp(−(ω/ω_c)²) at inverse temperature β."""
    return BosonicBath(ohmic(gamma=gamma, omega_c=omega_c, s=s), beta=beta, mu=mu)


def _pv_quadpack(f, w, cutoff):
    """P∫_0^X f/(x-w): QAWC around the pole, plain adaptive quadrature elsewhere."""
    if w <= 0:
        return quad(lambda x: f(x) / (x - w), 0, cutoff, epsabs=1e-15, epsrel=1e-13, limit=1000,
                    points=[1e-6, 1e-3, 0.1, 1.0])[0]
    lo = quad(lambda x: f(x), 0, 2 * w, weight="cauchy", wvar=w, epsabs=1e-15, epsrel=1e-13, limit=500)[0]
    hi = quad(lambda x: f(x) / (x - w), 2 * w, cutoff, epsabs=1e-15, epsrel=1e-13, limit=500)[0]
    return lo + hi


@pytest.mark.parametrize("bath", [Bath(beta=1.0), Bath(beta=10.0), Bath(beta=0.1, gamma=2.0),
                                  Bath(beta=1.0, s=3.0, mu=-0.3), Bath(beta=5.0, omega_c=2.0)])
def test_principal_values_match_quadpack(bath):
    omega = np.array([-3.0, -0.5, 0.37, 0.9617157287525384, 1.0, 1.0182842712, 2.5, 7.0])
    c, d = coefficients(omega, bath)
    cutoff = PV_CUTOFF_MULT * bath.scale
    for w, cw, dw in zip(omega, c, d):
        ref_c = _pv_quadpack(lambda x: spectral_density(x, bath) * occupation(x, bath), w, cutoff)
        ref_d = _pv_quadpack(lambda x: spectral_density(x, bath) * (occupation(x, bath) + 1), w, cutoff)
        np.testing.assert_allclose(-2 * np.pi * cw.imag, ref_c, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(-2 * np.pi * dw.imag, ref_d, rtol=1e-10, atol=1e-14)


def test_subohmic_principal_value_matches_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    bath = Bath(beta=2.0, s=0.5)
    cutoff = PV_CUTOFF_MULT * bath.scale
    f = lambda x: bath.spectral_density.gamma * x**bath.spectral_density.s * mp.e ** (-((x / bath.spectral_density.omega_c) ** 2)) / mp.expm1(bath.beta * x)
    for w in (0.37, 1.0, 2.5):
        fw = f(mp.mpf(w))
        ref = mp.quad(lambda x: (f(x) - fw) / (x - w), [0, 1e-6, 1e-3, 0.1, w, 2 * w, cutoff])
        ref += fw * mp.log((cutoff - w) / w)
        c, _ = coefficients(np.array([w]), bath)
        np.testing.assert_allclose(-2 * np.pi * c[0].imag, float(ref), rtol=1e-10)


@pytest.mark.parametrize("beta", [0.5, 1.0, 5.0])
def test_detailed_balance_of_rates(beta):
    """Re D(ω) = e^{βω} Re C(ω) (μ = 0): emission and absorption obey detailed balance."""
    bath = Bath(beta=beta)
    omega = np.linspace(0.1, 5.0, 17)
    c, d = coefficients(omega, bath)
    np.testing.assert_allclose(d.real, np.exp(beta * omega) * c.real, rtol=1e-12)
    np.testing.assert_allclose(d.real - c.real, 0.5 * spectral_density(omega, bath), rtol=1e-12)


def test_real_parts_vanish_for_negative_frequencies():
    c, d = coefficients(np.array([-2.0, -0.5]), Bath(beta=1.0))
    assert np.all(c.real == 0) and np.all(d.real == 0)


def test_small_omega_limit_of_absorption():
    """Ohmic J n → γ/β as ω → 0 (the S(0) = 2 J'(0)/β of QuTiP's docs, in this normalisation)."""
    bath = Bath(beta=2.0, gamma=1.5)
    c, _ = coefficients(np.array([1e-7]), bath)
    np.testing.assert_allclose(2 * c.real, bath.spectral_density.gamma / bath.beta, rtol=1e-6)


def test_zero_frequency_is_refused():
    with pytest.raises(ValueError, match="omega"):
        coefficients(np.array([0.0, 1.0]), Bath(beta=1.0))


@pytest.mark.parametrize("kwargs, name", [
    (dict(beta=0.0), "beta"), (dict(beta=-1.0), "beta"), (dict(beta=np.inf), "beta"),
    (dict(beta=np.nan), "beta"), (dict(beta=1.0, gamma=-0.1), "gamma"), (dict(beta=1.0, omega_c=0.0), "omega_c"),
    (dict(beta=1.0, s=0.0), "s"), (dict(beta=1.0, mu=0.5), "mu"), (dict(beta=1.0, mu=1.0), "mu"),
])
def test_bad_bath_parameters_are_named(kwargs, name):
    with pytest.raises(ValueError, match=rf"\b{name} must be"):
        Bath(**kwargs)


# -- general baths -----------------------------------------------------------------------------------

from lindblad_core.systems.baths import (as_bosonic_bath, drude_lorentz, hermitian_coefficients,  # noqa: E402
                                 zero_frequency_spectrum)

OMEGAS = np.array([-3.0, -0.5, 0.37, 1.0, 2.5, 7.0, 60.0])


def _dl_pv_closed_form(lam, gamma, w):
    """P∫_0^∞ J(x)/(x − ω) dx for J = 4λγx/(x² + γ²), by partial fractions."""
    return 4 * lam * gamma * (w * np.log(gamma / np.abs(w)) + np.pi * gamma / 2) / (w**2 + gamma**2)


@pytest.mark.parametrize("lam, gamma, beta", [(0.1, 5.0, 2.0), (0.3, 0.5, 0.2), (1.0, 50.0, 10.0)])
def test_drude_lorentz_principal_values_closed_form(lam, gamma, beta):
    """The 1/ω tail is integrated to infinity: P∫ J/(x − ω) (= PV of J(n+1) − J n) against partial fractions."""
    c, d = coefficients(OMEGAS, BosonicBath(drude_lorentz(lam, gamma), beta=beta))
    np.testing.assert_allclose(-2 * np.pi * (d.imag - c.imag), _dl_pv_closed_form(lam, gamma, OMEGAS),
                               rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("sd", [drude_lorentz(0.2, 3.0), ohmic(1.0, 2.0, 1.0, cutoff="exponential"),
                                ohmic(0.5, 4.0, 3.0, cutoff="exponential")])
def test_slowly_decaying_principal_values_match_quadpack(sd):
    bath = BosonicBath(sd, beta=0.7)
    c, d = coefficients(OMEGAS, bath)
    for w, cw in zip(OMEGAS, c):
        f = lambda x: sd(x) * occupation(x, bath)
        ref = _pv_quadpack(f, w, 100.0) + quad(lambda x: f(x) / (x - w), 100.0, np.inf, epsabs=1e-15,
                                               epsrel=1e-13, limit=500)[0]
        np.testing.assert_allclose(-2 * np.pi * cw.imag, ref, rtol=1e-9, atol=1e-13)


def test_drude_lorentz_convention_against_qutip_environment():
    """QuTiP's power spectrum S(ω) = 2 J_QuTiP (n + 1) equals the library's golden-rule rates J(n+1) (ω > 0),
    J(|ω|) n(|ω|) (ω < 0) and S(0) = J'(0)/β: J = 2 J_QuTiP; a converted environment gives the same bath."""
    env_mod = pytest.importorskip("qutip.core.environment")
    lam, gamma, temperature = 0.1, 5.0, 0.5
    env = env_mod.DrudeLorentzEnvironment(T=temperature, lam=lam, gamma=gamma)
    bath = BosonicBath(drude_lorentz(lam, gamma), beta=1 / temperature)
    w = np.array([0.3, 1.0, 4.0])
    j, n = spectral_density(w, bath), occupation(w, bath)
    np.testing.assert_allclose(env.power_spectrum(w), j * (n + 1), rtol=1e-12)
    np.testing.assert_allclose(env.power_spectrum(-w), j * n, rtol=1e-12)
    np.testing.assert_allclose(env.power_spectrum(np.array([0.0]))[0], zero_frequency_spectrum(bath), rtol=1e-12)
    converted = as_bosonic_bath(env)
    assert converted.beta == pytest.approx(1 / temperature)
    np.testing.assert_allclose(hermitian_coefficients(OMEGAS, converted), hermitian_coefficients(OMEGAS, bath),
                               rtol=1e-9, atol=1e-14)


def test_reorganisation_energy_and_zero_frequency_coefficient():
    """Γ(0) = S(0)/2 − (i/2π) ∫ J/x: for Drude–Lorentz S(0) = 4λ/(γβ) and (1/2π) ∫ J/x = λ."""
    lam, gamma, beta = 0.25, 2.0, 3.0
    g0 = hermitian_coefficients(np.array([0.0]), BosonicBath(drude_lorentz(lam, gamma), beta=beta))[0]
    np.testing.assert_allclose([g0.real, g0.imag], [2 * lam / (gamma * beta), -lam], rtol=1e-10)


@pytest.mark.parametrize("bath", [BosonicBath(drude_lorentz(0.1, 1.0), beta=1.5), Bath(beta=2.0)])
def test_hermitian_coefficient_is_continuous_at_zero(bath):
    g = hermitian_coefficients(np.array([-1e-6, 0.0, 1e-6]), bath)
    np.testing.assert_allclose(g[[0, 2]], [g[1], g[1]], rtol=1e-4)


def test_zero_frequency_limit_of_a_generic_callable_by_extrapolation():
    """J given as a bare lambda (no slope attribute): J'(0) is extrapolated (Ohmic: γ, DL: 4λ/γ)."""
    for sd, slope in ((lambda x: 1.5 * x * np.exp(-(x / 3.0) ** 2), 1.5),
                      (lambda x: 4 * 0.2 * 0.7 * x / (x**2 + 0.49), 4 * 0.2 / 0.7),
                      (lambda x: x**3 * np.exp(-x), 0.0)):
        np.testing.assert_allclose(zero_frequency_spectrum(BosonicBath(sd, beta=2.0)), slope / 2.0,
                                   rtol=1e-8, atol=1e-14)
    assert zero_frequency_spectrum(BosonicBath(ohmic(), beta=1.0, mu=-0.5)) == 0.0
    with pytest.raises(ValueError, match="spectral_density"):
        zero_frequency_spectrum(BosonicBath(ohmic(s=0.5), beta=1.0))
    with pytest.raises(ValueError, match="spectral_density"):
        zero_frequency_spectrum(BosonicBath(lambda x: np.sqrt(x) * x * np.exp(-x), beta=1.0))


@pytest.mark.parametrize("kwargs, name", [
    (dict(spectral_density=lambda x: -x, beta=1.0), "spectral_density"),
    (dict(spectral_density=lambda x: np.where(x > 1e3, np.nan, x), beta=1.0), "spectral_density"),
    (dict(spectral_density=lambda x: 1.0, beta=1.0), "spectral_density"),
    (dict(spectral_density="ohmic", beta=1.0), "spectral_density"),
    (dict(spectral_density=ohmic(), beta=0.0), "beta"), (dict(spectral_density=ohmic(), beta=np.inf), "beta"),
    (dict(spectral_density=ohmic(), beta=1.0, mu=0.1), "mu"),
])
def test_bad_bosonic_bath_is_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        BosonicBath(**kwargs)


@pytest.mark.parametrize("call, name", [(lambda: ohmic(cutoff="lorentz"), "cutoff"), (lambda: ohmic(s=0), "s"),
                                        (lambda: drude_lorentz(0.1, 0.0), "gamma"),
                                        (lambda: drude_lorentz(-0.1, 1.0), "lam"),
                                        (lambda: as_bosonic_bath(3.0), "bath")])
def test_bad_presets_are_named(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_principal_values_do_not_depend_on_the_block_size(monkeypatch):
    """The (frequencies × nodes) work runs in blocks of PV_BLOCK_BYTES: one frequency per block and all of them
    in one block give the same numbers bit for bit (each frequency's sum is formed from its own row)."""
    from lindblad_core.systems import baths

    bath = Bath(beta=2.0)
    rng = np.random.default_rng(3)
    cutoff = PV_CUTOFF_MULT * bath.scale
    nodes, _ = baths._composite_rule(baths._panels(cutoff))
    # random frequencies of both signs, and some within _NEAR_NODE of a node (redone on their own rule)
    omega = np.concatenate([rng.uniform(-5.0, 5.0, 500), nodes[[100, 900, 1300]] + 1e-9])
    results = []
    for budget in (1, 10**12):
        monkeypatch.setattr(baths, "PV_BLOCK_BYTES", budget)
        results.append(coefficients(omega, bath))
    for one_row, all_rows in zip(*results):
        assert np.array_equal(one_row, all_rows)


def test_principal_value_memory_does_not_grow_with_the_number_of_frequencies():
    """5e4 Bohr frequencies × 1760 nodes would be 0.7 GB per dense float64 array; the blocks keep the peak of the
    principal values' allocations (numpy reports them to tracemalloc) within a few PV_BLOCK_BYTES."""
    import tracemalloc

    from lindblad_core.systems.baths import PV_BLOCK_BYTES

    omega = np.linspace(-3.0, 3.0, 50_000) + 1e-7
    bath = Bath(beta=1.0)
    tracemalloc.start()
    try:
        coefficients(omega, bath)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * PV_BLOCK_BYTES + 64 * omega.nbytes


def test_principal_value_family_is_each_members_principal_value():
    """principal_value_family (one integrand f(x, p_k) per frequency, all members evaluated at once) gives each
    member's P∫_0^X f(x, p)/(x − ω) dx: QUADPACK's Cauchy-weight quadrature to 1e-9 relative, and the value of
    principal_value on the member alone to rounding, including a frequency on a node of the rule and ω ≤ 0."""
    from lindblad_core.systems.baths import _composite_rule, _panels, principal_value, principal_value_family

    def f(x, p):
        return x * np.exp(-x / 5.0) * (1.0 + p * np.sin(x))

    cutoff = 80.0
    params = np.array([0.0, 0.3, -0.7])
    node = float(_composite_rule(_panels(cutoff))[0][300])
    omega = np.array([0.37, 2.5, node, 11.0, -0.4, 2.5])
    which = np.array([0, 1, 2, 1, 2, 2])
    got = principal_value_family(f, params, omega, which, cutoff)
    for k, (om, i) in enumerate(zip(omega, which)):
        alone = principal_value(lambda x: f(x, params[i]), [om], cutoff)[0]
        assert abs(got[k] - alone) <= 1e-13 * max(1.0, abs(alone))
        if om > 0:
            ref = quad(lambda x: f(x, params[i]), 0.0, cutoff, weight="cauchy", wvar=om, limit=400,
                       epsabs=1e-13, epsrel=1e-12)[0]
        else:
            ref = quad(lambda x: f(x, params[i]) / (x - om), 0.0, cutoff, limit=400, epsabs=1e-13, epsrel=1e-12)[0]
        assert abs(got[k] - ref) <= 1e-9 * max(1.0, abs(ref))


def test_principal_values_cached_only_for_the_librarys_spectral_densities(monkeypatch):
    """The second call with the same bath and frequencies reuses the principal values (the same numbers, no new
    quadrature); another β, other frequencies or a user's callable J (with the same values) are computed."""
    from lindblad_core.systems import baths as baths_module

    calls = []
    real = baths_module._principal_values
    monkeypatch.setattr(baths_module, "_principal_values", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(baths_module, "_PV_CACHE", type(baths_module._PV_CACHE)())
    omega = np.array([0.3, -0.7, 1.9, 0.3])
    bath = BosonicBath(ohmic(gamma=0.8, omega_c=6.0), beta=1.3)
    first = coefficients(omega, bath)
    second = coefficients(omega.copy(), BosonicBath(ohmic(gamma=0.8, omega_c=6.0), beta=1.3))
    assert len(calls) == 1 and all(np.array_equal(a, b) for a, b in zip(first, second))
    coefficients(omega, BosonicBath(ohmic(gamma=0.8, omega_c=6.0), beta=1.4))
    coefficients(omega[:3] * 1.01, bath)
    assert len(calls) == 3
    j = ohmic(gamma=0.8, omega_c=6.0)
    user = BosonicBath(lambda w: j(w), beta=1.3)
    for _ in range(2):
        got = coefficients(omega, user)
    assert len(calls) == 5
    np.testing.assert_allclose(got[1], first[1], rtol=1e-9)
