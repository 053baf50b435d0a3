"""The shapes every value is checked for when it is built: text, integers, times, flags.

Whatever the library accepts may end up in a journal: JSON text in an SQLite
file, read back on every open. So what a field may hold is decided by what
that file can keep, and it is checked once, here, when the value is built,
never later when the write fails:

* **text** is a ``str`` without a lone surrogate (``"\\ud800"``): UTF-8 has
  no bytes for one, so no file can store it;
* an **integer** (an id, a count, a limit) is an ``int``, never a ``bool``,
  between ``-2**63`` and ``2**63 - 1``: what SQLite stores as a number;
* a **time** or a number of seconds is a finite ``int`` or ``float``, not a
  ``bool``, at most :data:`MAX_SECONDS` from zero, and becomes a ``float``:
  far enough for any epoch or simulated clock, near enough that adding a
  timeout still moves a deadline on (past about ``1e16`` a float cannot
  add an hour), and it catches epoch milliseconds given for seconds;
* a **flag** is ``True`` or ``False``, not a truthy value;
* a **list** is any iterable but text, bytes or a mapping (whose iteration
  would give characters, numbers or keys), and each item is checked in turn;
* a value of a **class** is an instance of it, not something that looks alike.

Each check raises :class:`~routing.errors.InvalidValueError` naming the value
and the field. :func:`field` turns one into an attrs validator, so a class
states its rule once per field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

import attrs

from routing.errors import InvalidValueError

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "MAX_SECONDS",
    "check_flag",
    "check_instance",
    "check_int",
    "check_items",
    "check_list",
    "check_number",
    "check_text",
    "duration",
    "field",
    "instance_of",
    "optional",
    "seconds",
]

#: The smallest and largest integer SQLite stores (a signed 64-bit integer).
INT_MIN: Final = -(2**63)
INT_MAX: Final = 2**63 - 1

#: The furthest a time or a duration may lie from zero: about 3,170 years.
MAX_SECONDS: Final = 1e11

_T = TypeVar("_T")
_Check = Callable[[object, str], object]
_Validator = Callable[[object, "attrs.Attribute[Any]", object], None]


def check_text(value: object, what: str = "text") -> str:
    """``value`` if it is text a file can store; :class:`InvalidValueError` otherwise."""
    if not isinstance(value, str):
        raise InvalidValueError(value, f"{what} must be text")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValueError(
                value, f"{what} holds a lone surrogate, which no file can store"
            ) from None
    return value


def check_int(value: object, what: str = "an integer") -> int:
    """``value`` if it is an int (not a bool) that SQLite can store."""
    # type() is int rules out bool (its own type) at the cost of one test.
    if type(value) is not int and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidValueError(value, f"{what} must be an integer")
    if not INT_MIN <= value <= INT_MAX:
        raise InvalidValueError(value, f"{what} must lie between -2**63 and 2**63 - 1")
    return value


def check_number(value: object, what: str = "a number", unit: str = "") -> float:
    """A finite int or float (not a bool), as a float; ``unit`` names what it counts."""
    of = f" of {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValueError(value, f"{what} must be a number{of}")
    try:
        result = float(value)
    except OverflowError:  # an int past the largest float
        result = math.inf
    if not math.isfinite(result):
        raise InvalidValueError(value, f"{what} must be a finite number{of}")
    return result


def seconds(value: object, what: str = "a time") -> float:
    """A time or a duration: a number of seconds, at most :data:`MAX_SECONDS` from zero,
    as a float."""
    result = check_number(value, what, "seconds")
    if not -MAX_SECONDS <= result <= MAX_SECONDS:
        raise InvalidValueError(
            value,
            f"{what} must lie within {MAX_SECONDS:.0e} seconds (about 3,170 years) of zero;"
            " milliseconds given for seconds?",
        )
    return result


def duration(value: object, what: str = "a duration") -> float:
    """A positive number of seconds (:func:`seconds`), as a float."""
    result = seconds(value, what)
    if not result > 0:
        raise InvalidValueError(value, f"{what} must be a positive number of seconds")
    return result


def check_flag(value: object, what: str = "a flag") -> bool:
    """``value`` if it is ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise InvalidValueError(value, f"{what} must be True or False")
    return value


def check_list(values: object, what: str = "a list") -> tuple[object, ...]:
    """The items of ``values``: a list, tuple, set or other iterable that is not text,
    bytes or a mapping."""
    if isinstance(values, str | bytes | bytearray | memoryview | Mapping) or not isinstance(
        values, Iterable
    ):
        raise InvalidValueError(values, f"{what} must be a list")
    return tuple(values)


def check_instance(value: object, kind: type[_T], what: str) -> _T:
    """``value`` if it is a ``kind``."""
    if not isinstance(value, kind):
        raise InvalidValueError(value, f"{what} must be a {kind.__name__}")
    return value


def check_items(values: object, kind: type[_T], what: str) -> tuple[_T, ...]:
    """The items of the list ``values`` (:func:`check_list`), each a ``kind``."""
    return tuple(check_instance(v, kind, f"each of {what}") for v in check_list(values, what))


def field(check: _Check, what: str | None = None) -> _Validator:
    """An attrs validator that runs ``check`` on the value; ``what`` names it (the field's name
    by default) in the error."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check(value, what or attribute.name)

    return validate


def instance_of(kind: type) -> _Validator:
    """An attrs validator: the value is a ``kind`` (:func:`check_instance`)."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check_instance(value, kind, attribute.name)

    return validate


def optional(check: _Check, what: str | None = None) -> _Validator:
    """:func:`field`, with ``None`` allowed too."""
    inner = field(check, what)

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            inner(instance, attribute, value)

    return validate
