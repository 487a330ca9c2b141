"""ρ0 and ε²ρ2 (Eqs. (A1), (15)) against QuTiP's HEOM steady state and the mean-force Gibbs state.

A spin–boson qubit H_S = ω/2 σz + Δ/2 σx on Drude–Lorentz baths coupled through σz, through σx, and through
σz and σx to two baths at different temperatures. J = 4λγω/(ω² + γ²) is linear in λ, so ε² = λ for a system
built with λ_ref = 1 (lindblad_core/studies/heom_referee.py): the exact NESS is ρ0 + λ ρ2 + O(λ²) off the energy
diagonal, and ρ0 + O(λ) everywhere. HEOM with Nk = 4 Padé terms and depth 3 changes (ρ − ρ0)/λ by about 2e-5
(one bath, λ = 0.005) against Nk = 6, depth 4, far below the errors asserted (notebooks/14_heom_referee.ipynb
has the table).
"""

import numpy as np
import pytest

import lindblad_core as lc

pytest.importorskip("qutip.solver.heom")
from lindblad_core.studies.heom_referee import heom_steady_state, mean_force_coherences  # noqa: E402

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
