"""routing.gcpause.paused: the one pause of the garbage collector (simulate, replay)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from routing.gcpause import paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield None
    if not was:
        gc.disable()


def test_a_pause_is_undone_also_after_an_error(collector_on: object) -> None:
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused():
        raise RuntimeError("stop")
    assert gc.isenabled()


def test_an_app_that_turned_the_collector_off_keeps_it_off(collector_on: object) -> None:
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()


def test_what_the_pause_kept_goes_to_the_oldest_generation(collector_on: object) -> None:
    """So the first collection after the pause does not walk it all again."""
    gc.collect()
    with paused():
        kept = [[i] for i in range(50_000)]
        assert gc.get_count()[0] >= 50_000
    assert gc.get_count()[0] < 1_000
    young = {id(o) for o in gc.get_objects(generation=0)}
    assert not any(id(o) in young for o in kept)
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(o) in oldest for o in kept[::1000])


def test_objects_the_app_froze_stay_frozen(collector_on: object) -> None:
    gc.collect()
    try:
        frozen = [[i] for i in range(1_000)]
        gc.freeze()
        before = gc.get_freeze_count()
        with paused():
            kept = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() == before
        assert frozen
        assert kept
    finally:
        gc.unfreeze()
