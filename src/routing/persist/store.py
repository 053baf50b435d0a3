"""The SQLite file under a :class:`~routing.persist.journal.Journal`: schema, checks, I/O.

Theory of operation
-------------------

One file, standard-library :mod:`sqlite3`, WAL mode. Four tables::

    meta       (key TEXT PRIMARY KEY, value TEXT)            format, schema, settings, floor
    events     (seq INTEGER PRIMARY KEY, type, version, payload JSON, slots, crc)
    personal   (seq, path, member, incident, value JSON, crc, actor)  personal fields, apart
    snapshots  (seq INTEGER PRIMARY KEY, body JSON, crc)      whole state after event seq

*Subjects.* A personal row says whose data it is in one of two columns:
``member`` (an INTEGER member id) or ``actor`` (a TEXT actor id), never
both. They are separate columns, not one, because an actor id is text the
app chooses: in a shared INTEGER column SQLite would store an actor called
``"12"`` as the number 12, and erasing member 12 would delete the actor's
rows. ``WHERE member = ?`` and ``WHERE actor = ?`` cannot see each other's
rows. A row with neither (a police sender, a failed delivery's reason)
belongs to no one who can ask for erasure, and goes by retention.

*Schema 2* added ``actor`` (at the end of the table, where ``ALTER TABLE``
puts it). A schema-1 file is upgraded when it is opened, in one
transaction: the column and its index are added, and the name and
organisation of each ``AddActor`` event, which schema 1 kept in the
payload, are moved into rows of that actor, so they can be erased like any
other. Afterwards a schema-1 reader refuses the file as newer.

The file is recognised by ``PRAGMA application_id`` (:data:`APPLICATION_ID`)
and its schema version by ``PRAGMA user_version`` (:data:`SCHEMA_VERSION`),
both in the SQLite header, so a foreign or newer file is refused after
reading 100 bytes and before anything is written. Then its schema must be
exactly the journal's (:mod:`routing.persist.schema`), and it must hold
every command its ``-ack`` file records as acknowledged
(:mod:`routing.persist.acks`). These checks run on a read-only connection:
a read-write one would checkpoint the ``-wal`` on close, and so change a
refused file.

Every row carries a CRC-32 of its content (and of its key), so a flipped
byte that SQLite itself does not notice is still caught; a page SQLite
cannot read is a :class:`sqlite3.DatabaseError`, which becomes a
:class:`~routing.errors.CorruptStateError` here.

*Floor.* Erasure and retention delete personal rows, after which the events
before them no longer replay to the same state (a pseudonym routes the same,
but a relevance policy may have read a deleted description). So each of
them also writes a snapshot of the erased state in the same transaction and
raises the *floor*: replay must start at a snapshot at or above it. A new
journal has floor ``-1``: it may be replayed from nothing.

*Scrub.* Deleting rows is not enough to remove bytes from the files: the
WAL still holds the old pages, and freed pages keep their content. With
``PRAGMA secure_delete=ON`` deleted content is zeroed; after an erasure the
journal checkpoints the WAL into the main file and truncates it, then
``VACUUM`` rewrites the main file without free pages. A ``scrub`` flag in
``meta``, set in the erasing transaction and cleared after the VACUUM,
makes a journal killed in between finish the scrub when it is next opened.
"""

from __future__ import annotations

import os
import pathlib
import sqlite3
import warnings
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Final, Literal

from routing.errors import CorruptStateError, ForeignStateError, NewerSchemaError

from . import acks, schema, side, upgrade
from .jsonread import loads
from .rows import event_crc, insert_personal, personal_crc, snapshot_crc

if TYPE_CHECKING:
    from .acks import Acks
    from .personal import Slot

__all__ = [
    "APPLICATION_ID",
    "FORMAT",
    "SCHEMA_VERSION",
    "Durability",
    "Store",
    "event_crc",
    "personal_crc",
    "snapshot_crc",
]

#: ``PRAGMA application_id`` of a journal: "RTJL" in ASCII.
APPLICATION_ID: Final = 0x52544A4C
#: The journal's schema version (``PRAGMA user_version``); see docs/persistence.md.
SCHEMA_VERSION: Final = 3
#: The ``meta.format`` value.
FORMAT: Final = "routing.persist.journal"

#: How hard a commit waits for the disk (SQLite's ``synchronous``).
Durability = Literal["full", "normal", "off"]
_SYNCHRONOUS: Final[dict[str, str]] = {"full": "FULL", "normal": "NORMAL", "off": "OFF"}

_MAGIC = b"SQLite format 3\x00"


class Store:
    """One open journal file. Private to the journal: it trusts its callers."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: str,
        meta: dict[str, str],
        acks: Acks,
        durability: Durability,
    ) -> None:
        self.conn = conn
        self.path = path
        self.meta = meta
        self.acks = acks
        self.durable = durability == "full"

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str, durability: Durability, *, settings: str) -> tuple[Store, bool]:
        """Open or create the journal at ``path``; ``(store, created)``.

        ``settings`` is the JSON of the hierarchy settings, stored when the
        file is created. Raises :class:`ForeignStateError`,
        :class:`NewerSchemaError` or :class:`CorruptStateError` (a
        :class:`LostCommandsError` if the file ends before what its
        acknowledgement file records: :mod:`routing.persist.acks`) without
        writing to an existing file.
        """
        if durability not in _SYNCHRONOUS:
            raise ValueError(
                f"durability must be one of {sorted(_SYNCHRONOUS)}, not {durability!r}"
            )
        fresh = _is_fresh(path)
        full, last = acks.recorded(path)
        if fresh:  # and yet commands were acknowledged here: the journal file is gone
            acks.compare(path, 0, full, last, stacklevel=3)  # Store.open, Journal.open
        else:
            meta = _inspect(path, full, last)
        conn = _connect(path)
        try:
            conn.execute("PRAGMA trusted_schema = OFF")  # see _inspect
            if fresh:
                meta = _create(conn, settings)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {_SYNCHRONOUS[durability]}")
            # Zero deleted content in place, so erased data leaves no bytes behind.
            conn.execute("PRAGMA secure_delete = ON")
            if meta["schema"] == "1":
                upgrade.from_1(conn, meta, path)
            if meta["schema"] == "2":
                upgrade.from_2(conn, meta)
            record = acks.Acks.open(path, full, last)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise CorruptStateError(f"not a readable journal: {exc}", source=path) from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, meta, record, durability), fresh

    def close(self) -> None:
        self.acks.close()
        self.conn.close()

    # ------------------------------------------------------------ reading

    @property
    def floor(self) -> int:
        return int(self.meta["floor"])

    def head(self) -> tuple[int, int]:
        """``(last seq, floor)`` as the file holds them now, also after another
        process wrote to it; the floor kept in ``meta`` is brought up to date."""
        try:
            (last,) = self.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'floor'").fetchone()
            floor = int(row[0])
        except (sqlite3.DatabaseError, TypeError, ValueError) as exc:
            raise CorruptStateError(f"events: {exc}", source=self.path) from None
        self.meta["floor"] = str(floor)
        return int(last), floor

    def snapshots(self) -> list[tuple[int, str, int]]:
        """Every snapshot, newest first: ``(seq, body, crc)``."""
        try:
            rows = self.conn.execute("SELECT seq, body, crc FROM snapshots ORDER BY seq DESC")
            return [(int(s), str(b), int(c)) for s, b, c in rows]
        except (sqlite3.DatabaseError, TypeError, ValueError) as exc:
            raise CorruptStateError(f"snapshots: {exc}", source=self.path) from None

    def events(self, after: int) -> Iterator[tuple[int, str, int, str, Sequence[tuple[str, str]]]]:
        """Events after ``after`` in order, each with its personal rows ``(path, value)``.

        Checks every checksum, that sequence numbers have no gap, and that
        every event above the floor still has all its personal rows (below it,
        erasure and retention deleted some on purpose);
        :class:`CorruptStateError` names the first event that fails.
        """
        # Both tables are read in seq order (events by their key, personal
        # rows by their (seq, path) key) and merged as they stream, with the
        # checksums computed inline: replay reads ~100,000 events a second,
        # and a dict of every personal row or a call per row shows at that rate.
        floor = self.floor
        crc32 = zlib.crc32
        none: tuple[tuple[str, str], ...] = ()
        try:
            personal = self.conn.execute(
                "SELECT seq, path, member, incident, value, crc, actor FROM personal "
                "WHERE seq > ? ORDER BY seq, path",
                (after,),
            )
            pending = next(personal, None)
            expected = after + 1
            for seq, tag, version, payload, slots, crc in self.conn.execute(
                "SELECT seq, type, version, payload, slots, crc FROM events "
                "WHERE seq > ? ORDER BY seq",
                (after,),
            ):
                if seq != expected:
                    raise CorruptStateError(
                        f"event {expected} is missing (next is {seq})",
                        source=self.path,
                        seq=expected,
                    )
                if (
                    type(payload) is not str
                    or crc32(f"{seq}\x1f{tag}\x1f{version}\x1f{slots}\x1f{payload}".encode()) != crc
                ):
                    raise CorruptStateError(
                        f"event {seq} fails its checksum", source=self.path, seq=seq
                    )
                expected += 1
                if pending is None or pending[0] > seq:
                    rows: Sequence[tuple[str, str]] = none
                else:
                    rows = []
                    # A row below seq belongs to no event: a missing one, reported above.
                    while pending is not None and pending[0] <= seq:
                        p_seq, path, member, incident, value, p_crc, actor = pending
                        text = f"{p_seq}\x1f{path}\x1f{member}\x1f{incident}\x1f{value}"
                        if actor is not None:
                            text += f"\x1f{actor}"  # as personal_crc
                        if crc32(text.encode()) != p_crc:
                            raise self._bad_personal(p_seq)
                        if p_seq == seq:
                            rows.append((path, value))
                        pending = next(personal, None)
                if seq > floor and len(rows) != slots:
                    # A damaged page can lose rows without SQLite noticing; a
                    # placeholder in their stead would be a wrong state.
                    raise CorruptStateError(
                        f"event {seq} has {len(rows)} of its {slots} personal fields",
                        source=self.path,
                        seq=seq,
                    )
                yield seq, tag, version, payload, rows
            # Rows after the last event belong to no event; a damaged one is still damage.
            while pending is not None:
                p_seq, path, member, incident, value, p_crc, actor = pending
                if personal_crc(p_seq, path, member, incident, value, actor) != p_crc:
                    raise self._bad_personal(p_seq)
                pending = next(personal, None)
        except sqlite3.DatabaseError as exc:
            # Undecodable text, a damaged page: SQLite noticed before we did.
            raise CorruptStateError(f"events after {after}: {exc}", source=self.path) from None

    def _bad_personal(self, seq: int) -> CorruptStateError:
        return CorruptStateError(
            f"event {seq}: a personal field fails its checksum", source=self.path, seq=seq
        )

    def has_personal(self, member: int) -> bool:
        row = self.conn.execute("SELECT 1 FROM personal WHERE member = ? LIMIT 1", (member,))
        return row.fetchone() is not None

    # ------------------------------------------------------------ writing

    def append(
        self,
        seq: int,
        tag: str,
        version: int,
        payload: str,
        slots: Sequence[Slot],
        *,
        erase_member: int | None = None,
        erase_actor: str | None = None,
        expire: Iterable[str] = (),
        expire_deliveries: Iterable[int] = (),
        snapshot: str | None = None,
        intake: str | None = None,
    ) -> None:
        """Write one event, in one transaction, committed before this returns.

        ``erase_member``, ``erase_actor`` and ``expire`` delete that member's,
        that actor's and those incidents' personal rows; ``expire_deliveries``
        deletes the reasons of ``Fail`` events for those deliveries (filed
        under no incident: see :meth:`_expire_failures`). ``snapshot``
        replaces every snapshot with one at ``seq`` and raises the floor to
        it (see the module docstring). ``intake`` is the key of the platform
        message the event came from (:mod:`routing.persist.side`), kept in
        the same transaction.
        """
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            # seq is the primary key: if another writer got there first, this
            # fails instead of forking the history.
            n = len(slots)
            conn.execute(
                "INSERT INTO events (seq, type, version, payload, slots, crc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (seq, tag, version, payload, n, event_crc(seq, tag, version, payload, n)),
            )
            if slots:
                insert_personal(conn, seq, slots)
            if intake is not None:
                side.keep_intake(conn, intake, seq)
            if erase_member is not None:
                conn.execute("DELETE FROM personal WHERE member = ?", (erase_member,))
                side.erase_member(conn, erase_member)
            if erase_actor is not None:
                conn.execute("DELETE FROM personal WHERE actor = ?", (erase_actor,))
            for incident in expire:
                conn.execute("DELETE FROM personal WHERE incident = ?", (incident,))
            self._expire_failures(expire_deliveries)
            if snapshot is not None:
                conn.execute("DELETE FROM snapshots")
                self._put_snapshot(seq, snapshot)
                self._set_meta("floor", str(seq))
                self._set_meta("scrub", "1")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._acknowledge(seq)

    def _acknowledge(self, seq: int) -> None:
        # After COMMIT: the event is in the file, and raising now would tell
        # the caller it was not accepted. A record that falls behind only
        # weakens the check on open; it never claims an event the file lacks.
        try:
            self.acks.record(seq, durable=self.durable)
        except OSError as exc:
            warnings.warn(
                f"{self.path}: event {seq} is committed, but {self.acks.path} could not "
                f"record it ({exc}); damage to the -wal file would go unnoticed",
                RuntimeWarning,
                stacklevel=4,
            )

    def _expire_failures(self, deliveries: Iterable[int]) -> None:
        # A Fail names its delivery, not the incident, and the relay has no
        # public lookup from one to the other; so its reason is filed under
        # no incident when written, and found here, when retention clears
        # the incident, through the delivery ids the relay still lists.
        wanted = set(deliveries)
        if not wanted:
            return
        rows = self.conn.execute(
            "SELECT p.seq, e.payload FROM personal AS p JOIN events AS e ON e.seq = p.seq "
            "WHERE p.incident IS NULL AND p.member IS NULL AND p.actor IS NULL "
            "AND e.type = 'Fail'"
        ).fetchall()
        doomed = [
            (seq,)
            for seq, payload in rows
            if loads(payload, f"event {seq}", source=self.path, seq=seq)["delivery"] in wanted
        ]
        self.conn.executemany("DELETE FROM personal WHERE seq = ?", doomed)

    def put_snapshot(self, seq: int, body: str, *, keep: int = 2) -> None:
        """Add a snapshot at ``seq`` and keep only the newest ``keep``."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._put_snapshot(seq, body)
            conn.execute(
                "DELETE FROM snapshots WHERE seq NOT IN "
                "(SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)",
                (keep,),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def start_from(self, seq: int, body: str) -> None:
        """Make a snapshot at ``seq`` the floor of every replay (an imported state)."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._put_snapshot(seq, body)
            self._set_meta("floor", str(seq))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def scrub(self) -> bool:
        """Remove the bytes of deleted rows from the WAL, free pages and the main file.

        False if another connection kept old WAL frames alive; the ``scrub``
        flag then stays set, and the next open tries again.
        """
        conn = self.conn
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            return False
        conn.execute("BEGIN IMMEDIATE")
        self._set_meta("scrub", "0")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True

    def _put_snapshot(self, seq: int, body: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO snapshots (seq, body, crc) VALUES (?, ?, ?)",
            (seq, body, snapshot_crc(seq, body)),
        )

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        self.meta[key] = value


def _is_fresh(path: str) -> bool:
    """True if there is nothing at ``path`` yet (or an empty file); else check its magic."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(_MAGIC))
    except FileNotFoundError:
        return True
    except IsADirectoryError:
        raise ForeignStateError("is a directory, not a journal", source=path) from None
    except OSError as exc:
        raise CorruptStateError(f"cannot read: {exc}", source=path) from None
    if not head and not os.path.exists(path + "-wal"):
        return True
    if head != _MAGIC:
        raise ForeignStateError("not an SQLite file, so not a journal", source=path)
    return False


def _connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    try:
        return sqlite3.connect(target, isolation_level=None, timeout=10.0, uri=uri)
    except sqlite3.Error as exc:
        raise CorruptStateError(f"cannot open: {exc}", source=target) from None


def _inspect(path: str, full: int, last: int) -> dict[str, str]:
    """Check an existing file, through a connection that cannot write; its meta table.

    Read-only, because closing the last read-write connection checkpoints
    the ``-wal`` file into the journal and deletes it: after a refusal that
    would change a foreign file, and destroy the frames a lost-commands
    check found missing (the ones after a flipped byte are still there).
    """
    conn = _connect(f"{pathlib.Path(path).absolute().as_uri()}?mode=ro", uri=True)
    try:
        # No SQL function with side effects may run from the schema; the
        # schema check refuses every trigger and view anyway.
        conn.execute("PRAGMA trusted_schema = OFF")
        meta = _check(conn, path)
        (found,) = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
    except sqlite3.DatabaseError as exc:
        raise CorruptStateError(f"not a readable journal: {exc}", source=path) from None
    finally:
        conn.close()
    acks.compare(path, int(found), full, last, stacklevel=4)
    return meta


def _create(conn: sqlite3.Connection, settings: str) -> dict[str, str]:
    meta = {
        "format": FORMAT,
        "schema": str(SCHEMA_VERSION),
        "settings": settings,
        "floor": "-1",
        "scrub": "0",
    }
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    # The page size is fixed before the first table; 4096 is the default and
    # suits rows of a few hundred bytes.
    for statement in schema.statements(schema.SCHEMA):
        conn.execute(statement)
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
    conn.execute("COMMIT")
    return meta


def _check(conn: sqlite3.Connection, path: str) -> dict[str, str]:
    (app_id,) = conn.execute("PRAGMA application_id").fetchone()
    if app_id != APPLICATION_ID:
        raise ForeignStateError(
            f"not a routing journal (application_id {app_id:#x}, expected {APPLICATION_ID:#x})",
            source=path,
        )
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"written with journal schema {version}; this version reads up to {SCHEMA_VERSION}",
            found=version,
            supported=SCHEMA_VERSION,
            source=path,
        )
    if version < 1:
        raise CorruptStateError(f"journal schema version {version} is not valid", source=path)
    # Before any row is read: a trigger or a view must not get to run.
    schema.check(conn, version, path)
    try:
        meta = {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")}
    except sqlite3.OperationalError as exc:
        raise CorruptStateError(f"the meta table is unreadable: {exc}", source=path) from None
    if meta.get("format") != FORMAT or meta.get("schema") != str(version):
        raise CorruptStateError("the meta table does not describe a journal", source=path)
    for key in ("settings", "floor", "scrub"):
        if key not in meta:
            raise CorruptStateError(f"the meta table has no {key!r}", source=path)
    try:
        int(meta["floor"])
    except ValueError:
        raise CorruptStateError("the meta table is damaged", source=path) from None
    loads(meta["settings"], "the settings in the meta table", source=path)
    return meta
