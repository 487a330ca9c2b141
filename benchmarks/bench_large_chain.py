"""Benchmark: one large chain (N = 11, 12 qubits) from scratch: the Redfield set-up, then τ^pop or τ^pop,coh.

Prints the wall and CPU seconds of each stage (Hamiltonian and its sector-wise eigenvectors; the Redfield
operators with their principal values; the populations) and of the solve, the machine's load average before and
after (the machine is shared: a wall time means little without it), and the result. Meant to be run under
``/usr/bin/time -v`` for the peak resident memory:

    OPENBLAS_NUM_THREADS=2 /usr/bin/time -v .venv/bin/python benchmarks/bench_large_chain.py 2 8 2 tau_pop

Arguments: N_L N_M N_R and one of ``redfield`` (the set-up only), ``tau_pop``, ``tau_pop_coh``; the setting is
the benchmark's (g = 0.05, β_L = 1, β_R = 5). Nothing here asserts a timing.
"""

from __future__ import annotations

import os
import resource
import sys
import time


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _stage(label: str, t0: float, c0: float) -> tuple[float, float]:
    t1, c1 = time.perf_counter(), _cpu()
    print(f"  {label}: {t1 - t0:.1f} s wall, {c1 - c0:.1f} s CPU", flush=True)
    return t1, c1


def main() -> int:
    if len(sys.argv) != 5 or sys.argv[4] not in ("redfield", "tau_pop", "tau_pop_coh"):
        print(__doc__)
        return 2
    n_left, n_middle, n_right = map(int, sys.argv[1:4])
    quantity = sys.argv[4]
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}", flush=True)
    t, c = time.perf_counter(), _cpu()
    from lindblad_core.redfield_equation import populations, redfield
    from lindblad_core.sdp import tau_pop, tau_pop_coh
    from lindblad_core.systems.chain import ChainSetup

    setup = ChainSetup(n_left=n_left, n_middle=n_middle, n_right=n_right, g=0.05, beta_left=1.0, beta_right=5.0)
    print(f"N = {setup.n_sites} ({n_left}+{n_middle}+{n_right}), d = {setup.dim}, {quantity}", flush=True)
    t, c = _stage("imports", t, c)
    start_t, start_c = t, c
    system = setup.open_system()
    system.energies
    t, c = _stage("Hamiltonian and sector-wise eigenvectors", t, c)
    red = redfield(setup)
    t, c = _stage("Redfield operators (Eq. (40), principal values of Eq. (41))", t, c)
    populations(red)
    t, c = _stage("populations (GTH)", t, c)
    print(f"Redfield set-up: {t - start_t:.1f} s wall, {c - start_c:.1f} s CPU", flush=True)
    if quantity != "redfield":
        res = (tau_pop if quantity == "tau_pop" else tau_pop_coh)(setup)
        t, c = _stage(f"{quantity} (set-up {res.setup_seconds:.1f} s, solve and certificates "
                      f"{res.solve_seconds:.1f} s wall)", t, c)
        print(f"{quantity}: {res.status}, certified {res.certified}, [{res.lower:.10g}, {res.upper:.10g}], "
              f"solver {res.solver}, data_error {res.data_error:.3g}; {res.verdict()}", flush=True)
    print(f"total after imports: {t - start_t:.1f} s wall, {c - start_c:.1f} s CPU; load average at end: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
