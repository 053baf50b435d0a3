"""The benchmarks still run: `national.py --quick` and a small `bench_journal.py`, end to end.

A benchmark nobody runs rots quietly: an API changes, the script breaks, and
the next person to need the figures finds out. This runs it at small sizes
(a few seconds) in a child process, as a user would, and checks that it
finishes and prints a verdict for every target of issue 7. Whether a target
is met is not checked here: that depends on the machine, and a quick run is
not the national instance the targets are defined on.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "national.py"

# The seven targets of issue 7, by the start of their label.
TARGETS = (
    "wijk-level report <= 10 µs",
    "each further group <= 0.25 µs",
    "growth <= 2x",
    "bytes per member <= 200",
    "national build <= 3 s",
    "journal append >= 5,000 commands/s",
    "journal replay >= 100,000 events/s",
)


def run(script: str, *args: str) -> str:
    """What ``benchmarks/<script> args`` prints, run as a user would; it must succeed."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT.with_name(script)), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,  # a hang guard only: a loaded machine is slow, not wrong
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_national_benchmark_quick_run_prints_every_target(tmp_path: Path) -> None:
    out = tmp_path / "national.json"
    stdout = run("national.py", "--quick", "--json", str(out), "--dir", str(tmp_path))
    verdicts = re.findall(r"^  (met    |NOT MET)  (.+)$", stdout, re.MULTILINE)
    assert len(verdicts) == len(TARGETS), stdout
    for (_, label), target in zip(verdicts, TARGETS, strict=True):
        assert label.startswith(target), label

    results = json.loads(out.read_text(encoding="utf-8"))
    assert [t["met"] for t in results["targets"]] == [v == "met    " for v, _ in verdicts]
    for level in ("wijkgroep", "wijk", "gemeente"):
        cases = results["levels"][level]["cases"]
        # blinker and PyPubSub are optional peers; the relay, networkx (a
        # dependency) and the floor are always measured.
        assert {"relay", "networkx", "floor"} <= set(cases)
        assert all(c["message_s"]["min"] > 0 for c in cases.values())


def test_journal_benchmark_small_run_prints_its_floor_and_targets(tmp_path: Path) -> None:
    small = ["--commands", "300", "--repeats", "1", "--start-events", "0"]
    stdout = run("bench_journal.py", *small, "--dir", str(tmp_path))
    floors = re.findall(r"^  floor: .+: +([\d,]+) / +[\d,]+ events/s", stdout, re.MULTILINE)
    assert len(floors) == 5, stdout
    assert all(int(rate.replace(",", "")) > 0 for rate in floors)
    assert "least a JSON replay could take:" in stdout
    assert re.search(r"^target replay >= 100,000/s: (met|NOT MET)$", stdout, re.MULTILINE)
    assert list(tmp_path.iterdir()) == []  # the journal and the floor's table are gone


def test_bench_distributed_runs_small() -> None:
    out = run("bench_distributed.py", "--scale", "0.01", "--weeks", "1")
    assert "the same merged result with every executor" in out
    assert "projected national year on 32 workers" in out
    assert "a national year on 2 workers in <= 30 s" in out
