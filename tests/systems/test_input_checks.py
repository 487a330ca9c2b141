"""Bad input to the general-system API gets the right answer or a clear error naming the parameter.

Each case is a reproducer of a wrong answer or a traceback that a user could reach; the expected values are
analytic (a Bohr frequency from ``eigvalsh``, energy conservation) or an independent computation (the
population block of L2 applied by ``l2``; the closed-form Drude–Lorentz J against a tabulated one).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import lindblad_core as lc
from lindblad_core.sdp import solve as solvers
from lindblad_core.redfield_equation import l2, l2_superoperator, populations, rate_matrix, redfield, steady_state
from lindblad_core.sdp import tau_pop, tau_pop_coh
from lindblad_core.sdp.problem import TRACE_RANGE
from lindblad_core.systems.open_system import DEGENERACY_RTOL, Coupling, OpenSystem

qt = pytest.importorskip("qutip")
environment = pytest.importorskip("qutip.core.environment")

SM = np.array([[0.0, 0.0], [1.0, 0.0]])  # σ− = |1><0|, level 0 the excited one (n = diag(1, 0))
N = np.diag([1.0, 0.0])
I2 = np.eye(2)
# Two coupled qubits with splittings 1 and 1.3 and an exchange 0.1: Bohr frequencies 0.970, 1.330, 0.360.
H = np.kron(N, I2) + 1.3 * np.kron(I2, N) + 0.1 * (np.kron(SM.T, SM) + np.kron(SM, SM.T))
COLD = lc.BosonicBath(lc.ohmic(), beta=3.0)


def _two_qubits(hot, h=H, cold=COLD):
    return OpenSystem(h, [Coupling(SM, 0, hot), Coupling(SM, 1, cold)])


def _j0(x):
    x = np.asarray(x, float)
    return x * np.exp(-(x / 10) ** 2)


def _dip(x):
    """J0 with a narrow dip to negative values around ω = 1.33, between the probe points of BosonicBath."""
    x = np.asarray(x, float)
    return _j0(x) * (1 - 1.5 * np.exp(-((x - 1.33) / 0.03) ** 2))


# -- the spectral density is checked where it is used ------------------------------------------------------------

def test_negative_spectral_density_at_a_bohr_frequency_is_named():
    """J < 0 at a Bohr frequency between the probe points: the SDP must not see clipped rates (it certified
    "impossible" [0.00927, 0.00927] where the same J without the dip gives "possible")."""
    hot = lc.BosonicBath(_dip, beta=0.8)  # accepted: J ≥ 0 on the probe grid
    e = np.linalg.eigvalsh(H)
    bohr = np.unique(np.round([w for w in (e[:, None] - e[None, :]).ravel() if w > 0 and _dip(w) < 0], 9))
    assert len(bohr) == 1  # 1.3303 (twice: E3 − E1 = E2 − E0): J(1.3303) = −0.65
    with pytest.raises(ValueError, match=rf"spectral_density.*J\({bohr[0]:.8g}\) = -0\.65.*Bohr frequency"):
        tau_pop(_two_qubits(hot))
    with pytest.raises(ValueError, match="spectral_density"):
        redfield(_two_qubits(hot))


def test_negative_spectral_density_at_a_quadrature_node_is_named():
    """J ≥ 0 at every Bohr frequency and on the probe grid (…, 3.98, 4.47, …) but negative on (4.0, 4.4): the
    Lamb shifts integrate over it."""
    def j(x):
        x = np.asarray(x, float)
        return _j0(x) * (1 - 2 * ((x > 4.0) & (x < 4.4)))

    hot = lc.BosonicBath(j, beta=0.8)
    with pytest.raises(ValueError, match="spectral_density.*quadrature node"):
        redfield(_two_qubits(hot))


@pytest.mark.parametrize("j, match", [
    (lambda x: (1 + 1j) * _j0(x), "must be real"),
    (lambda x: np.where(np.abs(np.asarray(x, float) - 1.3303) < 1e-3, np.nan, _j0(x)), r"J\(1.3302776\) = nan"),
    (lambda x: _j0(x) / 0.0, "finite"),
    (lambda x: np.array(["a"] * np.size(x)), "real numbers"),
])
def test_complex_or_non_finite_spectral_density_is_refused(j, match):
    """(1+1j)·J0 was accepted with a ComplexWarning and moved the populations from [0.656, 0.289, …] to
    [0.846, 0.118, …]; a NaN at one Bohr frequency only is caught there."""
    with pytest.raises(ValueError, match=f"spectral_density.*{match}"):
        redfield(_two_qubits(lc.BosonicBath(j, beta=0.8)))


def test_rates_are_the_population_block_of_l2():
    """One source: the rates of App. A are the population block of the L2 that ``l2`` applies (to rounding),
    for exchange couplings with complex S and for Hermitian couplings, and they are exactly 0 where energy
    conservation forbids a transition."""
    rng = np.random.default_rng(7)
    amp = complex(0.8, 0.6)
    h = H + 0.05 * np.kron(N, N)
    system = OpenSystem(h, [Coupling(amp * SM, 0, lc.BosonicBath(lc.drude_lorentz(0.2, 2.0), beta=0.8)),
                            Coupling(amp.conjugate() * SM, 1, COLD),
                            Coupling(np.array([[0.3, 0.2 - 0.1j], [0.2 + 0.1j, -0.5]]), 1,
                                     lc.BosonicBath(lc.ohmic(0.5, 4.0), beta=1.5), form="hermitian")])
    red = redfield(system)
    sup = l2_superoperator(red)
    d = red.dim
    block = np.real(sup[np.ix_(np.arange(d) * (d + 1), np.arange(d) * (d + 1))])
    w = rate_matrix(red)
    scale = np.max(np.abs(sup))
    np.testing.assert_allclose(w, block, rtol=0, atol=64 * np.finfo(float).eps * scale)
    assert np.all(w[~np.eye(d, dtype=bool)] >= 0)
    x = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    np.testing.assert_allclose(l2(red, x, basis="energy").ravel(), sup @ x.ravel(), atol=1e-13 * scale)


def test_isolated_level_with_a_complex_exchange_coupling_is_not_given_a_population():
    """H = diag(3, 1, 0.5, 2) on |00>, |01>, |10>, |11>: every transition into or out of |11> through σ−
    (lower the charge, emit) or σ+ (raise it, absorb) goes against energy conservation, so its golden-rule
    rates vanish and the NESS is not unique. With a complex coupling amplitude the rounding of
    Re(conj(S)·S·C) gave |11> spurious rates of ~1e-17 and populations [0.18, 0.81, 0, 0.015]."""
    h = np.diag([3.0, 1.0, 0.5, 2.0])
    for amp in (1.0, (1 + 1j) / math.sqrt(2)):
        system = OpenSystem(h, [Coupling(amp * SM, 0, lc.BosonicBath(lc.ohmic(), beta=1.0)),
                                Coupling(amp * SM, 1, lc.BosonicBath(lc.ohmic(), beta=2.0))])
        red = redfield(system)
        # |11> is energy level 2; no rate connects it to any other level
        assert np.all(rate_matrix(red)[2, [0, 1, 3]] == 0.0) and np.all(rate_matrix(red)[[0, 1, 3], 2] == 0.0)
        with pytest.raises(ValueError, match="not unique"):
            populations(red)


# -- QuTiP environments ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", [
    lambda: environment.LorentzianEnvironment(T=1, mu=0.5, gamma=0.1, W=5),
    lambda: environment.LorentzianEnvironment(T=1, mu=0.5, gamma=0.1, W=5).approx_by_pade(Nk=2),
])
def test_fermionic_qutip_environment_is_a_fermionic_lead(env):
    """A QuTiP fermionic environment is a lead with Fermi statistics at its μ (never a bosonic bath with μ dropped):
    a Coupling makes it a FermionicBath, and the bosonic conversion refuses it by name."""
    from lindblad_core import FermionicBath
    from lindblad_core.systems.baths import as_bosonic_bath

    bath = Coupling(SM, 0, env()).bath
    assert isinstance(bath, FermionicBath) and bath.mu == 0.5 and bath.beta == 1.0
    with pytest.raises(ValueError, match="bath must be a bosonic bath.*Fermionic"):
        as_bosonic_bath(env(), "bath")


def test_other_qutip_objects_are_refused_as_baths():
    with pytest.raises(ValueError, match="bath must be a BosonicBath.*QuTiP object Qobj"):
        Coupling(SM, 0, qt.sigmaz())


def test_environment_from_a_correlation_function_is_refused_without_evaluating_it(monkeypatch):
    """Its J is an FFT with ~8 tMax ω_max / π samples: probing J up to 1e8 asked QuTiP for ~1e10 samples
    (MemoryError for 1.3e10 float64, ~100 GB). The environment is refused before J is evaluated."""
    dl = environment.DrudeLorentzEnvironment(T=1, lam=0.1, gamma=1)
    env = environment.BosonicEnvironment.from_correlation_function(dl.correlation_function, tMax=50, T=1)
    monkeypatch.setattr(type(env), "spectral_density", lambda self, w: pytest.fail("J was evaluated"))
    with pytest.raises(ValueError, match="bath: a QuTiP environment built from a correlation function"):
        Coupling(SM, 0, env)


def test_tabulated_qutip_environment_is_zero_beyond_its_support():
    """from_spectral_density on samples w ≤ 20 (QuTiP: J ≈ 0 outside [−wMax, wMax]): the cubic spline is not
    extrapolated (it went negative at 44.7 and the bath was refused); the populations are those of the
    closed-form Drude–Lorentz J (they depend on J at the Bohr frequencies only)."""
    w = np.linspace(0.0, 20.0, 2001)
    dl = environment.DrudeLorentzEnvironment(T=1.25, lam=0.1, gamma=1.0)
    tab = environment.BosonicEnvironment.from_spectral_density(dl.spectral_density(w), wlist=w, T=1.25)
    sx = SM + SM.T
    sys_tab = OpenSystem(H, [Coupling(sx, 0, tab, form="hermitian"), Coupling(SM, 1, COLD)])
    sys_ref = OpenSystem(H, [Coupling(sx, 0, lc.BosonicBath(lc.drude_lorentz(0.1, 1.0), beta=0.8),
                                      form="hermitian"), Coupling(SM, 1, COLD)])
    assert float(sys_tab.couplings[0].bath.spectral_density(np.array([44.7]))[0]) == 0.0
    np.testing.assert_allclose(populations(redfield(sys_tab)), populations(redfield(sys_ref)), rtol=1e-7)


# -- the solver chain and trace ----------------------------------------------------------------------------------

class _RaisingProblem:
    """Stands in for a problem whose solvers raise: ``script`` maps a solver to an exception or a status."""

    def __init__(self, script):
        self.script, self.status, self.value, self.calls = script, None, None, []

    def solve(self, solver, **kwargs):
        self.calls.append(solver)
        outcome = self.script[solver]
        if isinstance(outcome, Exception):
            raise outcome
        self.status, self.value = outcome, 0.3


@pytest.mark.parametrize("error", [ArithmeticError("division by zero"), np.linalg.LinAlgError("not PD"),
                                   ValueError("Rank(A) < p")])
def test_a_solver_exception_is_a_failed_attempt_and_earlier_bounds_are_kept(error):
    """CVXOPT raised ArithmeticError at trace = 1e20: the exception escaped solve_with_certificates and the
    intervals of the earlier attempts were lost in a traceback."""
    problem = _RaisingProblem({"IPM": "optimal_inaccurate", "CLARABEL": error, "CVXOPT": error})
    bounds = iter([(0.2, 0.4, "ipm")] + [(0.0, math.inf, None)] * 10)
    out = solvers.solve_with_certificates(problem, None, lambda: next(bounds), native=True)
    assert (out.lower, out.upper, out.candidate) == (0.2, 0.4, "ipm")
    assert out.status == "optimal_inaccurate" and out.solver == "IPM"
    assert problem.calls == ["IPM", "CLARABEL", "CVXOPT"] + ["CLARABEL"] * (len(solvers.CLARABEL_ATTEMPTS) - 1)


def test_conic_problems_go_to_qics_after_the_ipm():
    """With conic data the default chain tries QICS right after the library's IPM, before Clarabel and CVXOPT;
    a QICS "optimal" inside the certified interval ends it. Without conic data QICS is not tried."""
    script = {"IPM": "optimal_inaccurate", "QICS": "optimal", "CLARABEL": "optimal", "CVXOPT": "optimal"}
    problem = _RaisingProblem(script)
    out = solvers.solve_with_certificates(problem, None, lambda: (0.2, 0.4, "x"), native=True, conic=True)
    assert problem.calls == ["IPM", "QICS"] and out.solver == "QICS" and out.status == "optimal"
    problem = _RaisingProblem(dict(script, QICS=ValueError("QICS failed")))
    out = solvers.solve_with_certificates(problem, None, lambda: (0.2, 0.4, "x"), native=True, conic=True)
    assert problem.calls == ["IPM", "QICS", "CLARABEL"] and out.solver == "CLARABEL"
    problem = _RaisingProblem(script)
    solvers.solve_with_certificates(problem, None, lambda: (0.2, 0.4, "x"), native=True)
    assert problem.calls == ["IPM", "CLARABEL"]


def test_other_exceptions_still_escape():
    """A TypeError is a bug, not a solver failure."""
    problem = _RaisingProblem({"CLARABEL": TypeError("bug")})
    with pytest.raises(TypeError, match="bug"):
        solvers.solve_with_certificates(problem, "CLARABEL", lambda: (0.0, math.inf, None))


@pytest.mark.parametrize("quantity", [tau_pop, tau_pop_coh])
def test_raising_solvers_in_a_real_chain(quantity, monkeypatch):
    """The library's IPM raising LinAlgError on its first attempt: the chain goes on to Clarabel, and the
    certified interval is the one Clarabel alone gives."""
    from lindblad_core.solvers import conic

    system = _two_qubits(lc.BosonicBath(lc.ohmic(), beta=0.8))
    alone = quantity(system, solver="CLARABEL")

    def fail(self, **settings):  # stands in for ConicProblem.solve_ipm, whatever its settings
        raise np.linalg.LinAlgError("Matrix is not positive definite")

    monkeypatch.setattr(conic.ConicProblem, "solve_ipm", fail)
    res = quantity(system)
    assert res.consistent and res.options["attempts"] >= 2
    tol = 1e-9 + 1e-6 * abs(alone.upper)
    assert res.lower <= alone.upper + tol and alone.lower <= res.upper + tol


@pytest.mark.parametrize("quantity", [tau_pop, tau_pop_coh])
@pytest.mark.parametrize("trace", [1e20, 1e300, 2e6, 5e-7, 0.0, -1.0, math.nan, math.inf, "x", None, [1.0, 2.0, 3.0]])
def test_trace_outside_its_range_is_named(quantity, trace):
    system = _two_qubits(lc.BosonicBath(lc.ohmic(), beta=0.8))
    with pytest.raises(ValueError, match=r"trace must be a number in \[1e-06, 1e\+06\]"):
        quantity(system, trace=trace)


def test_trace_range_ends_are_solved():
    """τ^pop is linear in a common Tr Γ = t (App. B): at both ends of TRACE_RANGE it is t times its value at 1."""
    system = _two_qubits(lc.BosonicBath(lc.drude_lorentz(0.1, 2.0), beta=0.5), h=H + 0.2 * np.kron(N, N))
    unit = tau_pop(system)
    assert unit.lower > 1e-3  # "impossible", far from 0
    for t in TRACE_RANGE:
        res = tau_pop(system, trace=t)
        assert res.consistent
        assert res.lower <= t * unit.upper * (1 + 1e-6) + 1e-9 * max(1, t) and t * unit.lower <= res.upper * (1 + 1e-6)


# -- the energy scale: degeneracy, shifts, rescaling -----------------------------------------------------------------

@pytest.mark.parametrize("c", [1e-9, 1e-3, 1e3, 1e9])
def test_degeneracy_tolerance_is_relative_to_the_spectrum(c):
    """c·H and H + c·I were refused as degenerate (an absolute 1e-9, and 1e-9·max|E|). With J(cω) = c·J(ω)
    at β/c (ω_c → c ω_c) the Redfield populations are those of H; a shift changes nothing but rounding."""
    base = _two_qubits(lc.BosonicBath(lc.ohmic(), beta=0.8))
    p = populations(redfield(base))
    scaled = OpenSystem(c * H, [Coupling(SM, 0, lc.BosonicBath(lc.ohmic(omega_c=10 * c), beta=0.8 / c)),
                                Coupling(SM, 1, lc.BosonicBath(lc.ohmic(omega_c=10 * c), beta=3.0 / c))])
    red = redfield(scaled)
    np.testing.assert_allclose(populations(red), p, rtol=1e-10)
    np.testing.assert_allclose(rate_matrix(red) / c, rate_matrix(redfield(base)), rtol=1e-10, atol=1e-15)
    shifted = _two_qubits(lc.BosonicBath(lc.ohmic(), beta=0.8), h=H + c * np.eye(4))
    # H + c·I carries rounding errors of u·c in its entries: the Bohr frequencies move by that much
    np.testing.assert_allclose(populations(redfield(shifted)), p, rtol=1e-12 + 4e-16 * c)


@pytest.mark.parametrize("c", [1e-9, 1.0, 1e9])
def test_near_degenerate_spectrum_is_refused_at_every_scale(c):
    h = c * np.diag([0.0, 1.0, 1.0 + 0.5 * DEGENERACY_RTOL * 2.0, 2.0])
    with pytest.raises(ValueError, match="degenerate"):
        OpenSystem(h, [Coupling(SM + SM.T, 0, lc.BosonicBath(lc.ohmic(), beta=1.0))])


def test_combined_rescaling_keeps_a_decided_free_trace_verdict():
    """H, ω_c, λ, γ_DL → c·(…), β → β/c at c = 1e4: τ^pop,coh with a free trace is c times its value (a cone), and
    the certified "possible" stays "possible". Clarabel's value at c = 1e4 lies 4e-8 above the certified
    interval, inside its tolerances relative to the data (‖T‖ = 184): it was reported "inconsistent"."""
    from tests._random_open_systems import draw, rescale

    rng = np.random.default_rng(1)
    spec = [draw(rng) for _ in range(5)][-1]  # two qubits, u1 family; free-trace τ^pop,coh ≈ 0
    base = tau_pop_coh(spec.build(), free_trace=True, solver="CLARABEL")
    assert base.verdict() == "possible"
    for c in (1e2, 1e4):
        res = tau_pop_coh(rescale(spec, c)[0].build(), free_trace=True, solver="CLARABEL")
        assert res.status != lc.sdp.INCONSISTENT and res.consistent
        assert res.verdict() == "possible" and res.upper < 1e-6


# -- operators, dims and epsilon -------------------------------------------------------------------------------------

def test_explicit_dims_must_agree_with_a_qobj():
    h = qt.Qobj(H, dims=[[2, 2], [2, 2]])
    with pytest.raises(ValueError, match=r"dims=\(4,\) contradict the hamiltonian Qobj's own dims \[2, 2\]"):
        OpenSystem(h, [Coupling(np.kron(SM, I2), 0, COLD)], dims=(4,))
    assert OpenSystem(h, [Coupling(SM, 0, COLD)], dims=(2, 2)).dims == (2, 2)
    with pytest.raises(ValueError, match="hamiltonian must be an operator"):
        OpenSystem(qt.spre(h), [Coupling(SM, 0, COLD)])


def test_zero_coupling_operator_is_refused():
    with pytest.raises(ValueError, match="Coupling.op must not be zero"):
        Coupling(np.zeros((2, 2)), 0, COLD)


def test_raising_operator_in_exchange_form_warns():
    """σ+ where σ− is meant: S raises the energy of every transition it drives, so in S ⊗ B† + S† ⊗ B all
    its golden-rule rates vanish (Re C = Re D = 0 at negative frequencies) and the bath is idle."""
    hot = lc.BosonicBath(lc.ohmic(), beta=0.8)
    wrong = OpenSystem(H, [Coupling(SM.T, 0, hot), Coupling(SM, 1, COLD)])
    with pytest.warns(UserWarning, match=r"coupling 0 \(sites \(0,\)\): S raises the energy.*adjoint"):
        red = redfield(wrong)
    # and indeed coupling 0 contributes no rate: the rates are those of the cold bath alone
    alone = redfield(OpenSystem(H, [Coupling(SM, 1, COLD)]))
    np.testing.assert_allclose(rate_matrix(red), rate_matrix(alone), rtol=1e-14, atol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        redfield(_two_qubits(hot))  # σ− on both: no warning


@pytest.mark.parametrize("epsilon", ["x", None, 1e200, 0.0, -0.1, math.nan, math.inf, 1e-170])
def test_epsilon_is_named(epsilon):
    system = _two_qubits(lc.BosonicBath(lc.ohmic(), beta=0.8))
    red = redfield(system)
    with pytest.raises(ValueError, match="epsilon"):
        steady_state(red, epsilon)
    candidate = tau_pop(system).candidate
    with pytest.raises(ValueError, match="epsilon"):
        candidate.to_qutip(epsilon)


def test_l2_takes_a_qobj_with_the_system_dims_and_names_rho_otherwise():
    red = redfield(_two_qubits(lc.BosonicBath(lc.ohmic(), beta=0.8)))
    rho = np.diag([0.1, 0.2, 0.3, 0.4]).astype(complex)
    np.testing.assert_array_equal(l2(red, qt.Qobj(rho, dims=[[2, 2], [2, 2]])), l2(red, rho))
    for bad in (qt.Qobj(rho), qt.spre(qt.Qobj(rho, dims=[[2, 2], [2, 2]])), "x", np.ones((3, 3)), [[np.nan] * 4] * 4):
        with pytest.raises(ValueError, match="rho must be"):
            l2(red, bad)
    with pytest.raises(ValueError, match="red must be a Redfield"):
        l2(rho, rho)
