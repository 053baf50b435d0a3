"""Erasure (AVG art. 17) and retention (AVG art. 5) in the live state and in the files.

The decisive checks read the raw bytes of the database, its WAL and its
shared-memory file, and look for the erased data as UTF-8 (the journal
writes text unescaped, so the search cannot miss it for being escaped).
Each test first shows that the data *was* in the files, so a search that
finds nothing means something.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from routing.changes import Admit, Erase, Leave
from routing.commands import Afloop, React, Report
from routing.errors import UnknownMemberError
from routing.journal_privacy import REDACTED
from routing.melding import Melding, Person, Photo, Vehicle
from routing.model import Hierarchy
from routing.place import Place
from routing.values import Applicant, MemberId
from test_journal import open_journal, town

DAY = 86400.0
NAME, PHONE = "Jantje Geheimnaam", "0687654321"
SECRETS = [NAME, PHONE, "Geheimtekst achterdeur", "Geheime aanvulling", "Geheim afloopje"]
OTHER = "Openbare tekst van een ander"


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
        jantje = j.execute(Admit(by=0, wijkgroep="wg0a", applicant=applicant))
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
    with open_journal(path) as j:
        members, incidents = len(j.hierarchy), j.relay.incidents()
        assert j.erase(jantje) == Hierarchy.pseudonym(jantje)
        assert found(path, SECRETS) == []  # also while open: the WAL was scrubbed too
        live = j.export_state()
        # The live state keeps the member, their home and the incident; counts stay.
        assert j.hierarchy.name(jantje) == Hierarchy.pseudonym(jantje)
        assert j.hierarchy.phone(jantje) is None
        assert j.hierarchy.wijkgroep_of(jantje) == "wg0a"
        assert len(j.hierarchy) == members
        assert j.relay.incidents() == incidents
        assert len(j.relay.incident("I1").reports) == 1
    assert found(path, SECRETS) == []
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
        j.execute(Leave(member=jantje))
        assert jantje not in j.hierarchy
        j.erase(jantje)
        with pytest.raises(UnknownMemberError):
            j.erase(jantje)  # nothing of them is left to erase
    assert found(path, SECRETS) == []


def test_erasing_an_unknown_member_writes_nothing(tmp_path: Path) -> None:
    with open_journal(tmp_path / "j.db") as j:
        for item in town():
            j.execute(item)
        seq = j.seq
        with pytest.raises(UnknownMemberError):
            j.execute(Erase(member=4000))
        assert j.seq == seq


def test_an_interrupted_scrub_is_finished_on_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    populated(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'scrub'")
    with open_journal(path) as j:
        assert j._store.meta["scrub"] == "0"
    with sqlite3.connect(path) as conn:
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
