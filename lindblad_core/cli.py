"""Command line: ``lindblad-sdp ness …`` and ``lindblad-sdp tau pop|popcoh …`` (also ``python -m lindblad_core``).

The CLI sits on top of the library and is imported by no library module.

Every sub-command prints one JSON object with ``--json``; matrices are ``{"real": [[…]], "imag": [[…]]}``
in the computational basis. Invalid arguments exit with status 2 and a message naming the flag.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields

import numpy as np

from .chain import ChainSetup
from .lindblad import paper_blocks
from .redfield import l2, populations, rho0
from .sdp import NORMS, SOLVERS, TARGETS, lemma1_bound, tau_pop, tau_pop_coh

__all__ = ["main", "build_parser", "matrix_to_json"]


def matrix_to_json(m: np.ndarray) -> dict:
    m = np.asarray(m)
    return {"real": np.real(m).tolist(), "imag": np.imag(m).tolist()}


def _add_setup_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-left", type=int, required=True, help="N_L >= 1 qubits on the left bath(s)")
    p.add_argument("--n-middle", type=int, required=True, help="N_M >= 0 uncoupled qubits")
    p.add_argument("--n-right", type=int, required=True, help="N_R >= 0 qubits on the right bath(s)")
    p.add_argument("--g", type=float, required=True, help="XXZ coupling g")
    p.add_argument("--beta-left", type=float, required=True, help="inverse temperature of the left baths")
    p.add_argument("--beta-right", type=float, default=None, help="inverse temperature of the right baths")
    p.add_argument("--bias", type=float, default=0.0, help="energy bias eps0 of App. C")
    p.add_argument("--delta", type=float, default=1.0, help="anisotropy Delta")
    p.add_argument("--field", choices=("projector", "sigma_z"), default="projector",
                   help="on-site operator: |0><0| (published data) or sigma_z (paper's text)")
    p.add_argument("--gamma", type=float, default=1.0, help="bath coupling strength gamma")
    p.add_argument("--omega-c", type=float, default=10.0, help="cut-off frequency omega_c")
    p.add_argument("--s", type=float, default=1.0, help="Ohmicity s")
    p.add_argument("--mu", type=float, default=0.0, help="chemical potential mu <= 0")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def setup_from_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> ChainSetup:
    names = [f.name for f in fields(ChainSetup) if f.init]
    kwargs = {n: getattr(args, n) for n in names if hasattr(args, n)}
    try:
        return ChainSetup(**kwargs)
    except ValueError as err:
        msg = str(err)
        flag = next((n for n in sorted(names, key=len, reverse=True) if n in msg), None)
        parser.error(f"argument --{flag.replace('_', '-')}: {msg}" if flag else msg)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lindblad-sdp", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ness = sub.add_parser("ness", help="zeroth-order NESS rho0 and L2(rho0) of the Redfield equation")
    _add_setup_flags(ness)
    ness.set_defaults(handler=_run_ness, subparser=ness)
    tau = sub.add_parser("tau", help="certified tau_pop (Eq. 29) or tau_pop,coh (Eq. 33)")
    tau.add_argument("quantity", choices=("pop", "popcoh"))
    _add_setup_flags(tau)
    tau.add_argument("--norm", choices=NORMS, default="spectral")
    tau.add_argument("--target", choices=TARGETS, default="physical")
    tau.add_argument("--blocks", default="left,right", help="left,right | left")
    tau.add_argument("--free-trace", action="store_true", help="tau_pop,coh without Tr Gamma = 1")
    tau.add_argument("--solver", type=str.upper, choices=SOLVERS, default=None)
    tau.set_defaults(handler=_run_tau, subparser=tau)
    return parser


def _run_ness(args, parser) -> dict:
    setup = setup_from_args(args, parser)
    red = setup.redfield
    r0 = rho0(red)
    return {
        "setup": setup.to_dict(),
        "energies": red.energies.tolist(),
        "populations": populations(red).tolist(),
        "rho0": matrix_to_json(r0),
        "L2_rho0": matrix_to_json(l2(red, r0)),
    }


def _run_tau(args, parser) -> dict:
    setup = setup_from_args(args, parser)
    try:
        blocks = args.blocks  # by name: "left" may leave the right bath without a Lindblad block
        paper_blocks(setup, blocks)  # validates the name
        if args.quantity == "pop":
            if args.free_trace:
                parser.error("argument --free-trace: only for popcoh (tau_pop is scale invariant)")
            res = tau_pop(setup, blocks, solver=args.solver)
        else:
            res = tau_pop_coh(setup, blocks, norm=args.norm, target=args.target, free_trace=args.free_trace,
                              solver=args.solver)
    except ValueError as err:
        msg = str(err)
        flag = next((f for f in ("blocks", "solver", "norm", "target") if f in msg), None)
        parser.error(f"argument --{flag}: {msg}" if flag else msg)
    out = res.to_dict()
    out["setup"] = setup.to_dict()
    if res.quantity == "tau_pop":
        out["lemma1_bound"] = lemma1_bound(res)
    out["ok"] = res.ok
    return out


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = args.handler(args, args.subparser)
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
    else:
        for key, value in out.items():
            if not isinstance(value, (dict, list)) or key in ("setup",):
                print(f"{key}: {value}")
        if "populations" in out:
            print("populations:", np.round(out["populations"], 6).tolist())
    # a result counts when the solver reported "optimal" or its certified interval is tight
    return 0 if out.get("ok", True) or out.get("certified", False) else 1
