"""Issue 10, certificates: bounds that hold in floating point, scale-free populations, honest statuses.

Reference values come from outside the code under test: closed forms (the Gibbs state), exact rational or
high-precision (mpmath) arithmetic on the computed data, or another formulation of the same problem.
"""

from fractions import Fraction

import numpy as np

from lindblad_core.redfield_equation import redfield
import pytest

from lindblad_core.certify import arithmetic
from lindblad_core.sdp import result
from lindblad_core.sdp import solve as solvers
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.redfield_equation import populations, rate_matrix
from lindblad_core.studies.variants import tau_pop, tau_pop_coh

INCONSISTENT = "inconsistent"  # result.INCONSISTENT (spelled out so that this file imports against older code)

mpmath = pytest.importorskip("mpmath")

LOW_T = dict(n_left=1, n_middle=2, n_right=1, g=0.01)


# -- Found 1: contradictory "certified" intervals at low temperature ------------------------------------

@pytest.fixture(scope="module", params=[(60.0, 30.0), (100.0, 50.0), (200.0, 100.0)], ids=lambda b: f"{b[0]:g}/{b[1]:g}")
def low_t_pair(request):
    setup = ChainSetup(**LOW_T, beta_left=request.param[0], beta_right=request.param[1])
    return setup, tau_pop_coh(setup, symmetry=True), tau_pop_coh(setup, symmetry=False)


def test_symmetry_on_and_off_intervals_overlap_at_low_temperature(low_t_pair):
    """Both are rigorous bounds on the optimum of the same problem: they must overlap, and no verdict may
    contradict the other. (Before: 100/50 gave [1.0878e-6, 1.0878e-6] vs [2.375e-6, 2.376e-6].)"""
    _, a, b = low_t_pair
    assert max(a.lower, b.lower) <= min(a.upper, b.upper), (a, b)
    assert {a.verdict(), b.verdict()} != {"impossible", "possible"}
    for r in (a, b):
        assert r.lower <= r.upper
        if r.verdict() == "inconclusive":
            assert r.explain() == "inconclusive: " + r.to_dict()["reason"]
            assert not r.certified


def test_low_temperature_huge_lamb_shift_is_not_certified(low_t_pair):
    """The optimal Lamb shift has coordinates ≥ 1e7 here: the rounding of the computed eigenbasis alone can
    move τ across δ_tol, so no verdict is claimed (never a false "certified")."""
    _, a, _ = low_t_pair
    assert a.verdict() == "inconclusive" and not a.certified
    assert "ill-conditioned" in a.explain() or "contains delta_tol" in a.explain()
    assert a.data_error > 0 and "data_error" in a.to_dict()


def _mp_matrix(a):
    a = np.asarray(a)
    return mpmath.matrix([[mpmath.mpc(float(x.real), float(x.imag)) for x in row] for row in a])


def _exact_coh_objective(candidate, p, tmat):
    """‖L2'(ρ0) − T‖₂ of a candidate in 400-bit arithmetic on the computed data (p, T, F, Lamb-shift basis):
    independent of the certificate code."""
    mpmath.mp.prec = 400
    ansatz = candidate.ansatz
    pm = [mpmath.mpf(float(x)) for x in p]
    rho = mpmath.diag(pm)
    x = -_mp_matrix(tmat)
    for b, (f, g) in enumerate(zip(ansatz.operators, candidate.gammas)):
        fs = [_mp_matrix(fa) for fa in f]
        fd = [fa.H for fa in fs]
        g = np.asarray(g)
        for a_ in range(len(fs)):
            for b_ in range(len(fs)):
                if g[a_, b_] == 0:
                    continue
                c = mpmath.mpc(float(g[a_, b_].real), float(g[a_, b_].imag))
                prod = fd[a_] * fs[b_]
                x += c * (fs[b_] * rho * fd[a_] - (prod * rho + rho * prod) / 2)
        theta = candidate.lamb_shift_coordinates[b]
        basis = ansatz.hamiltonian_basis[b]
        for t, bh in zip(theta, basis):
            if t == 0:
                continue
            bm = _mp_matrix(bh) * mpmath.mpf(float(t))
            x += mpmath.mpc(0, 1) * (rho * bm - bm * rho)
    x = (x + x.H) / 2
    ev = mpmath.eighe(x, eigvals_only=True) if hasattr(mpmath, "eighe") else mpmath.eigh(x, eigvals_only=True)
    return max(abs(e) for e in ev)


def test_upper_bound_is_attained_in_exact_arithmetic(low_t_pair):
    """The candidate behind ``upper`` (Lamb-shift coordinates ~1e7…1e35), evaluated in 400-bit arithmetic,
    does not exceed ``upper`` (beyond the float64 rounding of the stored Γ), and is ≥ ``lower``."""
    setup, a, _ = low_t_pair
    red = redfield(setup)
    p = populations(red)
    from lindblad_core.redfield_equation import l2

    tmat = l2(red, np.diag(p).astype(complex), basis="energy")
    exact = _exact_coh_objective(a.candidate, p, tmat)
    slack = 1e-13 * (1 + float(np.abs(tmat).max()))  # the stored Γ is Γ* rounded to float64
    assert float(exact) <= a.upper + slack
    assert float(exact) >= a.lower - slack


# -- rigorous building blocks ---------------------------------------------------------------------------

def test_dot2_is_exact_where_float_sums_lose_everything():
    """Σ c_i x_i with terms of 1e16 cancelling to O(1): float64 loses it, Dot2 stays within its bound."""
    c = np.array([1e16, 3.0, -1e16, 1.0 / 3.0])
    x = np.array([[1.0, 7.0], [0.5, 1e-3], [1.0, 7.0], [3.0, 1.0]])
    exact = [sum(Fraction(float(ci)) * Fraction(float(xi)) for ci, xi in zip(c, col)) for col in x.T]
    res, err = arithmetic.dot2(c, x)
    for r, e, ex in zip(res, err, exact):
        assert abs(Fraction(float(r)) - ex) <= Fraction(float(e))
        assert abs(Fraction(float(r)) - ex) <= Fraction(1, 10**15) * abs(ex)
    naive = sum(float(ci) * float(xi) for ci, xi in zip(c, x[:, 0]))  # left to right in float64
    assert abs(Fraction(naive) - exact[0]) > Fraction(1, 10)  # wrong in the first digit
    streamed = arithmetic.dot2(c, (row.copy() for row in x))  # one X_i at a time: the same numbers
    assert np.array_equal(streamed[0], res) and np.array_equal(streamed[1], err)


@pytest.mark.parametrize("seed", [0, 1])
def test_hermitian_enclosure_contains_the_exact_spectrum(seed):
    """λ_min ≥ bound, ‖·‖₂ ≤ bound, ‖·‖_* ≤ bound against 200-bit eigenvalues, also for a perturbed matrix."""
    rng = np.random.default_rng(seed)
    n = 12
    q = np.linalg.qr(rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)))[0]
    w = np.concatenate([[-1e-14, 1e-14], rng.normal(size=n - 2)])
    a = arithmetic.hermitian_part(q @ np.diag(w) @ q.conj().T)
    pert = arithmetic.hermitian_part(1e-9 * (rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))))
    err = float(np.sqrt(np.sum(np.abs(pert) ** 2))) * 1.01
    lam, spec, nuc = arithmetic.hermitian_enclosure(a, err)
    mpmath.mp.prec = 200
    for m in (a, a + pert):
        ev = [float(e) for e in mpmath.eighe(_mp_matrix(m), eigvals_only=True)] if hasattr(mpmath, "eighe") else \
            [float(e) for e in mpmath.eigh(_mp_matrix(m), eigvals_only=True)]
        assert lam <= min(ev) and max(abs(e) for e in ev) <= spec and sum(abs(e) for e in ev) <= nuc
    assert spec - max(abs(w)) < 1e-7 and min(w) - lam < 1e-7  # and tight


# -- Found 2: populations depend on the overall rate scale ----------------------------------------------

def _gibbs(setup, beta):
    e = setup.open_system().energies
    w = np.exp(-beta * (e - e.min()))
    return w / w.sum()


@pytest.mark.parametrize("changes", [dict(gamma=1e-30), dict(gamma=1e-16), dict(gamma=1e16), dict(gamma=1e30),
                                     dict(omega_c=0.1), dict(omega_c=0.17)])
def test_populations_do_not_depend_on_the_rate_scale(changes):
    """Equal temperatures: p is the Gibbs state whatever γ and ω_c (before: uniform or all zero)."""
    setup = ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.01, beta_left=1.0, beta_right=1.0, **changes)
    np.testing.assert_allclose(populations(redfield(setup)), _gibbs(setup, 1.0), rtol=1e-12, atol=0)


def test_low_temperature_populations_have_small_relative_error():
    """β = 100: populations down to e^{-200} (~1e-87) with a relative error ≤ 1e-11; never negative
    (before: −8e-16 where the true values are e^{-50}…e^{-100})."""
    setup = ChainSetup(**LOW_T, beta_left=100.0, beta_right=100.0)
    p = populations(redfield(setup))
    assert p.min() > 0
    np.testing.assert_allclose(p, _gibbs(setup, 100.0), rtol=1e-11, atol=0)


def test_nonequilibrium_populations_are_rate_scale_invariant():
    base = ChainSetup(**LOW_T, beta_left=1.0, beta_right=0.5)
    p = populations(redfield(base))
    for gamma in (1e-40, 1e40):
        np.testing.assert_allclose(populations(redfield(base.replace(gamma=gamma))), p, rtol=1e-12, atol=0)
    assert np.all(rate_matrix(redfield(base)) - np.diag(np.diag(rate_matrix(redfield(base)))) >= 0)


def test_cli_point_at_small_cutoff_is_impossible_as_after_rescaling():
    """``tau pop … --omega-c 0.1`` said "possible" (certified); τ^pop is invariant under a common rescaling of
    the rates, and with them rescaled it is ≈ 1.8e-3, "impossible"."""
    setup = ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.01, beta_left=1.0, beta_right=0.5, omega_c=0.1)
    small = tau_pop(setup)
    rescaled = tau_pop(setup.replace(gamma=1e40))
    assert max(small.lower, rescaled.lower) <= min(small.upper, rescaled.upper)
    assert small.verdict() == rescaled.verdict() == "impossible"
    assert small.lower > 1e-3


@pytest.mark.parametrize("changes, name", [(dict(gamma=0.0), "gamma"), (dict(gamma=(0.0, 0.0)), "gamma"),
                                           (dict(omega_c=0.01), "omega_c")])
def test_vanishing_rates_are_refused_naming_the_parameter(changes, name):
    setup = ChainSetup(n_left=1, n_middle=0, n_right=1, g=0.05, beta_left=1.0, beta_right=0.5, **changes)
    with pytest.raises(ValueError, match=f"got {name}="):
        populations(redfield(setup))


def test_decoupled_levels_are_refused_as_not_unique():
    """Two closed classes (a site whose spin never flips): the kernel of W is two-dimensional."""
    from lindblad_core import BosonicBath, Coupling, OpenSystem, ohmic
    from lindblad_core.systems.operators import SIGMA_MINUS, site_operator
    from lindblad_core.redfield_equation import redfield

    h = site_operator(np.diag([1.0, 0.0]), 0, 2) + 1.5 * site_operator(np.diag([1.0, 0.0]), 1, 2)
    red = redfield(OpenSystem(h, [Coupling(SIGMA_MINUS, 0, BosonicBath(ohmic(), beta=1.0))]))
    with pytest.raises(ValueError, match="not unique"):
        populations(red)


# -- Found 3: honest statuses ---------------------------------------------------------------------------

class _Scripted:
    def __init__(self, statuses, value):
        self.statuses, self.status, self.value, self._v = list(statuses), None, None, value

    def solve(self, solver, **kwargs):
        self.status = self.statuses.pop(0)
        self.value = self._v if self.status.startswith("optimal") else None


def _result(out):
    return result.TauResult("tau_pop", out.value, out.lower, out.upper, out.status, out.solver, out.seconds, 0.0,
                         None, {}, reason=getattr(out, "reason", None), data_error=getattr(out, "data_error", 0.0))


def test_inconsistent_certificate_is_reported_not_hidden():
    """lower > upper used to be hidden by min(lower, upper)."""
    out = solvers.solve_with_certificates(_Scripted(["optimal"], 0.55), "CLARABEL", lambda: (0.6, 0.5, "cand"))
    assert (out.lower, out.upper) == (0.6, 0.5)
    res = _result(out)
    assert res.status == INCONSISTENT and not res.ok and not res.certified and not res.is_result
    assert res.verdict() == "inconclusive" and "lower" in res.explain()


def test_optimal_value_outside_the_interval_is_inconsistent():
    tight = (0.8, 0.8 + 1e-12, "cand")
    n = len(solvers.CLARABEL_ATTEMPTS)
    out = solvers.solve_with_certificates(_Scripted(["optimal"] * n, 0.5), "CLARABEL", lambda: tight)
    res = _result(out)
    assert res.status == INCONSISTENT and not res.ok and res.verdict() == "inconclusive"
    assert "outside the certified interval" in res.explain() and res.explain() == "inconclusive: " + res.to_dict()["reason"]
    # within the solver's tolerance it is fine
    out = solvers.solve_with_certificates(_Scripted(["optimal"], 0.8 + 1e-9), "CLARABEL", lambda: tight)
    assert out.status == "optimal" and _result(out).is_result


def test_result_statuses_constant():
    assert result.INCONSISTENT == INCONSISTENT
    assert result.RESULT_STATUSES == {"optimal", "optimal_inaccurate"} and INCONSISTENT not in result.RESULT_STATUSES


def test_solid_points_agree_with_the_verdict():
    """A point is drawn solid only when it counts as a result; before, an "optimal" point whose interval
    straddles δ_tol (verdict "inconclusive") was drawn solid at the solver's value, and so was an
    inconsistent one."""
    pd = pytest.importorskip("pandas")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lindblad_core.studies.plots import drawn_solid, plot_tau_vs

    rows = [  # straddles δ_tol although "optimal"
        dict(g=0.1, status="optimal", ok=True, certified=False, verdict="inconclusive", value=1e-6, lower=5e-7, upper=2e-6),
        # solver value outside the interval
        dict(g=0.2, status=INCONSISTENT, ok=False, certified=False, verdict="inconclusive", value=1e-3, lower=0.1, upper=0.1),
        # certified though only optimal_inaccurate
        dict(g=0.3, status="optimal_inaccurate", ok=False, certified=True, verdict="impossible", value=0.2, lower=0.2, upper=0.2),
        dict(g=0.4, status="optimal", ok=True, certified=True, verdict="impossible", value=0.3, lower=0.3, upper=0.3),
    ]
    df = pd.DataFrame(rows).assign(quantity="tau_pop", beta_right=1.0)
    np.testing.assert_array_equal(drawn_solid(df), [False, False, True, True])
    fig, ax = plt.subplots()
    plot_tau_vs(ax, df, "g", "tau_pop")
    solid = ax.containers[0].lines[0].get_xdata()
    np.testing.assert_allclose(sorted(solid), [0.3, 0.4])
    plt.close(fig)


def test_paper_point_keeps_its_certified_verdict_and_reports_no_reason():
    res = tau_pop_coh(ChainSetup(n_left=1, n_middle=2, n_right=1, beta_left=1.0, beta_right=10.0, g=0.01),
                      target="published")
    assert res.certified and res.is_result and res.verdict() == "impossible" and res.explain().startswith("impossible: the certified lower bound")
    assert res.data_error < 1e-8 and res.to_dict()["reason"] is None
    # far tighter than "tight" (1e-9 + 1e-6·τ ≈ 9.6e-8 here): the solver stops at a relative gap of 1e-7·τ
    assert res.lower <= res.upper and res.upper - res.lower < 1e-8


# -- Issue 12: the free-trace τ^pop,coh, certified; τ relative to the problem's scale ---------------------

FREE_POINT = dict(n_left=1, n_middle=2, n_right=1, g=0.001, beta_left=1.0, beta_right=10.0)  # the CLI acceptance point


@pytest.fixture(scope="module")
def free_pair():
    setup = ChainSetup(**FREE_POINT)
    return setup, tau_pop_coh(setup, free_trace=True), tau_pop_coh(setup)


def test_free_trace_lower_bound_is_positive_and_tight_where_the_solver_converged(free_pair):
    _, free, _ = free_pair
    assert free.status in result.RESULT_STATUSES
    assert 0 < free.lower <= free.upper
    assert free.certified and free.verdict() == "impossible"
    assert free.upper - free.lower <= 1e-6 * free.upper


def test_free_trace_optimum_lies_below_the_fixed_trace_one(free_pair):
    """Tr Γ = 1 is one of the free-trace feasible points: the free optimum (≥ its certified lower bound) is at
    most the fixed-trace optimum (≤ its certified upper bound); here far below it (9.6e-2 vs 1.4e-4)."""
    _, free, fixed = free_pair
    assert free.lower <= fixed.upper
    assert free.upper <= fixed.upper
    assert free.upper < 1e-2 * fixed.lower


def test_free_trace_weak_duality_at_feasible_points_near_the_optimum(free_pair):
    """Weak duality against an independent numpy evaluation (tests/_lindblad_reference.py, computational
    basis): any Γ ⪰ 0 of any trace and any H_LS has objective ≥ lower. Besides random points, the optimal
    candidate with its Γ rescaled (free traces), mixed with random Γ and with perturbed Lamb shifts, so
    that some points lie within ~1e-6 of the optimum where a wrong bound would show."""
    from tests._lindblad_reference import Reference

    setup, free, _ = free_pair
    ref = Reference(setup)
    rng = np.random.default_rng(12)
    cand = free.candidate
    points = [ref.random_candidate(rng) for _ in range(5)]
    for scale in (1.0, 0.9999, 1.0001, 0.5, 3.0):
        points.append(([scale * g for g in cand.gammas], list(cand.hamiltonians)))
    for t in (1e-6, 1e-3):
        rg, rh = ref.random_candidate(rng)
        points.append(([(1 - t) * g + t * r for g, r in zip(cand.gammas, rg)],
                       [h + t * r for h, r in zip(cand.hamiltonians, rh)]))
    values = []
    for gammas, hams in points:
        # published = physical up to the sign of the target; this solve used the physical one
        value = ref.tau_pop_coh(gammas, hams)
        slack = ref.eval_slack(gammas, hams, with_target=True) + free.data_error
        assert free.lower <= value + slack, (free.lower, value)
        values.append(value)
    assert values[5] <= free.upper * (1 + 1e-6)  # the candidate itself attains upper
    assert values[10] <= free.upper * (1 + 1e-2)  # mixed with 1e-6 of a random point: close to the optimum


def test_free_trace_two_qubit_blocks_get_a_decisive_lower_bound():
    """Fig. 3 type (N_L = N_R = 2): nearly-null dissipators make the repair loose, but the bound still
    decides the verdict."""
    res = tau_pop_coh(ChainSetup(n_left=2, n_middle=2, n_right=2, g=0.01, beta_left=1.0, beta_right=5.0),
                      free_trace=True, target="published")
    assert 1e-6 < res.lower <= res.upper
    assert res.verdict() == "impossible"


@pytest.mark.parametrize("c", [10.0, 0.1])
def test_relative_free_trace_tau_pop_coh_is_invariant_under_coupling_rescaling(c):
    """γ → cγ multiplies L2 (so T) by c and, with a free trace, the optimum too (Γ → cΓ, H_LS → cH_LS):
    τ^pop,coh / ‖T‖ does not change. Both results are certified, so their relative intervals must overlap."""
    base = ChainSetup(**FREE_POINT)
    a = tau_pop_coh(base, free_trace=True)
    b = tau_pop_coh(base.replace(gamma=c * base.gamma), free_trace=True)
    np.testing.assert_allclose(b.scale, c * a.scale, rtol=1e-9)
    ra, rb = a.relative, b.relative
    assert a.certified and b.certified
    assert ra[0] <= rb[1] * (1 + 1e-9) and rb[0] <= ra[1] * (1 + 1e-9)
    np.testing.assert_allclose(rb, ra, rtol=1e-6)


@pytest.mark.parametrize("c", [10.0, 0.1])
def test_relative_tau_pop_scales_inversely_with_the_couplings(c):
    """τ^pop with Tr Γ = 1 does not depend on γ (the populations do not: test_populations_do_not_depend_on_the_rate_scale),
    while the population flux s_pop ∝ γ: relative τ^pop scales as 1/c under γ → cγ."""
    base = ChainSetup(**FREE_POINT)
    a = tau_pop(base)
    b = tau_pop(base.replace(gamma=c * base.gamma))
    np.testing.assert_allclose(b.scale, c * a.scale, rtol=1e-9)
    np.testing.assert_allclose(np.array(b.relative) * c, a.relative, rtol=1e-6)


def test_population_flux_against_the_redfield_map():
    """s_pop = Σ_k p_k |<k|L2(|k><k|)|k>|, here from L2 applied to each level (not from rate_matrix)."""
    from lindblad_core.redfield_equation import l2

    setup = ChainSetup(**FREE_POINT)
    red = redfield(setup)
    p = populations(red)
    d = red.dim
    out = 0.0
    for k in range(d):
        e = np.zeros((d, d), dtype=complex)
        e[k, k] = 1.0
        out += p[k] * abs(np.real(l2(red, e, basis="energy")[k, k]))
    np.testing.assert_allclose(tau_pop(setup).scale, out, rtol=1e-10)


@pytest.mark.parametrize("norm, order", [("spectral", 2), ("frobenius", "fro"), ("nuclear", "nuc")])
def test_tau_pop_coh_scale_is_the_norm_of_the_target(norm, order):
    from lindblad_core.redfield_equation import l2

    setup = ChainSetup(**FREE_POINT)
    red = redfield(setup)
    target = l2(red, np.diag(populations(red)).astype(complex), basis="energy")
    res = tau_pop_coh(setup, norm=norm)
    np.testing.assert_allclose(res.scale, np.linalg.norm(target, order), rtol=1e-10)
    assert res.to_dict()["relative_upper"] == res.upper / res.scale


def test_explain_is_a_sentence_for_every_verdict():
    """One bath on every site at one temperature: the Gibbs state is reachable (τ^pop = 0, "possible"); a bath at
    each end at different temperatures: "impossible" (Fig. 2); the latter asked at a tolerance inside its own
    interval: "inconclusive". Each sentence names its verdict and the bound that decided it."""
    possible = tau_pop(ChainSetup(n_left=2, n_middle=0, n_right=0, beta_left=1.0, g=0.05))
    impossible = tau_pop_coh(ChainSetup(n_left=1, n_middle=1, n_right=1, beta_left=1.0, beta_right=0.3, g=0.05))
    assert possible.verdict() == "possible" and impossible.verdict() == "impossible"
    assert possible.explain().startswith(f"possible: the certified upper bound {possible.upper:.3g}")
    assert impossible.explain().startswith(f"impossible: the certified lower bound {impossible.lower:.3g}")
    inside = 0.5 * (impossible.lower + impossible.upper)
    assert impossible.verdict(inside) == "inconclusive"
    assert impossible.explain(inside).startswith("inconclusive: the certified interval")


def _captured(monkeypatch, module, name, setup, **options):
    """(arguments, result) of every call of ``module.name`` during tau_pop_coh(setup, **options)."""
    calls, real = [], getattr(module, name)

    def spy(*args, **kwargs):
        calls.append((args, real(*args, **kwargs)))
        return calls[-1][1]
    monkeypatch.setattr(module, name, spy)
    tau_pop_coh(setup, **options)
    monkeypatch.setattr(module, name, real)
    return calls


def test_shift_direction_from_the_coupled_part_equals_the_full_least_norm_solution(monkeypatch):
    """psd_direction solves A_Γ^*(W) = I only on the rows and columns of the free-trace dissipator matrix coupled
    to the identity's columns (a quarter of them at d = 64); numpy's least-norm solution of the whole system is
    the same W (1e-7 relative: the system's condition number is ~1e7) at d = 16 and d = 64."""
    from lindblad_core.certify import popcoh

    for setup in (ChainSetup(**FREE_POINT), ChainSetup(n_left=2, n_middle=2, n_right=2, g=0.01, beta_left=1.0,
                                                        beta_right=5.0)):
        a_perp, offsets = _captured(monkeypatch, popcoh, "dissipator_matrix", setup, free_trace=True)[0][1]
        d = setup.dim
        rhs = np.zeros(a_perp.shape[1])
        bounds = list(offsets) + [a_perp.shape[1]]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            m = int(round(np.sqrt((hi - lo) // 2)))
            rhs[lo: lo + m * m] = np.eye(m).ravel()
        full = popcoh.as_matrix(np.linalg.lstsq(a_perp.T, rhs, rcond=None)[0], d)
        got = popcoh.psd_direction(a_perp, offsets, d)
        assert np.linalg.norm(got - full) <= 1e-7 * np.linalg.norm(full)


def test_free_trace_lower_bound_stops_before_the_shift_once_enough_is_certified(monkeypatch):
    """free_trace_lower_bound with ``enough`` at or below what the unshifted candidates certify never makes the
    shift direction W (the least-squares solve); at a Fig. 3(d) point where the solver's dual candidates all
    leave the cone, without ``enough`` it makes W, and its bound is the solve's certified lower bound."""
    from lindblad_core.certify import free_trace, popcoh
    from lindblad_core.sdp import popcoh as sdp_popcoh

    setup = ChainSetup(n_left=2, n_middle=2, n_right=2, g=0.01, beta_left=1.0, beta_right=0.5)
    calls = _captured(monkeypatch, sdp_popcoh, "free_trace_lower_bound", setup, free_trace=True,
                      target="published")
    (z, data), lower = calls[0]
    fresh = dict((f, getattr(data, f)) for f in data.__dataclass_fields__)  # CohData without its cached W
    made = []
    real_direction = popcoh.psd_direction
    monkeypatch.setattr(popcoh, "psd_direction", lambda *a: made.append(1) or real_direction(*a))
    early = free_trace.free_trace_lower_bound(z, popcoh.CohData(**fresh), enough=0.0)
    assert not made  # the unshifted candidates' bound (≥ 0) is already enough
    full = free_trace.free_trace_lower_bound(z, popcoh.CohData(**fresh))
    assert made and full == lower > 0 and 0.0 <= early <= full


def test_free_trace_lower_bound_tries_the_transpose_only_when_the_multiplier_falls_short(monkeypatch):
    """With ``enough`` at most what the multiplier z itself certifies, the candidates of zᵀ are never made and
    the bound returned reaches ``enough``; without ``enough`` both orientations are tried and the bound is at
    least as large (the best of all candidates)."""
    from lindblad_core.certify import free_trace
    from lindblad_core.sdp import popcoh as sdp_popcoh

    setup = ChainSetup(n_left=2, n_middle=2, n_right=2, g=0.01, beta_left=1.0, beta_right=0.5)
    (z, data), _ = _captured(monkeypatch, sdp_popcoh, "free_trace_lower_bound", setup, free_trace=True,
                             target="published")[0]
    seen = []
    real_projection = free_trace._face_projection
    monkeypatch.setattr(free_trace, "_face_projection",
                        lambda zz, *a: seen.append(zz is z) or real_projection(zz, *a))
    full = free_trace.free_trace_lower_bound(z, data)
    assert seen.count(True) == seen.count(False) == len(free_trace.FACE_THRESHOLDS)
    seen.clear()
    early = free_trace.free_trace_lower_bound(z, data, enough=0.5 * full)
    assert all(seen) and 0.5 * full <= early <= full and full > 0
