"""Chat messages read as commands (R3-R8, S1, H3) without a server."""

from __future__ import annotations

import sys

import pytest

from routing.adapters.matrix.parse import MELDING_FIELD, parse_body, parse_content
from routing.domain.melding import Category, Melding
from routing.domain.plain import melding_to_plain


def test_R3_a_melding_command_carries_the_SAAR_parts() -> None:
    p = parse_body(
        '!melding categorie=inbraak 112=ja richting="richting park" '
        'tekst="man met rode pet" actie="ik blijf binnen" signalement="rode pet"'
    )
    assert p is not None
    assert p.verb == "melding"
    assert p.melding is not None
    m = p.melding
    assert m.category is Category.INBRAAK
    assert m.called_112
    assert m.direction == "richting park"
    assert m.action == "ik blijf binnen"
    assert m.persons[0].clothing == "rode pet"


def test_H3_a_melding_without_112_says_so_and_bad_fields_are_named() -> None:
    p = parse_body("!melding categorie=inbraak")
    assert p is not None
    assert p.melding is not None
    assert not p.melding.called_112
    bad = parse_body("!melding categorie=inbraak kleur=rood")
    assert bad is not None
    assert bad.problem is not None
    assert "kleur" in bad.problem
    missing = parse_body("!melding 112=ja")
    assert missing is not None
    assert "categorie" in (missing.problem or "")


def test_R3_a_structured_melding_is_recognised() -> None:
    m = Melding(category="straatroof", called_112=True, direction="richting station")
    p = parse_content({"msgtype": "m.text", "body": "melding", MELDING_FIELD: melding_to_plain(m)})
    assert p is not None
    assert p.melding == m


def test_S1_free_text_that_names_a_situation_is_a_report_without_its_parts() -> None:
    p = parse_body("Volgens mij is er een inbraak bij nummer 12")
    assert p is not None
    assert p.verb == "report"
    assert p.melding is not None
    assert p.melding.category is Category.INBRAAK
    assert not p.melding.called_112
    called = parse_body("Inbraak bij de buren, 112 is gebeld")
    assert called is not None
    assert called.melding is not None
    assert called.melding.called_112


@pytest.mark.parametrize(
    ("body", "verb", "number", "flag"),
    [
        ("!ja 3", "decide", 3, True),
        ("!nee 4 niet relevant", "decide", 4, False),
        ("!gedaan 7", "done", 7, False),
    ],
)
def test_R5_answers_and_tasks(body: str, verb: str, number: int, flag: bool) -> None:
    p = parse_body(body)
    assert p is not None
    assert (p.verb, p.number, p.flag) == (verb, number, flag)


def test_R8_S1_afloop_and_screening() -> None:
    a = parse_body("!afloop Politie is ter plaatse geweest")
    assert a is not None
    assert a.verb == "afloop"
    assert a.text == "Politie is ter plaatse geweest"
    assert (parse_body("!afloop") or a).problem is not None
    s = parse_body("!afwijzen I3 geen 112 gebeld")
    assert s is not None
    assert (s.incident, s.flag, s.text) == ("I3", False, "geen 112 gebeld")
    assert (parse_body("!ja drie") or a).problem is not None
    assert (parse_body("!onzin") or a).problem == "unknown command !onzin"


def test_the_cli_says_in_one_line_what_to_install_without_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from routing.cli import main

    monkeypatch.setitem(sys.modules, "nio", None)
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    code = main(
        [
            "matrix",
            "provision",
            "examples/zoomwijck-fase2.toml",
            "--homeserver",
            "http://127.0.0.1:9",
            "--user",
            "@bot:x",
            "--token",
            "t",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert 'pip install "buurtpreventie-routing[matrix]"' in err
