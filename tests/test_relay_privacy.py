"""Privacy hooks: erasing a member's texts (AVG art. 17) and retention (art. 5)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.domain.melding import Person
from routing.domain.values import Actor, ActorKind
from routing.engine.incident import Phase
from routing.engine.outputs import DeliveryKind, IncidentOpened, PendingDecision, Step
from routing.engine.policies import Always, Ask, ByStep, Never
from routing.engine.privacy import ERASED, EXPIRED
from routing.errors import UnknownIdError
from routing.relay import Relay
from routing.testing import Harness, Town, deliveries, melding, zoomwijck
from test_relay_state import Driver, driven, token


def dump(relay: Relay) -> str:
    return json.dumps(relay.export_state(), sort_keys=True)


def written_by(member: int) -> str:
    """The prefix of every token ``member`` wrote; see :func:`test_relay_state.token`."""
    return token(member, 0).split("#")[0] + "#"


@settings(max_examples=40)
@given(driven(), st.data())
def test_after_erasure_nothing_the_member_wrote_is_left(
    driver: Driver, data: st.DataObject
) -> None:
    relay = driver.relay
    member = data.draw(st.sampled_from(driver.members))
    before = dump(relay)
    others = {m for m in driver.members if m != member and written_by(m) in before}
    count = relay.erase_member(member)
    after = dump(relay)
    assert written_by(member) not in after
    assert (count > 0) == (written_by(member) in before)
    for m in others:  # nobody else loses a word
        assert before.count(written_by(m)) == after.count(written_by(m))
    # Idempotent, and the relay carries on as before.
    assert relay.erase_member(member) == 0
    assert dump(relay) == after
    for iid in relay.incidents():
        relay.incident(iid)
    driver.play(5)


def test_erasure_replaces_texts_and_renders_the_deliveries_again() -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=ByStep({Step.TO_GEMEENTE: Never()}, default=Always())))
    reporter = town.resident("wg-noord-1")
    reactor = town.resident("wg-noord-1", 1)
    out = h.report(reporter, melding(text="buurman Piet zag hem", action="ik bel Piet"))
    iid = h.one(out, IncidentOpened).incident
    h.react(reactor, iid, "het is Klaas van nummer 3")
    h.react(reporter, iid, "hij draagt een rode jas")
    h.afloop(reporter, iid, "Piet is opgepakt")
    assert h.relay.erase_member(reporter) == 4  # text, action, a reaction, the afloop
    view = h.relay.incident(iid)
    assert view.melding.text == ERASED
    assert view.melding.action == ERASED
    texts = [r.delivery.text for r in view.deliveries]
    assert not any("Piet" in t or "rode jas" in t for t in texts)
    melding_texts = [
        r.delivery.text for r in view.deliveries if r.delivery.kind is DeliveryKind.MELDING
    ]
    assert all(ERASED in t for t in melding_texts)
    assert any("Klaas van nummer 3" in t for t in texts)  # the other member's reaction stays
    assert f"Aanvulling op {iid}: {ERASED}" in texts
    # Ids in routes and reports stay: the name is the hierarchy's to erase.
    assert view.reports[0][0] == reporter
    assert view.casushouders == (("wg-noord-1", reporter),)


def test_erasure_covers_typed_reasons_but_not_the_relays_own() -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=ByStep({Step.SIBLINGS: Ask()}, default=Never())))
    out = h.report(town.resident("wg-noord-1"), melding())
    iid = h.one(out, IncidentOpened).incident
    pending = h.one(out, PendingDecision)
    admin = town.member("sg-noord", 1)
    h.decide(admin, pending.id, forward=True, reason="mijn zus woont daar")
    h.forward(admin, iid, "wg-noord-1", "rg-zoomwijck")  # no reason typed: the relay's default
    held = h.report(town.resident("wg-zuid-1"), melding(called_112=False))
    held_id = held[0].incident  # type: ignore[union-attr]
    h.screen(town.member("sg-zuid"), held_id, release=False, reason="bel eerst 112")
    assert h.relay.erase_member(admin) == 1
    reasons = [d.reason for d in h.relay.incident(iid).decisions]
    assert ERASED in reasons
    assert "handmatig doorgezet" in reasons
    assert "mijn zus woont daar" not in dump(h.relay)
    assert h.relay.erase_member(town.member("sg-zuid")) == 1
    assert "bel eerst 112" not in dump(h.relay)


def test_erasing_a_member_with_nothing_written_changes_nothing() -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Always()))
    h.report(town.resident("wg-noord-1"), melding(text="iets"))
    before = dump(h.relay)
    assert h.relay.erase_member(town.resident("wg-zuid-1")) == 0
    assert dump(h.relay) == before


# ------------------------------------------------------------------ retention


def _closed(town: Town) -> tuple[Harness, str, str]:
    h = Harness(Relay(town.hierarchy, policy=ByStep({Step.TO_GEMEENTE: Never()}, default=Always())))
    reporter = town.resident("wg-noord-1")
    m = melding(
        text="man met rode jas",
        direction="richting Parklaan",
        persons=[Person(sex="man", clothing="rode jas")],
    )
    out = h.report(reporter, m, at=100.0)
    old = h.one(out, IncidentOpened).incident
    h.react(town.resident("wg-noord-1", 1), old, "ik zie hem bij de bakker")
    h.afloop(reporter, old, "aangehouden bij de bakker")
    out = h.report(
        town.resident("wg-zuid-1"), melding("vermissing", text="kind van 6"), at=10_000.0
    )
    young = h.one(out, IncidentOpened).incident
    return h, old, young


def test_retention_strips_closed_incidents_past_the_period_only() -> None:
    town = zoomwijck()
    h, old, young = _closed(town)
    before = h.relay.incident(old)
    closed_at = before.closed_at
    assert closed_at is not None
    assert h.relay.apply_retention(closed_at + 10, older_than=11) == ()
    assert h.relay.apply_retention(closed_at + 10, older_than=10) == (old,)
    assert h.relay.apply_retention(closed_at + 10**6, older_than=10) == ()  # already stripped
    after = h.relay.incident(old)
    # What stays: the statistics and the routes, by id.
    assert after.melding.category is before.melding.category
    assert (after.phase, after.opened_at, after.closed_at) == (
        before.phase,
        before.opened_at,
        before.closed_at,
    )
    assert after.reached == before.reached
    assert len(after.deliveries) == len(before.deliveries)
    assert [r.delivery.kind for r in after.deliveries] == [
        r.delivery.kind for r in before.deliveries
    ]
    assert [r.delivery.route for r in after.deliveries] == [
        r.delivery.route for r in before.deliveries
    ]
    assert after.reports == before.reports
    # The signalement's count stays too (one person seen), undescribed.
    assert after.melding.persons == (Person(),)
    # What goes: every description and free text.
    assert after.melding.text == ""
    assert after.melding.direction is None
    assert all(r.delivery.text == EXPIRED for r in after.deliveries)
    state = dump(h.relay)
    for gone in ("rode jas", "Parklaan", "bakker"):
        assert gone not in state
    # The open incident is untouched and the relay goes on.
    assert h.relay.incident(young).melding.text == "kind van 6"
    assert h.relay.incident(young).phase is Phase.SPREADING
    h.afloop(town.resident("wg-zuid-1"), young, "gevonden")


def test_retention_default_is_28_days_and_keeps_reaction_counts() -> None:
    town = zoomwijck()
    h, old, _ = _closed(town)
    closed_at = h.relay.incident(old).closed_at or 0.0
    assert h.relay.apply_retention(closed_at + 27 * 86400) == ()
    assert h.relay.apply_retention(closed_at + 28 * 86400) == (old,)
    view = h.relay.incident(old)
    reactions = [r for r in view.deliveries if r.delivery.kind is DeliveryKind.REACTION]
    assert len(reactions) == 1
    assert deliveries([r.delivery for r in view.deliveries], DeliveryKind.AFLOOP)


# --------------------------------------------------------- police senders


def test_erasing_an_actor_renders_their_police_notices_again() -> None:
    """AVG art. 17 for the police (P1): a notice sent with the wijkagent's actor
    id shows their pseudonym once they are erased; other notices keep theirs."""
    town = zoomwijck()
    town.hierarchy.add_actor(
        Actor(id="wa", kind=ActorKind.WIJKAGENT, name="Wim Agent", wijken={"Zoomwijck"})
    )
    h = Harness(Relay(town.hierarchy, policy=Always()))
    out = h.police(melding("vermissing"), stuurgroepen=["sg-zuid"], sender="Wim Agent", actor="wa")
    mine = h.one(out, IncidentOpened).incident
    out = h.police(melding("straatroof"), stuurgroepen=["sg-noord"], sender="meldkamer")
    other = h.one(out, IncidentOpened).incident
    assert h.relay.incident(mine).sender_actor == "wa"
    assert all("Wim Agent" in r.delivery.text for r in h.relay.incident(mine).deliveries)
    untouched = h.relay.incident(other)

    assert h.relay.erase_actor("wa") == 1
    view = h.relay.incident(mine)
    assert view.sender == "actor wa"
    assert "Wim Agent" not in dump(h.relay)
    for record in view.deliveries:
        assert record.delivery.text.startswith("POLITIEBERICHT (actor wa)")
    assert h.relay.incident(other) == untouched
    assert h.relay.erase_actor("wa") == 0  # already done: nothing changes


def test_a_police_notice_naming_an_unknown_actor_is_refused_and_changes_nothing() -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy))
    before = dump(h.relay)
    with pytest.raises(UnknownIdError):
        h.police(melding(), stuurgroepen=["sg-zuid"], actor="nobody")
    assert dump(h.relay) == before
