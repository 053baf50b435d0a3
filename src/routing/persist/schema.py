"""What a journal file may hold: the journal's own tables and indexes, and nothing else.

The SQL that creates a journal is here (:data:`SCHEMA`), with the SQL that
schemas 1 and 2 created (:data:`SCHEMA_1`, :data:`SCHEMA_2`) and the
statements that upgrade them (:data:`UPGRADE_FROM_1`,
:data:`UPGRADE_FROM_2`). :func:`check` compares the schema of a file
being opened (``sqlite_master``: its tables, indexes, triggers and views,
each with its SQL) with what that SQL creates in an empty in-memory
database, and refuses anything else before a single row is read:

* an object the journal does not create: a trigger on ``personal`` could
  copy every erased row into a table of its own while erasure reports
  success, a view could stand in for a table;
* one of the journal's objects defined differently: ``seq INTEGER PRIMARY
  KEY ON CONFLICT REPLACE`` would let a second writer overwrite history
  instead of failing, a collation on ``actor`` would let erasing one actor
  delete another's rows;
* one of them missing.

The SQL is compared with runs of whitespace collapsed: that is all that
tells a file created at schema 2 from one upgraded from schema 1
(``ALTER TABLE ... ADD COLUMN`` splices ``, actor TEXT`` into the stored
text where the fresh file has a newline), and all that SQLite itself may
change in text it stores.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from typing import Final

from routing.errors import UnexpectedSchemaError

__all__ = [
    "SCHEMA",
    "SCHEMA_1",
    "SCHEMA_2",
    "UPGRADE_FROM_1",
    "UPGRADE_FROM_2",
    "check",
    "statements",
]

#: The SQL that created a schema-2 journal (schema 3 adds :data:`UPGRADE_FROM_2`).
SCHEMA_2: Final = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    slots INTEGER NOT NULL,
    crc INTEGER NOT NULL
);
CREATE TABLE personal (
    seq INTEGER NOT NULL,
    path TEXT NOT NULL,
    member INTEGER,
    incident TEXT,
    value TEXT NOT NULL,
    crc INTEGER NOT NULL,
    actor TEXT,
    PRIMARY KEY (seq, path)
) WITHOUT ROWID;
CREATE INDEX personal_member ON personal (member) WHERE member IS NOT NULL;
CREATE INDEX personal_incident ON personal (incident) WHERE incident IS NOT NULL;
CREATE INDEX personal_actor ON personal (actor) WHERE actor IS NOT NULL;
CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, crc INTEGER NOT NULL);
"""

#: What schema 3 adds: the runtime's tables (:mod:`routing.persist.side`).
#: ``intake``: the key of each platform message that became an event, so that
#: the same message fed twice makes one command. ``accounts``: platform
#: accounts and the member each one is. ``posts``: what a transport posted,
#: and whose personal data each post carries; ``redactions``: posts of an
#: erased member that the transport must still redact. ``cursors``: a
#: transport's positions (a sync token). Accounts and posts are filed by
#: member, so that erasure finds them.
UPGRADE_FROM_2: Final = (
    "CREATE TABLE intake (key TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE accounts (platform TEXT NOT NULL, account TEXT NOT NULL, "
    "member INTEGER NOT NULL, PRIMARY KEY (platform, account)) WITHOUT ROWID",
    "CREATE INDEX accounts_member ON accounts (member)",
    "CREATE TABLE posts (platform TEXT NOT NULL, ref TEXT NOT NULL, "
    "member INTEGER NOT NULL, PRIMARY KEY (platform, ref, member)) WITHOUT ROWID",
    "CREATE INDEX posts_member ON posts (member)",
    "CREATE TABLE redactions (platform TEXT NOT NULL, ref TEXT NOT NULL, "
    "PRIMARY KEY (platform, ref)) WITHOUT ROWID",
    "CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
)

#: The SQL of a new journal (schema 3).
SCHEMA: Final = SCHEMA_2 + "".join(f"{statement};\n" for statement in UPGRADE_FROM_2)

#: The SQL that created a schema-1 journal, as it was written then.
SCHEMA_1: Final = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    slots INTEGER NOT NULL,
    crc INTEGER NOT NULL
);
CREATE TABLE personal (
    seq INTEGER NOT NULL,
    path TEXT NOT NULL,
    member INTEGER,
    incident TEXT,
    value TEXT NOT NULL,
    crc INTEGER NOT NULL,
    PRIMARY KEY (seq, path)
) WITHOUT ROWID;
CREATE INDEX personal_member ON personal (member) WHERE member IS NOT NULL;
CREATE INDEX personal_incident ON personal (incident) WHERE incident IS NOT NULL;
CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, crc INTEGER NOT NULL);
"""

#: The schema changes from 1 to 2; the data moves in :mod:`routing.persist.upgrade`.
UPGRADE_FROM_1: Final = (
    "ALTER TABLE personal ADD COLUMN actor TEXT",
    "CREATE INDEX personal_actor ON personal (actor) WHERE actor IS NOT NULL",
)

# The order in which unexpected objects are named: the dangerous kinds first.
_KINDS: Final = ("trigger", "view", "table", "index")

_Objects = dict[tuple[str, str], tuple[str, str | None]]


def statements(script: str) -> list[str]:
    """The statements of ``script`` (none of the journal's SQL has a ``;`` inside)."""
    return [s.strip() for s in script.split(";") if s.strip()]


def check(conn: sqlite3.Connection, version: int, path: str) -> None:
    """Refuse a file whose schema is not exactly what ``version`` of the journal creates.

    Raises :class:`~routing.errors.UnexpectedSchemaError` naming the first
    object that does not fit (triggers first), and every other in its
    message. Reads ``sqlite_master`` only.
    """
    found = _objects(conn)
    expected = _expected(version)
    problems: list[tuple[int, str, str, str]] = []
    for (kind, name), (table, sql) in found.items():
        rank = _KINDS.index(kind) if kind in _KINDS else len(_KINDS)
        if (kind, name) not in expected:
            on = f" on {table}" if kind in ("trigger", "index") else ""
            problems.append((rank, kind, name, f"{kind} {name!r}{on}, which a journal has not"))
        elif expected[kind, name] != (table, sql):
            problems.append((rank, kind, name, f"{kind} {name!r} defined as {sql!r}"))
    for kind, name in expected.keys() - found.keys():
        problems.append((_KINDS.index(kind), kind, name, f"no {kind} {name!r}"))
    if problems:
        problems.sort()
        _, kind, name, _ = problems[0]
        detail = "; ".join(text for *_, text in problems)
        raise UnexpectedSchemaError(
            f"not the schema of a journal (schema {version}): {detail}",
            kind=kind,
            name=name,
            source=path,
        )


def _objects(conn: sqlite3.Connection) -> _Objects:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    return {
        (str(kind), str(name)): (str(table), None if sql is None else " ".join(str(sql).split()))
        for kind, name, table, sql in rows
    }


@functools.cache
def _expected(version: int) -> _Objects:
    """What the journal's own SQL creates for ``version``, in this SQLite."""
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        script = {1: SCHEMA_1, 2: SCHEMA_2}.get(version, SCHEMA)
        for statement in statements(script):
            conn.execute(statement)
        return _objects(conn)
