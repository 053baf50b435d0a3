"""Commands are checked when they are built: a finite time, integer ids.

Every command passes these checks, so they have fast paths; the properties
here hold them equal to the plain rule for any value.
"""

from __future__ import annotations

import enum
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.checks import MAX_SECONDS
from routing.engine.commands import Confirm, Tick
from routing.errors import InvalidValueError


class _Number(enum.IntEnum):  # an int subclass that is not a bool
    SEVEN = 7


class _Seconds(float):  # a float subclass, as numpy.float64 is
    pass


values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats().map(_Seconds),
    st.integers(),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 10**400]),
    st.booleans(),
    st.just(_Number.SEVEN),
    st.text(max_size=3),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


def _is_time(value: object) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value) and abs(value) <= MAX_SECONDS
    except OverflowError:  # an int past the largest float
        return False


@given(values)
def test_a_command_time_is_any_bounded_number_as_a_float(value: object) -> None:
    if _is_time(value):
        at = Tick(at=value).at  # type: ignore[arg-type]
        assert type(at) is float
        assert at == float(value)  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidValueError):
            Tick(at=value)  # type: ignore[arg-type]


@given(values)
def test_an_id_is_an_int_sqlite_can_store_and_never_a_bool(value: object) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        assert Confirm(at=1.0, delivery=value).delivery == value
        assert Confirm(at=1.0, delivery=1, by=value).by == value
    else:
        with pytest.raises(InvalidValueError):
            Confirm(at=1.0, delivery=value)  # type: ignore[arg-type]
        if value is not None:  # by is optional
            with pytest.raises(InvalidValueError):
                Confirm(at=1.0, delivery=1, by=value)  # type: ignore[arg-type]
