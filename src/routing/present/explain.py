"""A dry run of the routing path: who would receive a melding, and where a person decides.

Like the routing-tree test tools of alerting systems, :func:`explain` answers
"if this were reported here, now, where would it go?" without changing
anything. It runs the real :class:`~routing.relay.Relay` on a private copy:

* given a relay, on a :func:`copy.deepcopy` of it (with its hierarchy and
  its open incidents, so a report that would join one, H4, shows that);
* given only a hierarchy, on a fresh relay over it. A relay only reads its
  hierarchy, so the hierarchy itself need not be copied.

Where the policy asks a person (a :class:`~routing.engine.outputs.PendingDecision`,
R5, R6) the dry run cannot know the answer. With ``assume_forward=True``
(the default) it assumes a yes from a member on duty and goes on, and marks
the point; each :class:`DecisionPoint` then lists the groups that would
*not* be reached if the answer were no, so both branches are visible. With
``assume_forward=False`` it stops at every question. A report held because
112 was not called (H3) is released the same way, and marked.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import attrs
from rich.text import Text
from rich.tree import Tree

from routing.domain.melding import Melding
from routing.domain.values import GroupKind, MemberId
from routing.engine.commands import Command, Decide, PoliceNotice, Report, Screen
from routing.engine.outputs import (
    Decision,
    DecisionMade,
    Deliveries,
    Delivery,
    DeliveryKind,
    Held,
    Joined,
    Output,
    PendingDecision,
)
from routing.engine.policies import Policy
from routing.engine.tables import RelayConfig
from routing.errors import InvalidValueError
from routing.model import Hierarchy
from routing.relay import Relay

from .labels import DEFAULT_LANG, Lang, label, plural
from .render import incident_tree, step_label

__all__ = ["DecisionPoint", "Explanation", "explain"]

#: The reason recorded with an assumed answer; the tree shows it on the hop.
ASSUMED = "assumed yes (dry run)"


@attrs.frozen(kw_only=True)
class DecisionPoint:
    """A place where a person must decide (R5, R6).

    ``decision`` is the answer the dry run assumed (``None`` when it stopped
    there). ``only_through`` lists the groups reached only because of that
    answer: what a no would leave out.
    """

    pending: PendingDecision
    decision: Decision | None
    only_through: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Explanation:
    """The result of :func:`explain`: what would happen, as data."""

    origin: str
    command: Command
    outputs: tuple[Output, ...]
    #: Every delivery of the melding, in the order they would be handed out.
    deliveries: tuple[Delivery, ...]
    points: tuple[DecisionPoint, ...]
    #: Decisions the policy took by itself not to forward.
    skipped: tuple[Decision, ...]
    #: Set when screening would hold the report (S1: H3, H5, H6).
    held: Held | None
    #: Set when the report would join an open incident instead (H4).
    joined: str | None

    @property
    def reached(self) -> tuple[str, ...]:
        return tuple(d.group for d in self.deliveries)

    @property
    def certain(self) -> tuple[str, ...]:
        """Groups reached whatever people decide."""
        maybe = {g for p in self.points for g in p.only_through}
        return tuple(g for g in self.reached if g not in maybe)

    def tree(self, hierarchy: Hierarchy, *, lang: Lang = DEFAULT_LANG) -> Tree:
        """The propagation (see :func:`~routing.present.render.incident_tree`) and, below
        it, each decision point with what a no would leave out; labels in ``lang``."""
        root = incident_tree(self.outputs, hierarchy, lang=lang)
        if self.held is not None:
            why = (
                label("explain.no_112", lang)
                if self.held.rule == "H3"
                else label("explain.screened", lang, reason=self.held.reason)
            )
            held = label("explain.held", lang, why=why, rule=self.held.rule)
            root.add(Text(held, style="yellow"))
        if self.joined is not None:
            root.add(Text(label("explain.joined", lang, incident=self.joined), style="yellow"))
        for d in self.skipped:
            skipped = label(
                "explain.skipped",
                lang,
                source=d.source,
                targets=", ".join(d.targets),
                rule=d.step.rule,
                reason=d.reason,
            )
            root.add(Text(skipped, style="dim"))
        if self.points:
            points = root.add(Text(plural("explain.points", len(self.points), lang), style="bold"))
            for p in self.points:
                q = p.pending
                text = Text(f"? {q.decider}: {q.source} -> {', '.join(q.targets)} ", "yellow")
                text.append(f"[{q.step.rule} {step_label(q.step, lang)}]", style="dim")
                if p.decision is None:
                    text.append(label("explain.stops", lang), style="bold")
                elif p.only_through:
                    groups = ", ".join(p.only_through)
                    text.append(label("explain.only_through", lang, groups=groups))
                else:
                    text.append(label("explain.no_difference", lang))
                points.add(text)
        return root

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data."""
        return {
            "origin": self.origin,
            "held": self.held is not None,
            "joined": self.joined,
            "reached": [
                {
                    "group": d.group,
                    "hops": [
                        {
                            "from": h.source,
                            "to": h.target,
                            "by": h.by,
                            "step": h.decision.step.label if h.decision else None,
                            "rule": h.decision.step.rule if h.decision else None,
                            "assumed": bool(h.decision and h.decision.reason == ASSUMED),
                        }
                        for h in d.route
                    ],
                }
                for d in self.deliveries
            ],
            "certain": list(self.certain),
            "decision_points": [
                {
                    "decider": p.pending.decider,
                    "step": p.pending.step.label,
                    "rule": p.pending.step.rule,
                    "source": p.pending.source,
                    "targets": list(p.pending.targets),
                    "assumed_forward": p.decision is not None,
                    "only_through": list(p.only_through),
                }
                for p in self.points
            ],
            "skipped": [
                {"decider": d.decider, "targets": list(d.targets), "reason": d.reason}
                for d in self.skipped
            ],
        }


def explain(
    hierarchy: Hierarchy,
    origin: str,
    melding: Melding,
    *,
    reporter: int | None = None,
    policy: Policy | None = None,
    config: RelayConfig | None = None,
    relay: Relay | None = None,
    at: float = 0.0,
    sender: str = "politie",
    assume_forward: bool = True,
) -> Explanation:
    """What would happen if ``melding`` were posted in ``origin`` at ``at``.

    A wijkgroep as origin is a resident's report (R3), by ``reporter`` or a
    resident who sits in no stuurgroep; a regiegroep or stuurgroep is a
    police notice (P1) from ``sender``. ``policy`` and ``config`` build the
    relay when none is given. Nothing given is changed (see the module
    docstring).
    """
    if relay is not None:
        sim = copy.deepcopy(relay)
        h = sim.hierarchy
    else:
        h = hierarchy
        sim = Relay(h, policy=policy, config=config)
    kind = h.kind(origin)
    command: Command
    if kind is GroupKind.WIJKGROEP:
        who = MemberId(reporter) if reporter is not None else h.default_reporter(origin)
        if h.wijkgroep_of(who) != origin:
            raise InvalidValueError(who, f"the reporter does not live in {origin}")
        command = Report(at=at, reporter=who, melding=melding)
    elif kind is GroupKind.REGIEGROEP:
        command = PoliceNotice(at=at, sender=sender, melding=melding, regiegroep=origin)
    elif kind is GroupKind.STUURGROEP:
        command = PoliceNotice(at=at, sender=sender, melding=melding, stuurgroepen=(origin,))
    else:
        raise InvalidValueError(
            origin, "a melding starts in a wijkgroep, or as a police notice to a regiegroep "
            "or stuurgroep (R3, P1)"
        )  # fmt: skip
    outputs = list(sim.handle(command))
    held = next((o for o in outputs if isinstance(o, Held)), None)
    joined = next((o.incident for o in outputs if isinstance(o, Joined)), None)
    if held is not None and assume_forward:
        # The stuurgroep's member on duty screens; a stuurgroep always has one (T1).
        screener = sim.on_duty(held.stuurgroep)
        if screener is not None:
            outputs += sim.handle(Screen(at=at, by=screener, incident=held.incident, release=True))
    points: list[tuple[PendingDecision, Decision | None]] = []
    i = 0
    while i < len(outputs):
        o = outputs[i]
        i += 1
        if not isinstance(o, PendingDecision):
            continue
        # The relay's own answer to who acts for the deciding group.
        by = sim.on_duty(o.decider) if assume_forward else None
        if by is None:
            points.append((o, None))
            continue
        made = sim.handle(Decide(at=at, by=by, decision=o.id, forward=True, reason=ASSUMED))
        decision = next(m.decision for m in made if isinstance(m, DecisionMade))
        points.append((o, decision))
        outputs += made
    # Each command hands out its deliveries as batches; the hops and decisions
    # of their routes are needed below, so the Delivery values are made here.
    deliveries = [
        d
        for o in outputs
        if isinstance(o, Deliveries) and o.kind is DeliveryKind.MELDING
        for d in o
    ]
    return Explanation(
        origin=origin,
        command=command,
        outputs=tuple(outputs),
        deliveries=tuple(deliveries),
        points=tuple(
            DecisionPoint(pending=p, decision=d, only_through=_only_through(deliveries, d))
            for p, d in points
        ),
        skipped=_policy_skips(sim, deliveries),
        held=held,
        joined=joined,
    )


def _only_through(deliveries: Sequence[Delivery], decision: Decision | None) -> tuple[str, ...]:
    if decision is None:
        return ()
    # By id, not identity: a batch makes its Decision values when it is read,
    # so a later batch's route holds an equal decision, not the same object.
    did = decision.id
    return tuple(
        d.group
        for d in deliveries
        if any(h.decision is not None and h.decision.id == did for h in d.route)
    )


def _policy_skips(sim: Relay, deliveries: Sequence[Delivery]) -> tuple[Decision, ...]:
    """Decisions the policy took by itself not to forward: the relay records them
    with the incident but returns no output for them."""
    if not deliveries:
        return ()
    view = sim.incident(deliveries[0].incident)
    return tuple(d for d in view.decisions if not d.forward and d.by is None)
