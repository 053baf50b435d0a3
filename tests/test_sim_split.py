"""A simulation split by gemeente (routing.sim.split): cut, seeded per gemeente, merged exactly."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from routing import Applicant, Hierarchy
from routing.domain.values import GroupKind
from routing.errors import InvalidValueError
from routing.hierarchy.split import split_by_gemeente
from routing.sim.config import Reading, SimConfig
from routing.sim.samples import merge
from routing.sim.simulate import simulate
from routing.sim.split import (
    gemeente_seed,
    process_pool,
    run_gemeente,
    run_parts,
    simulate_split,
    tasks_for,
)

BUSY = SimConfig(rates={"inbraak": 3000.0, "verdachte persoon": 2000.0}, police_rate=1.0)
READING = SimConfig(
    rates={"inbraak": 3000.0}, police_rate=1.0, reading=Reading(leave_per_message=0.05)
)


def country(gemeenten: int = 3, residents: int = 12) -> Hierarchy:
    """A few gemeenten of two wijken each, built interleaved so that no
    gemeente's member ids are consecutive."""
    h = Hierarchy()
    for w in range(2):
        for g in range(gemeenten):
            gemeente, wijk = f"gemeente-{g}", f"g{g}-wijk-{w}"
            sg, first = f"{wijk}/sg", f"{wijk}/wg-0"
            founders = [Applicant.registered(f"{wijk} lid {i}", buurt="oost") for i in range(3)]
            ids = h.found_neighbourhood(
                gemeente=gemeente, wijk=wijk, wijkgroep=first, stuurgroep=sg, founders=founders
            )
            h.create_wijkgroep(ids[0], sg, f"{wijk}/wg-1", approvals=ids)
            for k in range(2):
                h.load_members(
                    f"{wijk}/wg-{k}",
                    [f"{wijk} bewoner {k}.{i}" for i in range(residents + 5 * g)],
                    buurt="west" if k else "oost",
                )
            h.create_regiegroep(wijk, f"{wijk}/rg")
    for g in range(gemeenten):
        h.create_gemeentelijke_regiegroep(f"gemeente-{g}", f"gemeente-{g}/grg")
    return h


@pytest.fixture(scope="module")
def h() -> Hierarchy:
    return country()


def test_split_by_gemeente_partitions_groups_and_members(h: Hierarchy) -> None:
    parts = split_by_gemeente(h)
    assert [p.gemeente for p in parts] == list(h.gemeenten())
    assert sum(p.size for p in parts) == len(h)
    seen: set[int] = set()
    for part in parts:
        sub = Hierarchy.from_state(part.state)  # checked like any saved state
        assert sub.gemeenten() == (part.gemeente,)
        assert len(sub) == part.size
        assert set(sub.groups()) == {g for g in h.groups() if h.gemeente_of(g) == part.gemeente}
        # Ids are renumbered in order; the table maps them back to the same people.
        assert list(part.members) == sorted(part.members)
        for local, whole in enumerate(part.members):
            assert sub.member(local).name == h.member(whole).name
            assert sub.wijkgroep_of(local) == h.wijkgroep_of(whole)
        for sg in sub.groups(GroupKind.STUURGROEP):
            assert {part.members[m] for m in sub.admins(sg)} == set(h.admins(sg))
        seen.update(part.members)
    assert len(seen) == len(h)


def test_gemeente_seed_is_stable_and_per_gemeente() -> None:
    # A fixed value: the derivation must not change between processes or versions.
    assert gemeente_seed(1, "gemeente-0") == gemeente_seed(1, "gemeente-0")
    assert gemeente_seed(1, "Tilburg") == 0x21068108FC7F4070
    seeds = {gemeente_seed(s, g) for s in range(3) for g in ("a", "b", "c")}
    assert len(seeds) == 9
    assert all(0 <= s < 2**64 for s in seeds)


@pytest.mark.parametrize("config", [BUSY, READING], ids=["default model", "reading model"])
def test_merged_result_is_the_same_in_a_process_pool(h: Hierarchy, config: SimConfig) -> None:
    here = simulate_split(h, config, seed=7, weeks=3)
    with process_pool(2) as pool:
        pooled = simulate_split(h, config, seed=7, weeks=3, executor=pool)
    assert pooled == here
    assert pooled.to_dict(incidents=True) == here.to_dict(incidents=True)
    assert len(here.incidents) > 30
    assert here.members == len(h)
    assert here.seed == 7
    if config.reading is not None:
        assert here.reading is not None
        assert here.reading.left > 0
        assert here.reading.members[0] == len(h)


def test_a_thread_pool_and_any_order_give_the_same(h: Hierarchy) -> None:
    tasks = tasks_for(h, BUSY, seed=3, weeks=2)
    here = run_parts(tasks)
    with ThreadPoolExecutor(3) as pool:
        threaded = run_parts(tasks, pool)
    assert [p.name for p in threaded] == [t.part.gemeente for t in tasks]
    assert merge(threaded, seed=3, weeks=2) == merge(here, seed=3, weeks=2)
    # The summaries sort their samples: the order of the parts changes no figure.
    a, b = merge(here, seed=3, weeks=2), merge(here[::-1], seed=3, weeks=2)
    assert (a.reach, a.last_reach, a.messages_per_member_week, a.busiest) == (
        b.reach,
        b.last_reach,
        b.messages_per_member_week,
        b.busiest,
    )


def test_one_gemeente_is_the_run_of_that_gemeente_alone(h: Hierarchy) -> None:
    task = tasks_for(h, BUSY, seed=5, weeks=2)[1]
    alone = simulate(Hierarchy.from_state(task.part.state), BUSY, seed=task.seed, weeks=2)
    merged = merge([run_gemeente(task)], seed=task.seed, weeks=2)
    ids = task.part.members
    assert merged.busiest == tuple((ids[m], d, f) for m, d, f in alone.busiest)
    assert merged == type(alone)(**{**_fields(alone), "busiest": merged.busiest})


def _fields(result: object) -> dict[str, object]:
    import attrs

    return attrs.asdict(result, recurse=False)  # type: ignore[arg-type]


def test_the_merge_adds_the_gemeenten_up(h: Hierarchy) -> None:
    tasks = tasks_for(h, BUSY, seed=2, weeks=2)
    parts = run_parts(tasks)
    merged = merge(parts, seed=2, weeks=2)
    assert len(merged.incidents) == sum(len(p.result.incidents) for p in parts)
    assert merged.commands == sum(p.result.commands for p in parts)
    assert merged.reach.count == sum(p.result.reach.count for p in parts)
    assert merged.reach.max == max(p.result.reach.max for p in parts)
    assert merged.messages_per_member_week.count == len(h)
    # Incidents follow the gemeenten in name order; each origin names a group of the whole.
    origins = [h.gemeente_of(i.origin) for i in merged.incidents]
    assert origins == sorted(origins)


def test_progress_counts_gemeenten(h: Hierarchy) -> None:
    seen: list[tuple[float, int]] = []
    simulate_split(h, BUSY, seed=1, weeks=1, progress=lambda d, n: seen.append((d, n)))
    assert seen[0] == (0, 3)
    assert seen[-1] == (3, 3)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert all(d == int(d) for d, _ in seen)  # small gemeenten: one call each, at the end


def test_refused() -> None:
    h = country(gemeenten=1)
    with pytest.raises(InvalidValueError, match="keep_log"):
        simulate_split(h, SimConfig(keep_log=True))
    with pytest.raises(InvalidValueError, match="weeks"):
        simulate_split(h, weeks=0)
    with pytest.raises(InvalidValueError, match="workers"):
        process_pool(0)
