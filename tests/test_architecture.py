"""The house: imports run one way, down, and the remaining circles only shrink.

The layer contracts themselves live in ``pyproject.toml`` and are checked by
``lint-imports`` (import-linter) in CI; this test reads the same import graph
(grimp, import-linter's own) at module level, counting imports inside functions
and under ``TYPE_CHECKING``, and holds the import circles to the list below.
A circle that is broken must be taken off the list; a new one fails.
"""

from __future__ import annotations

import grimp
import networkx as nx

#: Circles between modules that are still to be broken, each inside one layer.
KNOWN_CIRCLES = {
    frozenset({"routing.engine.privacy", "routing.engine.state", "routing.relay"}),
}


def _circles() -> set[frozenset[str]]:
    graph = grimp.build_graph("routing")
    g = nx.DiGraph()
    for module in graph.modules:
        g.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    return {frozenset(c) for c in nx.strongly_connected_components(g) if len(c) > 1}


def test_no_new_import_circle() -> None:
    assert _circles() <= KNOWN_CIRCLES


def test_the_list_of_circles_is_up_to_date() -> None:
    """A circle that was broken comes off the list, so the list only shrinks."""
    assert _circles() >= KNOWN_CIRCLES


def test_no_circle_crosses_a_layer() -> None:
    layer = {
        "routing.model": "hierarchy",
        "routing.relay": "engine",
    }
    for circle in _circles():
        kinds = {layer.get(m, m.split(".")[1]) for m in circle}
        assert len(kinds) == 1, sorted(circle)
