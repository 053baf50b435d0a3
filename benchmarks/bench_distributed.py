"""A national year split by gemeente: one worker against a pool, in one run.

Run::

    python benchmarks/bench_distributed.py                 # national, 1 and 2 workers
    python benchmarks/bench_distributed.py --workers 1,2   # the same
    python benchmarks/bench_distributed.py --scale 0.1     # a tenth of the country
    python benchmarks/bench_distributed.py --scheduler tcp://10.0.0.5:8786  # also a cluster

It builds the synthetic Netherlands of ``bench_model.py`` (342 gemeenten, 1.4
million members), then runs :func:`routing.sim.split.simulate_split` for
``--weeks`` (52) with the default :class:`~routing.sim.config.SimConfig`:
first how many cores' worth the machine gives that many processes (a
loop of pure Python run that many times at once against once), then with
one worker (the tasks one after the other in this process), then
with a process pool of each size in ``--workers``, alternately for
``--rounds`` rounds, so the machine's load hits every case alike. Every
merged result is checked to be the same as the one-worker one.

It prints each time, the speed-up against one worker from the same round,
what the parent does alone (cutting the hierarchy, merging), what one
gemeente year costs (from the one-worker run: median, mean, largest), and
what a national year would take on 8 and 32 workers: the measured costs
dealt out largest first to that many workers (as the pool does), plus the
parent's own part. The largest gemeente bounds it from below.

The targets: 2 workers at most 30 s, and at least 1.8 times as fast as one.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import statistics
import sys
import time
from pathlib import Path

# The national builder lives beside this file; benchmarks are scripts, not a package.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_model import build, names_for, plan

from routing.gcpause import paused
from routing.sim.config import SimConfig
from routing.sim.samples import Part, merge
from routing.sim.split import process_pool, run_parts, tasks_for

TARGET_SECONDS = 30.0
TARGET_SPEEDUP = 1.8


def spin(n: int) -> float:
    """Pure Python work of ``n`` steps; returns the seconds it took."""
    t0 = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return time.perf_counter() - t0


def parallelism(workers: int, n: int = 20_000_000) -> float:
    """How many cores' worth the machine gives ``workers`` processes right now.

    ``workers`` copies of the same loop at once, against one alone: 2.0 on
    two idle cores, less when others share them.
    """
    with process_pool(workers) as pool:
        pool.submit(spin, 1000).result()  # the processes are up
        alone = pool.submit(spin, n).result()
        t0 = time.perf_counter()
        list(pool.map(spin, [n] * workers))
        together = time.perf_counter() - t0
    return workers * alone / together


def makespan(costs: list[float], workers: int) -> float:
    """The time ``workers`` take for tasks of ``costs``, handed out largest first."""
    loads = [0.0] * workers
    for cost in sorted(costs, reverse=True):
        heapq.heapreplace(loads, loads[0] + cost)
    return max(loads)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = national (default)")
    ap.add_argument("--weeks", type=float, default=52.0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", default="2", help="pool sizes beside 1, e.g. 2 or 2,4")
    ap.add_argument("--rounds", type=int, default=1, help="alternating rounds (default 1)")
    ap.add_argument("--scheduler", default=None, help="also run on this Dask scheduler")
    args = ap.parse_args(argv)
    sizes = [int(w) for w in args.workers.split(",") if w.strip()]

    p = plan(args.scale)
    t0 = time.perf_counter()
    h = build(p, names_for(p))
    print(f"hierarchy: {p.gemeenten} gemeenten, {len(h):,} members; built in "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    config = SimConfig()
    for w in sizes:
        print(f"the machine gives {w} processes {parallelism(w):.2f} cores' worth "
              f"(the same loop {w} times at once, against once)")  # fmt: skip

    def one_run(workers: int) -> tuple[float, float, float, list[Part]]:
        gc.collect()
        t0 = time.perf_counter()
        tasks = tasks_for(h, config, seed=args.seed, weeks=args.weeks)
        cut = time.perf_counter() - t0
        if workers == 1:
            parts = run_parts(tasks)
        else:
            with process_pool(workers) as pool:
                parts = run_parts(tasks, pool)
        t1 = time.perf_counter()
        with paused():
            result = merge(parts, seed=args.seed, weeks=args.weeks)
        merged = time.perf_counter() - t1
        took = time.perf_counter() - t0
        nonlocal reference
        if reference is None:
            reference = result
        assert result == reference, "the merged result depends on the executor"
        return took, cut, merged, parts

    reference = None
    times: dict[int, list[float]] = {1: []}
    times.update({w: [] for w in sizes})
    costs: list[float] = []
    serial: list[float] = []
    speedups: dict[int, list[float]] = {w: [] for w in sizes}
    for r in range(max(1, args.rounds)):
        took, cut, merged, parts = one_run(1)
        times[1].append(took)
        costs = [part.seconds for part in parts]
        serial.append(cut + merged)
        print(f"round {r + 1}: 1 worker {took:.1f} s (cutting {cut:.1f} s, merging {merged:.1f} s)")
        for w in sizes:
            t, cut, merged, _ = one_run(w)
            times[w].append(t)
            speedups[w].append(took / t)
            print(f"round {r + 1}: {w} workers {t:.1f} s, {took / t:.2f}x one worker "
                  f"(cutting {cut:.1f} s, merging {merged:.1f} s)")  # fmt: skip
    if args.scheduler is not None:
        from distributed import Client

        with Client(args.scheduler) as client:
            t0 = time.perf_counter()
            tasks = tasks_for(h, config, seed=args.seed, weeks=args.weeks)
            parts = run_parts(tasks, client.get_executor())
            result = merge(parts, seed=args.seed, weeks=args.weeks)
            took = time.perf_counter() - t0
            assert result == reference, "the cluster's result differs"
            print(f"cluster at {args.scheduler}: {took:.1f} s, the same result")

    for w in sizes:
        print(f"the machine gives {w} processes {parallelism(w):.2f} cores' worth, after the runs")
    assert reference is not None
    print(f"{len(reference.incidents):,} incidents, {reference.commands:,} commands, "
          f"the same merged result with every executor")  # fmt: skip
    total = sum(costs)
    print(f"one gemeente year ({len(costs)} gemeenten, one worker): median "
          f"{statistics.median(costs):.3f} s, mean {statistics.mean(costs):.3f} s, "
          f"largest {max(costs):.3f} s; {total:.1f} s in all")  # fmt: skip
    parent = min(serial)
    for w in (2, 8, 32):
        print(f"projected national year on {w:>2} workers: {makespan(costs, w) + parent:.1f} s "
              f"(tasks {makespan(costs, w):.1f} s + parent {parent:.1f} s; "
              f"the largest gemeente alone {max(costs):.2f} s)")  # fmt: skip
    national = args.scale == 1.0 and args.weeks == 52.0
    suffix = "" if national else " (not national)"
    if 2 in times:
        best = min(times[2])
        ratio = max(speedups[2])
        print(f"  {'met    ' if best <= TARGET_SECONDS else 'NOT MET'}  a national year on 2 "
              f"workers in <= {TARGET_SECONDS:.0f} s: {best:.1f} s{suffix}")  # fmt: skip
        print(f"  {'met    ' if ratio >= TARGET_SPEEDUP else 'NOT MET'}  2 workers >= "
              f"{TARGET_SPEEDUP}x one worker (same round): {ratio:.2f}x{suffix}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
