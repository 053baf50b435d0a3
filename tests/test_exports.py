"""The public surface is exactly what docs/reference.md documents (trio's test_exports)."""

from __future__ import annotations

import re
from pathlib import Path

import routing

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference.md"


def documented_names() -> list[str]:
    return re.findall(r"^- `([A-Za-z_][A-Za-z0-9_]*)`", REFERENCE.read_text("utf-8"), re.M)


def test_every_public_name_is_documented_once() -> None:
    names = documented_names()
    assert sorted(names) == sorted(set(names)), "a name is documented twice"
    assert set(names) == set(routing.__all__)


def test_every_public_name_exists() -> None:
    missing = [n for n in routing.__all__ if not hasattr(routing, n)]
    assert missing == []


def test_all_has_no_duplicates() -> None:
    assert len(routing.__all__) == len(set(routing.__all__))
