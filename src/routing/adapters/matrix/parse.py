"""Chat messages read as commands: what a member typed, as data. Pure.

In a wijkgroep, a resident reports with ``!melding`` and SAAR fields::

    !melding categorie=inbraak 112=ja richting="richting park" tekst="man met rode pet"

(also ``actie=...`` for what they are going to do, ``signalement=...`` for a
person's description), or a client sends the melding as structured data in
the message's ``nl.buurtpreventie.melding`` field (the plain form of
:func:`routing.domain.plain.melding_to_plain`). Free text that names a
situation (a category word such as "inbraak") is taken as a report with
what can be read from it; without its parts (112 called, a signalement)
screening holds it for the stuurgroep (H3, S1). Other chatter is no command.

Everywhere: ``!ja N`` / ``!nee N [reden]`` answers relevance question N
(R5, R6); ``!afloop tekst`` closes the incident (R8); ``!vrijgeven I`` /
``!afwijzen I reden`` screen held report I (S1); in the bot's direct room
``!gedaan N`` says a delivery task was posted, ``!wissen`` asks to be erased.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

import attrs

from routing.domain.melding import Category, Melding, Person, parse_category
from routing.domain.plain import melding_from_plain
from routing.errors import RoutingError

__all__ = ["MELDING_FIELD", "Parsed", "parse_body", "parse_content"]

#: The message field that carries a structured melding.
MELDING_FIELD = "nl.buurtpreventie.melding"

_YES = {"ja", "j", "yes", "y", "true", "1"}
_NO = {"nee", "n", "no", "false", "0"}
_WORDS = re.compile(r"[a-zà-ÿ-]+")
_CALLED = re.compile(r"112\s+(?:is\s+)?(?:gebeld|ingelicht|gebeld\.)", re.IGNORECASE)


@attrs.frozen
class Parsed:
    """One command read from a message: ``verb`` and its arguments."""

    verb: str  # melding, report (free text), decide, afloop, screen, done, erase
    melding: Melding | None = None
    number: int | None = None
    flag: bool = False
    text: str = ""
    incident: str | None = None
    problem: str | None = None  # why a command could not be read


def _flag(value: str) -> bool:
    v = value.strip().lower()
    if v in _YES:
        return True
    if v in _NO:
        return False
    raise ValueError(f"112= takes ja or nee, not {value!r}")


def _melding(args: str) -> Melding:
    fields: dict[str, str] = {}
    for part in shlex.split(args):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"expected veld=waarde, not {part!r}")
        fields[key.strip().lower()] = value
    known = {"categorie", "112", "richting", "tekst", "actie", "signalement"}
    unknown = set(fields) - known
    if unknown:
        names = ", ".join(sorted(known))
        raise ValueError(f"unknown field {sorted(unknown)[0]!r} (known: {names})")
    if "categorie" not in fields:
        raise ValueError("categorie= is missing (e.g. categorie=inbraak)")
    persons = [Person(clothing=fields["signalement"])] if fields.get("signalement") else []
    return Melding(
        category=fields["categorie"],
        called_112=_flag(fields.get("112", "nee")),
        direction=fields.get("richting") or None,
        text=fields.get("tekst", ""),
        action=fields.get("actie", ""),
        persons=persons,
    )


def _category_in(text: str) -> Category | None:
    """The first category named in ``text``: three words, two, or one at a time."""
    words = _WORDS.findall(text.lower())
    for i in range(len(words)):
        for n in (3, 2, 1):
            if i + n > len(words):
                continue
            try:
                return parse_category(" ".join(words[i : i + n]))
            except (RoutingError, ValueError):
                continue
    return None


def parse_body(body: str) -> Parsed | None:
    """The command in a message's text, or ``None`` for plain chatter."""
    text = body.strip()
    if not text.startswith("!"):
        category = _category_in(text)
        if category is None:
            return None
        melding = Melding(category=category, called_112=bool(_CALLED.search(text)), text=text)
        return Parsed("report", melding=melding)
    head, _, rest = text.partition(" ")
    verb, rest = head[1:].lower(), rest.strip()
    try:
        if verb == "melding":
            return Parsed("melding", melding=_melding(rest))
        if verb in ("ja", "nee"):
            number, _, reason = rest.partition(" ")
            return Parsed("decide", number=int(number), flag=verb == "ja", text=reason.strip())
        if verb == "afloop":
            if not rest:
                raise ValueError("!afloop needs a text: what happened")
            return Parsed("afloop", text=rest)
        if verb in ("vrijgeven", "afwijzen"):
            incident, _, reason = rest.partition(" ")
            if not incident:
                raise ValueError(f"!{verb} needs the incident, e.g. !{verb} I3")
            return Parsed(
                "screen", incident=incident, flag=verb == "vrijgeven", text=reason.strip()
            )
        if verb == "gedaan":
            return Parsed("done", number=int(rest.split()[0]))
        if verb == "wissen":
            return Parsed("erase")
    except (ValueError, IndexError, RoutingError) as e:
        return Parsed(verb, problem=str(e) or "could not read the command")
    return Parsed(verb, problem=f"unknown command !{verb}")


def parse_content(content: Mapping[str, Any]) -> Parsed | None:
    """The command in a ``m.room.message`` event's content."""
    structured = content.get(MELDING_FIELD)
    if structured is not None:
        try:
            return Parsed("melding", melding=melding_from_plain(structured))
        except (RoutingError, ValueError) as e:
            return Parsed("melding", problem=str(e))
    body = content.get("body")
    return parse_body(body) if isinstance(body, str) else None
