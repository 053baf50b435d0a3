"""How long one command of the command line takes on a year's state file.

Run::

    python benchmarks/bench_cli.py
    python benchmarks/bench_cli.py --residents 82 --days 365 --repeats 9 --dir /var/tmp

It builds a town of about 600 members (:func:`routing.testing.zoomwijck`
with ``--residents`` residents per wijkgroep) and plays a year of
incidents through :class:`routing.runtime.Runtime` into one state file:
every day a few reports, each confirmed, its questions answered (forward or
not at random), every task confirmed, the afloop an hour later and its tasks
confirmed. Then a snapshot, and a tail of two more days after it, so that
opening the file is what it is on a normal evening: the newest snapshot plus
the events since.

Then it times, as separate processes started the way a person starts them
(``buurtrouting ... --state FILE``), from the start of the process to its end:

* ``python -c pass``: the interpreter alone, the floor under everything;
* ``import routing.cli``: the interpreter and the command line's imports;
* ``incidents``, ``tasks --as``, ``audit``: reading commands;
* ``tick``: a changing command (journaled before it prints);
* the same four again while ``buurtrouting serve`` holds the file open
  (``served``): the command line hands them to it over its socket
  (:mod:`routing.cli.thin`), so a process start costs only the interpreter
  and that client.

Every process runs from compiled bytecode, as an installed package does
(``PYTHONDONTWRITEBYTECODE`` is dropped and one warm-up run writes it).
The cold and the served rounds alternate (a server is started and stopped
for every round, since while it runs it answers every command).

Each is run ``--repeats`` times, interleaved, and reported as median and
the slowest (a noisy neighbour shows as spread), with the in-process cost of
opening the state file apart. The machine is shared: compare the rows with
each other, not with another run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from routing.cli.thin import socket_path
from routing.domain.melding import Category, Melding
from routing.domain.values import GroupKind
from routing.engine.commands import Afloop, Confirm, Decide, Report, Tick
from routing.engine.outputs import Deliveries, IncidentOpened, PendingDecision
from routing.runtime import FakeClock, Runtime
from routing.testing import zoomwijck

DAY = 86_400.0
START = 1_767_222_000.0  # 2026-01-01 00:00, Amsterdam
CATEGORIES = (Category.INBRAAK, Category.VERDACHTE_SITUATIE, Category.DIEFSTAL)


def build(path: str, residents: int, days: int, per_day: float, seed: int) -> dict[str, int]:
    """A year of incidents in a new state file at ``path``; counts of what went in."""
    rng = random.Random(seed)
    town = zoomwijck(residents=residents)
    h = town.hierarchy
    clock = FakeClock(START)
    counts = {"incidents": 0, "events": 0}
    with Runtime.open(path, hierarchy=h, clock=clock, durability="off") as rt:
        wijkgroepen = list(h.groups(GroupKind.WIJKGROEP))
        people = {
            w: [m for m in h.residents(w) if h.stuurgroep_membership(m) is None]
            for w in wijkgroepen
        }

        def confirm_all(outputs: tuple[object, ...]) -> None:
            for o in outputs:
                if isinstance(o, Deliveries):
                    for did, poster in zip(o.ids, o.posters, strict=True):
                        rt.submit(lambda at, d=did, p=poster: Confirm(at=at, delivery=d, by=p))

        def stop(day: int) -> None:
            if day == days - 2:
                rt.journal.snapshot()  # the tail: the last two days

        for day in range(days):
            stop(day)
            n = sum(1 for _ in range(4) if rng.random() < per_day / 4)
            for _ in range(n):
                clock.set(max(clock.now(), START + day * DAY + rng.uniform(8, 22) * 3600))
                w = rng.choice(wijkgroepen)
                reporter = rng.choice(people[w])
                melding = Melding(
                    category=rng.choice(CATEGORIES),
                    called_112=True,
                    direction="richting park",
                    action="ik houd de straat in de gaten",
                    text=f"gezien om {day}:{n}",
                )
                done = rt.submit(Report(at=rt.now(), reporter=reporter, melding=melding))
                opened = [o for o in done.outputs if isinstance(o, IncidentOpened)]
                if not opened:
                    continue
                counts["incidents"] += 1
                incident = opened[0].incident
                confirm_all(done.outputs)
                for q in [o for o in done.outputs if isinstance(o, PendingDecision)]:
                    if q.id not in {p.id for p in rt.relay.pending()}:
                        continue  # an earlier answer settled it
                    by = min(rt.relay.duty(q.decider))
                    yes = rng.random() < 0.5
                    answer = rt.submit(
                        lambda at, q=q, by=by, yes=yes: Decide(
                            at=at, by=by, decision=q.id, forward=yes
                        )
                    )
                    confirm_all(answer.outputs)
                clock.advance(3600)
                closing = rt.submit(
                    Afloop(at=rt.now(), by=reporter, incident=incident, text="Voorbij.")
                )
                confirm_all(closing.outputs)
            rt.submit(lambda at: Tick(at=at))
        counts["events"] = rt.journal.seq
        counts["members"] = len(rt.hierarchy)
    return counts


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env, check=False, timeout=120)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv}: exit {done.returncode}: {done.stderr.decode()[-300:]}")
    return took


class Served:
    """``buurtrouting serve`` on ``path`` while the block runs."""

    def __init__(self, cli: list[str], path: str, env: dict[str, str]) -> None:
        self.argv = [*cli, "serve", "--state", path, "--quiet"]
        self.socket = socket_path(path)
        self.env = env

    def __enter__(self) -> Served:
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start: {self.argv}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--residents", type=int, default=82, help="per wijkgroep")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=float, default=1.5, help="reports a day")
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default=None, help="where the state file goes")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = os.path.join(tmp, "buurt.db")
        t0 = time.perf_counter()
        counts = build(path, args.residents, args.days, args.per_day, args.seed)
        print(
            f"state file: {counts['members']} members, {counts['incidents']} incidents, "
            f"{counts['events']} events, {os.path.getsize(path) / 1e6:.1f} MB "
            f"(built in {time.perf_counter() - t0:.1f} s)"
        )
        opens: list[float] = []
        reads: list[float] = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            with Runtime.open(path) as rt:
                opens.append(time.perf_counter() - t)
                stuurgroep = next(rt.hierarchy.groups(GroupKind.STUURGROEP))
                member = min(rt.relay.duty(stuurgroep))
                someone = rt.hierarchy.name(member)
                last = rt.relay.incidents()[-1]
                t = time.perf_counter()
                rt.outbox(poster=member)
                rt.relay.pending()
                reads.append(time.perf_counter() - t)
        script = Path(sys.executable).with_name("buurtrouting")
        cli = [str(script)] if script.exists() else [sys.executable, "-m", "routing"]
        env = {**os.environ, "NO_COLOR": "1"}
        commands = {
            "incidents": [*cli, "incidents", "--state", path],
            "tasks --as": [*cli, "tasks", "--as", someone, "--state", path],
            "audit": [*cli, "audit", last, "--state", path, "--json"],
            "tick": [*cli, "tick", "--state", path],
        }
        cold = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import routing.cli": [sys.executable, "-c", "import routing.cli"],
            "import routing.cli.app": [sys.executable, "-c", "import routing.cli.app"],
            **commands,
        }
        served = {f"{name} (served)": argv for name, argv in commands.items()}
        # As an installed package runs: from its compiled bytecode, which the
        # first run writes (pip compiles at install; an editable checkout
        # does it on first import, unless this variable says not to).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for argv in cold.values():
            subprocess.run(argv, env=env, capture_output=True, check=False, timeout=120)
        times: dict[str, list[float]] = {name: [] for name in (*cold, *served)}
        for _ in range(args.repeats):
            for name, argv in cold.items():
                times[name].append(timed(argv, env))
            with Served(cli, path, env):
                for name, argv in served.items():
                    times[name].append(timed(argv, env))
        print(
            f"in process: opening the state file {statistics.median(opens) * 1e3:.0f} ms, "
            f"a member's tasks then {statistics.median(reads) * 1e3:.1f} ms (medians)"
        )
        floor = statistics.median(times["python -c pass"])
        print(
            f"{'command':<26} {'median':>9} {'slowest':>9} {'x python':>9}"
            "   target: well under 100 ms"
        )
        for name, ts in times.items():
            mid = statistics.median(ts)
            print(f"{name:<26} {mid * 1e3:7.0f} ms {max(ts) * 1e3:7.0f} ms {mid / floor:8.1f}x")


if __name__ == "__main__":
    main()
