"""The plug points of the SDPs: an explicit basis for the diagonal of Eq. (28) in τ^pop, an explicit target T of
Eq. (33) in τ^pop,coh. Each is checked against the default computation it must reproduce, and against a change
that must leave the optimum unchanged."""

import numpy as np
import pytest

import lindblad_core as lc
from lindblad_core.redfield_equation import l2, populations, redfield

SETUP = lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.05, beta_left=1.0, beta_right=0.3, bias=0.02)


def _overlap(a, b):
    return a.lower <= b.upper + 1e-9 and b.lower <= a.upper + 1e-9


def test_energy_eigenbasis_given_explicitly_is_the_default():
    """basis = the eigenvectors of H_S (as an array): the Lamb shift drops out again, same optimum."""
    default = lc.tau_pop(SETUP)
    explicit = lc.tau_pop(SETUP, basis=SETUP.open_system().eigenvectors)
    assert explicit.options["lamb_directions"] == 0
    assert _overlap(default, explicit)
    np.testing.assert_allclose(explicit.upper, default.upper, rtol=1e-6)


def test_permuted_basis_gives_the_same_optimum():
    """Σ_k |c_k| does not depend on the order of the basis vectors."""
    v = SETUP.open_system().eigenvectors
    perm = np.random.default_rng(3).permutation(v.shape[0])
    a, b = lc.tau_pop(SETUP, basis=v), lc.tau_pop(SETUP, basis=v[:, perm])
    np.testing.assert_allclose(a.upper, b.upper, rtol=1e-6)
    assert _overlap(a, b)


def test_rotated_basis_needs_the_lamb_shift_and_is_certified():
    """A basis that mixes two energy eigenvectors of the same charge with a complex phase: ρ0 is not diagonal there, the Lamb shift
    enters (directions kept), and the certified interval still contains a directly evaluated candidate value."""
    v = SETUP.open_system().eigenvectors.astype(complex)
    q = np.rint(np.einsum("ia,i->a", np.abs(v) ** 2, SETUP.open_system().charge)).astype(int)
    i, j = [np.flatnonzero(q == q[1])[k] for k in (0, 1)]
    c, s, phase = np.cos(0.4), np.sin(0.4), np.exp(0.7j)  # a complex rotation: real B_h then have directions
    v[:, [i, j]] = v[:, [i, j]] @ np.array([[c, -s * np.conj(phase)], [s * phase, c]])
    res = lc.tau_pop(SETUP, basis=v)
    assert res.options["lamb_directions"] > 0 and res.lower <= res.upper
    # the candidate's value, evaluated independently of the certificate code
    cand = res.candidate
    from lindblad_core.lindblad.candidate import l2_prime

    red = redfield(SETUP)
    rho0_e = np.diag(populations(red)).astype(complex)
    x = l2_prime(cand, rho0_e)  # energy basis
    w = red.system.eigenvectors.conj().T @ v
    value = float(np.sum(np.abs(np.real(np.einsum("ik,ij,jk->k", w.conj(), x, w)))))
    assert res.lower - 1e-9 <= value <= res.upper * (1 + 1e-6) + 1e-9


@pytest.mark.parametrize("basis, name", [(np.eye(3), "basis"), (np.ones((8, 8)), "orthonormal"),
                                         ("energy", "basis")])
def test_bad_basis_is_named(basis, name):
    with pytest.raises(ValueError, match=name):
        lc.tau_pop(SETUP, basis=basis)


def test_explicit_physical_target_is_the_default():
    red = redfield(SETUP)
    t = l2(red, np.diag(populations(red)).astype(complex), basis="energy")
    a, b = lc.tau_pop_coh(SETUP), lc.tau_pop_coh(SETUP, target=t)
    assert a.lower == b.lower and a.upper == b.upper
    assert b.options["target"] == "explicit" and a.options["target"] == "physical"


def test_zero_target_is_solved_by_zero_dissipator_only_at_zero():
    """T = 0: Γ must have Tr Γ = 1, so the optimum is the smallest ‖L2'(ρ0)‖ > 0; with a free trace Γ = 0 is
    feasible and the optimum is 0 (certified upper bound at rounding level)."""
    d = SETUP.dim
    fixed = lc.tau_pop_coh(SETUP, target=np.zeros((d, d)))
    free = lc.tau_pop_coh(SETUP, target=np.zeros((d, d)), free_trace=True)
    assert fixed.lower > 1e-3 and free.upper < 1e-9


@pytest.mark.parametrize("target, name", [(np.zeros((3, 3)), "target"), (np.triu(np.ones((8, 8))), "Hermitian"),
                                          ("published", "target")])
def test_bad_target_is_named(target, name):
    with pytest.raises(ValueError, match=name):
        lc.tau_pop_coh(SETUP, target=target)
