"""Baths: Eq. (41)-(42) against closed forms and an independent quadrature (QUADPACK QAWC)."""

import numpy as np
import pytest
from scipy.integrate import quad

from lindblad_core.baths import PV_CUTOFF_MULT, Bath, coefficients, occupation, spectral_density


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
    cutoff = PV_CUTOFF_MULT * bath.omega_c
    for w, cw, dw in zip(omega, c, d):
        ref_c = _pv_quadpack(lambda x: spectral_density(x, bath) * occupation(x, bath), w, cutoff)
        ref_d = _pv_quadpack(lambda x: spectral_density(x, bath) * (occupation(x, bath) + 1), w, cutoff)
        np.testing.assert_allclose(-2 * np.pi * cw.imag, ref_c, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(-2 * np.pi * dw.imag, ref_d, rtol=1e-10, atol=1e-14)


def test_subohmic_principal_value_matches_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    bath = Bath(beta=2.0, s=0.5)
    cutoff = PV_CUTOFF_MULT * bath.omega_c
    f = lambda x: bath.gamma * x**bath.s * mp.e ** (-((x / bath.omega_c) ** 2)) / mp.expm1(bath.beta * x)
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
    np.testing.assert_allclose(2 * c.real, bath.gamma / bath.beta, rtol=1e-6)


def test_zero_frequency_is_refused():
    with pytest.raises(ValueError, match="omega"):
        coefficients(np.array([0.0, 1.0]), Bath(beta=1.0))


@pytest.mark.parametrize("kwargs, name", [
    (dict(beta=0.0), "beta"), (dict(beta=-1.0), "beta"), (dict(beta=np.inf), "beta"),
    (dict(beta=np.nan), "beta"), (dict(beta=1.0, gamma=-0.1), "gamma"), (dict(beta=1.0, omega_c=0.0), "omega_c"),
    (dict(beta=1.0, s=0.0), "s"), (dict(beta=1.0, mu=0.5), "mu"), (dict(beta=1.0, mu=1.0), "mu"),
])
def test_bad_bath_parameters_are_named(kwargs, name):
    with pytest.raises(ValueError, match=rf"Bath\.{name} must be"):
        Bath(**kwargs)
