"""Check: the Redfield operators, populations and τ values against a stored reference, bit for bit.

For each case below it computes, from a fresh process, the Redfield operators A_ℓ, B_ℓ, S_ℓ (energy basis), the
transition rates, the zeroth-order populations and, where asked, τ^pop and τ^pop,coh (default chain), and
compares them with ``benchmarks/results/redfield_reference.json``: SHA-256 digests of the arrays' bytes (equal
digests: bit-identical) and the τ values' reprs. When a digest differs it says so; with ``--arrays FILE.npz``
written by ``--write`` it also prints the largest relative difference of each array.

Bit-identity holds on one machine with one BLAS setting (the eigensolver's rounding depends on the CPU's kernels
and the thread count): run the check with the setting the reference records (``OPENBLAS_NUM_THREADS``).

Cases: the paper's Fig. 2 (1+2+1) and Fig. 3 (2+2+2) chains at g = 0.01 and 0.1, the benchmark's setting
(g = 0.05, β_L = 1, β_R = 5) at 2+2+2, 2+4+2 and, Redfield and populations only, 2+6+2 (d = 1024, 1.7e5
Bohr frequencies per bath); a three-qubit OpenSystem with a Drude–Lorentz bath (the adaptive tail of the principal
values) on an exchange coupling and an Ohmic one on a Hermitian coupling (Bohr frequency 0).

Run:  OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/check_redfield_reference.py [--write] [--arrays FILE.npz]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

REFERENCE = Path(__file__).resolve().parent / "results" / "redfield_reference.json"
FIG = dict(beta_left=1.0, beta_right=0.5)
BENCH = dict(g=0.05, beta_left=1.0, beta_right=5.0)
# (name, chain (N_L, N_M, N_R) or "general", ChainSetup keywords, solve the SDPs)
CASES = [
    ("fig2_g0.01", (1, 2, 1), dict(g=0.01, **FIG), True),
    ("fig2_g0.1", (1, 2, 1), dict(g=0.1, **FIG), True),
    ("fig3_g0.01", (2, 2, 2), dict(g=0.01, **FIG), True),
    ("fig3_g0.1", (2, 2, 2), dict(g=0.1, **FIG), True),
    ("bench_2+2+2", (2, 2, 2), BENCH, True),
    ("bench_2+4+2", (2, 4, 2), BENCH, True),
    ("bench_2+6+2", (2, 6, 2), BENCH, False),
    ("general_drude_hermitian", "general", {}, True),
]


def _general_system():
    from lindblad_core.systems.baths import BosonicBath, drude_lorentz, ohmic
    from lindblad_core.systems.chain import xxz_hamiltonian
    from lindblad_core.systems.open_system import Coupling, OpenSystem
    from lindblad_core.systems.operators import SIGMA_MINUS

    h = xxz_hamiltonian(3, g=0.2, bias=0.3)
    sx = np.array([[0.0, 1.0], [1.0, 0.0]])
    couplings = [Coupling(SIGMA_MINUS, (0,), BosonicBath(drude_lorentz(lam=0.1, gamma=5.0), beta=1.0)),
                 Coupling(sx, (2,), BosonicBath(ohmic(gamma=0.5, omega_c=4.0), beta=2.0), form="hermitian")]
    return OpenSystem(h, couplings, dims=(2, 2, 2))


def _digest(a) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def compute(case) -> tuple[dict, dict]:
    """(record, arrays) of one case: digests and τ reprs, and the arrays themselves."""
    from lindblad_core.redfield_equation import populations, redfield
    from lindblad_core.sdp import tau_pop, tau_pop_coh
    from lindblad_core.systems.chain import ChainSetup

    name, chain, kw, solve = case
    system = _general_system() if chain == "general" else ChainSetup(
        n_left=chain[0], n_middle=chain[1], n_right=chain[2], **kw)
    red = redfield(system)
    arrays = {"coupling": red.coupling, "a_ops": red.a_ops, "b_ops": red.b_ops, "rates": red.rates,
              "populations": populations(red)}
    record = {k: _digest(v) for k, v in arrays.items()}
    if solve:
        for label, fn in (("tau_pop", tau_pop), ("tau_pop_coh", tau_pop_coh)):
            res = fn(system)
            record[label] = {"value": repr(res.value), "lower": repr(res.lower), "upper": repr(res.upper),
                             "status": res.status, "solver": res.solver}
    return record, {f"{name}/{k}": v for k, v in arrays.items()}


def _code_version() -> str:
    """The git commit of the lindblad_core that is imported (the reference records which code computed it)."""
    import subprocess

    import lindblad_core

    where = Path(lindblad_core.__file__).resolve().parent
    try:
        return subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the reference (JSON) instead of checking")
    parser.add_argument("--arrays", default=None, help="npz of the reference arrays: written with --write, "
                        "read otherwise to print relative differences where a digest differs")
    args = parser.parse_args()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "library default")
    records, arrays = {}, {}
    for case in CASES:
        records[case[0]], arr = compute(case)
        arrays.update(arr)
        print(f"{case[0]}: computed", flush=True)
    if args.write:
        REFERENCE.write_text(json.dumps({"openblas_num_threads": threads, "code": _code_version(), "cases": records},
                                        indent=1) + "\n")
        if args.arrays:
            np.savez_compressed(args.arrays, **arrays)
        print(f"wrote {REFERENCE}")
        return 0
    ref = json.loads(REFERENCE.read_text())
    if ref["openblas_num_threads"] != threads:
        print(f"warning: reference taken with OPENBLAS_NUM_THREADS={ref['openblas_num_threads']}, this run {threads}")
    stored = np.load(args.arrays) if args.arrays else None
    same = True
    for name, record in records.items():
        for key, value in record.items():
            want = ref["cases"][name][key]
            if value == want:
                continue
            same = False
            detail = ""
            if stored is not None and f"{name}/{key}" in stored:
                new, old = arrays[f"{name}/{key}"], stored[f"{name}/{key}"]
                detail = f": max |new − ref| / max |ref| = {np.max(np.abs(new - old)) / np.max(np.abs(old)):.3g}"
            print(f"{name} {key} differs{detail}" + ("" if detail else f": {value} vs reference {want}"))
    print(f"reference computed by lindblad_core at {ref.get('code', 'unknown')}, this run {_code_version()}")
    print("all bit-identical to the reference" if same else "DIFFERENCES (above)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
