"""Model: Eq. (35) / App. C conventions and input validation."""

import numpy as np

from lindblad_core.redfield_equation import redfield
import pytest

from lindblad_core.systems.chain import ChainSetup
from lindblad_core import BosonicBath, Coupling, OpenSystem, ohmic
from lindblad_core.systems.chain import xxz_hamiltonian
from lindblad_core.systems.operators import SIGMA_MINUS, SIGMA_Z, site_operator

BATH = BosonicBath(ohmic(), beta=1.0)


def _system(h, site=0, **kwargs):
    return OpenSystem(h, [Coupling(SIGMA_MINUS, site, BATH)], **kwargs)


def test_single_qubit_level_spacing_of_both_field_conventions():
    """projector: |0><0| gives spacing ω0; sigma_z gives 2 ω0 (docs/conventions.md)."""
    assert np.ptp(np.linalg.eigvalsh(xxz_hamiltonian(1, g=0.3, field="projector"))) == pytest.approx(1.0)
    assert np.ptp(np.linalg.eigvalsh(xxz_hamiltonian(1, g=0.3, field="sigma_z"))) == pytest.approx(2.0)


def test_two_site_heisenberg_singlet_triplet():
    """g (XX+YY+ZZ) on two qubits: triplet at +g, singlet at -3g (zero field)."""
    e = np.linalg.eigvalsh(xxz_hamiltonian(2, g=0.7, omega0=0.0))
    np.testing.assert_allclose(e, [-2.1, 0.7, 0.7, 0.7], atol=1e-12)


def test_bias_sits_on_the_right_half():
    """App. C: h = ω0 on sites < N//2 and ω0 + ε0 on the rest; site 0 is the slowest factor."""
    h = xxz_hamiltonian(3, g=0.0, bias=0.25)
    n = 3
    expected = sum((1.0 + (0.25 if s >= n // 2 else 0.0)) * site_operator(np.diag([1.0, 0.0]), s, n)
                   for s in range(n))
    np.testing.assert_allclose(h, expected)
    assert h[0b011, 0b011] == pytest.approx(1.0)  # only site 0 up: h_0 = 1


def test_sigma_minus_lowers_sigma_z():
    up = np.array([1.0, 0.0])
    assert np.allclose(SIGMA_MINUS @ up, [0.0, 1.0])
    assert (SIGMA_Z @ up)[0] == 1.0


def test_energies_sorted_and_magnetisation_conserved():
    setup = ChainSetup(n_left=2, n_middle=1, n_right=1, g=0.3, bias=0.1)
    e = setup.open_system().energies
    assert np.all(np.diff(e) > 0)
    assert setup.open_system().conserves_charge()
    assert setup.bath_sites == (0, 1, 3)


def test_numpy_integers_are_site_counts():
    setup = ChainSetup(n_left=np.int64(2), n_middle=np.int32(0), n_right=np.int64(1), g=0.2)
    assert (setup.n_left, setup.n_sites, setup.dim) == (2, 3, 8) and type(setup.n_left) is int


def test_custom_hamiltonian_accepted_and_validated():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    sys_ = _system(a + a.conj().T)
    assert sys_.n_sites == 2
    with pytest.raises(ValueError, match="Hermitian"):
        _system(a)
    with pytest.raises(ValueError, match="dims must be given"):
        _system(np.eye(3))
    with pytest.raises(ValueError, match="Coupling.sites"):
        _system(a + a.conj().T, site=2)


def test_degenerate_spectrum_is_refused_unless_opted_in():
    h = xxz_hamiltonian(2, g=0.0)  # two single-flip states at the same energy
    with pytest.raises(ValueError, match="degenerate"):
        _system(h)
    assert _system(h, allow_degenerate=True).dim == 4


@pytest.mark.parametrize("kwargs, name", [
    (dict(n_left=0), "n_left"), (dict(n_middle=-1), "n_middle"), (dict(n_right=-2), "n_right"),
    (dict(n_left=1.5), "n_left"), (dict(beta_left=0.0), "beta_left"), (dict(beta_right=-3.0), "beta_right"),
    (dict(gamma=-1.0), "gamma"), (dict(omega_c=0.0), "omega_c"), (dict(mu=2.0), "mu"),
    (dict(field="x"), "field"), (dict(g=np.nan), "g"), (dict(gamma=(1.0,)), "gamma"),
])
def test_bad_setup_is_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ChainSetup(**kwargs)


def test_chain_setup_is_a_pure_record():
    """No cached OpenSystem/Redfield inside the record: equal setups compare, hash and pickle as values, and share
    their derived objects through the cache outside the dataclass."""
    import dataclasses
    import pickle

    a, b = ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.05), ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.05)
    assert all(f.init for f in dataclasses.fields(ChainSetup))
    assert a == b and hash(a) == hash(b) and pickle.loads(pickle.dumps(a)) == a
    assert redfield(a) is redfield(b) and a.open_system() is b.open_system()
    assert dataclasses.asdict(a) == a.to_dict()
