"""Where a situation was seen, and where the people in it went.

Readers of a melding act on place and movement first: "is this my street,
and are they coming my way?" (R3b, R6). So the place is structured (street,
buurt, an optional postcode) and the movement has a compass heading and a
means of transport that an app can offer as buttons, next to the free-text
looprichting ("richting Parklaan") that people actually write.

A Dutch postcode is four digits, the first not 0, then two letters. PostNL
never issues the letter pairs SA, SD and SS because of their association with
the German occupation; the letters F, I, O, Q, U and Y, once skipped for
sorting machines, are issued since 2005 and so pass here (source:
en.wikipedia.org "Postal codes in the Netherlands").
"""

from __future__ import annotations

import re

import attrs

from routing.errors import InvalidValueError, PostcodeError

from .labels import Labelled, clean_text

__all__ = [
    "FORBIDDEN_POSTCODE_LETTERS",
    "Compass",
    "Place",
    "Postcode",
    "Transport",
    "normalize_postcode",
    "parse_postcode",
]

#: Letter pairs that no Dutch postcode carries.
FORBIDDEN_POSTCODE_LETTERS: frozenset[str] = frozenset({"SA", "SD", "SS"})

_POSTCODE = re.compile(r"([0-9]{4})\s*-?\s*([A-Za-z]{2})")


@attrs.frozen(kw_only=True)
class Postcode:
    """A Dutch postcode such as ``1234 AB``; build it with :func:`parse_postcode`."""

    number: int = attrs.field()
    letters: str = attrs.field()

    @number.validator
    def _check_number(self, _: attrs.Attribute[int], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 9999:
            raise PostcodeError(value, "the number of a postcode is 1000 to 9999")

    @letters.validator
    def _check_letters(self, _: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}", value):
            raise PostcodeError(value, "a postcode ends in two capital letters")
        if value in FORBIDDEN_POSTCODE_LETTERS:
            raise PostcodeError(value, f"the letters {value} are never used in a postcode")

    def __str__(self) -> str:
        return f"{self.number} {self.letters}"


def parse_postcode(text: str) -> Postcode:
    """Parse a postcode as people type it (``"1234ab"``, ``"1234 AB"``, ``"1234-ab"``).

    Raises :class:`~routing.errors.PostcodeError` naming the input and what is
    wrong with it.
    """
    if not isinstance(text, str):
        raise PostcodeError(text, "a postcode must be given as text")
    match = _POSTCODE.fullmatch(text.strip())
    if match is None:
        raise PostcodeError(text, "a postcode is four digits and two letters, like 1234 AB")
    digits, letters = match.groups()
    if digits[0] == "0":
        raise PostcodeError(text, "a postcode never starts with 0")
    letters = letters.upper()
    if letters in FORBIDDEN_POSTCODE_LETTERS:
        raise PostcodeError(text, f"the letters {letters} are never used in a postcode")
    return Postcode(number=int(digits), letters=letters)


def normalize_postcode(text: str) -> str:
    """The postcode in its official form, ``"1234ab"`` -> ``"1234 AB"``."""
    return str(parse_postcode(text))


def _to_postcode(value: Postcode | str | None) -> Postcode | None:
    if value is None or isinstance(value, Postcode):
        return value
    return parse_postcode(value)


class Compass(Labelled):
    """Heading of the people seen, on the eight-point compass rose."""

    N = ("noord", "north")
    NO = ("noordoost", "north-east")
    O = ("oost", "east")  # noqa: E741 - the Dutch abbreviation of oost is O
    ZO = ("zuidoost", "south-east")
    Z = ("zuid", "south")
    ZW = ("zuidwest", "south-west")
    W = ("west", "west")
    NW = ("noordwest", "north-west")


class Transport(Labelled):
    """How the people seen move: decides how far they get before the next
    wijk hears of it (R6)."""

    TE_VOET = ("te voet", "on foot")
    FIETS = ("fiets", "bicycle")
    SCOOTER = ("scooter", "scooter")
    BROMFIETS = ("brommer", "moped")
    MOTOR = ("motor", "motorcycle")
    AUTO = ("auto", "car")
    BESTELBUS = ("bestelbus", "van")
    VRACHTWAGEN = ("vrachtwagen", "lorry")
    OPENBAAR_VERVOER = ("openbaar vervoer", "public transport")


@attrs.frozen(kw_only=True)
class Place:
    """Where the situation was seen (R3b).

    At least one of ``street``, ``buurt``, ``postcode`` or ``landmark`` is
    given. ``postcode`` accepts text and is normalised to ``1234 AB``.
    """

    street: str = attrs.field(default="", converter=clean_text)
    buurt: str = attrs.field(default="", converter=clean_text)
    postcode: Postcode | None = attrs.field(default=None, converter=_to_postcode)
    landmark: str = attrs.field(default="", converter=clean_text)

    def __attrs_post_init__(self) -> None:
        if not (self.street or self.buurt or self.postcode or self.landmark):
            raise InvalidValueError(self, "a place needs a street, buurt, postcode or landmark")

    def describe(self) -> str:
        """The place in one line, as a member would write it."""
        parts = [self.street, self.landmark, str(self.postcode or ""), self.buurt]
        return ", ".join(part for part in parts if part)
