"""The house: imports run one way, down, with no circle; modules stay readable.

The layer contracts themselves live in ``pyproject.toml`` and are checked by
``lint-imports`` (import-linter) in CI; this test reads the same import graph
(grimp, import-linter's own) at module level, counting imports inside functions
and under ``TYPE_CHECKING``, and finds no circle in it. It also holds two house
rules that no linter checks as they stand: no module imports another module's
``_underscore`` names (ruff's ``SLF001`` covers attribute reads), and no module
grows past 600 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import networkx as nx
import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "routing"
MODULES = sorted(SRC.rglob("*.py"))
MAX_LINES = 600


def _circles() -> set[frozenset[str]]:
    graph = grimp.build_graph("routing")
    g = nx.DiGraph()
    for module in graph.modules:
        g.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    return {frozenset(c) for c in nx.strongly_connected_components(g) if len(c) > 1}


def test_no_import_circle() -> None:
    assert _circles() == set()


def _private_imports(path: Path) -> list[str]:
    """Lines of ``path`` that import another module's private name (dunders aside)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not name.startswith("__"):
                    found.append(f"{path.name}:{node.lineno}: {name}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_imports_another_modules_private_names(path: Path) -> None:
    assert _private_imports(path) == []


def test_the_private_import_check_can_fail(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from .outputs import _builder, Output\nimport os\n", encoding="utf-8")
    assert _private_imports(probe) == ["probe.py:1: _builder"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_over_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SRC)} has {lines} lines"
