"""How long a year of a national instance takes to simulate.

Run::

    python benchmarks/bench_simulate.py              # national: 342 gemeenten, 1.4 M members
    python benchmarks/bench_simulate.py --scale 0.1  # a tenth of that
    python benchmarks/bench_simulate.py --profile    # where the time goes

It builds the synthetic Netherlands of ``bench_model.py`` (342 gemeenten,
about 13,800 wijkgroepen, 1.4 million members) through the public API, then
runs :func:`routing.sim.simulate.simulate` for ``--weeks`` (52 by default) with
the default :class:`~routing.sim.simulate.SimConfig`: about 200,000 incidents a
year with their decisions, reactions, confirmations and afloops.

It prints the build time, the simulation time, the numbers of incidents and
commands, the commands per second, and whether the target of issue 5 is met:
one national year in at most 60 s. ``--profile`` runs the simulation under
cProfile and prints the top functions, to see the simulator's own overhead
beside the relay's.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import time
from pathlib import Path

# The national builder lives beside this file; benchmarks are scripts, not a package.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_model import build, names_for, plan

from routing.sim.simulate import SimConfig, simulate
from routing.testing import plain_constructors

TARGET_SECONDS = 60.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = national (default)")
    ap.add_argument("--weeks", type=float, default=52.0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument(
        "--confirm", action="store_true", help="also send a Confirm per melding delivery"
    )
    ap.add_argument("--profile", action="store_true", help="profile the simulation")
    ap.add_argument(
        "--plain-constructors",
        action="store_true",
        help="also run it with the outputs built by attrs (interleaved, --rounds times each): "
        "the saving of routing.engine.construct.fast_constructor",
    )
    ap.add_argument("--rounds", type=int, default=1, help="timed runs (default 1)")
    args = ap.parse_args(argv)

    p = plan(args.scale)
    t0 = time.perf_counter()
    h = build(p, names_for(p))
    built = time.perf_counter() - t0
    groups = sum(1 for _ in h.groups())
    print(
        f"hierarchy: {p.gemeenten} gemeenten, {len(p.wijken)} wijken, {groups:,} groups, "
        f"{len(h):,} members; built in {built:.1f} s"
    )

    config = SimConfig(confirm=args.confirm)
    profiler = cProfile.Profile() if args.profile else None
    times: list[float] = []
    plain_times: list[float] = []
    for _ in range(max(1, args.rounds)):
        gc.collect()
        t0 = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        result = simulate(h, config, seed=args.seed, weeks=args.weeks)
        if profiler is not None:
            profiler.disable()
        times.append(time.perf_counter() - t0)
        if args.plain_constructors:
            gc.collect()
            with plain_constructors():
                t0 = time.perf_counter()
                plain = simulate(h, config, seed=args.seed, weeks=args.weeks)
                plain_times.append(time.perf_counter() - t0)
            assert plain == result, "the plain constructors changed the run"
    took = min(times)
    if plain_times:
        print(
            f"fast constructors save {1 - min(times) / min(plain_times):.1%} (min of "
            f"{len(times)}: {min(times):.1f} s against {min(plain_times):.1f} s), "
            f"{1 - statistics.median(times) / statistics.median(plain_times):.1%} (median)"
        )

    n = len(result.incidents)
    print(
        f"simulated {args.weeks:g} weeks in {took:.1f} s: {n:,} incidents "
        f"({result.police_notices:,} police notices), {result.commands:,} commands "
        f"({result.commands / took / 1000:.0f} k/s), {result.refused} refused"
    )
    print(
        f"reach beyond the origin: p50 {result.reach.p50:.0f} s, p95 {result.reach.p95:.0f} s, "
        f"max {result.reach.max:.0f} s; messages per member per week: "
        f"mean {result.messages_per_member_week.mean:.2f}, "
        f"p95 {result.messages_per_member_week.p95:.1f}"
    )
    print(
        f"decisions {result.decisions:,} ({result.decisions_by_default:,} by default), "
        f"duplicate 112 calls avoided {result.duplicate_calls_avoided:,}, "
        f"left without afloop {result.without_afloop:,}"
    )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    national = args.scale == 1.0 and args.weeks == 52.0
    ok = took <= TARGET_SECONDS
    label = f"one national year in <= {TARGET_SECONDS:.0f} s"
    label += "" if national else " (not national)"
    print(f"  {'met    ' if ok else 'NOT MET'}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
