"""The package's layout: no module imports another that imports it back, lazily or not, in any
subpackage."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "filmcolor"


def _name(path: Path) -> str:
    """The dotted name of the module at `path`: a package's `__init__.py` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    """The package's modules that `path` imports anywhere in it (inside functions too)."""
    here = _name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + (node.module.split(".") if node.module else []))
            for alias in node.names:
                # `from P import m` names a module m of P where there is one, else a name in P
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found & set(MODULES)


def test_no_import_cycles():
    graph = {name: _imports(path) for name, path in MODULES.items()}
    done, path = set(), []

    def visit(module):
        if module in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(module) :] + [module]))
        if module in done:
            return
        path.append(module)
        for dep in sorted(graph[module]):
            visit(dep)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
    assert {"filmcolor.guidance.carry", "filmcolor.media.reader", "filmcolor.training.train"} <= set(graph)
    assert {"filmcolor.render", "filmcolor.renderer", "filmcolor.studio.engine"} <= set(graph)
    assert "filmcolor.guidance.keyframe_mode" in graph["filmcolor.studio.engine"]  # imported where it is used
    assert "filmcolor.render" not in graph["filmcolor.cluster"]
