"""A delivery and its route: :class:`Delivery`, :class:`Hop`, :class:`Decision`.

The values every delivery is made of: which step of the routing path it took
(:class:`Step`), what kind of message it is (:class:`DeliveryKind`), and the
chain of hops from the origin, each with the decision that allowed it. They
are outputs (:mod:`routing.engine.outputs` lists them all); the relay keeps
them as plain records (:mod:`routing.engine.records`) and makes these values
when they are read.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

from routing.domain.values import MemberId

from .construct import fast_constructor

__all__ = [
    "KINDS",
    "KIND_INDEX",
    "STEPS",
    "STEP_INDEX",
    "Decision",
    "Delivery",
    "DeliveryKind",
    "Hop",
    "Step",
]


class Step(enum.Enum):
    """One step of the routing path: from which kind of group to which.

    ``rule`` names the duty (see docs/rules.md) that the step carries out.
    """

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
    then reports back with :class:`~routing.engine.commands.Confirm` or
    :class:`~routing.engine.commands.Fail`. Where a bot may post (see
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


#: Step and kind indexes: the plain records keep a step or a kind as
#: its index, because an enum member would keep a tuple tracked by the
#: garbage collector (see :mod:`routing.engine.records`).
STEPS: Final = tuple(Step)
STEP_INDEX: Final = {step: i for i, step in enumerate(STEPS)}
KINDS: Final = tuple(DeliveryKind)
KIND_INDEX: Final = {kind: i for i, kind in enumerate(KINDS)}


#: :class:`Decision`, :class:`Hop` and :class:`Delivery` values made on every
#: decision and every read of a batch, by the measured shortcut
#: :func:`~routing.engine.construct.fast_constructor` (equal to ``Decision(...)``).
new_decision = fast_constructor(Decision)
new_hop = fast_constructor(Hop)
new_delivery = fast_constructor(Delivery)
