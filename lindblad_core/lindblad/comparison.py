r"""What each master equation gets right and wrong, next to the SDP optimum: τ of its L2', the continuity of
local currents, its NESS, complete positivity.

For a generator of :mod:`.generators` (one of :mod:`.master_equations`): :func:`tau_pop_of` and
:func:`tau_pop_coh_of` evaluate the objectives of Eqs. (29) and (33) at its L2'(ρ0) (when the equation lies
inside the ansatz of Eq. (23) these are ≥ the SDP optima); :func:`continuity_violation` measures the violation of
the local conservation laws in the middle of the chain; :func:`kossakowski_min_eigenvalue` its complete
positivity; :func:`master_equation_records` collects them per equation for one set-up.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
from dataclasses import dataclass

import numpy as np
from lindblad_core.lindblad.candidate import l2_prime, LindbladCandidate, population_rates
from lindblad_core.lindblad.generators import as_lindblad_form, LindbladForm, redfield_of
from lindblad_core.lindblad.master_equations import EQUATIONS, master_equation
from lindblad_core.lindblad.psd_redfield import orthonormal_kossakowski
from lindblad_core.solvers.markov import stationary_populations
from lindblad_core.redfield_equation import l2, populations, Redfield, redfield
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.open_system import OpenSystem
from lindblad_core.systems.operators import SIGMA_X, SIGMA_Y, SIGMA_Z, site_operator

log = logging.getLogger(__name__)

COLUMNS = ("equation", "n_left", "n_middle", "n_right", "g", "beta_left", "beta_right", "tau_pop", "tau_pop_coh",
           "continuity_violation", "trace_distance", "completely_positive")



# Kossakowski eigenvalues above −KOSSAKOWSKI_RTOL · (largest |eigenvalue|) count as non-negative (rounding).
KOSSAKOWSKI_RTOL = 1e-12



def as_generator(generator):
    return as_lindblad_form(generator) if isinstance(generator, LindbladCandidate) else generator



def _l2_prime_rho0(generator, rho0_e: np.ndarray) -> np.ndarray:
    if isinstance(generator, LindbladCandidate):
        return l2_prime(generator, rho0_e)  # the exact evaluation the SDPs certify against
    return generator.apply(rho0_e)



def tau_pop_of(l2_prime_rho0: np.ndarray) -> float:
    r"""τ^pop = Σ_α |<E_α|L2'(ρ0)|E_α>| (Eq. (28)) from L2'(ρ0) in the energy basis (the objective of Eq. (29))."""
    return float(np.sum(np.abs(np.real(np.diag(l2_prime_rho0)))))



def tau_pop_coh_of(l2_prime_rho0: np.ndarray, target: np.ndarray) -> float:
    r"""τ^pop,coh = ‖L2'(ρ0) − T‖ (Eq. (32)) in the spectral norm (largest singular value), as the published
    values and :func:`lindblad_core.sdp.tau_pop_coh`'s default; T = L2(ρ0) (physical target)."""
    return float(np.linalg.norm(np.asarray(l2_prime_rho0) - np.asarray(target), 2))



@functools.lru_cache(maxsize=4)
def _middle_observables(system: OpenSystem, sites: tuple) -> np.ndarray:
    """All Pauli strings on ``sites`` except the identity, embedded and in the energy basis (read-only: kept for
    the next generator of the same system, as :func:`master_equation_records` evaluates several)."""
    paulis = (np.eye(2), SIGMA_X, SIGMA_Y, SIGMA_Z)
    n = system.n_sites
    ops = []
    for idx in itertools.product(range(4), repeat=len(sites)):
        if not any(idx):
            continue
        op = np.eye(system.dim, dtype=complex)
        for site, i in zip(sites, idx):
            if i:
                op = op @ site_operator(paulis[i], site, n)
        ops.append(op)
    out = system.to_energy_basis(np.array(ops)) if ops else np.zeros((0, system.dim, system.dim))
    out.flags.writeable = False
    return out



def continuity_violation(generator, *, sites=None) -> float:
    r"""How far L2' is from the local conservation laws of Eq. (22), for every state at once:

    .. math::

        \max_{O} \max_{\rho} |\mathrm{Tr}[O\,\mathcal L_2'(\rho)]| = \max_O \|\mathcal L_2'^\dagger(O)\|,

    O over the Pauli strings (≠ identity) on the sites without a bath (H_M of Fig. 1), ρ over density
    matrices, ‖·‖ the spectral norm. Eq. (22) demands d<O_M>/dt = −i<[O_M, H_S]>, i.e. L2'†(O_M) = 0 for every
    O_M on H_M: zero for the Redfield equation and every point of Eq. (23), non-zero for equations whose jumps
    act on the middle. This generalises :func:`lindblad_core.lindblad.candidate.check_candidate`'s ``continuity_violation``
    (σx, σy, σz of each site outside the blocks, one random state) to any generator, all observables on
    H_M, and a state-independent value.

    Parameters
    ----------
    generator : LindbladForm, RedfieldGenerator or LindbladCandidate
    sites : sequence of int, optional
        Default: the sites not in ``system.bath_sites``. No such site: 0.
    """
    gen = as_generator(generator)
    system = gen.system
    if sites is None:
        sites = [s for s in range(system.n_sites) if s not in system.bath_sites]
    ops = _middle_observables(system, tuple(int(s) for s in sites))
    return max((float(np.linalg.norm(gen.adjoint(o), 2)) for o in ops), default=0.0)



def zeroth_order_populations(generator) -> np.ndarray:
    r"""Zeroth-order NESS populations p' of L2' (App. A, B): W' p' = 0, Σ p' = 1, with W' the population block
    (Eq. (B5)). Raises ValueError if the kernel of W' is not one-dimensional."""
    gen = as_generator(generator)
    try:
        return stationary_populations(population_rates(gen.rate_matrix()))
    except ValueError as err:
        raise ValueError(f"{gen.name}: {err}") from err



def kossakowski_min_eigenvalue(generator) -> float:
    r"""λ_min of the Kossakowski matrix of L2' (Eq. (1)), relative to its largest |eigenvalue|.

    The dissipator Σ_kl K_kl F_k ρ F_l† (+ terms Xρ + ρX†) is written on the span of the traceless parts of
    the F_k: with vec(F) = Q R (QR, orthonormal Q), the Kossakowski matrix in the orthonormal basis Q is
    R K R†, unique whatever linear dependences the F_k have; the generator is completely positive iff it is
    PSD. A Lindblad form with non-negative rates skips the QR (its K = diag(rates) is PSD by construction)
    and returns min(rates)/max(rates) ≥ 0 instead of the eigenvalue.
    """
    gen = as_generator(generator)
    # a LindbladForm's K is diag(rates) by construction: its m×m matrix is not formed to be inspected
    form = None if isinstance(gen, LindbladForm) else gen.kossakowski()
    diag = gen.rates if form is None else np.real(np.diag(form[1]))
    diagonal = form is None or np.count_nonzero(form[1] - np.diag(np.diag(form[1]))) == 0
    if diagonal and diag.min(initial=0.0) >= 0:
        return float(diag.min() / diag.max()) if diag.max() > 0 else 0.0
    ops, k = form or gen.kossakowski()
    _, m, _ = orthonormal_kossakowski(ops, k)
    w = np.linalg.eigvalsh(m)
    scale = np.max(np.abs(w))
    return float(w[0] / scale) if scale > 0 else 0.0



def is_completely_positive(generator) -> bool:
    """Lindblad form with a PSD Kossakowski matrix (to ``KOSSAKOWSKI_RTOL``): :func:`kossakowski_min_eigenvalue`."""
    return kossakowski_min_eigenvalue(generator) >= -KOSSAKOWSKI_RTOL



@dataclass(frozen=True)
class _Reference:
    """What every equation is compared with: the Redfield ρ0 and target L2(ρ0), energy basis."""

    p: np.ndarray
    rho0: np.ndarray
    target: np.ndarray

    @classmethod
    def of(cls, red: Redfield) -> "_Reference":
        p = populations(red)
        rho0 = np.diag(p).astype(complex)
        return cls(p, rho0, l2(red, rho0, basis="energy"))



def evaluate(generator, system, *, reference: _Reference | None = None) -> dict:
    r"""What one generator gets right and wrong at leading order (``system``: its OpenSystem, ChainSetup or Redfield),
    from exact (numpy) evaluations.

    Returns
    -------
    dict with
        tau_pop : Σ_α |<E_α|L2'(ρ0)|E_α>| (Eq. (28)),
        tau_pop_coh : ‖L2'(ρ0) − L2(ρ0)‖ (spectral norm, physical target, Eq. (32)),
        continuity_violation : :func:`continuity_violation`,
        trace_distance : ½ Σ_a |p'_a − p_a| = ½‖ρ0' − ρ0‖₁ (ρ0' of :func:`zeroth_order_populations`; the
            paper's Lemma 1 bounds Σ |p' − p|, twice this),
        completely_positive : :func:`is_completely_positive`.
    """
    red = redfield_of(system)
    ref = reference or _Reference.of(red)
    x = _l2_prime_rho0(generator, ref.rho0)
    p_prime = zeroth_order_populations(generator)
    return {
        "tau_pop": tau_pop_of(x),
        "tau_pop_coh": tau_pop_coh_of(x, ref.target),
        "continuity_violation": continuity_violation(generator),
        "trace_distance": 0.5 * float(np.sum(np.abs(p_prime - ref.p))),
        "completely_positive": is_completely_positive(generator),
    }



def master_equation_records(system, *, equations=EQUATIONS, lamb_shift: bool = True, width: float | None = None,
                            local_trace: float | None = None) -> list[dict]:
    """One record per equation for one open system, with ``COLUMNS`` and the seconds it took (``seconds``, not part
    of ``COLUMNS``). For an :class:`~lindblad_core.systems.open_system.OpenSystem` the chain's columns (n_left, …,
    beta_right) are left out; a :class:`~lindblad_core.systems.chain.ChainSetup` fills them.

    Parameters are passed to :func:`master_equation`. Raises ValueError for degenerate spectra (from the
    Redfield set-up, message containing "degenerate").
    """
    red = redfield(system)
    ref = _Reference.of(red)
    chain = ({k: getattr(system, k) for k in COLUMNS[1:7]} if isinstance(system, ChainSetup) else {})
    out = []
    for eq in equations:
        t0 = time.perf_counter()
        gen = master_equation(system, eq, lamb_shift=lamb_shift, width=width, local_trace=local_trace)
        rec = {"equation": eq, **chain, **evaluate(gen, red, reference=ref)}
        rec["seconds"] = time.perf_counter() - t0
        out.append(rec)
    return out



def master_equation_table(setups, *, skip_degenerate: bool = True, progress=None, **kwargs):
    """Records of :func:`master_equation_records` for many set-ups as a pandas DataFrame (``COLUMNS`` + seconds).

    Parameters
    ----------
    setups : iterable of OpenSystem or ChainSetup
    skip_degenerate : bool
        Leave out set-ups whose H_S is degenerate (logged), as the figure notebooks do.
    progress : callable, optional
        Wraps the iterable (e.g. ``tqdm.tqdm``).
    kwargs : passed to :func:`master_equation_records`.
    """
    import pandas as pd

    rows = []
    for setup in (progress(list(setups)) if progress else setups):
        try:
            rows += master_equation_records(setup, **kwargs)
        except ValueError as err:
            if skip_degenerate and "degenerate" in str(err):
                log.info("skipped (degenerate spectrum): %s", setup)
                continue
            raise
    return pd.DataFrame(rows, columns=list(COLUMNS) + ["seconds"])
