"""Typed reads from a parsed TOML document, each failure a ConfigError at its entry.

An *entry* is the dotted place of a value in the file, as a person would look
for it: ``gemeente[0].wijk[1].stuurgroep[0].members[2]``. :class:`EntryReader`
reads the TOML types (tables with the keys they may have, strings, integers,
numbers, arrays) at an entry and raises a :class:`~routing.errors.ConfigError`
that names the file, the entry and what is wrong, in the words TOML uses. The
neighbourhood format itself is :mod:`routing.hierarchy.config`'s.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import NoReturn

from routing.errors import ConfigError

__all__ = ["EntryReader", "subentry"]


def subentry(entry: str, key: str) -> str:
    """The entry of ``key`` inside ``entry``: ``gemeente[0]``, ``name`` -> ``gemeente[0].name``.

    The top of the document is the entry ``""``, so its keys are their own entries.
    """
    return f"{entry}.{key}" if entry else key


def _kind(value: object) -> str:
    """How TOML would call the type of *value*, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    return f"a {type(value).__name__}"


class EntryReader:
    """Reads values out of one document; every failure names ``path`` and the entry."""

    def __init__(self, path: str | None) -> None:
        self.path = path

    def fail(self, entry: str, problem: str) -> NoReturn:
        raise ConfigError(problem, path=self.path, entry=entry or None)

    def table(
        self,
        value: object,
        entry: str,
        *,
        required: Sequence[str] = (),
        optional: Sequence[str] = (),
    ) -> Mapping[str, object]:
        if not isinstance(value, Mapping):
            self.fail(entry, f"expected a table, got {_kind(value)}")
        allowed = (*required, *optional)
        # Unknown keys first: a misspelt required key then reads as the typo it
        # is ("did you mean 'name'?") rather than as a missing key.
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.fail(
                    subentry(entry, str(key)),
                    f"unknown key {key!r}{hint} (known: {', '.join(allowed)})",
                )
        for key in required:
            if key not in value:
                self.fail(subentry(entry, key), f"missing required key {key!r}")
        return value

    def text(self, value: object, entry: str) -> str:
        if not isinstance(value, str):
            self.fail(entry, f"expected a string, got {_kind(value)}")
        if not value.strip():
            self.fail(entry, "must not be empty")
        return value

    def integer(self, value: object, entry: str) -> int:
        # bool is an int in Python but not in TOML: `true` is no count.
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(entry, f"expected an integer, got {_kind(value)}")
        return value

    def number(self, value: object, entry: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(entry, f"expected a number, got {_kind(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float
            number = math.inf
        if not math.isfinite(number):
            self.fail(entry, f"expected a finite number, got {value}")
        return number

    def array(self, value: object, entry: str) -> Sequence[object]:
        if not isinstance(value, list | tuple):
            self.fail(entry, f"expected an array, got {_kind(value)}")
        return value

    def tables(self, value: object, entry: str) -> Iterator[tuple[str, object]]:
        """The entries of an array of tables, which must not be empty."""
        items = self.array(value, entry)
        if not items:
            self.fail(entry, "needs at least one entry")
        for i, item in enumerate(items):
            yield f"{entry}[{i}]", item
