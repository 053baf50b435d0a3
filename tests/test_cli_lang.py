"""``--lang nl|en`` (issue 17): every command that prints speaks Dutch on
request, from ``--lang`` or ``BUURTROUTING_LANG``; English stays the default,
and neither the chat texts nor the JSON change with the language."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from routing.cli import main
from routing.persist.journal import Journal

FASE2 = str(Path(__file__).resolve().parent.parent / "examples" / "zoomwijck-fase2.toml")
T0 = "1796300000"
FROM = ("--from", "Wijkgroep Vlinderbuurt")
REPORT = (
    "report", "--as", "Farid el Amrani", "--category", "inbraak", "--called-112", "--at", T0,
)  # fmt: skip


def run(*argv: str) -> tuple[int, str]:
    console = Console(record=True, width=120, file=io.StringIO(), no_color=True)
    code = main(list(argv), console=console)
    return code, console.export_text()


def ok(*argv: str) -> str:
    code, text = run(*argv)
    assert code == 0, text
    return text


def speaks(text: str, dutch: list[str], english: list[str]) -> None:
    """Every Dutch phrase is in ``text``, and no English one (as words)."""
    for phrase in dutch:
        assert phrase in text, phrase
    for phrase in english:
        assert not re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text), phrase


@pytest.fixture
def state(tmp_path: Path) -> str:
    path = str(tmp_path / "buurt.db")
    ok("init", FASE2, "--state", path, "--at", T0)
    return path


def op(state: str, *argv: str) -> str:
    return ok(*argv, "--state", state, "--lang", "nl")


def test_show_in_dutch() -> None:
    text = ok("show", FASE2, "--members", "--table", "--lang", "nl")
    speaks(
        text,
        ["92 leden", "stuurgroeplid (beheerder)", "beheerder, woont in", "Groepen", "soort"],
        ["members", "Groups", "group", "kind", "size", "limit", "state", "lives in"],
    )


def test_explain_in_dutch() -> None:
    text = ok("explain", FASE2, *FROM, "--category", "inbraak", "--lang", "nl")
    speaks(
        text,
        ["beslispunten", "buurwijkgroepen", "naar regiegroep", "bij nee niet bereikt"],
        ["siblings", "to regiegroep", "decision point", "not reached on no"],
    )


def test_trace_in_dutch() -> None:
    text = ok("trace", FASE2, *FROM, "--seed", "1", "--lang", "nl")
    speaks(
        text,
        ["gemeld door", "naar regiegroep", "afloop door"],
        ["to regiegroep", "siblings", "deadline", "reported by", "afloop by", "posted"],
    )


def test_the_operating_commands_in_dutch(state: str) -> None:
    said = op(state, *REPORT)
    speaks(
        said,
        ["incident geopend in Wijkgroep Vlinderbuurt", "taak 1:", "plaatst in", "vraag 1 voor"],
        ["opened in", "task", "posts in", "question", "answer"],
    )
    assert "antwoord: buurtrouting decide 1 yes|no --as NAAM (uiterlijk " in said

    questions = op(state, "tasks", "--as", "Anna de Wit")
    speaks(questions, ["vraag 1 (Stuurgroep Zoomwijck, uiterlijk"], ["question", "answer", "by"])

    decided = op(state, "decide", "1", "yes", "--as", "Anna de Wit", "--reason", "zelfde straat")
    speaks(decided, ["vraag 1: doorgezet naar", "door Anna de Wit"], ["forward", "to", "task"])

    tasks = op(state, "tasks", "--as", "Anna de Wit")
    speaks(tasks, ["taak 2: plak in Wijkgroep Bomenbuurt", "daarna: buurtrouting confirm 2"], [
        "task", "paste into", "then",
    ])  # fmt: skip
    # What is pasted into the chat is the chat's text, Dutch in both languages.
    assert "Doorgestuurd uit Wijkgroep Vlinderbuurt" in tasks

    confirmed = op(state, "confirm", "2")
    speaks(confirmed, ["taak 2: bevestigd, geplaatst door Anna de Wit"], ["task", "posted by"])

    incidents = op(state, "incidents")
    speaks(
        incidents,
        ["Open incidenten", "fase", "vanuit", "geopend", "groepen", "wordt doorgezet"],
        ["open incidents", "phase", "from", "category", "opened", "groups", "spreading"],
    )

    audit = op(state, "audit", "I1")
    speaks(
        audit,
        ["buurwijkgroepen: zelfde straat", "uiterlijk", "nog geen afloop"],
        ["siblings", "to regiegroep", "deadline"],
    )

    again = ["afloop", "I1", "Klaar.", "--as", "Farid el Amrani", "--key", "a1"]
    speaks(op(state, *again), ["afloop door Farid el Amrani"], ["by", "groups"])
    speaks(op(state, *again), ["al gedaan: sleutel 'a1'"], ["already done", "nothing changed"])
    speaks(op(state, "tick"), ["klaar (gebeurtenis"], ["done", "event"])
    speaks(op(state, "incidents", "--all"), ["Alle incidenten", "afgesloten"], ["closed"])


def test_json_is_the_same_in_both_languages(state: str) -> None:
    ok(*REPORT, "--state", state)
    for command in (["audit", "I1"], ["incidents"], ["tasks", "--as", "Anna de Wit"]):
        en = json.loads(ok(*command, "--state", state, "--json"))
        nl = json.loads(ok(*command, "--state", state, "--json", "--lang", "nl"))
        assert en == nl, command
    trace = ["trace", FASE2, *FROM, "--seed", "1", "--json"]
    assert json.loads(ok(*trace)) == json.loads(ok(*trace, "--lang", "nl"))


def test_BUURTROUTING_LANG_is_the_default_and_lang_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "92 members" in ok("show", FASE2)
    monkeypatch.setenv("BUURTROUTING_LANG", "nl")
    assert "92 leden" in ok("show", FASE2)
    assert "92 members" in ok("show", FASE2, "--lang", "en")
    monkeypatch.setenv("BUURTROUTING_LANG", "")
    assert "92 members" in ok("show", FASE2)


def test_a_bad_BUURTROUTING_LANG_is_one_line_and_changes_nothing(
    state: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Journal.open(state) as j:
        before = j.seq
    monkeypatch.setenv("BUURTROUTING_LANG", "fr")
    code, _ = run(*REPORT, "--state", state)
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "BUURTROUTING_LANG must be nl or en, not 'fr'" in err
    with Journal.open(state) as j:
        assert j.seq == before
    # --lang on the command line is used instead, and a bad one is a usage error too.
    assert "92 leden" in ok("show", FASE2, "--lang", "nl")
    code, _ = run("show", FASE2, "--lang", "fr")
    assert code == 2
    assert "--lang" in capsys.readouterr().err


def test_the_help_names_the_option_and_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["tasks", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--lang {nl,en}" in help_text
    assert "BUURTROUTING_LANG" in help_text


def test_the_trees_speak_plain_english_by_default() -> None:
    """English but for the users' own words for the domain (casushouder, afloop)."""
    text = ok("trace", FASE2, *FROM, "--seed", "1")
    speaks(
        text,
        ["reported by", "casushouder", "afloop by"],
        ["gemeld door", "geplaatst", "afloop door", "naar regiegroep"],
    )
    dry = ok("explain", FASE2, *FROM, "--category", "inbraak")
    speaks(dry, ["decision points", "not reached on no"], ["beslispunt", "bij nee"])
