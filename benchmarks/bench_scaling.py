"""Benchmark: time and peak memory of one tau_pop (Eq. 29) and one tau_pop,coh (Eq. 33) solve against d.

Chains (g = 0.05, beta_L = 1, beta_R = 5, two Lindblad blocks):
  d = 16: N_L = N_R = 1, N_M = 2     d = 32: N_L = N_R = 1, N_M = 3     d = 64: N_L = N_R = 2, N_M = 2
  d = 128: N_L = N_R = 2, N_M = 3    d = 256: N_L = N_R = 2, N_M = 4
Each solve runs in a fresh child process (one BLAS thread by default), after an untimed warm-up solve at
d = 8 (cvxpy and the solvers load lazily), so its peak resident memory (``ru_maxrss``) is that of the solve
plus the interpreter with numpy and cvxpy loaded (``baseline_gb``, about 0.15 GB, printed too). The child's
address space is capped (``--memory-cap-gb``, default 12) and its wall time limited (``--timeout``, default
600 s), so a solve that would exhaust the machine is reported as such instead of taking it down.

Writes ``benchmarks/results/scaling.{csv,md,png}``: the table, and a log-log plot of time and memory
against d with the exponent of a least-squares fit t ∝ d^k over the completed points of each SDP.
Nothing here asserts a timing.

Run:  .venv/bin/python benchmarks/bench_scaling.py [--dims 16 32 64 128 256] [--quantities tau_pop tau_pop_coh]
                                                   [--threads 1] [--memory-cap-gb 12] [--timeout 600]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import _apply_thread_flag  # noqa: E402  (before numpy: sets BLAS/rayon threads)

if "--threads" not in " ".join(sys.argv):
    sys.argv += ["--threads", "1"]
THREADS = _apply_thread_flag(sys.argv[1:])

CHAINS = {16: (1, 2, 1), 32: (1, 3, 1), 64: (2, 2, 2), 128: (2, 3, 2), 256: (2, 4, 2)}
SETTING = dict(g=0.05, beta_left=1.0, beta_right=5.0)
RESULTS = Path(__file__).resolve().parent / "results"

_CHILD = r"""
import json, resource, sys, time
cap = int(float(sys.argv[3]) * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from lindblad_core.chain import ChainSetup
from lindblad_core.sdp import tau_pop, tau_pop_coh
n_l, n_m, n_r = json.loads(sys.argv[1]); quantity = sys.argv[2]; setting = json.loads(sys.argv[4])
solve = tau_pop if quantity == "tau_pop" else tau_pop_coh
solve(ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.05, beta_left=1.0, beta_right=5.0))  # warm-up: lazy imports
baseline_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
t0 = time.perf_counter()
try:
    setup = ChainSetup(n_left=n_l, n_middle=n_m, n_right=n_r, **setting)
    res = solve(setup)
    out = dict(status=res.status, certified=res.certified, verdict=res.verdict(), lower=res.lower,
               upper=res.upper, solve_seconds=res.solve_seconds, setup_seconds=res.setup_seconds)
except MemoryError:
    out = dict(status="out_of_memory")
out["seconds"] = time.perf_counter() - t0
out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
out["baseline_gb"] = baseline_gb
print("RESULT " + json.dumps(out))
"""


def measure(d: int, quantity: str, cap_gb: float, timeout: float) -> dict:
    chain = CHAINS[d]
    row = {"d": d, "chain": "+".join(map(str, chain)), "quantity": quantity}
    cmd = [sys.executable, "-c", _CHILD, json.dumps(chain), quantity, str(cap_gb), json.dumps(SETTING)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {**row, "status": f"stopped after {timeout:.0f} s", "seconds": float("nan"), "peak_gb": float("nan")}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        status = "out_of_memory" if "MemoryError" in proc.stderr or "memory" in tail.lower() else f"failed: {tail}"
        return {**row, "status": status, "seconds": time.perf_counter() - t0, "peak_gb": float("nan")}
    return {**row, **json.loads(lines[0][len("RESULT "):])}


def fit_exponent(ds, values) -> float:
    import numpy as np

    ds, values = np.asarray(ds, float), np.asarray(values, float)
    ok = np.isfinite(values) & (values > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(ds[ok]), np.log(values[ok]), 1)[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="*", default=sorted(CHAINS), choices=sorted(CHAINS))
    parser.add_argument("--quantities", nargs="*", default=["tau_pop", "tau_pop_coh"])
    parser.add_argument("--memory-cap-gb", type=float, default=12.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--threads", default=None)
    args = parser.parse_args()
    import pandas as pd

    print(f"bench_scaling: BLAS threads {THREADS}; memory cap {args.memory_cap_gb} GB; timeout {args.timeout:.0f} s")
    rows = []
    for quantity in args.quantities:
        for d in args.dims:
            row = measure(d, quantity, args.memory_cap_gb, args.timeout)
            rows.append(row)
            print(f"  {quantity:12s} d={d:4d} ({row['chain']}): {row.get('status')}, "
                  f"{row.get('seconds', float('nan')):.2f} s, peak {row.get('peak_gb', float('nan')):.2f} GB", flush=True)
    table = pd.DataFrame(rows)
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "scaling.csv", index=False)
    lines = ["| quantity | d | chain | status | seconds | peak GB | of which baseline GB |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['quantity']} | {r['d']} | {r['chain']} | {r.get('status')} | "
                     f"{r.get('seconds', float('nan')):.2f} | {r.get('peak_gb', float('nan')):.2f} | "
                     f"{r.get('baseline_gb', float('nan')):.2f} |")
    fits = []
    for quantity in args.quantities:
        part = table[(table.quantity == quantity) & table.status.isin(["optimal", "optimal_inaccurate"])]
        kt, km = fit_exponent(part.d, part.seconds), fit_exponent(part.d, part.peak_gb)
        fits.append((quantity, kt, km))
        lines.append(f"\n{quantity}: time ∝ d^{kt:.2f}, peak memory ∝ d^{km:.2f} (least squares over the solved points)")
    (RESULTS / "scaling.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    for (quantity, kt, km), marker in zip(fits, "os"):
        part = table[table.quantity == quantity]
        axes[0].loglog(part.d, part.seconds, marker + "-", label=f"{quantity}: t ∝ d^{kt:.2f}")
        axes[1].loglog(part.d, part.peak_gb, marker + "-", label=f"{quantity}: mem ∝ d^{km:.2f}")
    for ax, ylabel in zip(axes, ["seconds per solve", "peak memory (GB)"]):
        ax.set_xlabel("d"); ax.set_ylabel(ylabel); ax.legend(fontsize=7)
    fig.savefig(RESULTS / "scaling.png", dpi=120)
    print(f"wrote {RESULTS / 'scaling.csv'}, scaling.md, scaling.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
