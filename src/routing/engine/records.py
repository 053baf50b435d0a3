"""The relay's own records of decisions, hops and deliveries: plain tuples.

Theory of operation
-------------------

Every report leaves a record the relay keeps until retention strips it:
decisions, deliveries and their routes. Outputs (:mod:`routing.engine.outputs`)
are frozen attrs instances, and CPython's garbage collector tracks every
such instance for as long as it lives; a long evening keeps tens of
thousands of them, and each full collection walks them all again. Measured
on ``benchmarks/bench_relay.py``: each incident kept about 33 tracked
objects, and the collector took 15-25 µs of a 50 µs report.

So the relay keeps its records as exact tuples of ints, strings, floats,
booleans, ``None`` and tuples of those (an enum member is an object, so a
step or a kind is kept as its index). Deliveries are kept as the tuple a
:class:`~routing.engine.outputs.Deliveries` wraps (``BatchRec``), one per command
and incident, whose columns are such tuples and whose routes are records
that point at the delivery they extend; a fresh report's batch shares its
columns with the fan-out plan (:mod:`routing.engine.fanout`). The relay hands each
command's batches out wrapped, one small object each, and keeps only the
tuples. CPython stops tracking such a tuple
once a collection finds its items untracked (one level of nesting per
pass, so within a few young collections), and then never looks at it
again. The
outputs of a command are built for the caller and not kept; when a view, a
later output or the saved state needs them again, :class:`Rebuild` makes
them from the records: equal by value to the ones handed out before, with
one :class:`~routing.engine.outputs.Decision` and one :class:`~routing.engine.outputs.Hop`
object per record, shared by every route that passes through it.

The layouts follow the output classes field by field, so a record reads
like the value it stands for (see the index names below).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import Any, Final

from routing.domain.values import MemberId

from .route import (
    KIND_INDEX,
    KINDS,
    STEP_INDEX,
    STEPS,
    Decision,
    Delivery,
    DeliveryKind,
    Hop,
    new_decision,
    new_delivery,
    new_hop,
)

__all__ = [
    "B_AT",
    "B_BOTS",
    "B_CARRIERS",
    "B_EXTERNALS",
    "B_FIRST",
    "B_GROUPS",
    "B_HOPS",
    "B_INCIDENT",
    "B_KIND",
    "B_PARENTS",
    "B_POLICE",
    "B_POSTERS",
    "B_RECORDS",
    "B_TEXTS",
    "C_AT",
    "C_BY",
    "C_DECIDER",
    "C_DEFAULT",
    "C_FORWARD",
    "C_ID",
    "C_INCIDENT",
    "C_REASON",
    "C_SOURCE",
    "C_STEP",
    "C_TARGETS",
    "KINDS",
    "KIND_INDEX",
    "MELDING",
    "REACTION",
    "STEPS",
    "STEP_INDEX",
    "BatchRec",
    "Batches",
    "DecisionRec",
    "External",
    "HopRec",
    "PlannedRecs",
    "Rebuild",
    "RouteRec",
    "batch_decision",
    "batch_records",
    "batch_route",
    "batch_source",
    "decision_of",
    "extend_route",
    "external_route",
    "make_batch",
    "plan_records",
]

MELDING: Final = KIND_INDEX[DeliveryKind.MELDING]
REACTION: Final = KIND_INDEX[DeliveryKind.REACTION]

# Field positions, for the few places that read a record. Final literals, so
# that mypy knows the type of each field.
C_ID: Final = 0
C_INCIDENT: Final = 1
C_STEP: Final = 2
C_DECIDER: Final = 3
C_SOURCE: Final = 4
C_TARGETS: Final = 5
C_FORWARD: Final = 6
C_BY: Final = 7
C_AT: Final = 8
C_REASON: Final = 9
C_DEFAULT: Final = 10


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


def make_batch(
    *,
    incident: str,
    kind: int,
    police: bool,
    at: float,
    first: int,
    groups: tuple[str, ...],
    texts: tuple[str, ...],
    posters: tuple[MemberId | None, ...],
    bots: tuple[bool, ...],
    carriers: tuple[MemberId | None, ...],
    parents: tuple[int | None, ...],
    hops: tuple[int, ...],
    externals: tuple[External, ...] = (),
    records: Any,
) -> BatchRec:
    """A :data:`BatchRec` with its fields named; every batch the relay keeps is made here."""
    return (
        incident, kind, police, at, first, groups, texts, posters, bots, carriers, parents,
        hops, externals, records,
    )  # fmt: skip


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


def decision_of(rec: DecisionRec) -> Decision:
    """The :class:`Decision` a decision record stands for."""
    did, incident, step, decider, source, targets, forward, by, at, reason, default = rec
    return new_decision(
        id=did, incident=incident, step=STEPS[step], decider=decider, source=source,
        targets=targets, forward=forward, by=by, at=at, reason=reason, default_applied=default,
    )  # fmt: skip


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
            made = self._decisions[did] = decision_of(r)
        return made

    def route(self, route: RouteRec) -> tuple[Hop, ...]:
        hops = self._hops
        out = []
        for rec in route:
            hop = hops.get(rec)
            if hop is None:
                did = rec[3]
                decision = None if did is None else self.decision(did)
                source, target, by, _, at = rec
                hop = hops[rec] = new_hop(
                    source=source, target=target, by=by, decision=decision, at=at
                )
            out.append(hop)
        return tuple(out)

    def delivery(self, b: BatchRec, i: int) -> Delivery:
        return new_delivery(
            id=b[B_FIRST] + i,
            incident=b[B_INCIDENT],
            kind=KINDS[b[B_KIND]],
            group=b[B_GROUPS][i],
            text=b[B_TEXTS][i],
            poster=b[B_POSTERS][i],
            bot=b[B_BOTS][i],
            police=b[B_POLICE],
            route=self.route(batch_route(b, i)),
        )

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
                hop = new_hop(
                    source=source, target=b[B_GROUPS][i], by=b[B_CARRIERS][i],
                    decision=decision, at=b[B_AT],
                )  # fmt: skip
                prefix = (*prefix, hop)
            routes.append(prefix)
        first, incident, kind, police = b[B_FIRST], b[B_INCIDENT], KINDS[b[B_KIND]], b[B_POLICE]
        return [
            new_delivery(
                id=first + i,
                incident=incident,
                kind=kind,
                group=group,
                text=text,
                poster=poster,
                bot=bot,
                police=police,
                route=route,
            )
            for i, (group, text, poster, bot, route) in enumerate(
                zip(b[B_GROUPS], b[B_TEXTS], b[B_POSTERS], b[B_BOTS], routes, strict=True)
            )
        ]


class Batches:
    """Every batch of deliveries the relay keeps, found by a delivery's id.

    Batches come in the order of their ids (the relay hands ids out in
    order, and a batch's are consecutive), so one entry per batch and a
    binary search find any delivery: no entry per delivery.
    """

    __slots__ = ("_batches", "_starts")

    def __init__(self, batches: Iterable[BatchRec] = ()) -> None:
        ordered = sorted(batches, key=lambda b: b[4])
        self._starts = [b[4] for b in ordered]
        self._batches = ordered

    def add(self, batch: BatchRec) -> None:
        """Keep ``batch``, whose ids follow every batch kept before."""
        if self._starts and batch[4] <= self._starts[-1]:
            raise ValueError(f"batch {batch[4]} does not follow {self._starts[-1]}")
        self._starts.append(batch[4])
        self._batches.append(batch)

    def find(self, did: int) -> tuple[BatchRec, int]:
        """The batch holding delivery ``did`` and its index there; ``KeyError`` if none."""
        k = bisect_right(self._starts, did) - 1
        if k >= 0:
            batch = self._batches[k]
            i = did - batch[4]
            if i < len(batch[5]):
                return batch, i
        raise KeyError(did)

    def __iter__(self) -> Iterator[BatchRec]:
        return iter(self._batches)
