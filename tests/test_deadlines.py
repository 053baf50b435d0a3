"""Deadlines are computed, not walked (R8 reminders): no tick can hang the relay."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.engine.commands import Tick
from routing.engine.followup import next_after
from routing.engine.outputs import IncidentOpened, Reminder
from routing.engine.policies import Never
from routing.relay import Relay, RelayConfig
from routing.testing import Harness, melding, zoomwijck


def walked(start: float, every: float, now: float) -> float:
    """The naive model: step one interval at a time."""
    following = start + every
    while following <= now:
        following += every
    return following


@given(
    start=st.floats(0, 1e6),
    every=st.floats(1.0, 1e5),
    steps=st.floats(0, 500),
)
def test_next_after_is_the_walk(start: float, every: float, steps: float) -> None:
    now = start + steps * every
    got = next_after(start, every, now)
    assert got > now
    # One of the schedule's instants start + k * every, k >= 1 ...
    k = round((got - start) / every)
    assert k >= 1
    assert got == pytest.approx(start + k * every, rel=1e-12)
    # ... and the first after now: the one before is not later than now (to
    # a float's rounding, where now falls on an instant itself).
    assert k == 1 or start + (k - 1) * every <= now + 1e-9 * max(1.0, now)
    # The walk agrees but for that rounding: at most one interval apart.
    assert abs(got - walked(start, every, now)) <= every * (1 + 1e-9)


@given(now=st.floats(1e15, 1e300))
def test_next_after_beyond_float_resolution_still_moves_on(now: float) -> None:
    got = next_after(0.0, 3600.0, now)
    assert got > now


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail (rather than hang the suite) if the body takes minutes."""

    def hung(*_: object) -> None:
        raise AssertionError("the tick walked its deadlines")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("at", [1.7e12, 2e19, 1e300])
def test_R8_a_tick_far_ahead_reminds_once_and_returns(alarm: None, at: float) -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Never(), config=RelayConfig(reminder_after=60.0)))
    incident = h.one(h.report(town.resident("wg-noord-1"), melding()), IncidentOpened).incident
    out = h.run(Tick(at=at))
    assert [o.incident for o in out if isinstance(o, Reminder)] == [incident]
    following = h.relay.next_deadline()
    assert following is not None
    assert following > at
    # The next tick a minute on reminds again: the schedule still runs.
    if at + 60.0 > at:
        again = h.run(Tick(at=following))
        assert any(isinstance(o, Reminder) for o in again)
