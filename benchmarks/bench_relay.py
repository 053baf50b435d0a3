"""What a resident's report costs the relay, against bare fan-outs, and how it scales.

Run::

    python benchmarks/bench_relay.py                 # national scale, 23,000 groups
    python benchmarks/bench_relay.py --quick         # fewer repeats, smaller scaling

It builds synthetic hierarchies (gemeenten of ten wijken; per wijk one
stuurgroep with two wijkgroepen, one with three, and a regiegroep; a
gemeentelijke regiegroep per gemeente) and times, in one run with the cases
interleaved in every repeat so that drift on this shared machine hits them
all alike (min and median per report):

* ``bare``: a hand-written fan-out to the 6 groups of a wijk over
  precomputed lists, one tuple per group and hop: the floor;
* ``networkx``: the same fan-out found by walking the hierarchy's graph;
* ``blinker``: a signal per wijk with one receiver per group (if installed);
* ``pypubsub``: a topic per wijk with one listener per group (if installed);
* ``minimal report``: the same reports handled by one hand-written function
  that keeps the same state with nothing general (see :func:`minimal_report_case`):
  the least a complete report costs in Python on this machine;
* ``wijk report``: :meth:`Relay.handle` on a complete resident report, from
  the command to the deliveries with their routes, reaching the 6 groups of
  its wijk (the policy stops at the gemeentelijke regiegroep);
* ``gemeente report``: the same report spread gemeente-wide (61 groups),
  which gives the cost of each further group;
* ``... + tasks read``: both again, with the app reading every delivery's
  id, group, poster and text from the batch's columns (what posting
  needs), and ``... + Delivery values``: with the app making every
  ``Delivery`` value with its route of hops and decisions. The relay hands
  deliveries out as one ``Deliveries`` batch per command whose routes are
  made when read, so these show what reading costs the app;
* ``scaling``: the wijk report in hierarchies of 1,000, 10,000 and 100,000
  groups, from random origins all over each;
* ``history``: one relay takes ``--history`` wijk reports in a row, gc on,
  timed in blocks of 100: the cost near report 100 against the cost near
  the last, so a cost that grows with the incidents kept shows.

Origins are random wijkgroepen over the whole hierarchy. The garbage
collector stays on, as in an app, but the benchmark calls ``gc.freeze()``
after building everything (hierarchies, relays, commands), as an app should
after loading its hierarchy: see docs/performance.md. The incidents the
reports open are not frozen; they accumulate as in a long evening.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from routing.domain.melding import Melding, Person
from routing.domain.values import Applicant, MemberId
from routing.engine.commands import Report
from routing.engine.outputs import Deliveries, Step
from routing.engine.policies import Always, ByStep, Never, Policy
from routing.model import Hierarchy
from routing.relay import Relay, RelayConfig
from routing.testing import plain_constructors

GROUPS_PER_WIJK = 8  # 5 wijkgroepen, 2 stuurgroepen, 1 regiegroep
WIJKEN_PER_GEMEENTE = 10
Case = Callable[[int], float]  # run n operations, return seconds per operation

MELDING = Melding(
    category="inbraak",
    called_112=True,
    persons=[Person(sex="man", clothing="donkere jas, capuchon")],
    direction="richting het park",
    action="ik blijf binnen en houd de straat in de gaten",
)


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


WIJK_POLICY: Policy = ByStep({Step.TO_GEMEENTE: Never()}, default=Always())


def relay_case(
    h: Hierarchy, reporters: list[MemberId], policy: Policy, seed: int, read: str = ""
) -> Case:
    """Complete reports from random origins; commands are built outside the timing.

    ``read`` adds what an app does with the outputs, inside the timing:
    ``"tasks"`` reads every delivery's id, group, poster and text from the
    batch's columns (what posting needs); ``"values"`` makes every
    :class:`~routing.engine.outputs.Delivery` with its route of hops and decisions.
    """
    relay = Relay(h, policy=policy, config=RelayConfig(duplicate_window=1.0))
    rng = random.Random(seed)
    clock = [0.0]

    def run(n: int) -> float:
        commands = []
        for _ in range(n):
            clock[0] += 10.0
            commands.append(Report(at=clock[0], reporter=rng.choice(reporters), melding=MELDING))
        handle = relay.handle
        start = time.perf_counter()
        if read == "tasks":
            for cmd in commands:
                for o in handle(cmd):
                    if type(o) is Deliveries:
                        for _task in zip(o.ids, o.groups, o.posters, o.texts, strict=True):
                            pass
        elif read == "values":
            for cmd in commands:
                for o in handle(cmd):
                    if type(o) is Deliveries:
                        list(o)
        else:
            for cmd in commands:
                handle(cmd)
        return (time.perf_counter() - start) / n

    return run


def with_plain_constructors(case: Case) -> Case:
    """``case`` with the outputs built by their attrs constructors, not
    :func:`~routing.engine.construct.fast_constructor`: the shortcut's saving,
    measured in the same run (it stays only while it saves at least 5%)."""

    def run(n: int) -> float:
        with plain_constructors():
            return case(n)

    return run


def without_gc(case: Case) -> Case:
    """The same case with the garbage collector off while it runs: what GC costs."""

    def run(n: int) -> float:
        gc.disable()
        try:
            return case(n)
        finally:
            gc.enable()

    return run


def history(h: Hierarchy, reporters: list[MemberId], n: int) -> tuple[float, float, float]:
    """µs per report near report 100 and near report ``n`` (median of 5 blocks
    of 100 each), and the mean over all ``n``, collections included."""
    relay = Relay(h, policy=WIJK_POLICY, config=RelayConfig(duplicate_window=1.0))
    rng = random.Random(7)
    commands = [
        Report(at=10.0 * (i + 1), reporter=rng.choice(reporters), melding=MELDING)
        for i in range(max(n, 1100))
    ]
    gc.collect()
    gc.freeze()  # as measure() does: only the incidents of this run are new
    handle = relay.handle
    blocks = []
    for k in range(0, len(commands), 100):
        block = commands[k : k + 100]
        start = time.perf_counter()
        for cmd in block:
            handle(cmd)
        blocks.append((time.perf_counter() - start) / len(block) * 1e6)
    return statistics.median(blocks[1:6]), statistics.median(blocks[-5:]), statistics.mean(blocks)


def reached(h: Hierarchy, reporter: MemberId, policy: Policy) -> int:
    outputs = Relay(h, policy=policy).handle(Report(at=0, reporter=reporter, melding=MELDING))
    return sum(len(o) for o in outputs if isinstance(o, Deliveries))


def wijk_groups(h: Hierarchy, wijkgroep: str) -> list[str]:
    """The 6 groups a wijk report reaches, as the relay finds them."""
    wijk = h.wijk_of(wijkgroep) or ""
    regie = h.regiegroep_of(wijk)
    sg = h.stuurgroep_of(wijkgroep)
    others = [w for s in h.stuurgroepen_of(wijk) if s != sg for w in h.managed_wijkgroepen(s)]
    return [wijkgroep, *h.sibling_wijkgroepen(wijkgroep), *([regie] if regie else []), *others]


TEXT = "INBRAAK\n112 is gebeld ..."


def bare_case(h: Hierarchy, origins: list[str]) -> Case:
    """The least work a fan-out can do: one tuple per group and hop, over ready lists."""
    lists = [[(g, i) for i, g in enumerate(wijk_groups(h, o))] for o in origins]

    def run(n: int) -> float:
        k = len(lists)
        start = time.perf_counter()
        for i in range(n):
            origin = ("origin", None, i)
            out = []
            for target, by in lists[i % k]:
                out.append((i, target, TEXT, by, (origin, (target, by, i))))
        return (time.perf_counter() - start) / n

    return run


class _MinimalIncident:
    __slots__ = ("at", "casus", "deliveries", "fwd", "id", "melding", "origin", "text")

    def __init__(self, iid: str, origin: str, melding: Melding, at: float) -> None:
        self.id = iid
        self.origin = origin
        self.melding = melding
        self.at = at
        self.text = ""
        self.fwd = ""
        self.deliveries: tuple[Any, ...] = ()
        self.casus: dict[str, MemberId] = {}


def minimal_report_case(h: Hierarchy, reporters: list[MemberId], seed: int) -> Case:
    """The least a complete report can do in Python, written out in one function.

    The same commands as ``wijk report``, the same state kept, nothing
    general: the reporter's wijkgroep from a dict, the duplicate check (H4),
    an incident object, a SAAR text from one f-string, the deliveries as
    columns over a precomputed list of the wijk's groups, the duplicate
    index and the reminder on a heap. No validation, phases, decisions,
    routes, output values, rollback or policy. What the relay costs above
    this is what its generality costs.
    """
    home = {r: h.wijkgroep_of(r) for r in reporters}
    groups_of = {wg: tuple(wijk_groups(h, wg)) for wg in set(home.values())}
    incidents: dict[str, _MinimalIncident] = {}
    recent: dict[tuple[str, str], list[str]] = {}
    heap: list[tuple[float, int, str]] = []
    counts = [0, 0, 0]
    rng = random.Random(seed)
    clock = [0.0]

    def report(cmd: Report) -> tuple[Any, ...]:
        reporter, m, at = cmd.reporter, cmd.melding, cmd.at
        wg = home[reporter]
        key = (wg, m.category._name_)
        ids = recent.get(key)
        if ids:
            last = incidents[ids[-1]]
            if at - last.at <= 1.0:
                return ("joined", last.id)
        counts[0] += 1
        iid = f"I{counts[0]}"
        inc = _MinimalIncident(iid, wg, m, at)
        p = m.persons[0]
        text = inc.text = (
            f"{m.category._value_.upper()}\na) 112 is gebeld.\nb) Signalement en looprichting:\n"
            f"- Persoon: {p.sex._value_}, {p.clothing}\n- Looprichting: {m.direction}\n"
            f"c) Wat ik doe:\n{m.action}"
        )
        fwd = inc.fwd = f"Doorgestuurd uit {wg}:\n{text}"
        groups = groups_of[wg]
        n = len(groups)
        first = counts[1] + 1
        counts[1] += n
        batch = (iid, first, groups, (text,) + (fwd,) * (n - 1), (reporter,) * n, at)
        inc.deliveries = (batch,)
        inc.casus[wg] = reporter
        incidents[iid] = inc
        if ids is None:
            recent[key] = [iid]
        else:
            ids.append(iid)
        counts[2] += 1
        heapq.heappush(heap, (at + 3600.0, counts[2], iid))
        return (("opened", iid, wg, reporter, at), batch)

    def run(n: int) -> float:
        commands = []
        for _ in range(n):
            clock[0] += 10.0
            commands.append(Report(at=clock[0], reporter=rng.choice(reporters), melding=MELDING))
        start = time.perf_counter()
        for cmd in commands:
            report(cmd)
        return (time.perf_counter() - start) / n

    return run


def networkx_case(h: Hierarchy, origins: list[str]) -> Case:
    """The same fan-out found by walking the graph (networkx adjacency) each time."""
    g: Any = h.graph
    pred, succ = g.pred, g.succ

    def walk(wg: str, i: int) -> list[tuple[Any, ...]]:
        origin = ("origin", None, i)
        out = [(i, wg, TEXT, None, (origin,))]
        (sg,) = pred[wg]
        for w in succ[sg]:
            if w != wg and g.nodes[w]["kind"].name == "WIJKGROEP":
                out.append((i, w, TEXT, sg, (origin, (w, sg, i))))  # noqa: PERF401 - a walk
        for regie, data in succ[sg].items():
            if data["rel"].name != "SITS_IN":
                continue
            out.append((i, regie, TEXT, sg, (origin, (regie, sg, i))))
            for other in pred[regie]:
                if other == sg or g.nodes[other]["kind"].name != "STUURGROEP":
                    continue
                for w in succ[other]:
                    if g.nodes[w]["kind"].name == "WIJKGROEP":
                        hops = (origin, (regie, sg, i), (w, other, i))
                        out.append((i, w, TEXT, other, hops))
        return out

    def run(n: int) -> float:
        k = len(origins)
        start = time.perf_counter()
        for i in range(n):
            walk(origins[i % k], i)
        return (time.perf_counter() - start) / n

    return run


def blinker_case(h: Hierarchy, origins: list[str]) -> Case | None:
    try:
        import blinker
    except ImportError:
        return None
    signals = []
    keep: list[Any] = []  # blinker holds receivers weakly
    for o in origins:
        sig = blinker.Signal()
        for g in wijk_groups(h, o):

            def receiver(sender: Any, *, out: list[Any], i: int, _g: str = g) -> None:
                out.append((i, _g, TEXT, None, (("origin", None, i), (_g, None, i))))

            keep.append(receiver)
            sig.connect(receiver)
        signals.append(sig)

    def run(n: int) -> float:
        k = len(signals)
        start = time.perf_counter()
        for i in range(n):
            signals[i % k].send(None, out=[], i=i)
        return (time.perf_counter() - start) / n

    run.keep = keep  # type: ignore[attr-defined]
    return run


def pypubsub_case(h: Hierarchy, origins: list[str]) -> Case | None:
    try:
        from pubsub import pub
    except ImportError:
        return None
    topics = []
    keep: list[Any] = []  # pypubsub holds listeners weakly
    for j, o in enumerate(origins):
        topic = f"wijk{j}"
        for g in wijk_groups(h, o):

            def listener(out: list[Any], i: int, _g: str = g) -> None:
                out.append((i, _g, TEXT, None, (("origin", None, i), (_g, None, i))))

            keep.append(listener)
            pub.subscribe(listener, topic)
        topics.append(topic)
    send = pub.sendMessage

    def run(n: int) -> float:
        k = len(topics)
        start = time.perf_counter()
        for i in range(n):
            send(topics[i % k], out=[], i=i)
        return (time.perf_counter() - start) / n

    run.keep = keep  # type: ignore[attr-defined]
    return run


def measure(cases: dict[str, Case], repeats: int, batch: dict[str, int]) -> dict[str, list[float]]:
    for name, run in cases.items():  # warm up: first calls, lazily built caches
        run(max(1, batch[name] // 10))
    gc.collect()
    gc.freeze()  # the hierarchies, relays and commands are the app's long-lived data
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, run in cases.items():
            samples[name].append(run(batch[name]))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--groups", type=int, default=23_000, help="size of the main hierarchy")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--batch", type=int, default=2000, help="operations per timing")
    parser.add_argument("--quick", action="store_true", help="3 repeats, scaling up to 10,000")
    parser.add_argument(
        "--history", type=int, default=10_000, help="reports in a row for the history case"
    )
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    scale_sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]

    t0 = time.perf_counter()
    h, reporters = build(args.groups)
    scaled = {n: build(n) for n in scale_sizes}
    rng = random.Random(3)
    origins = [h.wijkgroep_of(r) for r in rng.sample(reporters, min(200, len(reporters)))]
    n_groups = sum(1 for _ in h.groups())
    small = reached(h, reporters[0], WIJK_POLICY)
    large = reached(h, reporters[0], Always())
    cases: dict[str, Case] = {f"bare ({small} groups)": bare_case(h, origins)}
    cases["networkx walk"] = networkx_case(h, origins)
    for name, make in (("blinker", blinker_case), ("pypubsub", pypubsub_case)):
        case = make(h, origins)
        if case is not None:
            cases[name] = case
        else:
            print(f"({name} is not installed: skipped)")
    wijk = f"wijk report ({small} groups)"
    gemeente = f"gemeente report ({large} groups)"
    minimal = f"minimal report ({small} groups)"
    cases[minimal] = minimal_report_case(h, reporters, 8)
    cases[wijk] = relay_case(h, reporters, WIJK_POLICY, 1)
    cases[gemeente] = relay_case(h, reporters, Always(), 2)
    cases["wijk report, gc off"] = without_gc(relay_case(h, reporters, WIJK_POLICY, 4))
    plain = "wijk report, plain constructors"
    cases[plain] = with_plain_constructors(relay_case(h, reporters, WIJK_POLICY, 1))
    plain_values = "wijk report + Delivery values, plain constructors"
    cases[plain_values] = with_plain_constructors(
        relay_case(h, reporters, WIJK_POLICY, 5, read="values")
    )
    read = {
        "tasks": ("wijk report + tasks read", "gemeente report + tasks read"),
        "values": ("wijk report + Delivery values", "gemeente report + Delivery values"),
    }
    for how, (w_name, g_name) in read.items():
        cases[w_name] = relay_case(h, reporters, WIJK_POLICY, 5, read=how)
        cases[g_name] = relay_case(h, reporters, Always(), 6, read=how)
    for n, (hn, rn) in scaled.items():
        cases[f"scaling: {n:,} groups"] = relay_case(hn, rn, WIJK_POLICY, n)
    built = time.perf_counter() - t0
    print(f"main hierarchy: {n_groups} groups, {len(h)} members; everything built in {built:.1f} s")

    batch = {
        name: args.batch // 10 if name.startswith("gemeente") else args.batch for name in cases
    }
    samples = measure(cases, repeats, batch)
    print(f"\n{'case':<30}{'min µs':>10}{'median µs':>12}")
    mins = {name: min(t) * 1e6 for name, t in samples.items()}
    meds = {name: statistics.median(t) * 1e6 for name, t in samples.items()}
    for name in cases:
        print(f"{name:<30}{mins[name]:>10.2f}{meds[name]:>12.2f}")

    bare = next(iter(cases))
    print("\nratios to the bare fan-out (min):")
    for name in cases:
        if name != bare:
            print(f"  {name:<28}{mins[name] / mins[bare]:>8.1f}x")
    if "blinker" in cases:
        print(
            f"wijk report / blinker: {mins[wijk] / mins['blinker']:.2f}x (min), "
            f"{meds[wijk] / meds['blinker']:.2f}x (median)"
        )
    print(
        f"wijk report / bare: {mins[wijk] / mins[bare]:.2f}x (min), "
        f"{meds[wijk] / meds[bare]:.2f}x (median)"
    )
    for fast, slow in ((wijk, plain), ("wijk report + Delivery values", plain_values)):
        print(
            f"fast constructors save {1 - mins[fast] / mins[slow]:.1%} of the {fast} (min), "
            f"{1 - meds[fast] / meds[slow]:.1%} (median)"
        )
    print(
        f"wijk report / minimal report: {mins[wijk] / mins[minimal]:.1f}x (min), "
        f"{meds[wijk] / meds[minimal]:.1f}x (median)"
    )
    further = (mins[gemeente] - mins[wijk]) / (large - small)
    further_med = (meds[gemeente] - meds[wijk]) / (large - small)
    print(f"per further group: {further:.3f} µs (min), {further_med:.3f} µs (median)")
    for how, (w_name, g_name) in read.items():
        extra = (mins[g_name] - mins[w_name]) / (large - small)
        print(f"  ... with the {how} read by the app: {extra:.3f} µs (min)")
    lo, hi = f"scaling: {scale_sizes[0]:,} groups", f"scaling: {scale_sizes[-1]:,} groups"
    growth = mins[hi] / mins[lo]
    growth_med = meds[hi] / meds[lo]
    print(
        f"growth {scale_sizes[0]:,} -> {scale_sizes[-1]:,} groups: {growth:.2f}x (min), "
        f"{growth_med:.2f}x (median)"
    )

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    # As in national.py and docs/performance.md: the median is what to expect
    # on this shared machine; the minimum is shown beside it.
    print("\ntargets of issue 3 (judged on the median; the minimum in brackets):")
    print(
        f"  <= 0.25 µs per further group:      {further_med:7.3f} µs ({further:.3f})  "
        f"{verdict(further_med <= 0.25)}"
    )
    print(
        f"  <= 2x growth, {lo[9:]} -> {hi[9:]}: {growth_med:7.2f}x ({growth:.2f}x)  "
        f"{verdict(growth_med <= 2)}"
    )

    early, late, mean = history(h, reporters, args.history)
    print(f"\nhistory: {args.history:,} wijk reports in a row on one relay, gc on (µs per report)")
    ratio = late / early
    print(
        f"  near report 100: {early:.2f}; near report {args.history:,}: {late:.2f} ({ratio:.2f}x)"
    )
    print(f"  mean over all, collections included: {mean:.2f}")


if __name__ == "__main__":
    main()
