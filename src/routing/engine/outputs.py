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
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Final, TypeVar, cast, overload

import attrs

from routing.domain.values import MemberId

__all__ = [
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
    "Joined",
    "Output",
    "PendingDecision",
    "Rejected",
    "Reminder",
    "Step",
]


class Step(enum.Enum):
    """One step of the routing path: from which kind of group to which.

    ``rule`` names the duty (``docs/rules.md``) that the step carries out.
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


#: Step and kind indexes: the plain records below keep a step or a kind as
#: its index, because an enum member would keep a tuple tracked by the
#: garbage collector (see :mod:`routing.engine.records`).
STEPS: Final = tuple(Step)
STEP_INDEX: Final = {step: i for i, step in enumerate(STEPS)}
KINDS: Final = tuple(DeliveryKind)
KIND_INDEX: Final = {kind: i for i, kind in enumerate(KINDS)}

#: (source, target, by, decision id, at): a :class:`Hop` as plain data.
HopRec = tuple[str | None, str, MemberId | None, int | None, float]
#: A route as plain data, origin first.
RouteRec = tuple[HopRec, ...]
#: (id, incident, step index, decider, source, targets, forward, by, at,
#: reason, default applied): a :class:`Decision` as plain data.
DecisionRec = tuple[
    int, str, int, str, str, tuple[str, ...], bool, MemberId | None, float, str, bool
]


def plan_records(
    templates: tuple[tuple[Any, ...], ...], base: int, incident: str, at: float
) -> tuple[DecisionRec, ...]:
    """The decision records a fan-out plan's templates stand for (see ``PlannedRecs``).

    A template is a record without its id, incident and time: (step index,
    decider, source, targets, forward, by, reason); ids follow ``base``.
    """
    return tuple(
        [
            (base + k, incident, step, decider, source, todo, forward, by, at, reason, False)
            for k, (step, decider, source, todo, forward, by, reason) in enumerate(templates, 1)
        ]
    )


#: A batch's decision records as a fan-out plan made them, unexpanded:
#: ("plan", decision id before the first, incident, time, templates).
PlannedRecs = tuple[str, int, str, float, tuple[tuple[Any, ...], ...]]


def batch_records(b: BatchRec) -> tuple[DecisionRec, ...]:
    """The decision records of batch ``b``, made from its plan if it has one."""
    records = b[13]
    if records and type(records[0]) is str:
        _, base, incident, at, templates = records
        return plan_records(templates, base, incident, at)
    expanded: tuple[DecisionRec, ...] = records
    return expanded


def _hop_decision_id(b: BatchRec, k: int) -> int:
    records = b[13]
    did: int = records[1] + k + 1 if type(records[0]) is str else records[k][0]
    return did


#: A batch of deliveries as plain data; see :class:`Deliveries` for the fields.
BatchRec = tuple[
    str,  # incident
    int,  # kind index
    bool,  # police
    float,  # at
    int,  # first delivery id
    tuple[str, ...],  # groups
    tuple[str, ...],  # texts
    tuple[MemberId | None, ...],  # posters
    tuple[bool, ...],  # bots
    tuple[MemberId | None, ...],  # carriers
    tuple[int | None, ...],  # parents
    tuple[int, ...],  # hops
    tuple["External", ...],  # externals
    Any,  # records: tuple[DecisionRec, ...], or PlannedRecs
]
B_INCIDENT: Final = 0
B_KIND: Final = 1
B_POLICE: Final = 2
B_AT: Final = 3
B_FIRST: Final = 4
B_GROUPS: Final = 5
B_TEXTS: Final = 6
B_POSTERS: Final = 7
B_BOTS: Final = 8
B_CARRIERS: Final = 9
B_PARENTS: Final = 10
B_HOPS: Final = 11
B_EXTERNALS: Final = 12
B_RECORDS: Final = 13
_MELDING_INDEX: Final = KIND_INDEX[DeliveryKind.MELDING]


#: Where a delivery of an earlier command that a batch extends is found:
#: ``(batch, index)``, the parent itself, or its route as records (a saved
#: state gives routes). A pointer costs one small tuple where a copy of the
#: route cost one per hop, for every reaction and every group of an afloop.
External = tuple[Any, int] | RouteRec


def external_route(ext: External) -> RouteRec:
    """The route an entry of a batch's ``externals`` stands for."""
    if type(ext[-1]) is int:  # a pointer; a route ends with a hop (a tuple)
        return batch_route(ext[0], ext[1])
    return ext  # type: ignore[return-value]


def batch_route(b: BatchRec, i: int) -> RouteRec:
    """The route of delivery ``i`` of batch ``b`` as plain records.

    Each delivery's last hop is kept as who carried it (``carriers``), from
    which delivery (``parents``: ``None`` at the origin, ``>= 0`` an index in
    the batch, ``< 0`` the entry ``externals[-1 - p]``: a delivery of an
    earlier command, see :data:`External`) and under which decision
    (``hops``: an index into ``records``, or -1). Kinds other than MELDING
    follow the route of the melding delivery they point at and add no hop.
    """
    p = b[10][i]
    if p is None:
        prefix: RouteRec = ()
    elif p >= 0:
        prefix = batch_route(b, p)
    else:
        prefix = external_route(b[12][-1 - p])
    if b[1] != _MELDING_INDEX:
        return prefix
    k = b[11][i]
    return extend_route(prefix, b[5][i], b[9][i], None if k < 0 else _hop_decision_id(b, k), b[3])


def extend_route(
    prefix: RouteRec, group: str, carrier: MemberId | None, decision: int | None, at: float
) -> RouteRec:
    """``prefix`` with one more hop: a melding delivery into ``group``, from
    where the prefix ends (``None`` at the origin)."""
    source = prefix[-1][1] if prefix else None
    return (*prefix, (source, group, carrier, decision, at))


def batch_source(b: BatchRec, i: int) -> str | None:
    """The group melding delivery ``i`` came from (``None``: its origin)."""
    p = b[10][i]
    if p is None:
        return None
    if p >= 0:
        return b[5][p]
    return external_route(b[12][-1 - p])[-1][1]


def batch_decision(b: BatchRec, i: int) -> DecisionRec | None:
    """The record of the decision behind melding delivery ``i``'s last hop."""
    k = b[11][i]
    if k < 0:
        return None
    records = b[13]
    if type(records[0]) is str:
        _, base, incident, at, templates = records
        return plan_records(templates[k : k + 1], base + k, incident, at)[0]
    return records[k]  # type: ignore[no-any-return]


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
    :meth:`hop` gives just the last hop.

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
    """A report that says 112 was not called is held for the stuurgroep (H3, S1).

    Nothing was delivered. A member of ``stuurgroep`` screens it with
    :class:`~routing.engine.commands.Screen`: release it into ``wijkgroep`` (after
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
    Deliveries
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


_hop = _builder(Hop)
_decision = _builder(Decision)
_delivery = _builder(Delivery)


class Rebuild:
    """Outputs made again from one incident's records, sharing equal parts.

    One instance per reading (a batch's values, an incident's view): every
    decision and hop is made once and referenced by each route through it.
    """

    __slots__ = ("_decisions", "_hops", "_recs")

    def __init__(self, decisions: Iterable[DecisionRec]) -> None:
        self._recs = {rec[0]: rec for rec in decisions}
        self._decisions: dict[int, Decision] = {}
        self._hops: dict[HopRec, Hop] = {}

    def decision(self, did: int) -> Decision:
        made = self._decisions.get(did)
        if made is None:
            r = self._recs[did]
            made = self._decisions[did] = _decision(
                r[0], r[1], STEPS[r[2]], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]
            )
        return made

    def route(self, route: RouteRec) -> tuple[Hop, ...]:
        hops = self._hops
        out = []
        for rec in route:
            hop = hops.get(rec)
            if hop is None:
                did = rec[3]
                decision = None if did is None else self.decision(did)
                hop = hops[rec] = _hop(rec[0], rec[1], rec[2], decision, rec[4])
            out.append(hop)
        return tuple(out)

    def delivery(self, b: BatchRec, i: int) -> Delivery:
        return _delivery(
            b[4] + i, b[0], KINDS[b[1]], b[5][i], b[6][i], b[7][i], b[8][i], b[2],
            self.route(batch_route(b, i)),
        )  # fmt: skip

    def batch(self, b: BatchRec) -> list[Delivery]:
        """Every delivery of ``b``; a route inside the batch is made once and extended."""
        routes: list[tuple[Hop, ...]] = []
        melding = b[1] == _MELDING_INDEX
        for i, p in enumerate(b[10]):
            if p is None:
                prefix: tuple[Hop, ...] = ()
            elif p >= 0:
                prefix = routes[p]  # parents come before their children
            else:
                prefix = self.route(external_route(b[12][-1 - p]))
            if melding:
                k = b[11][i]
                decision = None if k < 0 else self.decision(_hop_decision_id(b, k))
                source = prefix[-1].target if prefix else None
                prefix = (*prefix, _hop(source, b[5][i], b[9][i], decision, b[3]))
            routes.append(prefix)
        first, kind = b[4], KINDS[b[1]]
        return [
            _delivery(first + i, b[0], kind, group, text, poster, bot, b[2], route)
            for i, (group, text, poster, bot, route) in enumerate(
                zip(b[5], b[6], b[7], b[8], routes, strict=True)
            )
        ]
