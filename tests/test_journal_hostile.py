"""Forged and hostile journal files: each is refused with a typed error, never run.

Every file here is a real journal, damaged afterwards with :mod:`sqlite3`
the way a forger would, checksums recomputed so that only the new checks
stand between the file and the replay:

* JSON nested 100,000 deep, where Python's parser raises a bare
  ``RecursionError``, in a payload, a personal value, a snapshot, the
  settings and an export;
* ``NaN``, ``Infinity`` and numbers that overflow to infinity, which
  Python's parser accepts and JSON does not have;
* a schema with a trigger, a view, a table, or one of the journal's own
  objects defined differently or missing.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path

import pytest

from routing.errors import CorruptStateError, ForeignStateError, StateError, UnexpectedSchemaError
from routing.persist.document import export_json, import_json
from routing.persist.store import event_crc, personal_crc, snapshot_crc
from test_journal import in_memory, open_journal, policy, town, workload
from test_privacy import as_schema_1, with_actors

DEPTH = 100_000
DEEP = "[" * DEPTH + "]" * DEPTH


def written(path: Path, n: int, *, seed: int = 21, snapshot_every: int | None = None) -> dict:  # type: ignore[type-arg]
    with open_journal(path, snapshot_every=snapshot_every) as j:
        for item in workload(seed, n):
            j.execute(item)
        return j.export_state()


def connect(path: Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(path, isolation_level=None))


def forge_event(path: Path, tag: str, change: object) -> int:
    """Rewrite the payload of the first ``tag`` event with ``change(payload)``, checksum and all."""
    with connect(path) as conn:
        seq, version, payload, slots = conn.execute(
            "SELECT seq, version, payload, slots FROM events WHERE type = ? ORDER BY seq LIMIT 1",
            (tag,),
        ).fetchone()
        new = change(payload)  # type: ignore[operator]
        assert new != payload
        conn.execute(
            "UPDATE events SET payload = ?, crc = ? WHERE seq = ?",
            (new, event_crc(seq, tag, version, new, slots), seq),
        )
    return int(seq)


def forge_personal(path: Path, tag: str, value: str) -> int:
    """Set the first personal value of the first ``tag`` event that has one, checksum and all."""
    with connect(path) as conn:
        seq, p, member, incident, actor = conn.execute(
            "SELECT p.seq, p.path, p.member, p.incident, p.actor FROM personal AS p "
            "JOIN events AS e ON e.seq = p.seq WHERE e.type = ? ORDER BY p.seq LIMIT 1",
            (tag,),
        ).fetchone()
        conn.execute(
            "UPDATE personal SET value = ?, crc = ? WHERE seq = ? AND path = ?",
            (value, personal_crc(seq, p, member, incident, value, actor), seq, p),
        )
    return int(seq)


def forge_snapshot(path: Path, seq: int, body: str) -> None:
    with connect(path) as conn:
        changed = conn.execute(
            "UPDATE snapshots SET body = ?, crc = ? WHERE seq = ?",
            (body, snapshot_crc(seq, body), seq),
        ).rowcount
    assert changed == 1


def refused(path: Path, error: type[StateError] = CorruptStateError) -> StateError:
    """Open ``path``: the typed error, with the file left byte for byte as it was."""
    raw = path.read_bytes()
    with pytest.raises(error) as info:
        open_journal(path)
    assert path.read_bytes() == raw
    return info.value


def at(value: str) -> object:
    return lambda payload: re.sub(r'"at":[-+.0-9e]+', f'"at":{value}', payload, count=1)


# ------------------------------------------------------------------ deep nesting


@pytest.mark.parametrize(
    "change",
    [lambda payload: DEEP, at(DEEP), lambda payload: payload[:-1] + ',"x":' + DEEP + "}"],
    ids=["whole", "a field", "an extra key"],
)
def test_a_deeply_nested_payload_is_a_corrupt_event(tmp_path: Path, change: object) -> None:
    path = tmp_path / "j.db"
    written(path, 40)
    seq = forge_event(path, "React", change)
    error = refused(path)
    assert error.seq == seq  # type: ignore[attr-defined]
    assert "nested too deeply" in str(error)


def test_a_deeply_nested_personal_value_is_a_corrupt_event(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    written(path, 40)
    seq = forge_personal(path, "React", DEEP)
    error = refused(path)
    assert error.seq == seq  # type: ignore[attr-defined]
    assert "nested too deeply" in str(error)


def test_a_deeply_nested_personal_path_is_a_corrupt_event(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    written(path, 40)
    with connect(path) as conn:
        seq, p, member, incident, value, actor = conn.execute(
            "SELECT seq, path, member, incident, value, actor FROM personal "
            "ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        conn.execute(
            "UPDATE personal SET path = ?, crc = ? WHERE seq = ? AND path = ?",
            (DEEP, personal_crc(seq, DEEP, member, incident, value, actor), seq, p),
        )
    assert refused(path).seq == seq  # type: ignore[attr-defined]


def test_a_deeply_nested_snapshot_is_skipped_like_any_damaged_one(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    live = written(path, 45, snapshot_every=10)
    forge_snapshot(path, 40, DEEP)
    with open_journal(path) as j:  # snapshot 30 and a longer tail: the same state
        assert j.export_state() == live


def test_a_deeply_nested_snapshot_at_the_floor_is_a_corrupt_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with open_journal(path) as j:
        for item in town():
            j.execute(item)
        j.erase(6, by=6)
        floor = j.seq
    forge_snapshot(path, floor, DEEP)
    error = refused(path)
    assert error.seq == floor  # type: ignore[attr-defined]
    assert "nested too deeply" in str(error)


@pytest.mark.parametrize("text", [DEEP, '{"platform":' + DEEP + "}", "NaN", '{"x":Infinity}'])
def test_damaged_settings_are_a_corrupt_journal(tmp_path: Path, text: str) -> None:
    path = tmp_path / "j.db"
    written(path, 5)
    with connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (text,))
    assert "settings" in str(refused(path))


def test_a_deeply_nested_schema_1_payload_is_refused_not_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with_actors(path)
    as_schema_1(path)
    seq = forge_event(path, "AddActor", lambda payload: DEEP)
    assert refused(path).seq == seq  # type: ignore[attr-defined]
    with connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)


def test_a_schema_1_payload_that_is_no_add_actor_is_refused_not_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with_actors(path)
    as_schema_1(path)
    seq = forge_event(path, "AddActor", lambda payload: "[]")
    assert refused(path).seq == seq  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", [DEEP, '{"kind":' + DEEP + "}", '{"seq":NaN}', "[1e999]"])
def test_an_import_of_such_json_is_a_typed_error(bad: str) -> None:
    with pytest.raises(ForeignStateError, match="not JSON"):
        import_json(bad)
    with pytest.raises(ForeignStateError, match="not JSON"):
        import_json(bad.encode())


def test_an_export_still_imports(tmp_path: Path) -> None:
    h, relay, _ = in_memory(workload(22, 60))
    text = export_json(h, relay)
    assert import_json(text, policy=policy())[0].export_state() == h.export_state()
    assert import_json(text.encode("utf-16"), policy=policy())[0].export_state() == (
        h.export_state()
    )


# ------------------------------------------------------------------ NaN and infinity


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_a_non_finite_time_in_an_event_is_refused(tmp_path: Path, value: str) -> None:
    """Python's json reads these as floats; JSON has none of them, and dump never writes one."""
    path = tmp_path / "j.db"
    written(path, 40)
    seq = forge_event(path, "React", at(value))
    error = refused(path)
    assert error.seq == seq  # type: ignore[attr-defined]
    assert value.lstrip("-") in str(error)


def test_a_non_finite_personal_value_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    written(path, 40)
    seq = forge_personal(path, "React", "NaN")
    assert refused(path).seq == seq  # type: ignore[attr-defined]


def test_a_non_finite_snapshot_at_the_floor_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with open_journal(path) as j:
        for item in town():
            j.execute(item)
        j.erase(6, by=6)
        floor, body = j.seq, j.export_state()
    with connect(path) as conn:
        (text,) = conn.execute("SELECT body FROM snapshots WHERE seq = ?", (floor,)).fetchone()
    assert '"nearly_full_ratio":0.9' in text, body["hierarchy"]["settings"]
    forge_snapshot(path, floor, text.replace('"nearly_full_ratio":0.9', '"nearly_full_ratio":NaN'))
    assert "NaN" in str(refused(path))


# ------------------------------------------------------------------ the schema

HIDDEN = """
CREATE TABLE kept (seq, path, value);
CREATE TRIGGER keep BEFORE DELETE ON personal
BEGIN INSERT INTO kept VALUES (old.seq, old.path, old.value); END;
"""


def test_a_trigger_that_keeps_erased_rows_is_refused_by_name(tmp_path: Path) -> None:
    """An erasure through this file would report success and leave every row in ``kept``."""
    path = tmp_path / "j.db"
    written(path, 40)
    with connect(path) as conn:
        conn.executescript(HIDDEN)
    error = refused(path, UnexpectedSchemaError)
    assert isinstance(error, UnexpectedSchemaError)
    assert (error.kind, error.name) == ("trigger", "keep")
    assert "trigger 'keep' on personal" in str(error)
    assert "table 'kept'" in str(error)
    with connect(path) as conn:  # nothing ran: the hidden table is as empty as it was
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)


@pytest.mark.parametrize(
    ("sql", "kind", "name"),
    [
        ("CREATE VIEW everyone AS SELECT * FROM personal", "view", "everyone"),
        ("CREATE TABLE notes (x)", "table", "notes"),
        ("CREATE INDEX personal_value ON personal (value)", "index", "personal_value"),
        ("DROP INDEX personal_member", "index", "personal_member"),
        (
            "DROP INDEX personal_actor; CREATE INDEX personal_actor ON personal (actor)",
            "index",
            "personal_actor",
        ),
        (
            "CREATE TABLE e2 (seq INTEGER PRIMARY KEY ON CONFLICT REPLACE, type TEXT NOT NULL, "
            "version INTEGER NOT NULL, payload TEXT NOT NULL, slots INTEGER NOT NULL, "
            "crc INTEGER NOT NULL); INSERT INTO e2 SELECT * FROM events; DROP TABLE events; "
            "ALTER TABLE e2 RENAME TO events",
            "table",
            "events",
        ),
        ("ANALYZE", "table", "sqlite_stat1"),
    ],
    ids=["view", "table", "index", "missing index", "changed index", "changed table", "stat"],
)
def test_any_other_schema_is_refused_by_name(
    tmp_path: Path, sql: str, kind: str, name: str
) -> None:
    path = tmp_path / "j.db"
    written(path, 20)
    with connect(path) as conn:
        conn.executescript(sql)
    error = refused(path, UnexpectedSchemaError)
    assert (error.kind, error.name) == (kind, name)  # type: ignore[attr-defined]
    assert repr(name) in str(error)


def test_the_schema_of_an_upgraded_schema_1_journal_is_its_own(tmp_path: Path) -> None:
    """``ALTER TABLE`` stores other text than ``CREATE TABLE`` wrote; both are the journal's."""
    path = tmp_path / "j.db"
    with_actors(path)
    as_schema_1(path)
    with open_journal(path) as j:
        live = j.export_state()
    with open_journal(path) as j:
        assert j.export_state() == live
    with connect(path) as conn:
        conn.execute("CREATE TRIGGER t AFTER INSERT ON events BEGIN SELECT 1; END")
    assert refused(path, UnexpectedSchemaError).name == "t"  # type: ignore[attr-defined]


def test_a_schema_1_journal_with_a_trigger_is_refused_not_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with_actors(path)
    as_schema_1(path)
    with connect(path) as conn:
        conn.executescript(HIDDEN)
    assert refused(path, UnexpectedSchemaError).name == "keep"  # type: ignore[attr-defined]
    with connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
