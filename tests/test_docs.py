"""The tutorial's code runs: its ```python blocks execute in order, in one namespace.

A tutorial that no longer runs teaches the wrong thing, so it is tested like code.
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"

_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def python_blocks(page: Path) -> list[str]:
    return _BLOCK.findall(page.read_text(encoding="utf-8"))


def test_the_tutorial_has_code() -> None:
    assert len(python_blocks(DOCS / "tutorial.md")) >= 5


def test_G1_G2_tutorial_blocks_run_in_order() -> None:
    namespace: dict[str, object] = {"__name__": "tutorial"}
    out = io.StringIO()
    for number, block in enumerate(python_blocks(DOCS / "tutorial.md"), start=1):
        code = compile(block, f"docs/tutorial.md, python block {number}", "exec")
        with redirect_stdout(out):
            exec(code, namespace)
    printed = out.getvalue()
    # What the tutorial says the code prints, it prints.
    assert "[T1] only the telefoonbeheerder of 'Stuurgroep Zoomwijck' may add members" in printed
    assert "'Wijkgroep Zoomwijck' has 60 residents; a split needs more than 80" in printed
    assert "92/100 ⚠ nearly full" in printed


def test_the_tutorial_shows_the_trees_the_code_draws() -> None:
    """The ```text blocks after a print are the real output (up to the console width)."""
    page = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "tutorial"}
    out = io.StringIO()
    with redirect_stdout(out):
        for block in python_blocks(DOCS / "tutorial.md"):
            exec(block, namespace)
    printed = out.getvalue()
    shown = re.findall(r"^```text\n(.*?)^```$", page, re.MULTILINE | re.DOTALL)
    assert shown
    for tree in shown:
        assert tree.rstrip("\n") in printed


@pytest.mark.parametrize(
    "page", ["index.md", "tutorial.md", "glossary.md", "configuration.md"], ids=str
)
def test_doc_links_point_to_existing_pages(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", text):
        assert (DOCS / target).exists(), f"{page} links to missing {target}"


def test_index_links_the_pages_of_this_set() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in ("tutorial.md", "glossary.md", "configuration.md"):
        assert f"({page})" in index


def test_every_doc_page_is_linked_from_the_index() -> None:
    """A page nobody can find from docs/index.md might as well not exist."""
    docs = Path(__file__).resolve().parent.parent / "docs"
    index = (docs / "index.md").read_text("utf-8")
    unlinked = [
        p.name
        for p in sorted(docs.glob("*.md"))
        if p.name != "index.md" and f"({p.name})" not in index
    ]
    assert unlinked == []
