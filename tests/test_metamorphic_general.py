r"""Metamorphic tests of the general-system API (OpenSystem, Coupling, BosonicBath): ≥ 100 random systems of
qubits and qutrits (``_random_open_systems``: two or three sites, a random Hermitian H_S with a non-degenerate
spectrum, exchange or Hermitian couplings, Ohmic or Drude–Lorentz baths at random temperatures), each mapped onto
equivalent systems. Every relation is exact mathematics:

* **local unitaries** U on one site (random, and permutations of its basis), applied to H_S and to every coupling
  on that site, and **relabelling the sites** (a permutation of the tensor factors): H' = u H u†. The energies,
  the Redfield populations in the energy basis, the spectrum of ρ0 and the rates of App. A are unchanged, and
  L2'(ρ0') = u L2(ρ0) u† (computational basis). The ansatz of Eq. (23) on a block contains every operator of the
  block, so its feasible set is mapped onto itself: τ^pop and τ^pop,coh (unitarily invariant norms) are unchanged;
* **constant shifts** H → H + c·I: Bohr frequencies, hence everything above, are unchanged;
* **reordering the couplings** (L2 is a sum over them) and the blocks: identical results;
* **splitting a coupling** S to its bath into two couplings √½·S, each to its own, independent bath with the same
  J and β: L2 is a sum over independent baths of terms quadratic in S, so 2·(√½)² = 1 gives the same L2.
  (Two couplings S/2 to independent baths remove half of that coupling's rates: also checked.)
* the **combined rescaling** H → c·H, J(c·ω) = c·J(ω) (ω_c, λ, γ_DL → c·ω_c, c·λ, c·γ_DL), β → β/c: C, D of Eq. (41)
  scale by c, so L2 → c·L2, ρ0 and Eq. (15)'s coherences are unchanged, τ^pop is unchanged at the same Tr Γ and
  τ^pop,coh → c·τ^pop,coh with Tr Γ → c·Tr Γ (Eq. (23) is linear in (Γ, H_LS)).

Redfield-level relations run on every system. The SDP relations compare certified intervals: two intervals of
one optimum computed from data that agree to rounding overlap within the two ``data_error`` (the library's
contract, ``sdp`` module docstring) unless one says it is inconsistent; two claimed (certified, decided) verdicts
agree. They run on ``N_SDP_FAST`` systems by default and on all of them with the ``slow`` marker selected.
"""

from __future__ import annotations

import collections
import functools
import warnings

import numpy as np
import pytest

from lindblad_core.redfield_equation import l2, populations, rate_matrix, redfield, rho0, second_order_coherences
from lindblad_core.sdp import tau_pop, tau_pop_coh

from tests import _random_open_systems as ros
from tests._lindblad_reference import single_threaded_blas

SEED = 20250318
N_SYSTEMS = 104  # random systems (the same seeds for the Redfield and the SDP relations)
N_SDP_FAST = 20  # of them with SDP relations in a default run (the rest are marked slow)
SDP_MAX_DIM = 12  # SDP relations on systems with d ≤ this (τ^pop,coh at d = 18 with a qutrit block: seconds)
# Redfield data of two equivalent systems agree to rounding: eigenvectors to ~u‖H‖/gap (gaps ≥ 1e-2 of the
# width, ros.MIN_GAP), principal values to ~1e-12 relative (frequencies deduplicated at 12 digits).
P_RTOL = 1e-9
RATE_RTOL = 1e-9  # relative to the largest rate
L2_RTOL = 1e-8  # relative to max|L2(ρ0)|
# τ intervals of one optimum from rounding-equal data: as tests/test_metamorphic.py
OVERLAP_ATOL = 1e-12
OVERLAP_RTOL = 1e-8
RESCALE_RANGE = (1e-3, 1e3)  # log-uniform c of the Redfield-level rescaling (and 1e4 on every 4th system)
SDP_RESCALE_RANGE = (1e-2, 1e2)  # c for the SDP relations (Tr Γ → c·Tr Γ must stay in sdp.TRACE_RANGE)

RELATIONS = ("unitary", "permutation", "sites", "shift", "reorder", "split", "rescale")
_PAIRS = collections.Counter()
_COMPARED = collections.Counter()
_CLAIMED = collections.Counter()


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    with single_threaded_blas():
        yield


def _usable(spec) -> bool:
    """False for draws the theory does not cover (degenerate H_S, a non-unique NESS: levels without rates)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a coupling that raises every level it drives is usable, if idle
            populations(redfield(spec.build()))
    except ValueError as err:
        if "degenerate" in str(err) or "not unique" in str(err):
            return False
        raise
    return True


@functools.lru_cache(maxsize=None)
def _draw_usable(index):
    rng = np.random.default_rng([SEED, index])
    for _ in range(100):
        spec = ros.draw(rng, "u1" if index % 2 else "dense")
        if _usable(spec):
            return spec, rng.bit_generator.state
    raise AssertionError(f"no usable system in 100 draws for index {index}")


def _system(index):
    """The index-th usable random system and an RNG of its own for the transformations (the same stream
    whichever tests ran before)."""
    spec, state = _draw_usable(index)
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    return spec, rng


def _transform(name, spec, rng, c=None):
    """(spec', u, c): the transformed spec, the unitary of H' = u H u† (+ shift), the rescaling factor."""
    if name == "unitary":
        return (*ros.random_local_unitary(spec, rng), 1.0)
    if name == "permutation":
        return (*ros.local_permutation(spec, rng), 1.0)
    if name == "sites":
        return (*ros.site_permutation(spec, rng), 1.0)
    if name == "shift":
        e = np.linalg.eigvalsh(spec.h)
        return (*ros.shift(spec, float(rng.choice([-1, 1]) * rng.uniform(1.0, 100.0) * (e[-1] - e[0]))), 1.0)
    if name == "reorder":
        return (*ros.reorder_couplings(spec, rng), 1.0)
    if name == "split":
        return (*ros.split_coupling(spec, rng), 1.0)
    if name == "rescale":
        return (*ros.rescale(spec, c), c)
    raise ValueError(name)


class _Data:
    """The Redfield quantities compared across a relation (energy basis unless noted)."""

    def __init__(self, spec):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.system = spec.build()
            self.red = redfield(self.system)
        self.energies = np.array(self.system.energies)
        self.p = populations(self.red)
        self.rates = rate_matrix(self.red)
        self.rho0 = rho0(self.red)  # computational basis
        self.l2_rho0 = l2(self.red, self.rho0)  # computational basis
        self.coherences = np.abs(second_order_coherences(self.red))  # phases depend on the eigenvectors'


def _check_redfield(name, a: _Data, b: _Data, u, c):
    e_shift = 0.0 if name != "shift" else b.energies[0] - a.energies[0]
    width = a.energies[-1] - a.energies[0]
    np.testing.assert_allclose(b.energies, c * a.energies + e_shift, rtol=0,
                               atol=1e-12 * c * width + 4 * np.finfo(float).eps * np.max(np.abs(b.energies)) * a.system.dim)
    np.testing.assert_allclose(b.p, a.p, rtol=P_RTOL, atol=1e-15, err_msg=f"{name}: populations")
    np.testing.assert_allclose(np.linalg.eigvalsh(b.rho0), np.linalg.eigvalsh(a.rho0), rtol=0, atol=1e-12,
                               err_msg=f"{name}: spectrum of rho0")
    np.testing.assert_allclose(b.rates, c * a.rates, rtol=0, atol=RATE_RTOL * c * np.max(a.rates),
                               err_msg=f"{name}: rates of App. A")
    expect = c * (a.l2_rho0 if u is None else u @ a.l2_rho0 @ u.conj().T)
    np.testing.assert_allclose(b.l2_rho0, expect, rtol=0, atol=L2_RTOL * np.max(np.abs(expect)),
                               err_msg=f"{name}: L2(rho0)")
    np.testing.assert_allclose(b.coherences, a.coherences, rtol=0, atol=L2_RTOL * np.max(a.coherences) + 1e-300,
                               err_msg=f"{name}: coherences of Eq. (15)")


@pytest.mark.parametrize("index", range(N_SYSTEMS))
def test_redfield_relations(index):
    spec, rng = _system(index)
    a = _Data(spec)
    c_log = rng.uniform(*np.log10(RESCALE_RANGE))
    for name in RELATIONS:
        c = 1e4 if (name == "rescale" and index % 4 == 0) else 10.0 ** c_log
        spec_b, u, c = _transform(name, spec, rng, c)
        _check_redfield(name, a, _Data(spec_b), u, c)


@pytest.mark.parametrize("index", range(0, N_SYSTEMS, 7))
def test_split_into_halves_removes_half_of_the_coupling(index):
    """Two couplings S/2 to independent baths: that coupling's rates are halved (4 · ¼ → ½ of two baths):
    W' = W − W_k/2, W_k the rates of coupling k alone (rates add over couplings)."""
    spec, rng = _system(index)
    k_rng = np.random.default_rng([SEED, index, 1])
    split, _ = ros.split_coupling(spec, k_rng, weight=0.5)
    k = int(np.random.default_rng([SEED, index, 1]).integers(len(spec.couplings)))
    alone = ros.Spec(spec.h, spec.dims, (spec.couplings[k],), spec.family)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w, w_split, w_k = (rate_matrix(redfield(s.build())) for s in (spec, split, alone))
    np.testing.assert_allclose(w_split, w - 0.5 * w_k, rtol=0, atol=RATE_RTOL * np.max(w))


def test_systems_cover_the_families():
    """≥ 100 systems, both families, qubits and qutrits, two and three sites, both forms and every bath."""
    specs = [_system(i)[0] for i in range(N_SYSTEMS)]
    assert len(specs) >= 100
    assert {s.family for s in specs} == {"u1", "dense"}
    assert {len(s.dims) for s in specs} == {2, 3} and {k for s in specs for k in s.dims} == {2, 3}
    assert {c.form for s in specs for c in s.couplings} == {"exchange", "hermitian"}
    assert {c.bath.kind for s in specs for c in s.couplings} == {"ohmic_gaussian", "ohmic_exponential",
                                                                  "drude_lorentz"}
    assert sum(np.prod(s.dims) <= SDP_MAX_DIM for s in specs[:N_SDP_FAST]) >= 12


# -- certified τ ------------------------------------------------------------------------------------------------

def _consistent(res) -> bool:
    return res.lower <= res.upper and res.status != "inconsistent"


def _claims(res) -> bool:
    return _consistent(res) and res.certified and res.verdict() != "inconclusive"


def _assert_overlap(relation, a, b, scale=1.0):
    """scale·[a] and [b] overlap within the data errors, unless one says it is inconsistent; claims agree."""
    assert a.lower <= a.upper and b.lower <= b.upper
    _PAIRS[relation] += 1
    if not (_consistent(a) and _consistent(b)):
        return
    _COMPARED[relation] += 1
    slack = (OVERLAP_ATOL + OVERLAP_RTOL * max(abs(scale * a.upper), abs(b.upper))
             + scale * a.data_error + b.data_error)
    assert scale * a.lower <= b.upper + slack and b.lower <= scale * a.upper + slack, (
        f"{relation}: [{a.lower:.10g}, {a.upper:.10g}] x {scale:g} and [{b.lower:.10g}, {b.upper:.10g}] do not "
        f"overlap (slack {slack:.3g}); statuses {a.status}, {b.status}")
    if _claims(a) and _claims(b):
        _CLAIMED[relation] += 1
        assert a.verdict() == b.verdict()


def _sdp_relations(index):
    spec, rng = _system(index)
    if np.prod(spec.dims) > SDP_MAX_DIM:
        pytest.skip(f"d = {np.prod(spec.dims)} > SDP_MAX_DIM")
    # two relations per system, cycling through all of them
    names = (RELATIONS[index % len(RELATIONS)], RELATIONS[(index + 3) % len(RELATIONS)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = spec.build()
        a_pop, a_coh = tau_pop(base), tau_pop_coh(base)
        for name in names:
            c = 10.0 ** rng.uniform(*np.log10(SDP_RESCALE_RANGE))
            spec_b, _, c = _transform(name, spec, rng, c)
            other = spec_b.build()
            blocks = None
            if name == "reorder":  # the blocks in reverse order too
                blocks = [b for b in reversed(tuple(dict.fromkeys(cp.sites for cp in spec_b.couplings)))]
            _assert_overlap(name, a_pop, tau_pop(other, blocks))
            _assert_overlap(name, a_coh, tau_pop_coh(other, blocks, trace=c), scale=c)


@pytest.mark.parametrize("index", range(N_SDP_FAST))
def test_sdp_relations(index):
    _sdp_relations(index)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(N_SDP_FAST, N_SYSTEMS))
def test_sdp_relations_all_systems(index):
    _sdp_relations(index)


def test_sdp_relations_were_not_vacuous():
    """Runs last in this file: enough pairs were compared (both consistent) and claimed (both certified)."""
    pairs = sum(_PAIRS.values())
    if pairs == 0:
        pytest.skip("no SDP relation ran (deselected)")
    assert sum(_COMPARED.values()) >= 0.8 * pairs, dict(_COMPARED)
    assert sum(_CLAIMED.values()) >= 0.5 * pairs, dict(_CLAIMED)
    if pairs >= 4 * len(RELATIONS):  # the default selection or more: every relation was exercised
        assert set(_PAIRS) == set(RELATIONS), dict(_PAIRS)
