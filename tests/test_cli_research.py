"""The research commands (routing.cli.research): simulate split by gemeente, sweep, plots."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import sys
from pathlib import Path

import pytest
from rich.console import Console

from routing.cli import main
from routing.errors import InvalidValueError
from routing.sim.split import executor_for
from routing.sim.sweep import COLUMNS, MEASURES

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PHASE_1 = str(EXAMPLES / "zoomwijck.toml")
PHASE_2 = str(EXAMPLES / "zoomwijck-fase2.toml")
# CI installs the plot extra (.ci/run): there the plot tests must run, never skip.
HAS_MATPLOTLIB = bool(os.environ.get("CI")) or importlib.util.find_spec("matplotlib") is not None


def run(*argv: str) -> tuple[int, str]:
    console = Console(record=True, width=120, file=io.StringIO(), no_color=True)
    code = main(list(argv), console=console)
    return code, console.export_text()


def test_simulate_gives_the_same_figures_on_two_workers() -> None:
    one = run("simulate", "--weeks", "3", "--seed", "4", "--json")
    two = run("simulate", "--weeks", "3", "--seed", "4", "--json", "--workers", "2")
    assert one[0] == two[0] == 0
    assert json.loads(one[1]) == json.loads(two[1])
    assert json.loads(one[1])["incidents"] > 0


def test_simulate_says_which_figure_is_a_mean() -> None:
    code, text = run("simulate", PHASE_2, "--weeks", "4")
    assert code == 0
    row = next(line for line in text.splitlines() if "messages per member" in line)
    assert "mean " in row
    assert "p95 " in row


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="the plot extra is not installed")
def test_simulate_plots(tmp_path: Path) -> None:
    png = tmp_path / "year.png"
    code, text = run("simulate", PHASE_2, "--weeks", "2", "--plot", str(png))
    assert code == 0
    assert f"figures: {png}" in text.replace("\n", "")
    assert png.read_bytes().startswith(b"\x89PNG")


def _table(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_sweep_writes_a_tidy_table(tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    code, text = run(
        "sweep", "--structures", f"flat,wijkgroep-30,{PHASE_1}", "--policies", "ask,always",
        "--seeds", "0-1", "--weeks", "2", "--out", str(out),
    )  # fmt: skip
    assert code == 0
    rows = _table(out)
    assert tuple(rows[0]) == COLUMNS
    runs = {(r["structure"], r["policy"], r["seed"]) for r in rows}
    assert len(runs) == 3 * 2 * 2
    assert {r["structure"] for r in rows} == {"flat", "wijkgroep-30", "zoomwijck"}
    # Without the reading model its four measures have no rows.
    assert len(rows) == 12 * (len(MEASURES) - 4)
    assert {r["weeks"] for r in rows} == {"2.0"}
    flat = [r for r in rows if r["structure"] == "flat" and r["measure"] == "members"]
    assert {float(r["value"]) for r in flat} == {429.0}
    assert f"{len(rows):,} rows" in text


def test_sweep_reads_a_toml_grid_and_flags_override_it(tmp_path: Path) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text(
        'structures = ["town"]\npolicies = ["siblings"]\nseeds = [3, 5]\nweeks = 1\n'
        "reading = true\n",
        encoding="utf-8",
    )
    out = tmp_path / "grid.csv"
    assert run("sweep", str(grid), "--seeds", "7", "--out", str(out))[0] == 0
    rows = _table(out)
    assert {(r["structure"], r["policy"], r["seed"]) for r in rows} == {("town", "siblings", "7")}
    assert "members_left" in {r["measure"] for r in rows}


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="the plot extra is not installed")
def test_sweep_plots(tmp_path: Path) -> None:
    png = tmp_path / "grid.png"
    code, _ = run(
        "sweep", "--structures", "town,flat", "--weeks", "1", "--reading",
        "--out", str(tmp_path / "g.csv"), "--plot", str(png),
    )  # fmt: skip
    assert code == 0
    assert png.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "--structures", "castle", "--out", "x.csv"], "unknown structure 'castle'"),
        (["sweep", "--structures", "wijkgroep-2", "--out", "x.csv"], "at least 4"),
        (["sweep", "--policies", "maybe", "--out", "x.csv"], "unknown policy 'maybe'"),
        (["sweep", "--seeds", "a-b", "--out", "x.csv"], "--seeds"),
        (["sweep", "--weeks", "0", "--out", "x.csv"], "--weeks"),
        (["sweep", "--weeks", "1", "--out", "x.txt"], ".csv or .parquet"),
        (["simulate", "--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_research_input_is_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, _ = run(*argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert message in err


def test_a_scheduler_without_distributed_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    with (
        pytest.raises(InvalidValueError, match=r"pip install .*\[dask\]"),
        executor_for(scheduler="tcp://127.0.0.1:8786"),
    ):
        pass
    code, _ = run("simulate", "--scheduler", "tcp://127.0.0.1:8786")
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "distributed" in err


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="the plot extra is not installed")
def test_the_flat_vs_hierarchy_example_saves_its_figure(tmp_path: Path) -> None:
    import subprocess

    png = tmp_path / "flat.png"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "flat_vs_hierarchy.py"), "--plot", str(png)],
        cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert png.read_bytes().startswith(b"\x89PNG")
