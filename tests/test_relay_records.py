"""The relay keeps its records as plain tuples the garbage collector stops tracking.

Why this matters is in ``routing.engine.records``: tracked objects kept per
incident made every full collection walk the whole evening again. These
tests hold the design in place; the outputs stay what they were.
"""

from __future__ import annotations

import gc

from routing.engine.commands import Afloop, React, Report
from routing.engine.outputs import Deliveries, Hop, IncidentOpened, Step
from routing.engine.policies import Always, ByStep, Never
from routing.engine.records import batch_decision, batch_records, batch_route
from routing.relay import Relay
from routing.testing import build_town, deliveries, melding, zoomwijck


def reported(policy: object = None) -> tuple[Relay, tuple[object, ...]]:
    town = zoomwijck()
    policy = policy or ByStep({Step.TO_GEMEENTE: Never()}, default=Always())
    relay = Relay(town.hierarchy, policy=policy)  # type: ignore[arg-type]
    out = relay.handle(Report(at=1.0, reporter=town.resident("wg-noord-1"), melding=melding()))
    return relay, out


def test_a_reports_records_are_untracked_after_a_few_collections() -> None:
    relay, out = reported()
    [opened] = [o for o in out if isinstance(o, IncidentOpened)]
    [batch] = [o for o in out if isinstance(o, Deliveries)]
    inc = relay._router.ledger.incidents[opened.incident]
    # A planned spread keeps a flag, not its plan: the reach and decision
    # records follow from its first batch and are made when first read.
    assert inc.planned is True
    assert inc._reach is None
    assert inc._decisions is None
    decisions, reach = inc.decisions, inc.reach
    assert [d[0] for d in decisions] == list(range(1, len(decisions) + 1))
    assert list(reach.values()) == list(batch.ids)
    # A tuple is untracked when the collector finds its items untracked. It
    # may meet an outer tuple before its items, so a pass can untrack as
    # little as one level of nesting; the deepest is six (deliveries ->
    # batch -> plan records -> templates -> template -> targets).
    for _ in range(8):
        gc.collect()
    for value in (inc.decisions, *inc.decisions, inc.reports):
        assert not gc.is_tracked(value), value
    # The relay keeps a batch as the plain tuple the output wraps: untracked,
    # with every column and record in it.
    assert inc.deliveries == (batch._rec,)
    for value in (inc.deliveries, batch._rec, *batch._rec):
        assert not gc.is_tracked(value), value
    assert not gc.is_tracked(inc.reach)
    assert not gc.is_tracked(inc.casus)
    # Nothing the incident made for itself stays tracked: only the melding
    # (the app's value) and what it shares with the plan and the enum.
    tracked = {name for name in type(inc).__slots__ if gc.is_tracked(getattr(inc, name))}
    assert tracked == {"melding", "considered", "phase"}
    # A fresh report shares its fan-out plan's set of judged points and columns.
    plan = relay._router._plans[inc.origin]
    assert plan is not None
    assert inc.considered is plan.considered
    assert batch.groups is plan.groups
    assert batch._rec[10] is plan.parents


def test_the_view_rebuilds_the_outputs_handed_out_and_shares_decisions() -> None:
    relay, out = reported()
    handed = deliveries(out)
    view = relay.incident(handed[0].incident)
    assert [r.delivery for r in view.deliveries] == handed
    decisions = {id(d) for d in view.decisions}
    for record in view.deliveries:
        for hop in record.delivery.route:
            assert hop.decision is None or id(hop.decision) in decisions
    # One Hop object per hop: routes through the same group share its hops.
    hops: dict[tuple[str | None, str], Hop] = {}
    for record in view.deliveries:
        for hop in record.delivery.route:
            assert hops.setdefault((hop.source, hop.target), hop) is hop


def test_the_fan_out_shares_route_prefixes_between_deliveries() -> None:
    town = build_town({"W": {"sa": ["a1", "a2"], "sb": ["b1", "b2", "b3"]}}, gemeentelijke=None)
    relay = Relay(town.hierarchy, policy=Always())
    out = relay.handle(Report(at=1.0, reporter=town.resident("a1"), melding=melding()))
    by_group = {o.group: o for o in deliveries(out)}
    regie = by_group["rg-w"]
    for g in ("b1", "b2", "b3"):
        assert by_group[g].route[:-1] == regie.route
        assert all(a is b for a, b in zip(by_group[g].route, regie.route, strict=False))


def test_a_planned_batch_names_the_same_decisions_as_the_incident() -> None:
    """A planned spread keeps its decisions as the plan's templates; every way
    of reading them gives the records the incident makes from them."""
    relay, out = reported()
    [batch] = [o for o in out if isinstance(o, Deliveries)]
    rec = batch._rec
    assert type(rec[13][0]) is str  # the plan's form, not the records
    inc = relay._router.ledger.incidents[batch.incident]
    by_id = {d[0]: d for d in inc.decisions}
    assert list(batch_records(rec)) == list(inc.decisions)
    for i, delivery in enumerate(batch):
        hop = delivery.route[-1]
        record = batch_decision(rec, i)
        if hop.decision is None:
            assert record is None
        else:
            assert record == by_id[hop.decision.id]
            assert batch_route(rec, i)[-1][3] == hop.decision.id


def test_R4_R8_a_reaction_and_an_afloop_point_at_the_delivery_they_extend() -> None:
    """They keep (batch, index) of the melding delivery in their group, not a
    copy of its route; the route read from them is still that delivery's."""
    town = zoomwijck()
    relay = Relay(town.hierarchy, policy=ByStep({Step.TO_GEMEENTE: Never()}, default=Always()))
    reporter = town.resident("wg-noord-1")
    out = relay.handle(Report(at=1.0, reporter=reporter, melding=melding()))
    [spread] = [o for o in out if isinstance(o, Deliveries)]
    [opened] = [o for o in out if isinstance(o, IncidentOpened)]
    reacted = relay.handle(
        React(
            at=2.0,
            member=town.resident("wg-zuid-1"),
            incident=opened.incident,
            text="ik zag hem ook",
        )
    )
    closed = relay.handle(
        Afloop(at=3.0, by=reporter, incident=opened.incident, text="De politie is geweest.")
    )
    melding_route = {d.group: d.route for d in spread}
    batches = [*deliveries_batches(reacted), *deliveries_batches(closed)]
    assert [len(b._rec[12]) for b in batches] == [1, len(spread)]
    for batch in batches:
        rec = batch._rec
        for ext in rec[12]:
            parent, index = ext
            assert parent is spread._rec  # the batch itself, not a copy
            assert isinstance(index, int)
        for delivery in batch:
            assert delivery.route == melding_route[delivery.group]


def deliveries_batches(outputs: tuple[object, ...]) -> list[Deliveries]:
    return [o for o in outputs if isinstance(o, Deliveries)]


def test_R8_an_afloop_to_more_groups_than_made_ahead_points_at_each_melding_delivery() -> None:
    """The parents column of an afloop is made ahead for up to 64 groups; past
    that it is made per afloop, and must say the same: each group its own."""
    layout = {f"Wijk{w}": {f"sg-{w}": [f"wg-{w}-{i}" for i in range(1, 8)]} for w in range(10)}
    town = build_town(layout, residents=1)
    relay = Relay(town.hierarchy, policy=Always())
    reporter = town.resident("wg-0-1")
    out = relay.handle(Report(at=1.0, reporter=reporter, melding=melding()))
    [opened] = [o for o in out if isinstance(o, IncidentOpened)]
    melding_route = {d.group: d.route for b in deliveries_batches(out) for d in b}
    assert len(melding_route) > 64
    closed = relay.handle(
        Afloop(at=2.0, by=reporter, incident=opened.incident, text="De politie is geweest.")
    )
    [afloop] = deliveries_batches(closed)
    assert sorted(d.group for d in afloop) == sorted(melding_route)
    for delivery in afloop:
        assert delivery.route == melding_route[delivery.group]
