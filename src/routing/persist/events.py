"""The journaled types by their tags: every hierarchy change and every relay command.

A tag is the class name and part of the journal format: renaming a class
needs an alias here. The values themselves go through the domain's codec
(:mod:`routing.domain.codec`).
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, Final

from routing.domain.codec import decode, encode, trusted_builder
from routing.engine import commands
from routing.errors import CorruptStateError
from routing.hierarchy import changes

__all__ = ["EVENT_TYPES", "decode_event", "decode_trusted", "encode_event", "event_tag"]

#: Every type that can be journaled, by its tag (the class name).
EVENT_TYPES: Final[dict[str, type]] = {
    cls.__name__: cls
    for cls in (
        *typing.get_args(changes.Change),
        *typing.get_args(commands.Command),
    )
}
_TAGS: Final[dict[type, str]] = {cls: tag for tag, cls in EVENT_TYPES.items()}
_TRUSTED: Final[dict[str, Callable[[Any], Any]]] = {
    tag: trusted_builder(cls) for tag, cls in EVENT_TYPES.items()
}


def event_tag(value: object) -> str:
    """The type tag of a journaled value; :class:`TypeError` for anything else."""
    try:
        return _TAGS[type(value)]
    except KeyError:
        raise TypeError(f"not a hierarchy change or relay command: {value!r}") from None


def encode_event(value: object) -> tuple[str, dict[str, Any]]:
    """``(tag, payload)`` for a change or command: what the journal stores."""
    return event_tag(value), encode(value)


def decode_event(tag: str, payload: object, *, where: str = "") -> Any:
    """Rebuild the change or command that ``encode_event`` gave ``(tag, payload)`` for."""
    cls = EVENT_TYPES.get(tag)
    if cls is None:
        prefix = f"{where}: " if where else ""
        raise CorruptStateError(f"{prefix}unknown event type {tag!r}")
    return decode(cls, payload, where=where)


def decode_trusted(tag: str, payload: Any) -> Any:
    """Rebuild an event from a row that passed its checksum, without re-running validators.

    Only for data the codec encoded from a valid value (see
    :mod:`routing.domain.codec`). Raises (:class:`KeyError`, :class:`TypeError`,
    ...) on anything unexpected, and never names a field: the caller must then
    use :func:`decode_event`, which gives the same value or a precise error.
    """
    return _TRUSTED[tag](payload)
