"""Fan-out plans: a fresh report's whole spread, worked out once per wijkgroep.

Theory of operation
-------------------

When the relevance policy ignores the context (:func:`~routing.engine.policies.fixed_verdicts`:
``Always``, ``Never``, a ``ByStep`` of those), what a *fresh* incident does
after it lands in its wijkgroep depends on nothing but the structure: which
decision points come up, in which order, what each one answers, who carries
the melding on and into which groups. :func:`build_plan` runs the relay's
breadth-first spread once for a wijkgroep without making anything, and keeps
the result as the columns of a :class:`~routing.engine.outputs.Deliveries` batch:
the groups, who carries the melding into each, from which delivery and under
which decision. Each later report from there then makes one batch that
shares those columns, the records of its decisions and one delivery id per
group (:func:`run_plan`): no membership tests per decision point, no lookups
of routing entries, no policy calls, and no object per group reached. That
is what lets the cost of a report follow the groups it reaches, at a few
machine operations per group.

A plan is only used where the generic spread would do exactly the same: the
incident is fresh (nothing reached but its origin, nothing judged yet), and
no point asks a person (a plan that meets :data:`~routing.engine.policies.ASK` is
not made; the generic path asks). The relay drops its plans when the routing
tables are rebuilt (the structure changed) or the policy is replaced. The
tests run relays with and without plans side by side and compare every output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .incident import forwarded_text
from .outputs import DeliveryKind, Step, new_deliveries
from .policies import Answer, Verdict
from .records import KIND_INDEX, STEP_INDEX, make_batch

if TYPE_CHECKING:
    from routing.domain.values import MemberId

    from .incident import IncidentState
    from .outputs import Output
    from .records import Batches
    from .tables import Tables

__all__ = ["Plan", "build_plan", "run_plan"]

# (step index, decider, source, targets, forward, carrier, reason): a decision
# record without its id, incident and time.
Template = tuple[int, str, str, tuple[str, ...], bool, Any, str]
_MELDING = KIND_INDEX[DeliveryKind.MELDING]


class Plan:
    """The spread of a fresh incident from one wijkgroep (see the module docstring).

    The columns are those of :class:`~routing.engine.outputs.Deliveries`, the
    origin first; the origin's poster and carrier are the reporter, so they
    are left out of ``posters`` and ``carriers`` and put in front per report.
    """

    __slots__ = (
        "bot",
        "bots",
        "carriers",
        "considered",
        "decisions",
        "forwards",
        "groups",
        "hops",
        "parents",
        "posters",
        "size",
    )  # fmt: skip

    def __init__(
        self,
        groups: tuple[str, ...],
        bots: tuple[bool, ...],
        carriers: tuple[MemberId | None, ...],
        parents: tuple[int | None, ...],
        hops: tuple[int, ...],
        decisions: tuple[Template, ...],
        considered: frozenset[tuple[str, str]],
    ) -> None:
        self.groups = groups
        self.size = len(groups)
        self.bots = bots
        self.bot = bots[0]
        self.carriers = carriers
        self.posters = tuple(
            None if bot else carrier for bot, carrier in zip(bots[1:], carriers, strict=True)
        )
        self.parents = parents
        self.hops = hops
        self.decisions = decisions
        self.considered = considered
        self.forwards = self.size > 1


def build_plan(tables: Tables, origin: str, fixed: dict[Step, Verdict]) -> Plan | None:
    """The plan for ``origin``, or ``None`` where a person must be asked."""
    reach = {origin}
    considered: set[tuple[str, str]] = set()
    groups = [origin]  # the i-th group is reached by the i-th delivery
    bots = [tables.entry(origin).bot]
    carriers: list[MemberId | None] = []
    parents: list[int | None] = [None]
    hops = [-1]
    decisions: list[Template] = []
    i = 0
    while i < len(groups):
        group = groups[i]
        entry = tables.entry(group)
        for step, decider, targets, _ in entry.points:
            todo = tuple(t for t in targets if t not in reach and (decider, t) not in considered)
            if not todo:
                continue
            considered.update((decider, t) for t in todo)
            verdict = fixed[step]
            if verdict.answer is Answer.ASK:
                return None
            forward = verdict.answer is Answer.FORWARD
            carrier = tables.entry(decider).on_duty if forward else None
            template = (STEP_INDEX[step], decider, group, todo, forward, carrier, verdict.reason)
            decisions.append(template)
            if forward:
                reach.update(todo)
                for t in todo:
                    groups.append(t)
                    bots.append(tables.entry(t).bot)
                    carriers.append(carrier)
                    parents.append(i)
                    hops.append(len(decisions) - 1)
        i += 1
    return Plan(
        tuple(groups), tuple(bots), tuple(carriers), tuple(parents), tuple(hops),
        tuple(decisions), frozenset(considered),
    )  # fmt: skip


def run_plan(
    counts: list[int], deliveries: Batches, inc: IncidentState, plan: Plan,
    reporter: MemberId, at: float, out: list[Output],
) -> None:  # fmt: skip
    """Deliver the fresh incident ``inc`` as ``plan`` says: what ``_spread`` would.

    ``counts`` are the router's id counters (incidents, deliveries, decisions,
    pending), advanced here; the batch is added to ``deliveries``.

    One :class:`~routing.engine.outputs.Deliveries` for the whole spread, sharing
    the plan's columns; the decisions' records are made (the incident keeps
    them), the deliveries only get their ids.
    """
    iid = inc.id
    base = counts[2]
    counts[2] = base + len(plan.decisions)
    first = counts[1] + 1
    size = plan.size
    counts[1] += size
    text = inc.text
    if size > 1:
        fwd = inc.fwd_text = inc.fwd_text or forwarded_text(inc.origin, text)
        texts = (text,) + (fwd,) * (size - 1)
    else:
        texts = (text,)
    # Reach and decisions follow from this batch (the plan's columns, the
    # ids, the time): the incident makes the records when they are read.
    inc.follow_plan()
    batch = make_batch(
        incident=iid,
        kind=_MELDING,
        police=inc.police,
        at=at,
        first=first,
        groups=plan.groups,
        texts=texts,
        posters=(None if plan.bot else reporter, *plan.posters),
        bots=plan.bots,
        carriers=(reporter, *plan.carriers),
        parents=plan.parents,
        hops=plan.hops,
        records=("plan", base, iid, at, plan.decisions),  # PlannedRecs
    )
    # Shared with the plan, not copied: a set per incident would stay tracked
    # by the collector for the incident's life (see IncidentState.judged).
    inc.considered = plan.considered
    inc.deliveries += (batch,)
    deliveries.add(batch)
    out.append(new_deliveries(batch))
