"""The best Lindbladian at a physical coupling: its NESS against ρ0 and Lemma 1, and its warnings."""

import warnings

import numpy as np
import pytest

import lindblad_core as lc
from lindblad_core.sdp.best_lindbladian import LindbladianWarning, best_lindbladian
from lindblad_core.studies.examples import two_qubits

pytest.importorskip("qutip")


def _quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LindbladianWarning)
        return best_lindbladian(*args, **kwargs)


@pytest.mark.parametrize("objective", ["coherences", "populations"])
def test_where_the_sdp_says_possible_the_ness_tends_to_rho0(objective):
    """Two qubits on two baths: the free-trace τ^pop,coh and τ^pop are ~0 (possible), so the candidate's
    zeroth-order NESS is ρ0 and its NESS at coupling ε approaches ρ0 as ε → 0; it is unique and checked against
    the Redfield steady state at the same ε."""
    system = two_qubits(g=0.1)
    coarse, fine = _quiet(system, 0.2, objective=objective), _quiet(system, 0.05, objective=objective)
    assert coarse.result.verdict() == "possible" and fine.unique and coarse.unique
    assert fine.distance_to_rho0 < coarse.distance_to_rho0 < 0.05
    # the NESS is a density matrix, and the Redfield NESS is as close to ρ0 at this order
    w = np.linalg.eigvalsh(fine.steady_state)
    assert w.min() > -1e-10 and abs(np.trace(fine.steady_state) - 1) < 1e-10
    assert fine.distance_to_redfield < 0.02


def test_where_the_sdp_says_impossible_lemma1_bounds_the_distance():
    """One qubit per bath (Fig. 2): τ^pop is 'impossible', and by Lemma 1 no Lindbladian of Eq. (23) has
    zeroth-order populations p' with ‖p − p'‖₁ < τ/α: at small ε the best one's NESS (→ diag p' in the energy
    basis) is at least half that trace distance from ρ0, and the warning says so."""
    setup = lc.ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.01, beta_left=1.0, beta_right=0.5)
    with pytest.warns(LindbladianWarning, match="from rho0"):
        best = best_lindbladian(setup, 0.01, objective="populations", max_distance=1e-6)
    assert best.result.verdict() == "impossible"
    assert best.distance_to_rho0 >= 0.5 * lc.lemma1_bound(best.result) * (1 - 1e-3)


def test_rescaling_leaves_the_populations_objective_optimal():
    """τ^pop is homogeneous in Γ: the rescaled candidate's Σ_k |c_k| is ``scale`` times the certified optimum."""
    from lindblad_core.lindblad.candidate import l2_prime
    from lindblad_core.redfield_equation import populations, redfield

    system = lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.05, beta_left=1.0, beta_right=0.3)
    best = _quiet(system, 0.1, objective="populations")
    red = redfield(system)
    value = np.sum(np.abs(np.real(np.diag(l2_prime(best.candidate, np.diag(populations(red)).astype(complex))))))
    assert best.scale > 0
    np.testing.assert_allclose(value, best.scale * best.result.upper, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("kwargs, name", [(dict(epsilon=-1.0), "epsilon"), (dict(epsilon=np.nan), "epsilon"),
                                          (dict(epsilon=0.1, objective="both"), "objective"),
                                          (dict(epsilon=0.1, max_distance=0.0), "max_distance")])
def test_bad_input_is_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        best_lindbladian(two_qubits(), **kwargs)


def test_physical_scale_is_positive():
    """The least-squares factor Re<D, T>/‖D‖² where it is positive; where D points away from T (a candidate whose
    image anti-correlates with L2(ρ0), met when the solver stops at another optimum of the homogeneous τ^pop) the
    size ratio ‖T‖/‖D‖ instead of a negative factor, which would make the rates negative (not completely positive)."""
    from lindblad_core.sdp.best_lindbladian import physical_scale

    rng = np.random.default_rng(4)
    t = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    assert physical_scale(2.0 * t, t) == pytest.approx(0.5, rel=1e-14)
    assert physical_scale(-2.0 * t, t) == pytest.approx(0.5, rel=1e-14)
    assert physical_scale(np.zeros_like(t), t) == 1.0
    other = rng.normal(size=(4, 4))
    d = other - np.real(np.vdot(t, other)) / np.real(np.vdot(t, t)) * t - 0.1 * t  # Re<D, T> < 0
    assert np.real(np.vdot(d, t)) < 0 and physical_scale(d, t) == pytest.approx(np.linalg.norm(t) / np.linalg.norm(d))
