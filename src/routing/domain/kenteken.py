"""Dutch licence plates (kenteken), checked against every sidecode.

A signalement names a vehicle's kenteken (H8), and a wrong plate in a
melding sends the whole wijk looking for the wrong car. So a plate is parsed,
not stored as typed: case, dashes and spaces are normalised, the letter and
digit pattern must match one of the RDW's sidecodes 1-14, and the letters must
be ones the RDW issues for that sidecode.

Witnesses often read only part of a plate. A partly seen plate is written with
``?`` or ``*`` for each unknown character (``"GB-1??-X"``); it is kept, marked
:attr:`Kenteken.partial`, as long as the known characters fit at least one
sidecode. Its :attr:`Kenteken.sidecodes` lists every sidecode it still fits,
which is what a reader needs to recognise the car.

Sources for the rules below (checked in 2024):

* the sidecode table of nl.wikipedia.org "Nederlands kenteken" and
  de.wikipedia.org "Systematik der Kfz-Kennzeichen (Niederlande)";
* RDW, as quoted on nummerborden.info ("Uitgesloten lettercombinaties"):
  since sidecode 4 no vowels (except for opleggers) and no C or Q, which look
  too much like a zero;
* the list of combinations the RDW does not issue, as quoted by RTL Nieuws
  (2019-08, "kentekens verboden lettercombinaties") and blog.kenteken.tv
  (2021-12-14): GVD, KKK, KVT, LPF, NSB, PKK, PSV, TBS, SS and SD (SS and SD
  also not inside three letters), and, after questions in the Tweede Kamer,
  PVV, SGP and VVD.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from routing.errors import KentekenError

__all__ = [
    "FORBIDDEN_COMBINATIONS",
    "SIDECODES",
    "UNKNOWN",
    "Kenteken",
    "normalize_kenteken",
    "parse_kenteken",
]

#: The character that stands for one unreadable position in a partial plate.
UNKNOWN = "?"

#: Sidecode number -> pattern, X a letter and 9 a digit, dashes as printed.
#: Sidecode 11 (XXX-99-X) is issued to passenger cars since June 2024; 12-14
#: are reserved by the RDW and accepted so that the library does not need a
#: release on the day they appear.
SIDECODES: dict[int, str] = {
    1: "XX-99-99",
    2: "99-99-XX",
    3: "99-XX-99",
    4: "XX-99-XX",
    5: "XX-XX-99",
    6: "99-XX-XX",
    7: "99-XXX-9",
    8: "9-XXX-99",
    9: "XX-999-X",
    10: "X-999-XX",
    11: "XXX-99-X",
    12: "X-99-XXX",
    13: "9-XX-999",
    14: "999-XX-9",
}

#: Letter groups the RDW never issues (see the module docstring for sources).
#: Two-letter entries are refused also inside a group of three letters.
FORBIDDEN_COMBINATIONS: frozenset[str] = frozenset(
    {
        "GVD",
        "KKK",
        "KVT",
        "LPF",
        "NSB",
        "PKK",
        "PSV",
        "PVV",
        "SD",
        "SGP",
        "SS",
        "TBS",
        "VVD",
    }
)

_VOWELS = frozenset("AEIOU")
# Sidecodes 1-3 predate the letter rules: they carried every letter (vowels
# included), so an old plate with an A or a Q is genuine and must pass.
_FIRST_RESTRICTED_SIDECODE = 4
# Brief and RDW agree that C and Q are gone from sidecode 4 on; Y followed
# from sidecode 5 on (blog.kenteken.tv lists it among the letters that "left").
_NO_Y_FROM_SIDECODE = 5
# From sidecode 4 on, O survives only as the first letter of an oplegger.
_OPLEGGER = "O"

_SEPARATORS = re.compile(r"[\s\-–.]+")
_ALLOWED = re.compile(r"[A-Z0-9?]*")


def _shape(pattern: str) -> tuple[int, ...]:
    return tuple(len(group) for group in pattern.split("-"))


def _kinds(pattern: str) -> str:
    return pattern.replace("-", "")


def _forbidden_letters(sidecode: int) -> frozenset[str]:
    if sidecode < _FIRST_RESTRICTED_SIDECODE:
        return frozenset()
    letters = set(_VOWELS) | {"C", "Q"}
    if sidecode >= _NO_Y_FROM_SIDECODE:
        letters.add("Y")
    return frozenset(letters)


def _groups(chars: str, pattern: str) -> list[str]:
    """``chars`` cut into the printed groups of ``pattern`` (GB123X -> GB, 123, X)."""
    groups, pos = [], 0
    for size in _shape(pattern):
        groups.append(chars[pos : pos + size])
        pos += size
    return groups


def _letter_groups(chars: str, pattern: str) -> list[str]:
    kinds = pattern.split("-")
    return [
        group for group, kind in zip(_groups(chars, pattern), kinds, strict=True) if kind[0] == "X"
    ]


def _problem(chars: str, sidecode: int) -> str | None:
    """Why ``chars`` (``?`` for unknown) cannot be a plate of ``sidecode``."""
    pattern = SIDECODES[sidecode]
    for char, kind in zip(chars, _kinds(pattern), strict=True):
        if char == UNKNOWN:
            continue
        if kind == "9" and not char.isdigit():
            return f"sidecode {sidecode} ({pattern}) has a digit where {char!r} is"
        if kind == "X" and not char.isalpha():
            return f"sidecode {sidecode} ({pattern}) has a letter where {char!r} is"
    banned = _forbidden_letters(sidecode)
    for index, char in enumerate(chars):
        if char in banned and not (index == 0 and char == _OPLEGGER):
            what = "the vowel" if char in _VOWELS else "the letter"
            return f"sidecode {sidecode} ({pattern}) never uses {what} {char!r}"
    if sidecode >= _FIRST_RESTRICTED_SIDECODE:
        for group in _letter_groups(chars, pattern):
            for combination in sorted(FORBIDDEN_COMBINATIONS):
                if combination in group:
                    return f"the RDW never issues the letter combination {combination!r}"
    return None


@attrs.frozen(kw_only=True)
class Kenteken:
    """A normalised Dutch kenteken, complete or partly seen (H8).

    Build one with :func:`parse_kenteken` (or ``Kenteken.parse``); the
    constructor is for values that are already normalised and is checked the
    same way, so an invalid ``Kenteken`` cannot exist.

    ``value`` is the plate as printed (``"GB-123-X"``). For a partial plate it
    keeps ``?`` for unknown characters, with dashes only when every sidecode
    it still fits shares one layout. ``sidecodes`` are the sidecodes it fits:
    exactly one for a complete plate.
    """

    value: str
    sidecodes: tuple[int, ...] = attrs.field(eq=False, repr=False, default=())

    def __attrs_post_init__(self) -> None:
        parsed = parse_kenteken(self.value)
        if parsed.value != self.value:
            raise KentekenError(self.value, f"not normalised; write it as {parsed.value!r}")
        object.__setattr__(self, "sidecodes", parsed.sidecodes)

    @classmethod
    def parse(cls, text: str) -> Kenteken:
        """Same as :func:`parse_kenteken`."""
        return parse_kenteken(text)

    @property
    def partial(self) -> bool:
        """True if some characters were not seen."""
        return UNKNOWN in self.value

    @property
    def sidecode(self) -> int | None:
        """The sidecode, or ``None`` while a partial plate fits several."""
        return self.sidecodes[0] if len(self.sidecodes) == 1 else None

    def __str__(self) -> str:
        return self.value


def _make(value: str, sidecodes: Iterable[int]) -> Kenteken:
    # Bypass __attrs_post_init__: the value was just produced by the parser,
    # and re-parsing it would recurse.
    plate = object.__new__(Kenteken)
    object.__setattr__(plate, "value", value)
    object.__setattr__(plate, "sidecodes", tuple(sidecodes))
    return plate


def _format(chars: str, pattern: str) -> str:
    return "-".join(_groups(chars, pattern))


def parse_kenteken(text: str) -> Kenteken:
    """Parse a Dutch kenteken as a person would type it.

    Case, spaces and dashes do not matter: ``"gb 123 x"`` and ``"GB-123-X"``
    give the same plate. Write ``?`` or ``*`` for a character that was not
    seen. Raises :class:`~routing.errors.KentekenError` naming the plate and
    the reason when no sidecode fits, or when a letter or letter combination
    is one the RDW never issues.
    """
    if not isinstance(text, str):
        raise KentekenError(text, "a kenteken must be given as text")
    raw = text.strip().upper().replace("*", UNKNOWN)
    pieces = [piece for piece in _SEPARATORS.split(raw) if piece]
    chars = "".join(pieces)
    if not chars:
        raise KentekenError(text, "empty kenteken")
    if not _ALLOWED.fullmatch(chars):
        bad = next(c for c in chars if not _ALLOWED.fullmatch(c))
        raise KentekenError(text, f"{bad!r} never appears on a Dutch kenteken")
    if len(chars) != 6:
        raise KentekenError(
            text, f"a Dutch kenteken has 6 letters and digits, this has {len(chars)}"
        )
    if set(chars) == {UNKNOWN}:
        raise KentekenError(text, "no character of the kenteken is known; leave it out")

    problems: dict[int, str] = {}
    fits: list[int] = []
    for sidecode in SIDECODES:
        problem = _problem(chars, sidecode)
        if problem is None:
            fits.append(sidecode)
        else:
            problems[sidecode] = problem
    if not fits:
        raise KentekenError(text, _explain(chars, problems))

    if UNKNOWN not in chars:
        # Letters and digits alternate differently in every sidecode, so a
        # complete plate fits exactly one and the typed dashes do not matter.
        (only,) = fits
        return _make(_format(chars, SIDECODES[only]), fits)

    # For a partial plate the typed grouping is evidence about the sidecode;
    # use it when it is consistent with one, otherwise ignore it (people
    # misplace dashes more often than they misread letters).
    typed = tuple(len(piece) for piece in pieces)
    if len(typed) == 3:
        matching = [s for s in fits if _shape(SIDECODES[s]) == typed]
        if matching:
            fits = matching
    shapes = {_shape(SIDECODES[s]) for s in fits}
    if len(shapes) == 1:
        return _make(_format(chars, SIDECODES[fits[0]]), fits)
    return _make(chars, fits)


def _explain(chars: str, problems: dict[int, str]) -> str:
    pattern = "".join("9" if c.isdigit() else "X" if c.isalpha() else "?" for c in chars)
    same_kinds = [
        s
        for s in SIDECODES
        if all(p == "?" or p == k for p, k in zip(pattern, _kinds(SIDECODES[s]), strict=True))
    ]
    if not same_kinds:
        return "the letters and digits match no Dutch sidecode (1-14)"
    # The layout fits, so the letters are the problem: name that reason.
    return problems[same_kinds[0]]


def normalize_kenteken(text: str) -> str:
    """The kenteken in its printed form (``"gb123x"`` -> ``"GB-123-X"``).

    Raises :class:`~routing.errors.KentekenError` like :func:`parse_kenteken`.
    """
    return parse_kenteken(text).value
