"""R3b, H8: place and movement in a melding; the Dutch postcode format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.labels import Labelled, match_key
from routing.domain.melding import Build, Category, PhotoSubject, Sex
from routing.domain.place import (
    Compass,
    Place,
    Postcode,
    Transport,
    normalize_postcode,
    parse_postcode,
)
from routing.errors import InvalidValueError, PostcodeError
from strategies.melding import bad_postcodes, postcodes, typed_postcodes


@given(st.data())
def test_R3b_valid_postcodes_are_accepted_and_normalised(data: st.DataObject) -> None:
    """R3b: a postcode typed any usual way becomes '1234 AB'."""
    official = data.draw(postcodes())
    typed = data.draw(typed_postcodes(official))
    assert normalize_postcode(typed) == official


@given(postcodes())
def test_R3b_postcode_normalisation_is_idempotent(official: str) -> None:
    """R3b: normalising the normal form changes nothing."""
    assert normalize_postcode(normalize_postcode(official)) == official
    assert str(parse_postcode(official)) == official


@given(bad_postcodes())
def test_R3b_invalid_postcodes_raise_PostcodeError(text: str) -> None:
    """R3b: leading 0, SA/SD/SS, or a wrong shape is refused with the input named."""
    with pytest.raises(PostcodeError) as caught:
        parse_postcode(text)
    assert caught.value.value == text


@pytest.mark.parametrize("letters", ["SA", "SD", "SS"])
def test_R3b_letter_pairs_never_issued(letters: str) -> None:
    """R3b: PostNL never issues SA, SD or SS; neighbours of them are fine."""
    with pytest.raises(PostcodeError, match=f"letters {letters}"):
        parse_postcode(f"5050 {letters}")
    assert str(parse_postcode(f"5050 {letters[0]}B")) == f"5050 {letters[0]}B"


def test_R3b_letters_allowed_since_2005_pass() -> None:
    """R3b: F, I, O, Q, U and Y are issued since 2005."""
    for letters in ["FI", "OQ", "UY"]:
        assert parse_postcode(f"1011 {letters}").letters == letters


def test_R3b_postcode_constructor_checks_its_fields() -> None:
    """R3b: a Postcode built by hand is checked like a parsed one."""
    with pytest.raises(PostcodeError):
        Postcode(number=999, letters="AB")
    with pytest.raises(PostcodeError):
        Postcode(number=1234, letters="ab")
    with pytest.raises(PostcodeError):
        Postcode(number=1234, letters="SS")
    assert Postcode(number=1234, letters="AB") == parse_postcode("1234ab")


def test_R3b_place_needs_something_to_find_it_by() -> None:
    """R3b: an empty place is no place; text is trimmed, postcode normalised."""
    with pytest.raises(InvalidValueError):
        Place()
    with pytest.raises(InvalidValueError):
        Place(street="   ")
    place = Place(street="  Dorps   straat ", postcode="5050ab", buurt="Centrum")
    assert place.street == "Dorps straat"
    assert place.postcode == parse_postcode("5050 AB")
    assert place.describe() == "Dorps straat, 5050 AB, Centrum"


def test_R3b_place_refuses_a_bad_postcode() -> None:
    """R3b: the postcode of a place is validated at construction."""
    with pytest.raises(PostcodeError):
        Place(street="Dorpsstraat", postcode="0123 AB")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("noord", Compass.N),
        ("North-East", Compass.NO),
        ("ZW", Compass.ZW),
        ("zuid oost", Compass.ZO),
        ("west", Compass.W),
    ],
)
def test_R3b_compass_heading_from_dutch_or_english(text: str, expected: Compass) -> None:
    """R3b: a looprichting heading parses from Dutch, English or the abbreviation."""
    assert Compass.parse(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("te voet", Transport.TE_VOET), ("on foot", Transport.TE_VOET), ("Fiets", Transport.FIETS)],
)
def test_R3b_transport_from_dutch_or_english(text: str, expected: Transport) -> None:
    """R3b: the means of transport parses from its Dutch or English label."""
    assert Transport.parse(text) is expected


def test_R3b_unknown_heading_is_refused() -> None:
    """R3b: a heading that is not on the compass rose is an error, not a guess."""
    with pytest.raises(InvalidValueError, match="compass"):
        Compass.parse("linksaf")


@given(st.sampled_from(list(Compass) + list(Transport)))
def test_R3b_labels_round_trip(member: Compass | Transport) -> None:
    """R3b: every member parses back from its own Dutch and English label."""
    kind = type(member)
    assert kind.parse(member.label_nl) is member
    assert kind.parse(member.label_en) is member
    assert member.label("en") == member.label_en
    assert member.label() == member.label_nl == member.value


def _scan(cls: type[Labelled], text: str) -> Labelled | None:
    """The member a parse must find: the first whose name or label matches."""
    key = match_key(text)
    for member in cls:
        if key in {match_key(member.name), match_key(member.label_nl), match_key(member.label_en)}:
            return member
    return None


_LABELLED = [Compass, Transport, Category, Sex, Build, PhotoSubject]


def _typed_like_a_label(cls: type[Labelled]) -> st.SearchStrategy[str]:
    words = [w for m in cls for w in (m.name, m.label_nl, m.label_en)]
    typed = st.sampled_from(words).flatmap(
        lambda w: st.sampled_from(
            [w, w.upper(), w.title(), w.replace(" ", "-"), w.replace("_", "")]
        )
    )
    return st.one_of(typed, st.text(max_size=12))


@given(
    st.sampled_from(_LABELLED).flatmap(
        lambda cls: st.tuples(st.just(cls), _typed_like_a_label(cls))
    )
)
def test_R3b_every_labelled_enum_parses_as_a_scan_of_its_members_would(
    case: tuple[type[Labelled], str],
) -> None:
    cls, text = case
    expected = _scan(cls, text)
    if expected is None:
        with pytest.raises(InvalidValueError):
            cls.parse(text)
    else:
        assert cls.parse(text) is expected
