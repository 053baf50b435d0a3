"""The value types of the group system: kinds, roles, and snapshots.

Frozen attrs classes and enums that the model hands out and the relay and
rendering consume. They hold no behaviour beyond validation, so every module
can import them without pulling in the graph.
"""

from __future__ import annotations

import enum
from typing import Any, NewType

import attrs

from routing.errors import InvalidValueError

from .checks import (
    check_flag,
    check_int,
    check_list,
    check_text,
    field,
    instance_of,
    optional,
    seconds,
)
from .settings import Platform

__all__ = [
    "Actor",
    "ActorKind",
    "Applicant",
    "Group",
    "GroupKind",
    "Member",
    "MemberId",
    "Relation",
    "Role",
    "RulesAcceptance",
]

MemberId = NewType("MemberId", int)
"""A member's identifier: assigned on admission, never reused after removal."""


class GroupKind(enum.Enum):
    """The four kinds of group of the Zoomwijck, with the colour it draws them in."""

    WIJKGROEP = "wijkgroep"
    STUURGROEP = "stuurgroep"
    REGIEGROEP = "regiegroep"
    GEMEENTELIJKE_REGIEGROEP = "gemeentelijke regiegroep"

    @property
    def colour(self) -> str:
        """The kind's colour in the Zoomwijck's diagrams (green, yellow, grey), as a rich style."""
        return _COLOURS[self]


_COLOURS = {
    GroupKind.WIJKGROEP: "green",
    GroupKind.STUURGROEP: "yellow",
    GroupKind.REGIEGROEP: "grey62",
    GroupKind.GEMEENTELIJKE_REGIEGROEP: "bright_white",
}


class Relation(enum.Enum):
    """The kind of a graph edge."""

    MANAGES = "manages"
    SITS_IN = "sits in"


class Role(enum.Enum):
    """What a member does in the group system (see ``docs/glossary.md``)."""

    BEWONER = "bewoner"
    STUURGROEPLID = "stuurgroeplid"
    TELEFOONBEHEERDER = "telefoonbeheerder"


def _required(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A validator: text that is not empty (a name, an id)."""
    if not check_text(value, attribute.name):
        raise InvalidValueError(value, f"{attribute.name} must not be empty")


def _wijken(values: object) -> frozenset[str]:
    return frozenset(check_text(wijk, "a wijk") for wijk in check_list(values, "wijken"))


def _phone(value: object, what: str) -> str:
    text = check_text(value, what)
    if not any(ch.isascii() and ch.isdigit() for ch in text):
        raise InvalidValueError(value, f"{what} must hold the digits of a phone number")
    return text


def _time(value: object) -> float:
    return seconds(value, "the time the spelregels were accepted")


@attrs.frozen(kw_only=True)
class RulesAcceptance:
    """Which version of the spelregels an applicant accepted, and when (H10).

    ``version`` names the text as the group publishes it (``"2024-1"``, a
    date, a URL); ``at`` is when they accepted it, in seconds on the app's
    clock (the clock of the relay's commands: the library reads none). The
    hierarchy keeps it for as long as the member is in (:meth:`Hierarchy.rules_of
    <routing.model.Hierarchy.rules_of>`), so the stuurgroep can show what a
    member agreed to when it addresses them (S1) or royeert them (T2).
    """

    version: str = attrs.field(validator=_required)
    at: float = attrs.field(converter=_time)


@attrs.frozen(kw_only=True)
class Applicant:
    """A resident who signs up (H10) and asks to join a wijkgroep.

    ``age``, ``lives_in_area`` and ``accepted_rules`` are checked on admission
    (H1, H2, H10); the age is not stored afterwards: the process needs the
    answer, not the data. An applicant whose ``age`` is unknown (``None``) is
    held for the telefoonbeheerder (:class:`~routing.errors.AdmissionHeld`,
    H1) unless ``adult_confirmed`` says that someone already saw they are of
    age: a member register at sign-up (:meth:`registered`), the
    telefoonbeheerder who asked, or the journal, which keeps that answer
    instead of the age. ``rules`` records which spelregels they accepted and
    when; a hierarchy whose :attr:`Settings.spelregels
    <routing.domain.settings.Settings.spelregels>` names a version requires
    it. ``phone`` is kept only if given (the telefoonbeheerder adds members
    by phone number, T1); a royement can block it (T2).
    """

    name: str = attrs.field(validator=_required)
    age: int | None = attrs.field(validator=optional(check_int))
    lives_in_area: bool = attrs.field(validator=field(check_flag))
    accepted_rules: bool = attrs.field(validator=field(check_flag))
    buurt: str | None = attrs.field(default=None, validator=optional(check_text))
    phone: str | None = attrs.field(default=None, validator=optional(_phone))
    adult_confirmed: bool = attrs.field(default=False, validator=field(check_flag))
    rules: RulesAcceptance | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(RulesAcceptance))
    )

    def __attrs_post_init__(self) -> None:
        if self.rules is not None and not self.accepted_rules:
            raise InvalidValueError(
                self.rules, "a record of accepted spelregels needs accepted_rules=True"
            )

    @classmethod
    def registered(
        cls, name: str, *, buurt: str | None = None, rules: RulesAcceptance | None = None
    ) -> Applicant:
        """A resident from a member register that checked H1, H2 and H10 at sign-up.

        Used when a neighbourhood is loaded from a file that lists its members.
        """
        return cls(
            name=name,
            age=None,
            lives_in_area=True,
            accepted_rules=True,
            buurt=buurt,
            adult_confirmed=True,
            rules=rules,
        )


@attrs.frozen(kw_only=True)
class Member:
    """A snapshot of one member; it does not change when the hierarchy does."""

    id: MemberId
    name: str
    wijkgroep: str
    buurt: str | None
    stuurgroep: str | None
    roles: frozenset[Role]


@attrs.frozen(kw_only=True)
class Group:
    """A snapshot of one group's identity."""

    id: str
    kind: GroupKind
    wijk: str | None
    gemeente: str
    platform: Platform


class ActorKind(enum.Enum):
    """Who acts on the group system from outside it (G5)."""

    POLITIE = "politie"
    WIJKAGENT = "wijkagent"
    PARTNER = "partner"
    #: Who may erase or sign out any member on their request, besides the
    #: member and their telefoonbeheerder (AVG art. 17): the gemeente's or the
    #: foundation's privacy officer. See ``docs/privacy.md``.
    PRIVACYCONTACT = "privacycontact"


@attrs.frozen(kw_only=True)
class Actor:
    """Someone outside the chat groups: the police, a wijkagent, a partner.

    They have no member id and sit in no wijkgroep. The police inject notices
    at a regiegroep or stuurgroep (P1); the wijkagent informs the stuurgroepen
    of their wijken (S4, G5); a partner (the municipality, a youth worker) posts
    in the beheerdersgroep (G5).
    """

    id: str = attrs.field(validator=_required)
    kind: ActorKind = attrs.field()
    name: str = attrs.field(validator=field(check_text))
    organisation: str = attrs.field(default="", validator=field(check_text))
    wijken: frozenset[str] = attrs.field(default=frozenset(), converter=_wijken)

    @kind.validator
    def _check_kind(self, _: attrs.Attribute[ActorKind], value: object) -> None:
        if not isinstance(value, ActorKind):
            kinds = ", ".join(repr(k.value) for k in ActorKind)
            raise InvalidValueError(value, f"an actor's kind is an ActorKind ({kinds})")
