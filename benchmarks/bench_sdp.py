"""Benchmark: per-solve time of tau_pop (Eq. 29) and tau_pop,coh (Eq. 33), ours vs. a naive cvxpy build.

Settings (g = 0.01):
  Fig. 2: N_L = N_R = 1, N_M = 2 (d = 16, two 3x3 Gamma),   beta_L = 1, beta_R = 0.5
  Fig. 3: N_L = N_R = 2, N_M = 2 (d = 64, two 15x15 Gamma), beta_L = 1, beta_R = 0.5
  Fig. 4: N_L = 3, N_M = 3, N_R = 0 (d = 64, one 63x63 Gamma), beta = 1
Target (issue): <= 5 s per tau_pop solve at 63x63.

"Ours" is the library's default call ``tau_pop(setup)`` on a fresh ChainSetup (so the wall time includes the
Redfield operators, the coefficients G_k, the dual build, the solver chain and the certified bounds); the
median of --repeats (3) calls is used in the ratios. tau_pop,coh is timed once (d = 16 and Fig. 3 only).

"Naive" is the direct primal: one complex Hermitian cvxpy Variable per block (Gamma >> 0, trace == 1),
c_k = real(trace(G_k @ Gamma)) built entry by entry in a Python loop over k, objective sum |c_k|, solved
with CLARABEL. Its G_k come from the same library code (not timed). It runs in a child process under a
wall-clock limit (--naive-timeout, default 240 s per setting) and is reported as stopped when it exceeds it.
When Clarabel ends in a solver error on the naive problem (it does on the degenerate Fig. 3 and Fig. 4
problems, where tau ~ 0), the same naive problem is re-run with CVXOPT -- the library's own fallback solver --
within what is left of that limit, so that a like-for-like time exists (``--no-naive-fallback`` to skip).
The expression build is cheap in cvxpy (it is lazy); the cost is in cvxpy's compile and the solve.

Timings are machine dependent and noisy; compare the ratios printed in one run, never absolute numbers
across machines. Nothing here asserts a timing.

It also times the solver-chain policy on two d = 64 tau_pop,coh points (--skip-chain to skip): the library
stops at the first "optimal" status or tight certified interval; the alternative stops only at "optimal".

Run:  .venv/bin/python benchmarks/bench_sdp.py [--naive-timeout 240] [--naive-solver CLARABEL]
                                               [--no-naive-fallback] [--skip-naive] [--skip-coh] [--skip-chain]
                                               [--threads N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import queue
import statistics
import sys
import time
import warnings


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import _apply_thread_flag  # noqa: E402  (before numpy: sets BLAS/rayon threads)

THREADS = _apply_thread_flag(sys.argv[1:])

import numpy as np

from lindblad_core.redfield_equation import redfield

TARGET_63_S = 5.0
SETTINGS = (  # (key, label, ChainSetup kwargs)
    ("fig2", "Fig. 2  d=16, 2 x 3x3 Gamma", dict(n_left=1, n_middle=2, n_right=1, g=0.01, beta_left=1.0,
                                                beta_right=0.5)),
    ("fig3", "Fig. 3  d=64, 2 x 15x15 Gamma", dict(n_left=2, n_middle=2, n_right=2, g=0.01, beta_left=1.0,
                                                  beta_right=0.5)),
    ("fig4", "Fig. 4  d=64, 1 x 63x63 Gamma", dict(n_left=3, n_middle=3, n_right=0, g=0.01, beta_left=1.0)),
)
COH_SETTINGS = ("fig2", "fig3")
FALLBACK_SOLVER = "CVXOPT"  # the library's own fallback after Clarabel (lindblad_core.sdp.solve.solve_with_certificates)


def _fmt_interval(res) -> str:
    return f"[{res.lower:.4g}, {res.upper:.4g}]"


def run_ours_pop(kwargs):
    from lindblad_core.systems.chain import ChainSetup
    from lindblad_core.studies.variants import tau_pop

    t0 = time.perf_counter()
    res = tau_pop(ChainSetup(**kwargs))
    return time.perf_counter() - t0, res


def run_ours_coh(kwargs):
    from lindblad_core.systems.chain import ChainSetup
    from lindblad_core.studies.variants import tau_pop_coh

    t0 = time.perf_counter()
    res = tau_pop_coh(ChainSetup(**kwargs), norm="spectral", target="published")
    return time.perf_counter() - t0, res


def print_result(prefix, wall, res):
    print(f"{prefix}wall {wall:8.3f} s | solve {res.solve_seconds:7.3f} s | setup {res.setup_seconds:7.3f} s | "
          f"{res.status}, {res.solver}, attempts={res.options.get('attempts')}, symmetry={res.options.get('symmetry')}")
    print(f"{prefix}value {res.value if res.value is None else format(res.value, '.4g')}  "
          f"certified {_fmt_interval(res)}  verdict: {res.verdict()}")


# -- solver-chain policy ------------------------------------------------------------------------------------

CHAIN_SETTINGS = (  # Fig. 3 points where Clarabel stops at "AlmostSolved" (dual residual just above 1e-8)
    dict(n_left=2, n_middle=2, n_right=2, g=0.001, beta_left=1.0, beta_right=10.0),
    dict(n_left=2, n_middle=2, n_right=2, g=0.01, beta_left=10.0, beta_right=10.0),
)


def compare_chain_policies():
    """tau_pop,coh with the library's chain (stop at "optimal" or a tight certified interval) against the
    chain that stops only at "optimal" (every Clarabel setting, then CVXOPT), same problems, one run."""
    from lindblad_core.sdp import solve as solvers

    print("\n=== tau_pop,coh solver chain: stop when certified (library) vs stop only at 'optimal'")
    for kwargs in CHAIN_SETTINGS:
        wall_cert, res_cert = run_ours_coh(kwargs)
        tight = solvers.is_tight
        solvers.is_tight = lambda lower, upper: False
        try:
            wall_full, res_full = run_ours_coh(kwargs)
        finally:
            solvers.is_tight = tight
        print(f"  g={kwargs['g']}, beta_L={kwargs['beta_left']}, beta_R={kwargs['beta_right']} (d=64):")
        print_result("    certified stop: ", wall_cert, res_cert)
        print_result("    full chain:     ", wall_full, res_full)
        print(f"    full/certified wall ratio: {wall_full / wall_cert:.1f}x; interval widths "
              f"{res_cert.upper - res_cert.lower:.1e} vs {res_full.upper - res_full.lower:.1e}")


# -- naive primal (runs in a child process) ----------------------------------------------------------------

def _naive_child(kwargs, solver, out):
    """Build and solve the naive primal; report stages through the queue ``out`` as they finish."""
    import cvxpy as cp

    from lindblad_core.systems.chain import ChainSetup
    from lindblad_core.lindblad.ansatz import Ansatz, paper_blocks
    from lindblad_core.redfield_equation import populations
    from lindblad_core.sdp import population_coefficients

    setup = ChainSetup(**kwargs)
    ansatz = Ansatz(setup.open_system(), paper_blocks(setup))
    coeffs = population_coefficients(ansatz, populations(redfield(setup)))  # shared input, not timed
    d = setup.dim

    t0 = time.perf_counter()
    gammas = [cp.Variable((g.shape[1], g.shape[1]), hermitian=True) for g in coeffs]
    cons = []
    for gam in gammas:
        cons += [gam >> 0, cp.real(cp.trace(gam)) == 1]
    c = []
    for k in range(d):  # entry-by-entry expression building
        c.append(sum(cp.real(cp.trace(g[k] @ gam)) for g, gam in zip(coeffs, gammas)))
    problem = cp.Problem(cp.Minimize(cp.sum(cp.abs(cp.hstack(c)))), cons)
    t_expr = time.perf_counter() - t0
    out.put(("expr", t_expr))
    t1 = time.perf_counter()
    error = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            problem.solve(solver=solver)
            status = problem.status
        except cp.error.SolverError as err:  # e.g. Clarabel "NumericalError": cvxpy raises, status stays None
            status, error = "solver_error", str(err)
    t_call = time.perf_counter() - t1
    compile_s = float(problem.compilation_time or 0.0)
    solver_s = problem.solver_stats.solve_time if problem.solver_stats is not None else None
    # exact objective at the returned Gamma (no projection; for a sanity comparison with ours)
    value = None
    if all(g.value is not None for g in gammas):
        cvals = sum(np.real(np.einsum("kab,ba->k", g, gam.value)) for g, gam in zip(coeffs, gammas))
        value = float(np.sum(np.abs(cvals)))
    out.put(("done", dict(expr=t_expr, compile=compile_s, solve=t_call - compile_s, solver_internal=solver_s,
                          call=t_call, status=status, solver_message=error, value=problem.value, exact=value)))


def run_naive(kwargs, timeout, solver="CLARABEL"):
    """Run the naive build+solve in a child; returns a dict (``stopped=True`` when over ``timeout``)."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_naive_child, args=(kwargs, solver, out), daemon=True)
    t0 = time.perf_counter()
    proc.start()
    info = {"stopped": False, "limit": timeout}
    deadline = t0 + timeout
    while True:
        try:
            kind, payload = out.get(timeout=max(0.05, min(1.0, deadline - time.perf_counter())))
        except queue.Empty:
            if not proc.is_alive():
                info.update(error=f"child exited with code {proc.exitcode}")
                break
            if time.perf_counter() >= deadline:
                proc.terminate()
                proc.join(5)
                if proc.is_alive():
                    proc.kill()
                info["stopped"] = True
                break
            continue
        if kind == "expr":
            info["expr"] = payload
        else:
            info.update(payload)
            break
    proc.join(5)
    info["wall"] = time.perf_counter() - t0  # includes the child's start-up and imports
    return info


def report_naive(info, ours_wall, limit) -> bool:
    """Print one naive run; True when it ended in a solver error (so a fallback solver makes sense)."""
    if info.get("stopped"):
        built = f"expression build {info['expr']:.3f} s, then " if "expr" in info else ""
        print(f"    {built}>{limit:g} s (stopped)")
        return False
    if "error" in info:
        print(f"    failed: {info['error']}")
        return False
    internal = info["solver_internal"]
    internal = "n/a" if internal is None else f"{internal:.3f} s"
    info["build_solve"] = build_solve = info["expr"] + info["call"]
    print(f"    expression build {info['expr']:8.3f} s | cvxpy compile {info['compile']:8.3f} s | "
          f"solve {info['solve']:8.3f} s (solver's own: {internal})")
    if info["status"] == "solver_error":
        print(f"    SOLVER ERROR after {build_solve:.3f} s (build + solve; child wall incl. start-up "
              f"{info['wall']:.3f} s): {info['solver_message']}")
        print(f"    ratio naive time-to-failure / ours (wall): {build_solve / ours_wall:8.1f}x  "
              "(no naive optimum, so not a like-for-like speed ratio)")
        return True
    exact = "n/a" if info["exact"] is None else f"{info['exact']:.4g}"
    value = "n/a" if info["value"] is None else f"{info['value']:.4g}"
    print(f"    build + solve {build_solve:8.3f} s (child wall incl. start-up {info['wall']:.3f} s) | "
          f"status {info['status']} | objective {value} (exact at its Gamma: {exact})")
    print(f"    ratio naive (build + solve) / ours (wall): {build_solve / ours_wall:8.1f}x")
    return False


def _summary_naive(entry, timeout):
    """(time text, ratio text) for the summary table, over the naive runs of one setting."""
    runs = entry.get("naive_runs")
    if not runs:
        return "-", "-"
    ours = entry["ours"]
    total = sum(r.get("build_solve", 0.0) for r in runs)
    names = "+".join(r["solver"] for r in runs)
    last = runs[-1]
    if last.get("stopped"):
        return f">{timeout:g} (stopped, {names})", f">{timeout / ours:.0f}x"
    if "error" in last:
        return f"crashed ({names})", "-"
    if last["status"] == "solver_error":
        return f"{total:.2f} (failed, {names})", f"{total / ours:.1f}x (to fail)"
    return f"{total:.2f} ({names})", f"{total / ours:.1f}x"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--naive-timeout", type=float, default=240.0, help="seconds per naive case (default 240)")
    parser.add_argument("--naive-solver", type=str.upper, default="CLARABEL",
                        help="solver for the naive primal (default CLARABEL, as in the issue)")
    parser.add_argument("--no-naive-fallback", dest="naive_fallback", action="store_false",
                        help=f"do not re-run a naive case with {FALLBACK_SOLVER} after a solver error")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of ours tau_pop (median used; default 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP/rayon threads (set before numpy loads; default: leave as is)")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-coh", action="store_true")
    parser.add_argument("--skip-chain", action="store_true", help="skip the certified-stop vs full-chain comparison")
    args = parser.parse_args(argv)

    import cvxpy as cp

    from lindblad_core.sdp import default_solver

    print(f"bench_sdp: python {platform.python_version()}, cvxpy {cp.__version__}, default solver "
          f"{default_solver()}, installed {cp.installed_solvers()}, BLAS threads: {THREADS}")
    run_ours_pop(SETTINGS[0][2])  # warm-up (imports, first-call overheads); not timed
    summary = {}
    for key, label, kwargs in SETTINGS:
        print(f"\n=== {label}  {kwargs}")
        runs = [run_ours_pop(kwargs) for _ in range(args.repeats)]
        walls = [w for w, _ in runs]
        wall = statistics.median(walls)  # the ratios use the median
        res = runs[-1][1]
        print(f"  tau_pop, ours (default call tau_pop(setup)), {args.repeats} repeats: best {min(walls):.3f} s, "
              f"median {wall:.3f} s; last repeat:")
        print_result("    ", runs[-1][0], res)
        summary[key] = {"label": label, "ours": wall, "res": res}
        if args.skip_naive:
            continue
        budget = args.naive_timeout
        solvers = [args.naive_solver] + ([FALLBACK_SOLVER] if args.naive_fallback and args.naive_solver != FALLBACK_SOLVER
                                         else [])
        for i, solver in enumerate(solvers):
            if i > 0:
                if budget <= 1.0:
                    break
                print(f"    -> same naive problem again with {solver} (the library's own fallback solver), "
                      f"limit {budget:.0f} s = what is left of the {args.naive_timeout:g} s")
            else:
                print(f"  tau_pop, naive (complex Hermitian Gamma per block, Python loop over k, {solver}; "
                      f"limit {budget:g} s):")
            info = run_naive(kwargs, budget, solver)
            info["solver"] = solver
            budget -= info["wall"]
            entry = summary[key]
            entry.setdefault("naive_runs", []).append(info)
            if not report_naive(info, wall, args.naive_timeout if i == 0 else info["limit"]):
                break  # solved, stopped or crashed: no fallback

    if not args.skip_coh:
        print("\n=== tau_pop,coh, ours only (norm='spectral', target='published')")
        for key, label, kwargs in SETTINGS:
            if key not in COH_SETTINGS:
                continue
            wall, res = run_ours_coh(kwargs)
            print(f"  {label}:")
            print_result("    ", wall, res)
            summary[key]["coh"] = wall

    if not args.skip_chain:
        compare_chain_policies()

    print("\n=== Summary (one run; ratios are the comparable numbers)")
    print(f"{'setting':<32} {'ours tau_pop s (median)':>23} {'naive s':>30} {'naive/ours':>15} {'tau_pop,coh s':>14}")
    for key, entry in summary.items():
        naive_s, ratio = _summary_naive(entry, args.naive_timeout)
        coh = f"{entry['coh']:.2f}" if "coh" in entry else "-"
        print(f"{entry['label']:<32} {entry['ours']:>23.3f} {naive_s:>30} {ratio:>15} {coh:>14}")
    print("(naive s = build + solve of every naive run of that setting, summed; 'A+B' = A failed, B re-ran it)")
    fig4 = summary["fig4"]
    met = fig4["ours"] <= TARGET_63_S and fig4["res"].ok
    print(f"63x63 tau_pop target (<= {TARGET_63_S:g} s per solve): {fig4['ours']:.3f} s wall, median "
          f"(solve {fig4['res'].solve_seconds:.3f} s), status {fig4['res'].status} -> "
          f"{'MET' if met else 'NOT met'} in this run")


if __name__ == "__main__":
    main()
