"""The access-review package's modules import one another one way: no module reaches back."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import graph_emulator.resources.access_reviews as package

PACKAGE = Path(package.__file__).parent


def internal_imports(path: Path) -> set[str]:
    """Sibling modules ``path`` imports, including those imported only for type checking."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_the_package_has_no_import_cycle() -> None:
    graph = {path.stem: internal_imports(path) for path in PACKAGE.glob("*.py")}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # name the cycle in the failure
        raise AssertionError(f"import cycle: {exc.args[1]}") from exc
    assert order.index("store") < order.index("lifecycle") < order.index("backend")
