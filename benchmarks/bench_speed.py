"""Benchmark: the library's interior-point method (IPM), QICS and the cvxpy formulation on the same SDPs, one run.

Rows: tau_pop,coh (spectral norm, physical target) and tau_pop on the chains 1+2+1, 1+3+1, 2+2+2, 2+3+2, 2+4+2
(d = 16 ... 256; g = 0.05, beta_L = 1, beta_R = 5), tau_pop,coh on Fig. 4's 3+3+0 (one bath of three qubits,
d = 64, m = 905 variables: small coherence blocks over many variables); with ``--large`` also tau_pop,coh on 3+2+3 (d = 256, m = 1809
variables) and tau_pop on 2+6+2 (d = 1024). Each (row, solver) runs in a fresh child process (one BLAS thread,
numba's threads likewise; address space capped at ``--memory-cap-gb``; wall time at ``--timeout``), warmed up on a
1+1+1 chain with the same solver (imports; QICS's numba kernels) and with the row's Redfield tensor computed
untimed, then solved ``--repeats`` times (median; fewer when the solves have used ``--budget`` seconds):

- IPM: ``solver="IPM"`` (lindblad_core.solvers.conic.solve_hermitian_lmi on the conic data; for tau_pop,coh with
  a sector of at least ``popcoh_formulations.SUBSPACE_MIN_SIDE`` states, on growing subspaces of the sectors: the
  cutting-plane method of lindblad_core.solvers.norm_subspace, timed whole: its interior-point solves,
  eigendecompositions and projections);
- IPM-whole (tau_pop,coh): the same interior-point method on the whole problem (no subspaces);
- QICS: ``solver="QICS"`` (lindblad_core.solvers.qics.solve_qics on the same conic data, QICS_OPTIONS);
- QICS-1e-8: the same with QICS's own default tolerances (tol_gap = tol_feas = 1e-8);
- cvxpy: tau_pop,coh with ``formulation="cvxpy"`` (its default chain, Clarabel first), tau_pop with
  ``solver="CLARABEL"`` (the dual of Eq. (29) built by cvxpy); up to ``--cvxpy-max-d`` (it needs ~2.4 GB and
  minutes at d = 128).

Per solver: the solver call alone (IPM, QICS: ``solver s``) and the whole call (problem assembly, solve and
certificates, the Redfield tensor cached: ``total s``), iterations, status, certified interval width, peak memory.
Ratios IPM/QICS (solver calls) and cvxpy/IPM (whole calls) are of numbers measured in the same run. Also measured:
what QICS's first use costs a process (numba compiling its kernels into an empty cache, and loading them from
the cache). Writes ``benchmarks/results/speed.{csv,md,png}`` (table, fitted exponents over d = 16 ... 256,
log-log plot). Nothing here asserts a timing; the machine these numbers come from is shared.

Run:  .venv/bin/python benchmarks/bench_speed.py [--repeats 3] [--threads 1] [--large] [--large-repeats 1]
          [--target-threads K] [--cvxpy-max-d 128] [--budget 120] [--memory-cap-gb 8] [--timeout 900]
          [--only-large] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import THREAD_VARIABLES, _apply_thread_flag  # noqa: E402  (before numpy: sets BLAS/rayon threads)

if "--threads" not in " ".join(sys.argv):
    sys.argv += ["--threads", "1"]
THREADS = _apply_thread_flag(sys.argv[1:])

SETTING = dict(g=0.05, beta_left=1.0, beta_right=5.0)
RESULTS = Path(__file__).resolve().parent / "results"
LADDER = [(1, 2, 1), (1, 3, 1), (2, 2, 2), (2, 3, 2), (2, 4, 2)]  # d = 16 ... 256
LARGE = [("tau_pop_coh", (3, 2, 3)), ("tau_pop", (2, 6, 2))]
FIG4 = [("tau_pop_coh", (3, 3, 0))]  # one bath (no beta_R); not in the fitted ladder, no cvxpy (m = 905)
SOLVERS = ("IPM", "IPM-whole", "QICS", "QICS-1e-8", "cvxpy")
QICS_DEFAULT_TOL = {"tol_gap": 1e-8, "tol_feas": 1e-8}  # qics.Solver's own defaults

_CHILD = r"""
import json, resource, statistics, sys, time
cap = int(float(sys.argv[3]) * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from lindblad_core.solvers import conic, qics as qics_backend
from lindblad_core.redfield_equation import redfield
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.sdp import tau_pop, tau_pop_coh, popcoh_formulations
chain = json.loads(sys.argv[1]); quantity, solver = sys.argv[2].split(":"); setting = json.loads(sys.argv[4])
repeats, budget = int(sys.argv[5]), float(sys.argv[6])
if solver == "cvxpy":
    kw = {"solver": "CLARABEL"} if quantity == "tau_pop" else {"formulation": "cvxpy"}
else:
    kw = {"solver": solver.split("-")[0]}
if solver == "QICS-1e-8":
    qics_backend.QICS_OPTIONS.update(json.loads(sys.argv[7]))
solve = tau_pop if quantity == "tau_pop" else tau_pop_coh
calls = []  # (seconds, iterations, variables) of each outermost call of the IPM / QICS / the subspace method
depth = [0]

def timed(fn, returns_solution=False):
    def run(problem, *args, **kwargs):
        depth[0] += 1
        t0 = time.perf_counter()
        try:
            out = fn(problem, *args, **kwargs)
        finally:
            depth[0] -= 1
        if depth[0] == 0:
            its = out.iterations if returns_solution else problem.iterations
            calls.append((time.perf_counter() - t0, its, problem.n_variables))
        return out
    return run

conic.ConicProblem.solve_ipm = timed(conic.ConicProblem.solve_ipm)
qics_backend.solve_qics = timed(qics_backend.solve_qics)
popcoh_formulations.solve_norm_subspace = timed(popcoh_formulations.solve_norm_subspace, True)
if solver == "IPM-whole":
    popcoh_formulations.SUBSPACE_MIN_SIDE = 10**9  # every sector whole: no subspace method
solve(ChainSetup(n_left=1, n_middle=1, n_right=1, **setting), **kw)  # warm-up: imports, QICS's numba kernels
if not chain[2]:
    setting.pop("beta_right")  # one bath
setup = ChainSetup(n_left=chain[0], n_middle=chain[1], n_right=chain[2], **setting)
redfield(setup)  # cached per system: not part of any solve
baseline_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
runs, spent = [], 0.0
try:
    while len(runs) < repeats and (not runs or spent < budget):
        del calls[:]
        t0 = time.perf_counter()
        res = solve(setup, **kw)
        wall = time.perf_counter() - t0
        spent += wall
        runs.append(dict(wall=wall, solver_seconds=sum(c[0] for c in calls) if calls else float("nan"),
                         iterations=sum(c[1] for c in calls) if calls else None,
                         variables=calls[-1][2] if calls else None, status=res.status, attempts=res.options["attempts"],
                         certified=res.certified, lower=res.lower, upper=res.upper, used=res.solver))
    last = runs[-1]
    out = dict(last, repeats=len(runs), total_seconds=statistics.median(r["wall"] for r in runs),
               solver_seconds=statistics.median(r["solver_seconds"] for r in runs),
               all_seconds=[round(r["wall"], 3) for r in runs], width=last["upper"] - last["lower"])
    del out["wall"]
except MemoryError:
    out = dict(status="out_of_memory")
out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
out["baseline_gb"] = baseline_gb
print("RESULT " + json.dumps(out))
"""

_COLD = r"""
import time
t0 = time.perf_counter()
from lindblad_core.solvers import qics as qics_backend
t1 = time.perf_counter()
qics_backend.warm_up()
t2 = time.perf_counter()
qics_backend.warm_up()
print(f"RESULT {t1 - t0} {t2 - t1} {time.perf_counter() - t2}")
"""


def measure(chain, quantity, solver, args, threads) -> dict:
    d = 2 ** sum(chain)
    row = {"quantity": quantity, "chain": "+".join(map(str, chain)), "d": d, "solver": solver, "threads": threads}
    large = (quantity, chain) in LARGE
    repeats = args.large_repeats if large else args.repeats
    cmd = [sys.executable, "-c", _CHILD, json.dumps(chain), f"{quantity}:{solver}", str(args.memory_cap_gb),
           json.dumps(SETTING), str(repeats), str(args.budget), json.dumps(QICS_DEFAULT_TOL)]
    env = {**os.environ, **{v: str(threads) for v in THREAD_VARIABLES}}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env)
    except subprocess.TimeoutExpired:
        return {**row, "status": f"stopped after {args.timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        err = proc.stderr + proc.stdout
        tail = (err.strip().splitlines() or ["no output"])[-1]
        status = "out_of_memory" if ("MemoryError" in err or "memory allocation" in err) else f"failed: {tail[:80]}"
        return {**row, "status": status, "total_seconds": time.perf_counter() - t0}
    return {**row, **json.loads(lines[0][len("RESULT "):])}


def cold_start(threads) -> dict:
    """Seconds of QICS's first use in a fresh process: numba compiling into an empty cache, then loading from it."""
    env = {**os.environ, **{v: str(threads) for v in THREAD_VARIABLES}}
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        for label in ("compile", "cached"):
            proc = subprocess.run([sys.executable, "-c", _COLD], capture_output=True, text=True,
                                  env={**env, "NUMBA_CACHE_DIR": cache})
            line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
            out[label] = [float(v) for v in line.split()[1:]]  # import, first warm_up, second warm_up
    return out


def fit_exponent(ds, values) -> float:
    import numpy as np

    ds, values = np.asarray(ds, float), np.asarray(values, float)
    ok = np.isfinite(values) & (values > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(ds[ok]), np.log(values[ok]), 1)[0])


def _fmt(v, spec=".2f", none="–") -> str:
    """``v`` formatted, or ``none`` for a missing value (None or NaN)."""
    if v is None or v != v:
        return none
    return format(v, spec)


def report(table, header: list[str]) -> None:
    """speed.md (one line per row: the three solvers side by side, ratios, fitted exponents) and speed.png."""
    table = table.copy()
    lines = list(header) + [
        "",
        "Times: `solver` = the IPM / QICS call alone on the conic data; `total` = the whole tau call (assembly, "
        "solve, certificates; Redfield tensor cached). Median of the repeats (n); width = certified upper − lower; "
        "certified = TauResult.certified (tight and decided beyond data_error) for IPM, QICS, QICS 1e-8, cvxpy.",
        "",
        "QICS: lindblad_core.solvers.qics.QICS_OPTIONS; QICS 1e-8: its own default tolerances. The ratios are of times "
        "(t_IPM/t_QICS < 1: the IPM is faster).",
        "",
        "IPM whole: the same interior-point method on the whole problem, where the IPM row takes tau_pop,coh on "
        "subspaces of the sectors (lindblad_core.solvers.norm_subspace; chains with a sector of at least 32 states: "
        "d >= 128).",
        "",
        "| quantity | chain | d | m | IPM solver s (it) | QICS solver s (it) | t_IPM/t_QICS | "
        "IPM whole solver s (it) | t_IPM whole/t_QICS | QICS 1e-8 solver s (it) | "
        "t_IPM/t_QICS 1e-8 | IPM total s | QICS total s | cvxpy total s | t_cvxpy/t_IPM | width IPM | width QICS | "
        "width QICS 1e-8 | width cvxpy | certified | peak GB IPM / QICS / cvxpy | n |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    solved = ("optimal", "optimal_inaccurate")
    for (q, chain), part in table.groupby(["quantity", "chain"], sort=False):
        by = {r["solver"]: r for r in part.to_dict("records")}
        ipm, whole, qics, qics8, cvx = (by.get(s, {}) for s in SOLVERS)

        def cell(r, key, spec=".2f"):
            if not r:
                return "not run"
            if r.get("status") not in solved and key in ("solver_seconds", "total_seconds"):
                return str(r.get("status"))
            return _fmt(r.get(key), spec)

        def with_it(r):
            return cell(r, "solver_seconds") + (f" ({int(r['iterations'])})" if r and r.get("status") in solved
                                                 and r.get("iterations") == r.get("iterations") else "")

        def ratio(a, b, key_a, key_b):
            try:
                return f"{a[key_a] / b[key_b]:.2f}"
            except (KeyError, TypeError, ZeroDivisionError):
                return "–"

        m = ipm.get("variables") or qics.get("variables")
        lines.append(
            f"| {q} | {chain} | {part.d.iloc[0]} | {_fmt(m, '.0f')} | {with_it(ipm)} | {with_it(qics)} | "
            f"{ratio(ipm, qics, 'solver_seconds', 'solver_seconds')} | {with_it(whole) if whole else '–'} | "
            f"{ratio(whole, qics, 'solver_seconds', 'solver_seconds')} | {with_it(qics8)} | "
            f"{ratio(ipm, qics8, 'solver_seconds', 'solver_seconds')} | {cell(ipm, 'total_seconds')} | "
            f"{cell(qics, 'total_seconds')} | {cell(cvx, 'total_seconds')} | "
            f"{ratio(cvx, ipm, 'total_seconds', 'total_seconds') if cvx.get('status') in solved else '–'} | "
            f"{cell(ipm, 'width', '.1e')} | {cell(qics, 'width', '.1e')} | {cell(qics8, 'width', '.1e')} | "
            f"{cell(cvx, 'width', '.1e')} | "
            f"{' '.join(('✓' if r.get('certified') in (True, 'True') else '✗') if r else '–' for r in (ipm, qics, qics8, cvx))} | "
            f"{' / '.join(_fmt(r.get('peak_gb')) if r else '–' for r in (ipm, qics, cvx))} | "
            f"{'/'.join(_fmt(r.get('repeats'), '.0f') if r else '–' for r in (ipm, qics, qics8, cvx))} |")
    lines.append("")
    ladder = ["+".join(map(str, c)) for c in LADDER]
    fits = []
    for (q, s), part in table.groupby(["quantity", "solver"]):
        part = part[part.status.isin(solved) & part.chain.isin(ladder)]
        key = "total_seconds" if s == "cvxpy" else "solver_seconds"
        k = fit_exponent(part.d, part[key])
        fits.append((q, s, key, k))
        lines.append(f"{q} {s}: {key.replace('_', ' ')} ∝ d^{k:.2f} (least squares over d = "
                     f"{', '.join(str(d) for d in part.d)})")
    (RESULTS / "speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True, sharey=True)
    for ax, q in zip(axes, ("tau_pop_coh", "tau_pop")):
        for qq, s, key, k in fits:
            if qq != q:
                continue
            marker = "oxsd^"[SOLVERS.index(s)]
            part = table[(table.quantity == q) & (table.solver == s) & table.chain.isin(ladder)
                         & table.status.isin(solved)].sort_values("d")
            ax.loglog(part.d, part[key], marker + "-", label=f"{s} ({key.split('_')[0]}): ∝ d^{k:.2f}")
        ax.set_title(q.replace("_", " "))
        ax.set_xlabel("d")
        ax.set_xticks([2 ** sum(c) for c in LADDER], [str(2 ** sum(c)) for c in LADDER])
        ax.minorticks_off()
        ax.legend(fontsize=7)
    axes[0].set_ylabel("seconds (median)")
    fig.savefig(RESULTS / "speed.png", dpi=120)
    print(f"wrote {RESULTS / 'speed.md'}, speed.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="add tau_pop,coh 3+2+3 and tau_pop 2+6+2")
    parser.add_argument("--only-large", action="store_true",
                        help="run only the --large rows; the other rows of results/speed.csv are kept")
    parser.add_argument("--large-repeats", type=int, default=1)
    parser.add_argument("--cvxpy-max-d", type=int, default=128)
    parser.add_argument("--budget", type=float, default=120.0,
                        help="no further repeat once a (row, solver)'s solves have taken this many seconds")
    parser.add_argument("--memory-cap-gb", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--threads", default=None)
    parser.add_argument("--target-threads", type=int, default=None,
                        help="BLAS / numba threads of the --large rows (default: --threads)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite speed.md / speed.png from results/speed.csv and results/speed_header.txt")
    args = parser.parse_args()
    import pandas as pd

    if args.report_only:
        header = (RESULTS / "speed_header.txt").read_text().splitlines()
        report(pd.read_csv(RESULTS / "speed.csv"), header)
        return 0
    threads = int(THREADS) if str(THREADS).isdigit() else THREADS
    print(f"bench_speed: BLAS and numba threads {threads}; shared machine, timings are noisy", flush=True)
    rows_to_run = [] if args.only_large else [(q, c) for q in ("tau_pop_coh", "tau_pop") for c in LADDER] + FIG4
    if args.large or args.only_large:
        rows_to_run += LARGE
    rows = []
    for quantity, chain in rows_to_run:
        large = (quantity, chain) in LARGE
        for solver in SOLVERS:
            if solver == "cvxpy" and (2 ** sum(chain) > args.cvxpy_max_d or large or (quantity, chain) in FIG4):
                continue
            if solver == "IPM-whole" and quantity == "tau_pop":
                continue  # the same as IPM
            row = measure(chain, quantity, solver, args, (args.target_threads or threads) if large else threads)
            rows.append(row)
            print(f"  {quantity:12s} {row['chain']:6s} d={row['d']:5d} {solver:6s}: {row.get('status')}, "
                  f"solver {_fmt(row.get('solver_seconds'))} s, total {_fmt(row.get('total_seconds'))} s "
                  f"({row.get('all_seconds', '')}), it {row.get('iterations')}, width {_fmt(row.get('width'), '.1e')}, "
                  f"peak {_fmt(row.get('peak_gb'))} GB", flush=True)
    table = pd.DataFrame(rows)
    header_lines = []
    if args.only_large:  # the ladder's rows and header as they are
        old = pd.read_csv(RESULTS / "speed.csv")
        keep = ~old.set_index(["quantity", "chain"]).index.isin(table.set_index(["quantity", "chain"]).index)
        table = pd.concat([old[keep], table], ignore_index=True)
        header_lines = (RESULTS / "speed_header.txt").read_text().splitlines()
    else:
        cold = cold_start(threads)
        header_lines = [
            f"bench_speed.py, BLAS and numba threads {threads} (--large rows: {args.target_threads or threads}), "
            f"median of {args.repeats} ({args.large_repeats} for --large rows; fewer once {args.budget:.0f} s are spent), "
            f"g = 0.05, beta 1/5, tau_pop,coh spectral norm.",
            f"QICS's first use in a fresh process (lindblad_core.solvers.qics.warm_up: import qics and numba, compile "
            f"or load the kernels, solve a small problem): {cold['compile'][1]:.2f} s with an empty numba cache, "
            f"{cold['cached'][1]:.2f} s loading from it; a second call in the process {cold['cached'][2] * 1e6:.0f} µs "
            f"(importing lindblad_core.solvers.qics before it: {cold['cached'][0]:.2f} s)."]
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "speed.csv", index=False)
    (RESULTS / "speed_header.txt").write_text("\n".join(header_lines) + "\n")
    report(table, header_lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
