"""The rule tables in docs/ point at tests that exist, and cover every rule ID.

docs/rules.md and docs/routing-path.md say which test proves each rule
(defined in docs/rules.md). A renamed or deleted test would leave them pointing at nothing;
this catches it.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("rules.md", "routing-path.md")
RULE_IDS = (
    [f"R{i}" for i in range(1, 9)]
    + [f"P{i}" for i in range(1, 8)]
    + [f"S{i}" for i in range(1, 7)]
    + [f"T{i}" for i in range(1, 4)]
    + [f"G{i}" for i in range(1, 6)]
    + [f"H{i}" for i in range(1, 11)]
)
# `tests/test_x.py::test_name` or `test_x.py::test_name*`, then any further
# `, test_other` names in the same cell belong to the same file.
REF = re.compile(r"`(?:tests/)?(test_[a-z_]+\.py)::(test_[A-Za-z0-9_*]+)`")
MORE = re.compile(r"^,\s*`(test_[A-Za-z0-9_*]+)`")


def functions_in(file: str) -> set[str]:
    tree = ast.parse((ROOT / "tests" / file).read_text("utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def references(doc: str) -> list[tuple[str, str]]:
    text = (ROOT / "docs" / doc).read_text("utf-8")
    refs = []
    for m in REF.finditer(text):
        file = m.group(1)
        refs.append((file, m.group(2)))
        rest = text[m.end() :]
        while more := MORE.match(rest):
            refs.append((file, more.group(1)))
            rest = rest[more.end() :]
    return refs


@pytest.mark.parametrize("doc", DOCS)
def test_every_referenced_test_exists(doc: str) -> None:
    refs = references(doc)
    assert refs, f"{doc} references no tests"
    missing = [
        f"{file}::{pattern}"
        for file, pattern in refs
        if not fnmatch.filter(functions_in(file), pattern)
    ]
    assert missing == []


def test_rules_md_covers_every_rule_id() -> None:
    text = (ROOT / "docs" / "rules.md").read_text("utf-8")
    rows = set(re.findall(r"^\| ([RPSTGH]\d+) \|", text, re.M))
    assert rows == set(RULE_IDS)


def test_every_referenced_method_exists() -> None:
    """`Class.member` references in the rule tables name real code, so moving a
    method leaves no stale pointer behind."""
    from routing import Hierarchy, Relay, RelayConfig, Step
    from routing.engine.followup import FollowUp
    from routing.engine.origins import Origins
    from routing.engine.router import Router
    from routing.engine.screening import Screening
    from routing.engine.steps import Steps
    from routing.engine.tables import Tables

    owners: dict[str, object] = {
        "Relay": Relay,
        "Router": Router,
        "Origins": Origins,
        "Steps": Steps,
        "Screening": Screening,
        "FollowUp": FollowUp,
        "Tables": Tables,
        "Hierarchy": Hierarchy,
        "Step": Step,
        "RelayConfig": RelayConfig,
    }
    missing = []
    checked = 0
    for doc in DOCS:
        text = (ROOT / "docs" / doc).read_text("utf-8")
        for m in re.finditer(r"`(?:[a-z_]+\.)?([A-Z][A-Za-z]+)\.([A-Za-z_]+)`", text):
            owner = owners.get(m.group(1))
            if owner is None:
                continue
            checked += 1
            if not hasattr(owner, m.group(2)):
                missing.append(f"{doc}: {m.group(0)}")
    assert checked >= 20, "the tables should name the code that implements each rule"
    assert missing == []
