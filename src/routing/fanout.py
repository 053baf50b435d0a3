"""Fan-out plans: a fresh report's whole spread, worked out once per wijkgroep.

Theory of operation
-------------------

When the relevance policy ignores the context (:func:`~routing.policies.fixed_verdicts`:
``Always``, ``Never``, a ``ByStep`` of those), what a *fresh* incident does
after it lands in its wijkgroep depends on nothing but the structure: which
decision points come up, in which order, what each one answers, who carries
the melding on and into which groups. :func:`build_plan` runs the relay's
breadth-first spread once for a wijkgroep without making anything, and keeps
the result as a list of tuples. Each later report from there then only makes
its outputs (:func:`run_plan`): no membership tests per decision point, no
lookups of routing entries, no policy calls. That is what lets the cost of a
report follow the groups it reaches.

A plan is only used where the generic spread would do exactly the same: the
incident is fresh (nothing reached but its origin, nothing judged yet), and
no point asks a person (a plan that meets :data:`~routing.policies.ASK` is
not made; the generic path asks). The relay drops its plans when the routing
tables are rebuilt (the structure changed) or the policy is replaced. The
tests run relays with and without plans side by side and compare every output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .incident import forwarded_text
from .outputs import DeliveryKind, Step
from .policies import Answer, Verdict
from .relay_records import MELDING, STEP_INDEX, _decision, _delivery, _hop

if TYPE_CHECKING:
    from .incident import IncidentState
    from .outputs import Hop, Output
    from .relay_records import DecisionRec, DeliveryRec, RouteRec
    from .relay_router import Router
    from .tables import Tables

__all__ = ["Plan", "build_plan", "run_plan"]

# (forward, step, decider, source, targets, carrier, reason, source slot, ((target, bot), ...))
Action = tuple[bool, Step, str, str, tuple[str, ...], Any, str, int, tuple[tuple[str, bool], ...]]


class Plan:
    """The spread of a fresh incident from one wijkgroep (see the module docstring)."""

    __slots__ = ("actions", "considered", "forwards")

    def __init__(self, actions: tuple[Action, ...], considered: frozenset[tuple[str, str]]):
        self.actions = actions
        self.considered = considered
        self.forwards = any(a[0] for a in actions)


def build_plan(tables: Tables, origin: str, fixed: dict[Step, Verdict]) -> Plan | None:
    """The plan for ``origin``, or ``None`` where a person must be asked."""
    reach = {origin}
    considered: set[tuple[str, str]] = set()
    queue = [origin]  # slot i holds the group whose route is the i-th made
    actions: list[Action] = []
    i = 0
    while i < len(queue):
        group = queue[i]
        entry = tables.entry(group)
        for step, decider, targets, _ in entry.points:
            todo = tuple(t for t in targets if t not in reach and (decider, t) not in considered)
            if not todo:
                continue
            considered.update((decider, t) for t in todo)
            verdict = fixed[step]
            if verdict.answer is Answer.ASK:
                return None
            if verdict.answer is Answer.FORWARD:
                carrier = tables.entry(decider).on_duty
                reach.update(todo)
                queue += todo
                made = tuple((t, tables.entry(t).bot) for t in todo)
                actions.append((True, step, decider, group, todo, carrier, verdict.reason, i, made))
            else:
                actions.append((False, step, decider, group, todo, None, verdict.reason, i, ()))
        i += 1
    return Plan(tuple(actions), frozenset(considered))


def run_plan(
    router: Router, inc: IncidentState, plan: Plan, route: tuple[Hop, ...], rec: RouteRec,
    at: float, out: list[Output],
) -> None:  # fmt: skip
    """Make the outputs of ``plan`` for the fresh incident ``inc``: what ``_spread`` would.

    Each decision, hop and delivery is made twice: as the output handed back
    and as the plain record the relay keeps (see :mod:`routing.relay_records`).
    A skip has no output at all: nothing refers to it but its record.
    """
    decision_of, delivery_of, hop_of = _decision, _delivery, _hop  # locals: the loop is hot
    counts = router._counts
    known = router._deliveries
    decisions: list[DecisionRec] = []
    deliveries: list[DeliveryRec] = []
    reach = inc.reach
    iid = inc.id
    police = inc.police
    melding = DeliveryKind.MELDING
    routes = [(route, rec)]
    text = ""
    if plan.forwards:
        text = inc.fwd_text = inc.fwd_text or forwarded_text(inc.origin, inc.text)
    for forward, step, decider, source, todo, carrier, reason, slot, made in plan.actions:
        counts[2] += 1
        dec = counts[2]
        decisions.append(
            (dec, iid, STEP_INDEX[step], decider, source, todo, forward, carrier, at, reason, False)
        )
        if forward:
            decision = decision_of(
                dec, iid, step, decider, source, todo, forward, carrier, at, reason, False
            )
            base, base_rec = routes[slot]
            for t, bot in made:
                path = (*base, hop_of(source, t, carrier, decision, at))
                path_rec = (*base_rec, (source, t, carrier, dec, at))
                counts[1] += 1
                did = counts[1]
                poster = None if bot else carrier
                d = delivery_of(did, iid, melding, t, text, poster, bot, police, path)
                known[did] = reach[t] = r = (
                    did, iid, MELDING, t, text, poster, bot, police, path_rec
                )  # fmt: skip
                deliveries.append(r)
                out.append(d)
                routes.append((path, path_rec))
    inc.decisions += tuple(decisions)
    inc.deliveries += tuple(deliveries)
    # Shared with the plan, not copied: a set per incident would stay tracked
    # by the collector for the incident's life (see IncidentState.judged).
    inc.considered = plan.considered
