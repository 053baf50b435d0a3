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

from .checks import check_flag, check_int, check_list, check_text, field, optional
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


@attrs.frozen(kw_only=True)
class Applicant:
    """A resident who signs up (H10) and asks to join a wijkgroep.

    ``age``, ``lives_in_area`` and ``accepted_rules`` are checked on admission
    (H1, H2, H10) and not stored afterwards: the process needs the answers, not
    the data. ``age`` may be ``None`` when a member register has already
    confirmed that the applicant is an adult under the hierarchy's own age
    limit (:meth:`registered`). ``phone`` is kept only if given (the
    telefoonbeheerder adds members by phone number, T1).
    """

    name: str = attrs.field(validator=_required)
    age: int | None = attrs.field(validator=optional(check_int))
    lives_in_area: bool = attrs.field(validator=field(check_flag))
    accepted_rules: bool = attrs.field(validator=field(check_flag))
    buurt: str | None = attrs.field(default=None, validator=optional(check_text))
    phone: str | None = attrs.field(default=None, validator=optional(check_text))

    @classmethod
    def registered(cls, name: str, *, buurt: str | None = None) -> Applicant:
        """A resident from a member register that checked H1, H2 and H10 at sign-up.

        Used when a neighbourhood is loaded from a file that lists its members.
        """
        return cls(name=name, age=None, lives_in_area=True, accepted_rules=True, buurt=buurt)


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
