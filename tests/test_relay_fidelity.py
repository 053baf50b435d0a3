"""Parts of the seeds' process that a first engine missed, each under its rule.

The town is :func:`routing.testing.zoomwijck` (Zoomwijck: sg-noord with
wg-noord-1..3, sg-zuid with wg-zuid-1..2, rg-zoomwijck; Poortwijk: sg-poort,
wg-poort-1..2, rg-poortwijk; the gemeentelijke regiegroep grg).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.engine.commands import (
    Afloop,
    Confirm,
    Decide,
    Fail,
    Forward,
    HandOver,
    React,
    Report,
    Screen,
)
from routing.engine.outputs import (
    CasushouderChanged,
    DecisionMade,
    DeliveryConfirmed,
    DeliveryKind,
    IncidentClosed,
    IncidentOpened,
    Joined,
    PendingDecision,
    Reminder,
    TaskReassigned,
)
from routing.engine.policies import Always, Ask, Never
from routing.errors import (
    IncidentRefused,
    InvalidValueError,
    InvariantRefused,
    PermissionRefused,
    TimeRefused,
)
from routing.relay import Relay, RelayConfig
from routing.testing import Harness, Town, deliveries, melding, zoomwijck


@pytest.fixture
def town() -> Town:
    return zoomwijck()


def harness(town: Town, policy: object = None, **config: object) -> Harness:
    relay = Relay(town.hierarchy, policy=policy, config=RelayConfig(**config))  # type: ignore[arg-type]
    return Harness(relay, start=1000.0)


# ------------------------------------------------------------------ time


def _acting_on(town: Town, iid: str, did: int, pid: int, at: float) -> list[Any]:
    """One command of every kind that acts on an existing incident, dated ``at``."""
    reporter = town.resident("wg-noord-1")
    member = town.member("sg-noord")
    return [
        React(at=at, member=reporter, incident=iid, text="nog steeds daar"),
        Forward(at=at, by=member, incident=iid, source="wg-noord-1", target="wg-noord-2"),
        Decide(at=at, by=member, decision=pid, forward=True),
        HandOver(at=at, by=reporter, incident=iid, wijkgroep="wg-noord-1", to=member),
        Afloop(at=at, by=reporter, incident=iid, text="politie ter plaatse"),
        Confirm(at=at, delivery=did),
        Fail(at=at, delivery=did, reason="groep weg"),
        Report(at=at, reporter=town.resident("wg-noord-1", 1), melding=melding(), joins=iid),
        Screen(at=at, by=member, incident=iid, release=True),
    ]


@given(kind=st.integers(0, 8), before=st.floats(1e-6, 999.0))
def test_time_a_command_dated_before_its_incident_is_refused(kind: int, before: float) -> None:
    town = zoomwijck()
    h = harness(town, Ask())
    out = h.report(town.resident("wg-noord-1"), melding(), at=1000.0)
    iid = h.one(out, IncidentOpened).incident
    [first] = deliveries(out)
    pid = next(o for o in out if isinstance(o, PendingDecision)).id
    cmd = _acting_on(town, iid, first.id, pid, 1000.0 - before)[kind]
    error = h.refused(cmd, TimeRefused)
    assert isinstance(error, IncidentRefused)  # an app catching these catches it too
    assert iid in error.reason


def test_time_a_command_at_the_incidents_own_time_is_allowed(town: Town) -> None:
    h = harness(town, Never())
    reporter = town.resident("wg-noord-1")
    iid = h.one(h.report(reporter, melding(), at=1000.0), IncidentOpened).incident
    h.run(Afloop(at=1000.0, by=reporter, incident=iid, text="loos alarm"))
    assert h.relay.incident(iid).closed_at == 1000.0


# ------------------------------------------------------------------ stale questions


def test_R6_a_manual_forward_closes_the_open_question_of_its_step(town: Town) -> None:
    h = harness(town, Ask())
    out = h.report(town.resident("wg-noord-1"), melding())
    iid = h.one(out, IncidentOpened).incident
    asked = [o for o in out if isinstance(o, PendingDecision)]
    sibling = next(p for p in asked if "wg-noord-2" in p.targets)
    member = town.member("sg-noord")
    out = h.forward(member, iid, "wg-noord-1", "wg-noord-2", reason="zelfde straat")
    made = h.one(out, DecisionMade)
    assert made.pending == sibling.id
    assert made.decision.by == member
    assert made.decision.forward
    assert sibling.id not in {p.id for p in h.relay.pending()}
    # Nobody can answer it afterwards, either way.
    error = h.refused(
        Decide(at=h.now + 1, by=member, decision=sibling.id, forward=False), IncidentRefused
    )
    assert "taken" in error.reason
    # Its deadline passes without a second decision.
    later = h.tick(h.now + 3600.0)
    assert not any(isinstance(o, DecisionMade) and o.pending == sibling.id for o in later)


# ------------------------------------------------------------------ H4 by situation


def test_H4_a_second_burglary_in_another_street_is_a_new_incident(town: Town) -> None:
    from routing.domain.place import Place

    h = harness(town, Never())
    first = h.one(
        h.report(town.resident("wg-noord-1"), melding(place=Place(street="Parklaan"))),
        IncidentOpened,
    ).incident
    out = h.report(town.resident("wg-noord-1", 1), melding(place=Place(street="Dorpsstraat")))
    second = h.one(out, IncidentOpened)
    assert second.incident != first
    assert [d.group for d in deliveries(out)] == ["wg-noord-1"]  # its details are posted
    # The same street joins, and says why.
    out = h.report(town.resident("wg-noord-1", 2), melding(place=Place(street="Dorpsstraat")))
    joined = h.one(out, Joined)
    assert joined.incident == second.incident
    assert "Dorpsstraat" in joined.reason
    assert "30 minuten" in joined.reason


def test_H4_a_reporter_may_say_it_is_a_new_situation(town: Town) -> None:
    h = harness(town, Never())
    first = h.one(h.report(town.resident("wg-noord-1"), melding()), IncidentOpened).incident
    assert h.one(h.report(town.resident("wg-noord-1", 1), melding()), Joined).incident == first
    cmd = Report(
        at=h.now + 1, reporter=town.resident("wg-noord-1", 2), melding=melding(),
        new_situation=True,
    )  # fmt: skip
    assert h.one(h.run(cmd), IncidentOpened).incident != first


def test_H4_joins_or_new_situation_not_both() -> None:
    with pytest.raises(InvalidValueError):
        Report(at=1.0, reporter=1, melding=melding(), joins="I1", new_situation=True)


def test_H4_a_report_of_what_a_police_notice_covers_joins_the_notice(town: Town) -> None:
    h = harness(town, Never())
    out = h.police(melding("verdachte persoon"), stuurgroepen=["sg-noord"])
    notice = h.one(out, IncidentOpened).incident
    carrier = dict(h.relay.incident(notice).casushouders)["wg-noord-2"]
    resident = town.resident("wg-noord-2")
    out = h.report(resident, melding("verdachte persoon"))
    joined = h.one(out, Joined)
    assert joined.incident == notice
    assert "politiebericht" in joined.reason
    assert "De politie is al op de hoogte" in joined.text
    # One active casushouder per wijkgroep per situation: still the carrier (P2).
    assert not any(isinstance(o, CasushouderChanged) for o in out)
    assert dict(h.relay.incident(notice).casushouders)["wg-noord-2"] == carrier
    # Another kind of situation is a new incident, and so is one from a
    # wijkgroep the notice never reached.
    assert h.one(h.report(town.resident("wg-noord-3"), melding("vernieling")), IncidentOpened)
    assert h.one(h.report(town.resident("wg-zuid-1"), melding("verdachte persoon")), IncidentOpened)


def test_H4_the_police_notice_index_survives_a_saved_state(town: Town) -> None:
    h = harness(town, Never())
    notice = h.one(h.police(melding(), stuurgroepen=["sg-noord"]), IncidentOpened).incident
    loaded = Relay.from_state(town.hierarchy, h.relay.export_state(), policy=Never())
    again = Harness(loaded, start=h.now)
    assert (
        again.one(again.report(town.resident("wg-noord-1"), melding()), Joined).incident == notice
    )


# ------------------------------------------------------------------ departures (R3, T2)


def _names_anyone(outputs: tuple[Any, ...], member: int) -> bool:
    """Whether any output hands ``member`` a task, a role or a reminder."""
    for o in outputs:
        if isinstance(o, Reminder) and member in o.casushouders:
            return True
        if isinstance(o, CasushouderChanged) and o.current == member:
            return True
        if isinstance(o, TaskReassigned) and o.current == member:
            return True
    return any(d.poster == member for d in deliveries(outputs, None))


@pytest.mark.parametrize("how", ["leave", "remove", "move"])
def test_R3_a_casushouder_who_goes_passes_the_role_to_the_stuurgroep(town: Town, how: str) -> None:
    h = harness(town, Never(), reminder_after=600.0)
    reporter = town.resident("wg-noord-1")
    out = h.report(reporter, melding())
    iid = h.one(out, IncidentOpened).incident
    [task] = deliveries(out)
    beheerder = town.hierarchy.telefoonbeheerder("sg-noord")
    if how == "leave":
        town.hierarchy.leave(reporter, by=reporter)
    elif how == "remove":
        town.hierarchy.remove(beheerder, reporter, reason="hield zich niet aan de spelregels")
    else:
        town.hierarchy.move(beheerder, reporter, "wg-noord-2")
    out = h.tick(h.now + 1)
    changed = h.one(out, CasushouderChanged)
    on_duty = h.relay.on_duty("sg-noord")
    assert (changed.wijkgroep, changed.previous, changed.current) == (
        "wg-noord-1",
        reporter,
        on_duty,
    )
    assert "niet meer in wg-noord-1" in changed.reason
    moved = h.one(out, TaskReassigned)
    assert (moved.delivery, moved.previous, moved.current) == (task.id, reporter, on_duty)
    view = h.relay.incident(iid)
    assert view.casushouders == (("wg-noord-1", on_duty),)
    assert view.police_contact is None or how == "move"  # a member who moved is still one
    [record] = view.deliveries
    assert record.delivery.poster == on_duty
    # From now on nothing names the member who went: not a reminder, not a
    # confirmation, not the afloop.
    later = h.tick(h.now + 3600.0)
    assert not _names_anyone(later, reporter)
    assert h.one(later, Reminder).casushouders == (on_duty,)
    assert h.one(h.confirm(task.id), DeliveryConfirmed).by == on_duty
    closing = h.afloop(on_duty, iid)
    assert not _names_anyone(closing, reporter)


def test_R3_the_catch_up_is_undone_with_a_refused_command(town: Town) -> None:
    h = harness(town, Never())
    reporter = town.resident("wg-noord-1")
    iid = h.one(h.report(reporter, melding()), IncidentOpened).incident
    town.hierarchy.leave(reporter, by=reporter)
    stranger = town.resident("wg-zuid-1")
    h.refused(Afloop(at=h.now + 1, by=stranger, incident=iid, text="klaar"), PermissionRefused)
    assert h.relay.incident(iid).casushouders == (("wg-noord-1", reporter),)
    # The next command that goes through passes the role on after all.
    assert h.one(h.tick(h.now + 2), CasushouderChanged).previous == reporter


def test_R3_a_task_moved_from_a_member_who_left_survives_a_saved_state(town: Town) -> None:
    h = harness(town, Never())
    reporter = town.resident("wg-noord-1")
    out = h.report(reporter, melding())
    [task] = deliveries(out)
    town.hierarchy.leave(reporter, by=reporter)
    h.tick(h.now + 1)
    state = h.relay.export_state()
    loaded = Relay.from_state(town.hierarchy, state, policy=Never())
    assert loaded.export_state() == state
    again = Harness(loaded, start=h.now)
    # Nothing is passed on twice, and the task stays with who took it over.
    on_duty = h.relay.on_duty("sg-noord")
    assert again.one(again.confirm(task.id), DeliveryConfirmed).by == on_duty


# ------------------------------------------------------------------ R8's author


def test_R8_whoever_last_spoke_to_the_police_is_named_first(town: Town) -> None:
    h = harness(town, Never(), reminder_after=600.0)
    reporter = town.resident("wg-noord-1")
    iid = h.one(h.report(reporter, melding()), IncidentOpened).incident
    assert h.relay.incident(iid).police_contact == reporter  # they called 112
    neighbour = town.resident("wg-noord-1", 1)
    h.react(neighbour, iid, "politie heeft me teruggebeld, ze zijn onderweg")
    assert h.relay.incident(iid).police_contact == neighbour
    h.react(reporter, iid, "ik zie ze nog steeds")  # no police contact: no change
    reminder = h.one(h.tick(h.now + 600.0), Reminder)
    assert reminder.police_contact == neighbour
    assert h.relay.hierarchy.name(neighbour) in reminder.text
    # ... and may post the afloop, as R8 says they usually do.
    assert h.one(h.afloop(neighbour, iid), IncidentClosed).by == neighbour


def test_R8_a_casushouder_who_spoke_to_the_police_comes_first_in_the_reminder(town: Town) -> None:
    h = harness(town, Always(), reminder_after=600.0)
    reporter = town.resident("wg-noord-1")
    iid = h.one(h.report(reporter, melding()), IncidentOpened).incident
    seer = town.resident("wg-noord-2")
    h.report(seer, melding(text="ik zie ze"), joins=iid)  # R7: casushouder in wg-noord-2
    h.run(
        React(at=h.now + 1, member=reporter, incident=iid, text="bijgewerkt", police_contact=True)
    )
    reminder = h.one(h.tick(h.now + 600.0), Reminder)
    assert reminder.casushouders[0] == reporter
    assert set(reminder.casushouders) == {reporter, seer}


# ------------------------------------------------------------------ a split under an open incident


def test_G2_a_split_under_an_open_incident_moves_it_to_where_the_residents_went() -> None:
    from routing.domain.settings import Settings
    from routing.domain.values import Applicant
    from routing.engine.outputs import IncidentRegrouped
    from routing.model import Hierarchy

    h = Hierarchy(Settings(split_threshold=2))
    founders = [Applicant.registered(f"lid {i}") for i in range(3)]
    sg = h.found_neighbourhood(
        gemeente="G", wijk="W", wijkgroep="wg", stuurgroep="sg", founders=founders
    )
    a = h.load_members("wg", ["a1", "a2"], buurt="A")
    b = h.load_members("wg", ["b1", "b2"], buurt="B")
    run = Harness(Relay(h, policy=Never()), start=10.0)
    out = run.report(a[0], melding())
    iid = run.one(out, IncidentOpened).incident
    [posted] = deliveries(out)
    run.confirm(posted.id)  # the residents of wg saw it
    h.split_wijkgroep(sg[0], "wg", buurten={"A": "wg-a", "B": "wg-b"}, approvals=sg, rest="wg-a")
    moved = run.one(run.tick(20.0), IncidentRegrouped)
    assert (moved.group, moved.into) == ("wg", ("wg-a", "wg-b"))
    view = run.relay.incident(iid)
    assert view.reached == ("wg-a", "wg-b")
    assert view.casushouders == (("wg-a", a[0]),)  # the reporter lives in wg-a now
    # The state saves and loads with the incident where it is now.
    loaded = Relay.from_state(h, run.relay.export_state(), policy=Never())
    assert loaded.incident(iid) == view
    # Reactions and the afloop reach the same people, in their new groups.
    [reaction] = deliveries(run.react(b[0], iid, "ik zie ze ook"), None)
    assert reaction.group == "wg-b"
    closing = run.afloop(a[0], iid)
    assert run.one(closing, IncidentClosed).groups == ("wg-a", "wg-b")
    posters = {d.group: d.poster for d in deliveries(closing, None)}
    assert posters["wg-a"] == a[0]
    assert posters["wg-b"] in h.admins("wg-b")  # the reporter is not in wg-b
    # The removed wijkgroep's id is not used again.
    with pytest.raises(InvariantRefused):
        h.create_wijkgroep(sg[0], "sg", "wg", approvals=sg)


def test_R7_a_held_sighting_released_where_the_situation_arrived_meanwhile_joins_it(
    town: Town,
) -> None:
    """A report held for the stuurgroep (H3) opens no group twice on release (R7)."""
    h = harness(town, Never())
    first = h.one(h.report(town.resident("wg-noord-1"), melding()), IncidentOpened).incident
    seer = town.resident("wg-noord-2")
    held = h.report(seer, melding(called_112=False), joins=first)[0].incident
    member = town.member("sg-noord")
    h.forward(member, first, "wg-noord-1", "wg-noord-2")  # the situation arrives there
    out = h.screen(member, held, release=True)
    assert h.one(out, Joined).incident == first
    assert h.relay.incident(held).reached == ()
    assert h.relay.incident(first).reached == ("wg-noord-1", "wg-noord-2")
    [addition] = deliveries(out, None)
    assert (addition.group, addition.kind) == ("wg-noord-2", DeliveryKind.REACTION)


def test_R3_a_held_report_whose_reporter_left_is_posted_by_who_releases_it(town: Town) -> None:
    h = harness(town, Never())
    reporter = town.resident("wg-noord-1")
    held = h.report(reporter, melding(called_112=False))[0].incident
    town.hierarchy.leave(reporter, by=reporter)
    member = town.member("sg-noord")
    out = h.screen(member, held, release=True)
    assert h.one(out, IncidentOpened).casushouder == member
    assert not _names_anyone(out, reporter)
    assert [d.poster for d in deliveries(out)] == [member]


def test_G2_a_task_not_yet_posted_in_a_wijkgroep_a_split_removed_fails() -> None:
    from routing.domain.settings import Settings
    from routing.domain.values import Applicant
    from routing.engine.outputs import DeliveryFailed
    from routing.model import Hierarchy

    h = Hierarchy(Settings(split_threshold=2))
    founders = [Applicant.registered(f"lid {i}") for i in range(3)]
    sg = h.found_neighbourhood(
        gemeente="G", wijk="W", wijkgroep="wg", stuurgroep="sg", founders=founders
    )
    a = h.load_members("wg", ["a1", "a2"], buurt="A")
    h.load_members("wg", ["b1", "b2"], buurt="B")
    run = Harness(Relay(h, policy=Never()), start=10.0)
    out = run.report(a[0], melding())
    iid = run.one(out, IncidentOpened).incident
    [task] = deliveries(out)
    h.split_wijkgroep(sg[0], "wg", buurten={"A": "wg-a", "B": "wg-b"}, approvals=sg, rest="wg-a")
    failed = run.one(run.tick(20.0), DeliveryFailed)
    assert (failed.delivery, failed.group) == (task.id, "wg")
    assert run.relay.incident(iid).reached == ()  # nobody saw it: nothing to close there


def test_G2_a_report_held_in_a_wijkgroep_a_split_removed_is_released_where_its_reporter_went() -> (
    None
):
    from routing.domain.settings import Settings
    from routing.domain.values import Applicant
    from routing.model import Hierarchy

    h = Hierarchy(Settings(split_threshold=2))
    founders = [Applicant.registered(f"lid {i}") for i in range(3)]
    sg = h.found_neighbourhood(
        gemeente="G", wijk="W", wijkgroep="wg", stuurgroep="sg", founders=founders
    )
    h.load_members("wg", ["a1", "a2"], buurt="A")
    b = h.load_members("wg", ["b1", "b2"], buurt="B")
    run = Harness(Relay(h, policy=Never()), start=10.0)
    held = run.report(b[0], melding(called_112=False))[0].incident
    h.split_wijkgroep(sg[0], "wg", buurten={"A": "wg-a", "B": "wg-b"}, approvals=sg, rest="wg-a")
    out = run.screen(sg[0], held, release=True)
    assert run.one(out, IncidentOpened).origin == "wg-b"
    assert [d.group for d in deliveries(out)] == ["wg-b"]


def test_R8_an_afloop_task_whose_poster_leaves_before_posting_it_passes_on(town: Town) -> None:
    h = harness(town, Never())
    reporter = town.resident("wg-noord-1")
    iid = h.one(h.report(reporter, melding()), IncidentOpened).incident
    [afloop] = deliveries(h.afloop(reporter, iid), DeliveryKind.AFLOOP)
    assert afloop.poster == reporter
    town.hierarchy.leave(reporter, by=reporter)
    out = h.tick(h.now + 1)
    [moved] = [o for o in out if isinstance(o, TaskReassigned) and o.delivery == afloop.id]
    assert moved.previous == reporter
    assert moved.current == h.relay.on_duty("sg-noord")
    assert not _names_anyone(out, reporter)


def test_S1_nobody_screens_their_own_held_message(town: Town) -> None:
    h = harness(town, Never())
    member = town.member("sg-noord")  # a stuurgroep member, reporting as a resident
    held = h.report(member, melding(called_112=False))[0].incident
    h.refused(Screen(at=h.now + 1, by=member, incident=held, release=True), PermissionRefused)
    other = town.member("sg-noord", 1)
    assert h.one(h.screen(other, held, release=True), IncidentOpened).casushouder == member


def test_H4_a_held_report_released_after_its_situation_opened_joins_it(town: Town) -> None:
    h = harness(town, Never())
    held = h.report(town.resident("wg-noord-1"), melding(called_112=False))[0].incident
    first = h.one(h.report(town.resident("wg-noord-1", 1), melding()), IncidentOpened).incident
    out = h.screen(town.member("sg-noord"), held, release=True)
    assert h.one(out, Joined).incident == first
    assert len([o for o in out if isinstance(o, IncidentOpened)]) == 0
    assert h.relay.incident(first).reached == ("wg-noord-1",)
