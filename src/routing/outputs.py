"""What the relay hands back: plain frozen values that say what must happen.

The relay (:mod:`routing.relay`) sends nothing. Every command returns a tuple
of these values, and the app does the I/O they describe: paste a text into a
chat group, show a question to a stuurgroep, remind a casushouder.

All of them are frozen, keyword-only attrs classes with tuples inside, so
they are hashable, compare by value and can be logged or replayed. They carry
no validators: the relay builds them from commands it has already checked,
on the hot path of every report, so a validator would only check the
relay's own work again (commands, which come from outside, are checked at
construction; see :mod:`routing.commands`).

Why a second constructor
------------------------

attrs builds a keyword-only ``__init__``; in CPython 3.11 a call with nine
keyword arguments costs about 2 µs, more than everything else the relay does
for one group. The relay therefore builds outputs through :func:`_builder`,
which fills the slots of a fresh instance positionally (about 0.5 µs). The
result is the same class and compares equal to one built with keywords;
users build outputs (in tests, say) with the ordinary keyword constructor.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar, cast

import attrs

from .values import MemberId

__all__ = [
    "CasushouderChanged",
    "Decision",
    "DecisionMade",
    "Delivery",
    "DeliveryConfirmed",
    "DeliveryFailed",
    "DeliveryKind",
    "Held",
    "Hop",
    "IncidentClosed",
    "IncidentOpened",
    "Joined",
    "Output",
    "PendingDecision",
    "Rejected",
    "Reminder",
    "Step",
]


class Step(enum.Enum):
    """One step of the routing path: from which kind of group to which.

    ``rule`` names the duty in domain.md that the step carries out.
    """

    # Enum hashes its name in Python code; the relay looks these up on
    # every report, and members are singletons, so identity will do.
    __hash__ = object.__hash__

    #: A resident posts in their own wijkgroep (R3).
    ORIGIN = ("origin", "R3")
    #: The police inject a notice into a regiegroep or a stuurgroep (P1).
    POLICE = ("police", "P1")
    #: Wijkgroep to a sibling wijkgroep of the same stuurgroep (S2).
    SIBLINGS = ("siblings", "S2")
    #: Wijkgroep up to the wijk's regiegroep (S3, R5).
    TO_REGIEGROEP = ("to regiegroep", "S3")
    #: Regiegroep down into one stuurgroep's wijkgroepen (S5, R6).
    FROM_REGIEGROEP = ("from regiegroep", "S5")
    #: Regiegroep up to the gemeentelijke regiegroep (R5 one level up).
    TO_GEMEENTE = ("to gemeentelijke regiegroep", "R5")
    #: Gemeentelijke regiegroep down into another wijk's regiegroep (R6 one level up).
    FROM_GEMEENTE = ("from gemeentelijke regiegroep", "R6")
    #: An addressed stuurgroep into its wijkgroepen (P2).
    POLICE_DOWN = ("police notice down", "P2")

    def __init__(self, label: str, rule: str) -> None:
        self.label = label
        self.rule = rule


class DeliveryKind(enum.Enum):
    """What a delivery carries."""

    # Enum hashes its name in Python code; the relay looks these up on
    # every report, and members are singletons, so identity will do.
    __hash__ = object.__hash__

    MELDING = "melding"  # the report or notice itself; this is what reaches a group
    REACTION = "reaction"  # R4, P3: more information in a group already reached
    AFLOOP = "afloop"  # R8, P7: the closing message


@attrs.frozen(kw_only=True)
class Decision:
    """Whether a message goes on from ``source`` to ``targets`` (R5, R6, S2-S5).

    ``decider`` is the group whose members hold the duty for the step (a
    stuurgroep, or a regiegroep for the steps through the gemeentelijke
    regiegroep). ``by`` is the member who decided, or ``None`` when the
    relevance policy decided alone or a deadline applied the default
    (``default_applied``). ``reason`` says why, for the audit trail.
    """

    id: int
    incident: str
    step: Step
    decider: str
    source: str
    targets: tuple[str, ...]
    forward: bool
    by: MemberId | None
    at: float
    reason: str
    default_applied: bool = False


@attrs.frozen(kw_only=True)
class Hop:
    """One step of a delivery's route.

    The first hop of every route has ``source=None``: the origin (a resident
    posting in their wijkgroep, R3, or the police addressing a group, P1).
    ``by`` is the person who carried the message over (``None`` for the
    police), ``decision`` the decision that allowed the step (``None`` at the
    origin).
    """

    source: str | None
    target: str
    by: MemberId | None
    decision: Decision | None
    at: float


@attrs.frozen(kw_only=True)
class Delivery:
    """Post ``text`` into chat group ``group``: a task for the app.

    Most chat platforms cannot be posted to by software, so a delivery is a
    task for the named member ``poster``, with text ready to paste; the app
    then reports back with :class:`~routing.commands.Confirm` or
    :class:`~routing.commands.Fail`. Where a bot may post (see
    :class:`~routing.relay.RelayConfig`), ``bot`` is true and ``poster`` is
    ``None``. ``police`` marks police notices so that apps show them first
    (P1). ``route`` is the chain of hops from the origin to ``group``: the
    audit trail of who forwarded it and which decision allowed each step.
    """

    id: int
    incident: str
    kind: DeliveryKind
    group: str
    text: str
    poster: MemberId | None
    bot: bool
    police: bool
    route: tuple[Hop, ...]


@attrs.frozen(kw_only=True)
class PendingDecision:
    """The relevance policy asked the members of ``decider`` to judge (R5, R6).

    Show ``question`` to them; one of them answers with
    :class:`~routing.commands.Decide`. If nobody does before ``deadline``,
    the relay applies the configured default when the app ticks.
    """

    id: int
    incident: str
    step: Step
    decider: str
    source: str
    targets: tuple[str, ...]
    deadline: float
    question: str


@attrs.frozen(kw_only=True)
class DecisionMade:
    """A pending decision was answered, or its deadline applied the default."""

    pending: int
    decision: Decision


@attrs.frozen(kw_only=True)
class IncidentOpened:
    """A new incident exists (R3, P1, or R7 with ``linked_to``)."""

    incident: str
    origin: str
    casushouder: MemberId | None
    police: bool
    linked_to: str | None
    at: float


@attrs.frozen(kw_only=True)
class Held:
    """A report that says 112 was not called is held for the stuurgroep (H3, S1).

    Nothing was delivered. A member of ``stuurgroep`` screens it with
    :class:`~routing.commands.Screen`: release it into ``wijkgroep`` (after
    making sure the police know, or deciding that it is not urgent) or
    reject it with a reason for ``reporter``.
    """

    incident: str
    wijkgroep: str
    stuurgroep: str
    reporter: MemberId
    reason: str
    at: float


@attrs.frozen(kw_only=True)
class Rejected:
    """A held report was rejected in screening (S1); tell ``reporter`` why."""

    incident: str
    reporter: MemberId
    by: MemberId
    reason: str
    at: float


@attrs.frozen(kw_only=True)
class Joined:
    """A second report of the same situation joined an open incident (H4).

    Show ``text`` to ``reporter``: 112 has already been called and by whom,
    so 112 is not flooded with calls about one incident.
    """

    incident: str
    reporter: MemberId
    called_112_by: tuple[MemberId, ...]
    text: str
    at: float


@attrs.frozen(kw_only=True)
class CasushouderChanged:
    """The active casushouder of ``wijkgroep`` for ``incident`` changed."""

    incident: str
    wijkgroep: str
    previous: MemberId | None
    current: MemberId
    at: float


@attrs.frozen(kw_only=True)
class Reminder:
    """No afloop yet (R8): remind the casushouders to close the incident."""

    incident: str
    casushouders: tuple[MemberId, ...]
    text: str
    at: float


@attrs.frozen(kw_only=True)
class IncidentClosed:
    """The afloop closed the incident; ``groups`` are all it reached (R8, P7)."""

    incident: str
    by: MemberId
    groups: tuple[str, ...]
    at: float


@attrs.frozen(kw_only=True)
class DeliveryConfirmed:
    """The app confirmed a delivery: posted by ``by`` (``None``: a bot) at ``at``."""

    delivery: int
    by: MemberId | None
    at: float


@attrs.frozen(kw_only=True)
class DeliveryFailed:
    """A delivery could not be made; ``group`` no longer counts as reached."""

    delivery: int
    group: str
    reason: str
    at: float


Output = (
    Delivery
    | PendingDecision
    | DecisionMade
    | IncidentOpened
    | Held
    | Rejected
    | Joined
    | CasushouderChanged
    | Reminder
    | IncidentClosed
    | DeliveryConfirmed
    | DeliveryFailed
)
"""Anything :meth:`routing.relay.Relay.handle` can return."""

_T = TypeVar("_T")


def _builder(cls: type[_T]) -> Callable[..., _T]:
    """A positional constructor that fills the slots of ``cls`` directly.

    Only for the relay's hot path (see the module docstring). Arguments come
    in field order; nothing is converted or checked. The body is generated,
    as attrs generates its own ``__init__``, because a loop over the fields
    would cost half of what it saves.
    """
    names = [a.name for a in attrs.fields(cast(Any, cls))]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for i, name in enumerate(names):
        namespace[f"_set{i}"] = cls.__dict__[name].__set__
    # The helpers are bound as defaults: locals are the fastest lookup there is.
    bound = ", ".join(["_new=_new", "_cls=_cls", *(f"_set{i}=_set{i}" for i in range(len(names)))])
    lines = [f"def build({', '.join(names)}, *, {bound}):", "    obj = _new(_cls)"]
    lines += [f"    _set{i}(obj, {name})" for i, name in enumerate(names)]
    lines.append("    return obj")
    exec("\n".join(lines), namespace)
    build: Callable[..., _T] = namespace["build"]
    build.__qualname__ = f"_builder({cls.__name__})"
    return build
