"""The relay's own records of decisions, hops and deliveries: plain tuples.

Theory of operation
-------------------

Every report leaves a record the relay keeps until retention strips it:
decisions, deliveries and their routes. Outputs (:mod:`routing.outputs`)
are frozen attrs instances, and CPython's garbage collector tracks every
such instance for as long as it lives; a long evening keeps tens of
thousands of them, and each full collection walks them all again. Measured
on ``benchmarks/bench_relay.py``: each incident kept about 33 tracked
objects, and the collector took 15-25 µs of a 50 µs report.

So the relay keeps its records as exact tuples of ints, strings, floats,
booleans, ``None`` and tuples of those (an enum member is an object, so a
step or a kind is kept as its index). CPython stops tracking such a tuple
once a collection finds its items untracked (one level of nesting per
pass, so within a few young collections), and then never looks at it
again. The
outputs of a command are built for the caller and not kept; when a view, a
later output or the saved state needs them again, :class:`Rebuild` makes
them from the records: equal by value to the ones handed out before, with
one :class:`~routing.outputs.Decision` and one :class:`~routing.outputs.Hop`
object per record, shared by every route that passes through it.

The layouts follow the output classes field by field, so a record reads
like the value it stands for (see the index names below).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from .outputs import Decision, Delivery, DeliveryKind, Hop, Step, _builder
from .values import MemberId

__all__ = [
    "KINDS",
    "KIND_INDEX",
    "STEPS",
    "STEP_INDEX",
    "DecisionRec",
    "DeliveryRec",
    "HopRec",
    "Rebuild",
    "RouteRec",
    "decision_rec",
    "route_rec",
]

STEPS: Final = tuple(Step)
STEP_INDEX: Final = {step: i for i, step in enumerate(STEPS)}
KINDS: Final = tuple(DeliveryKind)
KIND_INDEX: Final = {kind: i for i, kind in enumerate(KINDS)}
MELDING: Final = KIND_INDEX[DeliveryKind.MELDING]
REACTION: Final = KIND_INDEX[DeliveryKind.REACTION]

#: (source, target, by, decision id, at): a :class:`~routing.outputs.Hop`.
HopRec = tuple[str | None, str, MemberId | None, int | None, float]
RouteRec = tuple[HopRec, ...]
#: (id, incident, step index, decider, source, targets, forward, by, at,
#: reason, default applied): a :class:`~routing.outputs.Decision`.
DecisionRec = tuple[
    int, str, int, str, str, tuple[str, ...], bool, MemberId | None, float, str, bool
]
#: (id, incident, kind index, group, text, poster, bot, police, route): a
#: :class:`~routing.outputs.Delivery`.
DeliveryRec = tuple[int, str, int, str, str, MemberId | None, bool, bool, RouteRec]

# Field positions, for the few places that read a record. Final literals, so
# that mypy knows the type of each field.
H_SOURCE: Final = 0
H_TARGET: Final = 1
H_BY: Final = 2
H_DECISION: Final = 3
H_AT: Final = 4
D_ID: Final = 0
D_INCIDENT: Final = 1
D_KIND: Final = 2
D_GROUP: Final = 3
D_TEXT: Final = 4
D_POSTER: Final = 5
D_BOT: Final = 6
D_POLICE: Final = 7
D_ROUTE: Final = 8
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

_hop = _builder(Hop)
_decision = _builder(Decision)
_delivery = _builder(Delivery)


def decision_rec(d: Decision) -> DecisionRec:
    return (
        d.id, d.incident, STEP_INDEX[d.step], d.decider, d.source, d.targets, d.forward,
        d.by, d.at, d.reason, d.default_applied,
    )  # fmt: skip


def route_rec(route: Iterable[Hop]) -> RouteRec:
    return tuple(
        (h.source, h.target, h.by, None if h.decision is None else h.decision.id, h.at)
        for h in route
    )


def find_decision(decisions: Iterable[DecisionRec], did: int) -> DecisionRec:
    """The record of decision ``did`` among one incident's (a short list; rare)."""
    return next(rec for rec in decisions if rec[0] == did)


class Rebuild:
    """Outputs made again from one incident's records, sharing equal parts.

    One instance per view or command: every decision and hop is made once
    and referenced by each route through it, as the relay's fan-out does.
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

    def delivery(self, r: DeliveryRec) -> Delivery:
        return _delivery(r[0], r[1], KINDS[r[2]], r[3], r[4], r[5], r[6], r[7], self.route(r[8]))
