"""Benchmark: Redfield pipeline (rho0 and L2(rho0)) at d = 64 and d = 256.

Times, from a fresh ``ChainSetup`` each repeat, the whole pipeline: XXZ Hamiltonian, eigendecomposition,
the Eq. (41) coefficients with their principal values, the zeroth-order populations, rho0 and L2(rho0).
Target (issue): well under 1 s at d = 64.

For d = 64 it also times a *naive* evaluation of the same coefficients: one QUADPACK principal value
(``scipy.integrate.quad(..., weight="cauchy")``) per Bohr-frequency pair and per coefficient (C and D),
no de-duplication, no vectorisation, as a per-pair loop code would do it. That loop is timed on the
non-zero-coupling pairs of one bath site (at most ``--naive-max-pairs`` of them) and extrapolated
linearly to every pair of every bath site.

Timings are machine dependent and noisy; compare the ratios printed in one run, never absolute numbers
across machines. Nothing here asserts a timing.

Run:  .venv/bin/python benchmarks/bench_redfield.py [--repeats 3] [--naive-max-pairs 400] [--threads N]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import _apply_thread_flag  # noqa: E402  (before numpy: sets BLAS/rayon threads)

THREADS = _apply_thread_flag(sys.argv[1:])

import numpy as np

from lindblad_core.redfield_equation import redfield
from scipy import integrate

from lindblad_core.systems.baths import PV_CUTOFF_MULT, coefficients, occupation, spectral_density
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.redfield_equation import coupling_support, l2, rho0

TARGET_S = 1.0
COMMON = dict(g=0.01, beta_left=1.0, beta_right=0.5)
SETTINGS = (  # (label, ChainSetup kwargs)
    ("N_L=N_R=2, N_M=2", dict(n_left=2, n_middle=2, n_right=2)),
    ("N_L=N_R=3, N_M=2", dict(n_left=3, n_middle=2, n_right=3)),
)


def pipeline(kwargs):
    """The full pipeline from scratch; returns (total seconds, per-stage seconds, setup)."""
    t0 = time.perf_counter()
    setup = ChainSetup(**COMMON, **kwargs)
    red = redfield(setup)  # Hamiltonian, eigh, Eq. (41) coefficients (principal values), A_l, B_l
    t1 = time.perf_counter()
    r0 = rho0(red)  # rate matrix, populations, rho0 (computational basis)
    t2 = time.perf_counter()
    out = l2(red, r0)
    t3 = time.perf_counter()
    assert np.all(np.isfinite(out))
    return t3 - t0, (t1 - t0, t2 - t1, t3 - t2), setup


# -- naive coefficients ------------------------------------------------------------------------------------

def _naive_pv(f, w, cutoff):
    """P∫_0^X f(x)/(x - w) dx with QUADPACK: QAWC on [0, 2w] + plain quad on [2w, X] (w > 0), quad (w < 0)."""
    if w > 0:
        split = min(2.0 * w, cutoff)
        val = integrate.quad(f, 0.0, split, weight="cauchy", wvar=w, limit=200)[0]
        if split < cutoff:
            val += integrate.quad(lambda x: f(x) / (x - w), split, cutoff, limit=200)[0]
        return val
    return integrate.quad(lambda x: f(x) / (x - w), 0.0, cutoff, limit=200)[0]


def naive_coefficients(omegas, bath):
    """C(w), D(w) of Eq. (41) pair by pair: two QUADPACK principal values (J n and J (n+1)) per pair."""
    cutoff = max(PV_CUTOFF_MULT * bath.omega_c, 2.0 * float(np.max(np.abs(omegas))))

    def absorption(x):  # J(x) n(x); x -> 0 limit gamma/beta for s = 1 reached via a tiny x
        x = max(x, 1e-300)
        return float(spectral_density(x, bath) * occupation(x, bath))

    def emission(x):  # J(x) (n(x) + 1)
        x = max(x, 1e-300)
        return float(spectral_density(x, bath) * (occupation(x, bath) + 1.0))

    c = np.empty(len(omegas), dtype=complex)
    d = np.empty(len(omegas), dtype=complex)
    for i, w in enumerate(omegas):
        re_c = 0.5 * absorption(w) if w > 0 else 0.0
        re_d = 0.5 * emission(w) if w > 0 else 0.0
        c[i] = re_c - 1j * _naive_pv(absorption, w, cutoff) / (2 * math.pi)
        d[i] = re_d - 1j * _naive_pv(emission, w, cutoff) / (2 * math.pi)
    return c, d


def naive_comparison(kwargs, max_pairs, ours_coeff_s, ours_total_s):
    setup = ChainSetup(**COMMON, **kwargs)
    system = setup.open_system()
    s_e = system.to_energy_basis(system.coupling_operators)
    e = system.energies
    omega = e[None, :] - e[:, None]  # omega[a, g] = E_g - E_a, as in lindblad_core.redfield_equation
    masks = coupling_support(s_e)
    counts = masks.sum(axis=(1, 2))
    site_pairs = omega[masks[0]]  # bath site 0 (first left site)
    n_timed = min(len(site_pairs), max_pairs)
    bath = setup.baths[0]
    t0 = time.perf_counter()
    c_naive, d_naive = naive_coefficients(site_pairs[:n_timed], bath)
    t_naive = time.perf_counter() - t0
    c_ref, d_ref = coefficients(site_pairs[:n_timed], bath)
    err = max(np.max(np.abs(c_naive - c_ref)) / np.max(np.abs(c_ref)),
              np.max(np.abs(d_naive - d_ref)) / np.max(np.abs(d_ref)))
    total_pairs = int(counts.sum())
    extrapolated = t_naive / n_timed * total_pairs
    print(f"\nNaive comparison at d = {setup.dim} ({len(counts)} bath sites; non-zero-coupling pairs per site: "
          f"{', '.join(str(int(c)) for c in counts)}; total {total_pairs})")
    print("  naive = one scipy.integrate.quad(weight='cauchy') principal value per pair and per coefficient")
    print("          (C and D: QAWC on [0, 2w] + quad on [2w, X], X = "
          f"{max(PV_CUTOFF_MULT * bath.omega_c, 2 * float(np.max(np.abs(site_pairs)))):g}; plain quad for w < 0),")
    print("          no de-duplication, no vectorisation")
    if n_timed < len(site_pairs):
        print(f"  timed the first {n_timed} of the {len(site_pairs)} pairs of bath site 0 (more than {max_pairs}); "
              "extrapolated linearly")
    else:
        print(f"  timed all {n_timed} pairs of bath site 0; extrapolated linearly to all bath sites")
    print(f"  naive: {t_naive:.3f} s for {n_timed} pairs = {1e3 * t_naive / n_timed:.2f} ms/pair")
    print(f"  naive, extrapolated to all {total_pairs} pairs: {extrapolated:.2f} s")
    print(f"  max relative difference naive vs ours (C and D, timed pairs): {err:.1e}")
    print(f"  ours (coefficient stage: Hamiltonian + eigh + all coefficients + A_l, B_l), best: {ours_coeff_s:.4f} s")
    print(f"  ratio naive / ours (coefficient stage):  {extrapolated / ours_coeff_s:8.1f}x")
    print(f"  ratio naive / ours (whole pipeline):      {extrapolated / ours_total_s:8.1f}x")
    return extrapolated


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP/rayon threads (set before numpy loads; default: leave as is)")
    parser.add_argument("--naive-max-pairs", type=int, default=400)
    args = parser.parse_args(argv)

    print(f"bench_redfield: python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"BLAS threads: {THREADS}, best/median of {args.repeats} repeats, each from a fresh ChainSetup (no cache)")
    print(f"common parameters: {COMMON}")
    pipeline(SETTINGS[0][1])  # warm-up: imports, BLAS threads, first-call overheads (not timed)

    rows = []
    for label, kwargs in SETTINGS:
        totals, stages = [], []
        for _ in range(args.repeats):
            total, stage, setup = pipeline(kwargs)
            totals.append(total)
            stages.append(stage)
        best = min(range(len(totals)), key=totals.__getitem__)
        rows.append((label, setup.dim, min(totals), statistics.median(totals), stages[best]))

    print("\nFull pipeline: Hamiltonian, eigh, Eq. (41) coefficients with principal values, populations, rho0, L2(rho0)")
    print(f"{'setting':<18} {'d':>4} {'best s':>9} {'median s':>9} {'best/1s':>8}   "
          f"{'redfield s':>10} {'rho0 s':>8} {'L2 s':>8}  (stages of the best repeat)")
    for label, dim, best, med, (t_red, t_rho, t_l2) in rows:
        print(f"{label:<18} {dim:>4} {best:>9.4f} {med:>9.4f} {best / TARGET_S:>8.3f}   "
              f"{t_red:>10.4f} {t_rho:>8.4f} {t_l2:>8.4f}")
    d64 = rows[0]
    print(f"\nTarget (d = 64, well under {TARGET_S:g} s): best {d64[2]:.4f} s = {d64[2] / TARGET_S:.3f} of the target "
          f"({'met' if d64[2] < TARGET_S else 'NOT met'} in this run)")

    naive_comparison(SETTINGS[0][1], args.naive_max_pairs, ours_coeff_s=d64[4][0], ours_total_s=d64[2])


if __name__ == "__main__":
    main()
