"""The simulation (routing.sim.simulate): deterministic, nothing lost, metrics that add up."""

from __future__ import annotations

import gc
import random
import threading
import types

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import Afloop, Decide, IncidentClosed, Joined, Report
from routing.domain.values import GroupKind
from routing.engine.incident import Phase
from routing.engine.outputs import IncidentOpened
from routing.errors import InvalidValueError
from routing.sim.simulate import Delay, LoadSummary, SimConfig, SimResult, simulate, trace
from routing.testing import build_town, deliveries, melding, zoomwijck

LAYOUT = {
    "Zoomwijck": {
        "sg-noord": ["wg-noord-1", "wg-noord-2", "wg-noord-3"],
        "sg-zuid": ["wg-zuid-1", "wg-zuid-2"],
    },
    "Poortwijk": {"sg-poort": ["wg-poort-1", "wg-poort-2"]},
}

# Rates high enough that a few weeks of a small town hold dozens of incidents.
BUSY = SimConfig(
    rates={"inbraak": 4000.0, "verdachte persoon": 3000.0},
    police_rate=2.0,
    keep_log=True,
    confirm=True,
)


@pytest.fixture(scope="module")
def town_result() -> tuple[SimResult, object]:
    town = build_town(LAYOUT, residents=20)
    return simulate(town.hierarchy, BUSY, seed=7, weeks=4), town


def test_same_seed_same_result() -> None:
    h = build_town(LAYOUT, residents=20).hierarchy
    a = simulate(h, BUSY, seed=11, weeks=2)
    b = simulate(h, BUSY, seed=11, weeks=2)
    assert a == b
    assert len(a.incidents) > 10


def test_another_seed_another_run() -> None:
    h = build_town(LAYOUT, residents=20).hierarchy
    assert (
        simulate(h, BUSY, seed=1, weeks=2).incidents != simulate(h, BUSY, seed=2, weeks=2).incidents
    )


def test_the_global_random_is_never_touched() -> None:
    h = build_town(LAYOUT, residents=20).hierarchy
    random.seed(5)
    before = random.getstate()
    simulate(h, BUSY, seed=3, weeks=1)
    assert random.getstate() == before


def test_the_hierarchy_is_not_changed() -> None:
    h = build_town(LAYOUT, residents=20).hierarchy
    version = h.version
    simulate(h, BUSY, seed=3, weeks=1)
    assert h.version == version
    assert h.verify() == []


def test_no_incident_lost(town_result: tuple[SimResult, object]) -> None:
    """Every incident the relay opened is in the result, closed or counted as open (R8)."""
    result, _ = town_result
    opened = [o.incident for _, outs in result.log for o in outs if isinstance(o, IncidentOpened)]
    assert [i.id for i in result.incidents] == opened
    closed = {o.incident for _, outs in result.log for o in outs if isinstance(o, IncidentClosed)}
    assert {i.id for i in result.incidents if i.closed_at is not None} == closed
    assert result.without_afloop == sum(1 for i in result.incidents if i.closed_at is None)
    by_kind = result.afloop_by_casushouder + result.afloop_after_reminder
    assert by_kind + result.afloop_by_stuurgroep + result.without_afloop == len(result.incidents)
    assert result.refused == 0


def test_every_reached_wijkgroep_is_accounted_for(town_result: tuple[SimResult, object]) -> None:
    """The reach times name exactly the wijkgroepen that got a melding delivery."""
    result, town = town_result
    h = town.hierarchy  # type: ignore[attr-defined]
    delivered: dict[str, set[str]] = {}
    for _, outs in result.log:
        for o in deliveries(outs):
            delivered.setdefault(o.incident, set()).add(o.group)
    for inc in result.incidents:
        groups = delivered.get(inc.id, set())
        assert inc.groups == len(groups)
        wijkgroepen = {g for g in groups if h.kind(g) is GroupKind.WIJKGROEP}
        assert {g for g, _ in inc.reach} == wijkgroepen
        assert all(t >= 0 for _, t in inc.reach)
    beyond = sum(1 for i in result.incidents for g, _ in i.reach if g != i.origin)
    assert result.reach.count == beyond


def test_metrics_agree_with_the_event_log(town_result: tuple[SimResult, object]) -> None:
    result, _ = town_result
    decides = [c for c, outs in result.log if isinstance(c, Decide)]
    per_week = result.decisions_per_member_week
    assert per_week.mean * per_week.count * result.weeks == pytest.approx(len(decides))
    quiet = [
        c
        for c, outs in result.log
        if isinstance(c, Report)
        and not c.melding.called_112
        and any(isinstance(o, Joined) for o in outs)
    ]
    assert result.duplicate_calls_avoided == len(quiet) > 0
    afloops = [c for c, outs in result.log if isinstance(c, Afloop)]
    closed = sum(1 for i in result.incidents if i.closed_at is not None)
    assert len(afloops) == closed
    assert result.commands == len(result.log)
    messages = sum(len(deliveries(outs, None)) for _, outs in result.log)
    assert messages > 0


def test_H9_messages_per_member_count_everyone(town_result: tuple[SimResult, object]) -> None:
    result, town = town_result
    assert result.messages_per_member_week.count == len(town.hierarchy)  # type: ignore[attr-defined]
    m = result.messages_per_member_week
    assert 0 < m.p50 <= m.p95 <= m.max


def test_R5_R6_unavailable_stuurgroepen_leave_it_to_the_deadline() -> None:
    h = build_town(LAYOUT, residents=20).hierarchy
    nobody = SimConfig(rates={"inbraak": 4000.0}, police_rate=0.0, availability=0.0)
    result = simulate(h, nobody, seed=1, weeks=1)
    assert result.decisions > 0
    assert result.decisions == result.decisions_by_default
    assert result.decisions_per_member_week.max == 0


def test_G1_a_phase_1_neighbourhood_never_leaves_its_wijkgroep() -> None:
    h = build_town({"Zoomwijck": {"sg": ["wg"]}}, residents=40, regiegroepen=False).hierarchy
    result = simulate(h, SimConfig(rates={"inbraak": 3000.0}, police_rate=0.0), seed=2, weeks=2)
    assert result.incidents
    assert result.reach.count == 0


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32), availability=st.floats(0, 1))
def test_properties_hold_for_any_seed(seed: int, availability: float) -> None:
    h = zoomwijck().hierarchy
    config = SimConfig(rates={"inbraak": 5000.0}, police_rate=1.0, availability=availability)
    result = simulate(h, config, seed=seed, weeks=0.5)
    assert result.refused == 0
    assert result.decisions_by_default <= result.decisions
    for inc in result.incidents:
        assert inc.closed_at is None or inc.closed_at >= inc.opened_at
        assert inc.groups >= len(inc.reach)


def test_R8_trace_runs_one_incident_to_its_afloop() -> None:
    town = zoomwijck()
    t = trace(town.hierarchy, "wg-noord-1", melding(), seed=4)
    assert t.view.phase is Phase.CLOSED
    assert len(t.result.incidents) == 1
    assert t.view.origin == "wg-noord-1"
    assert town.hierarchy.verify() == []


def test_P1_P2_trace_of_a_police_notice_has_a_casushouder_per_wijkgroep() -> None:
    t = trace(zoomwijck().hierarchy, "rg-poortwijk", melding(), seed=1)
    assert t.view.police
    assert {w for w, _ in t.view.casushouders} == {"wg-poort-1", "wg-poort-2"}


def test_trace_from_a_wijkgroep_without_residents_is_refused() -> None:
    h = build_town({"Zoomwijck": {"sg": ["wg", "wg-leeg"]}}, residents=0).hierarchy
    with pytest.raises(InvalidValueError):
        trace(h, "wg-leeg", melding())


def test_bad_arguments_are_refused() -> None:
    h = zoomwijck().hierarchy
    with pytest.raises(InvalidValueError):
        simulate(h, weeks=0)
    with pytest.raises(InvalidValueError):
        SimConfig(availability=1.5)
    with pytest.raises(InvalidValueError):
        SimConfig(rates={"inbraak": -1.0})
    with pytest.raises(InvalidValueError):
        Delay(median=10.0, cap=5.0)


def test_delay_has_its_median() -> None:
    rng = random.Random(0)
    draw = Delay(median=60.0).sampler(rng)
    values = sorted(draw() for _ in range(4001))
    assert values[2000] == pytest.approx(60.0, rel=0.1)
    assert Delay(median=5.0, spread=0.0).draw(rng) == 5.0


def test_load_summary_weights() -> None:
    s = LoadSummary.weighted([(1.0, 3), (10.0, 1)])
    assert (s.count, s.mean, s.p50, s.p95, s.max) == (4, 3.25, 1.0, 10.0, 10.0)
    assert LoadSummary.of([]).count == 0


@given(st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False)))
def test_load_summary_of_values_is_weighted_by_one(values: list[float]) -> None:
    assert LoadSummary.of(values) == LoadSummary.weighted([(v, 1) for v in values])


def test_to_dict_is_plain_data(town_result: tuple[SimResult, object]) -> None:
    import json

    result, _ = town_result
    data = json.loads(json.dumps(result.to_dict(incidents=True)))
    assert data["incidents"] == len(result.incidents)
    assert len(data["incident_outcomes"]) == len(result.incidents)


def test_simulate_pauses_the_collector_only_while_it_runs() -> None:
    """A run pauses automatic collection and enables it again afterwards, also
    when the run fails; an app that turned the collector off keeps it off."""
    town = zoomwijck()
    seen: list[bool] = []

    def note(_: float) -> None:
        seen.append(gc.isenabled())

    was = gc.isenabled()
    try:
        gc.enable()
        simulate(town.hierarchy, seed=1, weeks=1, progress=note)
        assert seen
        assert not any(seen)
        assert gc.isenabled()

        def boom(_: float) -> None:
            raise RuntimeError("stop")

        with pytest.raises(RuntimeError):
            simulate(town.hierarchy, seed=1, weeks=1, progress=boom)
        assert gc.isenabled()
        gc.disable()
        simulate(town.hierarchy, seed=1, weeks=1)
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def _ours(o: object) -> bool:
    if isinstance(o, types.FrameType):
        return "routing" in o.f_code.co_filename
    if isinstance(o, types.FunctionType):
        return "routing" in o.__code__.co_filename
    return type(o).__module__.startswith("routing")


def _cycles_found() -> int:
    """What a full collection frees: all of it when this is the only thread;
    with others alive (the thread of a Dask client another test started), only
    what is routing's, since theirs is not the run's."""
    if threading.active_count() == 1:
        return gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return sum(1 for o in gc.garbage if _ours(o))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


@pytest.mark.parametrize("confirm", [False, True])
def test_a_run_makes_no_reference_cycles(confirm: bool) -> None:
    """What makes pausing the collector safe: at the run's end, with the
    relay and every incident still alive, a full collection finds nothing
    (the collector is paused, so every cycle the run made would be there)."""
    town = build_town(LAYOUT, residents=20).hierarchy
    found: list[int] = []
    gc.collect()

    def collect(_: float) -> None:
        found.append(_cycles_found())

    config = attrs.evolve(BUSY, confirm=confirm)
    result = simulate(town, config, seed=3, weeks=4, progress=collect)
    assert result.commands > 300
    assert result.decisions > 50
    assert result.police_notices > 0
    assert found
    assert found == [0] * len(found)
