"""Command line: ``lindblad-sdp ness …`` and ``lindblad-sdp tau pop|popcoh …`` (also ``python -m lindblad_core``).

The CLI sits on top of the library and is imported by no library module.

Every sub-command prints one JSON object with ``--json``; matrices are ``{"real": [[…]], "imag": [[…]]}``
in the computational basis.

Exit status
-----------
0
    Success (``tau``: the solver reported "optimal" or the certified interval is tight).
1
    ``tau`` ran, but the result is neither optimal nor certified; or an unexpected error (with its traceback).
2 (``EXIT_INVALID``)
    Invalid input, reported on one line of stderr (no traceback, no warning): a malformed flag, a value the
    library refuses (the message names the flag, read from the parameter name in the library's message,
    never guessed by substring), a degenerate spectrum or a non-unique NESS, or a chain too large for
    ``MEMORY_LIMIT_BYTES`` (refused before anything is allocated).
141 (``EXIT_BROKEN_PIPE``)
    The reader of stdout went away (``lindblad-sdp ness --json | head -c 10``): the status of a process
    killed by SIGPIPE (128 + 13), as ``cat`` or ``yes`` report in the same pipeline, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import warnings
from dataclasses import fields

import numpy as np

from lindblad_core.systems.chain import ChainSetup
from lindblad_core.lindblad.ansatz import paper_blocks
from lindblad_core.redfield_equation import l2, populations, redfield, rho0
from lindblad_core.sdp import NATIVE_SOLVER, NORMS, SOLVERS, lemma1_bound
from lindblad_core.studies.variants import EIGENBASES, TARGETS, tau_pop, tau_pop_coh

__all__ = ["main", "build_parser", "matrix_to_json", "flag_for_message", "estimated_bytes",
           "largest_accepted_qubits", "MEMORY_LIMIT_BYTES", "EXIT_INVALID", "EXIT_BROKEN_PIPE"]

EXIT_INVALID = 2  # argparse's own status for usage errors
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer killed by a closed pipe

# -- size guard ---------------------------------------------------------------------------------------------
# The CLI refuses, before building anything, a chain whose estimated peak memory exceeds this (16 GiB, a
# workstation's memory). The estimate (``estimated_bytes``) adds up the dense arrays each sub-command
# allocates for d = 2^N; neither sub-command builds the d² × d² Redfield superoperator (16 d⁴ bytes, refused
# by the library above ``redfield.SUPEROPERATOR_MAX_DIM``). Checked against peak RSS (``/usr/bin/time``):
#   ness N=9 (1,7,1) bias 0.37: 2.5 GB measured, 3.3 GB estimated; N=9 (4,1,4): 2.6 vs 3.5 GB;
#   ness N=10 (1,8,1) g=0.01: 2.5 GB measured (degenerate Bohr frequencies are merged), 12.3 GB estimated;
#   tau pop N=8 (3,2,3): 0.35 vs 1.6 GB;
#   tau popcoh with the default formulation="conic" (benchmarks/results/speed.md, peak RSS of a child process):
#   N=8 (2,4,2): 0.37 GB measured, 1.5 GB estimated; N=8 (3,2,3): 2.0 vs 4.1 GB; N=10 (2,6,2): 3.8 GB measured
#   (at the start of issue 11's last session: 6.2 GB), 20 GB estimated (refused: the principal-value term assumes
#   all C(2N, N−1) Bohr frequencies distinct; the library itself solves it).
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


def _invalid(parser, message: str, flag: str | None = None):
    """Exit with ``EXIT_INVALID`` and one line on stderr."""
    message = " ".join(str(message).split())
    prefix = f"argument {flag}: " if flag else ""
    parser.exit(EXIT_INVALID, f"{parser.prog}: error: {prefix}{message}\n")


def _invalid_value(parser, err: ValueError):
    _invalid(parser, str(err), flag_for_message(str(err), parser))


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and a record ``flags`` of the flag that sets each field."""

    def __init__(self, *args, **kwargs):
        self.flags: dict[str, str] = {}
        super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        if action.option_strings and action.dest != "help":
            self.flags[action.dest] = action.option_strings[0]
        return action

    def error(self, message):
        _invalid(self, f"{message} (see '{self.prog} -h')")


# -- sub-commands -------------------------------------------------------------------------------------------

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
        _invalid_value(parser, err)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lindblad-sdp", description=__doc__.splitlines()[0])
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
    tau.add_argument("--eigenbasis", choices=EIGENBASES, default="energy",
                     help="tau_pop only: the diagonal of Eq. 28 in the energy basis (default) or in the eigenbasis "
                          "of H' of the published Figs. A1(c)/A2(c) (docs/conventions.md)")
    tau.add_argument("--solver", type=str.upper, choices=(NATIVE_SOLVER,) + SOLVERS, default=None)
    tau.set_defaults(handler=_run_tau, subparser=tau)
    return parser


def _run_ness(args, parser) -> dict:
    setup = setup_from_args(args, parser)
    _check_size("ness", setup, parser)
    try:
        red = redfield(setup)
        r0 = rho0(red)
        return {
            "setup": setup.to_dict(),
            "energies": red.energies.tolist(),
            "populations": populations(red).tolist(),
            "rho0": matrix_to_json(r0),
            "L2_rho0": matrix_to_json(l2(red, r0)),
        }
    except np.linalg.LinAlgError:  # a numerical failure (a ValueError subclass), not invalid input
        raise
    except ValueError as err:  # degenerate spectrum, non-unique NESS, …
        _invalid_value(parser, err)


def _run_tau(args, parser) -> dict:
    setup = setup_from_args(args, parser)
    if args.quantity == "pop" and args.free_trace:
        _invalid(parser, "only for popcoh (tau_pop is scale invariant)", "--free-trace")
    if args.quantity == "popcoh" and args.eigenbasis != "energy":
        _invalid(parser, "only for pop (tau_pop,coh is basis independent)", "--eigenbasis")
    blocks = args.blocks  # by name: "left" may leave the right bath without a Lindblad block
    try:
        paper_blocks(setup, blocks)  # validates the name
    except ValueError as err:
        _invalid_value(parser, err)
    _check_size(args.quantity, setup, parser, blocks)
    try:
        if args.quantity == "pop":
            res = tau_pop(setup, blocks, solver=args.solver, eigenbasis=args.eigenbasis)
        else:
            res = tau_pop_coh(setup, blocks, norm=args.norm, target=args.target, free_trace=args.free_trace,
                              solver=args.solver)
    except np.linalg.LinAlgError:
        raise
    except ValueError as err:
        _invalid_value(parser, err)
    out = res.to_dict()
    out["setup"] = setup.to_dict()
    if res.quantity == "tau_pop":
        out["lemma1_bound"] = lemma1_bound(res)
    out["ok"] = res.ok
    return out


def _main(argv) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Warnings raised on the way to an invalid-input exit (overflow in the rates, …) would break its one
    # line: they are held back and shown only when the sub-command succeeds.
    with warnings.catch_warnings(record=True) as caught:
        out = args.handler(args, args.subparser)
    for w in caught:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)
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


def main(argv=None) -> int:
    """Run the CLI; returns the exit status (usage errors leave through ``SystemExit``, as in argparse)."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows up here rather than at interpreter exit
    except BrokenPipeError:
        # As the Python docs recommend (signal module, "Note on SIGPIPE"): send the rest of the output to
        # devnull so that the flush at interpreter exit does not fail again, and report the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


if __name__ == "__main__":
    raise SystemExit(main())
