"""What the operating commands print: each output of the relay as a line for
people, or as JSON for scripts; a member's tasks; the open incidents; an
incident's audit trail.

Every JSON document carries ``"schema"``: ``routing.cli.<command>/1``. A
field is only ever added within a schema version; anything else raises it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
from rich.console import Group as RichGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from routing.engine.incident import DeliveryRecord, IncidentView, Phase
from routing.engine.outputs import (
    CasushouderChanged,
    DecisionMade,
    Deliveries,
    Delivery,
    DeliveryConfirmed,
    DeliveryFailed,
    Held,
    IncidentClosed,
    IncidentOpened,
    Joined,
    Output,
    PendingDecision,
    ReactionHeld,
    Reminder,
    TaskReassigned,
)
from routing.model import Hierarchy
from routing.relay import Relay

from .names import member_label

__all__ = [
    "SCHEMA_VERSION",
    "audit_json",
    "describe",
    "document",
    "incidents_json",
    "incidents_table",
    "jsonable",
    "output_json",
    "tasks_json",
    "tasks_view",
]

#: The version in every ``"schema"`` key the operating commands print.
SCHEMA_VERSION = 1


def document(command: str, **fields: Any) -> dict[str, Any]:
    """A JSON document of ``command`` with its schema key first."""
    return {"schema": f"routing.cli.{command}/{SCHEMA_VERSION}", **fields}


def when(at: float) -> str:
    """A time for people: local, to the minute."""
    return dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M")


def jsonable(value: Any) -> Any:
    """Plain JSON values from the relay's values (attrs classes, enums, tuples)."""
    if isinstance(value, enum.Enum):
        v = value.value
        return v[0] if isinstance(v, tuple) else v
    if attrs.has(type(value)):
        return {f.name: jsonable(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {
        "delivery": d.id,
        "incident": d.incident,
        "kind": jsonable(d.kind),
        "group": d.group,
        "poster": d.poster,
        "bot": d.bot,
        "police": d.police,
        "text": d.text,
    }


def output_json(o: Output) -> dict[str, Any]:
    """One output as JSON: ``{"type": ..., fields...}``; a batch with its deliveries."""
    if isinstance(o, Deliveries):
        return {
            "type": "Deliveries",
            "incident": o.incident,
            "kind": jsonable(o.kind),
            "deliveries": [delivery_json(d) for d in o],
        }
    data = jsonable(o)
    return {"type": type(o).__name__, **(data if isinstance(data, dict) else {"value": data})}


def describe(o: Output, h: Hierarchy) -> list[str]:
    """One output as lines for people."""

    def who(m: int | None) -> str:
        return member_label(h, m)

    match o:
        case IncidentOpened():
            chief = f"; casushouder {who(o.casushouder)}" if o.casushouder is not None else ""
            kind = "police notice" if o.police else "incident"
            return [f"{o.incident}: {kind} opened in {o.origin}{chief}"]
        case Deliveries():
            return [
                f"task {d.id}: {who(d.poster)} posts in {d.group}"
                + (" (police notice first)" if d.police else "")
                for d in o
            ]
        case PendingDecision():
            return [
                f"question {o.id} for {o.decider}: {o.question}",
                f"  answer: buurtrouting decide {o.id} yes|no --as NAME (by {when(o.deadline)})",
            ]
        case DecisionMade():
            d = o.decision
            verdict = "forward" if d.forward else "do not forward"
            how = "by default at the deadline" if d.default_applied else f"by {who(d.by)}"
            return [f"question {o.pending}: {verdict} to {', '.join(d.targets)}, {how}"]
        case Held():
            return [f"{o.incident}: held for {o.stuurgroep} ({o.rule}: {o.reason})"]
        case ReactionHeld():
            return [
                f"{o.incident}: reaction {o.reaction} of {who(o.member)} held for "
                f"{o.stuurgroep} ({o.rule}: {o.reason})"
            ]
        case Joined():
            return [f"{who(o.reporter)}'s report joins {o.incident} ({o.reason})"]
        case CasushouderChanged():
            return [
                f"{o.incident}: casushouder in {o.wijkgroep} is now {who(o.current)}"
                + (f" ({o.reason})" if o.reason else "")
            ]
        case TaskReassigned():
            return [f"task {o.delivery} in {o.group} passes to {who(o.current)} ({o.reason})"]
        case Reminder():
            names = ", ".join(who(m) for m in o.casushouders)
            return [f"{o.incident}: reminder to {names}: {o.text}"]
        case IncidentClosed():
            n = len(o.groups)
            return [f"{o.incident}: afloop by {who(o.by)} to {n} group{'' if n == 1 else 's'}"]
        case DeliveryConfirmed():
            return [f"task {o.delivery}: posted by {who(o.by)}"]
        case DeliveryFailed():
            return [f"task {o.delivery}: failed in {o.group} ({o.reason})"]
    incident = getattr(o, "incident", None)
    return [f"{incident + ': ' if incident else ''}{type(o).__name__}"]


# ------------------------------------------------------------------ tasks


def _questions(relay: Relay, member: int) -> list[PendingDecision]:
    return [p for p in relay.pending() if member in relay.duty(p.decider)]


def _held(relay: Relay, h: Hierarchy, member: int) -> list[Held | ReactionHeld]:
    return [x for x in relay.held() if member in h.members(x.stuurgroep)]


def _afloops(relay: Relay, member: int) -> list[tuple[str, str]]:
    """(incident, wijkgroep) where ``member`` is casushouder of a live incident (R8)."""
    found = []
    for i in relay.incidents():
        if relay.phase(i) in (Phase.OPEN, Phase.SPREADING):
            found += [(i, g) for g, m in relay.incident(i).casushouders if m == member]
    return found


def tasks_view(relay: Relay, h: Hierarchy, member: int, deliveries: Sequence[Delivery]) -> Any:
    """What ``member`` has to do, for people: each text ready to copy."""
    parts: list[Any] = []
    for d in deliveries:
        title = f"task {d.id}: paste into {d.group}" + (" (POLITIE, first)" if d.police else "")
        parts.append(Panel(Text(d.text), title=title, title_align="left"))
        parts.append(Text(f"  then: buurtrouting confirm {d.id} --as '{h.name(member)}'"))
    for q in _questions(relay, member):
        parts.append(Text(f"question {q.id} ({q.decider}, by {when(q.deadline)}): {q.question}"))
        parts.append(Text(f"  answer: buurtrouting decide {q.id} yes|no --as '{h.name(member)}'"))
    for x in _held(relay, h, member):
        what = "report" if isinstance(x, Held) else f"reaction {x.reaction}"
        parts.append(Text(f"screen {x.incident} {what} ({x.rule}: {x.reason})"))
    for incident, group in _afloops(relay, member):
        parts.append(Text(f"casushouder of {incident} in {group}: post the afloop when it is over"))
    if not parts:
        parts.append(Text(f"nothing to do for {member_label(h, member)}"))
    return RichGroup(*parts)


def tasks_json(
    relay: Relay, h: Hierarchy, member: int, deliveries: Sequence[Delivery]
) -> dict[str, Any]:
    return document(
        "tasks",
        member=member,
        deliveries=[delivery_json(d) for d in deliveries],
        questions=[jsonable(q) for q in _questions(relay, member)],
        held=[{"type": type(x).__name__, **jsonable(x)} for x in _held(relay, h, member)],
        afloop=[{"incident": i, "wijkgroep": g} for i, g in _afloops(relay, member)],
    )


# ------------------------------------------------------------------ incidents


def views(relay: Relay, every: bool = False) -> Iterable[IncidentView]:
    """The open incidents (``every``: closed ones too), oldest first."""
    for i in relay.incidents():
        if every or relay.phase(i) not in (Phase.CLOSED, Phase.REJECTED):
            yield relay.incident(i)


def incidents_table(relay: Relay, h: Hierarchy, *, every: bool = False) -> Table:
    table = Table(title="incidents" if every else "open incidents")
    for column in ("id", "phase", "from", "category", "opened", "groups", "casushouders"):
        table.add_column(column)
    for v in views(relay, every):
        table.add_row(
            v.id + (" POLITIE" if v.police else ""),
            v.phase.value,
            v.origin,
            v.melding.category.value,
            when(v.opened_at),
            str(len(v.reached)),
            ", ".join(member_label(h, m) for _, m in v.casushouders),
        )
    return table


def incidents_json(relay: Relay, *, every: bool = False) -> dict[str, Any]:
    return document(
        "incidents",
        incidents=[
            {
                "incident": v.id,
                "phase": v.phase.value,
                "origin": v.origin,
                "police": v.police,
                "category": v.melding.category.value,
                "opened_at": v.opened_at,
                "closed_at": v.closed_at,
                "reached": list(v.reached),
                "casushouders": [{"wijkgroep": g, "member": m} for g, m in v.casushouders],
            }
            for v in views(relay, every)
        ],
    )


# ------------------------------------------------------------------ audit


def _record_json(r: DeliveryRecord) -> dict[str, Any]:
    d = r.delivery
    return {
        **delivery_json(d),
        "status": r.status.value,
        "confirmed_by": r.by,
        "status_at": r.at,
        "reason": r.reason,
        "route": [jsonable(hop) for hop in d.route],
    }


def audit_json(view: IncidentView) -> dict[str, Any]:
    """The route and decision of every delivery of an incident, and its questions."""
    return document(
        "audit",
        incident=view.id,
        phase=view.phase.value,
        origin=view.origin,
        police=view.police,
        opened_at=view.opened_at,
        closed_at=view.closed_at,
        reached=list(view.reached),
        casushouders=[{"wijkgroep": g, "member": m} for g, m in view.casushouders],
        deliveries=[_record_json(r) for r in view.deliveries],
        decisions=[jsonable(d) for d in view.decisions],
        pending=[jsonable(p) for p in view.pending],
        linked_to=view.linked_to,
        linked=list(view.linked),
    )
