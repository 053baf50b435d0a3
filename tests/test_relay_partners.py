"""G5 and P1 from outside the groups: the police, the wijkagent, partners, Burgernet.

The wijkagent is not in the chat groups and informs the admins, by phone or
through Burgernet (000); partners such as the municipality or a youth worker
post in the beheerdersgroep, with one admin of each group (000). Only the
police and the wijkagent send police notices (P1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.values import Actor, ActorKind
from routing.engine.commands import BurgernetAlert, PartnerMessage, PoliceNotice
from routing.engine.outputs import IncidentOpened, PartnerPosted
from routing.engine.policies import Never
from routing.engine.tables import ACTOR_POSTS, Post
from routing.errors import (
    IncidentRefused,
    InvalidValueError,
    PermissionRefused,
    UnknownGroupError,
    UnknownIdError,
)
from routing.hierarchy.changes import AddActor
from routing.persist.journal import Journal
from routing.relay import Relay, RelayConfig
from routing.testing import Harness, Town, deliveries, melding, zoomwijck
from test_journal import town as journaled_town

POSTCODES = {"5038": "Poortwijk", "5037": "Zoomwijck", "5036": "Zoomwijck"}


def actors(town: Town) -> Town:
    h = town.hierarchy
    h.add_actor(Actor(id="wa", kind=ActorKind.WIJKAGENT, name="Jansen", wijken={"Zoomwijck"}))
    h.add_actor(Actor(id="pol", kind=ActorKind.POLITIE, name="meldkamer"))
    h.add_actor(
        Actor(
            id="jw", kind=ActorKind.PARTNER, name="jongerenwerker Ali", organisation="Contour",
            wijken={"Zoomwijck"},
        )
    )  # fmt: skip
    h.add_actor(Actor(id="gem", kind=ActorKind.PARTNER, name="gemeente Tilburg"))
    return town


@pytest.fixture
def town() -> Town:
    return actors(zoomwijck())


def harness(town: Town) -> Harness:
    return Harness(Relay(town.hierarchy, policy=Never(), config=RelayConfig(postcodes=POSTCODES)))


# ------------------------------------------------------------------ police notices


def test_P1_G5_a_partner_cannot_send_a_police_notice(town: Town) -> None:
    """P1: only the police or a wijkagent; a partner posts in the beheerdersgroep (G5)."""
    h = harness(town)
    notice = PoliceNotice(
        at=1, sender="jongerenwerker Ali", melding=melding(), stuurgroepen=["sg-zuid"], actor="jw"
    )
    refused = h.refused(notice, PermissionRefused)
    assert refused.rule == "P1"  # type: ignore[attr-defined]
    assert "partner" in refused.reason  # type: ignore[attr-defined]
    alert = BurgernetAlert(at=1, melding=melding(), wijken=["Zoomwijck"], actor="gem")
    assert h.refused(alert, PermissionRefused).rule == "P1"  # type: ignore[attr-defined]


@pytest.mark.parametrize("actor", ["wa", "pol", None])
def test_P1_the_police_and_the_wijkagent_send_notices(town: Town, actor: str | None) -> None:
    h = harness(town)
    out = h.police(melding("vermissing"), stuurgroepen=["sg-zuid"], actor=actor)
    assert h.one(out, IncidentOpened).police


def test_G5_the_table_says_who_posts_what() -> None:
    assert {k for k, posts in ACTOR_POSTS.items() if Post.POLICE_NOTICE in posts} == {
        ActorKind.POLITIE, ActorKind.WIJKAGENT,
    }  # fmt: skip
    assert {k for k, posts in ACTOR_POSTS.items() if Post.BEHEERDERSGROEP in posts} == {
        ActorKind.PARTNER
    }
    assert set(ACTOR_POSTS) == set(ActorKind)


# ------------------------------------------------------------------ Burgernet


def test_P1_a_burgernet_alert_by_wijk_reaches_its_regiegroep_and_stuurgroepen(town: Town) -> None:
    h = harness(town)
    out = h.run(BurgernetAlert(at=1, melding=melding("vermissing"), wijken=["Zoomwijck"]))
    opened = h.one(out, IncidentOpened)
    assert opened.police
    assert opened.origin == "rg-zoomwijck"
    got = deliveries(out)
    assert {d.group for d in got} == {
        "rg-zoomwijck", "sg-noord", "sg-zuid",
        "wg-noord-1", "wg-noord-2", "wg-noord-3", "wg-zuid-1", "wg-zuid-2",
    }  # fmt: skip
    assert all(d.text.startswith("POLITIEBERICHT (Burgernet)") for d in got)
    by_group = {d.group: d for d in got}
    # P2: each stuurgroep carries it into its own wijkgroepen, from its own group.
    assert by_group["wg-zuid-2"].route[-1].source == "sg-zuid"
    casus = dict(h.relay.incident(opened.incident).casushouders)
    assert casus["wg-zuid-2"] == town.member("sg-zuid")


def test_P1_a_burgernet_alert_by_postcode_uses_the_postcode_table(town: Town) -> None:
    h = harness(town)
    alert = BurgernetAlert(
        at=1, melding=melding("vermissing"), postcodes=["5038 AB", "9999"], sender="Burgernet 112"
    )
    out = h.run(alert)
    assert {d.group for d in deliveries(out)} == {
        "rg-poortwijk", "sg-poort", "wg-poort-1", "wg-poort-2",
    }  # fmt: skip
    # Outside every wijk: nothing to deliver, refused with nothing changed.
    h.refused(BurgernetAlert(at=2, melding=melding(), postcodes=["9999"]), IncidentRefused)
    h.refused(BurgernetAlert(at=2, melding=melding(), wijken=["Nergens"]), UnknownGroupError)
    h.refused(
        BurgernetAlert(at=2, melding=melding(), wijken=["Zoomwijck"], actor="x"), UnknownIdError
    )


def test_P1_a_burgernet_alert_needs_an_area_and_real_postcodes() -> None:
    with pytest.raises(InvalidValueError):
        BurgernetAlert(at=1, melding=melding())
    with pytest.raises(InvalidValueError):
        BurgernetAlert(at=1, melding=melding(), postcodes=["0123"])
    with pytest.raises(InvalidValueError):
        RelayConfig(postcodes={"12": "Zoomwijck"})
    assert BurgernetAlert(at=1, melding=melding(), postcodes="5038ab").postcodes == ("5038",)


@given(st.lists(st.sampled_from(["5036", "5037", "5038", "1234", "5038 AB"]), min_size=1))
def test_P1_an_alert_reaches_exactly_the_wijken_of_its_postcodes(postcodes: list[str]) -> None:
    """Property: the groups reached are those of the wijken the table names, and
    an alert outside them is refused with the relay as it was."""
    town = actors(zoomwijck())
    h = harness(town)
    wijken = {POSTCODES[pc[:4]] for pc in postcodes if pc[:4] in POSTCODES}
    alert = BurgernetAlert(at=1, melding=melding("vermissing"), postcodes=postcodes)
    if not wijken:
        h.refused(alert, IncidentRefused)
        return
    reached = {d.group for d in deliveries(h.run(alert))}
    h_ = town.hierarchy
    expected = {
        g
        for g in h_.groups()
        if h_.wijk_of(g) in wijken and h_.kind(g).value != "gemeentelijke regiegroep"
    }
    assert reached == expected


def test_P1_the_postcode_table_survives_export_and_load(town: Town) -> None:
    h = harness(town)
    h.run(BurgernetAlert(at=1, melding=melding("vermissing"), postcodes=["5038"]))
    loaded = Relay.from_state(town.hierarchy, h.relay.export_state(), policy=Never())
    assert loaded.config.postcodes == h.relay.config.postcodes
    assert loaded.export_state() == h.relay.export_state()


# ------------------------------------------------------------------ beheerdersgroep


def test_G5_the_beheerdersgroep_holds_one_admin_per_stuurgroep_and_the_partners(
    town: Town,
) -> None:
    h = harness(town)
    admins, partners = h.relay.beheerdersgroep("Tilburg")
    assert admins == (
        ("sg-noord", town.member("sg-noord")),
        ("sg-zuid", town.member("sg-zuid")),
        ("sg-poort", town.member("sg-poort")),
    )
    assert partners == ("jw", "gem")  # not the wijkagent, not the police (000)


def test_G5_a_partner_posts_in_the_beheerdersgroep_for_every_admin(town: Town) -> None:
    h = harness(town)
    text = "Zaterdag voorlichting over inbraakpreventie in het buurthuis"
    out = h.run(PartnerMessage(at=1, actor="jw", gemeente="Tilburg", text=text))
    assert out == (
        PartnerPosted(
            gemeente="Tilburg", actor="jw", sender="jongerenwerker Ali", text=text,
            admins=h.relay.beheerdersgroep("Tilburg")[0], partners=("jw", "gem"), at=1.0,
        ),
    )  # fmt: skip
    assert h.relay.incidents() == ()  # a message of interest, not a report


def test_G5_the_police_and_the_wijkagent_do_not_post_in_the_beheerdersgroep(town: Town) -> None:
    h = harness(town)
    for actor in ("wa", "pol"):
        refused = h.refused(
            PartnerMessage(at=1, actor=actor, gemeente="Tilburg", text="x"), PermissionRefused
        )
        assert refused.rule == "G5"  # type: ignore[attr-defined]
    h.refused(PartnerMessage(at=1, actor="nope", gemeente="Tilburg", text="x"), UnknownIdError)
    h.refused(PartnerMessage(at=1, actor="jw", gemeente="Breda", text="x"), UnknownGroupError)


def test_G5_a_partner_of_another_gemeente_is_not_in_its_beheerdersgroep() -> None:
    town = zoomwijck()
    town.hierarchy.add_actor(
        Actor(id="jw", kind=ActorKind.PARTNER, name="jongerenwerk", wijken={"Poortwijk"})
    )
    h = harness(town)
    assert h.relay.beheerdersgroep("Tilburg")[1] == ("jw",)
    out = h.run(PartnerMessage(at=1, actor="jw", gemeente="Tilburg", text="x"))
    assert h.one(out, PartnerPosted).partners == ("jw",)


def test_G5_a_partners_message_is_journaled_and_erased_with_the_partner(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    text = "Jongerenwerk is er vanavond in het park"
    with Journal.open(path, policy=Never()) as j:
        for item in journaled_town():
            j.execute(item)
        partner = Actor(id="jw", kind=ActorKind.PARTNER, name="Contour", wijken={"Zoomwijck"})
        j.execute(AddActor(actor=partner))
        first = j.handle(PartnerMessage(at=1, actor="jw", gemeente="Tilburg", text=text))
    with Journal.open(path, policy=Never()) as j:
        [(_, event)] = [(s, e) for s, e in j.events() if isinstance(e, PartnerMessage)]
        assert event.text == text
        j.erase_actor("jw", by="jw")  # the partner asks (AVG art. 17)
        [(_, event)] = [(s, e) for s, e in j.events() if isinstance(e, PartnerMessage)]
        assert event.text != text
    assert first[0].text == text  # type: ignore[union-attr]
    assert text.encode() not in path.read_bytes()
