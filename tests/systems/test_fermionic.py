"""Fermionic leads (docs/fermionic_leads.md): the Redfield coefficients with the Fermi function, checked against
closed forms (the resonant level, the grand-canonical Gibbs state), QUADPACK's QAWC, QuTiP's fermionic
correlation functions, its fermionic Bloch–Redfield tensor and its HEOM steady state.

Test systems (|0> = occupied, c = σ− = |1><0|, Jordan–Wigner c_2 = σz ⊗ σ−):
- the resonant level H = ε_d c†c between two leads: n = (Γ_L f_L + Γ_R f_R)/(Γ_L + Γ_R), Γ = J(ε_d);
- the spinless serial double dot H = ε1 n1 + ε2 n2 + t_c (c1†c2 + c2†c1), dot 1 to the left lead, dot 2 to
  the right one.
"""

import dataclasses

import numpy as np
import pytest
from scipy.integrate import quad, simpson
from scipy.linalg import expm

import lindblad_core as lc
from lindblad_core.redfield_equation import l2
from lindblad_core.systems.baths import BosonicBath, ohmic
from lindblad_core.systems.baths import coefficients as bosonic_coefficients
from lindblad_core.systems.fermionic import (FermionicBath, as_fermionic_bath, channel_amplitudes, coefficients,
                                             flat_band, lorentzian, two_frequency_lamb_shift)
from lindblad_core.systems.operators import SIGMA_MINUS, SIGMA_Z

I2 = np.eye(2)
C1 = np.kron(SIGMA_MINUS, I2)
C2 = np.kron(SIGMA_Z, SIGMA_MINUS)  # with its Jordan–Wigner string


def _fermi(x, beta, mu):
    with np.errstate(over="ignore"):  # e^{β(x−μ)} = inf: f = 0, correctly
        return 1.0 / (np.exp(beta * (x - mu)) + 1.0)


def _lorentz(x, gamma, width, center=0.0):
    return gamma * width**2 / ((x - center) ** 2 + width**2)


def _double_dot(eps1=1.0, eps2=1.2, t_c=0.1):
    return eps1 * C1.T @ C1 + eps2 * C2.T @ C2 + t_c * (C1.T @ C2 + C2.T @ C1)


def _dqd_system(left, right, *, string=False, **kwargs):
    """Dot 1 (site 0) to ``left``, dot 2 (site 1) to ``right``; c_2 with its string on (0, 1) or as σ− on site 1."""
    c2 = lc.Coupling(C2, (0, 1), right) if string else lc.Coupling(SIGMA_MINUS, 1, right)
    return lc.OpenSystem(_double_dot(**kwargs), [lc.Coupling(SIGMA_MINUS, 0, left), c2])


# -- the acceptance checks: resonant level and grand-canonical Gibbs state ------------------------------------

@pytest.mark.parametrize("eps_d, left, right", [
    (0.7, (1.0, 5.0, 0.0, 2.0, 1.0), (0.4, 3.0, 0.5, 0.5, -0.5)),
    (0.05, (0.3, 10.0, 0.0, 10.0, 0.2), (1.0, 10.0, 0.0, 1.0, -0.2)),
    (-1.3, (2.0, 1.0, -1.0, 0.5, -1.3), (0.1, 4.0, 2.0, 20.0, 0.4)),  # ε_d at μ_L: f_L = 1/2
])
def test_resonant_level_occupation_between_two_leads(eps_d, left, right):
    """Zeroth-order occupation of a single level between two Lorentzian leads at different β and μ:
    (Γ_L f_L + Γ_R f_R)/(Γ_L + Γ_R) with Γ = J(ε_d), to 1e-10 (the issue's acceptance line)."""
    leads = [FermionicBath(lorentzian(g, w, c), beta=b, mu=m) for g, w, c, b, m in (left, right)]
    system = lc.OpenSystem(np.diag([eps_d, 0.0]), [lc.Coupling(SIGMA_MINUS, 0, lead) for lead in leads], dims=(2,))
    rates = [_lorentz(eps_d, g, w, c) for g, w, c, _, _ in (left, right)]
    fermi = [_fermi(eps_d, b, m) for _, _, _, b, m in (left, right)]
    expected = (rates[0] * fermi[0] + rates[1] * fermi[1]) / (rates[0] + rates[1])
    occupied = int(np.argmax(np.abs(system.eigenvectors[0])))  # |0> = occupied, energy ε_d
    p = lc.populations(lc.redfield(system))
    assert abs(p[occupied] - expected) <= 1e-10


@pytest.mark.parametrize("beta, mu, t_c", [(2.0, 0.8, 0.3), (0.5, -0.4, 0.05), (5.0, 1.1, 0.2)])
def test_equal_mu_and_beta_give_the_grand_canonical_gibbs_state(beta, mu, t_c):
    """Both leads at (β, μ): ρ0 = e^{−β(H − μN)}/Z of the double dot with inter-dot tunnelling, to 1e-10."""
    left = FermionicBath(flat_band(1.0, 20.0), beta=beta, mu=mu)
    right = FermionicBath(lorentzian(0.6, 5.0, 0.3), beta=beta, mu=mu)
    system = _dqd_system(left, right, t_c=t_c)
    number = C1.T @ C1 + C2.T @ C2
    gibbs = expm(-beta * (system.hamiltonian - mu * number))
    np.testing.assert_allclose(lc.rho0(lc.redfield(system)), gibbs / np.trace(gibbs), atol=1e-10)


def test_jordan_wigner_string_may_sit_on_either_side():
    """On parity-even states the generator of c equals that of c (−1)^N, so c_2 = σz ⊗ σ− and σ− on site 1 give the
    same ρ0, L2(ρ0) and coherences of Eq. (15) (docs/fermionic_leads.md)."""
    left = FermionicBath(lorentzian(1.0, 10.0), beta=2.0, mu=1.5)
    right = FermionicBath(lorentzian(1.0, 10.0), beta=0.7, mu=0.5)
    red_string = lc.redfield(_dqd_system(left, right, string=True, t_c=0.3))
    red_local = lc.redfield(_dqd_system(left, right, t_c=0.3))
    r0 = lc.rho0(red_local)
    np.testing.assert_allclose(lc.rho0(red_string), r0, atol=1e-14)
    np.testing.assert_allclose(l2(red_string, r0), l2(red_local, r0), atol=1e-14)
    np.testing.assert_allclose(lc.second_order_coherences(red_string), lc.second_order_coherences(red_local),
                               atol=1e-13)


def test_majorana_coupling_in_hermitian_form_equals_the_exchange_expression():
    """A Hermitian odd S (the Majorana operator c + c† of dot 1, with a Jordan–Wigner-correct c_2 in H) is taken in
    the Hermitian form, Λ = S ∘ (D(ω) + conj C(−ω)); it equals the exchange frame A = S ∘ C, B = S ∘ D."""
    from lindblad_core.redfield_equation import _assemble

    lead = FermionicBath(lorentzian(0.7, 4.0, 0.5), beta=1.5, mu=0.4)
    system = lc.OpenSystem(_double_dot(t_c=0.3), [lc.Coupling(C1 + C1.T, (0, 1), lead)])
    assert system.forms == ("hermitian",)
    herm = lc.redfield(system)
    exch = _assemble(system, system.baths, ("exchange",))
    x = np.random.default_rng(3).normal(size=(4, 4)) + 1j * np.random.default_rng(4).normal(size=(4, 4))
    np.testing.assert_allclose(l2(herm, x), l2(exch, x), atol=1e-13)


# -- the coefficients ----------------------------------------------------------------------------------------

def _pv_reference(f, w, points):
    """P∫_ℝ f(x)/(x − w) dx: QAWC on [w − 1/4, w + 1/4], QUADPACK with breakpoints elsewhere."""
    a = 0.25
    total = quad(f, w - a, w + a, weight="cauchy", wvar=w, epsabs=1e-15, epsrel=1e-13, limit=1000)[0]
    g = lambda x: f(x) / (x - w)  # noqa: E731
    for edges in ([-np.inf] + sorted(p for p in points if p < w - a) + [w - a],
                  [w + a] + sorted(p for p in points if p > w + a) + [np.inf]):
        total += sum(quad(g, x0, x1, epsabs=1e-15, epsrel=1e-13, limit=1000)[0] for x0, x1 in zip(edges, edges[1:]))
    return total


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("sd, beta, mu", [(lorentzian(1.0, 5.0), 1.0, 0.3), (lorentzian(0.5, 2.0, 1.0), 10.0, -0.5),
                                          (flat_band(1.0, 10.0), 5.0, 0.0), (flat_band(1.0, 4.0, 0.2), 50.0, 1.0)])
def test_principal_values_match_quadpack(sd, beta, mu):
    """Im C, Im D against QAWC at Bohr frequencies on both sides of μ, at μ and at 0, to 1e-10."""
    bath = FermionicBath(sd, beta=beta, mu=mu)
    omega = np.array([-3.0, -0.5, 0.0, 0.3, 0.7, 1.0, 2.5, 6.0])
    c, d = coefficients(omega, bath)
    points = [mu + k / beta for k in (-50, -10, -1, 0, 1, 10, 50)]
    points += [p + k * width for p, width in sd.features for k in (-50, -10, 0, 10, 50)]
    for w, cw, dw in zip(omega, c, d):
        ref_c = _pv_reference(lambda x: sd(x) * _fermi(x, beta, mu), w, points)
        ref_d = _pv_reference(lambda x: sd(x) * _fermi(-x, beta, -mu), w, points)
        np.testing.assert_allclose(-2 * np.pi * cw.imag, ref_c, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(-2 * np.pi * dw.imag, ref_d, rtol=1e-10, atol=1e-14)


def test_golden_rule_parts_and_detailed_balance():
    """Re C = J f/2, Re D = J(1 − f)/2 on the whole axis; Re D = e^{β(ω−μ)} Re C."""
    beta, mu = 1.7, 0.4
    bath = FermionicBath(lorentzian(0.8, 3.0, -0.5), beta=beta, mu=mu)
    omega = np.linspace(-4.0, 4.0, 17)
    c, d = coefficients(omega, bath)
    j = _lorentz(omega, 0.8, 3.0, -0.5)
    np.testing.assert_allclose(c.real, 0.5 * j * _fermi(omega, beta, mu), rtol=1e-13)
    np.testing.assert_allclose(d.real, 0.5 * j * (1 - _fermi(omega, beta, mu)), rtol=1e-12)
    np.testing.assert_allclose(d.real, np.exp(beta * (omega - mu)) * c.real, rtol=1e-12)


def test_coefficients_are_one_sided_transforms_of_qutips_correlation_functions():
    """C(ω) = ∫_0^∞ conj(C⁺(t)) e^{iωt} dt and D(ω) = ∫_0^∞ C⁻(t) e^{iωt} dt with QuTiP's fermionic correlation
    functions (Padé, 20 terms) of a LorentzianEnvironment converted with J = J_QuTiP (factor 1): the convention,
    signs and principal values at once. Real parts to 1e-12; the imaginary parts differ by the Padé tail alone,
    a constant (2.7e-7 at 20 terms, 1.7e-8 at 40) that does not depend on ω to 1e-11."""
    environment = pytest.importorskip("qutip.core.environment")
    env = environment.LorentzianEnvironment(T=0.5, mu=0.3, gamma=0.7, W=2.0, omega0=-0.4, Nk=20)
    t = np.linspace(0.0, 30.0, 150001)  # slowest exponent π T: e^{−47} at t = 30
    plus, minus = np.conj(env.correlation_function_plus(t)), env.correlation_function_minus(t)
    omega = np.array([-1.0, 0.0, 0.3, 0.9, 2.5])
    ref_c = np.array([simpson(plus * np.exp(1j * w * t), x=t) for w in omega])
    ref_d = np.array([simpson(minus * np.exp(1j * w * t), x=t) for w in omega])
    c, d = coefficients(omega, as_fermionic_bath(env))
    np.testing.assert_allclose(c.real, ref_c.real, atol=1e-12)
    np.testing.assert_allclose(d.real, ref_d.real, atol=1e-12)
    for ours, ref in ((c, ref_c), (d, ref_d)):
        residual = ours.imag - ref.imag
        assert np.ptp(residual) < 1e-11 and np.max(np.abs(residual)) < 1e-6
    np.testing.assert_allclose(c.real, env.power_spectrum_plus(omega) / 2, rtol=1e-12)
    np.testing.assert_allclose(d.real, env.power_spectrum_minus(omega) / 2, rtol=1e-12)


# -- against QuTiP: fermionic Bloch–Redfield and HEOM -----------------------------------------------------------

def _qutip_leads(gamma=1.0):
    environment = pytest.importorskip("qutip.core.environment")
    return (environment.LorentzianEnvironment(T=0.5, mu=1.5, gamma=gamma, W=10.0),
            environment.LorentzianEnvironment(T=0.5, mu=0.5, gamma=gamma, W=10.0))


def test_redfield_without_principal_values_is_qutips_fermionic_bloch_redfield_tensor():
    """QuTiP's bloch_redfield_tensor with FermionicEnvironments (a_op = c, non-secular) has no Lamb shift: it is L2
    with the principal values dropped, on every matrix (not only parity-even ones), to 1e-12."""
    qt = pytest.importorskip("qutip")
    env_l, env_r = _qutip_leads()
    system = _dqd_system(env_l, env_r, string=True, t_c=0.3)
    red = lc.redfield(system)
    golden = dataclasses.replace(red, a_ops=red.a_ops.real.astype(complex), b_ops=red.b_ops.real.astype(complex))
    dims = [[2, 2], [2, 2]]
    h = qt.Qobj(system.hamiltonian, dims=dims)
    tensor = qt.bloch_redfield_tensor(h, [(qt.Qobj(C1, dims=dims), env_l), (qt.Qobj(C2, dims=dims), env_r)],
                                      sec_cutoff=-1, fock_basis=True) - qt.liouvillian(h)
    rng = np.random.default_rng(7)
    for _ in range(3):
        x = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
        ref = qt.vector_to_operator(tensor @ qt.operator_to_vector(qt.Qobj(x, dims=dims))).full()
        ours = l2(golden, x)
        assert np.max(np.abs(ours - ref)) <= 1e-12 * np.max(np.abs(ref))


def test_populations_and_coherences_against_qutip_heom():
    """The charge qubit of the double dot (its one-particle sector) against QuTiP's exact HEOM steady state at
    weak coupling Γ ∈ {0.01, 0.005, 0.0025}: the HEOM populations tend to ρ0 and its coherences/Γ to ρ2 of
    Eq. (15) linearly in Γ; the Richardson combination 2X(Γ/2) − X(Γ) removes that term and agrees to
    5e-4 (populations 2e-5) relative to max|ρ2|, while ρ2 without the principal values misses by ~10%.
    Convergence: hierarchy depth 2 is exact for this non-interacting model (depth 3 changes nothing above 1e-14);
    Padé Nk = 4 terms per lead (Nk = 2 → 4 changes the populations by 1e-5 at Γ = 0.02)."""
    qt = pytest.importorskip("qutip")
    heom = pytest.importorskip("qutip.solver.heom")
    env_l, env_r = _qutip_leads()
    system = _dqd_system(env_l, env_r, string=True, t_c=0.1)
    red = lc.redfield(system)
    p0, rho2 = lc.populations(red), lc.second_order_coherences(red)
    golden = dataclasses.replace(red, a_ops=red.a_ops.real.astype(complex), b_ops=red.b_ops.real.astype(complex))
    dims = [[2, 2], [2, 2]]
    pops, cohs = {}, {}
    for gamma in (0.01, 0.005, 0.0025):
        lead_l, lead_r = _qutip_leads(gamma)
        baths = [(lead_l.approx_by_pade(4), qt.Qobj(C1, dims=dims)), (lead_r.approx_by_pade(4), qt.Qobj(C2, dims=dims))]
        solver = heom.HEOMSolver(qt.Qobj(system.hamiltonian, dims=dims), baths, max_depth=2,
                                 options={"progress_bar": False})
        rho = system.to_energy_basis(solver.steady_state()[0].full())
        pops[gamma] = np.real(np.diag(rho))
        cohs[gamma] = (rho - np.diag(np.diag(rho))) / gamma
    scale = np.max(np.abs(rho2))
    errors = [np.max(np.abs(cohs[g] - rho2)) for g in (0.01, 0.005, 0.0025)]
    assert 1.8 < errors[0] / errors[1] < 2.2 and 1.8 < errors[1] / errors[2] < 2.2  # linear in Γ
    assert np.max(np.abs(2 * pops[0.0025] - pops[0.005] - p0)) < 2e-5
    extrapolated = 2 * cohs[0.0025] - cohs[0.005]
    assert np.max(np.abs(extrapolated - rho2)) < 5e-4 * scale
    assert np.max(np.abs(extrapolated - lc.second_order_coherences(golden))) > 0.05 * scale


# -- the standard master equations with fermionic leads --------------------------------------------------------

def test_master_equations_with_fermionic_leads():
    """At t_c = 0 the dots are independent: the local equation (σ∓ at J(ε)(1 − f), J(ε) f) is exact and its
    populations are the Redfield ones; at t_c > 0 the secular, ULE and partial-secular equations keep the
    populations (their population block is Redfield's) and the local one does not."""
    from lindblad_core.lindblad.comparison import master_equation_records

    left = FermionicBath(lorentzian(1.0, 10.0), beta=2.0, mu=1.5)
    right = FermionicBath(lorentzian(1.0, 10.0), beta=2.0, mu=0.5)
    uncoupled = {r["equation"]: r for r in master_equation_records(_dqd_system(left, right, t_c=0.0))}
    assert uncoupled["local"]["trace_distance"] < 1e-14 and uncoupled["local"]["tau_pop"] < 1e-14
    coupled = {r["equation"]: r for r in master_equation_records(_dqd_system(left, right, t_c=0.1))}
    for eq in ("secular", "ule", "partial_secular"):
        assert coupled[eq]["trace_distance"] < 1e-12 and coupled[eq]["completely_positive"]
    assert coupled["local"]["trace_distance"] > 1e-3
    assert not coupled["redfield"]["completely_positive"]


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_universal_lindblad_lamb_shift_kernel_on_the_real_axis():
    """η(ω, ω) = Im D(ω), Im C(ω); off the diagonal against QAWC for a = √(J f) with both Fermi steps, to 1e-10."""
    beta, mu = 20.0, 0.3
    bath = FermionicBath(flat_band(1.0, 5.0), beta=beta, mu=mu)
    a_em, a_abs = channel_amplitudes(bath)
    w = np.array([-0.7, 0.3, 1.0, 2.2])
    c, d = coefficients(w, bath)
    np.testing.assert_allclose(two_frequency_lamb_shift(a_em, w, w, bath), d.imag, atol=1e-14)
    np.testing.assert_allclose(two_frequency_lamb_shift(a_abs, w, w, bath), c.imag, atol=1e-14)
    for w1, w2 in ((0.3, 1.0), (-0.7, 2.2)):
        lo, delta = min(w1, w2), abs(w2 - w1)
        points = [mu, mu - delta, -5.0, 5.0, -5.0 - delta, 5.0 - delta]
        ref = -_pv_reference(lambda y: a_abs(y) * a_abs(y + delta), lo, points) / (2 * np.pi)
        np.testing.assert_allclose(two_frequency_lamb_shift(a_abs, np.array([w1]), np.array([w2]), bath)[0], ref,
                                   rtol=1e-10)


# -- bad input, named ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    (dict(mu=np.nan), r"mu must be finite"), (dict(mu=np.inf), r"mu must be finite"),
    (dict(mu=1 + 1j), r"mu must be a real number"), (dict(beta=0.0), r"beta must be > 0"),
    (dict(beta=-np.inf), r"beta must be finite"),
])
def test_bad_lead_parameters_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FermionicBath(lorentzian(1.0, 5.0), **{"beta": 1.0, "mu": 0.0, **kwargs})


def _raises_on_arrays(w):
    if np.ndim(w):
        raise TypeError("only scalars")
    return 1.0


@pytest.mark.parametrize("bath", [BosonicBath, FermionicBath])
@pytest.mark.parametrize("sd, match", [
    ("lorentzian", r"\.spectral_density must be a vectorised callable"),
    (_raises_on_arrays, r"\.spectral_density must accept an array .* calling it failed: TypeError\('only scalars'\)"),
    (lambda w: np.ones(3), r"\.spectral_density must be vectorised .* got shape \(3,\)"),
])
def test_unusable_spectral_density_is_named_with_its_bath(bath, sd, match):
    """The same three mistakes are reported for either statistics, each naming the bath class it was given to."""
    with pytest.raises(ValueError, match=f"^{bath.__name__}" + match):
        bath(sd, beta=1.0)


@pytest.mark.parametrize("make, match", [
    (lambda: lorentzian(1.0, 0.0), r"lorentzian: width must be > 0"),
    (lambda: lorentzian(-1.0, 1.0), r"lorentzian: gamma must be >= 0"),
    (lambda: flat_band(1.0, 2.0, softness=np.nan), r"flat_band: softness must be finite"),
])
def test_bad_spectral_density_parameters_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_negative_or_complex_spectral_density_is_refused_where_it_is_used():
    """J(ω) < 0 on the probe grid at construction; J < 0 or complex only near a Bohr frequency (between the probe
    points) when the coefficients are asked for there."""
    with pytest.raises(ValueError, match=r"spectral_density must be finite and >= 0, got J\(-"):
        FermionicBath(lambda w: np.sin(w), beta=1.0)
    dip = FermionicBath(lambda w: np.where(np.abs(w - 0.7) < 1e-3, -1.0, 1.0) / (1.0 + w**2), beta=1.0)
    with pytest.raises(ValueError, match=r"spectral_density must be finite and >= 0, got J\(0.7\)"):
        coefficients([0.7], dip)
    twist = FermionicBath(lambda w: np.where(np.abs(w - 0.7) < 1e-3, 1.0 + 0.5j, 1.0 + 0j) / (1.0 + w**2), beta=1.0)
    with pytest.raises(ValueError, match=r"spectral_density must be real, got J\(0.7\)"):
        lc.redfield(lc.OpenSystem(np.diag([0.7, 0.0]), [lc.Coupling(SIGMA_MINUS, 0, twist)], dims=(2,)))
    with pytest.raises(ValueError, match=r"spectral_density must be real"):
        FermionicBath(lambda w: (1.0 + 1j) * np.ones_like(w), beta=1.0)


def test_spectral_density_that_does_not_decay_is_refused():
    """A flat J without cut-off (the wide-band limit taken literally) is refused: the principal values over ℝ
    diverge. A bare callable that decays gives the preset's coefficients (its breakpoints from the probe grid)."""
    with pytest.raises(ValueError, match=r"spectral_density must decay at large \|omega\|"):
        FermionicBath(lambda w: np.ones_like(w), beta=1.0)
    c, d = coefficients([0.5], FermionicBath(lambda w: 1.0 / (1.0 + w**2), beta=1.0))  # a bare callable
    ref_c, ref_d = coefficients([0.5], FermionicBath(lorentzian(1.0, 1.0), beta=1.0))
    np.testing.assert_allclose([c[0], d[0]], [ref_c[0], ref_d[0]], rtol=1e-12)


def test_bosonic_and_fermionic_baths_are_not_mixed_up():
    """A bosonic bath (ours or QuTiP's) given where a fermionic lead is expected, and a fermionic lead given to the
    bosonic coefficients, are refused by name."""
    environment = pytest.importorskip("qutip.core.environment")
    with pytest.raises(ValueError, match=r"a bosonic bath \(DrudeLorentzEnvironment\) was given where a fermionic"):
        as_fermionic_bath(environment.DrudeLorentzEnvironment(T=1.0, lam=0.1, gamma=1.0))
    with pytest.raises(ValueError, match=r"a bosonic bath \(BosonicBath\) was given where a fermionic"):
        coefficients([0.5], BosonicBath(ohmic(), beta=1.0))
    with pytest.raises(ValueError, match=r"must be a BosonicBath or a qutip BosonicEnvironment, got FermionicBath"):
        bosonic_coefficients(np.array([0.5]), FermionicBath(lorentzian(1.0, 5.0), beta=1.0))
    lead = environment.LorentzianEnvironment(T=0.5, mu=0.2, gamma=1.0, W=3.0)
    assert lc.Coupling(SIGMA_MINUS, 0, lead).bath == FermionicBath(lorentzian(1.0, 3.0, 0.2), beta=2.0, mu=0.2)
    with pytest.raises(ValueError, match=r"finite chemical potential mu"):
        as_fermionic_bath(environment.LorentzianEnvironment(T=0.5, mu=np.nan, gamma=1.0, W=3.0))


def test_fermionic_couplings_must_be_parity_odd_on_qubit_sites():
    lead = FermionicBath(lorentzian(1.0, 5.0), beta=1.0)
    with pytest.raises(ValueError, match=r"Coupling.op of a fermionic lead must be parity-odd"):
        lc.Coupling(np.diag([1.0, 0.0]), 0, lead)  # the number operator
    with pytest.raises(ValueError, match=r"Coupling.op of a fermionic lead must be parity-odd"):
        lc.Coupling(np.kron(SIGMA_MINUS, SIGMA_MINUS), (0, 1), lead)  # two fermions at once: even
    with pytest.raises(ValueError, match=r"must act on qubit sites"):
        lc.Coupling(np.diag([1.0, np.sqrt(2.0)], k=1), 0, lead)
    lc.Coupling(C2, (0, 1), lead)  # c_2 with its string: accepted


def test_unresolvable_narrow_feature_is_refused():
    """A Lorentzian far narrower than the window set by the Bohr frequencies is named, not mis-integrated."""
    lead = FermionicBath(lorentzian(1.0, 0.01, 3.0), beta=1.0)
    with pytest.raises(ValueError, match=r"structure of J at omega = 3 of width 0.01"):
        coefficients([40.0], lead)
