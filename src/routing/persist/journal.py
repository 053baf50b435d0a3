"""A journal that loses nothing: the hierarchy and the relay, kept on disk.

Theory of operation
-------------------

A :class:`Journal` owns one :class:`~routing.model.Hierarchy` and one
:class:`~routing.relay.Relay` and an SQLite file (:mod:`routing.persist.store`).
Everything that changes them goes through :meth:`Journal.execute`: a
hierarchy change (:mod:`routing.hierarchy.changes`) or a relay command
(:mod:`routing.engine.commands`). For each one:

1. the value is encoded first (:mod:`routing.domain.codec`), so one that cannot be
   journaled is refused before anything changes;
2. it is applied to the live state, which is atomic there: a
   :class:`~routing.errors.Refused` (or any error) propagates, nothing was
   changed and nothing is written;
3. the event is written in one SQLite transaction, its personal fields in
   rows of their own (:mod:`routing.persist.personal`);
4. only after ``COMMIT`` returns are the outputs handed back: a command is
   *acknowledged* when :meth:`~Journal.execute` returns.

Why apply first and write second: the hierarchy and the relay decide
whether a command is accepted, and what it returns (new member ids, the
incident it opened) says whose personal data the event holds. Writing
first would need a second way to undo a write for every refusal. If the
write fails instead (disk full, file gone, a second writer), the live state
already moved; the journal then rebuilds it from the file, which holds
exactly the acknowledged commands, and raises
:class:`~routing.errors.JournalWriteError`. Rebuilding costs a replay, but
a failed write is rare and this way state and file can never disagree.

Opening replays the newest valid snapshot and the events after it (a
*tail*); :meth:`Journal.snapshot` writes one, and one is written every
``snapshot_every`` events. Replay applies each event through the same
code as the live path, so an event that does not fit (a damaged file,
another policy) is a :class:`~routing.errors.CorruptStateError` naming its
sequence number, never a silently different state. Damage is caught by the
checksums; an event whose rows pass them is rebuilt without re-running its
validators (:func:`~routing.persist.events.decode_trusted`: they passed when it was
written, and running them again cost half of replay's time), and anything
that decoder does not expect is decoded strictly instead.

The policy and the relay config are code and settings of the app, not
data: pass the same ones every time the journal is opened, or replay may
route differently (and then stops with that error).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any, Final

from routing import gcpause as _collector
from routing.domain.codec import decode, dump, encode
from routing.domain.settings import Settings
from routing.engine.commands import Command
from routing.engine.incident import DeliveryStatus
from routing.engine.outputs import Output
from routing.engine.policies import Policy
from routing.errors import (
    ConfigError,
    CorruptStateError,
    DuplicateIntakeError,
    JournalWriteError,
    NewerSchemaError,
    RoutingError,
    StateError,
    UnknownMemberError,
)
from routing.hierarchy.changes import (
    DEFAULT_RETENTION,
    Change,
    Erase,
    EraseActor,
    Retention,
    apply_change,
)
from routing.model import Hierarchy
from routing.relay import Relay, RelayConfig

from .document import state_from, state_of
from .events import EVENT_TYPES, decode_event, decode_trusted, encode_event
from .jsonread import loads
from .personal import parse_event, restore, split
from .rows import snapshot_crc
from .side import SideTables
from .store import Durability, Store

__all__ = ["EVENT_VERSION", "Journal"]

#: The version written with every event; a newer one is refused on replay.
EVENT_VERSION: Final = 1
_CHANGES: Final = tuple(
    cls for cls in EVENT_TYPES.values() if cls.__module__ == "routing.hierarchy.changes"
)


class Journal:
    """The hierarchy and relay, with every accepted change on disk.

    Build one with :meth:`open` (or :meth:`import_state`); use it as a
    context manager or call :meth:`close`. Read the state through
    :attr:`hierarchy` and :attr:`relay`; change it only through
    :meth:`execute` (a direct call on them would not be journaled).
    """

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings,
        policy: Policy | None,
        config: RelayConfig | None,
        snapshot_every: int | None,
        durability: Durability,
    ) -> None:
        # Private: use Journal.open.
        self._store = store
        self._settings = settings
        self._policy = policy
        self._config = config
        self._snapshot_every = snapshot_every
        self._durability = durability
        self._closed = False
        self._h, self._relay, self._seq, self._snap = self._load()

    # ------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        durability: Durability = "normal",
        settings: Settings | None = None,
        policy: Policy | None = None,
        config: RelayConfig | None = None,
        snapshot_every: int | None = 10_000,
    ) -> Journal:
        """Open the journal at ``path``, creating it if there is nothing there.

        ``durability`` says what an acknowledged command survives (see
        docs/persistence.md): ``"full"`` a power cut, ``"normal"`` a killed
        process (a power cut may lose the last commands, never corrupt),
        ``"off"`` a killed process only. ``settings`` are the hierarchy's,
        stored when the file is created. Raises a
        :class:`~routing.errors.StateError` subclass for a foreign, newer or
        damaged file, which is left as it was.
        """
        if snapshot_every is not None and snapshot_every < 1:
            raise ConfigError(f"snapshot_every must be at least 1, not {snapshot_every}")
        path = os.fspath(path)
        wanted = settings if settings is not None else Settings()
        store, created = Store.open(path, durability, settings=dump(encode(wanted)))
        try:
            settings_data = loads(store.meta["settings"], "meta.settings", source=path)
            stored = decode(Settings, settings_data, where="meta.settings")
            if settings is not None and not created and stored != settings:
                raise ConfigError(
                    "the journal was created with other hierarchy settings", path=path
                )
            journal = cls(
                store,
                settings=stored,
                policy=policy,
                config=config,
                snapshot_every=snapshot_every,
                durability=durability,
            )
            if store.meta["scrub"] == "1":
                store.scrub()  # an erasure was interrupted before its bytes were gone
        except BaseException:
            store.close()
            raise
        return journal

    @classmethod
    def import_state(
        cls,
        path: str | os.PathLike[str],
        state: dict[str, Any],
        *,
        durability: Durability = "normal",
        policy: Policy | None = None,
        config: RelayConfig | None = None,
        snapshot_every: int | None = 10_000,
    ) -> Journal:
        """Start a new journal at ``path`` from an exported state (:func:`state_of`).

        The state becomes snapshot 0, the floor of every replay. ``path`` must
        not hold a journal yet.
        """
        path = os.fspath(path)
        if os.path.exists(path) and os.path.getsize(path) > 0:
            raise JournalWriteError(f"{path}: exists; import only into a new journal")
        h, relay = state_from(state, policy=policy, config=config)
        body = dump(state_of(h, relay, seq=0))
        store, _ = Store.open(path, durability, settings=dump(encode(h.settings)))
        try:
            store.start_from(0, body)
            return cls(
                store,
                settings=h.settings,
                policy=policy,
                config=config,
                snapshot_every=snapshot_every,
                durability=durability,
            )
        except BaseException:
            store.close()
            raise

    # ------------------------------------------------------------ reading

    @property
    def path(self) -> str:
        return self._store.path

    @property
    def durability(self) -> Durability:
        return self._durability

    @property
    def seq(self) -> int:
        """The sequence number of the last acknowledged event (0: none yet)."""
        return self._seq

    @property
    def hierarchy(self) -> Hierarchy:
        """The live hierarchy; read it, change it only through :meth:`execute`."""
        return self._h

    @property
    def relay(self) -> Relay:
        """The live relay; read it, feed it only through :meth:`execute`."""
        return self._relay

    @property
    def side(self) -> SideTables:
        """The runtime's tables beside the events: intake keys, accounts, posts,
        cursors (:mod:`routing.persist.side`)."""
        self._require_open()
        return SideTables(self._store.conn)

    def seen(self, key: str) -> int | None:
        """The sequence number of the event the intake key ``key`` became, if any."""
        return self.side.intake(key)

    def export_state(self) -> dict[str, Any]:
        """The whole live state as a JSON-able document (:func:`state_of`)."""
        return state_of(self._h, self._relay, seq=self._seq)

    def events(self, after: int = 0) -> Iterator[tuple[int, Change | Command]]:
        """Every event after ``after`` as ``(seq, change or command)``, oldest first.

        Events from before an erasure or a retention carry placeholders where
        the deleted personal data was.
        """
        self._require_open()
        for seq, tag, version, payload, personal in self._store.events(after):
            yield seq, self._decode_verified(seq, tag, version, payload, personal)

    def refresh(self) -> int:
        """Read what another process appended to the file since; how many events.

        Several processes may keep one journal open (a server and a command
        run beside it, a bridge): each reads the others' events before it
        acts. When another process's erasure raised the floor past this
        one's state, the state is loaded anew from the file (:meth:`open`'s
        path). :class:`~routing.errors.CorruptStateError` if the file lost
        events this process had read.
        """
        self._require_open()
        last, floor = self._store.head()
        if last == self._seq:
            return 0
        if last < self._seq:
            self.close()
            raise CorruptStateError(
                f"the file ends at event {last}, before event {self._seq} read from it",
                source=self.path,
                seq=last,
            )
        before = self._seq
        try:
            if floor > before:
                self._h, self._relay, self._seq, self._snap = self._load()
            else:
                with _collector.paused():
                    self._seq = self._replay(self._store, before)
        except BaseException:
            # Half a tail applied is a state nobody can reproduce: stop here.
            self.close()
            raise
        return self._seq - before

    # ------------------------------------------------------------ writing

    def execute(self, item: Change | Command, *, key: str | None = None) -> Any:
        """Apply a change or a command and journal it; return what it returned.

        The return value (outputs of a relay command, new ids of a change) is
        handed back only after the event is committed. Refused commands
        raise with nothing changed and nothing written;
        :class:`~routing.errors.JournalWriteError` if the write failed (the
        command was then not accepted either).

        ``key`` names the platform message the item came from (an *intake
        key*), kept with the event in its transaction; a key already kept
        is refused with :class:`~routing.errors.DuplicateIntakeError`, with
        nothing changed (:meth:`seen` asks first).
        """
        self._require_open()
        if key is not None:
            seq = self.side.intake(key)  # refuses a key that is no text
            if seq is not None:
                raise DuplicateIntakeError(key, seq)
        tag, payload = encode_event(item)  # refuses what cannot be journaled, before any change
        erase: int | None = None
        if isinstance(item, Erase):
            erase = item.member
            if erase not in self._h and not self._store.has_personal(erase):
                raise UnknownMemberError(erase)
        # Actors are never removed, so an unknown one is refused by the hierarchy.
        erase_actor = item.actor if isinstance(item, EraseActor) else None
        result = self._apply(item)
        expire: tuple[str, ...] = tuple(result) if isinstance(item, Retention) else ()
        privacy = erase is not None or erase_actor is not None or bool(expire)
        seq = self._seq + 1
        try:
            slots = split(tag, payload, result)
            snapshot = None
            if privacy:
                snapshot = dump(state_of(self._h, self._relay, seq=seq))
            self._store.append(
                seq,
                tag,
                EVENT_VERSION,
                dump(payload),
                slots,
                erase_member=erase,
                erase_actor=erase_actor,
                expire=expire,
                expire_deliveries=self._failed_deliveries(expire),
                snapshot=snapshot,
                intake=key,
            )
        except BaseException as exc:
            self._recover()
            if not isinstance(exc, Exception):
                raise
            raise JournalWriteError(
                f"{self.path}: event {seq} was not written ({exc}); the command was not accepted",
                command=item,
            ) from exc
        self._seq = seq
        if privacy:
            self._snap = seq
            self._scrub()
        elif self._snapshot_every is not None and seq - self._snap >= self._snapshot_every:
            self._auto_snapshot()
        return result

    def handle(self, command: Command) -> tuple[Output, ...]:
        """:meth:`execute` for a relay command, typed as :meth:`Relay.handle` is."""
        result: tuple[Output, ...] = self.execute(command)
        return result

    def erase(self, member: int, *, by: int | str) -> str:
        """Erase a member's personal data from the state and the files (AVG art. 17).

        ``by`` is who asks: the member, their telefoonbeheerder, or a privacy
        contact (:class:`~routing.hierarchy.changes.Erase`). Returns the
        pseudonym they keep. See docs/privacy.md.
        """
        pseudonym: str = self.execute(Erase(member=member, by=by))
        return pseudonym

    def erase_actor(self, actor: str, *, by: int | str) -> str:
        """Erase an actor's name and organisation from the state and the files (AVG art. 17).

        ``by`` is who asks (:class:`~routing.hierarchy.changes.EraseActor`).
        Returns the pseudonym they keep (:meth:`Hierarchy.actor_pseudonym`).
        See docs/privacy.md.
        """
        pseudonym: str = self.execute(EraseActor(actor=actor, by=by))
        return pseudonym

    def apply_retention(
        self, at: float, *, older_than: float = DEFAULT_RETENTION
    ) -> tuple[str, ...]:
        """Clear closed incidents older than ``older_than`` seconds at ``at`` (AVG art. 5)."""
        cleared: tuple[str, ...] = self.execute(Retention(at=at, older_than=older_than))
        return cleared

    def snapshot(self) -> int:
        """Write a snapshot of the live state now; returns its sequence number."""
        self._require_open()
        if self._snap != self._seq:
            self._store.put_snapshot(self._seq, dump(self.export_state()))
            self._snap = self._seq
        return self._seq

    def close(self) -> None:
        """Close the file. Every acknowledged command is already in it."""
        if not self._closed:
            self._closed = True
            self._store.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------ internals

    def _require_open(self) -> None:
        if self._closed:
            raise JournalWriteError(f"{self.path}: the journal is closed")

    def _apply(self, item: Change | Command) -> Any:
        if isinstance(item, _CHANGES):
            return apply_change(self._h, item, self._relay)  # type: ignore[arg-type]
        return self._relay.handle(item)  # type: ignore[arg-type]

    def _failed_deliveries(self, incidents: tuple[str, ...]) -> list[int]:
        """The failed deliveries of incidents that retention just cleared (their Fail reasons)."""
        return [
            record.delivery.id
            for incident in incidents
            for record in self._relay.incident(incident).deliveries
            if record.status is DeliveryStatus.FAILED
        ]

    def _decode_verified(
        self, seq: int, tag: str, version: int, payload: str, personal: Sequence[tuple[str, str]]
    ) -> Any:
        """Decode an event whose rows passed their checksums (what Store.events yields).

        Those bytes are what :meth:`execute` wrote for a value that had passed
        every validator, so the trusted decoder rebuilds it without running
        them again. Anything it does not expect falls back to :meth:`_decode`,
        which decodes strictly: same value, or an error naming the field.
        """
        if version == EVENT_VERSION:
            try:
                return decode_trusted(tag, parse_event(payload, personal))
            except Exception:  # the strict decoder below says what it was
                pass
        return self._decode(seq, tag, version, payload, personal)

    def _decode(
        self, seq: int, tag: str, version: int, payload: str, personal: Sequence[tuple[str, str]]
    ) -> Any:
        where = f"event {seq}"
        if version > EVENT_VERSION:
            raise NewerSchemaError(
                f"{where} has version {version}; this version reads up to {EVENT_VERSION}",
                found=version,
                supported=EVENT_VERSION,
                source=self.path,
            )
        try:
            data = loads(payload, "the payload")
            if personal:
                restore(data, personal)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise CorruptStateError(f"{where}: {exc}", source=self.path, seq=seq) from None
        try:
            return decode_event(tag, data, where=where)
        except CorruptStateError as exc:
            raise CorruptStateError(exc.problem, source=self.path, seq=seq) from None

    def _load(self) -> tuple[Hierarchy, Relay, int, int]:
        """The state the file holds: the newest usable snapshot plus the tail."""
        store = self._store
        floor = store.floor
        problems: list[str] = []
        base: tuple[Hierarchy, Relay, int] | None = None
        for seq, body, crc in store.snapshots():
            if seq < floor:
                break
            try:
                if snapshot_crc(seq, body) != crc:
                    raise CorruptStateError("fails its checksum")
                state = loads(body, "its body")
                if not isinstance(state, dict) or state.get("seq") != seq:
                    raise CorruptStateError("is not the snapshot it claims to be")
                h, relay = state_from(
                    state, settings=self._settings, policy=self._policy, config=self._config
                )
            except (StateError, ValueError) as exc:
                # An older snapshot plus a longer tail gives the same state.
                problems.append(f"snapshot {seq} {exc}")
                continue
            base = (h, relay, seq)
            break
        if base is None:
            if floor >= 0:
                detail = "; ".join(problems) or "none is left"
                raise CorruptStateError(
                    f"no usable snapshot at or after event {floor}, where replay must start "
                    f"({detail})",
                    source=store.path,
                    seq=floor,
                )
            h = Hierarchy(self._settings)
            base = (h, Relay(h, policy=self._policy, config=self._config), 0)
        h, relay, start = base
        self._h, self._relay = h, relay
        with _collector.paused():  # replay makes no cycles; see routing.gcpause
            seq = self._replay(store, start)
        return h, relay, seq, start

    def _replay(self, store: Store, start: int) -> int:
        """Apply every event after ``start``; the sequence number of the last."""
        seq = start
        decode, apply = self._decode_verified, self._apply  # looked up once, not per event
        for seq, tag, version, payload, personal in store.events(start):
            item = decode(seq, tag, version, payload, personal)
            try:
                apply(item)
            except (
                RoutingError,
                TypeError,
                ValueError,
                KeyError,
                IndexError,
                AttributeError,
            ) as exc:
                # AttributeError too: replay no longer re-checks the types of a
                # verified row, so a forged one may fail in the engine instead.
                raise CorruptStateError(
                    f"event {seq} ({tag}) does not replay: {exc}", source=store.path, seq=seq
                ) from None
        return seq

    def _recover(self) -> None:
        """After a failed write: make the live state what the file holds again."""
        store = self._store
        try:
            if store.conn.in_transaction:
                store.conn.execute("ROLLBACK")
            self._h, self._relay, self._seq, self._snap = self._load()
        except BaseException:
            # The file cannot be read back either: stop rather than run on a
            # state nobody can reproduce.
            self.close()
            raise

    def _auto_snapshot(self) -> None:
        # The command is already acknowledged; a failed snapshot only means a
        # longer replay next time, so it must not look like a failed command.
        try:
            self.snapshot()
        except Exception as exc:  # reported as a warning, not swallowed
            warnings.warn(f"{self.path}: snapshot failed: {exc}", RuntimeWarning, stacklevel=3)

    def _scrub(self) -> None:
        try:
            done = self._store.scrub()
        except Exception as exc:  # the erasure is committed; see below
            done = False
            reason = str(exc)
        else:
            reason = "another process has the journal open"
        if not done:
            # The erased rows are gone from every query; their bytes may still
            # sit in the WAL or free pages until the next open finishes this.
            warnings.warn(
                f"{self.path}: erased data not yet scrubbed from the files: {reason}",
                RuntimeWarning,
                stacklevel=3,
            )
