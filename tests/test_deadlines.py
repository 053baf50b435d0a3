"""Deadlines are computed, not walked (R8 reminders): no tick can hang the relay."""

from __future__ import annotations

import math
import signal
import sys
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.checks import MAX_SECONDS
from routing.engine.commands import Tick
from routing.engine.followup import next_after
from routing.engine.outputs import IncidentOpened, Reminder
from routing.engine.policies import Never
from routing.errors import InvalidValueError
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


def test_R8_a_tick_at_the_furthest_time_reminds_once_and_returns(alarm: None) -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Never(), config=RelayConfig(reminder_after=60.0)))
    incident = h.one(h.report(town.resident("wg-noord-1"), melding()), IncidentOpened).incident
    out = h.run(Tick(at=MAX_SECONDS))
    assert [o.incident for o in out if isinstance(o, Reminder)] == [incident]
    following = h.relay.next_deadline()
    assert following is not None
    assert following == pytest.approx(MAX_SECONDS + 60.0)
    # The state still exports: no deadline became infinite.
    h.relay.export_state()


@pytest.mark.parametrize("at", [MAX_SECONDS * 1.0001, 1.7e12, 2e19, 1e300, sys.float_info.max])
def test_a_time_past_the_bound_is_refused_before_anything_changes(at: float) -> None:
    with pytest.raises(InvalidValueError, match="3,170 years"):
        Tick(at=at)
    with pytest.raises(InvalidValueError):
        Tick(at=-at)


@pytest.mark.parametrize("field", ["decision_timeout", "reminder_after", "duplicate_window"])
@pytest.mark.parametrize("value", [0, -1.0, math.inf, math.nan, 1e300, "60", True])
def test_a_timeout_must_be_a_positive_bounded_number_of_seconds(field: str, value: object) -> None:
    with pytest.raises(InvalidValueError, match=field):
        RelayConfig(**{field: value})
