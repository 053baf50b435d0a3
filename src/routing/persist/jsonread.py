"""Reading JSON from a journal file or an export, strictly: the one parser of persist.

Python's :mod:`json` reads more than JSON: ``NaN``, ``Infinity`` and
``-Infinity``, and a number too large for a float (``1e999``) becomes an
infinity; and text nested deeper than the interpreter's recursion limit
(``[[[[...]]]]``, a thousand levels are enough) raises a bare
:class:`RecursionError`. None of these can come from the journal's own
writing (:func:`routing.domain.codec.dump` refuses non-finite numbers, and
nothing the codec writes nests more than a few levels), so each is damage
or forgery, and here becomes a :class:`ValueError` (:func:`parse`) or a
:class:`~routing.errors.CorruptStateError` (:func:`loads`).

:data:`DECODER` is shared with the replay's fast path
(:func:`routing.persist.personal.parse_event`), which calls its C scanner
directly; the two hooks cost it nothing unless a constant or a float is met.
"""

from __future__ import annotations

import json
from typing import Any, Final

from routing.errors import CorruptStateError

__all__ = ["DECODER", "loads", "parse"]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value - value == 0.0:  # false for an infinity and for NaN
        return value
    raise ValueError(f"{text} does not fit a float")


#: A decoder that refuses ``NaN``, ``Infinity`` and numbers that overflow a float.
DECODER: Final = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite)


def parse(text: str) -> Any:
    """``json.loads`` for finite JSON only; :class:`ValueError` for anything else.

    Anything else includes text nested too deeply to parse and a value that
    is not text at all (a forged ``BLOB``).
    """
    if not isinstance(text, str):
        raise ValueError(f"expected JSON text, got {type(text).__name__}")
    try:
        return DECODER.decode(text)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None


def loads(text: str, what: str, *, source: str | None = None, seq: int | None = None) -> Any:
    """:func:`parse`, with a :class:`CorruptStateError` saying which ``what`` is damaged."""
    try:
        return parse(text)
    except ValueError as exc:
        raise CorruptStateError(f"{what} is not JSON: {exc}", source=source, seq=seq) from None
