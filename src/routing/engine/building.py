"""The melding deliveries a running command hands out in one incident: :class:`Building`.

Kept as rows until the command succeeded, then made into one batch record
(:func:`~routing.engine.records.make_batch`) each; see
:class:`~routing.engine.router.Router`.
"""

from __future__ import annotations

from bisect import bisect_left
from operator import itemgetter
from typing import Any, Protocol

from routing.domain.values import MemberId

from .incident import IncidentState
from .records import KIND_INDEX, BatchRec, External, RouteRec, extend_route, make_batch
from .route import DeliveryKind

__all__ = ["Building", "Parent", "ParentLookup"]

_MELDING_INDEX = KIND_INDEX[DeliveryKind.MELDING]
_ID = itemgetter(0)


class ParentLookup(Protocol):
    """Where a delivery's parent is looked up: the :class:`~routing.engine.router.Router`."""

    def parent_route(self, parent: Parent, inc: IncidentState) -> RouteRec: ...

    def parent_ref(self, parent: Parent, inc: IncidentState) -> External: ...


Parent = int | RouteRec | None
"""What a delivery's route extends: a delivery's id, a route, or nothing (the origin)."""


# One delivery while its command runs: (group, text, poster, bot, carrier,
# parent, decision id); the order of the columns of a Deliveries.
_Row = tuple[str, str, "MemberId | None", bool, "MemberId | None", Parent, "int | None"]
_ID = itemgetter(0)


class Building:
    """The melding deliveries a command hands out in one incident, while it runs.

    Every command that spreads a melding collects its deliveries here, one row each,
    in the position of the outputs where the first one was made (``slot``);
    :meth:`Router.finish <routing.engine.router.Router.finish>` turns each into one
    :class:`~routing.engine.outputs.Deliveries` once the command succeeded. Parents
    are kept as delivery ids (or a route) until then; a fresh report from a
    wijkgroep with a fan-out plan skips this and builds its batch at once.
    """

    __slots__ = ("at", "first", "inc", "rows", "slot")

    def __init__(self, inc: IncidentState, at: float, first: int, slot: int) -> None:
        self.inc = inc
        self.at = at
        self.first = first
        self.slot = slot
        self.rows: list[_Row] = []

    def route(self, router: ParentLookup, did: int) -> RouteRec:
        group, _, _, _, carrier, parent, decision = self.rows[did - self.first]
        prefix = router.parent_route(parent, self.inc)
        return extend_route(prefix, group, carrier, decision, self.at)

    def finish(self, router: ParentLookup) -> BatchRec:
        inc = self.inc
        first = self.first
        rows = self.rows
        records = inc.decisions  # shared: every hop names one of them
        if len(rows) == 1:  # an origin, or a decision that reached one group
            group, text, poster, bot, carrier, p, did = rows[0]
            hop = -1 if did is None else bisect_left(records, did, key=_ID)
            return make_batch(
                incident=inc.id,
                kind=_MELDING_INDEX,
                police=inc.police,
                at=self.at,
                first=first,
                groups=(group,),
                texts=(text,),
                posters=(poster,),
                bots=(bot,),
                carriers=(carrier,),
                parents=(None,) if p is None else (-1,),
                hops=(hop,),
                externals=() if p is None else (router.parent_ref(p, inc),),
                records=records,
            )
        groups, texts, posters, bots, carriers, raw, decisions = zip(*rows, strict=True)
        externals: list[Any] = []
        parents: list[int | None] = []
        seen: dict[Any, int] | None = None
        for p in raw:
            if p is None:
                parents.append(None)
            elif type(p) is int and p >= first:
                parents.append(p - first)
            else:
                if seen is None:
                    seen = {}
                k = seen.get(p)
                if k is None:
                    k = seen[p] = len(externals)
                    externals.append(router.parent_ref(p, inc))
                parents.append(-1 - k)
        # Decision ids grow with their position, so a binary search finds each.
        hops = tuple(
            [-1 if did is None else bisect_left(records, did, key=_ID) for did in decisions]
        )
        return make_batch(
            incident=inc.id,
            kind=_MELDING_INDEX,
            police=inc.police,
            at=self.at,
            first=first,
            groups=groups,
            texts=texts,
            posters=posters,
            bots=bots,
            carriers=carriers,
            parents=tuple(parents),
            hops=hops,
            externals=tuple(externals),
            records=records,
        )
