"""The split simulation on a Dask cluster: the same merged result as in one process.

Needs the ``dask`` extra, which CI installs (``.ci/run``); a bare install
skips it. The cluster is local: two worker processes on 127.0.0.1, no dashboard.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from routing.sim.config import Reading, SimConfig
from routing.sim.split import simulate_split
from routing.sim.sweep import sweep
from test_sim_split import BUSY, country

# CI installs the extra: there a missing engine is a failure, not a skip.
distributed = (
    importlib.import_module("distributed")
    if os.environ.get("CI")
    else pytest.importorskip("distributed")
)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.mark.parametrize(
    "config",
    [BUSY, SimConfig(rates={"inbraak": 3000.0}, reading=Reading(leave_per_message=0.05))],
    ids=["default model", "reading model"],
)
def test_a_cluster_gives_the_same_result_bit_for_bit(client: Any, config: SimConfig) -> None:
    h = country(gemeenten=3)
    here = simulate_split(h, config, seed=11, weeks=2)
    seen: list[tuple[float, int]] = []
    remote = simulate_split(
        h,
        config,
        seed=11,
        weeks=2,
        executor=client.get_executor(),
        progress=lambda d, n: seen.append((d, n)),
    )
    assert remote == here
    assert remote.to_dict(incidents=True) == here.to_dict(incidents=True)
    assert seen[-1] == (3, 3)
    # The cluster had its two worker processes.
    assert len(client.scheduler_info()["workers"]) == 2


def test_a_sweep_on_a_cluster(client: Any) -> None:
    structures = {"two": country(gemeenten=2), "one": country(gemeenten=1)}
    policies = {"ask": BUSY.policy}
    here = sweep(structures, policies, [0, 1], weeks=1, config=BUSY)
    remote = sweep(structures, policies, [0, 1], weeks=1, config=BUSY,
                   executor=client.get_executor())  # fmt: skip
    assert remote == here
    assert remote.rows() == here.rows()
    assert len(here.results) == 4
