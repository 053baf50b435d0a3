"""The life of one incident, as one transition table.

Theory of operation
-------------------

An incident is one situation that travels along the Zoomwijck's routing
path: a resident's report (R1-R3) or a police notice (P1). Its *phase* says
what may still happen to it; the table :data:`TRANSITIONS` below is the only
place that says which event is legal in which phase, and the relay consults
it before it changes anything, so a command the table does not allow is
refused with the phase unchanged (h11's ``_state.py`` keeps its connection
states the same way).

The phases::

    HELD       screening holds the report for the stuurgroep: 112 was not
               called (H3), or it breaks a house rule (H5, H6) (S1);
               nothing has been delivered
    OPEN       delivered in its origin (one wijkgroep, or the groups the police
               addressed); casushouders are known
    SPREADING  forwarded beyond its origin (S2, S3, S5, R5, R6, P2)
    CLOSED     the afloop went to every group reached (R8, P7); only the
               confirmations of deliveries already handed out still arrive
    REJECTED   screening turned the held report down (S1); the reporter was told

A reaction that screening holds (S1, H5, H6, H9) does not move the
incident: it waits beside it, undelivered, until a stuurgroep member
releases it (only while the incident is live: a closed incident gets no
new deliveries) or rejects it (also after the afloop, so nothing held is
ever left without an answer). Addressing the sender of a held message
leaves it held.

An incident enters through one of the ``None`` rows (there is no phase
before it exists). Events that do not move the incident (a reaction, a
decision to skip, a reminder) are listed too, pointing back at the phase
they leave it in: the table is also the list of what is allowed at all.

Why SPREADING is a phase of its own: an incident that never left its
wijkgroep is closed by one afloop message; one that spread needs one in every
group it reached, and the stuurgroep looks at spreading incidents first. The
relay does not treat them differently otherwise.

:func:`transition_diagram` draws the table as a Mermaid state diagram;
``docs/incidents.md`` contains exactly its output (a test checks this).
"""

from __future__ import annotations

import enum
from typing import Any, Final

import attrs

from routing.domain.melding import Melding
from routing.domain.values import MemberId
from routing.errors import IncidentRefused, TimeRefused

from .outputs import (
    Addressed,
    Decision,
    Delivery,
    PendingDecision,
    ReactionHeld,
    new_pending_decision,
)
from .records import STEP_INDEX, STEPS, BatchRec, DecisionRec, RouteRec, plan_records

__all__ = [
    "HELD_STATUSES",
    "TRANSITIONS",
    "AddressRec",
    "DeliveryRecord",
    "DeliveryStatus",
    "Event",
    "HeldReactionRec",
    "HoldRec",
    "IncidentView",
    "PendingRec",
    "Phase",
    "next_phase",
    "pending_output",
    "pending_rec",
    "transition_diagram",
]


class Phase(enum.Enum):
    """Where an incident is in its life; see the module docstring."""

    HELD = "held"
    OPEN = "open"
    SPREADING = "spreading"
    CLOSED = "closed"
    REJECTED = "rejected"


class Event(enum.Enum):
    """What can happen to an incident, with the rule it comes from."""

    REPORT = ("report", "R3")  # a resident's report that says 112 was called
    HOLD = ("hold", "S1")  # screening holds the report (H3: 112 not called; H5, H6)
    POLICE = ("police notice", "P1")
    RELEASE = ("release", "S1")  # screening lets a held report through
    REJECT = ("reject", "S1")
    HOLD_REACTION = ("hold reaction", "S1")  # screening holds a reaction (H5, H6, H9)
    RELEASE_REACTION = ("release reaction", "S1")
    REJECT_REACTION = ("reject reaction", "S1")
    ADDRESS = ("address", "S1")  # of a held message; it stays held
    JOIN = ("join", "H4")  # a second report of the same situation
    REACT = ("react", "R4")
    FORWARD = ("forward", "R5")  # a delivery beyond the origin (S2-S5, R5, R6, P2)
    DECIDE = ("decide", "R6")  # a relevance decision that forwards nothing
    HAND_OVER = ("hand over", "R3")  # the casushouder role moves to another member
    REMIND = ("remind", "R8")
    CONFIRM = ("confirm", "R3")  # a delivery was posted
    FAIL = ("fail", "R3")  # a delivery could not be posted
    AFLOOP = ("afloop", "R8")

    def __init__(self, label: str, rule: str) -> None:
        self.label = label
        self.rule = rule


# Events that may happen while an incident is live, and leave the phase alone.
_LIVE_EVENTS = (
    Event.JOIN,
    Event.REACT,
    Event.HOLD_REACTION,
    Event.RELEASE_REACTION,
    Event.REJECT_REACTION,
    Event.ADDRESS,
    Event.DECIDE,
    Event.HAND_OVER,
    Event.REMIND,
    Event.CONFIRM,
    Event.FAIL,
)

#: (phase, event) -> phase after the event. ``None`` as a phase: not yet existing.
TRANSITIONS: Final[dict[tuple[Phase | None, Event], Phase]] = {
    (None, Event.REPORT): Phase.OPEN,
    (None, Event.HOLD): Phase.HELD,
    (None, Event.POLICE): Phase.OPEN,
    (Phase.HELD, Event.RELEASE): Phase.OPEN,
    (Phase.HELD, Event.REJECT): Phase.REJECTED,
    (Phase.HELD, Event.ADDRESS): Phase.HELD,
    (Phase.OPEN, Event.FORWARD): Phase.SPREADING,
    (Phase.OPEN, Event.AFLOOP): Phase.CLOSED,
    **{(Phase.OPEN, event): Phase.OPEN for event in _LIVE_EVENTS},
    (Phase.SPREADING, Event.FORWARD): Phase.SPREADING,
    (Phase.SPREADING, Event.AFLOOP): Phase.CLOSED,
    **{(Phase.SPREADING, event): Phase.SPREADING for event in _LIVE_EVENTS},
    # Deliveries handed out before the afloop (the afloop itself, above all)
    # are still confirmed or reported as failed afterwards.
    (Phase.CLOSED, Event.CONFIRM): Phase.CLOSED,
    (Phase.CLOSED, Event.FAIL): Phase.CLOSED,
    # A reaction held when the afloop came is still answered: rejected, or
    # its sender addressed; never released into a closed incident.
    (Phase.CLOSED, Event.REJECT_REACTION): Phase.CLOSED,
    (Phase.CLOSED, Event.ADDRESS): Phase.CLOSED,
}

_WHY_NOT: Final[dict[Phase, str]] = {
    Phase.HELD: "the report is held for the stuurgroep until it is screened (S1)",
    Phase.OPEN: "the incident is open",
    Phase.SPREADING: "the incident is open",
    Phase.CLOSED: "the incident is closed: its afloop was posted (R8)",
    Phase.REJECTED: "the report was rejected in screening (S1)",
}


# Read once: on Python 3.11 each ``Phase.OPEN`` read in a function goes through
# the enum's metaclass (docs/performance.md, "Enum members").
_OPEN = Phase.OPEN


def next_phase(
    phase: Phase | None, event: Event, *, incident: str = "", command: object = None
) -> Phase:
    """The phase after ``event``; :class:`~routing.errors.IncidentRefused` if not allowed.

    The refusal names the phase and the rule, in words an app can show.
    """
    try:
        return TRANSITIONS[phase, event]
    except KeyError:
        pass
    where = f"incident {incident}: " if incident else ""
    why = _WHY_NOT[phase] if phase is not None else "the incident does not exist yet"
    raise IncidentRefused(
        f"{where}cannot {event.label} now; {why}",
        command=command,
        rule="R8" if phase is Phase.CLOSED else event.rule,
    )


def transition_diagram() -> str:
    """The table as a Mermaid ``stateDiagram-v2``, one line per transition.

    Self-loops are gathered into one line per phase so the diagram stays
    readable; every event of the table appears on some line.
    """
    lines = ["stateDiagram-v2"]
    loops: dict[Phase, list[str]] = {}
    for (source, event), target in TRANSITIONS.items():
        if source is target:
            loops.setdefault(target, []).append(event.label)
            continue
        start = "[*]" if source is None else source.name
        lines.append(f"    {start} --> {target.name}: {event.label} ({event.rule})")
    for phase, labels in loops.items():
        lines.append(f"    {phase.name} --> {phase.name}: {', '.join(labels)}")
    lines.extend(f"    {phase.name} --> [*]" for phase in (Phase.CLOSED, Phase.REJECTED))
    return "\n".join(lines) + "\n"


def police_text(sender: str, melding_text: str) -> str:
    """A police notice as the relay posts it: the sender, then the melding (P1)."""
    return f"POLITIEBERICHT ({sender})\n{melding_text}"


def forwarded_text(origin: str, text: str) -> str:
    """The melding as it goes beyond its origin (S2, S3, S5, R5, R6, P2)."""
    return f"Doorgestuurd uit {origin}:\n{text}"


def reaction_text(incident: str, text: str) -> str:
    """A reaction as it is delivered in a group the incident reached (R4, P3)."""
    return f"Aanvulling op {incident}: {text}"


class DeliveryStatus(enum.Enum):
    """Where a delivery task stands, as the app reported it."""

    PENDING = "pending"  # handed out, not yet confirmed
    CONFIRMED = "confirmed"
    FAILED = "failed"


@attrs.frozen(kw_only=True)
class DeliveryRecord:
    """A delivery with what became of it: who posted it when, or why it failed."""

    delivery: Delivery
    status: DeliveryStatus
    by: MemberId | None = None
    at: float | None = None
    reason: str = ""


@attrs.frozen(kw_only=True)
class IncidentView:
    """A snapshot of one incident; it does not change when the relay does.

    ``reached`` lists the groups where the melding is (pending or confirmed),
    in the order it got there; the afloop goes to exactly these (R8).
    ``casushouders`` pairs each wijkgroep with its one active casushouder.
    ``reports`` lists every report that joined it, the first one first (H4).
    ``police_contact`` is who last spoke to the police about it, the one the
    afloop reminder names first (R8).
    ``held`` lists the reactions screening still holds (S1); ``addressed``
    every message a stuurgroep member sent the sender of a held one.
    """

    id: str
    phase: Phase
    origin: str
    police: bool
    sender: str | None
    melding: Melding
    opened_at: float
    closed_at: float | None
    reached: tuple[str, ...]
    casushouders: tuple[tuple[str, MemberId], ...]
    called_112_by: tuple[MemberId, ...]
    reports: tuple[tuple[MemberId, float], ...]
    deliveries: tuple[DeliveryRecord, ...]
    decisions: tuple[Decision, ...]
    pending: tuple[PendingDecision, ...]
    linked_to: str | None
    linked: tuple[str, ...]
    sender_actor: str | None = None
    police_contact: MemberId | None = None
    held: tuple[ReactionHeld, ...] = ()
    addressed: tuple[Addressed, ...] = ()


HoldRec = tuple[str, str, tuple[tuple[str, str], ...]]
"""Why a report is held: (rule, reason, every finding as (rule, reason))."""

HeldReactionRec = tuple[
    int, MemberId, str, str, str, HoldRec, float, str, "MemberId | None", str, "float | None"
]
"""A reaction screening held: (number, sender, group, screening stuurgroep, text,
why, at, status, decided by, their reason, decided at); ``status`` is one of
:data:`HELD_STATUSES`. The number counts from 1 within the incident."""

#: What became of a held reaction.
HELD_STATUSES: Final = ("held", "released", "rejected")

AddressRec = tuple[int, MemberId, MemberId, str, float]
"""A message to the sender of a held item: (reaction number, 0 for the report;
by, to, text, at)."""

Judged = set[tuple[str, str]] | frozenset[tuple[str, str]] | tuple[tuple[str, str], ...]
_NONE_JUDGED: Judged = ()


class IncidentState:
    """The relay's own mutable record of one incident.

    Internal to the relay: it leaves only as an :class:`IncidentView`.
    """

    __slots__ = (
        "_decisions",
        "_reach",
        "addressed",
        "afloop",
        "authored",
        "called",
        "casus",
        "closed_at",
        "considered",
        "deliveries",
        "failed",
        "fwd_text",
        "held",
        "hold",
        "id",
        "linked",
        "linked_to",
        "melding",
        "opened_at",
        "origin",
        "origin_wijk",
        "pending",
        "phase",
        "planned",
        "police",
        "police_contact",
        "reactions",
        "reminder_seq",
        "reports",
        "screening",
        "sender",
        "sender_actor",
        "stripped",
        "text",
    )

    def __init__(self, iid: str, origin: str, wijk: str | None, melding: Melding, at: float):
        self.id = iid
        self.origin = origin
        self.origin_wijk = wijk
        self.melding = melding
        self.opened_at = at
        self.closed_at: float | None = None
        self.phase: Phase = _OPEN
        self.police = False
        # Who last spoke to the police about it (R8): the afloop reminder
        # names them first. The reporter who called 112, or whoever since.
        self.police_contact: MemberId | None = None
        self.sender: str | None = None
        self.sender_actor: str | None = None  # the police sender's actor id, if known
        self.text = ""
        self.fwd_text = ""
        # Deliveries and decisions are kept as plain records, which the garbage
        # collector stops tracking (see routing.engine.records).
        # group -> id of the melding delivery there; made on first use (below).
        self._reach: dict[str, int] | None = None
        # A fresh report spread by a fan-out plan (routing.engine.fanout) keeps only
        # its first batch, which holds the plan's columns and decisions:
        # ``reach`` and ``decisions`` follow from it and are made when read.
        # A flag, not a reference to the plan: a tuple holding the plan would
        # stay tracked by the collector for the incident's life.
        self.planned = False
        self.casus: dict[str, MemberId] = {}  # wijkgroep -> its active casushouder
        # (decider, target) judged once. A fresh report shares its fan-out
        # plan's frozenset; judged() gives a set of its own before a change.
        # A set while the incident is live and judged by the generic spread;
        # a tuple otherwise (a set stays tracked by the collector for life).
        self.considered: Judged = _NONE_JUDGED
        # Tuples, not lists, here and below: a list is tracked by the garbage
        # collector for the incident's life, a tuple of plain values is not.
        self.deliveries: tuple[BatchRec, ...] = ()  # in id order
        # Groups whose melding delivery failed: they may be reached again, but
        # never through a route that already passes them (no loops).
        # A sorted tuple, not a frozenset: a set stays tracked by the collector.
        self.failed: tuple[str, ...] = ()
        self._decisions: tuple[DecisionRec, ...] | None = ()
        self.pending: tuple[int, ...] = ()
        self.called: tuple[MemberId, ...] = ()
        self.reports: tuple[tuple[MemberId, float], ...] = ()
        self.linked_to: str | None = None
        self.linked: tuple[str, ...] = ()
        self.reminder_seq = -1
        # Free text people typed, with its author, so that a member's texts can
        # be erased (AVG art. 17) and old ones stripped (art. 5) without
        # guessing who wrote what from the rendered deliveries.
        self.reactions: tuple[tuple[int, MemberId, str], ...] = ()  # (delivery, author, text)
        self.afloop: tuple[MemberId, str] | None = None  # (author, text as typed)
        self.screening: tuple[MemberId, bool, str, float] | None = None  # (by, release, reason, at)
        # Why screening held the report, while and after it was HELD (S1).
        self.hold: HoldRec | None = None
        self.held: tuple[HeldReactionRec, ...] = ()  # reactions screening held, in order
        self.addressed: tuple[AddressRec, ...] = ()  # messages to senders of held ones
        # (decision id, member who typed its reason); a tuple, not a dict: most
        # incidents have none, and an empty tuple costs no allocation.
        self.authored: tuple[tuple[int, MemberId], ...] = ()
        self.stripped = False  # the retention period passed and its descriptions went

    @property
    def reach(self) -> dict[str, int]:
        """Group -> the id of the live melding delivery there, in the order reached."""
        reach = self._reach
        if reach is None:
            if not self.planned:
                reach = self._reach = {}
                return reach
            batch = self.deliveries[0]  # the plan's
            groups, first = batch[5], batch[4]
            reach = self._reach = dict(zip(groups, range(first, first + len(groups))))  # noqa: B905
        return reach

    @reach.setter
    def reach(self, value: dict[str, int]) -> None:
        self._reach = value

    def follow_plan(self) -> None:
        """Let :attr:`reach` and :attr:`decisions` follow from the first batch, a plan's.

        A fresh report's spread is a fan-out plan (:mod:`routing.engine.fanout`):
        its batch names every group reached and the plan's decisions, so both
        are made from it when first read, not on every report.
        """
        self.planned = True
        self._reach = None
        self._decisions = None

    @property
    def decisions(self) -> tuple[DecisionRec, ...]:
        """Every decision about this incident, oldest first, as records."""
        decisions = self._decisions
        if decisions is None:  # planned: the first batch names the plan's decisions
            _, base, incident, at, templates = self.deliveries[0][13]
            decisions = self._decisions = plan_records(templates, base, incident, at)
        return decisions

    @decisions.setter
    def decisions(self, value: tuple[DecisionRec, ...]) -> None:
        self._decisions = value

    def hop_records(self) -> Any:
        """The decision records a batch that names no decision of its own keeps.

        :attr:`decisions`, or for a planned incident whose records were never
        made, the plan's as its first batch keeps them (``PlannedRecs``):
        a reaction or an afloop only reads its route's hops through them.
        """
        decisions = self._decisions
        return decisions if decisions is not None else self.deliveries[0][13]

    def allow(self, event: Event, command: Any) -> Phase:
        """The phase after ``command`` (an ``event`` of this incident), if it is allowed.

        :func:`next_phase`'s answer, for a command that acts on an incident
        that exists: such a command is never dated before the incident opened
        (:class:`~routing.errors.TimeRefused`), whatever the phase.
        """
        if command.at < self.opened_at:
            raise TimeRefused(
                f"incident {self.id} opened at {self.opened_at:g}; a command dated "
                f"{command.at:g} cannot act on it",
                command=command,
                rule=event.rule,
            )
        return next_phase(self.phase, event, incident=self.id, command=command)

    def save(self) -> tuple[Any, ...]:
        """A copy of everything a spread may change, to undo it if a policy raises."""
        return (
            self.phase,
            dict(self.reach),
            dict(self.casus),
            self.considered if type(self.considered) is not set else set(self.considered),
            self.deliveries,
            self.decisions,
            self.pending,
            self.fwd_text,
        )

    def restore(self, saved: tuple[Any, ...]) -> None:
        self.phase, self.reach, self.casus, self.considered = saved[:4]
        self.deliveries, self.decisions, self.pending, self.fwd_text = saved[4:]


#: A question the relay asked and nobody answered yet, as plain data:
#: (id, incident, step index, decider, source, targets, deadline, question,
#: route, seq). ``route`` is what an answer that forwards extends: the id of
#: the melding delivery in the source group when the question was asked (or
#: its route, as a saved state gives it); ``seq`` names the heap entry that
#: may time it out.
PendingRec = tuple[int, str, int, str, str, tuple[str, ...], float, str, "int | RouteRec", int]
P_ID: Final = 0
P_INCIDENT: Final = 1
P_ROUTE: Final = 8
P_SEQ: Final = 9


def pending_rec(output: PendingDecision, route: int | RouteRec, seq: int) -> PendingRec:
    return (
        output.id, output.incident, STEP_INDEX[output.step], output.decider, output.source,
        output.targets, output.deadline, output.question, route, seq,
    )  # fmt: skip


def pending_output(rec: PendingRec) -> PendingDecision:
    """The :class:`~routing.engine.outputs.PendingDecision` a record stands for."""
    pid, incident, step, decider, source, targets, deadline, question = rec[:8]
    return new_pending_decision(
        id=pid, incident=incident, step=STEPS[step], decider=decider, source=source,
        targets=targets, deadline=deadline, question=question,
    )  # fmt: skip
