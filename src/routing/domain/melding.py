"""A structured melding: what a resident reports, as data the relay carries.

In the chat a report is free text, and the stuurgroep (S1) and every reader
downstream (R5, R6) must dig the facts out of it. Apps such as Waaksamen
structure the report instead; this module is that structure. A
:class:`Melding` holds the SAAR parts of R3: whether 112 was called (a, H3,
H4), the signalement of persons and vehicles with place and looprichting (b,
H8), and what the reporter is going to do (c). :mod:`routing.domain.texts` turns
it back into the chat text a member would post.

Every class here is frozen and checked at construction, so a melding that
exists is a valid one: a bad kenteken, a postcode that cannot exist, a photo
of a person without a reason (H7) or a fire (which is for 112 alone) is
refused with a typed error before it reaches any group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from routing.errors import InvalidValueError, OutOfScopeError, PhotoError

from .checks import (
    check_flag,
    check_instance,
    check_int,
    check_items,
    check_list,
    check_text,
    field,
)
from .kenteken import Kenteken, parse_kenteken
from .labels import Labelled, clean_text, match_key
from .place import Compass, Place, Transport

__all__ = [
    "OUT_OF_SCOPE_WORDS",
    "Build",
    "Category",
    "Estimate",
    "Melding",
    "Person",
    "Photo",
    "PhotoSubject",
    "Sex",
    "Vehicle",
    "parse_category",
    "tidy_lines",
]


class Category(Labelled):
    """What kind of situation a melding is about.

    These are the situations the sources list for the groups (Krimpen and
    Dorst in ``docs/rules.md``): the value is the Dutch label. Fire and
    traffic accidents are deliberately absent: they are for 112 alone, and
    :func:`parse_category` refuses them with
    :class:`~routing.errors.OutOfScopeError`.
    """

    INBRAAK = ("inbraak", "burglary")
    POGING_TOT_INBRAAK = ("poging tot inbraak", "attempted burglary")
    VERDACHTE_SITUATIE = ("verdachte situatie", "suspicious situation")
    VERDACHTE_PERSOON = ("verdachte persoon", "suspicious person")
    VERDACHT_VOERTUIG = ("verdacht voertuig", "suspicious vehicle")
    DIEFSTAL = ("diefstal", "theft")
    VERNIELING = ("vernieling", "vandalism")
    STRAATROOF = ("straatroof", "street robbery")
    OVERVAL = ("overval", "robbery")
    BEDREIGING = ("bedreiging", "threat")
    MISHANDELING = ("mishandeling", "assault")
    VERMISSING = ("vermissing", "missing person")
    BABBELTRUC = ("babbeltruc", "doorstep scam")


#: Words that name situations outside the groups' scope -> what to do instead.
OUT_OF_SCOPE_WORDS: dict[str, str] = {
    "brand": "fire",
    "fire": "fire",
    "rookontwikkeling": "fire",
    "smoke": "fire",
    "verkeersongeval": "traffic accident",
    "verkeersongeluk": "traffic accident",
    "aanrijding": "traffic accident",
    "ongeluk": "traffic accident",
    "ongeval": "traffic accident",
    "traffic accident": "traffic accident",
    "accident": "traffic accident",
    "car crash": "traffic accident",
}

# Synonyms people type for a category; the labels themselves always work.
_ALIASES: dict[str, Category] = {
    "inbreker": Category.INBRAAK,
    "break-in": Category.INBRAAK,
    "poging inbraak": Category.POGING_TOT_INBRAAK,
    "verdacht": Category.VERDACHTE_SITUATIE,
    "suspicious": Category.VERDACHTE_SITUATIE,
    "verdacht persoon": Category.VERDACHTE_PERSOON,
    "verdachte auto": Category.VERDACHT_VOERTUIG,
    "vandalisme": Category.VERNIELING,
    "beroving": Category.STRAATROOF,
    "mugging": Category.STRAATROOF,
    "bedreigd": Category.BEDREIGING,
    "vermist": Category.VERMISSING,
    "missing": Category.VERMISSING,
    "oplichting aan de deur": Category.BABBELTRUC,
    "doorstep fraud": Category.BABBELTRUC,
}

_OUT_OF_SCOPE_KEYS = {match_key(word): what for word, what in OUT_OF_SCOPE_WORDS.items()}
_ALIAS_KEYS = {match_key(word): category for word, category in _ALIASES.items()}


def tidy_lines(text: str) -> str:
    """Collapse whitespace within each line and drop the blank edges."""
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines())


def parse_category(text: Category | str) -> Category:
    """A category from its Dutch or English label, its name, or a synonym.

    ``"Poging tot inbraak"``, ``"attempted burglary"`` and
    ``"POGING_TOT_INBRAAK"`` all give :attr:`Category.POGING_TOT_INBRAAK`.
    Raises :class:`~routing.errors.OutOfScopeError` for a fire or a traffic
    accident (H3: call 112; the groups do not handle it) and
    :class:`~routing.errors.InvalidValueError` for anything else unknown.
    """
    if isinstance(text, Category):
        return text
    key = match_key(check_text(text, "a category"))
    if key in _OUT_OF_SCOPE_KEYS:
        raise OutOfScopeError(
            text,
            f"a {_OUT_OF_SCOPE_KEYS[key]} is not for the buurtpreventie groups: "
            "call 112 and follow the emergency services",
        )
    if key in _ALIAS_KEYS:
        return _ALIAS_KEYS[key]
    return Category.parse(text)


class Sex(Labelled):
    """Sex as the witness saw it (H8)."""

    MAN = ("man", "man")
    VROUW = ("vrouw", "woman")
    ONBEKEND = ("onbekend", "unknown")


class Build(Labelled):
    """Build (postuur) of a person."""

    TENGER = ("tenger", "slight")
    SLANK = ("slank", "slim")
    NORMAAL = ("normaal", "average")
    GESPIERD = ("gespierd", "muscular")
    FORS = ("fors", "heavy")


class PhotoSubject(Labelled):
    """What a photo shows; a person needs a reason (H7)."""

    PERSOON = ("persoon", "person")
    VOERTUIG = ("voertuig", "vehicle")
    PLEK = ("plek", "place")
    ANDERS = ("anders", "other")


# attrs' mypy plugin needs converters to be named functions, hence these
# small wrappers around the enums' parse methods.
def _sex(value: Sex | str) -> Sex:
    return Sex.parse(value)


def _build(value: Build | str | None) -> Build | None:
    return None if value is None else Build.parse(value)


def _transport(value: Transport | str) -> Transport:
    return Transport.parse(value)


def _optional_transport(value: Transport | str | None) -> Transport | None:
    return None if value is None else Transport.parse(value)


def _compass(value: Compass | str | None) -> Compass | None:
    return None if value is None else Compass.parse(value)


def _subject(value: PhotoSubject | str) -> PhotoSubject:
    return PhotoSubject.parse(value)


_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _multiline(value: object) -> str:
    return tidy_lines(check_text(value))


def _texts(values: Iterable[str] | str) -> tuple[str, ...]:
    items = (values,) if isinstance(values, str) else check_list(values, "particulars")
    return tuple(item for item in (clean_text(value) for value in items) if item)  # type: ignore[arg-type]


def _optional_text(value: str | None) -> str | None:
    return (clean_text(value) or None) if value is not None else None


@attrs.frozen(kw_only=True)
class Estimate:
    """An estimated number as a range, because witnesses guess ("20 to 25").

    ``low == high`` for a single guess. Given an ``int`` or a ``(low, high)``
    pair, :class:`Person` builds the estimate itself.
    """

    low: int = attrs.field()
    high: int = attrs.field()

    @low.validator
    def _check_low(self, _: attrs.Attribute[int], value: object) -> None:
        if check_int(value, "an estimate") < 0:
            raise InvalidValueError(value, "an estimate is a whole number, 0 or more")

    @high.validator
    def _check_high(self, _: attrs.Attribute[int], value: object) -> None:
        if check_int(value, "an estimate") < self.low:
            raise InvalidValueError((self.low, value), "an estimate needs low <= high")

    def describe(self) -> str:
        """``"25"`` or ``"20-25"``."""
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


def _estimate(value: Estimate | int | tuple[int, int] | None) -> Estimate | None:
    if value is None or isinstance(value, Estimate):
        return value
    if isinstance(value, tuple):
        if len(value) != 2:
            raise InvalidValueError(value, "an estimate is a number or a pair (low, high)")
        low, high = value
        return Estimate(low=low, high=high)
    return Estimate(low=value, high=value)


def _within(low: int, high: int, unit: str) -> _Validator:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, Estimate) and not (low <= value.low and value.high <= high):
            raise InvalidValueError(
                value.describe(), f"{attribute.name} must lie between {low} and {high} {unit}"
            )

    return check


@attrs.frozen(kw_only=True)
class Person:
    """The signalement of one person (H8): sex, skin colour, height,
    clothing and face, plus what else helps to recognise them.

    Every field is optional, since a witness sees what they see; an empty
    ``Person()`` still says "one more person" in a group.
    """

    sex: Sex = attrs.field(default=Sex.ONBEKEND, converter=_sex)
    age: Estimate | None = attrs.field(
        default=None, converter=_estimate, validator=_within(0, 120, "years")
    )
    height_cm: Estimate | None = attrs.field(
        default=None, converter=_estimate, validator=_within(50, 250, "cm")
    )
    build: Build | None = attrs.field(default=None, converter=_build)
    skin: str = attrs.field(default="", converter=clean_text)
    hair: str = attrs.field(default="", converter=clean_text)
    face: str = attrs.field(default="", converter=clean_text)
    clothing: str = attrs.field(default="", converter=clean_text)
    particulars: tuple[str, ...] = attrs.field(default=(), converter=_texts)


def _kenteken(value: Kenteken | str | None) -> Kenteken | None:
    if value is None or isinstance(value, Kenteken):
        return value
    return parse_kenteken(value)


# Means of transport that cannot carry a kenteken or be described as a vehicle.
_NOT_VEHICLES = frozenset({Transport.TE_VOET, Transport.OPENBAAR_VERVOER})


@attrs.frozen(kw_only=True)
class Vehicle:
    """A vehicle in a melding (H8): kind, colour, make, model and kenteken.

    ``kenteken`` accepts text and is validated against every Dutch sidecode
    (see :mod:`routing.domain.kenteken`); write ``?`` for characters not seen.
    """

    kind: Transport = attrs.field(default=Transport.AUTO, converter=_transport)
    colour: str = attrs.field(default="", converter=clean_text)
    make: str = attrs.field(default="", converter=clean_text)
    model: str = attrs.field(default="", converter=clean_text)
    kenteken: Kenteken | None = attrs.field(default=None, converter=_kenteken)

    @kind.validator
    def _check_kind(self, _: attrs.Attribute[Transport], value: Transport) -> None:
        if value in _NOT_VEHICLES:
            raise InvalidValueError(value.label_nl, "is a way of moving, not a vehicle")


def _reference(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        raise PhotoError(
            f"<{len(value)} bytes>",
            "a melding stores a reference to a photo (file name or URI), never the image",
        )
    if not isinstance(value, str) or not value.strip():
        raise PhotoError(value, "a photo needs a reference (file name or URI)")
    return check_text(value, "a photo's reference").strip()


@attrs.frozen(kw_only=True)
class Photo:
    """A photo attached to a melding, by reference (H7).

    ``reference`` is opaque to the library: a file name, a URI, an id in the
    app's store. The image itself never enters a melding, so nothing here can
    leak it. A photo of a person needs a ``reason`` why it adds to the
    signalement (H7: only when necessary or of added value).
    """

    reference: str = attrs.field(converter=_reference)
    subject: PhotoSubject = attrs.field(default=PhotoSubject.PERSOON, converter=_subject)
    reason: str = attrs.field(default="", converter=clean_text)

    def __attrs_post_init__(self) -> None:
        if self.subject is PhotoSubject.PERSOON and not self.reason:
            raise PhotoError(
                self.reference,
                "a photo of a person is only shared with a reason why it is needed (H7); "
                "describe the person in words otherwise",
            )


def _optional_place(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_instance(value, Place, attribute.name)


def _seen_at(value: object) -> dt.datetime | None:
    """``value`` with its zone pinned to the offset it has at that moment.

    A journal keeps a time as ISO text with its UTC offset, so a zone's name
    is lost there anyway. Pinning it now means the melding read back is
    equal to the one made. It matters at a clock change: Python never counts
    a local time in a zone's gap or repeated hour equal to a time in another
    zone, so 02:30 on the night clocks go forward would not come back equal.
    """
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        raise InvalidValueError(value, "seen_at must be a datetime")
    offset = value.utcoffset()
    if offset is None or isinstance(value.tzinfo, dt.timezone):
        return value
    return value.replace(tzinfo=dt.timezone(offset), fold=0)


# Named converters, one per element type: attrs' mypy plugin cannot type a
# bare tuple() converter, and callers would see "expected Iterable[_T_co]".
def _persons(values: Iterable[Person]) -> tuple[Person, ...]:
    return tuple(
        check_instance(v, Person, "each of persons") for v in check_list(values, "persons")
    )


def _vehicles(values: Iterable[Vehicle]) -> tuple[Vehicle, ...]:
    return tuple(
        check_instance(v, Vehicle, "each of vehicles") for v in check_list(values, "vehicles")
    )


def _photos(values: Iterable[Photo]) -> tuple[Photo, ...]:
    return check_items(values, Photo, "photos")


@attrs.frozen(kw_only=True)
class Melding:
    """One report by a resident, structured along SAAR (R3).

    a. ``called_112``: whether 112 was called (H3, H4). A melding without it
       is valid data but is held by screening (:mod:`routing.domain.screening`).
    b. ``persons``, ``vehicles``, ``place``, ``direction`` (the looprichting
       as people say it, "richting Parklaan"), ``heading``, ``transport`` and
       ``seen_at``: the signalement and where it went (H8).
    c. ``action``: what the reporter is going to do.

    ``text`` is free text for the rest; ``photos`` are references (H7).
    Lists become tuples, so a melding is hashable and can be used as a key.
    Times are values given by the caller; nothing here reads a clock.
    """

    category: Category = attrs.field(converter=parse_category)
    called_112: bool = attrs.field(validator=field(check_flag))
    persons: tuple[Person, ...] = attrs.field(default=(), converter=_persons)
    vehicles: tuple[Vehicle, ...] = attrs.field(default=(), converter=_vehicles)
    place: Place | None = attrs.field(default=None, validator=_optional_place)
    direction: str | None = attrs.field(default=None, converter=_optional_text)
    heading: Compass | None = attrs.field(default=None, converter=_compass)
    transport: Transport | None = attrs.field(default=None, converter=_optional_transport)
    seen_at: dt.datetime | None = attrs.field(default=None, converter=_seen_at)
    action: str = attrs.field(default="", converter=_multiline)
    text: str = attrs.field(default="", converter=_multiline)
    photos: tuple[Photo, ...] = attrs.field(default=(), converter=_photos)

    def texts(self) -> tuple[str, ...]:
        """Every piece of free text a person typed, for screening (H5)."""
        parts: list[str] = [self.text, self.action, self.direction or ""]
        for person in self.persons:
            parts += [person.skin, person.hair, person.face, person.clothing]
            parts += person.particulars
        for vehicle in self.vehicles:
            parts += [vehicle.colour, vehicle.make, vehicle.model]
        if self.place is not None:
            parts += [self.place.street, self.place.buurt, self.place.landmark]
        parts += [photo.reason for photo in self.photos]
        return tuple(part for part in parts if part)

    def redacted(self, mark: str = "") -> Melding:
        """What is left of this melding once its reporter is erased (AVG art. 17).

        Everything that describes a person, a vehicle or a place goes, and so
        does the text the reporter typed (:data:`REDACTED_FIELDS`). What the
        process counts stays: the category, whether 112 was called, when it
        was seen, the heading and the means of transport (choices from a
        list, not descriptions), one undescribed person per person, one
        vehicle of the same kind per vehicle, one unreadable photo per photo
        (H7's reason too, for a photo of a person), and the buurt of the
        place: an area of hundreds of homes, which a policy may have routed
        on. Free text that was there becomes ``mark`` (empty by default).
        Redacting twice gives the same melding.
        """
        place = self.place
        return attrs.evolve(
            self,
            persons=[Person() for _ in self.persons],
            vehicles=[Vehicle(kind=v.kind) for v in self.vehicles],
            place=Place(buurt=place.buurt) if place is not None and place.buurt else None,
            direction=(mark or None) if self.direction else None,
            action=mark if self.action else "",
            text=mark if self.text else "",
            photos=[
                Photo(
                    reference=REDACTED,
                    subject=p.subject,
                    reason=REDACTED if p.subject is PhotoSubject.PERSOON else "",
                )
                for p in self.photos
            ],
        )


#: What erased free text reads as, in the relay and in the journal (AVG art. 17).
REDACTED = "[verwijderd]"

#: The fields of a :class:`Melding` that :meth:`Melding.redacted` clears.
REDACTED_FIELDS = ("persons", "vehicles", "place", "direction", "action", "text", "photos")
