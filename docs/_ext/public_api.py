"""Sphinx directive ``lindblad-public-api``: the API reference of ``lindblad_core`` generated at build time.

The page lists what ``lindblad_core.__all__`` exports (an autosummary table, then autodoc for each name,
referenced as ``lindblad_core.<name>`` so that it does not depend on the submodule that defines it), and the
result types those functions return (``RESULT_TYPES``, found by class name in whichever submodule defines them).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

log = logging.getLogger(__name__)

PACKAGE = "lindblad_core"
# Classes that the public functions return (tau_pop -> TauResult, TauResult.candidate -> LindbladCandidate,
# best_lindbladian -> BestLindbladian),
# documented under the submodule that defines them unless lindblad_core exports them.
RESULT_TYPES = ("TauResult", "LindbladCandidate", "BestLindbladian")


def _public_names(package) -> list[str]:
    return [n for n in package.__all__ if not (n.startswith("__") and n.endswith("__"))]


def _target(package, name: str) -> tuple[str, str]:
    """(autodoc directive, dotted name) for one exported name."""
    obj = getattr(package, name)
    dotted = f"{PACKAGE}.{name}"
    if inspect.ismodule(obj):  # a module exported as a callable (its function of the same name)
        if callable(getattr(obj, name, None)):
            return "autofunction", f"{obj.__name__}.{name}"
        return "automodule", obj.__name__
    if inspect.isclass(obj):
        return "autoclass", dotted
    if callable(obj):
        return "autofunction", dotted
    return "autodata", dotted


def _defining_module(class_name: str) -> str | None:
    """The submodule of ``PACKAGE`` in which ``class_name`` is defined (not merely imported)."""
    package = importlib.import_module(PACKAGE)
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{PACKAGE}."):
        if info.name.rsplit(".", 1)[-1] in ("cli", "notebooks_runner", "__main__"):
            continue  # front ends: imported by nothing, not part of the API
        module = importlib.import_module(info.name)
        obj = getattr(module, class_name, None)
        if inspect.isclass(obj) and obj.__module__ == info.name:
            return info.name
    return None


class PublicApi(SphinxDirective):
    has_content = False

    def run(self):
        package = importlib.import_module(PACKAGE)
        names = _public_names(package)
        entries = [(name, *_target(package, name)) for name in names]
        classes = sorted((e for e in entries if e[1] == "autoclass"), key=lambda e: e[0].lower())
        others = sorted((e for e in entries if e[1] != "autoclass"), key=lambda e: e[0].lower())
        results = []
        for class_name in RESULT_TYPES:
            if class_name in names:  # exported: documented with the classes above
                continue
            module = _defining_module(class_name)
            if module is None:
                log.warning(f"public-api: no submodule of {PACKAGE} defines {class_name}", location=self.get_location())
                continue
            results.append((class_name, "autoclass", f"{module}.{class_name}"))

        lines = [f"Everything ``{PACKAGE}.__all__`` exports ({len(names)} names), then the types they return.", ""]
        for title, group in (("Classes", classes), ("Functions", others), ("Result types", results)):
            if not group:
                continue
            lines += [title, "-" * len(title), "", ".. autosummary::", ""]
            lines += [f"   {dotted}" for _, _, dotted in group]
            lines += [""]
            for _, directive, dotted in group:
                lines += [f".. {directive}:: {dotted}"]
                if directive == "autoclass":
                    lines += ["   :members:", "   :inherited-members:"]
                lines += [""]
        holder = nodes.section()
        holder.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source=f"<{PACKAGE} public API>"), holder)
        return holder.children


def setup(app):
    app.add_directive("lindblad-public-api", PublicApi)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
