"""What counts as the same situation (H4): :func:`routing.domain.situation.compare`."""

from __future__ import annotations

from hypothesis import given

from routing.domain.melding import Melding, Person, Sex, Vehicle
from routing.domain.place import Place
from routing.domain.situation import FIXED_PLACE, compare
from routing.testing import melding
from strategies import meldingen


@given(meldingen)
def test_H4_a_melding_is_its_own_situation(m: Melding) -> None:
    assert compare(m, m).same


@given(meldingen, meldingen)
def test_H4_sameness_does_not_depend_on_which_came_first(a: Melding, b: Melding) -> None:
    assert compare(a, b).same == compare(b, a).same
    assert compare(a, b).reason  # always a reason to show the reporter


def test_H4_a_second_burglary_in_another_street_is_another_situation() -> None:
    a = melding("inbraak", place=Place(street="Parklaan"))
    b = melding("inbraak", place=Place(street="Dorpsstraat"))
    assert not compare(a, b).same
    assert "andere straat" in compare(a, b).reason
    assert compare(a, melding("inbraak", place=Place(street="parklaan"))).same


def test_H4_people_move_so_a_suspect_in_the_next_street_is_likely_the_same() -> None:
    a = melding("verdachte persoon", place=Place(street="Parklaan"))
    b = melding("verdachte persoon", place=Place(street="Dorpsstraat"))
    assert "verdachte persoon" not in {c.value for c in FIXED_PLACE}
    assert compare(a, b).same


def test_H4_the_kenteken_decides_before_the_place() -> None:
    car = Vehicle(kenteken="GB-123-X")
    a = melding("inbraak", place=Place(street="Parklaan"), vehicles=[car])
    b = melding("inbraak", place=Place(street="Dorpsstraat"), vehicles=[car])
    assert compare(a, b).same
    assert "GB-123-X" in compare(a, b).reason
    c = melding("verdacht voertuig", vehicles=[Vehicle(kenteken="XX-99-99")])
    d = melding("verdacht voertuig", vehicles=[car])
    assert not compare(c, d).same


def test_H4_a_signalement_with_no_sex_in_common_is_other_people() -> None:
    men = melding("straatroof", persons=[Person(sex=Sex.MAN), Person(sex=Sex.MAN)])
    woman = melding("straatroof", persons=[Person(sex=Sex.VROUW)])
    both = melding("straatroof", persons=[Person(sex=Sex.MAN), Person(sex=Sex.VROUW)])
    assert not compare(men, woman).same
    assert compare(men, both).same  # one reporter may see fewer of them
    assert compare(men, melding("straatroof")).same  # nothing to tell them apart
