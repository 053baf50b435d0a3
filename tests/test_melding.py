"""R3, H3, H4, H7, H8: the structured melding and what it refuses."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.kenteken import parse_kenteken
from routing.domain.melding import (
    REDACTED,
    REDACTED_FIELDS,
    Build,
    Category,
    Estimate,
    Melding,
    Person,
    Photo,
    PhotoSubject,
    Sex,
    Vehicle,
    parse_category,
)
from routing.domain.place import Compass, Place, Transport
from routing.errors import InvalidValueError, OutOfScopeError, PhotoError
from strategies.melding import meldingen, meldings_kwargs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("inbraak", Category.INBRAAK),
        ("Poging tot inbraak", Category.POGING_TOT_INBRAAK),
        ("attempted burglary", Category.POGING_TOT_INBRAAK),
        ("POGING_TOT_INBRAAK", Category.POGING_TOT_INBRAAK),
        ("verdachte situatie", Category.VERDACHTE_SITUATIE),
        ("suspicious vehicle", Category.VERDACHT_VOERTUIG),
        ("Babbeltruc", Category.BABBELTRUC),
        ("doorstep scam", Category.BABBELTRUC),
        ("straatroof", Category.STRAATROOF),
        ("vermist", Category.VERMISSING),
        (Category.OVERVAL, Category.OVERVAL),
    ],
)
def test_R1_category_from_dutch_or_english(text: str | Category, expected: Category) -> None:
    """R1: a signalled situation parses from its Dutch or English label, name or value."""
    assert parse_category(text) is expected


@given(st.sampled_from(list(Category)))
def test_R1_every_category_round_trips(category: Category) -> None:
    """R1: every category parses back from its value and both labels."""
    assert parse_category(category.value) is category
    assert parse_category(category.label_nl) is category
    assert parse_category(category.label_en.upper()) is category


@pytest.mark.parametrize("text", ["brand", "Fire", "verkeersongeval", "aanrijding", "accident"])
def test_H3_fire_and_traffic_accidents_are_out_of_scope(text: str) -> None:
    """H3: fire and traffic accidents are for 112 alone, not for the groups."""
    with pytest.raises(OutOfScopeError, match="call 112"):
        parse_category(text)
    with pytest.raises(OutOfScopeError):
        Melding(category=text, called_112=True)


def test_R1_unknown_category_is_refused() -> None:
    """R1: an unknown category is an error that lists the choices."""
    with pytest.raises(InvalidValueError, match="inbraak"):
        parse_category("gezellige buurtbarbecue")


def test_R3_melding_converts_lists_and_is_hashable() -> None:
    """R3: lists become tuples, so a melding is frozen and hashable."""
    person = Person(sex="man", age=(20, 25), clothing="zwarte jas")
    melding = Melding(
        category="inbraak",
        called_112=True,
        persons=[person, Person()],
        vehicles=[Vehicle(kind="scooter", kenteken="d-123-bb")],
        direction="  richting   Parklaan ",
    )
    assert melding.persons == (person, Person())
    assert isinstance(melding.vehicles, tuple)
    assert melding.direction == "richting Parklaan"
    assert hash(melding) == hash(attrs.evolve(melding))
    assert {melding: 1}[attrs.evolve(melding)] == 1
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        melding.called_112 = False  # type: ignore[misc]


def test_H4_called_112_must_be_a_real_bool() -> None:
    """H4: whether 112 was called is a yes or no, never a truthy guess."""
    with pytest.raises(InvalidValueError):
        Melding(category="inbraak", called_112="ja")  # type: ignore[arg-type]


def test_R3_melding_refuses_wrong_element_types() -> None:
    """R3: a melding can never hold something that is not a Person or Vehicle."""
    with pytest.raises(InvalidValueError):
        Melding(category="inbraak", called_112=True, persons=["man in jas"])  # type: ignore[list-item]
    with pytest.raises(InvalidValueError):
        Melding(category="inbraak", called_112=True, place="Dorpsstraat")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        Melding(category="inbraak", called_112=True, seen_at="21:40")  # type: ignore[arg-type]


def test_H8_signalement_fields() -> None:
    """H8: sex, age, height, build, skin, hair, face, clothing and particulars."""
    person = Person(
        sex="vrouw",
        age=30,
        height_cm=(165, 170),
        build="slim",
        skin="licht getint",
        hair="lang blond",
        face="litteken op wang",
        clothing="rode jas",
        particulars=["bril", " tatoeage  hals "],
    )
    assert person.sex is Sex.VROUW
    assert person.age == Estimate(low=30, high=30)
    assert person.height_cm == Estimate(low=165, high=170)
    assert person.height_cm.describe() == "165-170"
    assert person.build is Build.SLANK
    assert person.particulars == ("bril", "tatoeage hals")


@pytest.mark.parametrize(
    "kwargs",
    [{"age": 130}, {"age": (30, 20)}, {"height_cm": 30}, {"age": -1}, {"height_cm": (180, 260)}],
)
def test_H8_impossible_estimates_are_refused(kwargs: dict[str, object]) -> None:
    """H8: an age or height outside what a person can be is a typing error."""
    with pytest.raises(InvalidValueError):
        Person(**kwargs)  # type: ignore[arg-type]


def test_H8_vehicle_with_kenteken() -> None:
    """H8: a vehicle has kind, colour, make, model and a validated kenteken."""
    car = Vehicle(colour="zwart", make="Volkswagen", model="Golf", kenteken="gb123x")
    assert car.kind is Transport.AUTO
    assert car.kenteken == parse_kenteken("GB-123-X")
    partial = Vehicle(kind="bestelbus", kenteken="V?-???-?")
    assert partial.kenteken is not None
    assert partial.kenteken.partial


def test_H8_vehicle_refuses_a_bad_kenteken_and_non_vehicles() -> None:
    """H8: a wrong plate or 'te voet' as vehicle kind is refused."""
    from routing.errors import KentekenError

    with pytest.raises(KentekenError):
        Vehicle(kenteken="GB-123-A")
    with pytest.raises(InvalidValueError, match="not a vehicle"):
        Vehicle(kind="te voet")


def test_H7_photo_of_a_person_needs_a_reason() -> None:
    """H7: photos of persons only when necessary or of added value."""
    with pytest.raises(PhotoError, match="H7"):
        Photo(reference="img/1.jpg")
    with pytest.raises(PhotoError):
        Photo(reference="img/1.jpg", subject="persoon", reason="   ")
    photo = Photo(reference="img/1.jpg", reason="gezicht herkenbaar, dader liep weg")
    assert photo.subject is PhotoSubject.PERSOON
    assert Photo(reference="img/2.jpg", subject="voertuig").reason == ""


@pytest.mark.parametrize("data", [b"\xff\xd8\xff", bytearray(b"JFIF"), memoryview(b"PNG")])
def test_H7_photo_bytes_are_refused(data: bytes | bytearray | memoryview) -> None:
    """H7: a melding stores a reference, never the image itself."""
    with pytest.raises(PhotoError, match="never the image") as caught:
        Photo(reference=data, reason="gezicht")  # type: ignore[arg-type]
    # The error carries a description of the bytes, not the bytes.
    assert "bytes" in str(caught.value.value)


def test_H7_photo_needs_a_reference() -> None:
    """H7: a photo without a reference is refused."""
    with pytest.raises(PhotoError):
        Photo(reference="", subject="plek")


@given(meldingen)
def test_R3_generated_meldingen_are_valid_frozen_values(melding: Melding) -> None:
    """R3: any melding that exists is hashable and equals a copy of itself."""
    copy = attrs.evolve(melding)
    assert copy == melding
    assert hash(copy) == hash(melding)
    assert all(isinstance(p, Person) for p in melding.persons)


@given(meldings_kwargs())
def test_R3_construction_is_deterministic(kwargs: dict[str, object]) -> None:
    """R3: the same input gives the same melding (no clock, no randomness)."""
    assert Melding(**kwargs) == Melding(**kwargs)  # type: ignore[arg-type]


def test_R3_texts_collects_free_text_for_screening() -> None:
    """R3: every free-text field is offered to screening (H5)."""
    melding = Melding(
        category="vernieling",
        called_112=True,
        persons=[Person(clothing="groene jas", particulars=["pet"])],
        place=Place(street="Kerkplein"),
        action="ik blijf binnen",
        text="ruit ingegooid",
        heading=Compass.Z,
        seen_at=dt.datetime(2024, 5, 1, 22, 15),
        photos=[Photo(reference="a.jpg", reason="dader herkenbaar")],
    )
    texts = melding.texts()
    for expected in ["groene jas", "pet", "Kerkplein", "ik blijf binnen", "ruit ingegooid"]:
        assert expected in texts
    assert "dader herkenbaar" in texts


def test_docs_howto_melding_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """R3, S1, R8: the how-to's code runs as written and prints what it shows."""
    import re
    from pathlib import Path

    howto = (Path(__file__).parent.parent / "docs" / "howto-melding.md").read_text("utf-8")
    code = "\n".join(re.findall(r"```python\n(.*?)```", howto, re.S))
    shown = re.findall(r"```text\n(.*?)```", howto, re.S)
    exec(compile(code, "docs/howto-melding.md", "exec"), {})
    printed = capsys.readouterr().out
    assert shown
    assert shown[0] in printed


@given(meldingen, st.sampled_from(["", REDACTED]))
def test_redacted_keeps_counts_and_no_description(melding: Melding, mark: str) -> None:
    """What erasing the reporter leaves (AVG art. 17): counts, category, 112,
    heading, transport, time and buurt; no text anyone typed but the mark."""
    left = melding.redacted(mark)
    assert left.redacted(mark) == left  # twice is once
    kept = [f.name for f in attrs.fields(Melding) if f.name not in REDACTED_FIELDS]
    assert kept == ["category", "called_112", "heading", "transport", "seen_at"]
    for name in kept:
        assert getattr(left, name) == getattr(melding, name)
    assert len(left.persons) == len(melding.persons)
    assert [v.kind for v in left.vehicles] == [v.kind for v in melding.vehicles]
    assert [p.subject for p in left.photos] == [p.subject for p in melding.photos]
    buurt = melding.place.buurt if melding.place is not None else ""
    assert set(left.texts()) <= {mark, REDACTED, buurt} - {""}
    assert all(v.kenteken is None for v in left.vehicles)
    assert left.place is None or (left.place.street, left.place.postcode) == ("", None)
    assert bool(left.text) == bool(melding.text and mark)
    assert bool(left.direction) == bool(melding.direction and mark)
