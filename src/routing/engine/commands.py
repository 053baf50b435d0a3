"""What an app tells the relay: one frozen value per thing that happened.

Every command carries its own time ``at``: seconds on whatever clock the app
chooses (epoch seconds, a monotonic clock, a test's counter). The relay never
reads a clock, so the same commands always give the same outputs, and tests
can play an evening of incidents in microseconds.

Commands are checked here, at the boundary, when they are built: a command
that exists is well-formed (a finite time, member ids that are integers,
non-empty texts). Whether it is *allowed* (the member holds the duty, the
incident is still open) is the relay's question, answered with a
:class:`~routing.errors.Refused`.
"""

from __future__ import annotations

from typing import Any

import attrs

from routing.domain.checks import (
    check_flag,
    check_int,
    check_list,
    check_text,
    field,
    instance_of,
    optional,
    seconds,
)
from routing.domain.melding import Melding
from routing.domain.values import MemberId
from routing.errors import InvalidValueError

from .tables import pc4

__all__ = [
    "Address",
    "Afloop",
    "BurgernetAlert",
    "Command",
    "Confirm",
    "Decide",
    "Fail",
    "Forward",
    "HandOver",
    "PartnerMessage",
    "PoliceNotice",
    "React",
    "Report",
    "Screen",
    "Tick",
]


def _time(value: object) -> float:
    """A command's time: a finite number of seconds (not a bool), as a float."""
    return seconds(value, "a time")


# A member id, a delivery or a decision number: an int SQLite can store.
_member = _number = field(check_int)
_optional_member = optional(check_int)


def _ident(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not check_text(value, attribute.name):
        raise InvalidValueError(value, f"{attribute.name} must be a non-empty id")


_optional_ident = attrs.validators.optional(_ident)


def _text(value: object) -> str:
    return check_text(value).strip()


def _required_text(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value:
        raise InvalidValueError(value, f"{attribute.name} must not be empty")


_flag = field(check_flag)
_melding = instance_of(Melding)


def _idents(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    items = check_list(value, "the group ids")
    if any(not check_text(item, "a group id") for item in items):
        raise InvalidValueError(value, "every group id must be non-empty text")
    # Sets have no order of their own; sorting keeps replays identical.
    ids: tuple[str, ...] = items  # type: ignore[assignment]  # every item is text
    return tuple(sorted(ids)) if isinstance(value, frozenset | set) else ids


def _at() -> Any:
    return attrs.field(converter=_time)


@attrs.frozen(kw_only=True)
class Report:
    """A resident reports a situation in their wijkgroep (R1-R3).

    ``melding`` says whether 112 was called, the signalement and looprichting,
    and what the reporter will do. ``joins`` names an incident this report is
    about (R7): where that situation already has a casushouder in the
    reporter's wijkgroep or reached it, the report joins it there and the
    reporter becomes casushouder if the wijkgroep had none; from a wijkgroep
    it never reached (in the same wijk or another) SAAR starts again, as an
    incident linked to the first that alerts no group the first one reached.

    Without ``joins`` a report joins a live incident of its wijkgroep (or a
    police notice that reached it) when it is plausibly the same situation
    (H4, :func:`routing.domain.situation.compare`); ``new_situation`` says it
    is not, and opens an incident of its own.
    """

    at: float = _at()
    reporter: MemberId = attrs.field(validator=_member)
    melding: Melding = attrs.field(validator=_melding)
    joins: str | None = attrs.field(default=None, validator=_optional_ident)
    new_situation: bool = attrs.field(default=False, validator=_flag)

    def __attrs_post_init__(self) -> None:
        if self.joins is not None and self.new_situation:
            raise InvalidValueError(
                self, "a report joins an incident or is a new situation, not both"
            )


@attrs.frozen(kw_only=True)
class React:
    """A member adds information in a group the incident reached (R4, P3).

    ``group`` picks the group when the member is in several that were
    reached; by default the relay takes their own wijkgroep, then the groups
    they administer.
    """

    at: float = _at()
    member: MemberId = attrs.field(validator=_member)
    incident: str = attrs.field(validator=_ident)
    text: str = attrs.field(converter=_text, validator=_required_text)
    group: str | None = attrs.field(default=None, validator=_optional_ident)
    #: The member spoke to the police about it (R8: "politie teruggebeld"); the
    #: relay also reads it from ``text``
    #: (:func:`~routing.domain.texts.speaks_of_police_contact`).
    police_contact: bool = attrs.field(default=False, validator=_flag)


@attrs.frozen(kw_only=True)
class Forward:
    """A member forwards the incident from ``source`` to ``target`` (S2, S3, S5, R5, R6, P2).

    This is the member's own relevance decision; ``reason`` is recorded with it.
    """

    at: float = _at()
    by: MemberId = attrs.field(validator=_member)
    incident: str = attrs.field(validator=_ident)
    source: str = attrs.field(validator=_ident)
    target: str = attrs.field(validator=_ident)
    reason: str = attrs.field(default="", converter=_text)


@attrs.frozen(kw_only=True)
class Decide:
    """A member answers a :class:`~routing.engine.outputs.PendingDecision` (R5, R6)."""

    at: float = _at()
    by: MemberId = attrs.field(validator=_member)
    decision: int = attrs.field(validator=_number)
    forward: bool = attrs.field(validator=_flag)
    reason: str = attrs.field(default="", converter=_text)


@attrs.frozen(kw_only=True)
class PoliceNotice:
    """The police report a situation to a regiegroep and/or stuurgroepen (P1).

    ``sender`` is a label for people ("wijkagent Jansen"); the police are not
    members of any group (G5). ``actor``, if given, is the id of the sender
    as an :class:`~routing.domain.values.Actor` of the hierarchy: erasing that actor
    (AVG art. 17) then also replaces ``sender`` by their pseudonym.
    """

    at: float = _at()
    sender: str = attrs.field(converter=_text, validator=_required_text)
    melding: Melding = attrs.field(validator=_melding)
    regiegroep: str | None = attrs.field(default=None, validator=_optional_ident)
    stuurgroepen: tuple[str, ...] = attrs.field(default=(), converter=_idents)
    actor: str | None = attrs.field(default=None, validator=_optional_ident)

    def __attrs_post_init__(self) -> None:
        if self.regiegroep is None and not self.stuurgroepen:
            raise InvalidValueError(
                self, "a police notice is addressed to a regiegroep or stuurgroepen"
            )
        if len(set(self.stuurgroepen)) != len(self.stuurgroepen):
            raise InvalidValueError(self.stuurgroepen, "a stuurgroep is addressed once")


def _reaction_number(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (check_int(value, attribute.name) < 1):
        raise InvalidValueError(value, f"{attribute.name} counts from 1 within the incident")


def _postcodes(value: object) -> tuple[str, ...]:
    items = check_list((value,) if isinstance(value, str) else value, "the postcodes")
    return tuple(dict.fromkeys(pc4(item) for item in items))


@attrs.frozen(kw_only=True)
class BurgernetAlert:
    """A Burgernet alert, addressed by area, becomes a police notice (P1; 001, G5).

    Burgernet is the police control room's location-based alert; the
    wijkagent informs the admins through it (000). ``wijken`` and
    ``postcodes`` (four digits, or a whole postcode: its four digits count)
    give the area; :attr:`RelayConfig.postcodes
    <routing.engine.tables.RelayConfig.postcodes>` says which wijk a postcode
    lies in, and postcodes outside every wijk are left out. The notice goes
    to the regiegroep and every stuurgroep of each wijk of the area, and on
    as a :class:`PoliceNotice` does (P2). ``actor``, if given, must be the
    police or a wijkagent.
    """

    at: float = _at()
    melding: Melding = attrs.field(validator=_melding)
    wijken: tuple[str, ...] = attrs.field(default=(), converter=_idents)
    postcodes: tuple[str, ...] = attrs.field(default=(), converter=_postcodes)
    sender: str = attrs.field(default="Burgernet", converter=_text, validator=_required_text)
    actor: str | None = attrs.field(default=None, validator=_optional_ident)

    def __attrs_post_init__(self) -> None:
        if not self.wijken and not self.postcodes:
            raise InvalidValueError(self, "a Burgernet alert is addressed to wijken or postcodes")


@attrs.frozen(kw_only=True)
class PartnerMessage:
    """A partner posts in the beheerdersgroep of ``gemeente`` (G5; 000).

    The municipality, a youth worker, a housing corporation: ``actor`` is
    their id as an :class:`~routing.domain.values.Actor` of kind partner.
    The message is for every group's admin, who shares it where it matters;
    the police and the wijkagent send notices instead (:class:`PoliceNotice`).
    """

    at: float = _at()
    actor: str = attrs.field(validator=_ident)
    gemeente: str = attrs.field(validator=_ident)
    text: str = attrs.field(converter=_text, validator=_required_text)


@attrs.frozen(kw_only=True)
class Screen:
    """A stuurgroep member screens what screening held (S1): release or reject it.

    ``reaction`` ``None``: the incident's held report (H3, H5, H6); a number:
    that held reaction (:class:`~routing.engine.outputs.ReactionHeld`).
    ``reason`` is recorded, and on a rejection told to the sender.
    """

    at: float = _at()
    by: MemberId = attrs.field(validator=_member)
    incident: str = attrs.field(validator=_ident)
    release: bool = attrs.field(validator=_flag)
    reason: str = attrs.field(default="", converter=_text)
    reaction: int | None = attrs.field(default=None, validator=_reaction_number)


@attrs.frozen(kw_only=True)
class Address:
    """A stuurgroep member addresses the sender of a held message (S1).

    ``text`` is what they send the resident in private (why it is held, what
    to do); the message stays held until a :class:`Screen`. ``reaction`` as
    in :class:`Screen`.
    """

    at: float = _at()
    by: MemberId = attrs.field(validator=_member)
    incident: str = attrs.field(validator=_ident)
    text: str = attrs.field(converter=_text, validator=_required_text)
    reaction: int | None = attrs.field(default=None, validator=_reaction_number)


@attrs.frozen(kw_only=True)
class Confirm:
    """The app reports that a delivery was posted, by ``by`` (``None``: a bot)."""

    at: float = _at()
    delivery: int = attrs.field(validator=_number)
    by: MemberId | None = attrs.field(default=None, validator=_optional_member)


@attrs.frozen(kw_only=True)
class Fail:
    """The app reports that a delivery could not be posted, and why."""

    at: float = _at()
    delivery: int = attrs.field(validator=_number)
    reason: str = attrs.field(converter=_text, validator=_required_text)


@attrs.frozen(kw_only=True)
class HandOver:
    """Hand the casushouder role in ``wijkgroep`` to member ``to``.

    ``by`` is the casushouder, or a member of the wijkgroep's stuurgroep when
    the casushouder cannot (for example after leaving the group).
    """

    at: float = _at()
    by: MemberId = attrs.field(validator=_member)
    incident: str = attrs.field(validator=_ident)
    wijkgroep: str = attrs.field(validator=_ident)
    to: MemberId = attrs.field(validator=_member)


@attrs.frozen(kw_only=True)
class Afloop:
    """The closing message (R8, P7): the action is over."""

    at: float = _at()
    by: MemberId = attrs.field(validator=_member)
    incident: str = attrs.field(validator=_ident)
    text: str = attrs.field(converter=_text, validator=_required_text)


@attrs.frozen(kw_only=True)
class Tick:
    """Time has passed: apply every deadline due at ``at``."""

    at: float = _at()


Command = (
    Report
    | React
    | Forward
    | Decide
    | PoliceNotice
    | BurgernetAlert
    | PartnerMessage
    | Screen
    | Address
    | Confirm
    | Fail
    | HandOver
    | Afloop
    | Tick
)
"""Anything :meth:`routing.relay.Relay.handle` accepts."""
