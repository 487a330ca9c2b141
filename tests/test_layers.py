"""The library's layers (lindblad_core/__init__.py): every module imports only modules of its own layer or
the layers above it, and nothing imports the command-line interface."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lindblad_core"

# Layer of each module, top (1) to bottom; a new module must be placed here.
LAYERS = {
    "paths": 0, "reference": 0,
    "model": 1, "baths": 1, "system": 1,
    "redfield": 2, "chain": 2,
    "ansatz": 3, "candidate": 3, "master_equations": 3,
    "symmetry": 4, "certificates": 4, "solvers": 4, "conic": 4, "qics_backend": 4, "sdp": 4,
    "sweeps": 5, "paper": 5, "plots": 5,
    "cli": 6, "notebooks_runner": 6, "__main__": 7, "__init__": 7,
}


def _imports(path: Path) -> set[str]:
    """The lindblad_core modules a file imports (relative or absolute, at any depth in the file)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                out.add(node.module.split(".")[0])
            elif node.level == 1:
                out.update(a.name for a in node.names)
            elif node.module and node.module.startswith("lindblad_core."):
                out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("lindblad_core."))
    return out & set(LAYERS)


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))


def test_every_module_has_a_layer():
    assert set(MODULES) <= set(LAYERS), f"place these modules in LAYERS: {set(MODULES) - set(LAYERS)}"


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_only_from_layers_above(module):
    below = {m for m in _imports(PACKAGE / f"{module}.py") if LAYERS[m] > LAYERS[module]}
    assert not below, f"{module} (layer {LAYERS[module]}) imports lower layers: {sorted(below)}"


@pytest.mark.parametrize("module", [m for m in MODULES if m not in ("__main__", "cli")])
def test_nothing_imports_the_cli(module):
    assert "cli" not in _imports(PACKAGE / f"{module}.py")
