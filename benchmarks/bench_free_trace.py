"""Benchmark: τ^pop,coh (Eq. (33)) with Tr Γ_b free on the panel-(d) grids of Fig. 2 (N_L = N_R = 1) and Fig. 3
(N_L = N_R = 2), as notebook 10 sweeps them (:func:`lindblad_core.studies.paper.free_trace_points`: N_M = 2,
ε0 = 0, β_L = 1, β_R ∈ {10, 5, 1, 0.5}, 12 values of g from 1e-3 to 1, the published target, spectral norm).

Every point is solved with the default chain (the library's interior-point method first, at each of its settings
``popcoh.FREE_TRACE_ATTEMPTS`` in turn, then QICS, Clarabel, CVXOPT, Clarabel's other settings;
:func:`lindblad_core.sdp.solve.solve_with_certificates`). Per point the CSV records the certified interval, the
verdict, whether the point is decided (``TauResult.is_result``), the number of attempts and the solver that ended
the chain, and for the interior-point method's first attempt its status, its best merit (the largest ratio of gap
and residuals to their tolerances; < 1 is "optimal") and its iterations, read from the solver's debug log. With ``--reference SOLVER`` (CLARABEL, the default, or QICS; "none" skips
it) every point is also solved by that solver alone and the two certified intervals are compared: rigorous
intervals of the same problem must overlap, and decided verdicts must agree.

Prints, per grid: the points, how many were decided by the interior-point method (and how many at its first
setting), how many went on and to which solver (the one that ended the chain) and whether they were decided there,
the statuses and merits of the method's first attempt where it did not decide, and the comparison with the
reference. No result
cache is read or written. Nothing here asserts a timing.

Run:  .venv/bin/python benchmarks/bench_free_trace.py [--threads 1] [--figs fig2,fig3] [--reference CLARABEL]
      [--out FILE.csv]
      .venv/bin/python benchmarks/bench_free_trace.py --summary FILE.csv   (the summary of an earlier run)
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import _apply_thread_flag  # noqa: E402  (before numpy: sets BLAS/rayon threads)

if "--threads" not in " ".join(sys.argv):
    sys.argv += ["--threads", "1"]
THREADS = _apply_thread_flag(sys.argv[1:])
RESULTS = Path(__file__).resolve().parent / "results"

# The panel-(d) grid of notebooks 01, 02 and 10 (Figs. 2(d), 3(d)).
BETA_RIGHT = (10.0, 5.0, 1.0, 0.5)
G_POINTS = 12
FIGS = {"fig2": 1, "fig3": 2}  # N_L = N_R

_MERIT = re.compile(r"ipm\s+(\d+):.*merit (\S+)")
_ATTEMPT = re.compile(r"solver (\S+) with .* returned (\S+); interval")


def _arg(name: str, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


class _Recorder(logging.Handler):
    """Keeps the library's log lines of one solve (the interior-point iterations, the chain's attempts)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def points(fig: str):
    import numpy as np

    from lindblad_core.studies.paper import free_trace_points
    from lindblad_core.systems.chain import ChainSetup

    base = ChainSetup(n_left=FIGS[fig], n_middle=2, n_right=FIGS[fig], bias=0.0)
    return free_trace_points(base, beta_right=list(BETA_RIGHT), g_grid=list(np.logspace(-3, 0, G_POINTS)),
                             beta_left_fixed=1.0, target="published")


def _ipm_summary(lines) -> dict:
    """Iterations, best merit, breakdown and status of the interior-point method's first attempt."""
    end = next((i for i, line in enumerate(lines) if _ATTEMPT.search(line)), len(lines))
    merits = [(int(m.group(1)), float(m.group(2))) for m in map(_MERIT.search, lines[:end]) if m]
    failed = [line for line in lines[:end] if line.startswith("interior-point method: iteration")]
    first = next((m.groups() for m in map(_ATTEMPT.search, lines) if m), None)
    return {"ipm_iterations": max((i for i, _ in merits), default=0),
            "ipm_merit": min((v for _, v in merits), default=float("nan")),
            "ipm_breakdown": bool(failed), "ipm_status": None if first is None else first[1]}


def solve_point(pt, reference: str | None) -> dict:
    from lindblad_core.studies.variants import tau_pop_coh

    opts = dict(pt.options)
    logger = logging.getLogger("lindblad_core")
    rec = _Recorder()
    logger.addHandler(rec)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    t0 = time.perf_counter()
    try:
        r = tau_pop_coh(pt.setup, **opts)
    finally:
        logger.removeHandler(rec)
        logger.setLevel(old)
    seconds = time.perf_counter() - t0
    attempts = r.options["attempts"]
    ipm = _ipm_summary(rec.lines)
    if attempts == 1:
        ipm["ipm_status"] = r.status
    row = dict(lower=r.lower, upper=r.upper, value=r.value, verdict=r.verdict(), certified=r.certified,
               decided=r.is_result, status=r.status, solver=r.solver, attempts=attempts,
               first=attempts == 1 and r.is_result, seconds=seconds, **ipm)
    if reference:
        t0 = time.perf_counter()
        ref = tau_pop_coh(pt.setup, **{**opts, "solver": reference})
        row.update(ref_lower=ref.lower, ref_upper=ref.upper, ref_verdict=ref.verdict(), ref_status=ref.status,
                   ref_decided=ref.is_result, ref_seconds=time.perf_counter() - t0,
                   overlap=max(r.lower, ref.lower) <= min(r.upper, ref.upper),
                   same_verdict=(r.verdict() == ref.verdict() or "inconclusive" in (r.verdict(), ref.verdict())))
    return row


def summary(table) -> str:
    """The per-grid summary as a markdown table (the figures of benchmarks/results/free_trace.md).

    Degenerate spectra are left out. "stopped at the IPM": the chain ended after its first attempt; "decided by the
    IPM": the chain ended at the interior-point method, at any of its settings (``popcoh.FREE_TRACE_ATTEMPTS``), with
    a decided result (``TauResult.is_result``), and in brackets how many at its first setting; "decidable": decided
    by the chain or by the reference solver; "non-equilibrium": β_R ≠ β_L = 1, the points of the free-trace column
    of Tables I/II."""
    import numpy as np

    lines = ["| grid | points | stopped at the IPM | decided by the IPM (at its first setting) / decidable | "
             "non-equilibrium: decided by the IPM | went on: ended by (decided there) | IPM's first setting where it "
             "did not decide: status (count); best merit; iterations | reference: intervals overlap | decided "
             "verdicts differ |",
             "|---|---|---|---|---|---|---|---|---|"]
    for fig, part in table.groupby("fig", sort=False):
        part = part[part.status != "degenerate"]
        part = part.assign(**{c: part[c].astype(bool) for c in ("first", "decided", "overlap", "same_verdict",
                                                                 "ref_decided") if c in part})
        part = part.assign(by_ipm=part.decided & (part.solver == "IPM"))
        n, stopped, first = len(part), int((part.attempts == 1).sum()), int(part["first"].sum())
        by_ipm = int(part["by_ipm"].sum())
        decidable = part.decided | (part.ref_decided if "ref_decided" in part else False)
        noneq = part[~np.isclose(part.beta_right, 1.0)]
        fall = part[part.attempts > 1]
        ended = ", ".join(f"{s}: {len(g)} ({int(g.decided.sum())})" for s, g in fall.groupby("solver")) or "-"
        bad = part[~part["first"]]  # the first setting of the IPM did not decide
        statuses = ", ".join(f"{s} ({c})" for s, c in bad.ipm_status.fillna("none").value_counts().items()) or "-"
        merit = (f"{bad.ipm_merit.min():.3g} … {bad.ipm_merit.max():.3g}; {int(bad.ipm_iterations.min())} … "
                 f"{int(bad.ipm_iterations.max())}" if len(bad) else "-")
        if "overlap" in part:
            ref = f"{int(part.overlap.sum())} of {n}"
            differ = str(int((~part.same_verdict).sum()))
        else:
            ref = differ = "not run"
        noneq_ipm = noneq["by_ipm"]
        lines.append(f"| {fig} | {n} | {stopped} ({stopped / n:.0%}) | {by_ipm} ({first}) / {int(decidable.sum())} "
                     f"({by_ipm / max(int(decidable.sum()), 1):.0%}) | {int(noneq_ipm.sum())} / {len(noneq)} "
                     f"({noneq_ipm.mean():.0%}) | {len(fall)}: {ended} | {statuses}; {merit} | {ref} | {differ} |")
    return "\n".join(lines)


def main() -> int:
    import pandas as pd

    if "--summary" in sys.argv:  # the summary of an earlier run's CSV
        print(summary(pd.read_csv(_arg("--summary"))))
        return 0
    figs = _arg("--figs", "fig2,fig3").split(",")
    reference = _arg("--reference", "CLARABEL")
    reference = None if reference.lower() == "none" else reference.upper()
    out = Path(_arg("--out", RESULTS / "free_trace.csv"))
    print(f"bench_free_trace: BLAS threads {THREADS}; {figs}; reference {reference}", flush=True)
    rows = []
    for fig in figs:
        for i, pt in enumerate(points(fig)):
            s = pt.setup
            try:
                row = solve_point(pt, reference)
            except ValueError as err:  # a degenerate spectrum: not a point of the figure
                row = dict(status="degenerate", verdict=f"{err}"[:60], first=False, attempts=0)
            rows.append(dict(fig=fig, point=i, beta_right=s.beta_right, g=s.g, **row))
            r = rows[-1]
            print(f"{fig} {i:2d} beta_R={s.beta_right:<4g} g={s.g:.3g}: {r.get('verdict')} [{r.get('lower', 0):.4g}, "
                  f"{r.get('upper', 0):.4g}] {r.get('status')} {r.get('solver')} attempts {r.get('attempts')} "
                  f"ipm {r.get('ipm_status')} merit {r.get('ipm_merit', float('nan')):.3g} "
                  f"it {r.get('ipm_iterations')} overlap {r.get('overlap')}", flush=True)
    table = pd.DataFrame(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    print(summary(table))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
