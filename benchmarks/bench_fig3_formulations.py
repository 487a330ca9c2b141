"""Benchmark: the certified verdicts of tau_pop,coh on the Fig. 3 grid (N_L = N_R = N_M = 2, d = 64, the
published target) with formulation="conic" (the default) and formulation="cvxpy" (the original), in one run.

Writes ``benchmarks/results/fig3_formulations.csv`` (one row per point and formulation: lower, upper,
verdict, certified, seconds) and prints the number of points whose verdicts differ (must be 0) and the
total time of each formulation. Nothing here asserts a timing.

``--conic-only`` re-solves with the default formulation only and compares with the "cvxpy" rows of the
existing CSV (same points), writing ``fig3_formulations_conic_rerun.csv``.

Run:  .venv/bin/python benchmarks/bench_fig3_formulations.py [--threads 1] [--quick] [--conic-only]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import _apply_thread_flag  # noqa: E402  (before numpy: sets BLAS/rayon threads)

if "--threads" not in " ".join(sys.argv):
    sys.argv += ["--threads", "1"]
THREADS = _apply_thread_flag(sys.argv[1:])
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    import numpy as np
    import pandas as pd

    from lindblad_core.systems.chain import ChainSetup
    from lindblad_core.studies.variants import tau_pop_coh
    from lindblad_core.studies.sweeps import four_panel_points

    quick = "--quick" in sys.argv
    conic_only = "--conic-only" in sys.argv
    forms = ("conic",) if conic_only else ("cvxpy", "conic")
    base = ChainSetup(n_left=2, n_middle=2, n_right=2)
    # the grids of notebooks/02_fig3_two_qubits_per_bath.ipynb
    beta_right = [5.0] if quick else [10.0, 5.0, 1.0, 0.5]
    beta_left_grid = [0.1, 10.0] if quick else list(np.logspace(-1, 1, 12))
    g_grid = [0.001, 0.1] if quick else list(np.logspace(-3, 0, 12))
    points = [pt for pt in four_panel_points(base, beta_right=beta_right, beta_left_grid=beta_left_grid, g_grid=g_grid,
                                             g_fixed=0.01, beta_left_fixed=1.0, options={"target": "published"})
              if pt.quantity == "tau_pop_coh"]
    print(f"bench_fig3_formulations: BLAS threads {THREADS}; {len(points)} tau_pop_coh points", flush=True)
    rows = []
    for i, pt in enumerate(points):
        setup = pt.setup
        for formulation in forms:
            t0 = time.perf_counter()
            try:
                r = tau_pop_coh(setup, target="published", formulation=formulation)
                row = dict(lower=r.lower, upper=r.upper, verdict=r.verdict(), certified=r.certified, status=r.status,
                           attempts=r.options["attempts"])
            except ValueError as err:  # degenerate spectrum: not a point of the figure
                row = dict(lower=np.nan, upper=np.nan, verdict=f"error: {err}"[:60], certified=False, status="error")
            rows.append(dict(point=i, beta_left=setup.beta_left, beta_right=setup.beta_right, g=setup.g,
                             formulation=formulation, seconds=time.perf_counter() - t0, **row))
        print(f"  {i:3d} bL={setup.beta_left:.3g} bR={setup.beta_right:.3g} g={setup.g:.3g}: "
              + " | ".join(f"{r['formulation']} {r['verdict']} {r['seconds']:.2f} s" for r in rows[-len(forms):]), flush=True)
    table = pd.DataFrame(rows)
    RESULTS.mkdir(exist_ok=True)
    name = "fig3_formulations_quick.csv" if quick else "fig3_formulations.csv"
    if conic_only:
        earlier = pd.read_csv(RESULTS / name)
        name = name.replace(".csv", "_conic_rerun.csv")
        table.to_csv(RESULTS / name, index=False)
        table = pd.concat([earlier[earlier.formulation == "cvxpy"], table])
    else:
        table.to_csv(RESULTS / name, index=False)
    wide = table.pivot(index="point", columns="formulation", values="verdict")
    differ = int((wide["cvxpy"] != wide["conic"]).sum())
    secs = table.groupby("formulation")["seconds"].sum()
    print(f"verdicts that differ between formulations: {differ} of {len(wide)}")
    print(f"total seconds: cvxpy {secs['cvxpy']:.1f}, conic {secs['conic']:.1f} (ratio {secs['cvxpy'] / secs['conic']:.2f}x)")
    print(f"wrote {RESULTS / name}")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
