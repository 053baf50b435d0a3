"""The command line as its users expect it (issue 17): --version, completion,
help with defaults, "did you mean", --json with a schema, and the defects
found trying it (--width 0, "1 groepen", "P2: P2:", trailing spaces)."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from routing.cli import main
from routing.cli.app import parser
from routing.cli.common import console_for, version
from routing.cli.names import group_named as resolve_group
from routing.cli.names import member_named as resolve_member
from routing.errors import UnknownGroupError, UnknownMemberError
from routing.hierarchy.config import load_hierarchy

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FASE2 = str(EXAMPLES / "zoomwijck-fase2.toml")


def run(*argv: str) -> tuple[int, str]:
    console = Console(record=True, width=120, file=io.StringIO(), no_color=True)
    code = main(list(argv), console=console)
    return code, console.export_text()


def fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code, text = run(*argv)
    err = capsys.readouterr().err
    assert code == 2
    assert text == ""
    assert err.count("\n") == 1
    assert "Traceback" not in err
    return err


def parsers(p: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield p
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from parsers(sub)


def test_every_argument_of_every_command_has_help() -> None:
    ap, _ = parser()
    seen = 0
    for p in parsers(ap):
        for action in p._actions:
            seen += 1
            assert action.help, f"{p.prog}: {action.dest} has no help"
    assert seen > 30


def test_help_shows_defaults_but_not_empty_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["trace", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "(default: ask)" in out
    assert "(default: 0)" in out
    assert "(default: None)" not in out
    assert "(default: False)" not in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"buurtrouting {version()}"
    assert version()[0].isdigit()


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_completion_prints_a_script_for_each_shell(shell: str) -> None:
    buffer = io.StringIO()
    code = main(["completion", shell], console=Console(file=buffer))
    out = buffer.getvalue()
    assert code == 0
    assert "buurtrouting" in out
    assert "explain" in out


def test_completion_for_an_unknown_shell_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "invalid choice" in fails(["completion", "fish"], capsys)


@pytest.mark.parametrize("width", ["0", "-1", "wide"])
def test_a_width_below_1_is_a_usage_error_naming_width(
    width: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--width 0 once printed nothing and exited 0."""
    assert "--width" in fails(["show", FASE2, f"--width={width}"], capsys)


def test_an_unknown_group_says_which_was_meant(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("explain", "trace"):
        err = fails([command, FASE2, "--from", "Wijkgroep Vlinderbuurd"], capsys)
        assert err == (
            "buurtrouting: error: unknown group 'Wijkgroep Vlinderbuurd'; "
            "did you mean 'Wijkgroep Vlinderbuurt'?\n"
        )


def test_resolve_group_and_member() -> None:
    h = load_hierarchy(FASE2)
    assert resolve_group(h, "Stuurgroep Zoomwijck") == "Stuurgroep Zoomwijck"
    with pytest.raises(UnknownGroupError) as e:
        resolve_group(h, "stuurgroep zoomwijk")
    assert e.value.suggestions == ("Stuurgroep Zoomwijck",)
    cees = resolve_member(h, "Cees Verhoef")
    assert h.name(cees) == "Cees Verhoef"
    with pytest.raises(UnknownMemberError, match="did you mean 'Cees Verhoef'"):
        resolve_member(h, "Cees Verhoeff")
    with pytest.raises(UnknownMemberError) as nobody:
        resolve_member(h, "Zzzz")
    assert str(nobody.value) == "unknown member: 'Zzzz'"


def test_P2_is_named_once_in_a_police_notice_from_a_stuurgroep() -> None:
    """The hop once read [P2 police notice down: P2: politiebericht, ...]."""
    code, text = run("explain", FASE2, "--from", "Stuurgroep Zoomwijck")
    assert code == 0
    assert "[P2 police notice down: politiebericht" in text
    assert "P2: P2" not in text
    assert "P2: politiebericht" not in text


def test_one_decision_point_and_one_group_are_singular() -> None:
    code, text = run("explain", FASE2, "--from", "Stuurgroep Zoomwijck")
    assert code == 0
    assert "1 decision point (R5, R6)" in text
    assert "1 decision points" not in text
    code, text = run("trace", FASE2, "--from", "Wijkgroep Vlinderbuurt", "--policy", "never")
    assert code == 0
    assert "to 1 group (R8)" in text


def test_plain_output_has_no_trailing_spaces() -> None:
    for argv in (
        ["trace", "--plain", "--width", "60"],
        ["explain", FASE2, "--from", "Wijkgroep Vlinderbuurt", "--plain", "--width", "60"],
        ["show", FASE2, "--members", "--table", "--plain", "--width", "60"],
    ):
        ap, handlers = parser()
        args = ap.parse_args(argv)
        buffer = io.StringIO()
        assert handlers[args.command](args, console_for(args, buffer)) == 0
        lines = buffer.getvalue().splitlines()
        assert len(lines) > 5
        assert [line for line in lines if line != line.rstrip()] == []


def test_show_json_has_the_hierarchy_and_a_schema() -> None:
    code, text = run("show", FASE2, "--json", "--members")
    assert code == 0
    data = json.loads(text)
    assert data["schema"] == "routing.show/1"
    assert data["members"] == 92
    (gemeente,) = data["gemeenten"]
    (wijk,) = gemeente["wijken"]
    (sg,) = wijk["stuurgroepen"]
    assert wijk["regiegroep"]["id"] == "Regiegroep Zoomwijck"
    assert sg["wijkgroepen"][0]["id"] == "Wijkgroep Vlinderbuurt"
    assert sum(wg["size"] for wg in sg["wijkgroepen"]) >= 92
    assert any(m["name"] == "Cees Verhoef" for m in sg["members"])


def test_trace_json_has_the_whole_incident() -> None:
    code, text = run("trace", FASE2, "--from", "Wijkgroep Vlinderbuurt", "--seed", "1", "--json")
    assert code == 0
    data = json.loads(text)
    assert data["schema"] == "routing.trace/1"
    melding = [d for d in data["deliveries"] if d["kind"] == "melding"]
    assert {d["group"] for d in melding} <= set(data["reached"])
    hops = [hop for d in melding for hop in d["route"]]
    assert all(d["route"][0]["from"] is None for d in melding)
    assert hops[0]["to"] == "Wijkgroep Vlinderbuurt"
    assert all("decision" in hop for hop in hops)
    assert data["casushouders"][0]["wijkgroep"] == "Wijkgroep Vlinderbuurt"
    assert "pending" in data
    assert data["afloop"] is (data["closed_at"] is not None)
    assert data["outcome"]["id"] == data["id"]


@pytest.mark.parametrize(
    ("argv", "schema"),
    [
        (["explain", FASE2, "--from", "Wijkgroep Vlinderbuurt", "--json"], "routing.explain/1"),
        (["simulate", "--weeks", "2", "--json"], "routing.simulate/1"),
    ],
)
def test_every_json_document_has_a_schema(argv: list[str], schema: str) -> None:
    code, text = run(*argv)
    assert code == 0
    assert json.loads(text)["schema"] == schema


def installed() -> str:
    found = shutil.which("buurtrouting", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("buurtrouting is not installed beside this Python")
    return found


def test_the_installed_command_prints_its_version_and_completion() -> None:
    exe = installed()
    done = subprocess.run(
        [exe, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("buurtrouting ")
    done = subprocess.run(
        [exe, "completion", "bash"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert "complete" in done.stdout


def test_the_installed_command_fails_in_one_line_with_exit_2() -> None:
    exe = installed()
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [exe, "show", FASE2, "--width", "0"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "--width" in done.stderr
