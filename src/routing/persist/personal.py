"""Which parts of a journaled event are personal data, and who they belong to.

The journal keeps every event's payload in one table and the personal
fields of that payload in another, one row per field, keyed by the event's
sequence number and labelled with the member or actor the data belongs to
and the incident it is about. Erasure (AVG art. 17) deletes a member's or
an actor's rows; retention (AVG art. 5) deletes an incident's rows. The event itself stays,
so the sequence has no holes and counts stay right.

:func:`split` takes an encoded payload and moves each personal field out
into a :data:`Slot`, leaving a *placeholder* in its place: a value that
passes the same validation and holds nothing personal (a pseudonym for a
name, ``"[verwijderd]"`` for a required text, empty for an optional one, a
person with no description for a signalement, so the number of persons
stays). :func:`restore` puts the rows back before decoding; a row that was
deleted leaves the placeholder, and the event still decodes.

Which fields, and why each is kept at all, is listed in ``docs/privacy.md``;
this module is the code that list describes. Everything personal that the
library stores arrives through these paths:

* a member's **name**, **phone number** and the **spelregels** they
  accepted, with when (``Applicant`` in ``FoundNeighbourhood``/``Admit``,
  the names of ``LoadMembers``), owned by the new member; the applicant's
  **age** is not kept at all (see ``_Splitter.applicant``);
* the **reason** of a royement (``Remove``), owned by the removed member;
* the **melding** of a ``Report`` (free text, action, looprichting,
  signalementen, vehicles and kentekens, place, photo references), owned by
  the reporter and filed under the incident it opened or joined; the same for
  a ``PoliceNotice`` or a ``BurgernetAlert``, with its sender label, owned
  by no member;
* the **free text** a member writes: ``React``, ``Afloop``, what a
  stuurgroep member sends the sender of a held message (``Address``), and
  the reasons given with ``Forward``, ``Decide`` and ``Screen``;
* an actor's **name** and **organisation** (``AddActor``), owned by the
  actor: a wijkagent is a person, and an organisation can name one; and
  what a partner posts in the beheerdersgroep (``PartnerMessage``), theirs too;
* the **reason** of a ``Fail``: the app writes it, but it may quote a member
  ("Jan zegt dat hij niet kan posten"). It is owned by no one (the library
  cannot tell whom it quotes) and goes when retention clears the incident
  of its delivery; the ``Fail`` names only the delivery, so it is filed
  under no incident and found through the delivery then
  (``journal_store.Store._expire_failures``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from routing.domain.codec import decode_trusted_value, dump, encode
from routing.domain.melding import REDACTED, REDACTED_FIELDS, Melding
from routing.model import Hierarchy

from .jsonread import DECODER, loads

__all__ = ["REDACTED", "Slot", "parse_event", "restore", "split"]


Slot = tuple[str, int | None, str | None, str, str | None]
"""One personal field: (path as JSON, owning member, incident, value as JSON, owning actor).

At most one of member and actor is set: they are different kinds of subject
and live in different columns, so their ids cannot collide."""


class _Splitter:
    __slots__ = ("slots",)

    def __init__(self) -> None:
        self.slots: list[Slot] = []

    def take(
        self,
        container: Any,
        key: str | int,
        path: Sequence[str | int],
        placeholder: Any,
        member: int | None,
        incident: str | None,
        actor: str | None = None,
    ) -> None:
        value = container[key]
        if value == placeholder:
            return  # nothing personal to keep apart (an empty text, no phone)
        self.slots.append((dump([*path, key]), member, incident, dump(value), actor))
        container[key] = placeholder

    def applicant(self, data: dict[str, Any], path: list[str | int], mid: int) -> None:
        # The age was checked on admission (H1) and the hierarchy never stores
        # it; the journal keeps the answer, not the data: no age and
        # ``adult_confirmed``, and the admission replays the same without it.
        data["age"] = None
        data["adult_confirmed"] = True
        self.take(data, "name", path, Hierarchy.pseudonym(mid), mid, None)
        self.take(data, "phone", path, None, mid, None)
        # Which spelregels, and when: the member's, erased with them. An
        # erased admission is below the journal's floor and never replays, so
        # its missing record cannot fail a version check (H10).
        self.take(data, "rules", path, None, mid, None)

    def melding(
        self, data: dict[str, Any], path: list[str | int], member: int | None, incident: str | None
    ) -> None:
        # The placeholders are what erasing the reporter leaves in the relay
        # (Melding.redacted): counts, categories and the buurt stay. ``data``
        # was encoded just now from a validated command, so it is trusted.
        blank = encode(decode_trusted_value(Melding, data).redacted())
        for key in REDACTED_FIELDS:
            self.take(data, key, path, blank[key], member, incident)


def _incident(outputs: object) -> str | None:
    """The incident a relay command's outputs are about (the one it opened or joined)."""
    if isinstance(outputs, tuple):
        for output in outputs:
            incident = getattr(output, "incident", None)
            if isinstance(incident, str):
                return incident
            decision = getattr(output, "decision", None)
            if decision is not None and isinstance(getattr(decision, "incident", None), str):
                return str(decision.incident)
    return None


def split(tag: str, payload: dict[str, Any], result: Any) -> list[Slot]:
    """Move the personal fields of ``payload`` out into slots; placeholders stay.

    ``result`` is what applying the event returned: the new member ids of a
    change (an :class:`~routing.domain.growth.Admitted` for ``Admit``), or
    the outputs of a relay command, which name the incident.
    """
    s = _Splitter()
    if tag == "FoundNeighbourhood":
        for i, (founder, mid) in enumerate(zip(payload["founders"], result, strict=True)):
            s.applicant(founder, ["founders", i], mid)
    elif tag == "Admit":
        s.applicant(payload["applicant"], ["applicant"], result.member)
    elif tag == "LoadMembers":
        names = payload["names"]
        for i, mid in enumerate(result):
            s.take(names, i, ["names"], Hierarchy.pseudonym(mid), mid, None)
    elif tag == "Report":
        s.melding(payload["melding"], ["melding"], payload["reporter"], _incident(result))
    elif tag == "PoliceNotice":
        incident = _incident(result)
        s.melding(payload["melding"], ["melding"], None, incident)
        actor = payload.get("actor")
        if actor is None:  # a label only: the incident's, until retention
            s.take(payload, "sender", [], "politie", None, incident)
        else:  # the actor's, erased with them; replay then shows their pseudonym
            s.take(payload, "sender", [], Hierarchy.actor_pseudonym(actor), None, incident, actor)
    elif tag in ("React", "Afloop", "Address"):
        who = payload["member"] if tag == "React" else payload["by"]
        s.take(payload, "text", [], REDACTED, who, payload["incident"])
    elif tag in ("Forward", "Decide", "Screen"):
        incident = payload.get("incident") or _incident(result)
        s.take(payload, "reason", [], "", payload["by"], incident)
    elif tag == "BurgernetAlert":
        incident = _incident(result)
        s.melding(payload["melding"], ["melding"], None, incident)
        actor = payload.get("actor")
        if actor is None:
            s.take(payload, "sender", [], "Burgernet", None, incident)
        else:
            s.take(payload, "sender", [], Hierarchy.actor_pseudonym(actor), None, incident, actor)
    elif tag == "PartnerMessage":
        # A partner's own text: it goes when the actor is erased.
        s.take(payload, "text", [], REDACTED, None, None, payload["actor"])
    elif tag == "Remove":
        # Why a member was royeerd (T2) is about them: theirs, erased with them.
        s.take(payload, "reason", [], REDACTED, payload["member"], None)
    elif tag == "AddActor":
        actor = payload["actor"]
        who = actor["id"]
        s.take(actor, "name", ["actor"], Hierarchy.actor_pseudonym(who), None, None, who)
        s.take(actor, "organisation", ["actor"], "", None, None, who)
    elif tag == "Fail":
        # Required text, so the placeholder is not empty; see the module docstring.
        s.take(payload, "reason", [], REDACTED, None, None)
    return s.slots


def restore(payload: dict[str, Any], rows: Sequence[tuple[str, str]]) -> None:
    """Put personal values (``(path, value)`` rows, both JSON) back into ``payload``."""
    for path_text, value_text in rows:
        *steps, last = loads(path_text, "a personal field's path")
        target: Any = payload
        for step in steps:
            target = target[step]
        target[last] = loads(value_text, "a personal field")


# The C scanner behind json.loads, called directly: loads() adds two Python
# frames and a whitespace check per call, a fifth of a small event's parse,
# and the journal writes no whitespace around its JSON. It is the strict
# decoder's (no NaN, no infinity); too deep a nesting raises RecursionError
# here, and the caller's strict path then names it.
_scan: Any = DECODER.scan_once  # type: ignore[attr-defined]
# Parsed paths: an event type has a handful (a name list one per name, so
# the cache is bounded rather than grown without end).
_PATHS: dict[str, tuple[list[str | int], str | int]] = {}
_PATHS_MAX = 4096


def parse_event(payload: str, rows: Sequence[tuple[str, str]]) -> Any:
    """The event's JSON with its personal rows put back, for rows that passed their checksums.

    The payload and every value are parsed in one pass, as one JSON list.
    Raises (:class:`StopIteration`, :class:`ValueError`, :class:`KeyError`,
    ...) if the text is not what the journal writes; the caller then parses
    it strictly (:func:`restore` after :func:`~routing.persist.jsonread.loads`) for the error.
    """
    if not rows:
        data, end = _scan(payload, 0)
        if end != len(payload):
            raise ValueError("trailing text after the payload")
        return data
    text = f"[{payload},{','.join([value for _, value in rows])}]"
    parsed, end = _scan(text, 0)
    # A value that is not one JSON value on its own (only a forged row can
    # hold one) would shift the others: the count says so.
    if end != len(text) or len(parsed) != len(rows) + 1:
        raise ValueError("a personal value is not one JSON value")
    data = parsed[0]
    for (path_text, _), value in zip(rows, parsed[1:], strict=True):
        path = _PATHS.get(path_text)
        if path is None:
            *steps, last = DECODER.decode(path_text)
            path = (steps, last)
            if len(_PATHS) < _PATHS_MAX:
                _PATHS[path_text] = path
        target: Any = data
        for step in path[0]:
            target = target[step]
        target[path[1]] = value
    return data
