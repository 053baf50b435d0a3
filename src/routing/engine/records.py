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
from typing import Final

from .outputs import (
    KIND_INDEX,
    KINDS,
    STEP_INDEX,
    STEPS,
    BatchRec,
    DecisionRec,
    Deliveries,
    DeliveryKind,
    HopRec,
    Rebuild,
    RouteRec,
    _builder,
    _decision,
)

__all__ = [
    "KINDS",
    "KIND_INDEX",
    "STEPS",
    "STEP_INDEX",
    "Batches",
    "DecisionRec",
    "HopRec",
    "Rebuild",
    "RouteRec",
    "_decision",
    "wrap_batch",
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

#: The caller's view of a kept batch: one small object, the columns shared.
wrap_batch: Final = _builder(Deliveries)


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
