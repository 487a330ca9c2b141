"""The properties of lindblad_core.sdp.properties against independent formulations and analytic cases.

References, each from outside the code under test:
- the certified SDPs lc.tau_pop / lc.tau_pop_coh (their own dual / conic assembly and the library's IPM);
- plain cvxpy problems written out term by term below, on the operators of tests/_lindblad_reference.py
  (built from their definition in the computational basis; only the eigenvectors, ρ0 and L2(ρ0) are data);
- the Gibbs state in closed form (KMS: the Redfield ρ0 at equal temperatures);
- finite-ε steady states: the full Redfield equation (lc.steady_state, a d² linear solve) and QuTiP's steadystate
  of a candidate's Liouvillian, whose currents Tr(Jρ)/ε² must approach the leading-order ones.
"""

import numpy as np
import pytest

import lindblad_core as lc
from lindblad_core.lindblad.ansatz import traceless_hermitian_basis
from lindblad_core.lindblad.candidate import (candidate_populations, check_candidate, l2_prime,
                                              local_lindblad_candidate)
from lindblad_core.sdp import DELTA_TOL
from lindblad_core.sdp.currents import bond_charge, leading_order_current
from lindblad_core.sdp.problem import resolve
from lindblad_core.sdp.properties import (Coherences, Current, LocalConservation, Populations, Thermalization,
                                          gibbs_populations, tau_property)
from lindblad_core.sdp.property_problem import current_rows, dissipator_entries, lamb_entries
from tests._lindblad_reference import Reference

NONEQ = dict(n_left=1, n_middle=1, n_right=1, beta_left=1.0, beta_right=0.5)  # d = 8, one qubit per bath
# Two certified intervals of the same optimum agree to this (both are tight to CERT_RTOL = 1e-6 plus the solvers'
# 1e-8–1e-10 absolute tolerances).
SAME_OPTIMUM = dict(rtol=1e-5, atol=1e-8)
# A solver value against a plain cvxpy solve of the same problem: both at Clarabel's default 1e-8 tolerances.
SOLVER_AGREEMENT = dict(rtol=1e-5, atol=1e-7)
N_UP = np.diag([1.0, 0.0])  # |0><0|: the excitation of a qubit (σ− = |1><0|)


def _energy(ref, op):
    return ref.vectors.conj().T @ op @ ref.vectors


def _plain_entries(ref, p, entries, gammas, hams):
    """<E_i|L2'(diag p)|E_j> for (i, j) in ``entries`` as cvxpy expressions, term by term (Eq. (23))."""
    import cvxpy as cp

    rho = np.diag(p)
    ops = [np.array([_energy(ref, x) for x in f]) for f in ref.operators]
    out = []
    for i, j in entries:
        expr = 0
        for fe, (side, _), g, h in zip(ops, ref.blocks, gammas, hams):
            for a in range(len(fe)):
                for b in range(len(fe)):
                    fa_fb = fe[a].conj().T @ fe[b]
                    m = fe[b] @ rho @ fe[a].conj().T - 0.5 * (fa_fb @ rho + rho @ fa_fb)
                    expr = expr + g[a, b] * m[i, j]
            if i != j:  # i[ρ, H ⊗ I]_ij = i (p_i − p_j) <E_i|H ⊗ I|E_j>
                rest = np.eye(ref.d // h.shape[0])
                full = cp.kron(h, rest) if side == "left" else cp.kron(rest, h)
                expr = expr + 1j * (p[i] - p[j]) * (ref.vectors[:, i].conj() @ full @ ref.vectors[:, j])
        out.append(expr)
    return out


def _plain_variables(ref):
    import cvxpy as cp

    gammas = [cp.Variable((m, m), hermitian=True) for m, _ in ref.block_sizes()]
    hams = [cp.Variable((k, k), hermitian=True) for _, k in ref.block_sizes()]
    # Tr H_LS = 0 (it drops out of Eq. (23)) also keeps every part of each variable in the problem, which cvxpy's
    # complex-to-real reduction needs when an objective sees only part of a Hermitian variable
    cons = [g >> 0 for g in gammas] + [cp.real(cp.trace(g)) == 1 for g in gammas] \
        + [cp.trace(h) == 0 for h in hams]
    return gammas, hams, cons


def _solve(objective, cons):
    import cvxpy as cp

    problem = cp.Problem(cp.Minimize(objective), cons)
    problem.solve(solver="CLARABEL")
    assert problem.value is not None and np.isfinite(problem.value), problem.status
    return problem.value


# -- the paper's two SDPs as special cases -----------------------------------------------------------------------

@pytest.mark.parametrize("setup", [lc.ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.01, beta_left=1.0, beta_right=0.5),
                                   lc.ChainSetup(g=0.1, **NONEQ)], ids=["fig2", "three_sites"])
def test_populations_alone_is_tau_pop(setup):
    """Populations under the l1 norm is Eq. (29): the certified interval of lc.tau_pop (its dual, the IPM)."""
    ours, ref = tau_property(setup, Populations()), lc.tau_pop(setup)
    assert ours.certificate == "tau_pop" and ours.certified and ref.certified
    np.testing.assert_allclose([ours.lower, ours.upper], [ref.lower, ref.upper], **SAME_OPTIMUM)
    assert ours.verdict() == ref.verdict()


@pytest.mark.parametrize("norm, ref_norm", [("spectral", "spectral"), ("l2", "frobenius")])
def test_populations_and_all_coherences_is_tau_pop_coh(norm, ref_norm):
    """Populations + Coherences("all") measured together is Eq. (33): lc.tau_pop_coh's certified interval."""
    setup = lc.ChainSetup(g=0.05, **NONEQ)
    ours = tau_property(setup, [Populations(), Coherences()], norm=norm)
    ref = lc.tau_pop_coh(setup, norm=ref_norm)
    assert ours.certificate == "tau_pop_coh" and ours.certified and ref.certified
    np.testing.assert_allclose([ours.lower, ours.upper], [ref.lower, ref.upper], **SAME_OPTIMUM)


# -- thermalization (Tupkary et al. 2023) ------------------------------------------------------------------------

@pytest.mark.parametrize("mu", [0.0, -0.5])
def test_gibbs_state_is_the_redfield_nESS_at_equal_temperatures(mu):
    """KMS detailed balance: at β_L = β_R = β the zeroth-order NESS is e^{−β(H − μN)}/Z (closed form)."""
    setup = lc.ChainSetup(g=0.2, mu=mu, **{**NONEQ, "beta_right": 1.0})
    system = setup.open_system()
    h = system.to_energy_basis(setup.hamiltonian())
    n_exc = system.to_energy_basis(sum(np.kron(np.kron(np.eye(2**k), N_UP), np.eye(2 ** (2 - k))) for k in range(3)))
    w = np.exp(-(np.real(np.diag(h)) - mu * np.real(np.diag(n_exc))))
    np.testing.assert_allclose(gibbs_populations(system, 1.0, mu), w / w.sum(), rtol=1e-12)
    np.testing.assert_allclose(lc.populations(lc.redfield(setup)), w / w.sum(), atol=1e-10)


@pytest.mark.parametrize("n_left, n_right", [(3, 0), (2, 2)])
def test_thermalization_possible_when_every_site_touches_a_bath(n_left, n_right):
    """Baths on every site (one block of 3 sites, or two blocks of 2): a Lindbladian of Eq. (23) thermalises
    (the paper's Sec. III C, Fig. 4 at N_M = 0): certified τ below δ_tol."""
    res = tau_property(lc.ChainSetup(n_left=n_left, n_middle=0, n_right=n_right, g=0.1, beta_left=1.0),
                       Thermalization())
    assert res.certificate == "tau_pop" and res.certified
    assert res.verdict() == "possible" and res.upper < 1e-3 * DELTA_TOL


@pytest.mark.parametrize("n_middle, g, beta", [(2, 0.1, 1.0), (3, 0.01, 0.5), (3, 0.3, 5.0)])
def test_thermalization_impossible_when_only_the_first_qubit_touches_the_bath(n_middle, g, beta):
    """Tupkary et al. (2023): with one qubit on the bath no such Lindbladian thermalises the XXZ chain: the
    certified lower bound is far above δ_tol, and equals the plain TOP written out below."""
    setup = lc.ChainSetup(n_left=1, n_middle=n_middle, n_right=0, g=g, beta_left=beta)
    res = tau_property(setup, Thermalization())
    assert res.certified and res.lower > 10 * DELTA_TOL
    ref = Reference(setup)
    h = np.real(np.diag(_energy(ref, setup.hamiltonian())))
    p = np.exp(-beta * (h - h.min()))
    p /= p.sum()
    gammas, hams, cons = _plain_variables(ref)
    import cvxpy as cp

    diag = _plain_entries(ref, p, [(k, k) for k in range(ref.d)], gammas, hams)
    value = _solve(sum(cp.abs(cp.real(x)) for x in diag), cons)
    assert res.lower - SOLVER_AGREEMENT["atol"] <= value * (1 + SOLVER_AGREEMENT["rtol"])
    assert value <= res.upper * (1 + SOLVER_AGREEMENT["rtol"]) + SOLVER_AGREEMENT["atol"]


# -- coherences (a subset) and currents against plain cvxpy ---------------------------------------------------

@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_coherence_subset_matches_plain_cvxpy(norm):
    import cvxpy as cp

    setup = lc.ChainSetup(g=0.1, **NONEQ)
    entries = [(1, 2), (3, 5), (4, 6)]
    res = tau_property(setup, Coherences(entries), norm=norm)
    assert res.certificate is None and not res.certified and res.lower <= res.upper
    ref = Reference(setup)
    t = _energy(ref, ref.target)
    gammas, hams, cons = _plain_variables(ref)
    both = entries + [(j, i) for i, j in entries]
    diffs = [x - t[i, j] for x, (i, j) in zip(_plain_entries(ref, ref.p, both, gammas, hams), both)]
    objective = (sum(cp.abs(x) for x in diffs) if norm == "l1"
                 else cp.norm(cp.hstack([cp.real(cp.hstack(diffs)), cp.imag(cp.hstack(diffs))]), 2))
    np.testing.assert_allclose(res.value, _solve(objective, cons), **SOLVER_AGREEMENT)
    assert tau_property(setup, Coherences(), norm=norm).value >= res.value - 1e-8  # more entries, larger τ


def test_populations_plus_current_matches_plain_cvxpy():
    """A mixed objective Σ_k |<E_k|L2'(ρ0)|E_k>| + |c(Γ) − c_R|, the current through bond 1 written out as
    Σ_{α≠ν} (Q_A)_να L2'(ρ0)_αν with Q_A the excitation number of sites 0, 1."""
    import cvxpy as cp

    setup = lc.ChainSetup(g=0.1, **NONEQ)
    res = tau_property(setup, [Populations(), Current(1)])
    assert res.certificate is None
    ref = Reference(setup)
    q = _energy(ref, np.kron(np.kron(N_UP, np.eye(2)) + np.kron(np.eye(2), N_UP), np.eye(2)))
    t = _energy(ref, ref.target)
    gammas, hams, cons = _plain_variables(ref)
    off = [(i, j) for i in range(ref.d) for j in range(ref.d) if i != j]
    current = sum(q[j, i] * x for x, (i, j) in zip(_plain_entries(ref, ref.p, off, gammas, hams), off))
    c_r = float(np.real(sum(q[j, i] * t[i, j] for i, j in off)))
    np.testing.assert_allclose(c_r, leading_order_current(setup, 1), rtol=1e-12)
    diag = _plain_entries(ref, ref.p, [(k, k) for k in range(ref.d)], gammas, hams)
    value = _solve(sum(cp.abs(cp.real(x)) for x in diag) + cp.abs(cp.real(current) - c_r), cons)
    np.testing.assert_allclose(res.value, value, **SOLVER_AGREEMENT)


def test_assembled_rows_match_the_independent_l2_prime():
    """dissipator_entries, lamb_entries and current_rows applied to a random (Γ, H_LS) equal the jump-operator
    evaluation of tests/_lindblad_reference.py at ρ0 (all entries) and the current functional."""
    setup = lc.ChainSetup(g=0.1, **NONEQ)
    ref = Reference(setup)
    red, ansatz = resolve(setup, None)
    gammas, hams = ref.random_candidate(np.random.default_rng(7), traces=[1.0, 1.0])
    expected = _energy(ref, ref.l2_prime(ref.rho0, gammas, hams))
    d = ref.d
    i, j = np.divmod(np.arange(d * d), d)
    got = np.zeros(d * d, complex)
    q = bond_charge(setup, 0)
    current = 0.0
    for f, basis, g, h, b in zip(ansatz.operators, ansatz.hamiltonian_basis, gammas, hams, ansatz.blocks):
        theta = np.real(np.einsum("hij,ji->h", traceless_hermitian_basis(b.dim), h))  # H_LS = Σ θ_h B_h + c I
        got += dissipator_entries(f, ref.p, i, j) @ g.ravel() + lamb_entries(basis, ref.p, i, j) @ theta
        row, lamb = current_rows(f, basis, ref.p, q)
        current += row @ g.ravel() + lamb @ theta
    scale = np.max(np.abs(expected))
    np.testing.assert_allclose(got.reshape(d, d), expected, atol=1e-12 * scale)
    off = q.T * expected
    np.testing.assert_allclose(current, np.sum(off) - np.trace(off), atol=1e-12 * scale * np.abs(q).sum())


# -- currents: the Redfield value, a candidate's value, the local Lindblad equation -------------------------------

def _finite_epsilon_current(rho, q, energies, eps):
    j = 1j * (q * energies[None, :] - energies[:, None] * q)  # J = i[Q_A, H_S] in the energy basis
    return float(np.real(np.trace(j @ rho))) / eps**2


@pytest.mark.parametrize("kind, bond", [("particle", 0), ("energy", 1)])
def test_redfield_current_is_the_finite_epsilon_limit(kind, bond):
    """ε² Σ Q_να L2(ρ0)_αν is the current of the full Redfield NESS (a d² linear solve) as ε → 0."""
    setup = lc.ChainSetup(g=0.1, **NONEQ)
    red = lc.redfield(setup)
    q, e = bond_charge(setup, bond, kind), setup.open_system().energies
    eps = 1e-3
    finite = _finite_epsilon_current(lc.steady_state(red, eps, basis="energy"), q, e, eps)
    np.testing.assert_allclose(leading_order_current(setup, bond, kind), finite, rtol=1e-4)


def _qutip_current(candidate, setup, bond, eps, kind="particle"):
    qt = pytest.importorskip("qutip")
    system = setup.open_system()
    rho = qt.steadystate(candidate.to_qutip(eps)).full()
    return _finite_epsilon_current(system.to_energy_basis(rho), bond_charge(setup, bond, kind), system.energies, eps)


@pytest.mark.parametrize("g", [0.003, 0.01, 0.03])
def test_local_lindblad_current_tends_to_the_redfield_current_at_small_g(g):
    """The standard local Lindblad equation (physical rates) carries the Redfield current up to O(g): both from
    finite-ε steady states (QuTiP for the Lindbladian, the full Redfield solve), and its leading-order value
    from leading_order_current(candidate=...) agrees with QuTiP's."""
    setup = lc.ChainSetup(g=g, **NONEQ)
    red, ansatz = resolve(setup, None)
    local = local_lindblad_candidate(ansatz, red, trace=None)
    eps = 1e-3
    c_local = _qutip_current(local, setup, 0, eps)
    np.testing.assert_allclose(leading_order_current(setup, 0, candidate=local), c_local, rtol=1e-4)
    c_red = _finite_epsilon_current(lc.steady_state(red, eps, basis="energy"), bond_charge(setup, 0),
                                    setup.open_system().energies, eps)
    assert abs(c_local - c_red) < g * abs(c_red)  # measured: 0.54 g


def test_correct_current_with_correct_populations_but_wrong_coherences():
    """Two qubits per bath at g = 0.01 (Fig. 3's 'populations possible' regime), Tr Γ free: the SDP finds a
    Lindbladian whose populations are right to δ_tol and whose leading-order current is the Redfield one —
    checked on its QuTiP steady state — while its coherences are far off."""
    setup = lc.ChainSetup(n_left=2, n_middle=0, n_right=2, g=0.01, beta_left=1.0, beta_right=0.5)
    res = tau_property(setup, Current(1), [Populations()], constraint_tol=DELTA_TOL, trace=None)
    c_red = leading_order_current(setup, 1)
    assert res.certificate is None and res.upper < 1e-6 * abs(c_red)
    assert res.options["constraint_violation"] <= DELTA_TOL * (1 + 1e-3)
    cand = res.candidate
    p = lc.populations(lc.redfield(setup))
    assert np.sum(np.abs(candidate_populations(cand) - p)) < 1e-4
    np.testing.assert_allclose(_qutip_current(cand, setup, 1, 1e-3), c_red, rtol=1e-3)
    red = lc.redfield(setup)
    t = lc.l2(red, np.diag(p).astype(complex), basis="energy")
    coh_error = np.linalg.norm(l2_prime(cand, np.diag(p).astype(complex)) - t, 2) / np.linalg.norm(t, 2)
    assert coh_error > 0.5


# -- local conservation, results, input checks -------------------------------------------------------------------

def test_candidates_obey_the_local_conservation_laws():
    """Eq. (22): the middle site's observables are untouched by L2' of any candidate (continuity equation)."""
    setup = lc.ChainSetup(g=0.1, **NONEQ)
    res = tau_property(setup, [Coherences([(1, 2)]), LocalConservation([(0,), (2,)])], norm="l2")
    check = check_candidate(res.candidate, lc.redfield(setup))
    assert check.continuity_violation < 1e-12 * max(1.0, np.max(np.abs(np.concatenate(
        [np.ravel(g) for g in res.candidate.gammas]))))
    same = tau_property(setup, Coherences([(1, 2)]), norm="l2", blocks=[(0,), (2,)])
    np.testing.assert_allclose(same.value, res.value, **SOLVER_AGREEMENT)


def test_uncertified_results_say_so():
    res = tau_property(lc.ChainSetup(g=0.1, **NONEQ), Current(0))
    assert res.certificate is None and not res.certified and "NOT certified" in res.explain()
    assert "not certified" in str(res) and res.to_dict()["certified"] is False


@pytest.mark.parametrize("kwargs, match", [
    (dict(objective=Populations(), norm="max"), "norm must be one of"),
    (dict(objective=[Populations(), Current(0)], norm="spectral"), "norm='spectral'"),
    (dict(objective=Coherences([(1, 1)])), "Coherences.entries"),
    (dict(objective=Coherences([(0, 99)])), "Coherences.entries"),
    (dict(objective=Thermalization()), "Thermalization.beta"),
    (dict(objective=Thermalization(beta=-1.0)), "Thermalization.beta"),
    (dict(objective=Current(5)), "bond must be an integer"),
    (dict(objective=Current(0, kind="spin")), "Current.kind"),
    (dict(objective=Current(0, weight=0.0)), "Current.weight"),
    (dict(objective=()), "objective must hold"),
    (dict(objective=[LocalConservation()]), "objective must hold"),
    (dict(objective=["populations"]), "objective must be a property"),
    (dict(objective=Populations(), constraint_tol=-1.0), "constraint_tol"),
    (dict(objective=[Populations(), LocalConservation([(0,), (2,)])], blocks=[(0, 1), (2,)]), "named twice"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tau_property(lc.ChainSetup(g=0.1, **NONEQ), **kwargs)
