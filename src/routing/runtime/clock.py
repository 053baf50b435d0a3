"""Where the runtime takes its time from: the real clock, or one a test turns.

The engine never reads a clock (it is sans-I/O: every command carries its
time). The runtime asks a :class:`Clock` instead, so an app passes the real
one and a test a :class:`FakeClock` that it moves by hand, or that moves
itself when the deadline loop sleeps.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable

from routing.domain.checks import seconds
from routing.errors import InvalidValueError

__all__ = ["Clock", "FakeClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """A source of time in seconds since the epoch, and a way to wait for it."""

    def now(self) -> float:
        """The time now."""
        ...

    def sleep(self, delay: float) -> None:
        """Wait ``delay`` seconds (a fake clock moves on instead)."""
        ...

    async def asleep(self, delay: float) -> None:
        """Wait ``delay`` seconds in asyncio (a fake clock moves on instead)."""
        ...


class SystemClock:
    """The real clock: :func:`time.time`, :func:`time.sleep`, :func:`asyncio.sleep`."""

    def now(self) -> float:
        return time.time()

    def sleep(self, delay: float) -> None:
        time.sleep(max(0.0, delay))

    async def asleep(self, delay: float) -> None:
        await asyncio.sleep(max(0.0, delay))

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock:
    """A clock for tests and simulations: it stands still until moved.

    :meth:`advance` and :meth:`set` move it; :meth:`sleep` and
    :meth:`asleep` move it by the delay at once, so a deadline loop driven by
    a fake clock runs through hours in no time. It never runs backwards.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = seconds(start, "start")

    def now(self) -> float:
        return self._now

    def advance(self, delay: float) -> float:
        """Move on ``delay`` seconds (not negative); returns the new time."""
        delay = seconds(delay, "delay")
        if delay < 0:
            raise InvalidValueError(delay, "a clock does not run backwards")
        self._now += delay
        return self._now

    def set(self, when: float) -> float:
        """Move to ``when`` (not before now); returns it."""
        return self.advance(seconds(when, "when") - self._now)

    def sleep(self, delay: float) -> None:
        self.advance(max(0.0, delay))

    async def asleep(self, delay: float) -> None:
        self.advance(max(0.0, delay))
        await asyncio.sleep(0)  # let other tasks run, as a real sleep would

    def __repr__(self) -> str:
        return f"FakeClock({self._now!r})"
