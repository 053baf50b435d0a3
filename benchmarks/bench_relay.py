"""How much a resident's report costs the relay, and whether it grows with the hierarchy.

Run::

    python benchmarks/bench_relay.py --groups 23000
    python benchmarks/bench_relay.py --groups 1000
    python benchmarks/bench_relay.py --groups 100000

It builds a synthetic national hierarchy (gemeenten of ten wijken; per wijk
one stuurgroep with two wijkgroepen, one with three, and a regiegroep; a
gemeentelijke regiegroep per gemeente) with :meth:`Hierarchy.load_members`,
then times :meth:`Relay.handle` on fresh reports, from the command to the
deliveries with their routes:

* ``wijk``: a report that spreads through its wijk (6 groups reached; the
  policy stops at the gemeentelijke regiegroep);
* ``gemeente``: the same report spread gemeente-wide (71 groups), which gives
  the cost of each further group;
* ``bare``: a hand-written fan-out over precomputed lists that builds the
  same number of tuples for the wijk case, measured in the same run, so the
  ratio says what the relay's bookkeeping costs over the least Python can do.

Cases are interleaved in every repeat so drift in the machine hits them all;
min and median per report are printed. Reports go to wijkgroepen spread over
the whole hierarchy, so routing tables are built on the fly, as in life.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from routing.commands import Report
from routing.melding import Melding, Person
from routing.model import Hierarchy
from routing.outputs import Delivery, Step
from routing.policies import Always, ByStep, Never, Policy
from routing.relay import Relay, RelayConfig
from routing.values import Applicant, MemberId

GROUPS_PER_WIJK = 8  # 5 wijkgroepen, 2 stuurgroepen, 1 regiegroep
WIJKEN_PER_GEMEENTE = 10


def build(groups: int) -> tuple[Hierarchy, list[MemberId]]:
    """A hierarchy of about ``groups`` groups; returns it with one reporter per wijk."""
    h = Hierarchy()
    wijken = max(1, round(groups / GROUPS_PER_WIJK))
    reporters: list[MemberId] = []
    founders = [Applicant.registered(f"lid {i}") for i in range(3)]
    gemeenten: dict[str, list[str]] = {}
    for w in range(wijken):
        gemeente = f"G{w // WIJKEN_PER_GEMEENTE}"
        wijk = f"W{w}"
        layout = (
            (f"sa{w}", [f"a{w}.{i}" for i in range(2)]),
            (f"sb{w}", [f"b{w}.{i}" for i in range(3)]),
        )
        for sg, wgs in layout:
            ids = h.found_neighbourhood(
                gemeente=gemeente, wijk=wijk, wijkgroep=wgs[0], stuurgroep=sg, founders=founders
            )
            for wg in wgs[1:]:
                h.create_wijkgroep(ids[0], sg, wg, approvals=ids)
            for wg in wgs:
                h.load_members(wg, [f"{wg} bewoner {i}" for i in range(3)])
        h.create_regiegroep(wijk, f"r{w}")
        reporters.append(h.residents(f"a{w}.0")[-1])
        gemeenten.setdefault(gemeente, []).append(wijk)
    for gemeente in gemeenten:
        h.create_gemeentelijke_regiegroep(gemeente, f"grg-{gemeente}")
    return h, reporters


MELDING = Melding(
    category="inbraak",
    called_112=True,
    persons=[Person(sex="man", clothing="donkere jas, capuchon")],
    direction="richting het park",
    action="ik blijf binnen en houd de straat in de gaten",
)


def relay_case(h: Hierarchy, reporters: list[MemberId], policy: Policy) -> Callable[[int], float]:
    relay = Relay(h, policy=policy, config=RelayConfig(duplicate_window=1.0))
    clock = [0.0]
    step = max(1, len(reporters) // 97)  # walk the whole country, not one wijk

    def run(n: int) -> float:
        commands = []
        for i in range(n):
            clock[0] += 10.0
            reporter = reporters[(i * step + int(clock[0])) % len(reporters)]
            commands.append(Report(at=clock[0], reporter=reporter, melding=MELDING))
        handle = relay.handle
        start = time.perf_counter()
        for cmd in commands:
            handle(cmd)
        return (time.perf_counter() - start) / n

    return run


def reached(h: Hierarchy, reporter: MemberId, policy: Policy) -> int:
    outputs = Relay(h, policy=policy).handle(Report(at=0, reporter=reporter, melding=MELDING))
    return sum(1 for o in outputs if isinstance(o, Delivery))


def bare_case(groups: int) -> Callable[[int], float]:
    """The least work a fan-out to 6 groups can do: one tuple per group and hop."""
    targets = [(f"t{i}", i) for i in range(groups)]
    text = "INBRAAK\n..."

    def run(n: int) -> float:
        start = time.perf_counter()
        for i in range(n):
            origin = ("origin", None, i)
            out = []
            for target, by in targets:
                route = (origin, (target, by, i))
                out.append((i, target, text, by, route))
        return (time.perf_counter() - start) / n

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=23_000, help="size of the hierarchy")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--batch", type=int, default=2000, help="reports per timing")
    args = parser.parse_args()

    t0 = time.perf_counter()
    h, reporters = build(args.groups)
    built = time.perf_counter() - t0
    n_groups = sum(1 for _ in h.groups())
    print(f"hierarchy: {n_groups} groups, {len(h)} members, built in {built:.1f} s")

    wijk_policy = ByStep({Step.TO_GEMEENTE: Never()}, default=Always())
    small, large = reached(h, reporters[0], wijk_policy), reached(h, reporters[0], Always())
    cases: dict[str, Callable[[int], float]] = {
        f"bare ({small} groups)": bare_case(small),
        f"wijk ({small} groups)": relay_case(h, reporters, wijk_policy),
        f"gemeente ({large} groups)": relay_case(h, reporters, Always()),
    }
    for run in cases.values():  # warm up: build the routing tables the first reports need
        run(200)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, run in cases.items():
            batch = args.batch if "gemeente" not in name else max(1, args.batch // 10)
            samples[name].append(run(batch))
    print(f"{'case':<22}{'min µs':>10}{'median µs':>12}")
    for name, times in samples.items():
        print(f"{name:<22}{min(times) * 1e6:>10.2f}{statistics.median(times) * 1e6:>12.2f}")
    bare, wijk, gem = (statistics.median(t) for t in samples.values())
    print(f"per further group: {(gem - wijk) / (large - small) * 1e6:.3f} µs")
    print(f"wijk report / bare fan-out: {wijk / bare:.1f}x")


if __name__ == "__main__":
    main()
