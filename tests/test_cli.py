"""The command line (routing.cli): content, exit codes, JSON, one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from routing.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FASE2 = str(EXAMPLES / "zoomwijck-fase2.toml")


def run(*argv: str) -> tuple[int, str]:
    console = Console(record=True, width=120, file=io.StringIO(), no_color=True)
    code = main(list(argv), console=console)
    return code, console.export_text()


def test_show_draws_the_hierarchy() -> None:
    code, text = run("show", FASE2, "--table")
    assert code == 0
    assert "Regiegroep Zoomwijck" in text
    assert "Wijkgroep Vlinderbuurt" in text
    assert "Groups" in text


def test_explain_shows_hops_and_decision_points() -> None:
    code, text = run(
        "explain", FASE2, "--from", "Wijkgroep Vlinderbuurt", "--category", "inbraak",
        "--direction", "richting park",
    )  # fmt: skip
    assert code == 0
    assert "Wijkgroep Bomenbuurt" in text
    assert "decision points" in text


def test_explain_json_is_valid() -> None:
    code, text = run("explain", FASE2, "--from", "Wijkgroep Vlinderbuurt", "--json", "--stop")
    assert code == 0
    data = json.loads(text)
    assert data["origin"] == "Wijkgroep Vlinderbuurt"
    assert [r["group"] for r in data["reached"]] == ["Wijkgroep Vlinderbuurt"]


def test_H3_explain_without_112_is_held() -> None:
    code, text = run("explain", FASE2, "--from", "Wijkgroep Vlinderbuurt", "--no-112")
    assert code == 0
    assert "112 not called" in text


def test_trace_built_in_scenario_renders_the_incident() -> None:
    code, text = run("trace", "--seed", "2")
    assert code == 0
    assert "wg-noord-1" in text
    assert "afloop" in text


def test_trace_json() -> None:
    code, text = run("trace", "--seed", "2", "--json", "--from", "rg-zoomwijck")
    assert code == 0
    data = json.loads(text)
    assert data["police"] is True


def test_simulate_json_is_deterministic() -> None:
    a = run("simulate", "--weeks", "8", "--seed", "3", "--json")
    b = run("simulate", "--weeks", "8", "--seed", "3", "--json")
    assert a[0] == 0
    assert a == b
    data = json.loads(a[1])
    assert data["weeks"] == 8
    assert "messages_per_member_week" in data


def test_simulate_table() -> None:
    code, text = run("simulate", FASE2, "--weeks", "4")
    assert code == 0
    assert "messages per member per week" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "missing.toml"], "No such file or directory"),
        (["explain", FASE2, "--from", "Nowhere"], "unknown group"),
        (["explain", FASE2, "--from", "Wijkgroep Vlinderbuurt", "--category", "brand"], "112"),
        (["explain", FASE2, "--from", "Wijkgroep Vlinderbuurt", "--category", "x"], "x"),
        (["simulate", "--weeks", "0"], "--weeks must be a positive number"),
        (["simulate", "--weeks", "many"], "invalid float"),
        (["bogus"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run(*argv)
    err = capsys.readouterr().err
    assert code == 2
    assert text == ""
    assert err.count("\n") == 1
    assert err.startswith("buurtrouting: error: ")
    assert message in err
    assert "Traceback" not in err


def test_a_bad_toml_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[gemeente]]\nname = \n", encoding="utf-8")
    code, _ = run("show", str(bad))
    err = capsys.readouterr().err
    assert code == 2
    assert "invalid TOML" in err
    assert err.count("\n") == 1


def test_python_m_routing_runs_as_a_program() -> None:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-m", "routing", "show", "nope.toml"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().startswith("buurtrouting: error:")
    done = subprocess.run(
        [sys.executable, "-m", "routing", "explain", FASE2, "--from", "Wijkgroep Vogelbuurt"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Wijkgroep Vogelbuurt" in done.stdout


@pytest.mark.parametrize(
    "nesting", ["a = " + "[" * 500 + "]" * 500, "a = " + "{b = " * 500 + "1" + "}" * 500]
)
def test_a_toml_file_nested_too_deep_is_one_line(
    nesting: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file nested 500 deep once printed a 3,000-line RecursionError traceback."""
    bad = tmp_path / "deep.toml"
    bad.write_text(nesting + "\n", encoding="utf-8")
    code, _ = run("show", str(bad))
    err = capsys.readouterr().err
    assert code == 2
    assert "nested too deep" in err
    assert err.count("\n") == 1
