"""Changes to the hierarchy as data: one frozen value per mutation.

The :class:`~routing.model.Hierarchy` is changed by calling its methods. A
journal cannot record a method call, only data, so every mutation has a
value here with the same arguments, and :func:`apply_change` performs it.
The journal (:mod:`routing.persist.journal`) stores these values and replays them;
an app may also use them directly to queue, log or test changes.

Like the relay's :mod:`~routing.engine.commands`, they are frozen, keyword-only
attrs classes, checked for shape when built (ids are ints, texts are
text); whether a change is *allowed* is the hierarchy's question, answered
with a :class:`~routing.errors.Refused` that leaves it unchanged.
Sequences become tuples and sets become sorted tuples, so equal changes
compare equal and journal to equal bytes; a mapping becomes pairs in its
own order, which the hierarchy's creation order depends on.

:class:`Erase`, :class:`EraseActor` and :class:`Retention` are the privacy
operations (AVG art. 17 and art. 5); erasing a member and retention also
reach into the relay when one is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import attrs

from routing.domain.blocks import block_key
from routing.domain.checks import (
    check_flag,
    check_int,
    check_items,
    check_list,
    check_text,
    duration,
    field,
    instance_of,
    optional,
    seconds,
)
from routing.domain.settings import Platform
from routing.domain.values import Actor, Applicant, MemberId
from routing.errors import InvalidValueError, UnknownMemberError
from routing.model import Hierarchy

from .membership import Asker

__all__ = [
    "DEFAULT_RETENTION",
    "AddActor",
    "Admit",
    "Change",
    "ChangeStuurgroep",
    "CreateGemeentelijkeRegiegroep",
    "CreateRegiegroep",
    "CreateWijkgroep",
    "Erase",
    "EraseActor",
    "FoundNeighbourhood",
    "Leave",
    "LoadMembers",
    "Move",
    "PersonalData",
    "Remove",
    "Retention",
    "SplitWijkgroep",
    "Unblock",
    "apply_change",
]

#: How long a closed incident keeps its descriptions and free text (AVG art. 5):
#: four weeks, long enough for the police to ask the group about it.
DEFAULT_RETENTION = 28 * 86400.0


class PersonalData(Protocol):
    """What else holds personal data that the privacy changes must reach.

    :class:`routing.relay.Relay` is one: the hierarchy layer names only these
    three methods, so it needs nothing of the engine above it.
    """

    def erase_member(self, member: int) -> object:
        """Erase what ``member`` wrote or was named in."""
        ...

    def erase_actor(self, actor: str) -> object:
        """Erase the notices ``actor`` sent."""
        ...

    def apply_retention(self, now: float, *, older_than: float = ...) -> tuple[str, ...]:
        """Clear closed incidents older than ``older_than`` at ``now``; their ids."""
        ...


_member = field(check_int)


def _ident(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not check_text(value, attribute.name):
        raise InvalidValueError(value, f"{attribute.name} must be a non-empty id")


_optional_ident = attrs.validators.optional(_ident)


def _asker(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # Who asks: a member id (an int) or an actor id (non-empty text).
    if isinstance(value, str):
        _ident(_, attribute, value)
    elif type(value) is not int:
        raise InvalidValueError(value, f"{attribute.name} is a member id or an actor id")
    else:
        check_int(value, attribute.name)


def _reason(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not check_text(value, attribute.name).strip():
        raise InvalidValueError(value, f"a royement needs a {attribute.name}")


def _key(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    text = check_text(value, attribute.name)
    if len(text) != 32 or any(ch not in "0123456789abcdef" for ch in text):
        raise InvalidValueError(value, f"{attribute.name} is a block key (routing.block_key)")


def _ordered_ids(values: Iterable[int]) -> tuple[int, ...]:
    # A stuurgroep's members keep the order given: it is the order the model keeps.
    return tuple(check_int(item, "a member id") for item in check_list(values, "member ids"))


def _ids(values: Iterable[int]) -> tuple[int, ...]:
    # Approvals and delegates are sets in meaning; one order keeps replays identical.
    return tuple(sorted(set(_ordered_ids(values))))


def _optional_ids(values: Iterable[int] | None) -> tuple[int, ...] | None:
    return None if values is None else _ids(values)


def _names(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(check_text(item, "a name") for item in check_list(values, "names"))


def _applicants(values: Iterable[Applicant]) -> tuple[Applicant, ...]:
    return check_items(values, Applicant, "founders")


def _pairs(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    pairs = value.items() if isinstance(value, Mapping) else check_list(value, "buurten")
    items: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidValueError(pair, "buurten maps buurt names to wijkgroep ids")
        buurt, wijkgroep = pair
        items[check_text(buurt, "a buurt")] = check_text(wijkgroep, "a wijkgroep id")
    # Kept in the order given: the split creates its wijkgroepen in that order.
    return tuple(items.items())


def _time(value: object) -> float:
    return seconds(value, "a time")


def _duration(value: object) -> float:
    return duration(value, "older_than")


_platform = attrs.validators.optional(instance_of(Platform))


@attrs.frozen(kw_only=True)
class FoundNeighbourhood:
    """:meth:`Hierarchy.found_neighbourhood` (G1); the result is the founders' ids."""

    gemeente: str = attrs.field(validator=_ident)
    wijk: str = attrs.field(validator=_ident)
    wijkgroep: str = attrs.field(validator=_ident)
    stuurgroep: str = attrs.field(validator=_ident)
    founders: tuple[Applicant, ...] = attrs.field(converter=_applicants)
    telefoonbeheerder: int = attrs.field(default=0, validator=_member)
    platform: Platform | None = attrs.field(default=None, validator=_platform)
    wijkgroep_platform: Platform | None = attrs.field(default=None, validator=_platform)


@attrs.frozen(kw_only=True)
class CreateRegiegroep:
    """:meth:`Hierarchy.create_regiegroep` (S5)."""

    wijk: str = attrs.field(validator=_ident)
    regiegroep: str = attrs.field(validator=_ident)
    platform: Platform | None = attrs.field(default=None, validator=_platform)


@attrs.frozen(kw_only=True)
class CreateGemeentelijkeRegiegroep:
    """:meth:`Hierarchy.create_gemeentelijke_regiegroep`; ``delegates=None`` seats all."""

    gemeente: str = attrs.field(validator=_ident)
    group: str = attrs.field(validator=_ident)
    delegates: tuple[int, ...] | None = attrs.field(default=None, converter=_optional_ids)
    platform: Platform | None = attrs.field(default=None, validator=_platform)


@attrs.frozen(kw_only=True)
class Admit:
    """:meth:`Hierarchy.admit` (T1, H1, H2, H10); the result is an
    :class:`~routing.domain.growth.Admitted`: the new member's id and the
    growth signals (G2, G3)."""

    by: int = attrs.field(validator=_member)
    wijkgroep: str = attrs.field(validator=_ident)
    applicant: Applicant = attrs.field(validator=instance_of(Applicant))


@attrs.frozen(kw_only=True)
class LoadMembers:
    """:meth:`Hierarchy.load_members`: residents admitted elsewhere; the result is their ids."""

    wijkgroep: str = attrs.field(validator=_ident)
    names: tuple[str, ...] = attrs.field(converter=_names)
    buurt: str | None = attrs.field(default=None, validator=optional(check_text))


@attrs.frozen(kw_only=True)
class Remove:
    """:meth:`Hierarchy.remove` (royeren, T2): with the ``reason``, and
    ``block`` to keep the member's phone number from being admitted again.

    The journal keeps the reason as the removed member's personal data,
    erased with them; the hierarchy does not keep it.
    """

    by: int = attrs.field(validator=_member)
    member: int = attrs.field(validator=_member)
    reason: str = attrs.field(validator=_reason)
    block: bool = attrs.field(default=False, validator=field(check_flag))


@attrs.frozen(kw_only=True)
class Unblock:
    """:meth:`Hierarchy.unblock`: lift a block set at a royement (T2).

    ``key`` is the block's :func:`~routing.domain.blocks.block_key`; build
    it from a phone number with :meth:`of_phone`, so the journal never holds
    the number.
    """

    by: int = attrs.field(validator=_member)
    key: str = attrs.field(validator=_key)

    @classmethod
    def of_phone(cls, *, by: int, phone: str) -> Unblock:
        """The :class:`Unblock` of the block on ``phone``, however it is written."""
        return cls(by=by, key=block_key(check_text(phone, "phone")))


@attrs.frozen(kw_only=True)
class Leave:
    """:meth:`Hierarchy.leave`: a resident leaves of their own accord.

    ``by`` is who asks: the member, their telefoonbeheerder on their behalf
    (a member id), or a privacy contact (an actor id); anyone else is
    refused (:class:`~routing.errors.PermissionRefused`, T2).
    """

    member: int = attrs.field(validator=_member)
    by: Asker = attrs.field(validator=_asker)


@attrs.frozen(kw_only=True)
class Move:
    """:meth:`Hierarchy.move`: a member moves to another wijkgroep (T1)."""

    by: int = attrs.field(validator=_member)
    member: int = attrs.field(validator=_member)
    wijkgroep: str = attrs.field(validator=_ident)


@attrs.frozen(kw_only=True)
class CreateWijkgroep:
    """:meth:`Hierarchy.create_wijkgroep` (T3, S6)."""

    by: int = attrs.field(validator=_member)
    stuurgroep: str = attrs.field(validator=_ident)
    wijkgroep: str = attrs.field(validator=_ident)
    approvals: tuple[int, ...] = attrs.field(converter=_ids)
    platform: Platform | None = attrs.field(default=None, validator=_platform)


@attrs.frozen(kw_only=True)
class SplitWijkgroep:
    """:meth:`Hierarchy.split_wijkgroep` (G2); ``buurten`` as (buurt, wijkgroep) pairs in order."""

    by: int = attrs.field(validator=_member)
    wijkgroep: str = attrs.field(validator=_ident)
    buurten: tuple[tuple[str, str], ...] = attrs.field(converter=_pairs)
    approvals: tuple[int, ...] = attrs.field(converter=_ids)
    rest: str | None = attrs.field(default=None, validator=_optional_ident)


@attrs.frozen(kw_only=True)
class ChangeStuurgroep:
    """:meth:`Hierarchy.change_stuurgroep` (S6): appoint, dismiss, hand over."""

    stuurgroep: str = attrs.field(validator=_ident)
    members: tuple[int, ...] = attrs.field(converter=_ordered_ids)
    telefoonbeheerder: int = attrs.field(validator=_member)
    approvals: tuple[int, ...] = attrs.field(converter=_ids)


@attrs.frozen(kw_only=True)
class AddActor:
    """:meth:`Hierarchy.add_actor`: the police, a wijkagent or a partner (P1, S4, G5)."""

    actor: Actor = attrs.field(validator=instance_of(Actor))


@attrs.frozen(kw_only=True)
class Erase:
    """Erase a member's personal data (AVG art. 17), keeping a pseudonym.

    In the hierarchy the name becomes :meth:`Hierarchy.pseudonym` and the
    phone number goes; in the relay the free text they wrote becomes
    ``"[verwijderd]"``. A journal also deletes the data from its files.

    ``by`` is who asks: the member, the telefoonbeheerder of their wijkgroep
    (member ids), or a privacy contact (an actor id); anyone else is refused
    (:class:`~routing.errors.PermissionRefused`, rule AVG17). A member who
    already left may be erased on their own request or a privacy contact's.
    """

    member: int = attrs.field(validator=_member)
    by: Asker = attrs.field(validator=_asker)


@attrs.frozen(kw_only=True)
class EraseActor:
    """Erase an actor's name and organisation (AVG art. 17), keeping the id.

    :meth:`Hierarchy.erase_actor`; the result is the pseudonym. In the relay,
    police notices sent with this actor's id get the pseudonym as sender
    (:meth:`Relay.erase_actor <routing.relay.Relay.erase_actor>`); a notice
    sent without an actor id keeps its label until retention. A journal
    also deletes the name and organisation from its files.

    ``by`` is who asks: the actor, a privacy contact (actor ids), or the
    telefoonbeheerder of a stuurgroep in one of the actor's wijken (a member
    id); anyone else is refused (rule AVG17).
    """

    actor: str = attrs.field(validator=_ident)
    by: Asker = attrs.field(validator=_asker)


@attrs.frozen(kw_only=True)
class Retention:
    """Apply the retention period (AVG art. 5) at time ``at``.

    Closed incidents that closed more than ``older_than`` seconds before
    ``at`` lose their descriptions, photo references and free text; their
    counts stay. ``at`` is on the same clock as the relay's commands.
    """

    at: float = attrs.field(converter=_time)
    older_than: float = attrs.field(default=DEFAULT_RETENTION, converter=_duration)


Change = (
    FoundNeighbourhood
    | CreateRegiegroep
    | CreateGemeentelijkeRegiegroep
    | Admit
    | LoadMembers
    | Remove
    | Unblock
    | Leave
    | Move
    | CreateWijkgroep
    | SplitWijkgroep
    | ChangeStuurgroep
    | AddActor
    | Erase
    | EraseActor
    | Retention
)
"""Anything :func:`apply_change` accepts."""


def apply_change(h: Hierarchy, change: Change, relay: PersonalData | None = None) -> Any:
    """Perform ``change`` on ``h`` (and on ``relay`` for the privacy changes).

    Returns what the hierarchy method returns (the new ids, a pseudonym,
    ``None``). :class:`Erase` returns the pseudonym and :class:`Retention`
    the ids of the incidents it cleared (none without a relay). Atomic like
    the methods it calls: refused with the state unchanged.
    """
    match change:
        case FoundNeighbourhood():
            return h.found_neighbourhood(
                gemeente=change.gemeente,
                wijk=change.wijk,
                wijkgroep=change.wijkgroep,
                stuurgroep=change.stuurgroep,
                founders=change.founders,
                telefoonbeheerder=change.telefoonbeheerder,
                platform=change.platform,
                wijkgroep_platform=change.wijkgroep_platform,
            )
        case CreateRegiegroep():
            return h.create_regiegroep(change.wijk, change.regiegroep, change.platform)
        case CreateGemeentelijkeRegiegroep():
            return h.create_gemeentelijke_regiegroep(
                change.gemeente, change.group, delegates=change.delegates, platform=change.platform
            )
        case Admit():
            return h.admit(change.by, change.wijkgroep, change.applicant)
        case LoadMembers():
            return h.load_members(change.wijkgroep, change.names, buurt=change.buurt)
        case Remove():
            return h.remove(change.by, change.member, reason=change.reason, block=change.block)
        case Unblock():
            return h.unblock(change.by, change.key)
        case Leave():
            return h.leave(change.member, by=change.by)
        case Move():
            return h.move(change.by, change.member, change.wijkgroep)
        case CreateWijkgroep():
            return h.create_wijkgroep(
                change.by,
                change.stuurgroep,
                change.wijkgroep,
                approvals=change.approvals,
                platform=change.platform,
            )
        case SplitWijkgroep():
            return h.split_wijkgroep(
                change.by,
                change.wijkgroep,
                buurten=dict(change.buurten),
                approvals=change.approvals,
                rest=change.rest,
            )
        case ChangeStuurgroep():
            return h.change_stuurgroep(
                change.stuurgroep,
                members=change.members,
                telefoonbeheerder=change.telefoonbeheerder,
                approvals=change.approvals,
            )
        case AddActor():
            return h.add_actor(change.actor)
        case Erase():
            return _erase(h, change.member, change.by, relay)
        case EraseActor():
            pseudonym = h.erase_actor(change.actor, by=change.by)
            if relay is not None:
                relay.erase_actor(change.actor)  # police notices they sent
            return pseudonym
        case Retention():
            if relay is None:
                return ()
            return relay.apply_retention(change.at, older_than=change.older_than)
    raise TypeError(f"not a hierarchy change: {change!r}")


def _erase(h: Hierarchy, member: int, by: Asker, relay: PersonalData | None) -> str:
    # A member who left is no longer in the hierarchy (their name went with
    # them), but text they wrote may still sit in the relay: erase that too.
    if member in h:
        pseudonym = h.erase(member, by=by)
    elif relay is None:
        raise UnknownMemberError(member)
    else:
        h.require_erase_right(by, member)
        pseudonym = Hierarchy.pseudonym(member)
    if relay is not None:
        relay.erase_member(MemberId(member))
    return pseudonym
