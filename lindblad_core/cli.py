"""Command line: ``lindblad-sdp ness …`` and ``lindblad-sdp tau pop|popcoh …`` (also ``python -m lindblad_core``).

The CLI sits on top of the library and is imported by no library module.

Systems
-------
Either the paper's XXZ chain (``--n-left``, ``--n-middle``, ``--n-right``, ``--g``, ``--beta-left`` …), or any
:class:`~lindblad_core.OpenSystem` built by a function in a Python file: ``--system FILE.py:FUNC`` with
its keyword arguments as ``--param NAME=VALUE`` (values read as bool, int, float or complex where they parse as
one, else strings). The file need not lie in the repository; its folder is on ``sys.path`` while it is imported
and while FUNC runs, so it can import its neighbours.

Output
------
By default one readable line per τ result (the certified interval to 3 significant digits, the verdict against
δ_tol = 1e-6, whether the interval is certified, τ relative to the problem's scale ``TauResult.relative``, the
elapsed time) and a short block for ``ness``. ``--json`` prints one JSON object instead (matrices as
``{"real": [[…]], "imag": [[…]]}`` in the computational basis; ``elapsed_s`` the wall time of the
computation). A computation that runs longer than ``PROGRESS_AFTER_S`` notes on stderr what it is solving and,
at the end, how long it took.

Exit status
-----------
One rule: 0 only for a result, i.e. ``ness`` computed or ``tau`` with a decided verdict ("impossible" or
"possible"); ``EXIT_STATUS_HELP`` (the help's epilog) lists the others. Every non-zero exit but 1 and 141
prints one line on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import re
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

import numpy as np
from cvxpy.error import SolverError

from lindblad_core.lindblad.ansatz import paper_blocks
from lindblad_core.redfield_equation import l2, populations, redfield, rho0, second_order_coherences
from lindblad_core.sdp import DELTA_TOL, NATIVE_SOLVER, NORMS, SOLVERS, lemma1_bound
from lindblad_core.studies.system_spec import load_factory, on_path
from lindblad_core.studies.variants import EIGENBASES, TARGETS, tau_pop, tau_pop_coh
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.open_system import OpenSystem

__all__ = ["main", "build_parser", "matrix_to_json", "flag_for_message", "estimated_bytes",
           "largest_accepted_qubits", "parse_param_value", "load_system_function", "format_tau_line",
           "MEMORY_LIMIT_BYTES", "PROGRESS_AFTER_S", "EXIT_OK", "EXIT_ERROR", "EXIT_INVALID", "EXIT_UNDECIDED",
           "EXIT_OUTPUT", "EXIT_INTERRUPTED", "EXIT_BROKEN_PIPE", "EXIT_STATUS_HELP"]

EXIT_OK = 0  # ness computed; tau with a decided verdict
EXIT_ERROR = 1  # an unexpected exception: a bug, reported with its traceback
EXIT_INVALID = 2  # argparse's own status for usage errors
EXIT_UNDECIDED = 3  # tau without a decided verdict (inconclusive, inconsistent), or a failed computation
EXIT_OUTPUT = 74  # EX_IOERR of sysexits.h: stdout closed or not writable (a full disk)
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer killed by a closed pipe

EXIT_STATUS_HELP = f"""\
exit status (one rule: 0 only for a result):
  {EXIT_OK:<4} a result: ness computed; tau with a decided verdict (impossible or possible)
  {EXIT_ERROR:<4} an unexpected error (a bug; please report the traceback)
  {EXIT_INVALID:<4} invalid input: one line on stderr naming the flag
  {EXIT_UNDECIDED:<4} no result: tau inconclusive or inconsistent, or the computation failed
       (a solver or linear-algebra breakdown, out of memory): one line on stderr
  {EXIT_OUTPUT:<4} stdout is closed or cannot be written (a full disk): one line on stderr
  {EXIT_INTERRUPTED:<4} interrupted (Ctrl-C): one line on stderr
  {EXIT_BROKEN_PIPE:<4} the reader of stdout went away (as for cat in a pipeline), quietly"""

# A computation that runs longer than this notes on stderr what it solves, then its elapsed time.
PROGRESS_AFTER_S = 1.0

# -- size guard ---------------------------------------------------------------------------------------------
# The CLI refuses, before building anything, a chain whose estimated peak memory exceeds this (16 GiB, a
# workstation's memory). The estimate (``estimated_bytes``) adds up the dense arrays each sub-command
# allocates for d = 2^N; neither sub-command builds the d² × d² Redfield superoperator (16 d⁴ bytes, refused
# by the library above ``redfield.SUPEROPERATOR_MAX_DIM``). Checked against peak RSS (``/usr/bin/time``):
#   ness N=9 (1,7,1) bias 0.37: 2.5 GB measured, 3.3 GB estimated; N=9 (4,1,4): 2.6 vs 3.5 GB;
#   ness N=10 (1,8,1) g=0.01: 2.5 GB measured (degenerate Bohr frequencies are merged), 12.3 GB estimated;
#   tau pop N=8 (3,2,3): 0.35 vs 1.6 GB;
#   tau popcoh with the default formulation="conic" (benchmarks/results/speed.md, peak RSS of a child process):
#   N=8 (2,4,2): 0.37 GB measured, 1.5 GB estimated; N=8 (3,2,3): 2.0 vs 4.1 GB; N=10 (2,6,2): 3.8 GB measured,
#   20 GB estimated (refused: the principal-value term assumes all C(2N, N−1) Bohr frequencies distinct; the
#   library itself solves it).
# With blocks of one qubit per bath the CLI thus accepts N <= 10 for ``ness``, ``tau pop`` and ``tau popcoh``
# (N = 11 is refused for the principal-value quadrature of its ~6.5e5 Bohr frequencies).
MEMORY_LIMIT_BYTES = 16 * 2**30
_BASE_BYTES = 150 * 2**20  # interpreter with numpy, scipy and cvxpy imported (~130 MiB measured)
_PV_NODES = 1760  # nodes of the composite rule of baths.principal_value (20 Gauss nodes on 88 panels)
_PV_ARRAYS = 5  # (Bohr frequencies × nodes) float64 temporaries alive at once in principal_value
_CONE_COPIES = 10  # dense (svec × svec) float64 blocks per PSD cone in Clarabel's KKT system (calibrated above)
_MAP_COPIES = 4  # complex (n², coordinates) sector maps of τ^pop,coh alive at once (conic.py; calibrated above)
_CERT_COPIES = 8  # complex d² arrays per Lamb-shift basis element in the certificates (calibrated above)
_NNZ_BYTES = 64  # bytes per non-zero of the SDP's constraint matrix through cvxpy and the solver (calibrated)
_KINDS = ("ness", "pop", "popcoh")
# Largest --n-left / --n-middle / --n-right read at all: 2^64 states fit in no memory, and the size guard
# refuses far smaller chains; larger counts are refused before any chain (and its 2^N) is built.
_MAX_SITES = 64


def _svec(n: int) -> int:
    return n * (n + 1) // 2


def _charge_groups(k: int) -> list[int]:
    """Sizes of the charge blocks of Γ for a block of k qubits: the coefficients C(2k, k + q) of
    (x⁻¹ + 2 + x)^k, without the identity (charge 0)."""
    return [math.comb(2 * k, k + q) - (q == 0) for q in range(-k, k + 1)]


def estimated_bytes(kind: str, setup: ChainSetup, blocks: str = "left,right") -> int:
    r"""Estimated peak memory of ``lindblad-sdp ness`` / ``tau pop`` / ``tau popcoh`` for ``setup``.

    The sum of the dominant dense allocations, with d = 2^N and P = C(2N, N−1) the number of
    energy-basis matrix elements of σ− (it maps magnetisation sector M to M−1; H_XXZ conserves M):

    * Redfield, all kinds: H, its eigenvectors, S_ℓ, A_ℓ, B_ℓ, masks and L2 temporaries,
      16 d² (6 n_bath + 8), and the principal-value quadrature, at most P distinct Bohr frequencies ×
      ``_PV_NODES`` × ``_PV_ARRAYS`` float64.
    * ``pop``, per block of k qubits (m = 4^k − 1 operators): F_α, 3 × 16 m d²; the coefficient stacks
      G_k, 5 × 16 d m²; one PSD cone per charge group c (``_CONE_COPIES`` × 8 svec(c)²) and d c² non-zeros.
    * ``popcoh`` (the default ``formulation="conic"``, solved on the n × n Hermitian sectors), per block:
      F_α and the Lamb-shift basis, 3 × 16 (m + 4^k) d²; the sector maps, ``_MAP_COPIES`` × 16 n² per real
      coordinate of Γ (Σ_c c²) and of H_LS (C(2k, k)) over the sectors of n = C(N, M) states (Σ n² =
      C(2N, N)); the certificates' Lamb-shift directions, ``_CERT_COPIES`` × 16 · 4^k d².

    ``MEMORY_LIMIT_BYTES`` documents how the estimate compares with measured peaks (conservative, up to ~5×
    above for chains whose Bohr frequencies are degenerate). The SDP terms assume Clarabel, the default.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got kind={kind!r}")
    n = setup.n_sites
    d = 2**n
    n_bath = setup.n_left + setup.n_right
    total = _BASE_BYTES + 16 * d * d * (6 * n_bath + 8) + 8 * _PV_NODES * _PV_ARRAYS * math.comb(2 * n, n - 1)
    if kind == "ness":
        return total
    sizes = [b.n_qubits for b in paper_blocks(setup, blocks)]
    for k in sizes:
        m = 4**k - 1
        groups = _charge_groups(k)
        if kind == "pop":
            total += 3 * 16 * m * d * d + 5 * 16 * d * m * m
            total += sum(_CONE_COPIES * 8 * _svec(c) ** 2 + _NNZ_BYTES * d * c * c for c in groups)
        else:
            total += 3 * 16 * (m + 4**k) * d * d
            columns = sum(c * c for c in groups) + math.comb(2 * k, k)
            total += _MAP_COPIES * 16 * math.comb(2 * n, n) * columns  # Σ_M C(N, M)² = C(2N, N)
            total += _CERT_COPIES * 16 * 4**k * d * d
    return total


def largest_accepted_qubits(kind: str, n_left: int, n_right: int, blocks: str = "left,right") -> int | None:
    """The largest N = n_left + n_middle + n_right the CLI accepts for these baths (None: not even n_middle = 0)."""
    largest = None
    for n_middle in range(64):
        setup = ChainSetup(n_left=n_left, n_middle=n_middle, n_right=n_right)
        if estimated_bytes(kind, setup, blocks) > MEMORY_LIMIT_BYTES:
            break
        largest = setup.n_sites
    return largest


def _format_bytes(b: float) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    i = 0
    while b >= 1024 and i < len(units) - 1:
        b, i = b / 1024, i + 1
    return f"{b:.3g} {units[i]}"


def _check_size(kind: str, setup: ChainSetup, parser, blocks: str = "left,right") -> None:
    need = estimated_bytes(kind, setup, blocks)
    if need <= MEMORY_LIMIT_BYTES:
        return
    largest = largest_accepted_qubits(kind, setup.n_left, setup.n_right, blocks)
    what = {"ness": "ness", "pop": "tau pop", "popcoh": "tau popcoh"}[kind]
    limit = (f"with n_left={setup.n_left}, n_right={setup.n_right} it accepts N <= {largest}" if largest
             else f"no chain with n_left={setup.n_left}, n_right={setup.n_right} fits")
    _invalid(parser, f"a chain of N = {setup.n_sites} qubits needs an estimated {_format_bytes(need)} for "
                     f"{what}, above the CLI's limit of {_format_bytes(MEMORY_LIMIT_BYTES)} "
                     f"(lindblad_core.cli.MEMORY_LIMIT_BYTES); {limit}", "--n-left/--n-middle/--n-right")


# -- errors -------------------------------------------------------------------------------------------------
# The library's ValueErrors name the parameter as "<Class>.<name> must …", "<name> must …" and/or
# "…, got <name>=<value>". The most specific pattern that matches decides; a name that is no flag of the
# sub-command gives no flag at all (never a wrong one).
_NAME_PATTERNS = (re.compile(r"\bgot (\w+)="), re.compile(r"\b[A-Z]\w*\.(\w+)\b"), re.compile(r"^(\w+)\b"))


def flag_for_message(message: str, parser) -> str | None:
    """The flag of ``parser`` whose parameter a library error message names, or None."""
    for pattern in _NAME_PATTERNS:
        match = pattern.search(message)
        if match:
            return getattr(parser, "flags", {}).get(match.group(1))
    return None


def _param_for_message(message: str, params: dict) -> str | None:
    """The ``--param NAME`` a message names (same patterns as :func:`flag_for_message`), or None."""
    for pattern in _NAME_PATTERNS:
        match = pattern.search(message)
        if match:
            return f"--param {match.group(1)}" if match.group(1) in params else None
    return None


def _one_line(message) -> str:
    return " ".join(str(message).split())


def _invalid(parser, message: str, flag: str | None = None):
    """Exit with ``EXIT_INVALID`` and one line on stderr."""
    prefix = f"argument {flag}: " if flag else ""
    parser.exit(EXIT_INVALID, f"{parser.prog}: error: {prefix}{_one_line(message)}\n")


class _Failed(Exception):
    """A computation that failed (not invalid input): reported on one line, exit ``EXIT_UNDECIDED``."""


# Exceptions of a computation that count as its failure rather than as invalid input or a bug: solver
# breakdowns (cvxpy's SolverError, CVXOPT's ArithmeticError), numpy's LinAlgError (a ValueError subclass, so
# caught before ValueError) and running out of memory.
_FAILURES = (SolverError, ArithmeticError, np.linalg.LinAlgError, MemoryError)


def _failure_text(err: BaseException) -> str:
    what = "out of memory" if isinstance(err, MemoryError) else type(err).__name__
    return f"the computation failed: {what}: {err}" if str(err) else f"the computation failed: {what}"


# A degenerate H_S: the library suggests its keyword allow_degenerate=True, which no flag sets (and the SDPs
# need a non-degenerate spectrum anyway); the CLI words the fix for its own flags.
_LIBRARY_ADVICE = re.compile(r"\s*\((?:pass|use|set)\s+allow_degenerate[^)]*\)")


def _cli_wording(message: str, system_mode: bool) -> str:
    message = _one_line(message)
    if "allow_degenerate" in message:
        message = _LIBRARY_ADVICE.sub("", message)
        message += ("; the function given to --system must return a non-degenerate H_S" if system_mode
                    else "; choose --g, --delta, --bias or --field so that no two levels coincide")
    return message


class _Formatter(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal, the exit-status table kept as laid out."""

    def _fill_text(self, text, width, indent):
        if text == EXIT_STATUS_HELP:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors, negative numbers in exponent notation read as values (``--mu -1e-3``),
    and a record ``flags`` of the flag that sets each field."""

    _NEGATIVE_NUMBER = re.compile(r"^-(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^-(?:inf|infinity)$", re.IGNORECASE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = self._NEGATIVE_NUMBER

    @property
    def flags(self) -> dict[str, str]:
        """The flag that sets each field (argument groups included)."""
        return {a.dest: a.option_strings[0] for a in self._actions if a.option_strings and a.dest != "help"}

    def error(self, message):
        _invalid(self, f"{message} (see '{self.prog} -h')")

    def parse_args(self, args=None, namespace=None):
        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            where = getattr(ns, "subparser", self)
            flag = next((e.split("=")[0] for e in extras if e.startswith("-")), None)
            if flag in _FLAGS_ELSEWHERE:
                _invalid(where, f"{_FLAGS_ELSEWHERE[flag]} (see '{where.prog} -h')", flag)
            where.error(f"unrecognized arguments: {' '.join(extras)}")
        return ns


# Flags of one sub-command given to another: the reason, named with the flag.
_FLAGS_ELSEWHERE = {
    "--free-trace": "only for 'tau popcoh' (tau_pop is scale invariant)",
    "--norm": "only for 'tau popcoh'",
    "--target": "only for 'tau popcoh'",
    "--eigenbasis": "only for 'tau pop' (tau_pop,coh is basis independent)",
    "--blocks": "only for 'tau pop' and 'tau popcoh'",
    "--solver": "only for 'tau pop' and 'tau popcoh'",
    "--trace": "only for 'tau pop' and 'tau popcoh'",
}


# -- flags --------------------------------------------------------------------------------------------------

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
    p.add_argument("--solver", type=str.upper, choices=(NATIVE_SOLVER,) + SOLVERS, default=None,
                   help=_with_default(f"{NATIVE_SOLVER}: the library's interior-point method; CLARABEL; MOSEK (needs a "
                                      "licence); SCS; CVXOPT. Every attempt is certified",
                                      f"the chain {NATIVE_SOLVER}, then CLARABEL (MOSEK when licensed), then CVXOPT"))
    p.set_defaults(handler=_run_tau, subparser=p)
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
    ness.set_defaults(handler=_run_ness, subparser=ness)
    tau = sub.add_parser("tau", help="certified tau_pop (Eq. 29) or tau_pop,coh (Eq. 33)", epilog=EXIT_STATUS_HELP,
                         description="Certified optimum of the Lindblad-existence SDPs: 'tau pop' (Eq. 29) or "
                                     "'tau popcoh' (Eq. 33); 'lindblad-sdp tau pop -h' for their flags.")
    quantities = tau.add_subparsers(dest="quantity", required=True, metavar="{pop,popcoh}")
    for name, (summary, description) in _TAU_TEXT.items():
        leaf = _tau_parser(quantities, name, summary, description)
        for flag, kwargs in _TAU_ONLY_FLAGS[name]:
            leaf.add_argument(flag, **kwargs)
    return parser


# -- the system: the paper's chain or the user's function ---------------------------------------------------

def matrix_to_json(m: np.ndarray) -> dict:
    m = np.asarray(m)
    return {"real": np.real(m).tolist(), "imag": np.imag(m).tolist()}


def _value_to_json(v):
    return {"real": v.real, "imag": v.imag} if isinstance(v, complex) else v


def parse_param_value(text: str):
    """A ``--param`` value: bool for true/false (any case), else int, float or complex where ``text`` parses as
    one (complex only with a digit: ``'j'`` stays a string), else the string itself. NaN is refused."""
    if text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    for kind in (int, float, complex):
        try:
            value = kind(text)
        except ValueError:
            continue
        if kind is complex and not any(c.isdigit() for c in text):
            break
        if kind is not int and (np.isnan(value.real) or np.isnan(value.imag)):
            raise ValueError(f"must not be NaN, got {text!r}")
        return value
    return text


def _parse_params(items: list[str], parser) -> dict:
    params = {}
    for item in items:
        name, eq, text = item.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier():
            _invalid(parser, f"expected NAME=VALUE, got {item!r}", "--param")
        if name in params:
            _invalid(parser, f"given twice ({name}={params[name]!r} and {item!r})", f"--param {name}")
        try:
            params[name] = parse_param_value(text)
        except ValueError as err:
            _invalid(parser, str(err), f"--param {name}")
    return params


def load_system_function(spec: str):
    """The function named by ``--system FILE.py:FUNC``: (path, function); ``ValueError`` with a one-line reason
    for a malformed spec, a missing file, a file that fails to import or a missing function."""
    file, colon, func_name = spec.rpartition(":")
    if not colon or not file or not func_name.isidentifier():
        raise ValueError(f"expected FILE.py:FUNC, got {spec!r}")
    if not file.endswith(".py"):
        raise ValueError(f"expected a Python file FILE.py, got {file!r}")
    try:
        func = load_factory(spec)
    except ValueError as err:
        raise ValueError(str(err).removeprefix("factory: ")) from None
    return Path(os.path.expanduser(file)).resolve(), func


def _check_signature(func, func_name: str, params: dict, parser) -> None:
    """Refuse, before calling, a ``--param`` that ``func`` does not take and a required argument not given."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return  # no signature to check against (a builtin): the call itself reports
    kinds = inspect.Parameter
    takes = [n for n, p in sig.parameters.items() if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)]
    any_keyword = any(p.kind == kinds.VAR_KEYWORD for p in sig.parameters.values())
    for name in params:
        if name not in takes and not any_keyword:
            listed = f"its parameters: {', '.join(takes)}" if takes else "it takes none"
            _invalid(parser, f"{func_name}() takes no parameter {name!r} ({listed})", f"--param {name}")
    for name, p in sig.parameters.items():
        if p.default is not kinds.empty or name in params or p.kind in (kinds.VAR_KEYWORD, kinds.VAR_POSITIONAL):
            continue
        if p.kind == kinds.POSITIONAL_ONLY:
            _invalid(parser, f"{func_name}() has the positional-only parameter {name!r}; the CLI passes "
                             "keyword arguments only", "--system")
        _invalid(parser, f"{func_name}() needs a value for {name!r}: add --param {name}=VALUE", f"--param {name}")


def _build_system(args, parser) -> tuple[OpenSystem, dict]:
    """The user's OpenSystem from ``--system`` and ``--param``, and its description for the JSON output."""
    given = [parser.flags[name] for name in _CHAIN_DEFAULTS if getattr(args, name, None) is not None]
    if given:
        _invalid(parser, "a flag of the paper's chain, not used with --system (pass your function's arguments as "
                         "--param NAME=VALUE)", given[0])
    params = _parse_params(args.param, parser)
    try:
        path, func = load_system_function(args.system)
    except ValueError as err:
        _invalid(parser, str(err), "--system")
    func_name = args.system.rpartition(":")[2]
    _check_signature(func, func_name, params, parser)
    call = f"{func_name}({', '.join(f'{k}={v!r}' for k, v in params.items())})"
    try:
        with on_path(str(path.parent)):
            system = func(**params)
    except Exception as err:  # noqa: BLE001 - anything the user's function raises is an error of its input
        message = _cli_wording(f"{call} raised {type(err).__name__}: {err}", True)
        _invalid(parser, message, _param_for_message(str(err), params) or "--system")
    if not isinstance(system, OpenSystem):
        _invalid(parser, f"{call} returned a {type(system).__name__}, not a lindblad_core.OpenSystem", "--system")
    described = {"file": str(path), "function": func_name,
                 "params": {k: _value_to_json(v) for k, v in params.items()}}
    return system, described


def _chain_kwargs(args, parser) -> dict:
    """The ChainSetup keywords from the chain's flags: required ones present, --beta-right exactly when N_R > 0."""
    if args.param:
        _invalid(parser, "only with --system FILE.py:FUNC", "--param")
    missing = [parser.flags[name] for name in _REQUIRED_CHAIN if getattr(args, name) is None]
    if missing:
        _invalid(parser, f"the following arguments are required: {', '.join(missing)} (or --system FILE.py:FUNC "
                         f"for your own system; see '{parser.prog} -h')")
    if args.n_right is not None and args.n_right > 0 and args.beta_right is None:
        _invalid(parser, f"required with --n-right {args.n_right} (the right baths' inverse temperature; equal to "
                         "--beta-left for equilibrium)", "--beta-right")
    if args.n_right == 0 and args.beta_right is not None:
        _invalid(parser, "there is no right bath with --n-right 0", "--beta-right")
    names = [f.name for f in fields(ChainSetup) if f.init]
    kwargs = {n: getattr(args, n) for n in names if hasattr(args, n)}
    return {n: (_CHAIN_DEFAULTS[n] if v is None and n != "beta_right" else v) for n, v in kwargs.items()}


# Bath flags blamed for a library error that names no flag (a spectral density that overflows at --s 50, rates
# that overflow at --beta-left 1e-300), with the reference value each is reset to: the paper's bath.
_BATH_REFERENCE = {"gamma": 1.0, "omega_c": 10.0, "s": 1.0, "mu": 0.0, "beta_left": 1.0, "beta_right": 1.0}


def _chain_fails(kwargs: dict) -> bool:
    """Whether the chain's baths, Redfield operators or NESS populations cannot be computed."""
    try:
        populations(redfield(ChainSetup(**kwargs)))
    except Exception:  # noqa: BLE001 - any failure counts: the question is only whether this chain fails
        return True
    return False


def _blamed_flag(kwargs: dict, parser) -> tuple[str, float] | None:
    """The one bath flag whose value alone makes the chain fail, and its reference value: the chain is computed
    again with each given bath value reset to ``_BATH_REFERENCE``; None unless exactly one reset succeeds."""
    if not _chain_fails(kwargs):
        return None  # the error comes from elsewhere (the SDP, a degenerate spectrum …)
    culprits = [(name, ref) for name, ref in _BATH_REFERENCE.items()
                if kwargs.get(name) is not None and kwargs[name] != ref and not _chain_fails({**kwargs, name: ref})]
    if len(culprits) != 1:
        return None
    name, ref = culprits[0]
    return parser.flags[name], ref


def _chain_invalid(parser, err: ValueError, kwargs: dict):
    """Exit 2 for a library error on the chain, naming the flag the message names, else the bath flag to blame."""
    message = _cli_wording(str(err), False)
    flag = flag_for_message(str(err), parser)
    if flag is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            blamed = _blamed_flag(kwargs, parser)
        if blamed is not None:
            flag = blamed[0]
            message += f" (with {flag} {blamed[1]:g} the chain computes)"
    _invalid(parser, message, flag)


class _Problem:
    """What the sub-command computes on: a ChainSetup or an OpenSystem, with its error reporting."""

    def __init__(self, args, parser):
        self.parser = parser
        self.system_mode = args.system is not None
        if self.system_mode:
            self.input, self.described = _build_system(args, parser)
            self.kwargs, self.dim = None, self.input.dim
        else:
            self.kwargs = _chain_kwargs(args, parser)
            try:
                self.input = ChainSetup(**self.kwargs)
            except ValueError as err:
                _chain_invalid(parser, err, self.kwargs)
            self.described, self.dim = self.input.to_dict(), self.input.dim

    @property
    def redfield(self):
        return redfield(self.input)

    def describe(self, out: dict) -> dict:
        out["system" if self.system_mode else "setup"] = self.described
        return out

    def invalid(self, err: ValueError):
        """Exit 2 for a ValueError of the library, naming the flag (or --system for the user's system)."""
        if self.system_mode:  # a flag of the sub-command (--blocks, --trace …), never one of the unused chain
            flag = flag_for_message(str(err), self.parser)
            chain_flags = {self.parser.flags[name] for name in _CHAIN_DEFAULTS}
            _invalid(self.parser, _cli_wording(str(err), True), "--system" if flag in chain_flags | {None} else flag)
        _chain_invalid(self.parser, err, self.kwargs)

    @contextmanager
    def computing(self, what: str):
        """Library errors as exits: ValueError → invalid input, ``_FAILURES`` → ``_Failed``; and the progress
        note on stderr when the computation takes longer than ``PROGRESS_AFTER_S``."""
        with _progress(f"{what} (d = {self.dim})"):
            try:
                yield
            except _FAILURES as err:
                raise _Failed(_failure_text(err)) from None
            except ValueError as err:
                self.invalid(err)


def _stderr(line: str) -> None:
    """One line on stderr, if there is a stderr to write to."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass


@contextmanager
def _progress(what: str):
    """Note "solving …" on stderr once the block has run ``PROGRESS_AFTER_S``, and then "done in …" at its end."""
    t0 = time.perf_counter()
    noted = threading.Event()

    def note():
        _stderr(f"solving {what} …")
        noted.set()

    timer = threading.Timer(PROGRESS_AFTER_S, note)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
    if noted.is_set():
        _stderr(f"done in {_seconds(time.perf_counter() - t0)} s")


# -- formatting ---------------------------------------------------------------------------------------------

def _sci(x: float) -> str:
    """3 significant digits in exponent notation without padding: 8.02e-2, 1.50e0; 0, inf, nan as words."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(float(x))
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _g3(x: float) -> str:
    """3 significant digits, fixed or exponent notation as shorter (0.88, 3.1e-8)."""
    text = f"{x:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def _seconds(t: float) -> str:
    return f"{t:.2f}" if t < 1 else f"{t:.1f}" if t < 100 else f"{t:.0f}"


def format_tau_line(res, elapsed_s: float) -> str:
    """One readable line for a TauResult: ``tau_pop_coh ∈ [8.02e-2, 8.02e-2] impossible (certified, relative
    0.88) 0.12 s``; an inconclusive result ends with the reason (``TauResult.explain``)."""
    notes = ["certified" if res.certified else f"not certified, {res.status}"]
    rel = [float(r) for r in res.relative]
    if all(math.isfinite(r) for r in rel):
        a, b = _g3(rel[0]), _g3(rel[1])
        notes.append(f"relative {a}" if a == b else f"relative [{a}, {b}]")
    verdict = res.verdict()
    line = (f"{res.quantity} ∈ [{_sci(res.lower)}, {_sci(res.upper)}] {verdict} ({', '.join(notes)}) "
            f"{_seconds(elapsed_s)} s")
    if verdict == "inconclusive":
        line += f": {_one_line(res.explain().removeprefix('inconclusive: '))}"
    return line


def _listed(values, limit: int = 12) -> str:
    shown = " ".join(_g3(float(v)) for v in values[:limit])
    return shown + (f" … ({len(values)} values; --json for all)" if len(values) > limit else "")


def _ness_block(out: dict, r0: np.ndarray, l2_r0: np.ndarray, rho2: np.ndarray, elapsed_s: float) -> str:
    d = len(out["populations"])
    off = r0 - np.diag(np.diag(r0))
    return "\n".join([
        f"ness: zeroth-order NESS rho0 of the Redfield equation, d = {d}, {_seconds(elapsed_s)} s",
        f"energies (ascending): {_listed(out['energies'])}",
        f"populations of rho0:  {_listed(out['populations'])}",
        f"rho0: largest coherence {_g3(float(np.max(np.abs(off), initial=0.0)))} (computational basis; "
        "diagonal in the energy basis)",
        f"second-order coherences (Eq. 15, energy basis): largest |rho2| {_g3(float(np.max(np.abs(rho2))))} "
        "(times the coupling eps^2)",
        f"L2(rho0): spectral norm {_g3(float(np.linalg.norm(l2_r0, 2)))}, largest element "
        f"{_g3(float(np.max(np.abs(l2_r0))))} (--json prints rho0 and L2_rho0 in full)",
    ]) + "\n"


# -- sub-commands -------------------------------------------------------------------------------------------

def _run_ness(args, parser) -> tuple[int, dict, str]:
    t0 = time.perf_counter()
    problem = _Problem(args, parser)
    if not problem.system_mode:
        _check_size("ness", problem.input, parser)
    with problem.computing("the zeroth-order NESS"):
        red = problem.redfield
        r0 = rho0(red)
        l2_r0 = l2(red, r0)
        out = problem.describe({})
        out.update({"energies": red.energies.tolist(), "populations": populations(red).tolist(),
                    "rho0": matrix_to_json(r0), "L2_rho0": matrix_to_json(l2_r0)})
        rho2 = second_order_coherences(red) if not args.json else None
    out["elapsed_s"] = time.perf_counter() - t0
    text = None if args.json else _ness_block(out, r0, l2_r0, rho2, out["elapsed_s"])
    return EXIT_OK, out, text


def _site_groups(tokens: list[str], parser) -> tuple[tuple[int, ...], ...]:
    """``--blocks 0,1 2`` (or ``'0,1 2'``) for a user's system: groups of site indices."""
    groups = []
    for token in " ".join(tokens).split():
        try:
            groups.append(tuple(int(s) for s in token.split(",")))
        except ValueError:
            _invalid(parser, f"for --system, groups of site indices such as '0,1 2', got {' '.join(tokens)!r}",
                     "--blocks")
    return tuple(groups)


def _run_tau(args, parser) -> tuple[int, dict, str]:
    t0 = time.perf_counter()
    popcoh = args.quantity == "popcoh"
    if popcoh and args.free_trace and args.trace is not None:
        _invalid(parser, "not with --free-trace (the trace is then free)", "--trace")
    problem = _Problem(args, parser)
    trace = 1.0 if args.trace is None else args.trace
    if problem.system_mode:
        blocks = None if args.blocks is None else _site_groups(args.blocks, parser)
    else:
        blocks = "left,right" if args.blocks is None else ",".join(args.blocks)
        try:
            paper_blocks(problem.input, blocks)  # by name: "left" may leave the right bath without a block
        except ValueError as err:
            _invalid(parser, str(err), "--blocks")
        _check_size(args.quantity, problem.input, parser, blocks)
    with problem.computing("tau_pop_coh" if popcoh else "tau_pop"):
        if popcoh:
            res = tau_pop_coh(problem.input, blocks, norm=args.norm, target=args.target, trace=trace,
                              free_trace=args.free_trace, solver=args.solver)
        else:
            res = tau_pop(problem.input, blocks, trace=trace, solver=args.solver, eigenbasis=args.eigenbasis)
        out = res.to_dict()
        if res.quantity == "tau_pop":
            out["lemma1_bound"] = lemma1_bound(res)
    problem.describe(out)
    out["ok"] = res.ok
    out["elapsed_s"] = time.perf_counter() - t0
    decided = res.verdict(DELTA_TOL) in ("impossible", "possible")
    text = None if args.json else format_tau_line(res, out["elapsed_s"]) + "\n"
    return (EXIT_OK if decided else EXIT_UNDECIDED), out, text


# -- main ---------------------------------------------------------------------------------------------------

_ASCII = str.maketrans({"∈": "in", "…": "...", "‖": "||"})


def _encodable(text: str, stream) -> str:
    """``text`` as ``stream`` can encode it: ASCII stand-ins for the few symbols used (an ASCII locale)."""
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = text.translate(_ASCII).encode("ascii", "replace").decode("ascii")
    return text


def _main(argv) -> tuple[int, str]:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Warnings raised on the way to an invalid-input exit (overflow in the rates, …) would break its one
    # line: they are held back and shown only when the sub-command succeeds.
    with warnings.catch_warnings(record=True) as caught:
        try:
            code, out, text = args.handler(args, args.subparser)
        except _Failed as err:
            _stderr(f"{args.subparser.prog}: error: {err}")
            return EXIT_UNDECIDED, ""
    for w in caught:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)
    if args.json:
        text = json.dumps(out) + "\n"
    return code, text


def _silence_stdout() -> None:
    """Point stdout at devnull so that the flush at interpreter exit does not fail again (the Python docs'
    advice for SIGPIPE, signal module); in-process (no file descriptor) there is nothing to do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        pass


def main(argv=None) -> int:
    """Run the CLI; returns the exit status (usage errors leave through ``SystemExit``, as in argparse).

    ``EXIT_STATUS_HELP`` lists the statuses: 0 only for a result; SIGINT, a closed or full stdout and a
    vanished reader end in one line on stderr (none for the vanished reader) and no traceback.
    """
    if sys.stdout is None:  # started with stdout closed (``>&-``): Python then has no sys.stdout
        _stderr("lindblad-sdp: error: stdout is closed; nothing to write the result to")
        return EXIT_OUTPUT
    try:
        code, text = _main(argv)
    except KeyboardInterrupt:
        _stderr("lindblad-sdp: interrupted")
        return EXIT_INTERRUPTED
    try:
        sys.stdout.write(_encodable(text, sys.stdout))
        sys.stdout.flush()  # a closed pipe or a full disk shows up here rather than at interpreter exit
    except KeyboardInterrupt:
        _stderr("lindblad-sdp: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except (OSError, ValueError) as err:  # ValueError: a closed file object
        _silence_stdout()
        reason = getattr(err, "strerror", None) or str(err)
        _stderr(f"lindblad-sdp: error: cannot write the result to stdout: {reason}")
        return EXIT_OUTPUT
    return code


if __name__ == "__main__":
    raise SystemExit(main())
