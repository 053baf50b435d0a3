"""The journal: every accepted change becomes an event, and replay gives the same state.

The crash and corruption tests are in ``test_journal_crash.py``; erasure and
retention in ``test_privacy.py``. :func:`workload` here is shared by them and
by the benchmark's idea of a realistic evening.
"""

from __future__ import annotations

import contextlib
import gc
import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.domain.melding import Melding, Person, Vehicle
from routing.domain.settings import Settings
from routing.domain.values import Applicant, MemberId
from routing.engine.commands import (
    Address,
    Afloop,
    BurgernetAlert,
    Command,
    Confirm,
    Decide,
    Fail,
    Forward,
    HandOver,
    PoliceNotice,
    React,
    Report,
    Screen,
    Tick,
)
from routing.engine.outputs import ReactionHeld, Step
from routing.engine.policies import Ask, ByStep, Never, Policy
from routing.errors import (
    ConfigError,
    CorruptStateError,
    JournalWriteError,
    NewerSchemaError,
    PermissionRefused,
    RoutingError,
    UnknownMemberError,
)
from routing.hierarchy.changes import (
    Admit,
    Change,
    CreateGemeentelijkeRegiegroep,
    CreateRegiegroep,
    CreateWijkgroep,
    FoundNeighbourhood,
    Leave,
    LoadMembers,
    Move,
    Remove,
    apply_change,
)
from routing.model import Hierarchy
from routing.persist.document import export_json, import_json, state_of
from routing.persist.events import EVENT_TYPES
from routing.persist.journal import Journal
from routing.persist.store import event_crc
from routing.relay import Relay

Item = Change | Command
TESTS = Path(__file__).resolve().parent


def policy() -> Policy:
    """Ask about the regiegroep, skip the gemeente: pending decisions happen."""
    return ByStep({Step.TO_GEMEENTE: Never()}, default=Ask())


def fresh() -> tuple[Hierarchy, Relay]:
    h = Hierarchy()
    return h, Relay(h, policy=policy())


def apply(h: Hierarchy, relay: Relay, item: Item) -> Any:
    if type(item).__module__ == "routing.hierarchy.changes":
        return apply_change(h, item, relay)  # type: ignore[arg-type]
    return relay.handle(item)  # type: ignore[arg-type]


def town() -> list[Item]:
    """Two wijken with a regiegroep each and a gemeentelijke regiegroep."""
    founders = [Applicant.registered(f"Stichter {i}", buurt="Oost") for i in range(3)]
    items: list[Item] = []
    for w, wijk in enumerate(("Zoomwijck", "Poortwijk")):
        items.append(
            FoundNeighbourhood(
                gemeente="Tilburg",
                wijk=wijk,
                wijkgroep=f"wg{w}a",
                stuurgroep=f"sg{w}",
                founders=founders,
            )
        )
        items.append(
            CreateWijkgroep(
                by=3 * w, stuurgroep=f"sg{w}", wijkgroep=f"wg{w}b", approvals=[3 * w, 3 * w + 1]
            )
        )
    for w, wijk in enumerate(("Zoomwijck", "Poortwijk")):
        for suffix in "ab":
            names = [f"Bewoner {w}{suffix}{i}" for i in range(4)]
            items.append(LoadMembers(wijkgroep=f"wg{w}{suffix}", names=names, buurt="West"))
        items.append(CreateRegiegroep(wijk=wijk, regiegroep=f"rg{w}"))
    items.append(CreateGemeentelijkeRegiegroep(gemeente="Tilburg", group="grg"))
    return items


def random_item(rng: random.Random, h: Hierarchy, relay: Relay, t: float) -> Item:
    """One plausible command for the current state; it may still be refused."""
    members = [m for m in range(80) if m in h]
    who = MemberId(rng.choice(members))
    incidents = relay.incidents()
    incident = rng.choice(incidents) if incidents else "I1"
    groups = list(h.groups())
    roll = rng.random()
    if roll < 0.25:
        melding = Melding(
            category=rng.choice(["inbraak", "verdachte situatie", "diefstal"]),
            called_112=rng.random() < 0.8,
            persons=[Person(clothing=f"jas {rng.randrange(99)}")] * rng.randrange(3),
            vehicles=[Vehicle(colour="rood", kenteken="GB-123-X")] * rng.randrange(2),
            text=f"gezien bij huisnummer {rng.randrange(200)}",
            action="ik blijf binnen",
        )
        return Report(at=t, reporter=who, melding=melding)
    if roll < 0.35:
        # Some chit-chat, which screening holds for the stuurgroep (S1, H9).
        text = "aanvulling" if rng.random() < 0.7 else "bbq zaterdag"
        return React(at=t, member=who, incident=incident, text=f"{text} {rng.randrange(99)}")
    if roll < 0.45:
        pending = relay.pending()
        if pending:
            p = rng.choice(pending)
            by = rng.choice(sorted(h.admins(p.decider)) or [who])
            return Decide(at=t, by=by, decision=p.id, forward=rng.random() < 0.5, reason="ok")
        return Tick(at=t)
    if roll < 0.55:
        return Confirm(at=t, delivery=rng.randrange(1, 40), by=None)
    if roll < 0.6:
        return Fail(at=t, delivery=rng.randrange(1, 40), reason="groep vol")
    if roll < 0.68 and incidents:
        reached = relay.incident(incident).reached
        source = rng.choice(reached) if reached else rng.choice(groups)
        by = rng.choice(sorted(h.admins(source)) or [who])
        return Forward(at=t, by=by, incident=incident, source=source, target=rng.choice(groups))
    if roll < 0.74:
        return Afloop(at=t, by=who, incident=incident, text="politie is ter plaatse")
    if roll < 0.78:
        waiting = relay.held()
        if waiting:
            item = rng.choice(waiting)
            reaction = item.reaction if isinstance(item, ReactionHeld) else None
            by = rng.choice(sorted(relay.duty(item.stuurgroep)))
            if rng.random() < 0.25:
                text = "bel eerst 112, en houd het zakelijk"
                return Address(at=t, by=by, incident=item.incident, text=text, reaction=reaction)
            release = rng.random() < 0.7
            return Screen(at=t, by=by, incident=item.incident, release=release, reaction=reaction)
        return Tick(at=t)
    if roll < 0.8 and incidents:
        casus = relay.incident(incident).casushouders
        if casus:
            wijkgroep, current = rng.choice(casus)
            to = rng.choice(h.residents(wijkgroep) or (who,))
            return HandOver(at=t, by=current, incident=incident, wijkgroep=wijkgroep, to=to)
        return Tick(at=t)
    if roll < 0.81:
        return BurgernetAlert(
            at=t,
            melding=Melding(category="vermissing", called_112=True, text="kind vermist"),
            wijken=(rng.choice(["Zoomwijck", "Poortwijk"]),),
        )
    if roll < 0.83:
        return PoliceNotice(
            at=t,
            sender="wijkagent Jansen",
            melding=Melding(category="straatroof", called_112=True, text="let op"),
            regiegroep=rng.choice(["rg0", "rg1"]),
        )
    if roll < 0.88:
        return Tick(at=t + rng.choice([10.0, 700.0, 4000.0]))
    if roll < 0.92:
        applicant = Applicant.registered(f"Nieuw {rng.randrange(10**6)}", buurt="Oost")
        return Admit(
            by=rng.choice([0, 3]), wijkgroep=rng.choice(["wg0a", "wg1b"]), applicant=applicant
        )
    if roll < 0.95:
        return Move(by=rng.choice([0, 3]), member=who, wijkgroep=rng.choice(["wg0a", "wg0b"]))
    if roll < 0.97:
        boss = h.telefoonbeheerder(h.stuurgroep_of(h.wijkgroep_of(who)))
        return Remove(by=boss, member=who, reason="houdt zich niet aan de spelregels")
    return Leave(member=who, by=who)


def workload(seed: int, n: int) -> list[Item]:
    """``n`` commands that are all accepted when applied in order to a new journal."""
    rng = random.Random(seed)
    h, relay = fresh()
    items: list[Item] = []
    for item in town():
        apply(h, relay, item)
        items.append(item)
    t = 1000.0
    while len(items) < n:
        t += rng.choice([1.0, 5.0, 60.0])
        item = random_item(rng, h, relay, t)
        try:
            apply(h, relay, item)
        except RoutingError:
            continue
        t = max(t, getattr(item, "at", t))
        items.append(item)
    return items[:n]


def in_memory(items: list[Item]) -> tuple[Hierarchy, Relay, list[Any]]:
    h, relay = fresh()
    results = [apply(h, relay, item) for item in items]
    return h, relay, results


def state(h: Hierarchy, relay: Relay) -> dict[str, Any]:
    return state_of(h, relay)


def open_journal(path: Path, **kw: Any) -> Journal:
    return Journal.open(path, policy=policy(), **kw)


def as_journaled(item: Item) -> Item:
    """What the journal keeps of an item: an applicant's age is not kept (H1 was
    checked), only that they are of age."""
    if isinstance(item, Admit):
        kept = attrs.evolve(item.applicant, age=None, adult_confirmed=True)
        return attrs.evolve(item, applicant=kept)
    if isinstance(item, FoundNeighbourhood):
        founders = [attrs.evolve(f, age=None, adult_confirmed=True) for f in item.founders]
        return attrs.evolve(item, founders=founders)
    return item


# ------------------------------------------------------------------ tests


def test_a_reopened_journal_holds_the_same_state(tmp_path: Path) -> None:
    items = workload(1, 150)
    with open_journal(tmp_path / "j.db") as j:
        for item in items:
            j.execute(item)
        live = j.export_state()
        assert j.seq == len(items)
    with open_journal(tmp_path / "j.db") as j:
        assert j.export_state() == live
        assert j.seq == len(items)
        assert [e for _, e in j.events()] == [as_journaled(i) for i in items]
        assert j.hierarchy.verify() == []


def test_replay_makes_no_reference_cycles_and_pauses_the_collector(tmp_path: Path) -> None:
    """What makes pausing the collector during replay safe (routing.gcpause):
    with the replayed state alive, a full collection finds nothing to free."""
    path = tmp_path / "j.db"
    with open_journal(path, snapshot_every=None) as writer:
        for item in workload(3, 400):
            writer.execute(item)
    del writer
    seen: list[bool] = []
    apply = Journal._apply

    def noting(self: Journal, item: Any) -> Any:
        seen.append(gc.isenabled())
        return apply(self, item)

    gc.collect()
    was = gc.isenabled()
    try:
        gc.disable()  # everything the replay makes stays for the collection below
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(Journal, "_apply", noting)
            j = open_journal(path)
        try:
            assert j.seq == 400
            assert gc.collect() == 0
        finally:
            j.close()
        assert not gc.isenabled()  # it was off before the open: it stays off
        gc.enable()
        seen.clear()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(Journal, "_apply", noting)
            open_journal(path).close()
        assert len(seen) == 400
        assert not any(seen)
        assert gc.isenabled()
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def test_every_event_type_is_used_by_the_workload() -> None:
    used = {type(i).__name__ for i in workload(2, 400)}
    # Erase, EraseActor and Retention are covered by test_privacy.py, Unblock by
    # test_admission.py; a PartnerMessage needs a partner (AddActor):
    # test_relay_partners.py.
    assert set(EVENT_TYPES) - used <= {
        "Erase", "EraseActor", "Retention", "AddActor", "SplitWijkgroep", "ChangeStuurgroep",
        "Unblock", "PartnerMessage",
    }  # fmt: skip


@settings(max_examples=15)
@given(seed=st.integers(0, 10**6), n=st.integers(15, 120), every=st.integers(3, 40))
def test_replay_gives_identical_state_and_identical_outputs(
    tmp_path_factory: pytest.TempPathFactory, seed: int, n: int, every: int
) -> None:
    """Property: over random command sequences, a reopened journal (snapshot plus
    tail) has exactly the live state, and replaying its events one by one gives
    exactly the outputs the live run gave."""
    path = tmp_path_factory.mktemp("prop") / "j.db"
    rng = random.Random(seed)
    with Journal.open(path, policy=policy(), snapshot_every=every) as j:
        live_results: list[Any] = [j.execute(item) for item in town()]
        t = 1000.0
        for _ in range(n):
            t += 5.0
            item = random_item(rng, j.hierarchy, j.relay, t)
            before = j.seq
            try:
                live_results.append(j.execute(item))
            except RoutingError:
                assert j.seq == before  # refused: nothing written
        live = j.export_state()
        count = j.seq
    with Journal.open(path, policy=policy()) as j:
        assert j.export_state() == live
        events = [e for _, e in j.events()]
    assert len(events) == count == len(live_results)
    h, relay = fresh()
    replayed = [apply(h, relay, e) for e in events]
    assert replayed == live_results
    assert state(h, relay) == {**live, "seq": 0}


def test_a_refused_command_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with open_journal(path) as j:
        for item in town():
            j.execute(item)
        before, seq = j.export_state(), j.seq
        with pytest.raises(PermissionRefused):
            j.execute(Admit(by=7, wijkgroep="wg0a", applicant=Applicant.registered("X")))
        with pytest.raises(UnknownMemberError):
            j.execute(Leave(member=500, by=500))
        assert j.export_state() == before
        assert j.seq == seq
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (seq,)


def test_what_cannot_be_journaled_is_refused_before_it_changes_anything(tmp_path: Path) -> None:
    with open_journal(tmp_path / "j.db") as j:
        with pytest.raises(TypeError):
            j.execute("Tick(1)")  # type: ignore[arg-type]
        assert j.seq == 0


def test_a_failed_write_is_not_acknowledged_and_leaves_state_as_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_journal(tmp_path / "j.db") as j:
        for item in workload(3, 60):
            j.execute(item)
        before, seq = j.export_state(), j.seq
        store = j._store

        def full_disk(*args: Any, **kwargs: Any) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(store, "append", full_disk)
        report = Report(
            at=99999.0, reporter=MemberId(6), melding=Melding(category="inbraak", called_112=True)
        )
        with pytest.raises(JournalWriteError, match="not accepted") as info:
            j.execute(report)
        assert info.value.command == report
        assert j.export_state() == before  # the live state was rebuilt from the file
        assert j.seq == seq
        monkeypatch.undo()
        j.execute(report)  # and the same command goes through once the disk has room
        assert j.seq == seq + 1


def test_a_second_writer_cannot_fork_the_history(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    items = workload(4, 40)
    with open_journal(path) as a:
        for item in items[:30]:
            a.execute(item)
        with open_journal(path) as b:
            b.execute(items[30])
            with pytest.raises(JournalWriteError):
                a.execute(items[30])
            # a rebuilt its state from the file, which now holds b's event too.
            assert a.seq == b.seq == 31
            assert a.export_state() == b.export_state()


def test_a_journal_written_by_one_process_opens_in_another(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from test_journal import open_journal, workload\n"
        "from pathlib import Path\n"
        "j = open_journal(Path(sys.argv[2]), snapshot_every=25)\n"
        "for item in workload(5, 80): j.execute(item)\n"
        "j.close()\n"
    )
    subprocess.run([sys.executable, "-c", script, str(TESTS), str(path)], check=True, timeout=60)
    h, relay, _ = in_memory(workload(5, 80))
    with open_journal(path) as j:
        assert j.seq == 80
        assert j.export_state() == state_of(h, relay, seq=80)


def test_snapshots_are_kept_and_used(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with open_journal(path, snapshot_every=10) as j:
        for item in workload(6, 95):
            j.execute(item)
        live = j.export_state()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        seqs = [s for (s,) in conn.execute("SELECT seq FROM snapshots ORDER BY seq")]
    assert seqs == [80, 90]  # the newest two
    with open_journal(path) as j:
        assert j.export_state() == live


def test_a_damaged_snapshot_falls_back_to_an_older_one(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with open_journal(path, snapshot_every=10) as j:
        for item in workload(7, 45):
            j.execute(item)
        live = j.export_state()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "UPDATE snapshots SET body = replace(body, 'Bewoner', 'Bewonxr') WHERE seq = 40"
        )
    with open_journal(path) as j:
        assert j.export_state() == live


def test_import_and_export_json(tmp_path: Path) -> None:
    h, relay, _ = in_memory(workload(8, 90))
    text = export_json(h, relay)
    assert json.loads(text)["kind"] == "routing.state"
    h2, relay2 = import_json(text, policy=policy())
    assert state_of(h2, relay2) == state_of(h, relay)
    with Journal.import_state(tmp_path / "j.db", json.loads(text), policy=policy()) as j:
        j.execute(Tick(at=10**7))
        live = j.export_state()
    with open_journal(tmp_path / "j.db") as j:
        assert j.export_state() == live
    with pytest.raises(JournalWriteError, match="new journal"):
        Journal.import_state(tmp_path / "j.db", json.loads(text))


def test_settings_are_stored_with_the_journal(tmp_path: Path) -> None:
    custom = Settings(split_threshold=10)
    with open_journal(tmp_path / "j.db", settings=custom) as j:
        assert j.hierarchy.settings == custom
    with open_journal(tmp_path / "j.db") as j:
        assert j.hierarchy.settings == custom
    with pytest.raises(ConfigError, match="other hierarchy settings"):
        open_journal(tmp_path / "j.db", settings=Settings())


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="durability"):
        open_journal(tmp_path / "a.db", durability="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        open_journal(tmp_path / "b.db", snapshot_every=0)


def test_a_closed_journal_refuses_commands(tmp_path: Path) -> None:
    j = open_journal(tmp_path / "j.db")
    j.close()
    j.close()
    with pytest.raises(JournalWriteError, match="closed"):
        j.execute(Tick(at=1.0))


def test_an_event_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with open_journal(path) as j:
        for item in town():
            j.execute(item)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        query = "SELECT seq, type, payload, slots FROM events WHERE seq = 3"
        seq, tag, payload, slots = conn.execute(query).fetchone()
        crc = event_crc(seq, tag, 2, payload, slots)
        conn.execute("UPDATE events SET version = 2, crc = ? WHERE seq = 3", (crc,))
    with pytest.raises(NewerSchemaError) as info:
        open_journal(path)
    assert (info.value.found, info.value.supported) == (2, 1)


def test_an_event_that_fails_validation_on_replay_names_its_seq(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with open_journal(path) as j:
        for item in workload(9, 30):
            j.execute(item)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        # A well-formed event with a valid checksum that the hierarchy refuses.
        payload = json.dumps({"member": 999})
        conn.execute("DELETE FROM personal WHERE seq = 20")
        crc = event_crc(20, "Leave", 1, payload, 0)
        conn.execute(
            "UPDATE events SET type = 'Leave', payload = ?, slots = 0, crc = ? WHERE seq = 20",
            (payload, crc),
        )
        conn.commit()
    raw = path.read_bytes()
    with pytest.raises(CorruptStateError) as info:
        open_journal(path)
    assert info.value.seq == 20
    assert "event 20" in str(info.value)
    assert path.read_bytes() == raw  # nothing overwritten


# ------------------------------------------------------------------ the trusted replay path


def written(path: Path, n: int, seed: int = 15) -> dict[str, Any]:
    with open_journal(path, snapshot_every=None) as j:
        for item in workload(seed, n):
            j.execute(item)
        return j.export_state()


def first_event(path: Path, tag: str, *, with_personal: bool = False) -> int:
    query = "SELECT min(seq) FROM events WHERE type = ?"
    if with_personal:
        query += " AND slots > 0"
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        (seq,) = conn.execute(query, (tag,)).fetchone()
    assert seq is not None
    return int(seq)


def test_a_valid_looking_event_with_a_wrong_checksum_is_refused(tmp_path: Path) -> None:
    """Replay skips validators only for rows whose checksum verifies; this one does not."""
    path = tmp_path / "j.db"
    written(path, 60)
    seq = first_event(path, "Report")
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        (payload,) = conn.execute("SELECT payload FROM events WHERE seq = ?", (seq,)).fetchone()
        data = json.loads(payload)
        data["reporter"] = data["reporter"] + 1  # still a member id, still valid JSON
        conn.execute(
            "UPDATE events SET payload = ? WHERE seq = ?",
            (json.dumps(data, separators=(",", ":")), seq),
        )
    raw = path.read_bytes()
    with pytest.raises(CorruptStateError, match="checksum") as info:
        open_journal(path)
    assert info.value.seq == seq
    assert path.read_bytes() == raw


def test_a_valid_looking_personal_value_with_a_wrong_checksum_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    written(path, 60)
    seq = first_event(path, "React", with_personal=True)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE personal SET value = '\"iets anders\"' WHERE seq = ?", (seq,))
    with pytest.raises(CorruptStateError, match="checksum") as info:
        open_journal(path)
    assert info.value.seq == seq


def test_a_damaged_personal_row_after_the_last_event_is_still_noticed(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    written(path, 30)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "INSERT INTO personal (seq, path, member, incident, value, crc) "
            "VALUES (999, '[\"text\"]', NULL, NULL, '\"x\"', 0)"
        )
    with pytest.raises(CorruptStateError, match="checksum"):
        open_journal(path)


def test_an_event_written_before_a_field_existed_replays_through_the_strict_decoder(
    tmp_path: Path,
) -> None:
    """The trusted decoder expects every field; an older event without a defaulted one
    (``Report.joins``) is decoded strictly instead, with the default."""
    path = tmp_path / "j.db"
    live = written(path, 60)
    seq = first_event(path, "Report")
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        query = "SELECT type, version, payload, slots FROM events WHERE seq = ?"
        tag, version, payload, slots = conn.execute(query, (seq,)).fetchone()
        data = json.loads(payload)
        assert data.pop("joins") is None
        older = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        conn.execute(
            "UPDATE events SET payload = ?, crc = ? WHERE seq = ?",
            (older, event_crc(seq, tag, version, older, slots), seq),
        )
    with open_journal(path) as j:
        assert j.export_state() == live


def test_replay_decodes_exactly_what_the_strict_decoder_decodes(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    written(path, 300, seed=16)
    with open_journal(path) as j:
        rows = list(j._store.events(0))
        trusted = [e for _, e in j.events()]
        strict = [j._decode(*row) for row in rows]
    assert len(trusted) == len(strict) == 300
    for a, b in zip(trusted, strict, strict=True):
        assert a == b
        assert repr(a) == repr(b)
