"""The provisioning plan: what the homeserver must change so its rooms mirror
a hierarchy. Pure: no network, no nio.

:func:`desired` says what should be there: a space per gemeente and per
wijk (the wijk's space a child of its gemeente's), a room per wijkgroep,
stuurgroep and regiegroep in its wijk's space, and the gemeentelijke
regiegroep in the gemeente's space, each with its members (those with an
account) and their power levels. :func:`plan` compares that with what the
homeserver holds (:class:`RoomState`, read by
:mod:`routing.adapters.matrix.provision`) and returns the actions that close
the difference, in an order that can be applied one by one. What is already
right gives no action, so a second run plans nothing.

Every room the bot makes carries a state event :data:`MARKER` whose ``key``
names what it stands for (``group:Wijkgroep Vogelbuurt``,
``wijk:Zoomwijck``, ``gemeente:Voorbeeldstad``); that key, not the room's
name, is how a later run and the bridge find it again. The room alias is
derived from the same key (:func:`alias_for`).

Power levels mirror the roles: the bot holds 100; a stuurgroep's members
administer its room and the wijkgroepen it manages (G4, S1: 50, enough to
invite, kick and redact), its telefoonbeheerder 75 (T1, T2); in a
regiegroep every member sits as a stuurgroep member (50); residents 0.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence

import attrs

from routing.domain.values import GroupKind, MemberId
from routing.model import Hierarchy

__all__ = [
    "ADMIN",
    "MARKER",
    "TELEFOONBEHEERDER",
    "Action",
    "AddChild",
    "CreateRoom",
    "Invite",
    "Kick",
    "RemoveChild",
    "RoomSpec",
    "RoomState",
    "SetPower",
    "alias_for",
    "desired",
    "plan",
]

#: The state event type (state key ``""``) that names what a room stands for.
MARKER = "nl.buurtpreventie.routing"
#: The power level of a stuurgroep member in the rooms they administer (G4).
ADMIN = 50
#: The power level of a telefoonbeheerder, who adds and removes members (T1, T2).
TELEFOONBEHEERDER = 75


def alias_for(key: str, prefix: str = "buurt") -> str:
    """The room alias localpart for ``key``: readable, and stable for the key.

    ``group:Wijkgroep Vogelbuurt`` -> ``buurt-wijkgroep-vogelbuurt-<6 hex>``;
    the hash keeps two keys that read alike apart.
    """
    text = unicodedata.normalize("NFKD", key.split(":", 1)[-1])
    slug = re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode().lower())
    digest = hashlib.sha256(key.encode()).hexdigest()[:6]
    return f"{prefix}-{slug.strip('-')[:40]}-{digest}"


@attrs.frozen(kw_only=True)
class RoomSpec:
    """A room or space as it should be."""

    key: str
    name: str
    kind: str  # a GroupKind's value, "wijk" or "gemeente"
    space: bool
    parent: str | None  # the key of the space it is a child of
    members: frozenset[str]  # Matrix IDs, the bot excluded
    power: tuple[tuple[str, int], ...]  # Matrix ID -> level above 0, the bot excluded
    alias: str = ""  # the room alias's localpart (alias_for)

    def __attrs_post_init__(self) -> None:
        if not self.alias:
            object.__setattr__(self, "alias", alias_for(self.key))

    @property
    def group(self) -> str | None:
        """The hierarchy's group id, for a room that stands for a group."""
        return self.key.split(":", 1)[1] if self.key.startswith("group:") else None


@attrs.frozen(kw_only=True)
class RoomState:
    """A room as the homeserver holds it (the bot's view)."""

    key: str
    room_id: str
    members: frozenset[str]  # joined or invited, the bot excluded
    power: tuple[tuple[str, int], ...]  # the "users" of m.room.power_levels, sorted, no bot
    children: frozenset[str] = frozenset()  # room ids of live m.space.child events
    parents: frozenset[str] = frozenset()  # room ids of live m.space.parent events


@attrs.frozen
class CreateRoom:
    key: str
    alias: str
    name: str
    kind: str
    space: bool


@attrs.frozen
class AddChild:
    """``m.space.child`` in the parent and ``m.space.parent`` in the child."""

    parent: str
    child: str


@attrs.frozen
class RemoveChild:
    parent: str
    child: str


@attrs.frozen
class Invite:
    key: str
    user: str


@attrs.frozen
class Kick:
    key: str
    user: str
    reason: str


@attrs.frozen
class SetPower:
    key: str
    users: tuple[tuple[str, int], ...]


Action = CreateRoom | AddChild | RemoveChild | Invite | Kick | SetPower


def _power(levels: Mapping[str, int], bot: str) -> tuple[tuple[str, int], ...]:
    # The bot is left out: in room version 12 the creator holds every power
    # and may not be listed; in older versions the executor keeps its entry.
    return tuple(sorted((u, level) for u, level in levels.items() if level > 0 and u != bot))


def desired(
    hierarchy: Hierarchy, accounts: Mapping[MemberId, str], *, bot: str, prefix: str = "buurt"
) -> tuple[RoomSpec, ...]:
    """Every space and room ``hierarchy`` needs, spaces before their children.

    ``accounts`` gives the Matrix ID of each member who has one; the others
    are left out of every room. ``bot`` is the account that provisions;
    ``prefix`` starts every room alias (two neighbourhoods on one server
    need two prefixes).
    """
    h = hierarchy

    def named(spec: RoomSpec) -> RoomSpec:
        return attrs.evolve(spec, alias=alias_for(spec.key, prefix))

    rooms: list[RoomSpec] = []
    for gemeente in h.gemeenten():
        gem_key = f"gemeente:{gemeente}"
        gem_members: set[str] = set()
        gem_rooms: list[RoomSpec] = []
        for wijk in h.wijken_of(gemeente):
            wijk_key = f"wijk:{wijk}"
            wijk_rooms: list[RoomSpec] = []
            groups: list[str] = []
            for sg in h.stuurgroepen_of(wijk):
                groups += [*h.managed_wijkgroepen(sg), sg]
            rg = h.regiegroep_of(wijk)
            if rg is not None:
                groups.append(rg)
            wijk_rooms += [_group_room(h, gid, wijk_key, accounts, bot) for gid in groups]
            members = set().union(*(r.members for r in wijk_rooms))
            gem_members |= members
            gem_rooms.append(
                RoomSpec(
                    key=wijk_key,
                    name=f"Wijk {wijk}",
                    kind="wijk",
                    space=True,
                    parent=gem_key,
                    members=frozenset(members),
                    power=_power({}, bot),
                )
            )
            gem_rooms += wijk_rooms
        grg = h.gemeentelijke_regiegroep_of(gemeente)
        if grg is not None:
            room = _group_room(h, grg, gem_key, accounts, bot)
            gem_members |= room.members
            gem_rooms.append(room)
        rooms.append(
            RoomSpec(
                key=gem_key,
                name=f"Gemeente {gemeente}",
                kind="gemeente",
                space=True,
                parent=None,
                members=frozenset(gem_members),
                power=_power({}, bot),
            )
        )
        rooms += gem_rooms
    return tuple(map(named, rooms))


def _group_room(
    h: Hierarchy,
    gid: str,
    parent: str,
    accounts: Mapping[MemberId, str],
    bot: str,
) -> RoomSpec:
    kind = h.kind(gid)
    members = {accounts[m] for m in h.members(gid) if m in accounts}
    levels = {accounts[m]: ADMIN for m in h.admins(gid) if m in accounts}
    if kind is GroupKind.WIJKGROEP or kind is GroupKind.STUURGROEP:
        sg = gid if kind is GroupKind.STUURGROEP else h.stuurgroep_of(gid)
        tb = h.telefoonbeheerder(sg)
        if tb in accounts:
            levels[accounts[tb]] = TELEFOONBEHEERDER
    return RoomSpec(
        key=f"group:{gid}",
        name=gid,
        kind=kind.value,
        space=False,
        parent=parent,
        members=frozenset(members),
        power=_power(levels, bot),
    )


def plan(want: Sequence[RoomSpec], have: Mapping[str, RoomState], *, bot: str) -> list[Action]:
    """The actions that turn ``have`` (by key) into ``want``; empty when they agree.

    Rooms are created before anything refers to them; a room whose key is
    no longer wanted (a wijkgroep a split removed) is taken out of its space
    and emptied, never deleted, so its history stays readable to the bot.
    """
    actions: list[Action] = []
    keys = {spec.key for spec in want}
    actions += [
        CreateRoom(spec.key, spec.alias, spec.name, spec.kind, spec.space)
        for spec in want
        if spec.key not in have
    ]
    for spec in want:
        state = have.get(spec.key)
        if spec.parent is not None:
            parent = have.get(spec.parent)
            linked = (
                state is not None
                and parent is not None
                and state.room_id in parent.children
                and parent.room_id in state.parents
            )
            if not linked:
                actions.append(AddChild(spec.parent, spec.key))
        current = state.members if state is not None else frozenset()
        actions += [Invite(spec.key, user) for user in sorted(spec.members - current)]
        actions += [
            Kick(spec.key, user, "niet (meer) in deze groep")
            for user in sorted(current - spec.members - {bot})
        ]
        power = state.power if state is not None else _power({}, bot)
        if power != spec.power:
            actions.append(SetPower(spec.key, spec.power))
    by_room = {state.room_id: key for key, state in have.items()}
    parent_of = {spec.key: spec.parent for spec in want}
    unlink: set[tuple[str, str]] = set()
    for key, state in have.items():
        links: list[tuple[str | None, str | None]] = [(by_room.get(p), key) for p in state.parents]
        links += [(key, by_room.get(c)) for c in state.children]
        for up, down in links:
            if up is not None and down is not None and up in keys and parent_of.get(down) != up:
                unlink.add((up, down))
    actions += [RemoveChild(up, down) for up, down in sorted(unlink)]
    for key, state in sorted(have.items()):
        if key not in keys:
            actions += [
                Kick(key, user, "deze groep bestaat niet meer") for user in sorted(state.members)
            ]
    return actions
