"""The system a command runs on: the paper's chain from its flags, or the user's function from ``--system FILE.py:FUNC``
and ``--param NAME=VALUE``; library errors turned into one-line exits naming the flag."""

from __future__ import annotations

import inspect
import os
import warnings
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

import numpy as np
from lindblad_core.cli.errors import (_cli_wording, _Failed, _failure_text, _FAILURES, _invalid, _param_for_message,
                                      flag_for_message)
from lindblad_core.cli.flags import _CHAIN_DEFAULTS, _REQUIRED_CHAIN
from lindblad_core.cli.output import _progress
from lindblad_core.redfield_equation import populations, redfield
from lindblad_core.studies.system_spec import load_factory, on_path
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.open_system import OpenSystem

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
