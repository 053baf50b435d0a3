"""A melding as the chat text a member would post, and the afloop text.

The groups live in ordinary chat apps, so whatever an app structures must
come out as one message that reads like a careful resident wrote it. The
shape follows SAAR (R3): (a) 112 was called and the police will call the
casushouder back, (b) the signalement with place and looprichting (H8),
(c) what the reporter is going to do. The closing message (afloopbericht,
R8) tells every group that was reached that the action is over.

Dutch is the default because the groups are Dutch; English exists for
residents and partners who do not read Dutch. These are pure functions: they
return the text and never print or post it; the app or relay does that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, TypeVar

from .melding import Sex, tidy_lines

# Read once: on Python 3.11 every ``Sex.ONBEKEND`` is a lookup through the enum's
# metaclass, about twenty times a global's cost, and this runs for every melding.
_SEX_UNKNOWN = Sex.ONBEKEND

if TYPE_CHECKING:
    import datetime as dt

    from .labels import Labelled
    from .melding import Melding, Person, Vehicle

__all__ = ["LANGUAGES", "render_afloop", "render_melding", "speaks_of_police_contact"]

_Item = TypeVar("_Item")

#: Languages the chat texts exist in.
LANGUAGES = ("nl", "en")

_WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "called": "a) 112 is gebeld. De politie belt mij terug; nieuwe informatie geef ik door.",
        "not_called": "a) 112 is NOG NIET gebeld.",
        "b": "b) Signalement en looprichting:",
        "person": "Persoon",
        "vehicle": "Voertuig",
        "years": "jaar",
        "place": "Plaats",
        "seen": "Gezien op {date} om {time}",
        "direction": "Looprichting",
        "heading": "richting {0}",
        "transport": "Vervoer",
        "kenteken": "kenteken",
        "partial": "deels gezien",
        "nothing": "geen signalement",
        "c": "c) Wat ik doe:",
        "no_action": "ik blijf op afstand en houd de groep op de hoogte",
        "photos": "Foto's",
        "afloop": "AFLOOP",
        "afloop_end": "De actie is voorbij. Dank voor het meekijken.",
        "by": "Gemeld door {0}",
    },
    "en": {
        "called": "a) 112 has been called. The police will call me back; "
        "I will pass on new information.",
        "not_called": "a) 112 has NOT been called yet.",
        "b": "b) Description and direction of travel:",
        "person": "Person",
        "vehicle": "Vehicle",
        "years": "years",
        "place": "Place",
        "seen": "Seen on {date} at {time}",
        "direction": "Direction",
        "heading": "heading {0}",
        "transport": "Transport",
        "kenteken": "licence plate",
        "partial": "partly seen",
        "nothing": "no description",
        "c": "c) What I am doing:",
        "no_action": "I keep my distance and keep the group informed",
        "photos": "Photos",
        "afloop": "CLOSED",
        "afloop_end": "The action is over. Thank you for keeping watch.",
        "by": "Reported by {0}",
    },
}


def _words(lang: str) -> dict[str, str]:
    try:
        return _WORDS[lang]
    except KeyError:
        raise ValueError(f"lang must be one of {LANGUAGES}, not {lang!r}") from None


def _when(moment: dt.datetime, lang: str) -> tuple[str, str]:
    date = moment.strftime("%Y-%m-%d") if lang == "en" else moment.strftime("%d-%m-%Y")
    return date, moment.strftime("%H:%M")


def _label(member: Labelled, en: bool) -> str:
    """An enum's label in the text's language (what :meth:`Labelled.label` gives)."""
    return member.label_en if en else member.label_nl


def _person(person: Person, en: bool, w: dict[str, str]) -> str:
    parts: list[str] = []
    if person.sex is not _SEX_UNKNOWN:
        parts.append(_label(person.sex, en))
    if person.age is not None:
        parts.append(f"{person.age.describe()} {w['years']}")
    if person.height_cm is not None:
        parts.append(f"{person.height_cm.describe()} cm")
    if person.build is not None:
        parts.append(_label(person.build, en))
    parts += [
        part
        for part in (person.skin, person.hair, person.face, person.clothing, *person.particulars)
        if part
    ]
    return ", ".join(parts) if parts else w["nothing"]


def _vehicle(vehicle: Vehicle, en: bool, w: dict[str, str]) -> str:
    parts = [
        _label(vehicle.kind, en),
        vehicle.colour,
        " ".join(filter(None, [vehicle.make, vehicle.model])),
    ]
    if vehicle.kenteken is not None:
        plate = f"{w['kenteken']} {vehicle.kenteken.value}"
        if vehicle.kenteken.partial:
            plate += f" ({w['partial']})"
        parts.append(plate)
    return ", ".join(part for part in parts if part)


def _listed(
    lines: list[str],
    label: str,
    items: tuple[_Item, ...],
    describe: Callable[[_Item, bool, dict[str, str]], str],
    en: bool,
    w: dict[str, str],
) -> None:
    """One line per item; numbered only when there is more than one (R3)."""
    if len(items) == 1:
        lines.append(f"- {label}: {describe(items[0], en, w)}")
    else:
        for index, item in enumerate(items, start=1):
            lines.append(f"- {label} {index}: {describe(item, en, w)}")


def render_melding(melding: Melding, *, lang: str = "nl") -> str:
    """The melding as one chat message in the SAAR shape of R3.

    ``lang`` is ``"nl"`` (default) or ``"en"``; labels of categories and
    enums follow it, free text stays as the reporter typed it. Raises
    :class:`ValueError` for any other ``lang``.
    """
    # Every resident's report is rendered once, on the relay's hot path: the
    # labels are read straight from the enum members, not through calls.
    w = _words(lang)
    en = lang == "en"
    lines = [
        _label(melding.category, en).upper(),
        w["called"] if melding.called_112 else w["not_called"],
        w["b"],
    ]
    if melding.place is not None:
        lines.append(f"- {w['place']}: {melding.place.describe()}")
    if melding.seen_at is not None:
        date, time = _when(melding.seen_at, lang)
        lines.append(f"- {w['seen'].format(date=date, time=time)}")
    _listed(lines, w["person"], melding.persons, _person, en, w)
    _listed(lines, w["vehicle"], melding.vehicles, _vehicle, en, w)
    heading = melding.heading
    if heading is not None:
        if melding.direction:
            lines.append(f"- {w['direction']}: {melding.direction} ({_label(heading, en)})")
        else:
            lines.append(f"- {w['direction']}: {w['heading'].format(_label(heading, en))}")
    elif melding.direction:
        lines.append(f"- {w['direction']}: {melding.direction}")
    if melding.transport is not None:
        lines.append(f"- {w['transport']}: {_label(melding.transport, en)}")
    if melding.text:
        lines.append(melding.text)
    lines.append(w["c"])
    lines.append(melding.action or w["no_action"])
    if melding.photos:
        refs = ", ".join([photo.reference for photo in melding.photos])
        lines.append(f"{w['photos']}: {refs}")
    return "\n".join(lines)


def render_afloop(
    text: str,
    *,
    lang: str = "nl",
    melding: Melding | None = None,
    at: dt.datetime | None = None,
    by: str | None = None,
) -> str:
    """The closing message (afloopbericht, R8) for an action that is over.

    ``text`` says how it ended ("de politie heeft twee personen
    aangehouden"). Pass the ``melding`` it closes so readers know which
    situation is meant, ``at`` for when it ended and ``by`` for who last
    had contact with the police (usually the casushouder, R8).
    """
    w = _words(lang)
    head = w["afloop"]
    if melding is not None:
        subject = melding.category.label(lang)
        if melding.place is not None:
            subject += f", {melding.place.describe()}"
        head += f": {subject}"
    if at is not None:
        date, time = _when(at, lang)
        head += f" ({date} {time})"
    lines = [head]
    body = tidy_lines(text)
    if body:
        lines.append(body)
    if by:
        lines.append(w["by"].format(by))
    lines.append(w["afloop_end"])
    return "\n".join(lines)


#: How people in the groups say they spoke to the police (R8): "politie
#: teruggebeld", "net gesproken met de meldkamer", "wijkagent belde terug",
#: "112 gebeld", and the same in English.
_POLICE_CONTACT: Final = re.compile(
    r"\b(politie|meldkamer|wijkagent|agent|112|0900[- ]?8844)\b[^.!?\n]{0,40}?"
    r"\b(terug)?(gebeld|belde[n]?|gesproken|contact)\b"
    r"|\b(gesproken|contact|gebeld)\b[^.!?\n]{0,20}?\b(met|door)\b[^.!?\n]{0,12}?"
    r"\b(politie|meldkamer|wijkagent|agent)\b"
    r"|\b(police|officer)\b[^.!?\n]{0,30}?\b(called|rang|phoned)\b[^.!?\n]{0,10}?\bback\b"
    r"|\b(called|phoned|spoke (to|with))\b[^.!?\n]{0,12}?\b(the )?(police|112)\b",
    re.IGNORECASE,
)


def speaks_of_police_contact(text: str) -> bool:
    """Whether ``text`` says its writer spoke to the police (R8): the one who
    then usually posts the afloop."""
    return _POLICE_CONTACT.search(text) is not None
