"""R3, R8: a melding as chat text in the SAAR shape, and the afloop text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given

from routing.domain.melding import Melding, Person, Photo, Vehicle
from routing.domain.place import Place
from routing.domain.texts import render_afloop, render_melding
from strategies.melding import meldingen

MELDING = Melding(
    category="poging tot inbraak",
    called_112=True,
    persons=[
        Person(sex="man", age=(20, 25), height_cm=185, build="slank", clothing="zwarte hoodie"),
        Person(sex="vrouw", particulars=["bril"]),
    ],
    vehicles=[Vehicle(kind="scooter", colour="rood", kenteken="d-1?3-bb")],
    place=Place(street="Dorpsstraat", postcode="5050ab", buurt="Centrum"),
    direction="richting Parklaan",
    heading="noord",
    transport="scooter",
    seen_at=dt.datetime(2024, 3, 12, 21, 40),
    action="Ik blijf binnen en kijk uit het raam.",
    photos=[Photo(reference="img/1.jpg", reason="gezicht goed zichtbaar")],
)


def _index(lines: list[str], prefix: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def test_R3_dutch_text_follows_saar_a_b_c() -> None:
    """R3: (a) 112 called, (b) signalement and looprichting, (c) what I do, in order."""
    lines = render_melding(MELDING).splitlines()
    assert lines[0] == "POGING TOT INBRAAK"
    a, b, c = _index(lines, "a)"), _index(lines, "b)"), _index(lines, "c)")
    assert a < b < c
    assert "112 is gebeld" in lines[a]
    section_b = "\n".join(lines[b:c])
    assert "Persoon 1: man, 20-25 jaar, 185 cm, slank, zwarte hoodie" in section_b
    assert "Persoon 2: vrouw, bril" in section_b
    assert "kenteken D-1?3-BB (deels gezien)" in section_b
    assert "Looprichting: richting Parklaan (noord)" in section_b
    assert "Plaats: Dorpsstraat, 5050 AB, Centrum" in section_b
    assert "Gezien op 12-03-2024 om 21:40" in section_b
    assert lines[c + 1] == "Ik blijf binnen en kijk uit het raam."
    assert lines[-1] == "Foto's: img/1.jpg"


def test_R3_english_variant() -> None:
    """R3: the same melding in English; free text stays as typed."""
    text = render_melding(MELDING, lang="en")
    assert text.startswith("ATTEMPTED BURGLARY\na) 112 has been called.")
    assert "Person 1: man, 20-25 years, 185 cm, slim, zwarte hoodie" in text
    assert "licence plate D-1?3-BB (partly seen)" in text
    assert "Direction: richting Parklaan (north)" in text
    assert "Seen on 2024-03-12 at 21:40" in text
    assert "c) What I am doing:\nIk blijf binnen" in text


def test_H4_text_says_when_112_was_not_called() -> None:
    """H4: the group is told plainly that 112 has not been called."""
    melding = Melding(category="vernieling", called_112=False)
    assert "a) 112 is NOG NIET gebeld." in render_melding(melding)
    assert "a) 112 has NOT been called yet." in render_melding(melding, lang="en")


def test_R3_single_person_is_not_numbered_and_no_action_gets_a_safe_default() -> None:
    """R3c: without an action the text still says what the reporter does (H6)."""
    melding = Melding(category="verdachte persoon", called_112=True, persons=[Person()])
    text = render_melding(melding)
    assert "- Persoon: geen signalement" in text
    assert "ik blijf op afstand" in text


def test_render_refuses_unknown_language() -> None:
    """An unknown language is a programming error, not a silent fallback."""
    with pytest.raises(ValueError, match="lang"):
        render_melding(MELDING, lang="de")
    with pytest.raises(ValueError, match="lang"):
        render_afloop("klaar", lang="fr")


@given(meldingen)
def test_R3_every_melding_renders_in_both_languages(melding: Melding) -> None:
    """R3: any valid melding renders with a, b and c in both languages."""
    for lang in ("nl", "en"):
        lines = render_melding(melding, lang=lang).splitlines()
        assert lines[0] == melding.category.label(lang).upper()
        assert lines[1].startswith("a) 112")
        assert _index(lines, "b)") < _index(lines, "c)")
    assert render_melding(melding) == render_melding(melding, lang="nl")


def test_R8_afloop_in_dutch_and_english() -> None:
    """R8: the closing message names the situation, says how it ended and who reports it."""
    nl = render_afloop(
        "De politie heeft twee personen aangehouden.",
        melding=MELDING,
        at=dt.datetime(2024, 3, 12, 22, 5),
        by="Jan (casushouder)",
    )
    assert nl.splitlines() == [
        "AFLOOP: poging tot inbraak, Dorpsstraat, 5050 AB, Centrum (12-03-2024 22:05)",
        "De politie heeft twee personen aangehouden.",
        "Gemeld door Jan (casushouder)",
        "De actie is voorbij. Dank voor het meekijken.",
    ]
    en = render_afloop("Two people were arrested.", lang="en", melding=MELDING)
    assert en.splitlines()[0] == "CLOSED: attempted burglary, Dorpsstraat, 5050 AB, Centrum"
    assert en.splitlines()[-1] == "The action is over. Thank you for keeping watch."


def test_R8_minimal_afloop() -> None:
    """R8: an afloop needs only its text."""
    assert (
        render_afloop("  Loos alarm.  ")
        == "AFLOOP\nLoos alarm.\nDe actie is voorbij. Dank voor het meekijken."
    )
