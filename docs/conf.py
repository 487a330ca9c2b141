"""Sphinx configuration of the lindblad-sdp documentation.

Build (warnings are errors, cross-references checked): ``scripts/build_docs.sh``. Nothing here executes a
notebook (``nb_execution_mode = "off"``: the notebooks of ``notebooks/`` are rendered from their stored
outputs, through the symbolic link ``docs/notebooks``) or touches the network (no intersphinx).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import lindblad_core  # noqa: E402  (installed in the environment, editable)

project = "lindblad-sdp"
author = "the lindblad-sdp developers"
copyright = "2026, the lindblad-sdp developers"
release = lindblad_core.__version__
version = release

extensions = [
    "myst_nb",  # Markdown pages (myst-parser) and notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "public_api",  # docs/_ext/public_api.py: the reference of lindblad_core.__all__
]

source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "notebooks/README.md", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# -- notebooks: stored outputs, never executed -------------------------------------------------------------
nb_execution_mode = "off"
nb_merge_streams = True
# The stored notebooks write to stderr only the blank line a finished progress bar (tqdm) leaves behind.
nb_output_stderr = "remove"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- API reference -------------------------------------------------------------------------------------------
autosummary_generate = False  # the reference page lists and documents everything itself (no stub files)
# The summaries end at the first sentence; "Eq. (29)" and the like do not end one.
import sphinx.ext.autosummary as _autosummary  # noqa: E402

_autosummary.WELL_KNOWN_ABBREVIATIONS = (*_autosummary.WELL_KNOWN_ABBREVIATIONS, "Eq.", "Eqs.", "Sec.", "Secs.",
                                         "App.", "Fig.", "Figs.")
autodoc_typehints = "none"  # the numpydoc sections carry the types
autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "__init__, __new__"}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# -- cross-references: every one must resolve --------------------------------------------------------------
nitpicky = True
# The public docstrings also point at the library's internals, which this reference does not document:
# private names (a leading underscore) and the internal helpers below, matched by their last component so that
# moving them between submodules needs no change here. Public names are resolved by `_public_alias`.
_INTERNAL = ("EnergyBasis", "energies", "eigenvectors", "as_bosonic_bath", "hermitian_coefficients",
             "stationary_populations", "published_hamiltonian", "all_sites_redfield", "traceless_hermitian_basis",
             "solve_hermitian_lmi", "solve_with_certificates", "site_charges")
nitpick_ignore_regex = [
    (r"py:.*", r"(.+\.)?_[A-Za-z]\w*"),
    (r"py:.*", rf"(.+\.)?({'|'.join(_INTERNAL)})"),
]

# -- HTML ------------------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"lindblad-sdp {release}"
html_static_path = ["_static"]
html_show_sourcelink = False


# -- docstrings written as plain text -------------------------------------------------------------------------
_VERBATIM = re.compile(r"(``.+?``|:[\w:+-]+:`[^`]*`|`[^`]*`_?)")
_BAR = re.compile(r"(?<!\\)\|")  # a bar not yet escaped


def _escape_bars(app, what, name, obj, options, lines):
    """Escape the bars of |E_a><E_a|, |value| in docstrings, which reStructuredText would read as substitution
    references: outside literals and roles, literal and math blocks, and doctest blocks."""
    block_indent, doctest = None, False
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue
            block_indent = None
        doctest = bool(line.strip()) and (doctest or line.lstrip().startswith(">>>"))
        if doctest:
            continue
        if line.rstrip().endswith("::"):
            block_indent = indent
        parts = _VERBATIM.split(line)
        lines[i] = "".join(p if k % 2 else _BAR.sub(r"\\|", p) for k, p in enumerate(parts))


def _python_object(target: str, module: str | None):
    """The object a reference names: a dotted path from ``lindblad_core``, or a name in the referring module."""
    import importlib

    for dotted in ([f"{module}.{target}"] if module else []) + [target]:
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            try:
                for attr in parts[i:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                break
            return obj
    return None


def _public_alias(app, env, node, contnode):
    """Resolve a reference to a public object by the name it is documented under: the docstrings name
    submodules (``lindblad_core.redfield_equation.rate_matrix``) where the reference documents
    ``lindblad_core.rate_matrix``. A reference to an object of the package that this reference does not document
    (an internal helper) is shown as code without a link; a reference to nothing that exists still warns."""
    if node.get("refdomain") != "py":
        return None
    last = node["reftarget"].rsplit(".", 1)[-1]
    domain = env.get_domain("py")
    candidates = [f"lindblad_core.{last}"] + sorted(full for full in domain.objects
                                                     if full.startswith("lindblad_core.") and full.endswith(f".{last}"))
    for full in candidates:
        entry = domain.objects.get(full)
        if entry is not None and not entry.aliased and entry.objtype in ("class", "function"):
            from sphinx.util.nodes import make_refnode

            return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, full)
    source = node.source or ""  # "…:docstring of lindblad_core.systems.chain.ChainSetup": the defining module
    owner = source.partition("docstring of ")[2].strip()
    modules = [owner.rsplit(".", k)[0] for k in (1, 2)] if owner else []
    obj = None
    for module in modules + [node.get("py:module")]:
        obj = obj or _python_object(node["reftarget"].lstrip("~."), module)
    if obj is not None and getattr(obj, "__module__", getattr(obj, "__name__", "")).startswith("lindblad_core"):
        return contnode
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _escape_bars, priority=600)  # after numpydoc (500), which adds text
    app.connect("missing-reference", _public_alias)
