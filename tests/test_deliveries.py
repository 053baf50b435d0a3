"""`Deliveries`: one command's delivery tasks as columns, and as `Delivery` values.

R3, S2, S3, S5: a report's deliveries come back as one batch per incident;
its columns are what an app needs to post, and reading it as a sequence
makes each `Delivery` with its route.
"""

from __future__ import annotations

import pytest

from routing import Deliveries, Delivery, DeliveryKind, Hop
from routing.engine.commands import Report
from routing.engine.policies import Always
from routing.relay import Relay
from routing.testing import Harness, deliveries, melding, zoomwijck


def report(use_plans: bool = True) -> tuple[Relay, Deliveries]:
    town = zoomwijck()
    relay = Relay(town.hierarchy, policy=Always())
    relay.use_plans = use_plans
    out = relay.handle(Report(at=5.0, reporter=town.resident("wg-noord-1"), melding=melding()))
    [batch] = [o for o in out if isinstance(o, Deliveries)]
    return relay, batch


def test_R3_the_columns_say_who_posts_what_where() -> None:
    _, batch = report()
    assert len(batch) == len(batch.groups) == len(batch.texts) == len(batch.posters) > 1
    assert list(batch.ids) == list(range(batch.first, batch.first + len(batch)))
    assert batch.groups[0] == "wg-noord-1"  # the origin first
    assert batch.kind is DeliveryKind.MELDING
    assert not batch.police
    assert batch.at == 5.0
    assert batch.texts[0] != batch.texts[1]  # the origin's text, then the forwarded one
    assert batch.texts[1].startswith("Doorgestuurd uit wg-noord-1")
    # The columns and the values agree, delivery by delivery.
    for i, d in enumerate(batch):
        assert isinstance(d, Delivery)
        assert (d.id, d.group, d.text, d.poster, d.bot) == (
            batch.ids[i], batch.groups[i], batch.texts[i], batch.posters[i], batch.bots[i]
        )  # fmt: skip
        assert d.incident == batch.incident
        assert d.route[-1].target == d.group


def test_S2_S3_S5_each_route_starts_at_the_origin_and_names_its_decision() -> None:
    _, batch = report()
    for i, d in enumerate(batch):
        assert d.route[0].source is None
        assert d.route[0].target == "wg-noord-1"
        assert batch.hop(i) == d.route[-1]
        for earlier, later in zip(d.route, d.route[1:], strict=False):
            assert later.source == earlier.target
            assert later.decision is not None
            assert later.decision.forward
            assert later.target in later.decision.targets


def test_indexing_works_like_a_sequence() -> None:
    _, batch = report()
    values = list(batch)
    assert batch[0] == values[0]
    assert batch[-1] == values[-1]
    assert batch[1:3] == tuple(values[1:3])
    assert values[2] in batch
    with pytest.raises(IndexError):
        batch[len(batch)]
    with pytest.raises(IndexError):
        batch[-len(batch) - 1]
    with pytest.raises(IndexError):
        batch.hop(len(batch))


def test_batches_are_equal_when_their_deliveries_are() -> None:
    """The plan and the generic spread build the batch differently; what it holds is equal."""
    _, planned = report(use_plans=True)
    _, generic = report(use_plans=False)
    assert planned._rec != generic._rec  # built two ways
    assert planned == generic
    assert hash(planned) == hash(generic)
    assert planned != list(planned)
    assert "wg-noord-1" in repr(planned)


def test_values_read_twice_are_equal_but_made_anew() -> None:
    _, batch = report()
    first, second = batch[1], batch[1]
    assert first == second
    assert first is not second
    hop: Hop = first.route[-1]
    assert hop == second.route[-1]


def test_R4_R8_reactions_and_the_afloop_come_in_batches_too() -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Always()))
    reporter = town.resident("wg-noord-1")
    out = h.report(reporter, melding())
    incident = deliveries(out)[0].incident
    reached = [d.group for d in deliveries(out)]
    reaction = h.react(town.resident("wg-noord-2"), incident, "hij liep richting het park")
    [batch] = [o for o in reaction if isinstance(o, Deliveries)]
    assert batch.kind is DeliveryKind.REACTION
    assert batch.groups == ("wg-noord-2",)
    closing = h.afloop(reporter, incident, "klaar")
    [afloop] = [o for o in closing if isinstance(o, Deliveries)]
    assert afloop.kind is DeliveryKind.AFLOOP
    assert list(afloop.groups) == reached
    # An afloop delivery follows the route of the melding in its group.
    melding_routes = {d.group: d.route for d in deliveries(out)}
    for d in afloop:
        assert d.route == melding_routes[d.group]
