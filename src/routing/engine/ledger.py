"""What the relay keeps between commands: :class:`Ledger`.

One object holds it all (incidents, every delivery, their statuses, the
pending and the taken decisions, the duplicate index, the deadlines and the
id counters), so that saving and loading the relay (:mod:`routing.engine.state`)
and erasing from it (:mod:`routing.engine.privacy`) read and write one thing,
and a loaded state replaces the old one in a single assignment. The
:class:`~routing.engine.router.Router` and the command handlers work on it;
none of them keeps state of its own between commands.

Records, not outputs: :mod:`routing.engine.records` says why.
"""

from __future__ import annotations

import heapq
import operator
from bisect import bisect_right
from typing import Any, Final

from routing.domain.values import MemberId
from routing.errors import UnknownIncidentError

from .incident import P_SEQ, IncidentState, PendingRec, Phase
from .records import B_FIRST, B_GROUPS, Batches, BatchRec, DecisionRec

__all__ = [
    "DECISION_DUE",
    "LIVE",
    "REMINDER_DUE",
    "Deadline",
    "Ledger",
    "StatusRec",
]

#: The phases in which an incident still spreads, reminds and counts as a duplicate.
LIVE: Final = (Phase.OPEN, Phase.SPREADING)
#: The kinds of deadline on the heap: a pending decision's default, an afloop reminder.
DECISION_DUE: Final = 0
REMINDER_DUE: Final = 1

Deadline = tuple[float, int, int, Any]
"""(when, sequence number, kind, reference): a pending decision's id or an incident's."""

StatusRec = tuple[str, "MemberId | None", "float | None", str]
"""A delivery no longer pending: (status value, by, at, reason)."""


#: A batch's first delivery id, as a key for the binary search in ``delivery``
#: (``itemgetter`` rather than a function: it runs at every step of every search).
_first = operator.itemgetter(B_FIRST)


class Ledger:
    """Everything the relay holds between commands, as plain records."""

    __slots__ = (
        "closing",
        "counts",
        "deliveries",
        "heap",
        "incidents",
        "live",
        "notices",
        "pending",
        "reassigned",
        "recent",
        "resolved",
        "seq",
        "status",
    )

    def __init__(self) -> None:
        self.incidents: dict[str, IncidentState] = {}
        self.deliveries = Batches()  # every delivery, by id
        # Only deliveries no longer pending.
        self.status: dict[int, StatusRec] = {}
        self.pending: dict[int, PendingRec] = {}
        self.resolved: dict[int, DecisionRec | None] = {}  # None: cancelled by the afloop
        # (wijkgroep, category name) -> ids of live incidents, oldest first (H4).
        self.recent: dict[tuple[str, str], list[str]] = {}
        # Ids of live police notices, oldest first: a resident's report of what
        # one covers joins it (H4). Never saved: it follows from the incidents.
        self.notices: list[str] = []
        # Ids of every live incident, in the order they opened: what a member
        # who left may still hold a role in (routing.engine.departures). Never
        # saved: it follows from the incidents' phases.
        self.live: dict[str, None] = {}
        # Ids of closed incidents that may still have delivery tasks out (their
        # afloop above all), oldest first; pruned as they are done. Never saved.
        self.closing: dict[str, None] = {}
        # Delivery -> the member it is a task for now, where the one it named
        # left the group before posting it (routing.engine.departures).
        self.reassigned: dict[int, MemberId] = {}
        self.heap: list[Deadline] = []
        self.counts = [0, 0, 0, 0]  # incidents, deliveries, decisions, pending
        self.seq = 0  # heap order; never rolled back, so stale entries stay stale

    # ------------------------------------------------------------ ids

    def next_id(self) -> str:
        """A new incident's id."""
        self.counts[0] += 1
        return f"I{self.counts[0]}"

    def next_count(self, which: int) -> int:
        """The next id of counter ``which`` (1 deliveries, 2 decisions, 3 pending)."""
        self.counts[which] += 1
        return self.counts[which]

    # ------------------------------------------------------------ incidents

    def get(self, incident: str) -> IncidentState:
        """The incident ``incident``; :class:`~routing.errors.UnknownIncidentError` if none."""
        try:
            return self.incidents[incident]
        except (KeyError, TypeError):
            raise UnknownIncidentError(incident) from None

    def index(self, inc: IncidentState) -> None:
        """Make a live incident findable as a duplicate (H4) and as live."""
        self.live[inc.id] = None
        if inc.police:
            self.notices.append(inc.id)
            return
        key = (inc.origin, inc.melding.category.name)
        ids = self.recent.get(key)
        if ids is None:
            self.recent[key] = [inc.id]
        else:
            ids.append(inc.id)

    def unindex(self, inc: IncidentState) -> None:
        """The closing incident is nobody's duplicate any more, and not live."""
        self.live.pop(inc.id, None)
        if inc.police:
            if inc.id in self.notices:
                self.notices.remove(inc.id)
            return
        ids = self.recent.get((inc.origin, inc.melding.category.name))
        if ids and inc.id in ids:
            ids.remove(inc.id)

    def closed_with_tasks(self, inc: IncidentState) -> None:
        """``inc`` closed, its afloop tasks out: keep it where a member's leaving is
        looked for (routing.engine.departures), and drop one that is done."""
        self.closing[inc.id] = None
        oldest = next(iter(self.closing))
        if oldest != inc.id and not self.has_tasks(self.incidents[oldest]):
            del self.closing[oldest]

    def has_tasks(self, inc: IncidentState) -> bool:
        """Whether any delivery of ``inc`` is neither confirmed nor failed."""
        status = self.status
        return any(
            batch[B_FIRST] + i not in status
            for batch in inc.deliveries
            for i in range(len(batch[B_GROUPS]))
        )

    # ------------------------------------------------------------ deadlines

    def stale(self, entry: Deadline) -> bool:
        """Whether a deadline on the heap no longer counts (answered, closed, moved)."""
        _, seq, kind, ref = entry
        if kind == DECISION_DUE:
            pending = self.pending.get(ref)
            return pending is None or pending[P_SEQ] != seq
        inc = self.incidents.get(ref)
        return inc is None or inc.phase not in LIVE or inc.reminder_seq != seq

    def push(self, when: float, kind: int, ref: Any) -> int:
        """Put a deadline on the heap; returns its sequence number."""
        self.seq += 1
        heapq.heappush(self.heap, (when, self.seq, kind, ref))
        return self.seq

    def schedule_reminder(self, inc: IncidentState, when: float) -> None:
        """Remind ``inc``'s casushouders at ``when`` to post the afloop (R8)."""
        inc.reminder_seq = self.push(when, REMINDER_DUE, inc.id)

    def next_deadline(self) -> float | None:
        """The earliest deadline that still counts, dropping stale ones on the way."""
        heap = self.heap
        while heap and self.stale(heap[0]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    # ------------------------------------------------------------ deliveries

    def keep(self, inc: IncidentState, batch: BatchRec) -> None:
        """Make ``batch`` the incident's and findable by each delivery's id."""
        inc.deliveries += (batch,)
        self.deliveries.add(batch)

    def delivery(self, did: int, inc: IncidentState | None = None) -> tuple[BatchRec, int]:
        """The batch that holds delivery ``did``, and its index there; ``KeyError`` if none.

        Given the incident, a binary search of its batches (in the order of
        their ids; a reaction's or afloop's parent is a melding delivery,
        usually in the first batch, behind every reaction since); otherwise
        the relay's index.
        """
        if inc is not None:
            batches = inc.deliveries
            k = bisect_right(batches, did, key=_first) - 1
            if k >= 0:
                batch = batches[k]
                i = did - batch[B_FIRST]
                if i < len(batch[B_GROUPS]):
                    return batch, i
            raise KeyError(did)
        return self.deliveries.find(did)
