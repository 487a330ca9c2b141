"""The package's structure (lindblad_core/__init__.py): the import graph of its modules has no cycle, every module
imports only its own subpackage or the layers below it, nothing imports the command-line interface, and no module
grows past the size a reader can hold."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lindblad_core"

# Layer of each top-level module or subpackage, bottom (0) to top; a new one must be placed here.
LAYERS = {
    "_version": 0, "paths": 0, "solvers": 0,
    "systems": 1,
    "redfield_equation": 2,
    "lindblad": 3,
    "certify": 4,
    "sdp": 5,
    "studies": 6,
    "cli": 7, "notebooks_runner": 7,
    "__main__": 8, "__init__": 8,
}
MAX_LINES = 600  # a module longer than this is split by concept


def _name(path: Path) -> str:
    """Dotted module name: ``sdp.pop`` for lindblad_core/sdp/pop.py, ``sdp`` for lindblad_core/sdp/__init__.py."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The module of the package that ``lindblad_core.<name>`` (a module or a name inside one) refers to."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[str]:
    """The modules of the package that ``module`` imports, at any depth in the file (functions included)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if package else ""
                full = ".".join(x for x in (base, node.module) if x)
            elif node.module and (node.module == "lindblad_core" or node.module.startswith("lindblad_core.")):
                full = node.module.partition(".")[2]
            else:
                continue
            for alias in node.names:
                target = _resolve(".".join(x for x in (full, alias.name) if x))
                if target:
                    out.add(target)
                elif full and _resolve(full):
                    out.add(_resolve(full))
                elif not full:
                    out.add("__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lindblad_core."):
                    target = _resolve(alias.name.partition(".")[2])
                    if target:
                        out.add(target)
    out.discard(module)
    return out


GRAPH = {m: _imports(m) for m in MODULES}


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def test_every_module_has_a_layer():
    missing = {m.split(".")[0] for m in MODULES} - set(LAYERS)
    assert not missing, f"place these in LAYERS: {sorted(missing)}"


def test_the_import_graph_has_no_cycle():
    """Depth-first search over every import of every module (within subpackages too)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(m: str, path: list[str]):
        state[m] = 1
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                cycle = path[path.index(n):] + [n]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [m])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_imports_only_its_subpackage_or_layers_below(module):
    above = {m for m in GRAPH[module] if _layer(m) > _layer(module)}
    assert not above, f"{module} (layer {_layer(module)}) imports higher layers: {sorted(above)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "__main__" and m.split(".")[0] != "cli"))
def test_nothing_imports_the_cli(module):
    assert not {m for m in GRAPH[module] if m.split(".")[0] == "cli"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_size(module):
    n = len(MODULES[module].read_text().splitlines())
    assert n <= MAX_LINES, f"{module} has {n} lines (at most {MAX_LINES}): split it by concept"


def test_the_graph_sees_relative_absolute_and_nested_imports():
    """The checks above are only as good as the graph: known edges of each import form are present."""
    assert "systems.open_system" in GRAPH["systems.chain"]  # absolute, at the top
    assert "sdp.pop_basis" in GRAPH["sdp.pop"]  # absolute, one name
    assert "studies.variants" in GRAPH["cli"] and "cli.flags" in GRAPH["cli"]
    assert {"systems.chain", "redfield_equation"} <= GRAPH["__init__"]
