r"""A user's open system as a serialisable record: a factory function and its parameters.

A sweep point, a cache key and the command line need a description of a system that can be written down, compared
and hashed; an :class:`~lindblad_core.systems.open_system.OpenSystem` holds arrays and callables. A
:class:`SystemSpec` names the function that builds the system (``"my_model.py:build"`` — a Python file — or
``"package.module:build"`` — an importable module) and its keyword arguments (numbers, strings, booleans, or tuples
of them). :meth:`SystemSpec.build` calls it; :attr:`SystemSpec.code_hash` is a hash of the factory's source file,
so that a sweep's cache never serves a number computed by an older version of the user's model.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import importlib.util
import inspect
import numbers
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lindblad_core.systems.open_system import OpenSystem

__all__ = ["SystemSpec", "load_factory", "on_path"]

# Systems built from the most recently used specs (a sweep point asks for its system once per quantity).
_BUILT_CACHE_SIZE = 8


def _split(factory: str) -> tuple[str, str]:
    where, sep, name = str(factory).rpartition(":")
    if not sep or not where or not name.isidentifier():
        raise ValueError(f"factory must be 'FILE.py:FUNCTION' or 'module:FUNCTION', got factory={factory!r}")
    return where, name


@contextlib.contextmanager
def on_path(folder: str):
    """``folder`` first on ``sys.path`` inside the block (a user's file importing its neighbours)."""
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:
            pass


@functools.lru_cache(maxsize=32)
def _file_module(path: Path, mtime_ns: int):
    """The module of a user's Python file (imported again when the file changes)."""
    name = "lindblad_user_" + re.sub(r"\W", "_", path.stem) + "_" + hashlib.sha256(str(path).encode()).hexdigest()[:8]
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling in the file look their module up there
    try:
        with on_path(str(path.parent)):
            spec.loader.exec_module(module)
    except Exception as err:  # noqa: BLE001 - anything the user's file raises is an error of that file
        sys.modules.pop(name, None)
        raise ValueError(f"factory: importing {path} failed: {type(err).__name__}: {err}") from None
    return module


def load_factory(factory: str):
    """The function named by ``factory`` ("FILE.py:FUNCTION" or "module:FUNCTION"). A ValueError with a one-line
    reason (naming ``factory``) for a malformed name, a missing file, a file that fails to import or a missing
    function (listing the file's functions)."""
    where, name = _split(factory)
    if where.endswith(".py"):
        path = Path(where).expanduser().resolve()
        if not path.is_file():
            raise ValueError(f"factory: no such file {where!r}" if not path.exists() else f"factory: not a file: {where!r}")
        module = _file_module(path, path.stat().st_mtime_ns)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as err:
            raise ValueError(f"factory: cannot import {where!r} ({err})") from None
    func = getattr(module, name, None)
    if func is None:
        found = sorted(k for k, v in vars(module).items() if inspect.isfunction(v) and v.__module__ == module.__name__)
        raise ValueError(f"factory: {where} has no function {name!r}" + (f" (its functions: {', '.join(found)})" if found else ""))
    if not callable(func):
        raise ValueError(f"factory: {where}:{name} is a {type(func).__name__}, not a function")
    return func


def _source_file(factory: str) -> Path | None:
    where, _ = _split(factory)
    if where.endswith(".py"):
        return Path(where).expanduser()
    origin = getattr(importlib.util.find_spec(where), "origin", None)
    return Path(origin) if origin else None


def _param(name: str, value):
    if isinstance(value, (list, tuple)):
        return tuple(_param(name, v) for v in value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, numbers.Complex):
        return complex(value)
    raise ValueError(f"params: {name} must be a number, string, boolean or a tuple of them (serialisable), "
                     f"got {type(value).__name__}")


@dataclass(frozen=True)
class SystemSpec:
    """A user's open system: ``factory`` (``"FILE.py:FUNCTION"`` or ``"module:FUNCTION"``) called with ``params``.

    Parameters
    ----------
    factory : str
        The function that returns an :class:`~lindblad_core.systems.open_system.OpenSystem`.
    params : dict or sequence of (name, value) pairs
        Its keyword arguments: numbers, strings, booleans or tuples of them. Checked against the function's
        signature when the spec is made.

    Examples
    --------
    >>> spec = SystemSpec("lindblad_core.studies.examples:two_qubits", {"g": 0.2})
    >>> spec.build().dims
    (2, 2)
    >>> spec.replace(g=0.3, beta_hot=0.5).params
    (('beta_hot', 0.5), ('g', 0.3))
    >>> spec.to_dict()
    {'factory': 'lindblad_core.studies.examples:two_qubits', 'g': 0.2}
    """

    factory: str
    params: tuple = field(default_factory=tuple)

    def __post_init__(self):
        _split(self.factory)
        items = self.params.items() if isinstance(self.params, dict) else tuple(self.params)
        params = tuple(sorted((str(k), _param(str(k), v)) for k, v in items))
        object.__setattr__(self, "params", params)
        func = load_factory(self.factory)
        try:
            inspect.signature(func).bind(**dict(params))
        except TypeError as err:
            raise ValueError(f"params: {err} (factory={self.factory!r}, params={dict(params)!r})") from None

    def replace(self, **changes) -> "SystemSpec":
        """The same factory with some parameters changed (the ``grid`` of a sweep varies them)."""
        return SystemSpec(self.factory, {**dict(self.params), **changes})

    def to_dict(self) -> dict:
        """The record stored next to every result: ``factory`` and each parameter as a column."""
        return {"factory": self.factory, **{k: list(v) if isinstance(v, tuple) else v for k, v in self.params}}

    @property
    def code_hash(self) -> str:
        """sha256 of the factory's source file (part of a sweep's cache key)."""
        path = _source_file(self.factory)
        return hashlib.sha256(path.read_bytes()).hexdigest() if path and path.is_file() else ""

    def build(self) -> OpenSystem:
        """Call the factory (once per spec and version of its source); its result must be an OpenSystem."""
        return _built(self, self.code_hash)

    def open_system(self) -> OpenSystem:
        """Alias of :meth:`build`, the interface a :class:`~lindblad_core.systems.chain.ChainSetup` shares."""
        return self.build()


@functools.lru_cache(maxsize=_BUILT_CACHE_SIZE)
def _built(spec: SystemSpec, code_hash: str) -> OpenSystem:
    where = _split(spec.factory)[0]
    folder = str(Path(where).expanduser().resolve().parent) if where.endswith(".py") else None
    with on_path(folder) if folder else contextlib.nullcontext():
        system = load_factory(spec.factory)(**dict(spec.params))
    if not isinstance(system, OpenSystem):
        raise ValueError(f"factory {spec.factory!r} must return an OpenSystem, got {type(system).__name__}")
    return system
