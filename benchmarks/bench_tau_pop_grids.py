"""Benchmark: τ^pop (Eq. (29)) with the default solver chain on the τ^pop points of the Fig. 3 grid
(N_L = N_R = N_M = 2), Fig. 4 (N_L = 3, N_M = 0..3, N_R = 0, β = 1) and Fig. A2 (Fig. 3 with ε0 = 0.01), the
grids of notebooks 02, 03 and 06.

Writes one CSV row per point (lower, upper, verdict, certified, status, solver, attempts, seconds) and prints,
per figure, the number of points, of certified (tight) intervals, the mean number of attempts and the total
time. ``--compare OTHER.csv`` also prints how many verdicts differ from another run's CSV (e.g. the same
script run on an earlier commit, for before/after comparisons in one session). Nothing here asserts a timing.

Run:  .venv/bin/python benchmarks/bench_tau_pop_grids.py [--threads 1] [--out FILE.csv] [--compare OTHER.csv]
      [--figs fig3,fig4,figA2]
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


def _arg(name: str, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def points(fig: str):
    import numpy as np

    from lindblad_core.systems.chain import ChainSetup
    from lindblad_core.studies.sweeps import four_panel_points, grid

    g_grid = list(np.logspace(-3, 0, 12))
    if fig in ("fig3", "figA2"):
        base = ChainSetup(n_left=2, n_middle=2, n_right=2, bias=0.0 if fig == "fig3" else 0.01)
        pts = four_panel_points(base, beta_right=[10.0, 5.0, 1.0, 0.5], beta_left_grid=list(np.logspace(-1, 1, 12)),
                                g_grid=g_grid, g_fixed=0.01, beta_left_fixed=1.0, options={"target": "published"})
    else:
        pts = []
        for nm in range(4):
            pts += grid(ChainSetup(n_left=3, n_middle=nm, n_right=0, beta_left=1.0), tag=f"N_M={nm}", g=g_grid)
    return [p for p in pts if p.quantity == "tau_pop"]


def main() -> int:
    import pandas as pd

    from lindblad_core.sdp import tau_pop

    figs = _arg("--figs", "fig3,fig4,figA2").split(",")
    out = Path(_arg("--out", RESULTS / "tau_pop_grids.csv"))
    print(f"bench_tau_pop_grids: BLAS threads {THREADS}; {figs}", flush=True)
    rows = []
    for fig in figs:
        for i, pt in enumerate(points(fig)):
            s = pt.setup
            t0 = time.perf_counter()
            try:
                r = tau_pop(s)
                row = dict(lower=r.lower, upper=r.upper, value=r.value, verdict=r.verdict(), certified=r.certified,
                           status=r.status, solver=r.solver, attempts=r.options["attempts"], data_error=r.data_error)
            except ValueError as err:  # degenerate spectrum: not a point of the figure
                row = dict(verdict=f"error: {err}"[:60], certified=False, status="error", attempts=0)
            rows.append(dict(fig=fig, point=i, n_middle=s.n_middle, beta_left=s.beta_left, beta_right=s.beta_right,
                             g=s.g, seconds=time.perf_counter() - t0, **row))
    table = pd.DataFrame(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    valid = table[table.status != "error"]
    print(valid.groupby("fig").agg(points=("point", "size"), certified=("certified", "sum"),
                                   attempts=("attempts", "mean"), seconds=("seconds", "sum")).to_string())
    other = _arg("--compare")
    if other:
        both = table.merge(pd.read_csv(other), on=["fig", "point"], suffixes=("", "_other"))
        both = both[(both.status != "error") & (both.status_other != "error")]
        print(f"verdicts that differ from {other}: {int((both.verdict != both.verdict_other).sum())} of {len(both)}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
