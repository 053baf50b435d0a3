"""The operating commands in process: output, JSON, exit codes, names, and
bad input that leaves the state file exactly as it was."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from routing.cli import EXIT_REFUSED, EXIT_STATE, main
from routing.persist.journal import Journal
from routing.present.data import incident_dict
from routing.runtime import Runtime

FASE2 = str(Path(__file__).resolve().parent.parent / "examples" / "zoomwijck-fase2.toml")
T0 = "1796300000"  # --at: the evening's start, in epoch seconds


def run(*argv: str, stdin: str | None = None, monkeypatch: Any = None) -> tuple[int, str]:
    console = Console(record=True, width=100, file=io.StringIO(), no_color=True)
    code = main(list(argv), console=console)
    return code, console.export_text()


@pytest.fixture
def state(tmp_path: Path) -> str:
    path = str(tmp_path / "buurt.db")
    code, text = run("init", FASE2, "--state", path, "--at", T0)
    assert code == 0, text
    return path


def op(state: str, *argv: str) -> tuple[int, str]:
    return run(*argv, "--state", state)


def snapshot(path: str) -> tuple[int, Any]:
    with Journal.open(path) as j:
        return j.seq, j.export_state()


def report(state: str, *extra: str) -> tuple[int, str]:
    return op(
        state, "report", "--as", "Farid el Amrani", "--category", "inbraak", "--called-112",
        "--at", T0, *extra,
    )  # fmt: skip


def test_init_refuses_an_existing_state_file(
    state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = op(state, "init", FASE2)
    assert code == 2
    assert "exists" in capsys.readouterr().err


def test_a_command_without_a_state_file_says_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("incidents", "--state", str(tmp_path / "none.db"))
    assert code == 2
    assert "buurtrouting init" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_report_prints_the_incident_its_task_and_the_questions(state: str) -> None:
    code, text = report(state)
    assert code == 0
    assert "I1: incident opened in Wijkgroep Vlinderbuurt; casushouder Farid el Amrani" in text
    assert "task 1: Farid el Amrani (#4) posts in Wijkgroep Vlinderbuurt" in text
    assert "question 1 for Stuurgroep Zoomwijck" in text


def test_json_output_has_a_schema_key(state: str) -> None:
    code, text = report(state, "--json")
    assert code == 0
    data = json.loads(text)
    assert data["schema"] == "routing.cli.report/1"
    assert [o["type"] for o in data["outputs"]][:2] == ["IncidentOpened", "Deliveries"]
    # audit/2: the incident document of trace --json.
    for command, version in (("incidents", 1), ("audit I1", 2), ("tasks --as #0", 1)):
        code, text = op(state, *command.split(), "--json")
        assert code == 0
        assert json.loads(text)["schema"] == f"routing.cli.{command.split()[0]}/{version}"


def test_audit_json_is_the_incident_document_of_trace(state: str) -> None:
    """One rule turns an incident into JSON (present.data.incident_dict); the
    audit prints it under its own schema, with each delivery's status."""
    report(state)
    op(state, "confirm", "1")
    code, text = op(state, "audit", "I1", "--json")
    assert code == 0
    audit = json.loads(text)
    with Runtime.open(state) as rt:
        expected = incident_dict(rt.relay.incident("I1"))
    assert audit == {**expected, "schema": "routing.cli.audit/2"}
    assert list(audit)[:2] == ["schema", "id"]
    (first,) = audit["deliveries"]
    assert (first["id"], first["status"], first["posted_by"]) == (1, "confirmed", 4)
    assert {"text", "reason", "route", "police", "bot"} <= set(first)


def test_an_unknown_name_gets_a_did_you_mean(
    state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(state)
    code, _ = op(state, "report", "--as", "Farid el Amran", "--category", "inbraak", "--called-112")
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "did you mean 'Farid el Amrani'?" in err
    code, _ = report(state)
    code, _ = op(state, "forward", "I1", "--to", "Wijkgroep Bomenbuurd", "--as", "Anna de Wit")
    assert code == 2
    assert "did you mean 'Wijkgroep Bomenbuurt'?" in capsys.readouterr().err
    assert snapshot(state)[0] == before[0] + 1  # only the good report


def test_a_refusal_exits_3_with_its_rule_and_changes_nothing(
    state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report(state)
    before = snapshot(state)
    code, _ = op(state, "afloop", "I1", "klaar", "--as", "#7")  # not the casushouder
    assert code == EXIT_REFUSED
    assert capsys.readouterr().err.startswith("buurtrouting: refused: ")
    assert snapshot(state) == before


def test_a_damaged_state_file_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "buurt.db"
    path.write_bytes(b"not a journal at all, just bytes" * 4)
    code, _ = run("incidents", "--state", str(path))
    assert code == EXIT_STATE
    assert "state file" in capsys.readouterr().err
    assert path.read_bytes() == b"not a journal at all, just bytes" * 4


def test_the_same_key_twice_is_one_command(state: str) -> None:
    report(state, "--key", "k1")
    code, text = report(state, "--key", "k1")
    assert code == 0
    assert "already done: key 'k1' is event 1" in text
    assert snapshot(state)[0] == 1


def test_the_form_asks_every_saar_field(state: str, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [
        "inbraak",  # category
        "y",  # 112
        "y",  # a person?
        "sex=man,age=old",  # a typo: asked again
        "sex=man,age=40,clothing=groene jas",
        "n",  # another person?
        "n",  # a vehicle?
        "richting school",
        "ik blijf binnen",
        "",
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers) + "\n"))
    code, text = op(state, "report", "--as", "Farid el Amrani", "--form", "--at", T0)
    assert code == 0, text
    code, text = op(state, "tasks", "--as", "Farid el Amrani", "--json")
    (task,) = json.loads(text)["deliveries"]
    assert "man, 40 jaar, groene jas" in task["text"]
    assert "richting school" in task["text"]
    assert "ik blijf binnen" in task["text"]


def test_tick_applies_the_deadline_of_an_unanswered_question(state: str) -> None:
    report(state)
    code, text = op(state, "tick", "--at", str(int(T0) + 3600))
    assert code == 0
    assert "by default at the deadline" in text
    code, text = op(state, "tasks", "--as", "Anna de Wit", "--json")
    assert json.loads(text)["questions"] == []


def test_admit_leave_and_erase(state: str) -> None:
    code, text = op(
        state, "admit", "Hanna Smit", "--wijkgroep", "Wijkgroep Vlinderbuurt",
        "--by", "Cees Verhoef", "--age", "34", "--json",
    )  # fmt: skip
    assert code == 0, text
    member = json.loads(text)["result"]["member"]
    code, text = op(state, "leave", "Hanna Smit")
    assert code == 0
    code, _ = op(state, "tasks", "--as", "Hanna Smit")
    assert code == 2  # she left
    code, text = op(state, "erase", f"#{member}", "--by", f"#{member}")
    assert code == 0, text  # a member who left is named by id, and erased
    with Journal.open(state) as j:
        assert "Hanna Smit" not in json.dumps(j.export_state())


_WORDS = st.sampled_from(
    ["I1", "I9", "#0", "#4", "#999", "Anna de Wit", "bewoner 3", "yes", "no", "1", "7", "-1",
     "Wijkgroep Vlinderbuurt", "Regiegroep Zoomwijck", "--as", "--to", "--reason", "--key", "k",
     "--category", "inbraak", "brand", "--called-112", "--group", "", "x" * 3]
)  # fmt: skip
_COMMANDS = st.sampled_from(
    ["report", "react", "confirm", "fail", "decide", "forward", "screen", "afloop", "leave",
     "erase", "admit"]
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(command=_COMMANDS, words=st.lists(_WORDS, max_size=6))
def test_bad_input_leaves_the_state_file_as_it_was(
    tmp_path_factory: pytest.TempPathFactory, command: str, words: list[str]
) -> None:
    path = str(tmp_path_factory.mktemp("state") / "buurt.db")
    assert run("init", FASE2, "--state", path, "--at", T0)[0] == 0
    assert report(path)[0] == 0
    before = snapshot(path)
    code, _ = run(command, *words, "--state", path)
    assert code in (0, 2, EXIT_REFUSED)
    after = snapshot(path)
    if code != 0:
        assert after == before
    else:
        assert after[0] >= before[0]


def test_a_form_that_ends_early_is_a_usage_error(
    state: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("inbraak\n"))
    before = snapshot(state)
    code, _ = op(state, "report", "--as", "Farid el Amrani", "--form")
    assert code == 2
    assert "ended" in capsys.readouterr().err
    assert snapshot(state) == before
