"""A resident's report along the Zoomwijck's routing path, R1-R8, step by step.

Each test reads like the numbered list in the Zoomwijck's description: "BERICHT VAN EEN BEWONER
(VOLGENS HET SAAR PRINCIPE)". The town is :func:`routing.testing.zoomwijck`:
Zoomwijck with stuurgroepen sg-noord (wg-noord-1..3) and sg-zuid
(wg-zuid-1..2) and regiegroep rg-zoomwijck; Poortwijk (sg-poort,
wg-poort-1..2, rg-poortwijk); the gemeentelijke regiegroep grg.
"""

from __future__ import annotations

import pytest

from routing.engine.incident import Phase
from routing.engine.outputs import (
    CasushouderChanged,
    DeliveryKind,
    Held,
    IncidentClosed,
    IncidentOpened,
    Joined,
    PendingDecision,
    Rejected,
    Step,
)
from routing.engine.policies import Always, Ask, ByStep, Never
from routing.errors import IncidentRefused, PermissionRefused
from routing.relay import Relay, RelayConfig
from routing.testing import Harness, Town, deliveries, melding, zoomwijck


@pytest.fixture
def town() -> Town:
    return zoomwijck()


def harness(town: Town, policy: object = None, **config: object) -> Harness:
    return Harness(Relay(town.hierarchy, policy=policy, config=RelayConfig(**config)))  # type: ignore[arg-type]


def test_R1_R2_R3_report_opens_incident_in_the_reporters_wijkgroep(town: Town) -> None:
    """R1 signal, R2 112 called, R3 app it: the reporter becomes casushouder there."""
    h = harness(town, Never())
    reporter = town.resident("wg-noord-2")
    m = melding(direction="richting Parklaan", action="ik blijf binnen")
    out = h.report(reporter, m)
    opened = h.one(out, IncidentOpened)
    assert opened.origin == "wg-noord-2"
    assert opened.casushouder == reporter
    [d] = deliveries(out)
    assert d.group == "wg-noord-2"
    assert d.poster == reporter
    assert not d.bot
    assert not d.police
    assert "112 is gebeld" in d.text  # R3a
    assert "richting Parklaan" in d.text  # R3b looprichting
    assert "ik blijf binnen" in d.text  # R3c what the reporter will do
    assert d.route[0].source is None
    assert d.route[0].by == reporter
    view = h.relay.incident(opened.incident)
    assert view.phase is Phase.OPEN
    assert view.casushouders == (("wg-noord-2", reporter),)
    assert view.called_112_by == (reporter,)


def test_R2_H3_report_without_112_is_held_for_the_stuurgroep(town: Town) -> None:
    """H3: 112 first. A report that says 112 was not called is held, never dropped."""
    h = harness(town, Always())
    reporter = town.resident("wg-noord-1")
    out = h.report(reporter, melding(called_112=False))
    held = h.one(out, Held)
    assert held.stuurgroep == "sg-noord"
    assert "112" in held.reason
    assert deliveries(out) == []
    assert h.relay.incident(held.incident).phase is Phase.HELD
    # A resident cannot release it; a stuurgroep member screens it (S1).
    h.refused(
        h_screen(h, town.resident("wg-noord-1", 1), held.incident, release=True),
        PermissionRefused,
    )
    out = h.screen(town.member("sg-noord", 1), held.incident, release=True)
    assert [d.group for d in deliveries(out)][:1] == ["wg-noord-1"]
    assert h.relay.incident(held.incident).phase is Phase.SPREADING


def test_S1_held_report_can_be_rejected_with_a_reason_for_the_reporter(town: Town) -> None:
    h = harness(town, Always())
    reporter = town.resident("wg-zuid-2")
    held = h.one(h.report(reporter, melding(called_112=False)), Held)
    out = h.screen(town.member("sg-zuid"), held.incident, release=False, reason="bel eerst 112")
    rejected = h.one(out, Rejected)
    assert rejected.reporter == reporter
    assert rejected.reason == "bel eerst 112"
    assert h.relay.incident(held.incident).phase is Phase.REJECTED
    h.refused(h_screen(h, town.member("sg-zuid"), held.incident, release=True), IncidentRefused)


def h_screen(h: Harness, by: int, incident: str, *, release: bool):  # type: ignore[no-untyped-def]
    from routing.engine.commands import Screen

    return Screen(at=h.now + 1, by=by, incident=incident, release=release)  # type: ignore[arg-type]


def test_R4_reactions_are_delivered_in_a_group_the_incident_reached(town: Town) -> None:
    """R4: the reporter and other readers react in the group with more information."""
    h = harness(town, Never())
    incident = h.one(h.report(town.resident("wg-noord-1"), melding()), IncidentOpened).incident
    out = h.react(town.resident("wg-noord-1", 1), incident, "ik zie hem bij de bakker")
    [d] = deliveries(out, DeliveryKind.REACTION)
    assert d.group == "wg-noord-1"
    assert "bij de bakker" in d.text
    # A stuurgroep member of the wijkgroep reacts there too (they are its admins).
    [d] = deliveries(h.react(town.member("sg-noord", 2), incident, "onderweg"), None)
    assert d.group == "wg-noord-1"


def test_R4_reaction_from_outside_the_reached_groups_is_refused(town: Town) -> None:
    from routing.engine.commands import React

    h = harness(town, Never())
    incident = h.one(h.report(town.resident("wg-noord-1"), melding()), IncidentOpened).incident
    outsider = town.resident("wg-poort-1")
    h.refused(React(at=5, member=outsider, incident=incident, text="hoi"), IncidentRefused)
    h.refused(
        React(at=5, member=town.resident("wg-noord-1"), incident=incident, text="x", group="grg"),
        IncidentRefused,
    )


def test_R5_stuurgroep_judges_relevance_and_posts_in_the_regiegroep(town: Town) -> None:
    """R5: stuurgroep members judge whether the report matters to other parts of the wijk."""
    h = harness(town, ByStep({Step.SIBLINGS: Never()}, default=Ask()))
    out = h.report(town.resident("wg-noord-1"), melding())
    incident = h.one(out, IncidentOpened).incident
    pending = h.one(out, PendingDecision)
    assert pending.step is Step.TO_REGIEGROEP
    assert pending.decider == "sg-noord"
    assert pending.targets == ("rg-zoomwijck",)
    by = town.member("sg-noord", 1)
    out = h.decide(by, pending.id, forward=True, reason="ook relevant voor zuid")
    reached = [d.group for d in deliveries(out)]
    assert reached == ["rg-zoomwijck"]
    [d] = deliveries(out)
    assert d.poster == by
    assert d.route[-1].decision is not None
    assert d.route[-1].decision.by == by
    assert d.route[-1].decision.reason == "ook relevant voor zuid"
    # From the regiegroep, sg-zuid (R6) and the regiegroep towards the gemeente are asked.
    asked = {(p.decider, p.step) for p in out if isinstance(p, PendingDecision)}
    assert asked == {("sg-zuid", Step.FROM_REGIEGROEP), ("rg-zoomwijck", Step.TO_GEMEENTE)}
    assert h.relay.incident(incident).phase is Phase.SPREADING


def test_R6_other_stuurgroepen_forward_from_the_regiegroep_into_their_wijkgroepen(
    town: Town,
) -> None:
    """R6: sg-zuid judges from the regiegroep and forwards into its own wijkgroepen."""
    h = harness(town, ByStep({Step.TO_REGIEGROEP: Always()}, default=Ask()))
    out = h.report(town.resident("wg-noord-1"), melding())
    pend = {p.decider: p for p in out if isinstance(p, PendingDecision)}
    zuid = pend["sg-zuid"]
    assert zuid.source == "rg-zoomwijck"
    assert zuid.targets == ("wg-zuid-1", "wg-zuid-2")
    # A member of sg-noord holds no duty for sg-zuid's wijkgroepen (S5).
    from routing.engine.commands import Decide

    h.refused(
        Decide(at=9, by=town.member("sg-noord"), decision=zuid.id, forward=True), PermissionRefused
    )
    out = h.decide(town.member("sg-zuid", 2), zuid.id, forward=True)
    got = deliveries(out)
    assert [d.group for d in got] == ["wg-zuid-1", "wg-zuid-2"]
    for d in got:
        assert [hop.target for hop in d.route] == ["wg-noord-1", "rg-zoomwijck", d.group]


def test_R7_sighting_in_another_wijk_starts_SAAR_again_as_a_linked_incident(town: Town) -> None:
    """R7: who sees the suspects in another wijk calls 112 and becomes casushouder there;
    the link alerts no group the first incident reached."""
    h = harness(town, Never())
    first = h.one(h.report(town.resident("wg-noord-1"), melding()), IncidentOpened).incident
    h.relay.policy = Always()
    seer = town.resident("wg-poort-2")
    out = h.report(seer, melding(text="dezelfde man"), joins=first)
    second = h.one(out, IncidentOpened)
    assert second.incident != first
    assert second.linked_to == first
    assert second.origin == "wg-poort-2"
    assert second.casushouder == seer
    assert h.relay.incident(first).linked == (second.incident,)
    assert h.relay.incident(second.incident).casushouders == (("wg-poort-2", seer),)
    reached = [d.group for d in deliveries(out)]
    assert "wg-noord-1" not in reached  # it has the situation already
    assert {"wg-poort-1", "rg-poortwijk", "grg", "wg-noord-2", "wg-zuid-1"} <= set(reached)


@pytest.mark.parametrize("seer_in", ["wg-noord-2", "wg-zuid-1", "wg-poort-2"])
def test_R7_sighting_where_the_situation_arrived_makes_a_casushouder_there(
    town: Town, seer_in: str
) -> None:
    """R7 in phase 2: the sibling wijkgroep (same wijk) or another wijk's wijkgroep that the
    first incident reached gets its own casushouder; no group gets the situation twice."""
    h = harness(town, Always())
    out = h.report(town.resident("wg-noord-1"), melding())
    first = h.one(out, IncidentOpened).incident
    reached = [d.group for d in deliveries(out)]
    assert seer_in in reached
    seer = town.resident(seer_in)
    out = h.report(seer, melding(text="ik zie ze nu, 112 gebeld"), joins=first)
    joined = h.one(out, Joined)
    assert joined.incident == first
    changed = h.one(out, CasushouderChanged)
    assert (changed.wijkgroep, changed.previous, changed.current) == (seer_in, None, seer)
    # The sighting is an addition in the seer's own wijkgroep, and nothing else is posted.
    assert deliveries(out) == []
    [addition] = deliveries(out, None)
    assert (addition.group, addition.kind, addition.poster) == (
        seer_in,
        DeliveryKind.REACTION,
        seer,
    )
    assert "ik zie ze nu" in addition.text
    view = h.relay.incident(first)
    assert dict(view.casushouders)[seer_in] == seer
    assert view.linked == ()
    assert sorted(view.reached) == sorted(reached)


def test_R8_afloop_closes_and_reaches_every_reached_group_exactly_once(town: Town) -> None:
    """R8: the afloop goes once to every group the incident reached, and nowhere else."""
    h = harness(town, ByStep({Step.TO_GEMEENTE: Never()}, default=Always()))
    reporter = town.resident("wg-noord-3")
    out = h.report(reporter, melding())
    incident = h.one(out, IncidentOpened).incident
    reached = [d.group for d in deliveries(out)]
    assert set(reached) == {
        "wg-noord-1", "wg-noord-2", "wg-noord-3", "rg-zoomwijck", "wg-zuid-1", "wg-zuid-2",
    }  # fmt: skip
    out = h.afloop(reporter, incident, "twee personen aangehouden")
    closed = h.one(out, IncidentClosed)
    assert set(closed.groups) == set(reached)
    afloop = deliveries(out, DeliveryKind.AFLOOP)
    assert sorted(d.group for d in afloop) == sorted(reached)
    assert all("aangehouden" in d.text for d in afloop)
    assert h.relay.incident(incident).phase is Phase.CLOSED
    assert h.relay.next_deadline() is None  # no reminder for a closed incident


def test_R8_afloop_after_the_only_delivery_failed_closes_and_delivers_nothing(town: Town) -> None:
    """R8: the afloop goes to the groups the incident is in; a failed delivery left its group."""
    h = harness(town, Never())
    reporter = town.resident("wg-noord-1")
    out = h.report(reporter, melding())
    incident = h.one(out, IncidentOpened).incident
    [origin] = deliveries(out)
    h.fail(origin.id)
    assert h.relay.incident(incident).reached == ()
    out = h.afloop(reporter, incident)
    assert h.one(out, IncidentClosed).groups == ()
    assert deliveries(out) == []
    assert h.relay.incident(incident).phase is Phase.CLOSED


def test_R8_closed_incident_refuses_reports_forwards_and_a_second_afloop(town: Town) -> None:
    from routing.engine.commands import Afloop, Forward, React, Report

    h = harness(town, Never())
    reporter = town.resident("wg-noord-1")
    incident = h.one(h.report(reporter, melding()), IncidentOpened).incident
    h.afloop(reporter, incident)
    sg = town.member("sg-noord")
    for cmd in (
        Report(at=50, reporter=reporter, melding=melding(), joins=incident),
        Forward(at=50, by=sg, incident=incident, source="wg-noord-1", target="wg-noord-2"),
        React(at=50, member=reporter, incident=incident, text="nog iets"),
        Afloop(at=50, by=reporter, incident=incident, text="nogmaals"),
    ):
        err = h.refused(cmd, IncidentRefused)
        assert "closed" in str(err)


def test_R8_afloop_by_someone_without_the_role_is_refused(town: Town) -> None:
    from routing.engine.commands import Afloop

    h = harness(town, Never())
    incident = h.one(h.report(town.resident("wg-noord-1"), melding()), IncidentOpened).incident
    # A neighbour in the same wijkgroep is neither casushouder nor stuurgroep member.
    h.refused(
        Afloop(at=9, by=town.resident("wg-noord-1", 2), incident=incident, text="klaar"),
        PermissionRefused,
    )
    # sg-poort never saw it.
    h.refused(
        Afloop(at=9, by=town.member("sg-poort"), incident=incident, text="klaar"), PermissionRefused
    )
    out = h.afloop(town.member("sg-noord", 2), incident)  # a stuurgroep member may
    assert h.one(out, IncidentClosed).by == town.member("sg-noord", 2)


def test_H4_duplicate_report_joins_and_says_who_called_112(town: Town) -> None:
    """H4: a second report of the same situation joins; the reporter hears 112 was called."""
    h = harness(town, Never(), duplicate_window=600)
    first = town.resident("wg-noord-1")
    incident = h.one(h.report(first, melding(), at=100), IncidentOpened).incident
    second = town.resident("wg-noord-1", 1)
    out = h.report(second, melding(called_112=False), at=200)  # same wijkgroep and category
    joined = h.one(out, Joined)
    assert joined.incident == incident
    assert joined.called_112_by == (first,)
    assert "112 is al gebeld door wg-noord-1 bewoner 1" in joined.text
    assert "niets wijst op een andere situatie" in joined.reason
    # Its details are posted in the group as an addition, by its reporter (R4).
    [addition] = deliveries(out, DeliveryKind.REACTION)
    assert (addition.group, addition.kind, addition.poster) == (
        "wg-noord-1", DeliveryKind.REACTION, second,
    )  # fmt: skip
    # By reference, from the same wijkgroep, whatever the category.
    out = h.report(town.resident("wg-noord-1", 2), melding("diefstal"), joins=incident, at=300)
    assert h.one(out, Joined).incident == incident
    # Outside the window (or another category) it is a new incident.
    out = h.report(second, melding(), at=2000)
    assert h.one(out, IncidentOpened).incident != incident
    assert [r for r, _ in h.relay.incident(incident).reports] == [
        first, second, town.resident("wg-noord-1", 2),
    ]  # fmt: skip
