"""Benchmark (issue 11): tau_pop,coh with formulation="conic" (default) next to formulation="cvxpy" (the
original), measured in one run, and the scaling of both SDPs with d.

1. d = 64 (N_L = N_R = N_M = 2, g = 0.05, beta_L = 1, beta_R = 5): median wall time of ``--repeats``
   (default 5) solves per formulation, alternating, in this process, one BLAS thread; the ratio. "conic" is
   the default chain (the library's interior-point method on the directly assembled problem first),
   "cvxpy" the original formulation with Clarabel.
2. Scaling: one solve per (quantity, formulation, chain) in a fresh, memory-capped child process
   (capped child processes): d = 16 … 256 and the issue's targets N = 8 (2+4+2, 3+2+3) for tau_pop,coh and
   N = 10 (2+6+2) for tau_pop. Table, fitted exponents and a log-log plot go to
   ``benchmarks/results/speed.{csv,md,png}``.
The machine these numbers come from is shared: timings are noisy. Nothing here asserts a timing.

Run:  .venv/bin/python benchmarks/bench_speed.py [--repeats 5] [--threads 1] [--target-threads 2]
                                [--memory-cap-gb 8] [--timeout 300] [--skip-scaling] [--only-targets] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import _apply_thread_flag  # noqa: E402  (before numpy: sets BLAS/rayon threads)

if "--threads" not in " ".join(sys.argv):
    sys.argv += ["--threads", "1"]
THREADS = _apply_thread_flag(sys.argv[1:])

SETTING = dict(g=0.05, beta_left=1.0, beta_right=5.0)
RESULTS = Path(__file__).resolve().parent / "results"
# (quantity, formulation, chain); chain = (N_L, N_M, N_R), d = 2^N
RUNS = ([("tau_pop", "-", c) for c in [(1, 2, 1), (1, 3, 1), (2, 2, 2), (2, 3, 2), (2, 4, 2), (2, 6, 2)]]
        + [("tau_pop_coh", f, c) for f in ("conic", "cvxpy") for c in [(1, 2, 1), (1, 3, 1), (2, 2, 2), (2, 3, 2)]]
        + [("tau_pop_coh", "conic", c) for c in [(2, 4, 2), (3, 2, 3)]])

_CHILD = r"""
import json, resource, sys, time
cap = int(float(sys.argv[3]) * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.sdp import tau_pop, tau_pop_coh
chain = json.loads(sys.argv[1]); quantity, formulation = sys.argv[2].split(":"); setting = json.loads(sys.argv[4])
kw = {} if quantity == "tau_pop" else {"formulation": formulation}
solve = tau_pop if quantity == "tau_pop" else tau_pop_coh
solve(ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.05, beta_left=1.0, beta_right=5.0), **kw)  # warm-up
baseline_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
t0 = time.perf_counter()
try:
    setup = ChainSetup(n_left=chain[0], n_middle=chain[1], n_right=chain[2], **setting)
    res = solve(setup, **kw)
    out = dict(status=res.status, certified=res.certified, verdict=res.verdict(), lower=res.lower,
               upper=res.upper, solve_seconds=res.solve_seconds, setup_seconds=res.setup_seconds)
except MemoryError:
    out = dict(status="out_of_memory")
out["seconds"] = time.perf_counter() - t0
out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
out["baseline_gb"] = baseline_gb
print("RESULT " + json.dumps(out))
"""


# the targets (N = 8 for tau_pop,coh, N = 10 for tau_pop): a laptop's cores, ``--target-threads``
TARGETS = {("tau_pop_coh", (2, 4, 2)), ("tau_pop_coh", (3, 2, 3)), ("tau_pop", (2, 6, 2))}


def measure(chain, quantity, formulation, cap_gb, timeout, threads=None) -> dict:
    d = 2 ** sum(chain)
    row = {"d": d, "chain": "+".join(map(str, chain)), "quantity": quantity, "formulation": formulation,
           "threads": threads or THREADS}
    cmd = [sys.executable, "-c", _CHILD, json.dumps(chain), f"{quantity}:{formulation}", str(cap_gb), json.dumps(SETTING)]
    env = dict(os.environ)
    if threads:
        env.update({v: str(threads) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                               "RAYON_NUM_THREADS")})
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {**row, "status": f"stopped after {timeout:.0f} s", "seconds": float("nan"), "peak_gb": float("nan")}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        err = proc.stderr + proc.stdout
        tail = (err.strip().splitlines() or ["no output"])[-1]
        status = "out_of_memory" if ("MemoryError" in err or "memory allocation" in err) else f"failed: {tail[:80]}"
        return {**row, "status": status, "seconds": time.perf_counter() - t0, "peak_gb": float("nan")}
    return {**row, **json.loads(lines[0][len("RESULT "):])}


def side_by_side(repeats: int) -> dict:
    """Median seconds of each formulation at d = 64, alternating in one process."""
    from lindblad_core.redfield_equation import redfield
    from lindblad_core.systems.chain import ChainSetup
    from lindblad_core.sdp import tau_pop_coh

    setup = ChainSetup(n_left=2, n_middle=2, n_right=2, **SETTING)
    redfield(setup)  # the Redfield tensor is cached per setup: not part of either solve
    tau_pop_coh(ChainSetup(n_left=1, n_middle=1, n_right=1, **SETTING))  # lazy imports
    times = {"cvxpy": [], "conic": []}
    results = {}
    for _ in range(repeats):
        for form in times:
            t0 = time.perf_counter()
            results[form] = tau_pop_coh(setup, formulation=form)
            times[form].append(time.perf_counter() - t0)
    out = {f: statistics.median(t) for f, t in times.items()}
    for f, r in results.items():
        print(f"  {f:6s}: median {out[f]:.2f} s of {repeats} ({', '.join(f'{t:.2f}' for t in times[f])}); {r}")
    out["ratio"] = out["cvxpy"] / out["conic"]
    out["same_verdict"] = results["cvxpy"].verdict() == results["conic"].verdict()
    return out


def fit_exponent(ds, values) -> float:
    import numpy as np

    ds, values = np.asarray(ds, float), np.asarray(values, float)
    ok = np.isfinite(values) & (values > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(ds[ok]), np.log(values[ok]), 1)[0])


def report(table, header: list[str]) -> None:
    """Write speed.md (table, targets, fitted exponents) and speed.png (log-log) from the scaling table."""
    import numpy as np

    table = table.copy()
    # the interpreter with numpy, scipy and cvxpy loaded is ~0.4 GB of every peak: the solve's own memory is
    # what lies above it, and that is what the exponent is fitted to
    table["above_baseline_gb"] = table["peak_gb"] - table.get("baseline_gb", np.nan)
    lines = list(header) + ["", "| quantity | formulation | d | chain | BLAS threads | status | certified | seconds | "
                                "peak GB | above baseline GB |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in table.to_dict("records"):
        lines.append(f"| {r['quantity']} | {r['formulation']} | {r['d']} | {r['chain']} | {r.get('threads', '')} | {r.get('status')} | "
                     f"{r.get('certified', '')} | {r.get('seconds', float('nan')):.2f} | "
                     f"{r.get('peak_gb', float('nan')):.2f} | {r.get('above_baseline_gb', float('nan')):.2f} |")
    targets = {("tau_pop_coh", "2+4+2"): (120, 4), ("tau_pop_coh", "3+2+3"): (120, 4), ("tau_pop", "2+6+2"): (300, None)}
    lines.append("")
    for (q, chain), (t_max, gb_max) in targets.items():
        part = table[(table.quantity == q) & (table.chain == chain) & table.formulation.isin(["conic", "-"])]
        for r in part.to_dict("records"):
            lines.append(f"target {q} {chain} ({r.get('threads', '?')} BLAS threads): {r.get('status')}, "
                         f"{r.get('seconds', float('nan')):.1f} s (target <= {t_max} s), "
                         f"peak {r.get('peak_gb', float('nan')):.2f} GB" + (f" (target <= {gb_max} GB)" if gb_max else ""))
    fits = []
    powers = ["1+2+1", "1+3+1", "2+2+2", "2+3+2", "2+4+2"]
    for (q, f), part in table.groupby(["quantity", "formulation"]):
        part = part[part.status.isin(["optimal", "optimal_inaccurate"]) & part.chain.isin(powers)]
        kt, km = fit_exponent(part.d, part.seconds), fit_exponent(part.d, part.above_baseline_gb)
        fits.append((q, f, kt, km))
        mem = (f"memory above baseline ∝ d^{km:.2f}" if np.isfinite(km) else
               "memory never above the interpreter's baseline peak (no exponent)")
        lines.append(f"{q} ({f}): time ∝ d^{kt:.2f}, {mem} "
                     f"(least squares over the solved d = 16 … 256 with a positive value: {', '.join(str(d) for d in part.d)})")
    (RESULTS / "speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    for (q, f, kt, km), marker in zip(fits, "osd^"):
        part = table[(table.quantity == q) & (table.formulation == f)].sort_values("d")
        label = q if f == "-" else f"{q} ({f})"
        axes[0].loglog(part.d, part.seconds, marker + "-", label=f"{label}: t ∝ d^{kt:.2f}")
        axes[1].loglog(part.d, part.above_baseline_gb, marker + "-",
                       label=f"{label}: mem ∝ d^{km:.2f}" if np.isfinite(km) else f"{label}: below baseline")
    for ax, ylabel in zip(axes, ["seconds per solve", "peak memory above baseline (GB)"]):
        ax.set_xlabel("d"); ax.set_ylabel(ylabel); ax.legend(fontsize=7)
    fig.savefig(RESULTS / "speed.png", dpi=120)
    print(f"wrote {RESULTS / 'speed.md'}, speed.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memory-cap-gb", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--threads", default=None)
    parser.add_argument("--target-threads", type=int, default=None,
                        help="BLAS threads of the N = 8 / N = 10 target solves (default: --threads)")
    parser.add_argument("--only-targets", action="store_true", help="skip the d = 64 comparison and the scaling "
                        "runs below d = 256; the targets' rows replace theirs in results/speed.csv")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite speed.md / speed.png from results/speed.csv and results/speed_header.txt")
    args = parser.parse_args()
    import pandas as pd

    if args.report_only:
        header = (RESULTS / "speed_header.txt").read_text().splitlines()
        report(pd.read_csv(RESULTS / "speed.csv"), header)
        return 0
    print(f"bench_speed: BLAS threads {THREADS} (targets: {args.target_threads or THREADS}); shared machine, "
          "timings are noisy")
    if args.only_targets:
        header = (RESULTS / "speed_header.txt").read_text().splitlines()
        old = pd.read_csv(RESULTS / "speed.csv")
    else:
        print("1. tau_pop,coh at d = 64, conic vs cvxpy formulation (target: >= 5x)")
        sbs = side_by_side(args.repeats)
        header = [f"tau_pop,coh at d = 64 (2+2+2, g = 0.05, beta 1/5), median of {args.repeats}, BLAS threads "
                  f"{THREADS}: cvxpy {sbs['cvxpy']:.2f} s, conic {sbs['conic']:.2f} s, ratio {sbs['ratio']:.2f}x "
                  f"(target 5x); same verdict: {sbs['same_verdict']}"]
        print(header[0], flush=True)
        if args.skip_scaling:
            return 0
    print(f"2. scaling (child processes, memory cap {args.memory_cap_gb} GB, timeout {args.timeout:.0f} s)")
    rows = []
    for quantity, formulation, chain in RUNS:
        target = (quantity, chain) in TARGETS
        if args.only_targets and not target:
            continue
        row = measure(chain, quantity, formulation, args.memory_cap_gb, args.timeout,
                      args.target_threads if target else None)
        rows.append(row)
        print(f"  {quantity:12s} {formulation:5s} d={row['d']:5d} ({row['chain']}): {row.get('status')}, "
              f"{row.get('seconds', float('nan')):.2f} s, peak {row.get('peak_gb', float('nan')):.2f} GB", flush=True)
    table = pd.DataFrame(rows)
    if args.only_targets:  # the other rows as they were
        keep = ~old.set_index(["quantity", "formulation", "chain"]).index.isin(
            table.set_index(["quantity", "formulation", "chain"]).index)
        table = pd.concat([old[keep], table], ignore_index=True)
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "speed.csv", index=False)
    (RESULTS / "speed_header.txt").write_text("\n".join(header) + "\n")
    report(table, header)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
