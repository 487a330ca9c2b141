"""ρ0 and ε²ρ2 (Eqs. (A1), (15)) against QuTiP's HEOM steady state and the mean-force Gibbs state.

A spin–boson qubit H_S = ω/2 σz + Δ/2 σx on Drude–Lorentz baths coupled through σz, through σx, and through
σz and σx to two baths at different temperatures. J = 4λγω/(ω² + γ²) is linear in λ, so ε² = λ for a system
built with λ_ref = 1 (lindblad_core/studies/heom_referee.py): the exact NESS is ρ0 + λ ρ2 + O(λ²) off the energy
diagonal, and ρ0 + O(λ) everywhere. HEOM with Nk = 4 Padé terms and depth 3 changes (ρ − ρ0)/λ by about 2e-5
(one bath, λ = 0.005) against Nk = 6, depth 4, far below the errors asserted (notebooks/14_heom_referee.ipynb
has the table).

The resonant level H_S = ε_d c†c between two Lorentzian leads (at different β and μ, and at equal ones), with
J_ℓ → λJ_ℓ (ε² = λ): QuTiP's fermionic HEOM against the exact (Landauer / Green's function) occupation, and both
against the occupation n0 of ρ0.
"""

import numpy as np
import pytest
from scipy.integrate import quad

import lindblad_core as lc

pytest.importorskip("qutip.solver.heom")
from lindblad_core.studies.heom_referee import (heom_steady_state, lead_self_energy,  # noqa: E402
                                                mean_force_coherences, resonant_level, resonant_level_occupation)

SZ, SX = np.diag([1.0, -1.0]), np.array([[0.0, 1.0], [1.0, 0.0]])
H_S = 0.5 * 1.0 * SZ + 0.5 * 0.5 * SX   # ω = 1, Δ = 0.5
GAMMA = 2.0
LAMS = (0.02, 0.01, 0.005)
CASES = {
    "sigma_z": [(SZ, 1.0)],                    # (S, β) per bath
    "sigma_x": [(SX, 1.0)],
    "two_temperatures": [(SZ, 2.0), (SX, 0.5)],
}


def qubit(lam, baths):
    return lc.OpenSystem(H_S, [lc.Coupling(op, 0, lc.BosonicBath(lc.drude_lorentz(lam, GAMMA), beta), form="hermitian")
                               for op, beta in baths])


@pytest.fixture(scope="module", params=list(CASES))
def referee(request):
    baths = CASES[request.param]
    unit = qubit(1.0, baths)                              # ε² = λ
    red = lc.redfield(unit)
    rho0, rho2 = lc.rho0(red, basis="energy"), lc.second_order_coherences(red)
    heom = [unit.to_energy_basis(heom_steady_state(qubit(lam, baths), n_pade=4, max_depth=3)) for lam in LAMS]
    return request.param, rho0, rho2, heom


def test_heom_tends_to_rho0_linearly_in_lambda(referee):
    _, rho0, _, heom = referee
    errors = np.array([np.abs(rho - rho0).max() for rho in heom])
    assert errors[-1] < 2e-3
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > 1.7) & (ratios < 2.3)), ratios     # O(λ): halving λ halves the error


def test_heom_coherences_over_lambda_tend_to_rho2(referee):
    name, rho0, rho2, heom = referee
    off = ~np.eye(2, dtype=bool)
    assert np.abs(rho2[off]).min() > 0.05                       # a coherence to compare, not a zero
    errors = np.array([np.abs(((rho - rho0) / lam - rho2)[off]).max() for lam, rho in zip(LAMS, heom)])
    relative = errors / np.abs(rho2[off]).max()
    assert relative[-1] < (0.003 if name != "two_temperatures" else 0.07), relative
    assert np.all(errors[1:] < 0.65 * errors[:-1]), errors      # shrinking as λ (O(λ²) coherences)


@pytest.mark.parametrize("op", [SZ, SX], ids=["sigma_z", "sigma_x"])
@pytest.mark.parametrize("beta", [0.5, 2.0])
def test_rho2_is_the_mean_force_gibbs_coherence(op, beta):
    """In equilibrium the order-λ coherences of the NESS are those of Tr_B e^{−βH}/Z (Cresser & Anders 2021)."""
    unit = lc.OpenSystem(H_S, [lc.Coupling(op, 0, lc.BosonicBath(lc.drude_lorentz(1.0, GAMMA), beta),
                                           form="hermitian")])
    rho2 = lc.second_order_coherences(lc.redfield(unit), basis="computational")
    np.testing.assert_allclose(mean_force_coherences(unit), rho2, atol=1e-10 * np.abs(rho2).max())


def test_referee_refuses_what_it_cannot_compute():
    ohmic = lc.OpenSystem(H_S, [lc.Coupling(SZ, 0, lc.BosonicBath(lc.ohmic(), 1.0), form="hermitian")])
    with pytest.raises(ValueError, match="drude_lorentz"):
        heom_steady_state(ohmic)
    with pytest.raises(ValueError, match="n_pade"):
        heom_steady_state(qubit(0.01, CASES["sigma_z"]), n_pade=0)
    with pytest.raises(ValueError, match="max_depth"):
        heom_steady_state(qubit(0.01, CASES["sigma_z"]), max_depth=0)
    with pytest.raises(ValueError, match="one bath"):
        mean_force_coherences(qubit(1.0, CASES["two_temperatures"]))


# -- fermionic leads: the resonant level ------------------------------------------------------------------------

EPS_D = 0.3
LEADS = {  # (γ, W, ω0, β, μ) per lead
    "bias": [(1.0, 5.0, 0.0, 2.0, 1.0), (0.5, 3.0, 0.0, 0.5, -0.5)],
    "equilibrium": [(1.0, 5.0, 0.0, 1.0, 0.2), (0.5, 3.0, 0.0, 1.0, 0.2)],
}
LEVEL_LAMS = (0.02, 0.01, 0.005)


def leads(lam, spec):
    return [lc.FermionicBath(lc.lorentzian(lam * g, w, c), beta=b, mu=m) for g, w, c, b, m in spec]


@pytest.mark.parametrize("name", list(LEADS))
def test_resonant_level_heom_is_exact_and_tends_to_rho0(name):
    """HEOM (Padé Nk = 4, depth 2) equals the exact occupation to 2e-5 λ, for every λ; depth 3 changes nothing
    (the hierarchy closes at depth 2 for a non-interacting level) and depth 1 (the Born equation) gives n0 exactly;
    n_HEOM − n0 and n_exact − n0 are O(λ): halving λ halves them, and (n − n0)/λ converges."""
    spec = LEADS[name]
    n0 = lc.rho0(lc.redfield(resonant_level(EPS_D, leads(1.0, spec))))[0, 0].real     # ε² = λ
    exact = np.array([resonant_level_occupation(EPS_D, leads(lam, spec)) for lam in LEVEL_LAMS])
    rhos = [heom_steady_state(resonant_level(EPS_D, leads(lam, spec)), n_pade=4, max_depth=2) for lam in LEVEL_LAMS]
    heom = np.array([rho[0, 0].real for rho in rhos])
    assert np.all(np.abs(heom - exact) < 2e-5 * np.array(LEVEL_LAMS)), heom - exact
    assert max(abs(rho[0, 1]) for rho in rhos) < 1e-14                               # parity: no coherence
    for values in (heom, exact):
        ratios = (values[:-1] - n0) / (values[1:] - n0)
        assert np.all((ratios > 1.9) & (ratios < 2.1)), ratios
    slopes = (exact - n0) / np.array(LEVEL_LAMS)
    assert abs(slopes[-1] - slopes[-2]) < 0.6 * abs(slopes[-2] - slopes[-3])         # O(λ²) remainder
    system = resonant_level(EPS_D, leads(LEVEL_LAMS[0], spec))
    deeper = heom_steady_state(system, n_pade=4, max_depth=3)[0, 0].real
    assert abs(deeper - heom[0]) < 1e-12
    assert abs(heom_steady_state(system, n_pade=4, max_depth=1)[0, 0].real - n0) < 1e-12


def test_lead_self_energy_is_the_hilbert_transform_of_the_lorentzian():
    """Σ = Λ − iJ/2 with Λ(ω) = (1/2π) P∫ J(x)/(ω − x) dx, against QUADPACK's QAWC on [−200, 200] plus the tails."""
    lead = lc.FermionicBath(lc.lorentzian(0.7, 3.0, 0.4), beta=1.0, mu=0.0)
    J = lead.spectral_density
    for omega in (-2.0, 0.4, 1.5, 7.0):
        pv = quad(J, -200.0, 200.0, weight="cauchy", wvar=omega, epsabs=1e-13, limit=200)[0]
        tails = ((-np.inf, -200.0), (200.0, np.inf))
        pv += sum(quad(lambda x, w=omega: J(x) / (x - w), a, z, epsabs=1e-13)[0] for a, z in tails)
        sigma = lead_self_energy(omega, [lead])
        assert abs(sigma.real + pv / (2 * np.pi)) < 1e-10 and abs(sigma.imag + J(omega) / 2) < 1e-14


def test_resonant_level_occupation_sum_rule():
    """∫ A dω/2π = 1: a level below a lead at μ = +1e4 is full, above one at μ = −1e4 empty (to 1e-9)."""
    for mu, full in ((1e4, 1.0), (-1e4, 0.0)):
        n = resonant_level_occupation(EPS_D, [lc.FermionicBath(lc.lorentzian(0.5, 3.0), beta=1.0, mu=mu)])
        assert abs(n - full) < 1e-9, n


def test_fermionic_referee_refuses_what_it_cannot_compute():
    flat = lc.FermionicBath(lc.flat_band(0.01, 5.0), beta=1.0, mu=0.0)
    lorentz = lc.FermionicBath(lc.lorentzian(0.01, 5.0), beta=1.0, mu=0.0)
    with pytest.raises(ValueError, match="lorentzian"):
        heom_steady_state(resonant_level(EPS_D, [flat]))
    with pytest.raises(ValueError, match="lorentzian"):
        resonant_level_occupation(EPS_D, [flat])
    majorana = lc.OpenSystem(EPS_D * np.diag([1.0, 0.0]), [lc.Coupling(SX, 0, lorentz, form="hermitian")])
    with pytest.raises(ValueError, match="exchange"):
        heom_steady_state(majorana)
    with pytest.raises(ValueError, match="expansion"):
        heom_steady_state(resonant_level(EPS_D, [lorentz]), expansion="fourier")
    with pytest.raises(ValueError, match="Gamma"):
        resonant_level_occupation(EPS_D, [lc.FermionicBath(lc.lorentzian(0.0, 5.0), beta=1.0)])
