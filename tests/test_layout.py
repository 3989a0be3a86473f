"""The package's layout: no module imports another that imports it back, lazily or not."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "filmcolor"


def _imports(path: Path) -> set[str]:
    """The package's modules that `path` imports anywhere in it (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("filmcolor."):
            found.add(node.module.split(".")[1])
    return {m.split(".")[0] for m in found} & {p.stem for p in PACKAGE.glob("*.py")}


def test_no_import_cycles():
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
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
    assert {"render", "renderer", "segments", "cluster"} <= set(graph) and "render" not in graph["cluster"]
