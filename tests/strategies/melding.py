"""Hypothesis strategies for meldingen, kentekens, postcodes and screening.

The letter sets and layouts below are written out again from the sources
(RDW via nummerborden.info, PostNL via Wikipedia) instead of imported from
``routing``, so the tests check the code against an independent statement of
the rules rather than against itself.
"""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import assume
from hypothesis import strategies as st

from routing.domain.melding import Category, Melding, Person, Photo, PhotoSubject, Vehicle
from routing.domain.place import Compass, Place, Transport

# Sidecode -> layout, X a letter and 9 a digit (nl.wikipedia "Nederlands kenteken").
LAYOUTS = {
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
OLD_LETTERS = string.ascii_uppercase  # sidecodes 1-3 predate the letter rules
SIDECODE_4_LETTERS = "BDFGHJKLMNPRSTVWXYZ"  # no vowels, no C or Q
LATER_LETTERS = "BDFGHJKLMNPRSTVWXZ"  # and from sidecode 5 no Y either
BANNED = ("GVD", "KKK", "KVT", "LPF", "NSB", "PKK", "PSV", "PVV", "SD", "SGP", "SS", "TBS", "VVD")
NEVER_FROM_4 = "AEIUCQ"  # O is left out: it may start an oplegger's plate


def letters_for(sidecode: int) -> str:
    if sidecode <= 3:
        return OLD_LETTERS
    return SIDECODE_4_LETTERS if sidecode == 4 else LATER_LETTERS


def _banned_in(plate: str, sidecode: int) -> bool:
    if sidecode < 4:
        return False
    return any(combo in group for group in plate.split("-") for combo in BANNED)


@st.composite
def plates(draw: st.DrawFn, sidecode: int | None = None) -> tuple[int, str]:
    """A valid plate in printed form, with its sidecode."""
    code = draw(st.sampled_from(sorted(LAYOUTS))) if sidecode is None else sidecode
    alphabet = letters_for(code)
    chars = [
        draw(st.sampled_from(alphabet))
        if kind == "X"
        else draw(st.sampled_from(string.digits))
        if kind == "9"
        else "-"
        for kind in LAYOUTS[code]
    ]
    plate = "".join(chars)
    # Rejection is cheap here: few random groups spell a banned combination.
    assume(not _banned_in(plate, code))
    return code, plate


@st.composite
def typed_like_a_person(draw: st.DrawFn, plate: str) -> str:
    """The same plate as people type it: any case, dashes, spaces or nothing."""
    sep = draw(st.sampled_from(["-", " ", "", " - "]))
    groups = plate.split("-")
    text = sep.join(groups) if sep else "".join(groups)
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    text = "".join(c.lower() if flip else c for c, flip in zip(text, flips, strict=True))
    pad = draw(st.sampled_from(["", " ", "  "]))
    return pad + text + pad


@st.composite
def plates_with_bad_letter(draw: st.DrawFn) -> tuple[int, str, str]:
    """A near miss: a plate of sidecode 4+ with one letter the RDW never uses."""
    code, plate = draw(plates(draw(st.integers(4, 14))))
    positions = [i for i, c in enumerate(plate) if c.isalpha()]
    where = draw(st.sampled_from(positions))
    bad = draw(st.sampled_from(NEVER_FROM_4 + ("Y" if code >= 5 else "")))
    return code, plate[:where] + bad + plate[where + 1 :], bad


@st.composite
def partial_plates(draw: st.DrawFn) -> tuple[int, str, str]:
    """A valid plate with some (not all) characters unreadable: (sidecode, full, partial)."""
    code, plate = draw(plates())
    positions = [i for i, c in enumerate(plate) if c != "-"]
    hidden = draw(st.sets(st.sampled_from(positions), min_size=1, max_size=len(positions) - 1))
    mark = draw(st.sampled_from("?*"))
    partial = "".join(mark if i in hidden else c for i, c in enumerate(plate))
    return code, plate, partial


# --- postcodes ---------------------------------------------------------------

POSTCODE_LETTERS = (
    st.tuples(st.sampled_from(string.ascii_uppercase), st.sampled_from(string.ascii_uppercase))
    .map("".join)
    .filter(lambda pair: pair not in {"SA", "SD", "SS"})
)


@st.composite
def postcodes(draw: st.DrawFn) -> str:
    """A valid postcode in official form, ``1234 AB``."""
    return f"{draw(st.integers(1000, 9999))} {draw(POSTCODE_LETTERS)}"


@st.composite
def typed_postcodes(draw: st.DrawFn, official: str) -> str:
    digits, letters = official.split()
    sep = draw(st.sampled_from(["", " ", "  ", "-", " - "]))
    if draw(st.booleans()):
        letters = letters.lower()
    return f"{digits}{sep}{letters}"


@st.composite
def bad_postcodes(draw: st.DrawFn) -> str:
    """Near misses: a leading 0, a banned pair, or a wrong shape."""
    kind = draw(st.sampled_from(["zero", "banned", "short", "long", "letters", "digits"]))
    number = draw(st.integers(1000, 9999))
    letters = draw(POSTCODE_LETTERS)
    if kind == "zero":
        return f"0{draw(st.integers(0, 999)):03d} {letters}"
    if kind == "banned":
        return f"{number} {draw(st.sampled_from(['SA', 'SD', 'SS', 'sa', 'sd', 'ss']))}"
    if kind == "short":
        return f"{number // 10} {letters}"
    if kind == "long":
        return f"{number}{draw(st.integers(0, 9))} {letters}"
    if kind == "letters":
        return f"{number} {letters[0]}"
    return f"{number} {draw(st.integers(10, 99))}"


# --- meldingen ---------------------------------------------------------------

words = st.text(alphabet=string.ascii_letters + " éë", max_size=20)
times = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1))


@st.composite
def estimates(draw: st.DrawFn, low: int, high: int) -> int | tuple[int, int]:
    first = draw(st.integers(low, high))
    if draw(st.booleans()):
        return first
    return (first, draw(st.integers(first, high)))


persons = st.builds(
    Person,
    sex=st.sampled_from(["man", "vrouw", "onbekend", "woman"]),
    age=st.none() | estimates(0, 120),
    height_cm=st.none() | estimates(50, 250),
    build=st.none() | st.sampled_from(["tenger", "slank", "fors"]),
    skin=words,
    hair=words,
    face=words,
    clothing=words,
    particulars=st.lists(words, max_size=3),
)

vehicles = st.builds(
    Vehicle,
    kind=st.sampled_from(
        [t for t in Transport if t not in {Transport.TE_VOET, Transport.OPENBAAR_VERVOER}]
    ),
    colour=words,
    make=words,
    model=words,
    kenteken=st.none() | plates().map(lambda cp: cp[1]),
)

places = st.builds(
    Place,
    street=st.sampled_from(["Dorpsstraat", "Parklaan", "Kerkplein"]),
    buurt=words,
    postcode=st.none() | postcodes(),
)

photos = st.builds(
    Photo,
    reference=st.from_regex(r"[a-z]{1,8}/[a-z0-9]{1,8}\.jpg", fullmatch=True),
    subject=st.sampled_from(list(PhotoSubject)),
    reason=st.sampled_from(["gezicht goed zichtbaar", "kenteken leesbaar"]),
)


def meldings_kwargs() -> st.SearchStrategy[dict[str, object]]:
    """Keyword arguments for a valid Melding, as an app would pass them."""
    return st.fixed_dictionaries(
        {
            "category": st.sampled_from(list(Category)),
            "called_112": st.booleans(),
            "persons": st.lists(persons, max_size=3),
            "vehicles": st.lists(vehicles, max_size=2),
            "place": st.none() | places,
            "direction": st.none() | st.sampled_from(["richting Parklaan", "richting station"]),
            "heading": st.none() | st.sampled_from(list(Compass)),
            "transport": st.none() | st.sampled_from(list(Transport)),
            "seen_at": st.none() | times,
            "action": st.sampled_from(["", "Ik blijf binnen.", "Ik houd afstand en kijk mee."]),
            "text": words,
            "photos": st.lists(photos, max_size=2),
        }
    )


meldingen: st.SearchStrategy[Melding] = meldings_kwargs().map(lambda kw: Melding(**kw))  # type: ignore[arg-type]
