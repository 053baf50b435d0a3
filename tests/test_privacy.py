"""Erasure (AVG art. 17) and retention (AVG art. 5) in the live state and in the files.

The decisive checks read the raw bytes of the database, its WAL and its
shared-memory file, and look for the erased data as UTF-8 (the journal
writes text unescaped, so the search cannot miss it for being escaped).
Each test first shows that the data *was* in the files, so a search that
finds nothing means something.
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.melding import Melding, Person, Photo, Vehicle
from routing.domain.place import Place
from routing.domain.values import Actor, ActorKind, Applicant, MemberId
from routing.engine.commands import Afloop, Fail, PoliceNotice, React, Report
from routing.engine.incident import DeliveryStatus
from routing.engine.privacy import EXPIRED
from routing.errors import CorruptStateError, RoutingError, UnknownIdError, UnknownMemberError
from routing.hierarchy.changes import AddActor, Admit, Erase, EraseActor, Leave
from routing.model import Hierarchy
from routing.persist.journal import Journal
from routing.persist.personal import REDACTED, restore
from routing.persist.store import event_crc
from routing.testing import deliveries
from test_journal import apply, fresh, open_journal, policy, random_item, town

DAY = 86400.0
NAME, PHONE = "Jantje Geheimnaam", "0687654321"
SECRETS = [NAME, PHONE, "Geheimtekst achterdeur", "Geheime aanvulling", "Geheim afloopje"]
OTHER = "Openbare tekst van een ander"
# What Jantje described in his melding: free text he typed about other people.
DESCRIBED = [
    "groene jas", "litteken", "GB-123-X", "Dorpsstraat 12", "fotos/achterdeur", "gezicht",
    "Dorpsplein",
]  # fmt: skip


def raw(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def found(path: Path, texts: list[str]) -> list[str]:
    data = raw(path)
    return [t for t in texts if t.encode() in data]


def melding(text: str) -> Melding:
    return Melding(
        category="inbraak",
        called_112=True,
        text=text,
        persons=[Person(clothing="groene jas", particulars=["litteken"])],
        direction="richting Dorpsplein",
        vehicles=[Vehicle(colour="blauw", kenteken="GB-123-X")],
        place=Place(street="Dorpsstraat 12", buurt="Oost"),
        photos=[Photo(reference="fotos/achterdeur.jpg", reason="gezicht zichtbaar")],
    )


def populated(path: Path) -> tuple[MemberId, MemberId]:
    """A journal where Jantje reports, reacts and closes an incident; returns (Jantje, other)."""
    with open_journal(path, snapshot_every=5) as j:
        for item in town():
            j.execute(item)
        applicant = Applicant(
            name=NAME, age=44, lives_in_area=True, accepted_rules=True, phone=PHONE, buurt="Oost"
        )
        jantje = j.execute(Admit(by=0, wijkgroep="wg0a", applicant=applicant)).member
        other = MemberId(7)
        j.execute(Report(at=100.0, reporter=jantje, melding=melding(SECRETS[2])))
        j.execute(React(at=101.0, member=jantje, incident="I1", text=SECRETS[3]))
        j.execute(React(at=102.0, member=other, incident="I1", text=OTHER))
        j.execute(Afloop(at=103.0, by=jantje, incident="I1", text=SECRETS[4]))
        j.snapshot()
    return jantje, other


def test_erasure_removes_every_trace_from_state_journal_and_snapshots(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    jantje, _ = populated(path)
    assert found(path, SECRETS) == SECRETS  # the search can find them
    assert found(path, DESCRIBED) == DESCRIBED
    with open_journal(path) as j:
        members, incidents = len(j.hierarchy), j.relay.incidents()
        assert j.erase(jantje, by=jantje) == Hierarchy.pseudonym(jantje)
        assert found(path, SECRETS) == []  # also while open: the WAL was scrubbed too
        # The snapshot written at the erasure holds the live state: his
        # signalement, vehicle, street and photo went from there as well.
        assert found(path, DESCRIBED) == []
        live = j.export_state()
        assert not [t for t in DESCRIBED if t in json.dumps(live, ensure_ascii=False)]
        assert j.relay.incident("I1").melding.place == Place(buurt="Oost")
        # The live state keeps the member, their home and the incident; counts stay.
        assert j.hierarchy.name(jantje) == Hierarchy.pseudonym(jantje)
        assert j.hierarchy.phone(jantje) is None
        assert j.hierarchy.wijkgroep_of(jantje) == "wg0a"
        assert len(j.hierarchy) == members
        assert j.relay.incidents() == incidents
        assert len(j.relay.incident("I1").reports) == 1
    assert found(path, SECRETS + DESCRIBED) == []
    assert found(path, [OTHER]) == [OTHER]  # someone else's text is not theirs to erase
    with open_journal(path) as j:
        assert j.export_state() == live
        events = dict(j.events())
    admit = events[len(town()) + 1]
    assert isinstance(admit, Admit)
    assert admit.applicant.name == Hierarchy.pseudonym(jantje)
    assert admit.applicant.phone is None
    react = events[len(town()) + 3]
    assert isinstance(react, React)
    assert react.text == REDACTED
    report = events[len(town()) + 2]
    assert isinstance(report, Report)
    # Counts of the signalement stay; its contents are gone.
    assert len(report.melding.persons) == 1
    assert len(report.melding.vehicles) == 1
    assert report.melding.vehicles[0].kenteken is None
    assert len(report.melding.photos) == 1
    assert report.melding.photos[0].reference == REDACTED


def test_a_member_who_left_can_still_be_erased_from_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    jantje, _ = populated(path)
    with open_journal(path) as j:
        j.execute(Leave(member=jantje, by=jantje))
        assert jantje not in j.hierarchy
        j.erase(jantje, by=jantje)
        with pytest.raises(UnknownMemberError):
            j.erase(jantje, by=jantje)  # nothing of them is left to erase
    assert found(path, SECRETS) == []


def test_erasing_an_unknown_member_writes_nothing(tmp_path: Path) -> None:
    with open_journal(tmp_path / "j.db") as j:
        for item in town():
            j.execute(item)
        seq = j.seq
        with pytest.raises(UnknownMemberError):
            j.execute(Erase(member=4000, by=4000))
        assert j.seq == seq


def test_an_interrupted_scrub_is_finished_on_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    populated(path)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'scrub'")
    with open_journal(path) as j:
        assert j._store.meta["scrub"] == "0"
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'scrub'").fetchone() == ("0",)


def test_retention_clears_old_closed_incidents_and_keeps_counts(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    old, new = "Oude melding bij de schuur", "Nieuwe melding bij het hek"
    with open_journal(path, snapshot_every=3) as j:
        for item in town():
            j.execute(item)
        j.execute(Report(at=0.0, reporter=MemberId(6), melding=melding(old)))
        j.execute(Afloop(at=DAY, by=MemberId(6), incident="I1", text="Oude afloop"))
        j.execute(Report(at=30 * DAY, reporter=MemberId(7), melding=melding(new)))
        j.execute(Afloop(at=31 * DAY, by=MemberId(7), incident="I2", text="Nieuwe afloop"))
        j.snapshot()
        assert found(path, [old, new]) == [old, new]
        cleared = j.apply_retention(40 * DAY)  # I1 closed 39 days ago, I2 9 days ago
        assert cleared == ("I1",)
        assert j.relay.incidents() == ("I1", "I2")
        assert old not in j.relay.incident("I1").melding.text
        assert j.relay.incident("I2").melding.text == new
        live = j.export_state()
    assert found(path, [old, "Oude afloop"]) == []
    assert found(path, [new, "Nieuwe afloop"]) == [new, "Nieuwe afloop"]
    with open_journal(path) as j:
        assert j.export_state() == live


# ------------------------------------------------------------------ actors

WIJKAGENT, TEAM = "Wijkagent Geheimhuis", "Politie Tilburg, team Verborgen"
PARTNER = "Jongerenwerker Openbaar"


def with_actors(path: Path) -> None:
    """A journal with a wijkagent (to be erased) and a partner (to stay), snapshots included."""
    with open_journal(path, snapshot_every=4) as j:
        for item in town():
            j.execute(item)
        j.execute(
            AddActor(
                actor=Actor(
                    id="wa",
                    kind=ActorKind.WIJKAGENT,
                    name=WIJKAGENT,
                    organisation=TEAM,
                    wijken={"Zoomwijck"},
                )
            )
        )
        j.execute(AddActor(actor=Actor(id="jw", kind=ActorKind.PARTNER, name=PARTNER)))
        j.snapshot()


def test_erasing_an_actor_removes_name_and_organisation_from_every_file(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with_actors(path)
    assert found(path, [WIJKAGENT, TEAM, PARTNER]) == [WIJKAGENT, TEAM, PARTNER]
    with open_journal(path) as j:
        seq = j.seq
        assert j.erase_actor("wa", by="wa") == Hierarchy.actor_pseudonym("wa")
        assert j.seq == seq + 1
        assert found(path, [WIJKAGENT, TEAM]) == []  # also while open: the WAL was scrubbed
        erased = j.hierarchy.actor("wa")
        assert (erased.name, erased.organisation) == ("actor wa", "")
        assert [a.id for a in j.hierarchy.wijkagenten_of("Zoomwijck")] == ["wa"]
        live = j.export_state()
    assert found(path, [WIJKAGENT, TEAM]) == []
    assert found(path, [PARTNER]) == [PARTNER]  # another actor is not theirs to erase
    with open_journal(path) as j:
        assert j.export_state() == live
        assert j.hierarchy.actor("wa").name == "actor wa"
        assert j.hierarchy.actor("jw").name == PARTNER
        adds = [e for _, e in j.events() if isinstance(e, AddActor)]
    # Replaying the events from nothing gives the pseudonym too.
    assert [(a.actor.name, a.actor.organisation) for a in adds] == [("actor wa", ""), (PARTNER, "")]
    h, relay = fresh()
    with open_journal(path) as j:
        for _, event in j.events():
            apply(h, relay, event)
    assert h.actor("wa").name == "actor wa"
    assert h.export_state() == live["hierarchy"]


def test_erasing_an_unknown_actor_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with_actors(path)
    with open_journal(path) as j:
        seq, state = j.seq, j.export_state()
        for unknown in ("nobody", "WA", "lid 1"):
            with pytest.raises(UnknownIdError):
                j.execute(EraseActor(actor=unknown, by=unknown))
        assert (j.seq, j.export_state()) == (seq, state)
    with open_journal(path) as j:
        assert (j.seq, j.export_state()) == (seq, state)
    assert found(path, [WIJKAGENT, TEAM, PARTNER]) == [WIJKAGENT, TEAM, PARTNER]


def test_an_actor_id_and_a_member_id_never_collide(tmp_path: Path) -> None:
    """An actor called "6" is not member 6: each erasure deletes only its own subject's rows.

    In one INTEGER column SQLite would have stored the text "6" as the number 6.
    """
    path = tmp_path / "j.db"
    actor_name = "Partner Zesje"
    with open_journal(path) as j:
        for item in town():
            j.execute(item)
        member_name = j.hierarchy.name(6)
        j.execute(AddActor(actor=Actor(id="6", kind=ActorKind.PARTNER, name=actor_name)))
        j.erase(6, by=6)
        assert found(path, [member_name, actor_name]) == [actor_name]
        assert j.hierarchy.actor("6").name == actor_name
    with open_journal(path) as j:
        j.execute(EraseActor(actor="6", by="6"))
        assert found(path, [actor_name]) == []
        with contextlib.closing(sqlite3.connect(path)) as conn, conn:
            rows = conn.execute("SELECT member, actor FROM personal WHERE actor IS NOT NULL")
            assert rows.fetchall() == []


def as_schema_2(conn: sqlite3.Connection) -> None:
    """Drop what schema 3 added (the runtime's tables), as schema 2 wrote a file."""
    for table in ("intake", "accounts", "posts", "redactions", "cursors"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    conn.execute("PRAGMA user_version = 2")


def as_schema_1(path: Path) -> None:
    """Rewrite a journal as schema 1 wrote it: actor names in the AddActor payloads."""
    conn = sqlite3.connect(path)
    with conn:
        for seq, payload in conn.execute(
            "SELECT seq, payload FROM events WHERE type = 'AddActor'"
        ).fetchall():
            rows = conn.execute("SELECT path, value FROM personal WHERE seq = ?", (seq,))
            data = json.loads(payload)
            restore(data, rows.fetchall())
            old = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
            conn.execute(
                "UPDATE events SET payload = ?, slots = 0, crc = ? WHERE seq = ?",
                (old, event_crc(seq, "AddActor", 1, old, 0), seq),
            )
            conn.execute("DELETE FROM personal WHERE seq = ?", (seq,))
        as_schema_2(conn)
        conn.execute("DROP INDEX personal_actor")
        conn.execute("ALTER TABLE personal DROP COLUMN actor")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
        conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_a_schema_1_journal_is_upgraded_and_its_actors_can_then_be_erased(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.db"
    with_actors(path)
    with open_journal(path) as j:
        live, events = j.export_state(), list(j.events())
    as_schema_1(path)
    with open_journal(path) as j:
        assert j.export_state() == live
        assert list(j.events()) == events
        with contextlib.closing(sqlite3.connect(path)) as conn, conn:
            assert conn.execute("PRAGMA user_version").fetchone() == (3,)
            actors = conn.execute("SELECT DISTINCT actor FROM personal WHERE actor IS NOT NULL")
            assert sorted(actors.fetchall()) == [("jw",), ("wa",)]
        j.erase_actor("wa", by="wa")
    assert found(path, [WIJKAGENT, TEAM]) == []
    assert found(path, [PARTNER]) == [PARTNER]


def test_a_damaged_schema_1_journal_is_refused_not_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with_actors(path)
    as_schema_1(path)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "UPDATE events SET payload = replace(payload, 'Geheimhuis', 'Geheimhui5') "
            "WHERE type = 'AddActor'"
        )
    with pytest.raises(CorruptStateError, match="checksum"):
        open_journal(path)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)


@given(seed=st.integers(0, 10**6), n=st.integers(10, 60), erase_at=st.integers(0, 60))
def test_journal_round_trip_with_actors_and_their_erasure(
    tmp_path_factory: pytest.TempPathFactory, seed: int, n: int, erase_at: int
) -> None:
    """Property: with actors added and erased among random commands, a reopened
    journal and a replay of its events from nothing both give the live state,
    and only the erased actors' names are gone from the files."""
    path = tmp_path_factory.mktemp("actors") / "j.db"
    rng = random.Random(seed)
    names = {f"a{i}": f"Actor Naam {seed} {i}" for i in range(4)}
    erased: set[str] = set()
    with Journal.open(path, policy=policy(), snapshot_every=7) as j:
        for item in town():
            j.execute(item)
        t = 1000.0
        for step in range(n):
            t += 5.0
            if step % 10 == 0 and step // 10 < len(names):
                aid = f"a{step // 10}"
                j.execute(AddActor(actor=Actor(id=aid, kind=ActorKind.PARTNER, name=names[aid])))
            if step == erase_at and j.hierarchy.actors():
                aid = rng.choice([a.id for a in j.hierarchy.actors()])
                j.execute(EraseActor(actor=aid, by=aid))
                erased.add(aid)
            with contextlib.suppress(RoutingError):  # a refused command writes nothing
                j.execute(random_item(rng, j.hierarchy, j.relay, t))
        live = j.export_state()
    with Journal.open(path, policy=policy()) as j:
        assert j.export_state() == live
        h, relay = fresh()
        for _, event in j.events():
            apply(h, relay, event)
    assert h.export_state() == live["hierarchy"]
    added = {a.id for a in h.actors()}
    assert found(path, [names[a] for a in sorted(erased)]) == []
    kept = [names[a] for a in sorted(added - erased)]
    assert found(path, kept) == kept


# ------------------------------------------------------------- Fail.reason

QUOTE = "Jan zegt dat hij niet kan posten"


def failed_report(j: Journal, at: float, reporter: int, text: str, reason: str) -> str:
    """Report, fail its first delivery with ``reason``, close it; the incident id."""
    outputs = j.execute(Report(at=at, reporter=MemberId(reporter), melding=melding(text)))
    delivery = deliveries(outputs)[0]
    j.execute(Fail(at=at + 1, delivery=delivery.id, reason=reason))
    j.execute(Afloop(at=at + 2, by=MemberId(reporter), incident=delivery.incident, text="klaar"))
    return delivery.incident


def test_a_failure_reason_goes_with_its_incident_on_retention(tmp_path: Path) -> None:
    """The app writes Fail.reason, but it may quote a member: retention removes it."""
    path = tmp_path / "j.db"
    kept_quote = "Piet zegt dat de groep vol is"
    with open_journal(path) as j:
        for item in town():
            j.execute(item)
        old = failed_report(j, 0.0, 6, "Oude melding", QUOTE)
        new = failed_report(j, 30 * DAY, 7, "Nieuwe melding", kept_quote)
        assert found(path, [QUOTE, kept_quote]) == [QUOTE, kept_quote]
        assert j.apply_retention(40 * DAY) == (old,)
        failed = [d for d in j.relay.incident(old).deliveries if d.status is DeliveryStatus.FAILED]
        assert [d.reason for d in failed] == [EXPIRED]  # the relay's own retention
        still = [d for d in j.relay.incident(new).deliveries if d.status is DeliveryStatus.FAILED]
        assert [d.reason for d in still] == [kept_quote]
        live = j.export_state()
    assert found(path, [QUOTE]) == []
    assert found(path, [kept_quote]) == [kept_quote]
    with open_journal(path) as j:
        assert j.export_state() == live
        reasons = [e.reason for _, e in j.events() if isinstance(e, Fail)]
    assert reasons == [REDACTED, kept_quote]


def notify(j: Journal, sender: str, *, actor: str | None) -> None:
    """The town, its wijkagent as actor ``wa``, and a police notice from ``sender`` (P1)."""
    for item in town():
        j.execute(item)
    j.execute(AddActor(actor=Actor(id="wa", kind=ActorKind.WIJKAGENT, name=WIJKAGENT)))
    notice = Melding(category="straatroof", called_112=True, text="let op")
    j.execute(PoliceNotice(at=0.0, sender=sender, melding=notice, regiegroep="rg0", actor=actor))


def test_a_police_sender_with_an_actor_id_goes_when_the_actor_is_erased(tmp_path: Path) -> None:
    """P1 and AVG art. 17: a notice that names its sender's actor id loses the
    sender's name from the state and from every file when the actor is erased."""
    path = tmp_path / "j.db"
    sender = "wijkagent Geheimhuis"
    with open_journal(path) as j:
        notify(j, sender, actor="wa")
        assert found(path, [sender]) == [sender]
        j.erase_actor("wa", by="wa")
        assert found(path, [WIJKAGENT, sender]) == []
        view = j.relay.incident("I1")
        assert view.sender == "actor wa"
        assert all(sender not in r.delivery.text for r in view.deliveries)
        live = j.export_state()
    assert found(path, [WIJKAGENT, sender]) == []
    with open_journal(path) as j:
        assert j.export_state() == live
    # Replaying the events from nothing shows the pseudonym too.
    h, relay = fresh()
    with open_journal(path) as j:
        for _, event in j.events():
            apply(h, relay, event)
    assert relay.incident("I1").sender == "actor wa"


def test_a_police_sender_label_goes_by_retention_not_by_erasing_an_actor(tmp_path: Path) -> None:
    """A PoliceNotice carries no actor id: its sender is a label the police chose."""
    path = tmp_path / "j.db"
    sender = "wijkagent Geheimhuis"
    with open_journal(path) as j:
        notify(j, sender, actor=None)
        j.execute(Afloop(at=DAY, by=MemberId(0), incident="I1", text="klaar"))
        j.erase_actor("wa", by="wa")
        assert found(path, [WIJKAGENT, sender]) == [sender]
        assert j.relay.incident("I1").sender == sender
        j.apply_retention(40 * DAY)
        assert j.relay.incident("I1").sender == EXPIRED
    assert found(path, [sender]) == []
