"""The runtime: one object that runs a neighbourhood over its journal.

Theory of operation
-------------------

An app (a chat bot, the command line, a web service) opens a
:class:`Runtime` on one SQLite file and from then on only talks to it:

* **Time** comes from an injected :class:`~routing.runtime.clock.Clock`.
  :meth:`Runtime.now` never runs back before the last command's time, so a
  clock set back a little does not make the engine refuse commands as
  dated before their incident.
* **Commands and changes** go in through :meth:`Runtime.submit`, which
  journals them (:class:`~routing.persist.journal.Journal`) and hands back a
  :class:`Submitted`. A hierarchy change is followed by a
  :class:`~routing.engine.commands.Tick` at the same time, so what the
  change means for live incidents (a casushouder who left, a task that
  passes to the member on duty) comes out at once, not with the next
  command.
* **Intake keys.** A platform message carries an id; submitted with it as
  ``key``, the same message fed twice (a redelivery, a retry after a crash)
  makes one command: the second time :meth:`Runtime.submit` returns a
  :class:`Submitted` with ``duplicate`` true and executes nothing. The key
  is written in the event's own transaction, so there is no window in
  which the command is kept and its key is not.
* **The deadline loop.** :meth:`Runtime.tick` sends a Tick when a deadline
  (``Relay.next_deadline``) is due; :meth:`Runtime.serve` loops on it
  synchronously and :meth:`Runtime.run` in asyncio, woken early by every
  submission.
* **The outbox.** Every delivery waits until it is confirmed or failed:
  :meth:`Runtime.outbox` lists those still out, from the relay's own state,
  so after a restart the same tasks are offered again and nothing else.
* **Accounts and posts.** :attr:`Runtime.accounts` maps platform accounts to
  members; :meth:`Runtime.record_post` keeps what a transport posted with
  whose data. Erasing a member (:meth:`Runtime.erase`) drops their accounts
  and queues their posts for redaction (:meth:`Runtime.redactions`) in the
  erasing transaction (:mod:`routing.persist.side`).
* **Listeners** (:meth:`Runtime.subscribe`) hear every :class:`Submitted`,
  deadline ticks included: the place for a bot to post what comes out.

Nothing here is a thread: a runtime belongs to one thread or one event
loop, as its SQLite connection does.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Final, TypeAlias

import attrs

from routing.domain.values import MemberId
from routing.engine.commands import Command, Confirm, Fail, Tick
from routing.engine.outputs import Delivery, Output
from routing.engine.policies import Policy
from routing.errors import InvalidValueError, UnknownMemberError
from routing.hierarchy.changes import Change, Erase
from routing.model import Hierarchy
from routing.persist.document import state_of
from routing.persist.journal import Journal
from routing.persist.side import SideTables
from routing.persist.store import Durability
from routing.relay import Relay, RelayConfig

from .clock import Clock, SystemClock

__all__ = ["ANYONE", "Item", "Runtime", "Submitted"]

#: What :meth:`Runtime.submit` takes: a command or change, or a function of the time.
Item: TypeAlias = Command | Change | Callable[[float], Command | Change]

#: :meth:`Runtime.outbox` for every poster.
ANYONE: Final = object()

#: The longest the deadline loops sleep before they look at the clock again,
#: in case it was set forward.
MAX_NAP: Final = 60.0


@attrs.frozen(kw_only=True)
class Submitted:
    """What became of one submission.

    ``seq`` is the journal's sequence number of its event (of the first
    one, where a change was followed by a tick); ``result`` what it
    returned (a change's new ids, a command's outputs); ``outputs`` every
    output it and its tick produced. ``duplicate``: the intake key was
    taken in before, as event ``seq``; nothing was executed and
    ``outputs`` is empty.
    """

    seq: int
    result: Any
    outputs: tuple[Output, ...]
    at: float
    duplicate: bool = False
    key: str | None = None


class Runtime:
    """A neighbourhood, run over its journal file. Open it with :meth:`open`."""

    def __init__(self, journal: Journal, clock: Clock) -> None:
        # Private: use Runtime.open.
        self._journal = journal
        self._clock = clock
        self._last = _last_time(journal)
        self._listeners: list[Callable[[Submitted], None]] = []
        self._wake: asyncio.Event | None = None

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        hierarchy: Hierarchy | None = None,
        clock: Clock | None = None,
        policy: Policy | None = None,
        config: RelayConfig | None = None,
        durability: Durability = "normal",
    ) -> Runtime:
        """Open the journal at ``path``; create it from ``hierarchy`` if there is none.

        ``hierarchy`` is the neighbourhood a new journal starts from (a
        :func:`~routing.hierarchy.config.load_hierarchy` of its TOML file);
        it is ignored when the file exists. ``policy`` and ``config`` are the
        relay's and must be the same at every open (see
        :class:`~routing.persist.journal.Journal`). ``clock`` defaults to
        the real one.
        """
        fresh = not os.path.exists(path) or os.path.getsize(path) == 0
        if fresh:
            if hierarchy is None:
                raise InvalidValueError(
                    os.fspath(path), "no journal here yet: give the hierarchy to start from"
                )
            relay = Relay(hierarchy, policy=policy, config=config)
            journal = Journal.import_state(
                path,
                state_of(hierarchy, relay, seq=0),
                durability=durability,
                policy=policy,
                config=config,
            )
        else:
            journal = Journal.open(path, durability=durability, policy=policy, config=config)
        try:
            return cls(journal, clock if clock is not None else SystemClock())
        except BaseException:
            journal.close()
            raise

    # ------------------------------------------------------------ reading

    @property
    def journal(self) -> Journal:
        return self._journal

    @property
    def hierarchy(self) -> Hierarchy:
        """The live hierarchy; change it only through :meth:`submit`."""
        return self._journal.hierarchy

    @property
    def relay(self) -> Relay:
        """The live relay; feed it only through :meth:`submit`."""
        return self._journal.relay

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def accounts(self) -> SideTables:
        """Platform accounts and the members they are (:mod:`routing.persist.side`)."""
        return self._journal.side

    def now(self) -> float:
        """The clock's time, but never before the last command's."""
        return max(self._clock.now(), self._last)

    def outbox(self, poster: object = ANYONE) -> tuple[Delivery, ...]:
        """Deliveries neither confirmed nor failed, in the order handed out.

        ``poster``: only the tasks of that member (``None``: a bot's). The
        same tasks come out after a restart, until confirmed or failed.
        """
        tasks = self.relay.tasks()
        if poster is ANYONE:
            return tasks
        return tuple(d for d in tasks if d.poster == poster)

    def refresh(self) -> int:
        """Read the events another process appended to the journal since; how many.

        :meth:`submit` does this first, so that a server, a bridge and a
        command run beside them can share one file; a process that only
        reads (the relay, the outbox) calls it before it looks.
        """
        read = self._journal.refresh()
        if read:
            self._last = max(self._last, _last_time(self._journal))
        return read

    def next_deadline(self) -> float | None:
        """When a deadline is next due (``None``: none is set)."""
        return self.relay.next_deadline()

    # ------------------------------------------------------------ writing

    def submit(self, item: Item, *, key: str | None = None) -> Submitted:
        """Journal and apply a command or a hierarchy change; what became of it.

        ``item`` may be a function of the time: it is called with
        :meth:`now` (``lambda at: Report(at=at, ...)``). ``key`` is the
        intake key of the platform message it came from: a key taken in
        before executes nothing and returns that event's ``seq`` with
        ``duplicate`` true. A refusal raises with nothing changed.
        """
        self.refresh()
        at = self.now()
        if key is not None:
            seen = self._journal.seen(key)
            if seen is not None:
                return Submitted(seq=seen, result=None, outputs=(), at=at, duplicate=True, key=key)
        value = item(at) if callable(item) else item
        if not isinstance(value, Command | Change):
            raise InvalidValueError(value, "not a relay command or a hierarchy change")
        result = self._journal.execute(value, key=key)
        seq = self._journal.seq
        when = getattr(value, "at", None)
        if isinstance(when, float) and when > self._last:
            self._last = when
        # After a change: what it means for live incidents, now.
        changed = isinstance(value, Change)
        outputs: tuple[Output, ...] = (
            self._journal.handle(Tick(at=self.now())) if changed else result
        )
        done = Submitted(seq=seq, result=result, outputs=outputs, at=at, key=key)
        self._tell(done)
        return done

    def confirm(
        self, delivery: int, *, by: MemberId | None = None, key: str | None = None
    ) -> Submitted:
        """The delivery was posted (by ``by``; ``None``: a bot)."""
        return self.submit(lambda at: Confirm(at=at, delivery=delivery, by=by), key=key)

    def fail(self, delivery: int, reason: str, *, key: str | None = None) -> Submitted:
        """The delivery could not be posted, because ``reason``."""
        return self.submit(lambda at: Fail(at=at, delivery=delivery, reason=reason), key=key)

    def erase(self, member: int, *, by: int | str) -> str:
        """Erase ``member``'s personal data everywhere (AVG art. 17); their pseudonym.

        In one transaction: the journal's rows, their accounts, and their
        posts moved to :meth:`redactions` for the transport to redact.
        """
        done = self.submit(Erase(member=member, by=by))
        pseudonym: str = done.result
        return pseudonym

    def record_post(self, platform: str, ref: str, *, members: Iterable[int]) -> None:
        """A transport posted ``ref`` on ``platform`` with ``members``' personal data."""
        self._journal.side.record_post(platform, ref, members)

    def link(self, platform: str, account: str, member: int) -> None:
        """Say that ``account`` on ``platform`` is ``member`` of the hierarchy."""
        if member not in self.hierarchy:
            raise UnknownMemberError(member)
        self._journal.side.link(platform, account, member)

    def member_of(self, platform: str, account: str) -> MemberId | None:
        """The member ``account`` on ``platform`` is, if linked."""
        found = self._journal.side.member(platform, account)
        return None if found is None else MemberId(found)

    def redactions(self, platform: str) -> tuple[str, ...]:
        """Posts on ``platform`` that an erasure asks the transport to redact."""
        return self._journal.side.redactions(platform)

    def redacted(self, platform: str, ref: str) -> None:
        """The transport redacted ``ref`` on ``platform``."""
        self._journal.side.redacted(platform, ref)

    # ------------------------------------------------------------ deadlines

    def due(self) -> bool:
        """Whether a deadline is due now."""
        when = self.next_deadline()
        return when is not None and when <= self.now()

    def tick(self) -> tuple[Output, ...]:
        """Apply every deadline due now (one Tick); nothing if none is due."""
        if not self.due():
            return ()
        return self.submit(lambda at: Tick(at=at)).outputs

    def _delay(self) -> float | None:
        when = self.next_deadline()
        if when is None:
            return None
        return max(0.0, when - self.now())

    def serve(self, *, until: float | None = None, stop: threading.Event | None = None) -> int:
        """Run the deadline loop in this thread until the clock reaches ``until``
        or ``stop`` is set; returns how many ticks it sent.

        With neither, it runs until no deadline is left. Each nap lasts until
        the next deadline, and at most :data:`MAX_NAP` seconds.
        """
        ticks = 0
        while stop is None or not stop.is_set():
            if self.tick():
                ticks += 1
            delay = self._delay()
            if until is not None:
                left = until - self.now()
                if left <= 0:
                    break
                delay = left if delay is None else min(delay, left)
            elif delay is None:
                break
            nap = min(delay, MAX_NAP)
            if stop is not None and isinstance(self._clock, SystemClock):
                stop.wait(nap)
            else:
                self._clock.sleep(nap)
        return ticks

    async def run(self, stop: asyncio.Event) -> int:
        """The deadline loop in asyncio, until ``stop`` is set; returns the ticks sent.

        It sleeps until the next deadline (at most :data:`MAX_NAP`
        seconds) and wakes early when anything is submitted, since that may
        set an earlier deadline.
        """
        self._wake = wake = asyncio.Event()
        ticks = 0
        try:
            while not stop.is_set():
                if self.tick():
                    ticks += 1
                wake.clear()
                delay = self._delay()
                waits: list[asyncio.Future[Any]] = [
                    asyncio.ensure_future(stop.wait()),
                    asyncio.ensure_future(wake.wait()),
                ]
                if delay is not None:
                    waits.append(asyncio.ensure_future(self._clock.asleep(min(delay, MAX_NAP))))
                try:
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for w in waits:
                        w.cancel()
                    await asyncio.gather(*waits, return_exceptions=True)
        finally:
            self._wake = None
        return ticks

    # ------------------------------------------------------------ listeners

    def subscribe(self, listener: Callable[[Submitted], None]) -> Callable[[], None]:
        """Call ``listener`` with every :class:`Submitted` from now on; returns
        a function that unsubscribes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _tell(self, done: Submitted) -> None:
        if self._wake is not None:
            self._wake.set()
        for listener in tuple(self._listeners):
            listener(done)

    # ------------------------------------------------------------ closing

    def close(self) -> None:
        """Close the journal; every acknowledged command is already in it."""
        self._journal.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _last_time(journal: Journal) -> float:
    """The time of the journal's last dated event (0.0 if none), where
    :meth:`Runtime.now` starts."""
    seq = journal.seq
    for back in range(seq, max(0, seq - 8), -1):
        for _, item in journal.events(after=back - 1):
            at = getattr(item, "at", None)
            if isinstance(at, float):
                return at
            break
    return 0.0
