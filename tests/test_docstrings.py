"""Every public name of ``lindblad_core`` is documented in numpydoc form, and its Examples run (doctest)."""

import doctest
import inspect

import pytest

import lindblad_core as lc

PUBLIC = [name for name in lc.__all__ if callable(getattr(lc, name))]
# Studies entry points a user calls directly (sweeps of their own system).
STUDIES = ["lindblad_core.studies.sweeps.run_sweep", "lindblad_core.studies.sweeps.grid",
           "lindblad_core.studies.system_spec.SystemSpec"]


def _object(path: str):
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


OBJECTS = [(name, getattr(lc, name)) for name in PUBLIC] + [(p, _object(p)) for p in STUDIES]


@pytest.mark.parametrize("name, obj", OBJECTS, ids=[n for n, _ in OBJECTS])
def test_numpydoc_sections(name, obj):
    doc = inspect.getdoc(obj) or ""
    def has(section):
        return f"{section}\n{'-' * len(section)}" in doc

    # a class documents how it is made (Parameters) or, for a result, what it holds (Attributes)
    missing = [s for s in ["Examples"] + ([] if inspect.isclass(obj) else ["Parameters", "Returns"]) if not has(s)]
    if inspect.isclass(obj) and not (has("Parameters") or has("Attributes")):
        missing.append("Parameters or Attributes")
    assert not missing, f"{name}: docstring lacks {missing}"


@pytest.mark.parametrize("name, obj", OBJECTS, ids=[n for n, _ in OBJECTS])
def test_examples_run(name, obj):
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    module = inspect.getmodule(obj)
    tests = [t for t in finder.find(obj, name, module=module, globs=dict(vars(module))) if t.examples]
    assert tests, f"{name} has no runnable example"
    for t in tests:
        runner.run(t)
    assert runner.failures == 0, f"{name}: {runner.failures} example(s) failed (run with -s to see them)"
