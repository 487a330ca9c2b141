"""Exit statuses, one-line errors naming the flag, and the argument parser that reports them."""

from __future__ import annotations

import argparse
import re

import numpy as np
from cvxpy.error import SolverError

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
