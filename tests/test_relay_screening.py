"""S1 in the relay: every report and every reaction passes screening (H3, H5, H6, H9).

What screening holds waits for a member of the sender's stuurgroep, who
releases or rejects it (``Screen``) or addresses the sender (``Address``);
nothing is dropped, and held items survive a restart and a replay.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.domain.melding import Melding
from routing.engine.commands import Address, React, Report, Screen
from routing.engine.incident import Phase
from routing.engine.outputs import (
    Addressed,
    Deliveries,
    DeliveryKind,
    Held,
    IncidentOpened,
    ReactionHeld,
    Rejected,
)
from routing.engine.policies import Never
from routing.errors import (
    IncidentRefused,
    InvalidValueError,
    PermissionRefused,
    RoutingError,
    ScreeningRefused,
    UnknownMessageError,
)
from routing.persist.journal import Journal
from routing.relay import Relay
from routing.testing import Harness, Town, deliveries, melding, zoomwijck
from strategies.melding import meldingen
from test_journal import town as journaled_town


@pytest.fixture
def town() -> Town:
    return zoomwijck()


def opened(h: Harness, town: Town, wijkgroep: str = "wg-zuid-1") -> str:
    return h.one(h.report(town.resident(wijkgroep), melding()), IncidentOpened).incident


def chat(h: Harness, town: Town, incident: str, text: str = "bbq zaterdag?") -> ReactionHeld:
    return h.one(h.react(town.resident("wg-zuid-1", 1), incident, text), ReactionHeld)


def screen(
    h: Harness, by: int, incident: str, reaction: int | None, *, release: bool, reason: str = ""
) -> Screen:
    return Screen(
        at=h.now + 1, by=by, incident=incident, release=release, reason=reason, reaction=reaction
    )  # type: ignore[arg-type]


# ------------------------------------------------------------------ reports


def test_S1_H5_an_abusive_report_with_112_called_is_held(town: Town) -> None:
    """H5: 112 was called, but the language is abusive: it goes nowhere yet."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    reporter = town.resident("wg-noord-1")
    out = h.report(reporter, melding(text="die klootzak breekt in bij nr 4"))
    held = h.one(out, Held)
    assert (held.rule, held.stuurgroep, held.reporter) == ("H5", "sg-noord", reporter)
    assert "klootzak" in held.reason
    assert [f.rule for f in held.findings] == ["H5"]
    assert deliveries(out, None) == []
    view = h.relay.incident(held.incident)
    assert view.phase is Phase.HELD
    assert view.called_112_by == (reporter,)  # H4: the group will know, once released
    assert h.relay.held() == (held,)


def test_S1_H6_a_report_proposing_vigilantism_is_held(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    out = h.report(town.resident("wg-zuid-2"), melding(action="als hij terugkomt pakken we hem"))
    assert h.one(out, Held).rule == "H6"


def test_S1_H3_a_report_without_112_names_its_rule(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    held = h.one(h.report(town.resident("wg-zuid-2"), melding(called_112=False)), Held)
    assert held.rule == "H3"


def test_S1_addressing_the_reporter_keeps_the_report_held(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    reporter = town.resident("wg-zuid-2")
    held = h.one(h.report(reporter, melding(called_112=False)), Held)
    sg = town.member("sg-zuid", 1)
    text = "Bel eerst 112; daarna zetten we je melding door."
    out = h.run(Address(at=h.now + 1, by=sg, incident=held.incident, text=text))
    assert out == (
        Addressed(
            incident=held.incident, reaction=None, to=reporter, by=sg, text=text, at=h.now + 1
        ),
    )
    assert h.relay.incident(held.incident).phase is Phase.HELD
    assert h.relay.incident(held.incident).addressed == out
    # A resident does not address; a screened report is not addressed any more.
    h.refused(
        Address(at=h.now + 2, by=town.resident("wg-zuid-1"), incident=held.incident, text="x"),
        PermissionRefused,
    )
    h.screen(sg, held.incident, release=True)
    h.refused(Address(at=h.now + 2, by=sg, incident=held.incident, text="x"), ScreeningRefused)


# ------------------------------------------------------------------ reactions


def test_S1_H9_a_chit_chat_reaction_is_held_and_not_delivered(town: Town) -> None:
    """H9: 'bbq zaterdag?' is no extra information (R4); the stuurgroep decides."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    out = h.react(town.resident("wg-zuid-1", 1), incident, "bbq zaterdag?")
    held = h.one(out, ReactionHeld)
    assert not [o for o in out if isinstance(o, Deliveries)]
    assert (held.reaction, held.group, held.stuurgroep, held.rule) == (
        1, "wg-zuid-1", "sg-zuid", "H9",
    )  # fmt: skip
    view = h.relay.incident(incident)
    assert view.held == (held,)
    assert not [d for d in view.deliveries if d.delivery.kind is DeliveryKind.REACTION]
    assert view.phase is Phase.OPEN


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("wat een klootzakken zijn het", "H5"),
        ("pakken we hem?", "H6"),
        ("stuur me een appje", "H9"),
    ],
)
def test_S1_reactions_breaking_a_house_rule_are_held(town: Town, text: str, rule: str) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    assert chat(h, town, opened(h, town), text).rule == rule


def test_S1_R4_a_reaction_about_the_situation_is_delivered_at_once(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    out = h.react(town.resident("wg-zuid-1", 1), incident, "ze lopen nu richting station")
    assert [d.kind for d in deliveries(out, None)] == [DeliveryKind.REACTION]


def test_S1_a_released_reaction_is_delivered_as_it_was_sent(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    held = chat(h, town, incident)
    out = h.run(screen(h, town.member("sg-zuid", 2), incident, held.reaction, release=True))
    [d] = deliveries(out, None)
    assert (d.kind, d.group, d.poster) == (DeliveryKind.REACTION, "wg-zuid-1", held.member)
    assert "bbq zaterdag?" in d.text
    assert h.relay.incident(incident).held == ()
    assert h.relay.held() == ()


def test_S1_a_rejected_reaction_tells_the_sender_why(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    held = chat(h, town, incident)
    by = town.member("sg-zuid")
    out = h.run(screen(h, by, incident, held.reaction, release=False, reason="geen chat hier"))
    rejected = h.one(out, Rejected)
    assert (rejected.reporter, rejected.by, rejected.reason, rejected.reaction) == (
        held.member, by, "geen chat hier", 1,
    )  # fmt: skip
    assert deliveries(out, None) == []
    # Decided once (S1): the first decision stands.
    h.refused(screen(h, by, incident, 1, release=True), ScreeningRefused)


def test_S1_addressing_the_sender_of_a_held_reaction(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    held = chat(h, town, incident)
    by = town.member("sg-zuid", 1)
    text = "De groep is alleen voor alarmerende berichten; app de buren apart."
    out = h.run(Address(at=h.now + 1, by=by, incident=incident, reaction=1, text=text))
    addressed = h.one(out, Addressed)
    assert (addressed.to, addressed.by, addressed.text, addressed.reaction) == (
        held.member, by, text, 1,
    )  # fmt: skip
    assert h.relay.incident(incident).held == (held,)  # still held


def test_S1_only_the_senders_own_stuurgroep_screens_a_reaction(town: Town) -> None:
    """S1: the stuurgroep screens the residents of its own wijkgroepen (Relay.duty)."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    held = chat(h, town, incident)
    assert town.member("sg-zuid") in h.relay.duty(held.stuurgroep)
    for by in (town.member("sg-noord"), town.resident("wg-zuid-2")):
        h.refused(screen(h, by, incident, 1, release=True), PermissionRefused)
        h.refused(
            Address(at=h.now + 1, by=by, incident=incident, reaction=1, text="x"),
            PermissionRefused,
        )
    h.refused(screen(h, town.member("sg-zuid"), incident, 2, release=True), UnknownMessageError)


def test_S1_R8_after_the_afloop_a_held_reaction_is_rejected_not_released(town: Town) -> None:
    """Nothing is dropped: the afloop leaves held reactions to be answered."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    chat(h, town, incident)
    h.afloop(town.resident("wg-zuid-1"), incident)
    by = town.member("sg-zuid")
    h.refused(screen(h, by, incident, 1, release=True), IncidentRefused)
    h.run(Address(at=h.now + 1, by=by, incident=incident, reaction=1, text="te laat, sorry"))
    out = h.run(screen(h, by, incident, 1, release=False))
    assert h.one(out, Rejected).reason == "je reactie is niet geplaatst"


def test_S1_a_reaction_for_a_group_no_longer_reached_is_not_released(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    chat(h, town, incident)
    [melding_delivery] = [
        d.delivery for d in h.relay.incident(incident).deliveries if d.delivery.group == "wg-zuid-1"
    ]
    h.fail(melding_delivery.id)
    h.refused(screen(h, town.member("sg-zuid"), incident, 1, release=True), IncidentRefused)


def test_S1_screen_and_address_commands_are_checked_when_built() -> None:
    with pytest.raises(InvalidValueError):
        Screen(at=1, by=1, incident="I1", release=True, reaction=0)
    with pytest.raises(InvalidValueError):
        Address(at=1, by=1, incident="I1", text="  ")
    with pytest.raises(InvalidValueError):
        Address(at=1, by=1, incident="I1", text="x", reaction=True)  # type: ignore[arg-type]


@settings(max_examples=30)
@given(
    by=st.integers(0, 40),
    reaction=st.none() | st.integers(1, 3),
    release=st.booleans(),
    address=st.booleans(),
)
def test_S1_a_refused_screening_leaves_the_relay_as_it_was(
    by: int, reaction: int | None, release: bool, address: bool
) -> None:
    """Property: any Screen or Address either applies or is refused with nothing changed."""
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    chat(h, town, incident)
    command: Screen | Address
    if address:
        command = Address(at=h.now + 1, by=by, incident=incident, reaction=reaction, text="x")
    else:
        command = screen(h, by, incident, reaction, release=release)
    if by in h.relay.duty("sg-zuid") and reaction == 1:
        h.run(command)
    else:  # the phase, the member, the duty (S1) or the item: some check refuses it
        h.refused(command, RoutingError)


# ------------------------------------------------------------------ restart


def test_S1_held_items_survive_export_and_load(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    h.report(town.resident("wg-noord-1"), melding(text="die klootzak"))
    incident = opened(h, town)
    chat(h, town, incident)
    chat(h, town, incident, "fijne verjaardag!")
    h.run(screen(h, town.member("sg-zuid"), incident, 1, release=False, reason="geen chat"))
    h.run(Address(at=h.now + 1, by=town.member("sg-zuid"), incident=incident, reaction=2, text="x"))
    before = h.relay.held()
    assert [type(o) for o in before] == [Held, ReactionHeld]
    loaded = Relay.from_state(town.hierarchy, h.relay.export_state(), policy=Never())
    assert loaded.held() == before
    assert loaded.export_state() == h.relay.export_state()
    assert loaded.incident(incident) == h.relay.incident(incident)


def test_S1_a_replayed_journal_holds_the_same_items(tmp_path: Path) -> None:
    """The journal replays the commands, and the replay holds the same items."""
    path = tmp_path / "j.db"
    with Journal.open(path, policy=Never()) as j:
        for item in journaled_town():
            j.execute(item)
        a, b = j.hierarchy.residents("wg0a")[:2]
        j.handle(Report(at=1, reporter=a, melding=melding(text="die klootzak")))
        j.handle(Report(at=2, reporter=b, melding=melding("diefstal")))
        j.handle(React(at=3, member=a, incident="I2", text="bbq zaterdag?"))
        screener = min(m for m in j.relay.duty("sg0") if m != a)  # not the sender (S1)
        j.handle(Address(at=4, by=screener, incident="I2", reaction=1, text="niet in de groep"))
        held = j.relay.held()
        state = j.export_state()
    assert [type(o) for o in held] == [Held, ReactionHeld]
    with Journal.open(path, policy=Never(), snapshot_every=None) as j:
        assert j.relay.held() == held
        assert j.export_state() == state


def test_S1_R4_a_held_reaction_whose_sender_left_is_rejected_not_released(town: Town) -> None:
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    held = chat(h, town, incident)
    town.hierarchy.leave(held.member, by=held.member)
    by = town.member("sg-zuid")
    h.refused(screen(h, by, incident, 1, release=True), IncidentRefused)
    assert h.one(h.run(screen(h, by, incident, 1, release=False)), Rejected).reaction == 1


def test_S1_a_schema_1_state_without_screening_keys_still_loads(town: Town) -> None:
    """States written before reactions were screened load, holding nothing new."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    held = h.one(h.report(town.resident("wg-zuid-2"), melding(called_112=False)), Held)
    opened(h, town)
    state = h.relay.export_state()
    state["schema"] = 1
    del state["config"]["postcodes"]
    for inc in state["incidents"]:
        for key in ("hold", "held_reactions", "addressed"):
            del inc[key]
    loaded = Relay.from_state(town.hierarchy, state, policy=Never())
    [again] = loaded.held()
    assert (again.incident, again.rule) == (held.incident, "H3")


# ------------------------------------------------------------------ every message

_WORDS = [
    "bbq",
    "zaterdag",
    "klootzak",
    "pakken",
    "we",
    "hem",
    "ze",
    "lopen",
    "richting",
    "station",
    "bedankt",
    "politie",
    "stuur",
    "me",
    "een",
    "appje",
    "ik",
    "zie",
    "!",
    "?",
]


@settings(max_examples=60)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6).map(" ".join))
def test_S1_every_reaction_is_delivered_or_held_as_screening_says(text: str) -> None:
    """Property: a reaction goes out exactly when screening passes it, else it
    is held with screening's rule and reason."""
    from routing.domain.screening import screen as screen_text

    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Never()))
    incident = opened(h, town)
    verdict = screen_text(text, reaction=True)
    out = h.react(town.resident("wg-zuid-1", 1), incident, text)
    if verdict.passed:
        assert [d.kind for d in deliveries(out, None)] == [DeliveryKind.REACTION]
    else:
        held = h.one(out, ReactionHeld)
        assert (held.rule, held.reason) == (verdict.rule, verdict.reason)
        assert deliveries(out, None) == []


@settings(max_examples=60)
@given(meldingen)
def test_S1_every_report_opens_or_is_held_as_screening_says(m: Melding) -> None:
    from routing.domain.screening import screen as screen_text

    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Never()))
    out = h.report(town.resident("wg-noord-2"), m)
    verdict = screen_text(m)
    if verdict.passed:
        h.one(out, IncidentOpened)
    else:
        held = h.one(out, Held)
        assert (held.rule, held.reason) == (verdict.rule, verdict.reason)
        assert [f.rule for f in held.findings] == [f.rule for f in verdict.findings]


def test_S1_erasing_a_sender_erases_the_words_screening_quoted(town: Town) -> None:
    """AVG art. 17: a hold's reason quotes the sender's words (H5); they go too."""
    h = Harness(Relay(town.hierarchy, policy=Never()))
    reporter = town.resident("wg-noord-1")
    h.report(reporter, melding(text="die klootzak breekt in"))
    incident = opened(h, town)
    held = chat(h, town, incident, "wat een klootzakken")
    h.relay.erase_member(reporter)
    h.relay.erase_member(held.member)
    assert "klootzak" not in repr(h.relay.export_state())
    assert [o.rule for o in h.relay.held()] == ["H5", "H5"]
