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

import os
import sys
import time
import warnings

from lindblad_core.cli.errors import (EXIT_BROKEN_PIPE, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, EXIT_OUTPUT,
                                      EXIT_STATUS_HELP, EXIT_UNDECIDED, _Failed, _invalid, flag_for_message)
from lindblad_core.cli.flags import build_parser
from lindblad_core.cli.output import PROGRESS_AFTER_S, _encodable, _ness_block, _stderr, format_tau_line, strict_json
from lindblad_core.cli.size_guard import MEMORY_LIMIT_BYTES, _check_size, estimated_bytes, largest_accepted_qubits
from lindblad_core.cli.system_input import _Problem, load_system_function, matrix_to_json, parse_param_value
from lindblad_core.lindblad.ansatz import paper_blocks
from lindblad_core.redfield_equation import l2, populations, rho0, second_order_coherences
from lindblad_core.sdp import DELTA_TOL, lemma1_bound
from lindblad_core.studies.variants import tau_pop, tau_pop_coh

__all__ = ["main", "build_parser", "matrix_to_json", "flag_for_message", "estimated_bytes",
           "largest_accepted_qubits", "parse_param_value", "load_system_function", "format_tau_line",
           "MEMORY_LIMIT_BYTES", "PROGRESS_AFTER_S", "EXIT_OK", "EXIT_ERROR", "EXIT_INVALID", "EXIT_UNDECIDED",
           "EXIT_OUTPUT", "EXIT_INTERRUPTED", "EXIT_BROKEN_PIPE", "EXIT_STATUS_HELP"]


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
        # τ^pop,coh's interior-point method works on subspaces of the sectors for the spectral norm, fixed trace
        _check_size(args.quantity, problem.input, parser, blocks,
                    subspace=not popcoh or (args.norm == "spectral" and not args.free_trace))
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



_COMMANDS = {"ness": _run_ness, "tau": _run_tau}  # what each sub-command of build_parser() runs


def _main(argv) -> tuple[int, str]:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Warnings raised on the way to an invalid-input exit (overflow in the rates, …) would break its one
    # line: they are held back and shown only when the sub-command succeeds.
    with warnings.catch_warnings(record=True) as caught:
        try:
            code, out, text = _COMMANDS[args.command](args, args.subparser)
        except _Failed as err:
            _stderr(f"{args.subparser.prog}: error: {err}")
            return EXIT_UNDECIDED, ""
    for w in caught:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)
    if args.json:
        text = strict_json(out) + "\n"
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
