"""What the relay hands back: plain frozen values that say what must happen.

The relay (:mod:`routing.relay`) sends nothing. Every command returns a tuple
of these values, and the app does the I/O they describe: paste a text into a
chat group, show a question to a stuurgroep, remind a casushouder.

All of them are frozen attrs classes with tuples inside, so they are
hashable, compare by value and can be logged or replayed. Deliveries come
in batches: a command returns one :class:`Deliveries` per incident it
delivers in, with a column per field, and each :class:`Delivery` (with its
route of :class:`Hop` and :class:`Decision` values) is made when it is
read. A report that reaches sixty groups then costs what its columns cost,
not sixty objects with their routes; see ``docs/performance.md``. They carry
no validators: the relay builds them from commands it has already checked,
on the hot path of every report, so a validator would only check the
relay's own work again (commands, which come from outside, are checked at
construction; see :mod:`routing.engine.commands`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import attrs

from routing.domain.screening import Finding
from routing.domain.values import MemberId

from .construct import fast_constructor
from .records import BatchRec, Rebuild, batch_records, batch_route, batch_source
from .route import KINDS, Decision, Delivery, DeliveryKind, Hop, Step

__all__ = [
    "Addressed",
    "CasushouderChanged",
    "Decision",
    "DecisionMade",
    "Deliveries",
    "Delivery",
    "DeliveryConfirmed",
    "DeliveryFailed",
    "DeliveryKind",
    "Held",
    "Hop",
    "IncidentClosed",
    "IncidentOpened",
    "IncidentRegrouped",
    "Joined",
    "Output",
    "PartnerPosted",
    "PendingDecision",
    "ReactionHeld",
    "Rejected",
    "Reminder",
    "Step",
    "TaskReassigned",
]


@attrs.frozen(eq=False, repr=False)
class Deliveries(Sequence[Delivery]):
    """The delivery tasks one command hands out in one incident, as columns.

    A report that spreads gemeente-wide hands out dozens of deliveries at
    once, so the relay returns them together: one value with a column per
    field, where delivery ``i`` has id ``first + i`` (``ids``) and is posted
    into ``groups[i]`` by ``posters[i]`` (``None``: a bot, ``bots[i]``) with
    the text ``texts[i]``. An app that posts only needs the columns::

        for did, group, poster, text in zip(batch.ids, batch.groups, batch.posters, batch.texts):
            ...

    It is also a sequence of :class:`Delivery` values, made when they are
    read (``batch[i]``, ``for d in batch``), each with its route: the chain
    of hops from the origin with who forwarded at each one and the decision
    that allowed it. The routes are kept inside as plain records and become
    :class:`Hop` and :class:`Decision` values only then, so values read
    twice are equal but not the same objects: compare them with ``==``.
    Routes that share a beginning share its hops within one reading.
    :meth:`hop` gives just the last hop, :attr:`sources` just where each came from.

    Two batches are equal when they hold equal deliveries, however they
    were built (comparing or hashing one makes its deliveries). The relay
    keeps the same data as a plain tuple (``BatchRec``); it is not part of
    the public interface.
    """

    _rec: BatchRec

    @property
    def incident(self) -> str:
        return self._rec[0]

    @property
    def kind(self) -> DeliveryKind:
        return KINDS[self._rec[1]]

    @property
    def police(self) -> bool:
        """A police notice: apps show it first (P1)."""
        return self._rec[2]

    @property
    def at(self) -> float:
        """When the command that handed these out happened."""
        return self._rec[3]

    @property
    def first(self) -> int:
        """The id of the first delivery; the others follow on."""
        return self._rec[4]

    @property
    def ids(self) -> range:
        """The delivery ids, in column order; confirm or fail each one."""
        first = self._rec[4]
        return range(first, first + len(self._rec[5]))

    @property
    def groups(self) -> tuple[str, ...]:
        return self._rec[5]

    @property
    def texts(self) -> tuple[str, ...]:
        return self._rec[6]

    @property
    def posters(self) -> tuple[MemberId | None, ...]:
        return self._rec[7]

    @property
    def bots(self) -> tuple[bool, ...]:
        return self._rec[8]

    @property
    def sources(self) -> tuple[str | None, ...]:
        """The group each melding delivery was carried from (``None`` where the
        melding started), in column order: the last hop's source without the
        route (:meth:`hop` has the rest). All ``None`` in other kinds of batch."""
        rec = self._rec
        n = len(rec[5])
        if KINDS[rec[1]] is not DeliveryKind.MELDING:
            return (None,) * n
        return tuple([batch_source(rec, i) for i in range(n)])

    def __len__(self) -> int:
        return len(self._rec[5])

    @overload
    def __getitem__(self, index: int) -> Delivery: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Delivery, ...]: ...

    def __getitem__(self, index: int | slice) -> Delivery | tuple[Delivery, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        rec = self._rec
        return Rebuild(batch_records(rec)).delivery(rec, self._index(index))

    def __iter__(self) -> Iterator[Delivery]:
        rec = self._rec
        return iter(Rebuild(batch_records(rec)).batch(rec))

    def hop(self, index: int) -> Hop:
        """The last hop of delivery ``index``'s route: where it came from, by whom."""
        rec = self._rec
        route = batch_route(rec, self._index(index))
        return Rebuild(batch_records(rec)).route(route[-1:])[0]

    def _index(self, index: int) -> int:
        n = len(self._rec[5])
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError(f"delivery index {index} out of range for {n} deliveries")
        return i

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Deliveries):
            return NotImplemented
        return self is other or tuple(self) == tuple(other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return (
            f"Deliveries(incident={self.incident!r}, kind={self.kind}, ids={self.ids!r}, "
            f"groups={self.groups!r}, posters={self.posters!r})"
        )


@attrs.frozen(kw_only=True)
class PendingDecision:
    """The relevance policy asked the members of ``decider`` to judge (R5, R6).

    Show ``question`` to them; one of them answers with
    :class:`~routing.engine.commands.Decide`. If nobody does before ``deadline``,
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
    """Screening holds a report for the stuurgroep (S1); nothing was delivered.

    ``rule`` and ``reason`` are the main finding's: 112 was not called (H3),
    vigilantism (H6), abusive language (H5); ``findings`` lists them all, the
    most serious first. A member of ``stuurgroep`` screens it with
    :class:`~routing.engine.commands.Screen`: release it into ``wijkgroep``
    (after making sure the police know, or deciding that it is fine) or
    reject it with a reason for ``reporter``; before deciding they may
    address the reporter (:class:`~routing.engine.commands.Address`).
    """

    incident: str
    wijkgroep: str
    stuurgroep: str
    reporter: MemberId
    reason: str
    at: float
    rule: str = "H3"
    findings: tuple[Finding, ...] = ()


@attrs.frozen(kw_only=True)
class ReactionHeld:
    """Screening holds a reaction for the stuurgroep (S1, H5, H6, H9); it is not delivered.

    ``reaction`` numbers it within ``incident`` (from 1). It would go into
    ``group`` with ``text``; a member of ``stuurgroep`` (the one of the
    sender's own wijkgroep) releases or rejects it with
    :class:`~routing.engine.commands.Screen` (``reaction=``), or addresses
    ``member`` first (:class:`~routing.engine.commands.Address`).
    """

    incident: str
    reaction: int
    group: str
    stuurgroep: str
    member: MemberId
    text: str
    rule: str
    reason: str
    findings: tuple[Finding, ...]
    at: float


@attrs.frozen(kw_only=True)
class Rejected:
    """A held report (``reaction`` ``None``) or reaction was rejected in
    screening (S1); tell ``reporter``, who sent it, why."""

    incident: str
    reporter: MemberId
    by: MemberId
    reason: str
    at: float
    reaction: int | None = None


@attrs.frozen(kw_only=True)
class Addressed:
    """A stuurgroep member addresses the sender of a held message (S1).

    Send ``text`` to member ``to`` in private: why the message is held, what
    to do (call 112 first, keep it business-like, no chit-chat in the group).
    ``reaction`` is ``None`` for a held report. The message stays held.
    """

    incident: str
    reaction: int | None
    to: MemberId
    by: MemberId
    text: str
    at: float


@attrs.frozen(kw_only=True)
class PartnerPosted:
    """A partner's message for the beheerdersgroep of ``gemeente`` (G5; 000).

    Post ``text`` in the beheerdersgroep, labelled with the partner. Its
    members are ``admins``, one per stuurgroep as ``(stuurgroep, member)``
    (the stuurgroep's members administer all its wijkgroepen), and the
    ``partners`` of the gemeente. Each admin judges whether it matters to
    their own groups and shares it there; it opens no incident: it is not a
    report of a situation, and the police act only on 112.
    """

    gemeente: str
    actor: str
    sender: str
    text: str
    admins: tuple[tuple[str, MemberId], ...]
    partners: tuple[str, ...]
    at: float


@attrs.frozen(kw_only=True)
class Joined:
    """A second report of the same situation joined an open incident (H4, R7).

    Show ``text`` to ``reporter``: 112 has already been called and by whom,
    so 112 is not flooded with calls about one incident, and why the report
    counts as the same situation (``reason``: the reporter may disagree and
    report it as a new one, :attr:`~routing.engine.commands.Report.new_situation`).
    The report itself is posted in the reporter's wijkgroep as an addition to
    the incident (a reaction delivery, R4), where the incident reached it.
    """

    incident: str
    reporter: MemberId
    called_112_by: tuple[MemberId, ...]
    reason: str
    text: str
    at: float


@attrs.frozen(kw_only=True)
class CasushouderChanged:
    """The active casushouder of ``wijkgroep`` for ``incident`` changed.

    ``previous`` is ``None`` where the wijkgroep had none (R7); ``current`` is
    ``None`` where the one who left had nobody to pass the role to.
    ``reason`` says why when the relay moved it, not a person (a casushouder
    who left, :mod:`routing.engine.departures`).
    """

    incident: str
    wijkgroep: str
    previous: MemberId | None
    current: MemberId | None
    at: float
    reason: str = ""


@attrs.frozen(kw_only=True)
class IncidentRegrouped:
    """A split removed ``group``, a wijkgroep ``incident`` had reached (G2): its
    residents are in ``into`` now, so the incident counts as there, and its
    reactions and afloop go there (:mod:`routing.engine.departures`)."""

    incident: str
    group: str
    into: tuple[str, ...]
    at: float


@attrs.frozen(kw_only=True)
class TaskReassigned:
    """Delivery ``delivery`` in ``group`` is now a task for ``current``: ``previous``,
    who was to post it, is no longer in the group (:mod:`routing.engine.departures`)."""

    delivery: int
    group: str
    previous: MemberId
    current: MemberId
    reason: str
    at: float


@attrs.frozen(kw_only=True)
class Reminder:
    """No afloop yet (R8): remind the casushouders to close the incident.

    ``police_contact`` is who last spoke to the police about it, who usually
    posts the afloop (R8); where they are a casushouder they come first in
    ``casushouders``, and ``text`` names them.
    """

    incident: str
    casushouders: tuple[MemberId, ...]
    text: str
    at: float
    police_contact: MemberId | None = None


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
    Deliveries
    | PendingDecision
    | DecisionMade
    | IncidentOpened
    | Held
    | ReactionHeld
    | Rejected
    | Addressed
    | PartnerPosted
    | Joined
    | TaskReassigned
    | IncidentRegrouped
    | CasushouderChanged
    | Reminder
    | IncidentClosed
    | DeliveryConfirmed
    | DeliveryFailed
)
"""Anything :meth:`routing.relay.Relay.handle` can return."""


# The outputs the relay makes on every command, built by the measured shortcut
# :func:`~routing.engine.construct.fast_constructor` (equal to ``Class(...)``).
new_deliveries = fast_constructor(Deliveries)
new_incident_opened = fast_constructor(IncidentOpened)
new_pending_decision = fast_constructor(PendingDecision)
new_decision_made = fast_constructor(DecisionMade)
new_joined = fast_constructor(Joined)
new_reminder = fast_constructor(Reminder)
new_incident_closed = fast_constructor(IncidentClosed)
new_delivery_confirmed = fast_constructor(DeliveryConfirmed)
