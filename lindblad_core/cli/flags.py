"""The flags of each sub-command and the parser (help per sub-command, defaults shown)."""

from __future__ import annotations

import argparse
import math

from lindblad_core.cli.errors import _Parser, EXIT_STATUS_HELP
from lindblad_core.sdp import NATIVE_SOLVER, NORMS, SOLVERS
from lindblad_core.sdp.solve import QICS_SOLVER
from lindblad_core.studies.variants import EIGENBASES, TARGETS

# Largest --n-left / --n-middle / --n-right read at all: 2^64 states fit in no memory, and the size guard
# refuses far smaller chains; larger counts are refused before any chain (and its 2^N) is built.
_MAX_SITES = 64



def _finite(text: str) -> float:
    """A finite float (argparse type): NaN and ±inf are refused here, naming the flag."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value



def _site_count(text: str) -> int:
    """An integer number of sites (argparse type), at most ``_MAX_SITES``; the lower bounds are the library's."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if value > _MAX_SITES:
        raise argparse.ArgumentTypeError(f"must be an integer <= {_MAX_SITES} (a chain of 2^N states; the size "
                                         f"guard refuses chains far smaller), got {text}")
    return value



def _with_default(text: str, default) -> str:
    return f"{text} (default: {default})"



# The XXZ chain's flags: (flag, argparse keywords, default shown and used when the flag is absent; None: the
# flag is required for the chain). Their argparse default is None, so that --system can refuse them.
_CHAIN_FLAGS = (
    ("--n-left", dict(type=_site_count, metavar="N_L", help="qubits on the left bath(s), N_L >= 1"), None),
    ("--n-middle", dict(type=_site_count, metavar="N_M", help="qubits coupled to no bath, N_M >= 0"), None),
    ("--n-right", dict(type=_site_count, metavar="N_R", help="qubits on the right bath(s), N_R >= 0"), None),
    ("--g", dict(type=_finite, help="XXZ coupling g between neighbouring qubits (Eq. 35)"), None),
    ("--beta-left", dict(type=_finite, metavar="BETA_L", help="inverse temperature of the left baths, > 0"), None),
    ("--beta-right", dict(type=_finite, metavar="BETA_R",
                          help="inverse temperature of the right baths, > 0; required when N_R > 0 (equal to "
                               "--beta-left for equilibrium), refused when N_R = 0"), None),
    ("--bias", dict(type=_finite, metavar="EPS0", help="energy bias eps0 of App. C"), 0.0),
    ("--delta", dict(type=_finite, help="anisotropy Delta of the XXZ coupling"), 1.0),
    ("--field", dict(choices=("projector", "sigma_z"),
                     help="on-site operator: |0><0| (the published data) or sigma_z (the paper's text)"), "projector"),
    ("--gamma", dict(type=_finite, help="bath coupling strength gamma >= 0 (Eq. 42)"), 1.0),
    ("--omega-c", dict(type=_finite, help="cut-off frequency omega_c > 0 of the baths (Eq. 42)"), 10.0),
    ("--s", dict(type=_finite, help="Ohmicity s > 0 of the baths (1: Ohmic)"), 1.0),
    ("--mu", dict(type=_finite, help="chemical potential mu <= 0 of the baths"), 0.0),
)



_CHAIN_DEFAULTS = {flag[2:].replace("-", "_"): default for flag, _, default in _CHAIN_FLAGS}



_REQUIRED_CHAIN = ("n_left", "n_middle", "n_right", "g", "beta_left")



def _add_input_flags(p: argparse.ArgumentParser) -> None:
    system = p.add_argument_group(
        "your own system", "a Python file whose function FUNC returns a lindblad_core.OpenSystem")
    system.add_argument("--system", metavar="FILE.py:FUNC",
                        help="the file (anywhere) and the function that builds the system")
    system.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a keyword argument of FUNC, repeatable; VALUE is read as a bool (true/false), int, "
                             "float or complex (1+2j) where it is one, else as a string (default: none)")
    chain = p.add_argument_group("the paper's XXZ chain (Sec. III, Fig. 1)",
                                 "sites 0..N_L-1 on the left baths, the last N_R on the right baths")
    for flag, kwargs, default in _CHAIN_FLAGS:
        text = kwargs["help"]
        if flag != "--beta-right":
            text = _with_default(text, default) if default is not None else f"{text} (required)"
        chain.add_argument(flag, **dict(kwargs, default=None, help=text))
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the readable output")



def _tau_parser(quantities, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    """The parser of ``tau pop`` or ``tau popcoh`` with the flags both share."""
    p = quantities.add_parser(name, help=summary, description=description, epilog=EXIT_STATUS_HELP)
    _add_input_flags(p)
    p.add_argument("--blocks", nargs="+", default=None, metavar="BLOCK",
                   help="the sites of each Lindblad bath of Eq. 23: for the chain 'left,right' or 'left' (default: "
                        "left,right); for --system, groups of sites such as '0,1 2' (default: one block per set of "
                        "sites the couplings share)")
    p.add_argument("--trace", type=_finite, default=None,
                   help=_with_default("Tr Gamma_b of every block (tau scales linearly with it)", 1))
    p.add_argument("--solver", type=str.upper, choices=(NATIVE_SOLVER, QICS_SOLVER) + SOLVERS, default=None,
                   help=_with_default(f"{NATIVE_SOLVER}: the library's interior-point method; {QICS_SOLVER} (the "
                                      "Quantum Information Conic Solver, on the same conic data); CLARABEL; MOSEK (needs a "
                                      "licence); SCS; CVXOPT. Every attempt is certified",
                                      f"the chain {NATIVE_SOLVER}, then {QICS_SOLVER}, then CLARABEL (MOSEK when licensed), then CVXOPT"))
    p.set_defaults(command="tau", subparser=p)
    return p



# The two τ sub-commands: (one-line help, description) and the flags only one of them has.
_TAU_TEXT = {
    "pop": ("tau_pop of Eq. 29: how far any Lindbladian of Eq. 23 is from the NESS populations",
            "tau_pop of Eq. 29, certified: the smallest mismatch of the zeroth-order NESS populations any Lindblad "
            "equation of Eq. 23 can reach. 'impossible' (tau >= delta_tol = 1e-6): no such Lindbladian reproduces "
            "the Redfield NESS populations; 'possible' (tau < delta_tol): one does."),
    "popcoh": ("tau_pop,coh of Eq. 33: populations and coherences",
               "tau_pop,coh of Eq. 33, certified: the smallest distance of any Lindbladian of Eq. 23 from the "
               "Redfield target T at rho0 (populations and coherences to second order). 'impossible' "
               "(tau >= delta_tol = 1e-6) or 'possible' (tau < delta_tol)."),
}



_TAU_ONLY_FLAGS = {
    "pop": [("--eigenbasis", dict(
        choices=EIGENBASES, default="energy",
        help=_with_default("the basis of the diagonal of Eq. 28: energy, or 'published', the eigenbasis of H' of "
                           "the published Figs. A1(c)/A2(c) (chain only; docs/conventions.md)", "energy")))],
    "popcoh": [
        ("--norm", dict(choices=NORMS, default="spectral",
                        help=_with_default("norm of the mismatch in Eq. 33: spectral (largest singular value, the "
                                           "paper's), frobenius or nuclear", "spectral"))),
        ("--target", dict(choices=TARGETS, default="physical",
                          help=_with_default("T of Eq. 33: physical (L2(rho0)), published (-L2(rho0), the published "
                                             "sign) or published_all_baths (the published Fig. 4(b); chain only)",
                                             "physical"))),
        ("--free-trace", dict(action="store_true",
                              help="drop Tr Gamma_b = 1 (beyond the paper; the objective is not scale invariant)")),
    ],
}



DESCRIPTION = ("Redfield steady states and the Lindblad-existence SDPs of Sarma, Kulkarni, Purkayastha and "
               "Tupkary (arXiv 2602.01794), for the paper's XXZ chain or your own open system.")



def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lindblad-sdp", description=DESCRIPTION, epilog=EXIT_STATUS_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="{ness,tau}")
    ness = sub.add_parser(
        "ness", help="the zeroth-order NESS rho0 of the Redfield equation and L2(rho0)", epilog=EXIT_STATUS_HELP,
        description="The zeroth-order NESS rho0 (App. A) of the Redfield equation and L2(rho0) (Eq. 40, physical "
                    "sign). Prints the energies, the populations of rho0, its largest coherence in the "
                    "computational basis, the second-order coherences of Eq. 15 and the size of L2(rho0); with "
                    "--json also rho0 and L2(rho0) in full (computational basis).")
    _add_input_flags(ness)
    ness.set_defaults(command="ness", subparser=ness)
    tau = sub.add_parser("tau", help="certified tau_pop (Eq. 29) or tau_pop,coh (Eq. 33)", epilog=EXIT_STATUS_HELP,
                         description="Certified optimum of the Lindblad-existence SDPs: 'tau pop' (Eq. 29) or "
                                     "'tau popcoh' (Eq. 33); 'lindblad-sdp tau pop -h' for their flags.")
    quantities = tau.add_subparsers(dest="quantity", required=True, metavar="{pop,popcoh}")
    for name, (summary, description) in _TAU_TEXT.items():
        leaf = _tau_parser(quantities, name, summary, description)
        for flag, kwargs in _TAU_ONLY_FLAGS[name]:
            leaf.add_argument(flag, **kwargs)
    return parser
