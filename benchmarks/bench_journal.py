"""How fast the journal appends and replays, per durability setting.

Run::

    python benchmarks/bench_journal.py
    python benchmarks/bench_journal.py --commands 20000 --dir /var/tmp

It builds a town of two wijken and plays an evening of relay commands on it
(reports with a signalement, reactions, confirmations, afloops, ticks; one
in five commands opens an incident), through a :class:`~routing.journal.Journal`
on a file in ``--dir``:

* ``append``: commands per second acknowledged (applied, written, committed),
  once for each durability setting (``full``, ``normal`` = the default,
  ``off``), with the default snapshot interval;
* ``replay``: events per second when a journal is opened with no snapshot,
  so every event is read, checked, decoded and applied again;
* ``start``: the time to open the same journal from a snapshot plus a tail.

The apply step alone (``Relay.handle`` on the same commands, in memory) is
timed too, so the ratios say what durability costs over the engine. The
targets of issue 6 are printed as met or NOT MET: 5,000 commands/s appended
with the default durability, 100,000 events/s replayed.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from routing.changes import (
    CreateGemeentelijkeRegiegroep,
    CreateRegiegroep,
    CreateWijkgroep,
    FoundNeighbourhood,
    LoadMembers,
    apply_change,
)
from routing.commands import Afloop, Confirm, React, Report, Tick
from routing.journal import Journal
from routing.melding import Melding, Person
from routing.model import Hierarchy
from routing.outputs import Delivery, IncidentOpened, Step
from routing.policies import Always, ByStep, Never
from routing.relay import Relay
from routing.values import Applicant, MemberId

APPEND_TARGET = 5_000
REPLAY_TARGET = 100_000


def policy() -> ByStep:
    return ByStep({Step.TO_GEMEENTE: Never()}, default=Always())


def town() -> list[Any]:
    founders = [Applicant.registered(f"Stichter {i}") for i in range(3)]
    items: list[Any] = []
    for w in range(2):
        items.append(
            FoundNeighbourhood(
                gemeente="Tilburg", wijk=f"W{w}", wijkgroep=f"w{w}a", stuurgroep=f"s{w}",
                founders=founders,
            )
        )  # fmt: skip
        approvals = [3 * w, 3 * w + 1]
        items.append(
            CreateWijkgroep(by=3 * w, stuurgroep=f"s{w}", wijkgroep=f"w{w}b", approvals=approvals)
        )
    for w in range(2):
        for g in "ab":
            names = [f"Bewoner {w}{g}{i}" for i in range(200)]
            items.append(LoadMembers(wijkgroep=f"w{w}{g}", names=names))
        items.append(CreateRegiegroep(wijk=f"W{w}", regiegroep=f"r{w}"))
    items.append(CreateGemeentelijkeRegiegroep(gemeente="Tilburg", group="grg"))
    return items


def evening(n: int, seed: int = 1) -> list[Any]:
    """``n`` relay commands that are all accepted, built by running them in memory."""
    rng = random.Random(seed)
    h = Hierarchy()
    relay = Relay(h, policy=policy())
    for item in town():
        apply_change(h, item)
    residents = list(range(6, 806))
    open_incidents: list[tuple[str, MemberId]] = []
    deliveries: list[int] = []
    out: list[Any] = []
    t = 0.0
    while len(out) < n:
        t += 1.0
        roll = rng.random()
        reporter = MemberId(rng.choice(residents))
        if roll < 0.2 or not open_incidents:
            melding = Melding(
                category=rng.choice(["inbraak", "diefstal", "verdachte situatie", "vernieling"]),
                called_112=True,
                persons=[Person(sex="man", clothing="donkere jas", height_cm=180)],
                direction="richting station",
                text=f"Twee personen bij de achterdeur van nummer {rng.randrange(300)}",
                action="Ik blijf binnen en kijk mee.",
            )
            cmd: Any = Report(at=t, reporter=reporter, melding=melding)
        elif roll < 0.45:
            incident, who = rng.choice(open_incidents)
            cmd = React(at=t, member=who, incident=incident, text="Ze lopen nu richting park.")
        elif roll < 0.85 and deliveries:
            cmd = Confirm(at=t, delivery=deliveries.pop(rng.randrange(len(deliveries))))
        elif roll < 0.95:
            incident, who = open_incidents.pop(rng.randrange(len(open_incidents)))
            cmd = Afloop(at=t, by=who, incident=incident, text="Politie is ter plaatse geweest.")
        else:
            cmd = Tick(at=t)
        try:
            outputs = relay.handle(cmd)
        except Exception:
            continue
        for o in outputs:
            if isinstance(o, IncidentOpened) and o.casushouder is not None:
                open_incidents.append((o.incident, o.casushouder))
            elif isinstance(o, Delivery) and o.poster is not None:
                deliveries.append(o.id)
        out.append(cmd)
    return out


def in_memory(commands: list[Any]) -> float:
    h = Hierarchy()
    relay = Relay(h, policy=policy())
    for item in town():
        apply_change(h, item)
    start = time.perf_counter()
    for cmd in commands:
        relay.handle(cmd)
    return len(commands) / (time.perf_counter() - start)


def append(path: Path, commands: list[Any], durability: str, snapshot_every: int | None) -> float:
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
    with Journal.open(
        path,
        durability=durability,  # type: ignore[arg-type]
        policy=policy(),
        snapshot_every=snapshot_every,
    ) as j:
        for item in town():
            j.execute(item)
        start = time.perf_counter()
        for cmd in commands:
            j.execute(cmd)
        elapsed = time.perf_counter() - start
    return len(commands) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument(
        "--dir", default=None, help="where to put the journal (default: a temp dir)"
    )
    args = parser.parse_args()
    commands = evening(args.commands)
    print(f"{len(commands)} relay commands on a town of {len(town())} changes (800 residents)")
    engine = in_memory(commands)
    print(f"  engine alone (Relay.handle, in memory): {engine:>10,.0f} commands/s")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "bench.db"
        rates: dict[str, float] = {}
        for durability in ("full", "normal", "off"):
            rates[durability] = append(path, commands, durability, 10_000)
            print(
                f"  append, durability={durability:<6}: {rates[durability]:>10,.0f} commands/s"
                f"  ({engine / rates[durability]:.1f}x the engine's time)"
            )
        # Replay everything: a journal without snapshots.
        append(path, commands, "normal", None)
        events = len(commands) + len(town())
        start = time.perf_counter()
        with Journal.open(path, policy=policy()) as j:
            assert j.seq == events
        replay = events / (time.perf_counter() - start)
        size = os.path.getsize(path)
        print(f"  replay from nothing: {replay:>10,.0f} events/s ({size / events:.0f} bytes/event)")
        # Snapshot plus a short tail.
        with Journal.open(path, policy=policy()) as j:
            j.snapshot()
        start = time.perf_counter()
        with Journal.open(path, policy=policy()) as j:
            pass
        print(f"  start from a snapshot: {1000 * (time.perf_counter() - start):.1f} ms")
    ok = rates["normal"] >= APPEND_TARGET
    print(f"target append >= {APPEND_TARGET:,}/s (normal): {'met' if ok else 'NOT MET'}")
    ok = replay >= REPLAY_TARGET
    print(f"target replay >= {REPLAY_TARGET:,}/s: {'met' if ok else 'NOT MET'}")


if __name__ == "__main__":
    main()
