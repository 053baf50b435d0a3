"""The measured shortcut ``fast_constructor`` makes exactly what the plain constructor makes."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.engine.commands import Tick
from routing.engine.outputs import (
    Deliveries,
    IncidentOpened,
    fast_constructor,
    new_deliveries,
    new_incident_opened,
)
from routing.relay import Relay
from routing.testing import Harness, deliveries, melding, zoomwijck

texts = st.text(max_size=8)
members = st.none() | st.integers(0, 2**40)


@given(
    incident=texts, origin=texts, casushouder=members, police=st.booleans(),
    linked_to=st.none() | texts, at=st.floats(allow_nan=False),
)  # fmt: skip
def test_incident_opened_equals_the_plain_constructor(**fields: object) -> None:
    fast = new_incident_opened(**fields)
    plain = IncidentOpened(**fields)  # type: ignore[arg-type]
    assert type(fast) is IncidentOpened
    assert fast == plain
    assert hash(fast) == hash(plain)
    assert repr(fast) == repr(plain)
    assert attrs.asdict(fast) == attrs.asdict(plain)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.at = 0.0  # type: ignore[misc]


def test_positional_fields_in_the_class_order() -> None:
    fields = [a.name for a in attrs.fields(IncidentOpened)]
    values = ["i1", "wg", 3, False, None, 1.0]
    assert new_incident_opened(*values) == IncidentOpened(**dict(zip(fields, values, strict=True)))  # type: ignore[arg-type]


def test_deliveries_of_a_real_report_equal_the_plain_constructor() -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy))
    out = h.report(town.resident("wg-noord-1"), melding())
    batches = [o for o in out if isinstance(o, Deliveries)]
    assert batches
    for batch in batches:
        rec = batch._rec
        assert new_deliveries(rec) == Deliveries(rec) == batch
        assert list(new_deliveries(rec)) == list(Deliveries(rec))
        assert repr(new_deliveries(rec)) == repr(Deliveries(rec))
    assert deliveries(out)


def test_classes_with_checks_or_defaults_are_refused() -> None:
    """Skipping __init__ would skip a validator, a converter or a default factory."""
    with pytest.raises(TypeError, match="validators"):
        fast_constructor(Tick)

    @attrs.frozen
    class WithFactory:
        x: list[int] = attrs.field(factory=list)

    with pytest.raises(TypeError, match="factories"):
        fast_constructor(WithFactory)

    @attrs.frozen
    class WithDefault:
        x: int = 0

    assert fast_constructor(WithDefault)() == WithDefault()
    assert fast_constructor(WithDefault)(x=2) == WithDefault(x=2)


def test_a_whole_simulation_is_the_same_with_plain_constructors() -> None:
    """The shortcut changes nothing a run can see: every command's outputs are equal."""
    from routing.sim.simulate import SimConfig, simulate
    from routing.testing import plain_constructors

    town = zoomwijck(residents=20)
    config = SimConfig(keep_log=True, confirm=True)
    fast = simulate(town.hierarchy, config, seed=7, weeks=26.0)
    with plain_constructors() as swapped:
        assert swapped >= 10  # every new_* of outputs.py and route.py, in each user
        plain = simulate(town.hierarchy, config, seed=7, weeks=26.0)
    assert len(fast.log) > 100
    assert fast == plain
    # Both built their values alike: the plain run's are attrs' own.
    kinds = {type(o) for _, outputs in plain.log for o in outputs}
    assert IncidentOpened in kinds
