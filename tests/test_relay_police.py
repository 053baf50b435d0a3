"""A police notice along the Zoomwijck's routing path, P1-P7 ("VANUIT DE POLITIE")."""

from __future__ import annotations

import pytest

from routing.engine.commands import PoliceNotice
from routing.engine.incident import Phase
from routing.engine.outputs import (
    CasushouderChanged,
    DeliveryKind,
    IncidentClosed,
    IncidentOpened,
    Joined,
    PendingDecision,
    Step,
)
from routing.engine.policies import Always, Ask, ByStep, Never
from routing.errors import IncidentRefused, InvalidValueError, PermissionRefused, UnknownGroupError
from routing.relay import Relay, RelayConfig
from routing.testing import Harness, Town, deliveries, melding, zoomwijck


@pytest.fixture
def town() -> Town:
    return zoomwijck()


def test_P1_police_notice_to_a_stuurgroep_is_marked_police(town: Town) -> None:
    """P1: the police report a situation to a stuurgroep; apps show it first."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    out = h.police(melding("vermissing"), stuurgroepen=["sg-zuid"])
    opened = h.one(out, IncidentOpened)
    assert opened.police
    assert opened.origin == "sg-zuid"
    got = deliveries(out)
    assert got[0].group == "sg-zuid"
    assert got[0].route[0].by is None
    assert all(d.police for d in got)
    assert all(d.text.startswith("POLITIEBERICHT (wijkagent Jansen)") for d in got)


def test_P2_one_member_of_each_addressed_stuurgroep_carries_it_in_and_is_casushouder(
    town: Town,
) -> None:
    """P2: one member of each addressed stuurgroep forwards it into its wijkgroepen."""
    h = Harness(Relay(town.hierarchy, policy=Never(), config=RelayConfig(on_duty={"sg-noord": 1})))
    out = h.police(melding("vermissing"), stuurgroepen=["sg-noord", "sg-poort"])
    incident = h.one(out, IncidentOpened).incident
    by_group = {d.group: d for d in deliveries(out)}
    noord, poort = town.member("sg-noord", 1), town.member("sg-poort")  # on duty; telefoonbeheerder
    for wg in ("wg-noord-1", "wg-noord-2", "wg-noord-3"):
        assert by_group[wg].poster == noord
        assert by_group[wg].route[-1].decision.step is Step.POLICE_DOWN  # type: ignore[union-attr]
    for wg in ("wg-poort-1", "wg-poort-2"):
        assert by_group[wg].poster == poort
    assert "wg-zuid-1" not in by_group  # not addressed
    casus = dict(h.relay.incident(incident).casushouders)
    assert casus == {
        "wg-noord-1": noord, "wg-noord-2": noord, "wg-noord-3": noord,
        "wg-poort-1": poort, "wg-poort-2": poort,
    }  # fmt: skip


def test_P2_notice_to_the_regiegroep_reaches_every_stuurgroep_of_the_wijk(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    out = h.police(melding("babbeltruc"), regiegroep="rg-zoomwijck")
    groups = [d.group for d in deliveries(out)]
    assert groups[0] == "rg-zoomwijck"
    assert set(groups) == {
        "rg-zoomwijck", "wg-noord-1", "wg-noord-2", "wg-noord-3", "wg-zuid-1", "wg-zuid-2",
    }  # fmt: skip


def test_P2_whoever_actually_carries_it_in_becomes_casushouder(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    out = h.police(melding("vermissing"), stuurgroepen=["sg-zuid"])
    incident = h.one(out, IncidentOpened).incident
    task = next(d for d in deliveries(out) if d.group == "wg-zuid-2")
    other = town.member("sg-zuid", 2)
    out = h.confirm(task.id, by=other)
    changed = h.one(out, CasushouderChanged)
    assert (changed.wijkgroep, changed.current) == ("wg-zuid-2", other)
    assert dict(h.relay.incident(incident).casushouders)["wg-zuid-2"] == other
    # A resident may not claim to have carried a stuurgroep's task.
    task1 = next(d for d in deliveries(h.log[0][1]) if d.group == "wg-zuid-1")
    from routing.engine.commands import Confirm

    h.refused(Confirm(at=99, delivery=task1.id, by=town.resident("wg-zuid-1")), PermissionRefused)


def test_P2_confirming_a_reaction_leaves_the_casushouder_alone(town: Town) -> None:
    """P2, P3: only the melding's carrier can take the casushouder role by
    confirming; a resident confirming their own reaction does not."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    out = h.police(melding("vermissing"), stuurgroepen=["sg-zuid"])
    incident = h.one(out, IncidentOpened).incident
    before = dict(h.relay.incident(incident).casushouders)["wg-zuid-1"]
    resident = town.resident("wg-zuid-1")
    [reaction] = deliveries(h.react(resident, incident, "ik zag hem bij de bakker"), None)
    assert reaction.kind is DeliveryKind.REACTION
    out = h.confirm(reaction.id)
    assert not [o for o in out if isinstance(o, CasushouderChanged)]
    assert dict(h.relay.incident(incident).casushouders)["wg-zuid-1"] == before != resident


def test_P1_notice_must_be_addressed_to_existing_groups_of_the_right_kind(town: Town) -> None:
    with pytest.raises(InvalidValueError):
        PoliceNotice(at=1, sender="politie", melding=melding())
    h = Harness(Relay(town.hierarchy))
    h.refused(
        PoliceNotice(at=1, sender="politie", melding=melding(), stuurgroepen=("wg-noord-1",)),
        UnknownGroupError,
    )
    h.refused(
        PoliceNotice(at=1, sender="politie", melding=melding(), regiegroep="nope"),
        UnknownGroupError,
    )


def test_P3_stuurgroep_and_wijkgroep_members_react(town: Town) -> None:
    """P3: stuurgroep members and wijkgroep members react with more information."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = h.one(h.police(melding(), stuurgroepen=["sg-zuid"]), IncidentOpened).incident
    [in_sg] = deliveries(
        h.react(town.member("sg-zuid", 1), incident, "gezien", group="sg-zuid"), None
    )
    assert in_sg.group == "sg-zuid"
    [in_wg] = deliveries(h.react(town.resident("wg-zuid-2"), incident, "ook gezien"), None)
    assert in_wg.group == "wg-zuid-2"
    assert in_wg.kind is DeliveryKind.REACTION


def test_P4_P5_relevance_is_judged_as_in_R5_R6(town: Town) -> None:
    """P4-P5 as R5-R6: from the stuurgroep's wijkgroepen up to the regiegroep, then down."""
    h = Harness(Relay(town.hierarchy, policy=ByStep({Step.TO_REGIEGROEP: Always()}, default=Ask())))
    out = h.police(melding(), stuurgroepen=["sg-noord"])
    groups = [d.group for d in deliveries(out)]
    assert "rg-zoomwijck" in groups
    pend = [p for p in out if isinstance(p, PendingDecision)]
    assert {(p.decider, p.step) for p in pend} == {
        ("sg-zuid", Step.FROM_REGIEGROEP),
        ("rg-zoomwijck", Step.TO_GEMEENTE),
    }


def test_P6_sighting_elsewhere_starts_SAAR_again(town: Town) -> None:
    """P6 as R7; in the same wijk a report joins and learns the police already know (H4)."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = h.one(h.police(melding(), stuurgroepen=["sg-zuid"]), IncidentOpened).incident
    joined = h.one(h.report(town.resident("wg-zuid-1"), melding(), joins=incident), Joined)
    assert "politie is al op de hoogte" in joined.text
    linked = h.one(h.report(town.resident("wg-poort-1"), melding(), joins=incident), IncidentOpened)
    assert linked.linked_to == incident


def test_P7_afloop_reaches_every_reached_group_once(town: Town) -> None:
    """P7 as R8: usually the casushouder who spoke to the police last posts it."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    out = h.police(melding(), regiegroep="rg-poortwijk")
    incident = h.one(out, IncidentOpened).incident
    reached = sorted(d.group for d in deliveries(out))
    casus = town.member("sg-poort")
    out = h.afloop(casus, incident, "persoon gevonden")
    assert sorted(h.one(out, IncidentClosed).groups) == reached
    assert sorted(d.group for d in deliveries(out, DeliveryKind.AFLOOP)) == reached
    assert h.relay.incident(incident).phase is Phase.CLOSED
    from routing.engine.commands import Afloop

    h.refused(Afloop(at=999, by=casus, incident=incident, text="x"), IncidentRefused)
