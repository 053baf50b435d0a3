"""What the operating commands print: each output of the relay as a line for
people, or as JSON for scripts; a member's tasks; the open incidents; an
incident's audit trail.

Every JSON document carries ``"schema"``: ``routing.cli.<command>/1``
(``audit``: ``/2``). A field is only ever added within a schema version;
anything else raises it. The JSON keys are the same in every ``--lang``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
from rich.console import Group as RichGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from routing.engine.incident import IncidentView, Phase
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
from routing.present.data import incident_dict
from routing.present.labels import DEFAULT_LANG, Lang, label, plural
from routing.present.render import POLICE_MARK
from routing.relay import Relay

from .names import member_label

__all__ = [
    "SCHEMA_VERSION",
    "SCHEMA_VERSIONS",
    "audit_json",
    "describe",
    "document",
    "incidents_json",
    "incidents_table",
    "jsonable",
    "output_json",
    "schema",
    "tasks_json",
    "tasks_view",
]

#: The version in the ``"schema"`` key the operating commands print, unless
#: :data:`SCHEMA_VERSIONS` names another for the command.
SCHEMA_VERSION = 1
#: The commands whose documents have had a key change meaning or go away.
#: ``audit`` 2: the incident document of ``trace --json`` (``"id"`` for
#: ``"incident"``, deliveries by ``"id"``, ``"posted_by"``/``"posted_at"``
#: for ``"confirmed_by"``/``"status_at"``, hops ``"from"``/``"to"``).
SCHEMA_VERSIONS: Final[Mapping[str, int]] = {"audit": 2}


def schema(command: str) -> str:
    """The ``"schema"`` of ``command``'s JSON: ``routing.cli.<command>/<version>``."""
    return f"routing.cli.{command}/{SCHEMA_VERSIONS.get(command, SCHEMA_VERSION)}"


def document(command: str, **fields: Any) -> dict[str, Any]:
    """A JSON document of ``command`` with its schema key first."""
    return {"schema": schema(command), **fields}


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


def describe(o: Output, h: Hierarchy, *, lang: Lang = DEFAULT_LANG) -> list[str]:
    """One output as lines for people, in ``lang``."""

    def who(m: int | None) -> str:
        return member_label(h, m, lang=lang)

    def say(key: str, **fields: object) -> str:
        return label(key, lang, **fields)

    match o:
        case IncidentOpened():
            chief = say("out.chief", who=who(o.casushouder)) if o.casushouder is not None else ""
            kind = say("out.police_notice" if o.police else "out.incident")
            return [say("out.opened", incident=o.incident, kind=kind, origin=o.origin, chief=chief)]
        case Deliveries():
            return [
                say("out.task", id=d.id, who=who(d.poster), group=d.group)
                + (say("out.police_first") if d.police else "")
                for d in o
            ]
        case PendingDecision():
            return [
                say("out.question", id=o.id, decider=o.decider, question=o.question),
                say("out.answer", id=o.id, deadline=when(o.deadline)),
            ]
        case DecisionMade():
            d = o.decision
            verdict = say("out.forward" if d.forward else "out.no_forward")
            how = say("out.by_default") if d.default_applied else say("out.by", who=who(d.by))
            targets = ", ".join(d.targets)
            return [say("out.decided", id=o.pending, verdict=verdict, targets=targets, how=how)]
        case Held():
            return [
                say(
                    "out.held",
                    incident=o.incident,
                    stuurgroep=o.stuurgroep,
                    rule=o.rule,
                    reason=o.reason,
                )
            ]
        case ReactionHeld():
            return [
                say(
                    "out.reaction_held",
                    incident=o.incident,
                    reaction=o.reaction,
                    who=who(o.member),
                    stuurgroep=o.stuurgroep,
                    rule=o.rule,
                    reason=o.reason,
                )
            ]
        case Joined():
            return [say("out.joined", who=who(o.reporter), incident=o.incident, reason=o.reason)]
        case CasushouderChanged():
            line = say(
                "out.casushouder", incident=o.incident, wijkgroep=o.wijkgroep, who=who(o.current)
            )
            return [line + (f" ({o.reason})" if o.reason else "")]
        case TaskReassigned():
            return [
                say(
                    "out.reassigned",
                    id=o.delivery,
                    group=o.group,
                    who=who(o.current),
                    reason=o.reason,
                )
            ]
        case Reminder():
            names = ", ".join(who(m) for m in o.casushouders)
            return [say("out.reminder", incident=o.incident, names=names, text=o.text)]
        case IncidentClosed():
            return [plural("out.afloop", len(o.groups), lang, incident=o.incident, who=who(o.by))]
        case DeliveryConfirmed():
            return [say("out.confirmed", id=o.delivery, who=who(o.by))]
        case DeliveryFailed():
            return [say("out.failed", id=o.delivery, group=o.group, reason=o.reason)]
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


def tasks_view(
    relay: Relay,
    h: Hierarchy,
    member: int,
    deliveries: Sequence[Delivery],
    *,
    lang: Lang = DEFAULT_LANG,
) -> Any:
    """What ``member`` has to do, for people: each text ready to copy (the
    texts themselves are the chat's, Dutch in every ``lang``)."""

    def say(key: str, **fields: object) -> str:
        return label(key, lang, **fields)

    name = h.name(member)
    parts: list[Any] = []
    for d in deliveries:
        title = say("tasks.paste", id=d.id, group=d.group) + (
            say("tasks.police_first") if d.police else ""
        )
        parts.append(Panel(Text(d.text), title=title, title_align="left"))
        parts.append(Text(say("tasks.then", id=d.id, name=name)))
    for q in _questions(relay, member):
        deadline = when(q.deadline)
        parts.append(
            Text(
                say(
                    "tasks.question",
                    id=q.id,
                    decider=q.decider,
                    deadline=deadline,
                    question=q.question,
                )
            )
        )
        parts.append(Text(say("tasks.answer", id=q.id, name=name)))
    for x in _held(relay, h, member):
        what = (
            say("tasks.report")
            if isinstance(x, Held)
            else say("tasks.reaction", reaction=x.reaction)
        )
        parts.append(
            Text(say("tasks.screen", incident=x.incident, what=what, rule=x.rule, reason=x.reason))
        )
    for incident, group in _afloops(relay, member):
        parts.append(Text(say("tasks.afloop", incident=incident, group=group)))
    if not parts:
        parts.append(Text(say("tasks.nothing", who=member_label(h, member, lang=lang))))
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


def incidents_table(
    relay: Relay, h: Hierarchy, *, every: bool = False, lang: Lang = DEFAULT_LANG
) -> Table:
    """The open incidents (``every``: all of them) as a table, its words in ``lang``."""
    table = Table(title=label("incidents.all" if every else "incidents.open", lang))
    for column in ("id", "phase", "from", "category", "opened", "groups", "casushouders"):
        table.add_column(label(f"incidents.{column}", lang))
    for v in views(relay, every):
        table.add_row(
            v.id + (f" {POLICE_MARK}" if v.police else ""),
            label(f"phase.{v.phase.value}", lang),
            v.origin,
            v.melding.category.value,
            when(v.opened_at),
            str(len(v.reached)),
            ", ".join(member_label(h, m, lang=lang) for _, m in v.casushouders),
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


def audit_json(view: IncidentView) -> dict[str, Any]:
    """The route and decision of every delivery of an incident, its status, and
    the questions: the incident document of ``trace --json``
    (:func:`~routing.present.data.incident_dict`) under the audit's schema."""
    return {**incident_dict(view), "schema": schema("audit")}
