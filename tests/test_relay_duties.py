"""Forwarding duties (S2, S3, S5), casushouders, deliveries by people, deadlines."""

from __future__ import annotations

import pytest

from routing.engine.commands import Confirm, Decide, Fail, Forward, HandOver, React, Report, Tick
from routing.engine.outputs import (
    CasushouderChanged,
    DecisionMade,
    DeliveryConfirmed,
    DeliveryFailed,
    DeliveryKind,
    IncidentOpened,
    PendingDecision,
    Reminder,
    Step,
)
from routing.engine.policies import Always, Ask, Never
from routing.errors import (
    IncidentRefused,
    PermissionRefused,
    RouteRefused,
    UnknownDecisionError,
    UnknownDeliveryError,
    UnknownGroupError,
    UnknownIncidentError,
    UnknownMemberError,
)
from routing.relay import Relay, RelayConfig
from routing.testing import Harness, Town, deliveries, melding, zoomwijck


@pytest.fixture
def town() -> Town:
    return zoomwijck()


def opened(h: Harness, reporter: int) -> str:
    return h.one(h.report(reporter, melding()), IncidentOpened).incident


def test_S2_stuurgroep_member_forwards_to_a_sibling_wijkgroep(town: Town) -> None:
    """S2: from one of its wijkgroepen to another, by a member of the stuurgroep."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town.resident("wg-noord-1"))
    by = town.member("sg-noord", 2)
    [d] = deliveries(h.forward(by, incident, "wg-noord-1", "wg-noord-3", "zelfde straat"))
    assert d.group == "wg-noord-3"
    assert d.poster == by
    hop = d.route[-1]
    assert (hop.source, hop.target, hop.by) == ("wg-noord-1", "wg-noord-3", by)
    assert hop.decision is not None
    assert hop.decision.step is Step.SIBLINGS
    assert hop.decision.reason == "zelfde straat"
    assert d.text.startswith("Doorgestuurd uit wg-noord-1")


def test_S2_forward_by_someone_without_the_duty_is_refused(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town.resident("wg-noord-1"))
    for outsider in (town.resident("wg-noord-1", 1), town.member("sg-zuid")):
        cmd = Forward(
            at=9, by=outsider, incident=incident, source="wg-noord-1", target="wg-noord-2"
        )
        assert h.refused(cmd, PermissionRefused).rule == "S2"


def test_S2_a_group_gets_the_message_once(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town.resident("wg-noord-1"))
    by = town.member("sg-noord")
    h.forward(by, incident, "wg-noord-1", "wg-noord-2")
    cmd = Forward(at=99, by=by, incident=incident, source="wg-noord-1", target="wg-noord-2")
    h.refused(cmd, IncidentRefused)


def test_S3_S5_no_shortcut_between_stuurgroepen_and_no_step_from_unreached_groups(
    town: Town,
) -> None:
    """S3/S5: another stuurgroep's wijkgroep is reached through the regiegroep only."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town.resident("wg-noord-1"))
    by = town.member("sg-noord")
    err = h.refused(
        Forward(at=9, by=by, incident=incident, source="wg-noord-1", target="wg-zuid-1"),
        RouteRefused,
    )
    assert (err.source, err.target) == ("wg-noord-1", "wg-zuid-1")  # type: ignore[attr-defined]
    h.refused(
        Forward(at=9, by=by, incident=incident, source="rg-zoomwijck", target="wg-zuid-1"),
        IncidentRefused,
    )
    h.forward(by, incident, "wg-noord-1", "rg-zoomwijck")  # S3
    zuid = town.member("sg-zuid", 1)
    h.refused(  # S5: only sg-zuid carries it into its own wijkgroepen
        Forward(at=99, by=by, incident=incident, source="rg-zoomwijck", target="wg-zuid-1"),
        PermissionRefused,
    )
    [d] = deliveries(h.forward(zuid, incident, "rg-zoomwijck", "wg-zuid-1"))
    assert [hop.by for hop in d.route] == [town.resident("wg-noord-1"), by, zuid]


def test_S5_through_the_gemeentelijke_regiegroep_to_another_wijk(town: Town) -> None:
    """R5/R6 one level up: regiegroep -> gemeentelijke regiegroep -> other regiegroep."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town.resident("wg-noord-1"))
    noord, poort = town.member("sg-noord"), town.member("sg-poort")
    h.forward(noord, incident, "wg-noord-1", "rg-zoomwijck")
    h.forward(noord, incident, "rg-zoomwijck", "grg")
    h.refused(  # a Zoomwijck delegate does not sit in rg-poortwijk
        Forward(at=99, by=noord, incident=incident, source="grg", target="rg-poortwijk"),
        PermissionRefused,
    )
    h.forward(poort, incident, "grg", "rg-poortwijk")
    [d] = deliveries(h.forward(poort, incident, "rg-poortwijk", "wg-poort-2"))
    assert [hop.target for hop in d.route] == [
        "wg-noord-1", "rg-zoomwijck", "grg", "rg-poortwijk", "wg-poort-2",
    ]  # fmt: skip
    steps = [hop.decision.step for hop in d.route[1:]]  # type: ignore[union-attr]
    assert steps == [
        Step.TO_REGIEGROEP, Step.TO_GEMEENTE, Step.FROM_GEMEENTE, Step.FROM_REGIEGROEP,
    ]  # fmt: skip


def test_unknown_ids_are_the_apps_fault(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town.resident("wg-noord-1"))
    by = town.member("sg-noord")
    h.refused(Report(at=1, reporter=10_000, melding=melding()), UnknownMemberError)
    h.refused(Forward(at=1, by=by, incident="I99", source="a", target="b"), UnknownIncidentError)
    h.refused(
        Forward(at=1, by=by, incident=incident, source="wg-noord-1", target="x"), UnknownGroupError
    )
    h.refused(Decide(at=1, by=by, decision=12345, forward=True), UnknownDecisionError)
    h.refused(Confirm(at=1, delivery=12345), UnknownDeliveryError)
    for stranger in (10_000, -1):  # a reaction, with or without its group
        h.refused(React(at=1, member=stranger, incident=incident, text="ik"), UnknownMemberError)
        h.refused(
            React(at=1, member=stranger, incident=incident, text="ik", group="wg-noord-1"),
            UnknownMemberError,
        )


def test_R3_one_casushouder_per_wijkgroep_hand_over(town: Town) -> None:
    """R3: in principle one active casushouder per wijkgroep; it can be handed over."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    reporter = town.resident("wg-noord-1")
    incident = opened(h, reporter)
    neighbour = town.resident("wg-noord-1", 1)
    changed = h.one(h.hand_over(reporter, incident, "wg-noord-1", neighbour), CasushouderChanged)
    assert (changed.previous, changed.current) == (reporter, neighbour)
    assert h.relay.incident(incident).casushouders == (("wg-noord-1", neighbour),)
    # The former casushouder no longer holds the role; an outsider cannot take it.
    h.refused(
        HandOver(at=99, by=reporter, incident=incident, wijkgroep="wg-noord-1", to=reporter),
        PermissionRefused,
    )
    h.refused(
        HandOver(
            at=99,
            by=neighbour,
            incident=incident,
            wijkgroep="wg-noord-1",
            to=town.resident("wg-zuid-1"),
        ),
        PermissionRefused,
    )
    # A stuurgroep member hands over for a casushouder who left.
    h.hand_over(town.member("sg-noord", 1), incident, "wg-noord-1", reporter)
    assert h.relay.incident(incident).casushouders == (("wg-noord-1", reporter),)


def test_delivery_by_people_confirm_and_fail_keep_the_picture_true(town: Town) -> None:
    """A delivery is a task; confirming records who posted; failing un-reaches the group."""
    h = Harness(Relay(town.hierarchy, policy=Always()))
    out = h.report(town.resident("wg-noord-1"), melding())
    incident = h.one(out, IncidentOpened).incident
    tasks = {d.group: d for d in deliveries(out)}
    ok = tasks["wg-noord-2"]
    assert h.one(h.confirm(ok.id), DeliveryConfirmed).by == ok.poster
    h.refused(Confirm(at=99, delivery=ok.id), IncidentRefused)  # already confirmed
    failed = tasks["rg-poortwijk"]
    h.one(h.fail(failed.id, "telefoon leeg"), DeliveryFailed)
    h.refused(Fail(at=99, delivery=failed.id, reason="x"), IncidentRefused)
    view = h.relay.incident(incident)
    assert "rg-poortwijk" not in view.reached
    assert {r.delivery.group: r.status.value for r in view.deliveries}["rg-poortwijk"] == "failed"
    # The afloop does not go where the melding never arrived ...
    closed_groups = [
        d.group
        for d in deliveries(h.afloop(town.resident("wg-noord-1"), incident), DeliveryKind.AFLOOP)
    ]
    assert "rg-poortwijk" not in closed_groups
    assert "wg-noord-2" in closed_groups


def test_failed_delivery_can_be_forwarded_again(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Always()))
    out = h.report(town.resident("wg-noord-1"), melding())
    incident = h.one(out, IncidentOpened).incident
    task = next(d for d in deliveries(out) if d.group == "wg-noord-2")
    h.fail(task.id)
    [again] = deliveries(
        h.forward(town.member("sg-noord", 1), incident, "wg-noord-1", "wg-noord-2")
    )
    assert again.group == "wg-noord-2"
    assert again.id != task.id


def test_bot_groups_need_no_person(town: Town) -> None:
    """Where a bot may post, the delivery says so and names no poster."""
    config = RelayConfig(bot_groups={"rg-zoomwijck"})
    h = Harness(Relay(town.hierarchy, policy=Always(), config=config))
    tasks = {d.group: d for d in deliveries(h.report(town.resident("wg-noord-1"), melding()))}
    assert tasks["rg-zoomwijck"].bot
    assert tasks["rg-zoomwijck"].poster is None
    assert tasks["rg-zoomwijck"].route[-1].by == town.member("sg-noord")  # who is accountable
    assert not tasks["wg-noord-2"].bot
    assert tasks["wg-noord-2"].poster is not None
    everywhere = RelayConfig(bot_platforms={"whatsapp"})
    h = Harness(Relay(town.hierarchy, policy=Always(), config=everywhere))
    assert all(d.bot for d in deliveries(h.report(town.resident("wg-noord-1"), melding())))


def test_R6_unanswered_decision_falls_back_to_the_default_at_its_deadline(town: Town) -> None:
    """Deadlines, sans-I/O: the relay says when; the app ticks; the default applies."""
    config = RelayConfig(decision_timeout=60, decision_default=True, reminder_after=3600)
    h = Harness(Relay(town.hierarchy, policy=Ask(), config=config))
    out = h.report(town.resident("wg-noord-1"), melding(), at=1000)
    pend = [p for p in out if isinstance(p, PendingDecision)]
    assert {p.step for p in pend} == {Step.SIBLINGS, Step.TO_REGIEGROEP}
    assert h.relay.next_deadline() == 1060
    assert h.tick(1059) == ()
    out = h.tick(1060)
    made = [o for o in out if isinstance(o, DecisionMade)]
    assert len(made) == 2
    assert all(m.decision.default_applied and m.decision.by is None for m in made)
    assert {d.group for d in deliveries(out)} == {"wg-noord-2", "wg-noord-3", "rg-zoomwijck"}
    # The decision is taken: a late answer is refused, naming what happened.
    err = h.refused(
        Decide(at=1061, by=town.member("sg-noord"), decision=pend[0].id, forward=False),
        IncidentRefused,
    )
    assert "deadline" in str(err)


def test_decision_before_the_tick_wins_and_default_can_be_skip(town: Town) -> None:
    config = RelayConfig(decision_timeout=60, decision_default=False)
    h = Harness(Relay(town.hierarchy, policy=Ask(), config=config))
    out = h.report(town.resident("wg-noord-1"), melding(), at=0)
    sib, up = sorted((p for p in out if isinstance(p, PendingDecision)), key=lambda p: p.step.label)
    h.decide(town.member("sg-noord"), sib.id, forward=True)
    out = h.tick(100)
    [made] = [o for o in out if isinstance(o, DecisionMade)]
    assert made.pending == up.id
    assert not made.decision.forward
    assert deliveries(out) == []


def test_R8_reminder_to_the_casushouders_without_afloop(town: Town) -> None:
    config = RelayConfig(reminder_after=1800)
    h = Harness(Relay(town.hierarchy, policy=Never(), config=config))
    reporter = town.resident("wg-zuid-1")
    incident = h.one(h.report(reporter, melding(), at=0), IncidentOpened).incident
    assert h.relay.next_deadline() == 1800
    reminder = h.one(h.tick(1800), Reminder)
    assert reminder.incident == incident
    assert reminder.casushouders == (reporter,)
    assert h.relay.next_deadline() == 3600  # it repeats until the afloop
    h.afloop(reporter, incident)
    assert h.relay.next_deadline() is None
    assert h.run(Tick(at=10_000)) == ()
