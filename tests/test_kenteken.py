"""H8: a vehicle's kenteken is checked against every Dutch sidecode."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.kenteken import Kenteken, normalize_kenteken, parse_kenteken
from routing.errors import InvalidValueError, KentekenError
from strategies.melding import (
    BANNED,
    LAYOUTS,
    partial_plates,
    plates,
    plates_with_bad_letter,
    typed_like_a_person,
)

# One real-looking plate per sidecode, typed sloppily, with its printed form.
EXAMPLES = {
    1: ("ab 12 34", "AB-12-34"),
    2: ("1234ab", "12-34-AB"),
    3: ("12 qa 34", "12-QA-34"),
    4: ("gb-12-zy", "GB-12-ZY"),
    5: ("GBJK12", "GB-JK-12"),
    6: ("12-gb-jk", "12-GB-JK"),
    7: ("12gbj3", "12-GBJ-3"),
    8: ("1-GBJ-23", "1-GBJ-23"),
    9: ("gb 123 x", "GB-123-X"),
    10: ("x609rj", "X-609-RJ"),
    11: ("gbb01b", "GBB-01-B"),
    12: ("G-12-BJK", "G-12-BJK"),
    13: ("1gb234", "1-GB-234"),
    14: ("123-gb-4", "123-GB-4"),
}

# Near misses per sidecode: one character off, or a letter the RDW never uses.
NEAR_MISSES = {
    1: ["AB-12-3", "AB-12-345", "A1-12-34"],
    2: ["12-34-A5", "12-34-ABC"],
    3: ["12-Q!-34", "12-QA-3"],
    4: ["GB-12-ZA", "CB-12-ZZ", "GB-12-QZ"],
    5: ["GB-YK-12", "GB-JE-12", "SS-JK-12"],
    6: ["12-GB-JU", "12-SD-JK", "12-GC-JK"],
    7: ["12-NSB-3", "12-GBA-3", "12-GBJ-34"],
    8: ["1-GVD-23", "1-GYJ-23", "1-GBJ-2"],
    9: ["GB-123-E", "TB-123-Q", "GB-12-X"],
    10: ["X-609-RI", "Y-609-RJ", "X-6O9-RJ"],
    11: ["PVV-01-B", "GBA-01-B", "GBB-01-C"],
    12: ["G-12-SGP", "G-12-BJY", "G-12-BJ"],
    13: ["1-GU-234", "1-SS-234", "1-GB-23X"],
    14: ["123-GA-4", "123-KK-K", "123-SD-4"],
}


@pytest.mark.parametrize("sidecode", sorted(EXAMPLES))
def test_H8_every_sidecode_has_a_passing_example(sidecode: int) -> None:
    """H8: each sidecode 1-14 is recognised and printed in its own layout."""
    typed, printed = EXAMPLES[sidecode]
    plate = parse_kenteken(typed)
    assert plate.value == printed
    assert plate.sidecode == sidecode
    assert not plate.partial


@pytest.mark.parametrize(
    "text", [text for sidecode in sorted(NEAR_MISSES) for text in NEAR_MISSES[sidecode]]
)
def test_H8_near_misses_of_each_sidecode_are_refused(text: str) -> None:
    """H8: one character off, or a letter or combination the RDW never issues."""
    with pytest.raises(KentekenError) as caught:
        parse_kenteken(text)
    assert caught.value.value == text
    assert caught.value.reason


def test_H8_error_names_plate_and_reason() -> None:
    """H8: the error says which plate and why, in words a person can act on."""
    with pytest.raises(KentekenError, match=r"'GB-12-ZA'.*vowel 'A'"):
        parse_kenteken("GB-12-ZA")
    with pytest.raises(KentekenError, match="combination 'NSB'"):
        parse_kenteken("12-NSB-3")
    with pytest.raises(KentekenError, match="6 letters and digits"):
        parse_kenteken("GB-12")
    with pytest.raises(KentekenError, match="never appears"):
        parse_kenteken("GB-12-Z!")


def test_H8_old_sidecodes_keep_their_vowels() -> None:
    """H8: plates of sidecodes 1-3 predate the letter rules and stay valid."""
    assert parse_kenteken("AE-12-34").sidecode == 1
    assert parse_kenteken("12-34-QU").sidecode == 2


def test_H8_oplegger_keeps_its_O() -> None:
    """H8: from sidecode 4 on, O appears only as the first letter (opleggers)."""
    assert parse_kenteken("OB-12-BB").sidecode == 4
    with pytest.raises(KentekenError):
        parse_kenteken("BO-12-BB")


@given(plates())
def test_H8_generated_plates_of_every_sidecode_pass(case: tuple[int, str]) -> None:
    """H8: any plate built from the RDW's letters in a sidecode layout passes."""
    sidecode, plate = case
    parsed = parse_kenteken(plate)
    assert parsed.value == plate
    assert parsed.sidecodes == (sidecode,)


@given(st.data())
def test_H8_case_dashes_and_spaces_do_not_matter(data: st.DataObject) -> None:
    """H8: a plate typed in any case, with or without dashes, normalises the same."""
    _, plate = data.draw(plates())
    typed = data.draw(typed_like_a_person(plate))
    assert normalize_kenteken(typed) == plate


@given(plates())
def test_H8_normalisation_is_idempotent(case: tuple[int, str]) -> None:
    """H8: normalising a normalised plate changes nothing."""
    once = normalize_kenteken(case[1].lower().replace("-", ""))
    assert normalize_kenteken(once) == once


@given(plates_with_bad_letter())
def test_H8_letters_never_issued_are_refused(case: tuple[int, str, str]) -> None:
    """H8: no vowels, C or Q from sidecode 4, no Y from sidecode 5."""
    _, plate, _ = case
    with pytest.raises(KentekenError):
        parse_kenteken(plate)


@given(st.sampled_from(BANNED), st.sampled_from([4, 5, 6, 7, 8, 11, 12, 13, 14]))
def test_H8_banned_combinations_are_refused(combo: str, sidecode: int) -> None:
    """H8: GVD, KKK, NSB, PVV, SS, SD ... never appear as (part of) a letter group."""
    layout = LAYOUTS[sidecode]
    groups = layout.split("-")
    slot = next((i for i, g in enumerate(groups) if set(g) == {"X"} and len(g) >= len(combo)), None)
    if slot is None:
        return  # this layout has no letter group long enough for the combination
    filled = []
    for i, group in enumerate(groups):
        if i == slot:
            filled.append(combo + "B" * (len(group) - len(combo)))
        else:
            filled.append("".join("B" if kind == "X" else "1" for kind in group))
    with pytest.raises(KentekenError, match=combo):
        parse_kenteken("-".join(filled))


@given(partial_plates())
def test_H8_partly_seen_plates_are_kept_and_marked(case: tuple[int, str, str]) -> None:
    """H8: '?' or '*' for unseen characters; the true sidecode stays possible."""
    sidecode, _full, partial = case
    parsed = parse_kenteken(partial)
    assert parsed.partial
    assert sidecode in parsed.sidecodes
    # Every known character of the full plate survives normalisation.
    known = [c for c in partial.replace("-", "") if c not in "?*"]
    assert [c for c in parsed.value.replace("-", "") if c != "?"] == known
    assert len(parsed.value.replace("-", "")) == 6


@given(partial_plates())
def test_H8_partial_normalisation_is_idempotent(case: tuple[int, str, str]) -> None:
    """H8: normalising a normalised partial plate changes nothing."""
    once = normalize_kenteken(case[2])
    assert normalize_kenteken(once) == once


def test_H8_partial_plate_with_known_layout_keeps_dashes() -> None:
    """H8: typed dashes narrow down which sidecode a partial plate is."""
    plate = parse_kenteken("gb-1??-x")
    assert plate.value == "GB-1??-X"
    assert plate.sidecodes == (9,)
    assert plate.sidecode == 9
    loose = parse_kenteken("G?????")
    assert loose.value == "G?????"
    assert loose.sidecode is None
    assert len(loose.sidecodes) > 1


def test_H8_nothing_seen_is_not_a_plate() -> None:
    """H8: a plate of only unknowns carries no information and is refused."""
    with pytest.raises(KentekenError, match="no character"):
        parse_kenteken("??-???-?")


@given(st.text(max_size=9))
def test_H8_any_text_parses_or_raises_KentekenError(text: str) -> None:
    """H8: parsing never fails with anything but the typed error."""
    try:
        plate = parse_kenteken(text)
    except KentekenError:
        return
    assert normalize_kenteken(plate.value) == plate.value


def test_kenteken_constructor_checks_like_the_parser() -> None:
    """A Kenteken cannot exist in an invalid or unnormalised form."""
    assert Kenteken(value="GB-123-X").sidecode == 9
    assert Kenteken(value="GB-123-X") == parse_kenteken("gb123x")
    assert hash(Kenteken(value="GB-123-X")) == hash(parse_kenteken("gb123x"))
    with pytest.raises(KentekenError, match="not normalised"):
        Kenteken(value="gb123x")
    with pytest.raises(InvalidValueError):
        Kenteken(value="GB-123-A")
    assert str(Kenteken.parse("x609rj")) == "X-609-RJ"
