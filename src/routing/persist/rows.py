"""The checksums of a journal's rows, and writing personal rows.

Every row of ``events``, ``personal`` and ``snapshots`` carries a CRC-32 of
its content and key (see :mod:`routing.persist.store`). The store and the
schema upgrades (:mod:`routing.persist.upgrade`) both write rows, so the
formulas live here once.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .personal import Slot

__all__ = ["event_crc", "insert_personal", "personal_crc", "snapshot_crc"]


# Store.events computes these two inline (a call per row shows in replay);
# the tests forge rows with these functions, so the copies cannot drift apart.
def event_crc(seq: int, tag: str, version: int, payload: str, slots: int) -> int:
    return zlib.crc32(f"{seq}\x1f{tag}\x1f{version}\x1f{slots}\x1f{payload}".encode())


def personal_crc(
    seq: int,
    path: str,
    member: int | None,
    incident: str | None,
    value: str,
    actor: str | None = None,
) -> int:
    # Without an actor, the schema-1 formula: rows written before the actor
    # column existed keep their checksums. The value is JSON, which escapes
    # control characters, so the separator cannot occur inside it.
    text = f"{seq}\x1f{path}\x1f{member}\x1f{incident}\x1f{value}"
    if actor is not None:
        text += f"\x1f{actor}"
    return zlib.crc32(text.encode())


def snapshot_crc(seq: int, body: str) -> int:
    return zlib.crc32(f"{seq}\x1f{body}".encode())


def insert_personal(
    conn: sqlite3.Connection,
    seq: int,
    slots: Sequence[Slot],
) -> None:
    conn.executemany(
        "INSERT INTO personal (seq, path, member, incident, value, crc, actor) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(seq, p, m, i, v, personal_crc(seq, p, m, i, v, a), a) for p, m, i, v, a in slots],
    )
