"""The whole state as one document: a snapshot in the journal, a JSON export.

:func:`state_of` writes the hierarchy and the relay together with ``kind``,
``schema`` and the journal's sequence number; :func:`state_from` reads such a
document back and raises a :class:`~routing.errors.StateError` subclass for
anything that does not fit. :func:`export_json` and :func:`import_json` do
the same through a JSON text (see ``docs/persistence.md``).
"""

from __future__ import annotations

import json
from typing import Any, Final

from routing.domain.settings import Settings
from routing.engine.policies import Policy
from routing.errors import (
    CorruptStateError,
    ForeignStateError,
    NewerSchemaError,
    RoutingError,
    StateError,
)
from routing.model import Hierarchy
from routing.relay import Relay, RelayConfig

from .jsonread import parse

__all__ = ["STATE_KIND", "STATE_SCHEMA", "export_json", "import_json", "state_from", "state_of"]

#: ``kind`` and ``schema`` of a whole-state document (a snapshot, a JSON export).
STATE_KIND: Final = "routing.state"
#: The layout version of a whole-state document.
STATE_SCHEMA: Final = 1


def state_of(hierarchy: Hierarchy, relay: Relay | None = None, *, seq: int = 0) -> dict[str, Any]:
    """The whole state as one JSON-able document (see docs/persistence.md)."""
    return {
        "schema": STATE_SCHEMA,
        "kind": STATE_KIND,
        "seq": seq,
        "hierarchy": hierarchy.export_state(),
        "relay": None if relay is None else relay.export_state(),
    }


def state_from(
    state: Any,
    *,
    settings: Settings | None = None,
    policy: Policy | None = None,
    config: RelayConfig | None = None,
    source: str | None = None,
) -> tuple[Hierarchy, Relay]:
    """Rebuild a hierarchy and a relay from :func:`state_of`.

    A document without a relay gives a fresh one. Raises
    :class:`~routing.errors.StateError` (a subclass) for anything else.
    """
    if not isinstance(state, dict) or state.get("kind") != STATE_KIND:
        raise ForeignStateError("not a routing state document", source=source)
    schema = state.get("schema")
    if type(schema) is not int or schema < 1:
        raise CorruptStateError(f"bad schema version {schema!r}", source=source)
    if schema > STATE_SCHEMA:
        raise NewerSchemaError(
            f"state schema {schema}; this version reads up to {STATE_SCHEMA}",
            found=schema,
            supported=STATE_SCHEMA,
            source=source,
        )
    if not isinstance(state.get("hierarchy"), dict):
        raise CorruptStateError("the document has no hierarchy", source=source)
    try:
        h = Hierarchy.from_state(state["hierarchy"], settings=settings)
        if state.get("relay") is None:
            relay = Relay(h, policy=policy, config=config)
        else:
            relay = Relay.from_state(h, state["relay"], policy=policy, config=config)
    except StateError:
        raise
    except (RoutingError, TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise CorruptStateError(f"the state does not load: {exc}", source=source) from None
    return h, relay


def export_json(hierarchy: Hierarchy, relay: Relay | None = None) -> str:
    """The hierarchy and (optionally) its relay's incidents as a JSON document."""
    return json.dumps(state_of(hierarchy, relay), ensure_ascii=False, indent=1)


def import_json(
    text: str | bytes,
    *,
    settings: Settings | None = None,
    policy: Policy | None = None,
    config: RelayConfig | None = None,
) -> tuple[Hierarchy, Relay]:
    """Read :func:`export_json` back; :class:`~routing.errors.StateError` if it does not fit."""
    try:
        if isinstance(text, bytes | bytearray):
            text = text.decode(json.detect_encoding(text))
        state = parse(text)
    except ValueError as exc:  # UnicodeDecodeError too
        raise ForeignStateError(f"not JSON: {exc}") from None
    return state_from(state, settings=settings, policy=policy, config=config)
