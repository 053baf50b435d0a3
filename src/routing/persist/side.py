"""The runtime's tables in a journal file: intake keys, accounts, posts, cursors.

The journal's events say what happened to the neighbourhood; these tables
say how it met a platform (:mod:`routing.runtime`):

* **intake**: the key of each platform message (a Matrix event id, a
  command-line request) that became an event, written in the event's own
  transaction. The same message fed again finds its key and makes no second
  command.
* **accounts**: which member a platform account is. An account id is
  personal data; erasing the member deletes their rows.
* **posts** and **redactions**: what a transport posted and whose personal
  data each post carries. Erasing a member moves their posts to
  ``redactions``, in the erasing transaction; the transport redacts them on
  the platform and then says so (:meth:`SideTables.redacted`), so a crash
  in between loses no redaction.
* **cursors**: positions a transport keeps (a sync token), by name.

None of these rows is replayed: they sit beside the event log, not in it,
and snapshots do not hold them. Text columns are ``TEXT`` and member
columns ``INTEGER``, so an account called ``"12"`` is never member 12.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from routing.domain.checks import check_text
from routing.errors import InvalidValueError

__all__ = ["SideTables", "erase_member", "intake_key", "keep_intake"]


def intake_key(value: object) -> str:
    """``value`` if it is an intake key: non-blank text a file can store."""
    return _name(value, "an intake key")


def keep_intake(conn: sqlite3.Connection, key: str, seq: int) -> None:
    """Record that event ``seq`` came from the platform message ``key`` (in its transaction)."""
    conn.execute("INSERT INTO intake (key, seq) VALUES (?, ?)", (key, seq))


def erase_member(conn: sqlite3.Connection, member: int) -> None:
    """Drop ``member``'s accounts and queue their posts for redaction (in the
    erasing transaction)."""
    conn.execute(
        "INSERT OR IGNORE INTO redactions (platform, ref) "
        "SELECT platform, ref FROM posts WHERE member = ?",
        (member,),
    )
    conn.execute("DELETE FROM posts WHERE member = ?", (member,))
    conn.execute("DELETE FROM accounts WHERE member = ?", (member,))


def _name(value: object, what: str) -> str:
    text = check_text(value, what)
    if not text.strip():
        raise InvalidValueError(value, f"{what} must be non-empty text")
    return text


def _member(value: object) -> int:
    if type(value) is not int or value < 0:
        raise InvalidValueError(value, "a member id is a non-negative int")
    return value


class SideTables:
    """Reads and writes of the runtime's tables, each in a transaction of its own."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(sql, params)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ intake

    def intake(self, key: str) -> int | None:
        """The sequence number of the event message ``key`` became, if it did."""
        row = self._conn.execute(
            "SELECT seq FROM intake WHERE key = ?", (intake_key(key),)
        ).fetchone()
        return None if row is None else int(row[0])

    # ------------------------------------------------------------ accounts

    def link(self, platform: str, account: str, member: int) -> None:
        """Say that ``account`` on ``platform`` is ``member`` (replacing what it was)."""
        self._write(
            "INSERT OR REPLACE INTO accounts (platform, account, member) VALUES (?, ?, ?)",
            (_name(platform, "a platform"), _name(account, "an account"), _member(member)),
        )

    def unlink(self, platform: str, account: str) -> bool:
        """Forget ``account``; False if it was not linked."""
        known = self.member(platform, account) is not None
        if known:
            self._write(
                "DELETE FROM accounts WHERE platform = ? AND account = ?", (platform, account)
            )
        return known

    def member(self, platform: str, account: str) -> int | None:
        """The member ``account`` on ``platform`` is, if linked."""
        row = self._conn.execute(
            "SELECT member FROM accounts WHERE platform = ? AND account = ?", (platform, account)
        ).fetchone()
        return None if row is None else int(row[0])

    def of(self, member: int) -> tuple[tuple[str, str], ...]:
        """Every ``(platform, account)`` linked to ``member``."""
        rows = self._conn.execute(
            "SELECT platform, account FROM accounts WHERE member = ? ORDER BY platform, account",
            (member,),
        )
        return tuple((str(p), str(a)) for p, a in rows)

    def accounts(self, platform: str) -> tuple[tuple[str, int], ...]:
        """Every ``(account, member)`` on ``platform``."""
        rows = self._conn.execute(
            "SELECT account, member FROM accounts WHERE platform = ? ORDER BY account",
            (platform,),
        )
        return tuple((str(a), int(m)) for a, m in rows)

    # ------------------------------------------------------------ posts

    def record_post(self, platform: str, ref: str, members: Iterable[int]) -> None:
        """Keep that ``ref`` was posted on ``platform`` carrying ``members``' data."""
        rows = [(_name(platform, "a platform"), _name(ref, "a post"), _member(m)) for m in members]
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT OR IGNORE INTO posts (platform, ref, member) VALUES (?, ?, ?)", rows
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def posts_of(self, member: int) -> tuple[tuple[str, str], ...]:
        """Every ``(platform, ref)`` posted with ``member``'s data."""
        rows = self._conn.execute(
            "SELECT platform, ref FROM posts WHERE member = ? ORDER BY platform, ref", (member,)
        )
        return tuple((str(p), str(r)) for p, r in rows)

    def redactions(self, platform: str) -> tuple[str, ...]:
        """The posts on ``platform`` an erasure asks to redact, not yet redacted."""
        rows = self._conn.execute(
            "SELECT ref FROM redactions WHERE platform = ? ORDER BY ref", (platform,)
        )
        return tuple(str(r) for (r,) in rows)

    def redacted(self, platform: str, ref: str) -> None:
        """The transport redacted ``ref``: forget it."""
        self._write("DELETE FROM redactions WHERE platform = ? AND ref = ?", (platform, ref))

    # ------------------------------------------------------------ cursors

    def cursor(self, name: str) -> str | None:
        """A transport's stored position ``name``, if any."""
        row = self._conn.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_cursor(self, name: str, value: str) -> None:
        self._write(
            "INSERT OR REPLACE INTO cursors (name, value) VALUES (?, ?)",
            (_name(name, "a cursor name"), _name(value, "a cursor value")),
        )
