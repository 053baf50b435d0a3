"""Upgrading an older journal file in place, when it is opened.

Each step runs in one transaction, so a file is either upgraded whole or
left as it was, and ends by writing the new version into ``meta`` and
``PRAGMA user_version``: afterwards a reader of the older schema refuses
the file as newer. See :mod:`routing.persist.schema` for what each version
holds.
"""

from __future__ import annotations

import sqlite3

from routing.domain.codec import dump
from routing.errors import CorruptStateError

from . import schema
from .jsonread import loads
from .rows import event_crc, insert_personal

__all__ = ["from_1", "from_2"]


def from_1(conn: sqlite3.Connection, meta: dict[str, str], path: str) -> None:
    """Schema 1 -> 2: the actor column, and AddActor's personal fields moved into it."""
    from .personal import split  # the one definition of what is personal

    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in schema.UPGRADE_FROM_1:
            conn.execute(statement)
        rows = conn.execute(
            "SELECT seq, type, version, payload, slots, crc FROM events WHERE type = 'AddActor'"
        ).fetchall()
        for seq, tag, version, payload, n, crc in rows:
            # Checked first: a fresh checksum over damaged text would hide the damage.
            if type(payload) is not str or event_crc(seq, tag, version, payload, n) != crc:
                raise CorruptStateError(f"event {seq} fails its checksum", source=path, seq=seq)
            data = loads(payload, f"event {seq}", source=path, seq=seq)
            try:
                slots = split(tag, data, None)
            except (KeyError, TypeError, IndexError) as exc:
                # A forged payload whose checksum was forged too.
                raise CorruptStateError(
                    f"event {seq} is not an AddActor: {exc!r}", source=path, seq=seq
                ) from None
            if n or not slots:
                continue  # nothing left in the payload to move
            new = dump(data)
            m = len(slots)
            conn.execute(
                "UPDATE events SET payload = ?, slots = ?, crc = ? WHERE seq = ?",
                (new, m, event_crc(seq, tag, version, new, m), seq),
            )
            insert_personal(conn, seq, slots)
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
        conn.execute("PRAGMA user_version = 2")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    meta["schema"] = "2"


def from_2(conn: sqlite3.Connection, meta: dict[str, str]) -> None:
    """Schema 2 -> 3: the runtime's tables (intake keys, accounts, posts, cursors)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in schema.UPGRADE_FROM_2:
            conn.execute(statement)
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
        conn.execute("PRAGMA user_version = 3")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    meta["schema"] = "3"
