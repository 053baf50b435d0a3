"""Provisioning with matrix-nio: read what the homeserver holds, apply the plan.

:func:`read_state` reads every room the bot is in that carries the
:data:`~routing.adapters.matrix.plan.MARKER` state event;
:func:`apply` carries out the actions of
:func:`~routing.adapters.matrix.plan.plan` in order; :func:`provision` does
both for a hierarchy. Running it twice changes nothing the second time: the
plan is empty. Only this module and :mod:`routing.adapters.matrix.bridge`
talk to the homeserver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import nio

from routing.domain.values import MemberId
from routing.model import Hierarchy

from .plan import (
    MARKER,
    Action,
    AddChild,
    CreateRoom,
    Invite,
    Kick,
    RemoveChild,
    RoomState,
    desired,
    plan,
)

__all__ = ["MatrixError", "apply", "connect", "ok", "provision", "read_state", "room_map"]


class MatrixError(RuntimeError):
    """The homeserver refused a request, or could not be reached."""


def ok(response: Any) -> Any:
    """``response`` unless nio made an error response of it (then :class:`MatrixError`)."""
    if isinstance(response, nio.ErrorResponse):
        code = getattr(response, "status_code", None)
        raise MatrixError(f"{type(response).__name__}: {code or ''} {response.message}".strip())
    return response


async def connect(
    homeserver: str,
    user: str,
    *,
    token: str | None = None,
    password: str | None = None,
    device_id: str | None = None,
) -> nio.AsyncClient:
    """A logged-in client: with an access token (checked with whoami) or a password."""
    client = nio.AsyncClient(homeserver, user, device_id=device_id or "")
    try:
        if token:
            client.access_token = token
            who = ok(await client.whoami())
            client.user_id = who.user_id
            if who.device_id:
                client.device_id = who.device_id
        elif password:
            ok(await client.login(password=password, device_name="buurtrouting"))
        else:
            raise MatrixError("give an access token or a password")
    except BaseException:
        await client.close()
        raise
    return client


def _server(user_id: str) -> str:
    return user_id.split(":", 1)[1]


async def read_state(client: nio.AsyncClient) -> dict[str, RoomState]:
    """The provisioned rooms the bot is in, by key."""
    found: dict[str, RoomState] = {}
    rooms = ok(await client.joined_rooms()).rooms
    for room_id in rooms:
        events: list[dict[str, Any]] = ok(await client.room_get_state(room_id)).events
        key = None
        members: set[str] = set()
        power: dict[str, int] = {}
        children: set[str] = set()
        parents: set[str] = set()
        for ev in events:
            kind, content = ev.get("type"), ev.get("content") or {}
            state_key = ev.get("state_key", "")
            if kind == MARKER and isinstance(content.get("key"), str):
                key = content["key"]
            elif kind == "m.room.member" and content.get("membership") in ("join", "invite"):
                if state_key != client.user_id:
                    members.add(state_key)
            elif kind == "m.room.power_levels":
                users = content.get("users") or {}
                power = {u: int(v) for u, v in users.items() if int(v) > 0 and u != client.user_id}
            elif kind == "m.space.child" and content.get("via"):
                children.add(state_key)
            elif kind == "m.space.parent" and content.get("via"):
                parents.add(state_key)
        if key is not None:
            found[key] = RoomState(
                key=key,
                room_id=room_id,
                members=frozenset(members),
                power=tuple(sorted(power.items())),
                children=frozenset(children),
                parents=frozenset(parents),
            )
    return found


def room_map(state: Mapping[str, RoomState]) -> dict[str, str]:
    """Group id -> room id, for the rooms that stand for groups."""
    return {k.split(":", 1)[1]: s.room_id for k, s in state.items() if k.startswith("group:")}


async def apply(
    client: nio.AsyncClient, actions: Sequence[Action], have: Mapping[str, RoomState]
) -> dict[str, str]:
    """Carry out ``actions`` in order; returns every key's room id afterwards."""
    rooms = {key: state.room_id for key, state in have.items()}
    via = {"via": [_server(client.user_id)]}
    for action in actions:
        if isinstance(action, CreateRoom):
            marker = {
                "type": MARKER,
                "state_key": "",
                "content": {"key": action.key, "kind": action.kind},
            }
            created = ok(
                await client.room_create(
                    alias=action.alias,
                    name=action.name,
                    space=action.space,
                    preset=nio.RoomPreset.private_chat,
                    initial_state=[marker],
                    power_level_override={"invite": 50, "kick": 50, "redact": 50},
                )
            )
            rooms[action.key] = created.room_id
        elif isinstance(action, AddChild | RemoveChild):
            content = via if isinstance(action, AddChild) else {}
            parent, child = rooms[action.parent], rooms[action.child]
            ok(await client.room_put_state(parent, "m.space.child", content, state_key=child))
            ok(
                await client.room_put_state(
                    child,
                    "m.space.parent",
                    {**content, "canonical": True} if content else {},
                    state_key=parent,
                )
            )
        elif isinstance(action, Invite):
            ok(await client.room_invite(rooms[action.key], action.user))
        elif isinstance(action, Kick):
            ok(await client.room_kick(rooms[action.key], action.user, reason=action.reason))
        else:
            room = rooms[action.key]
            levels = dict(
                ok(await client.room_get_state_event(room, "m.room.power_levels")).content
            )
            users = dict(action.users)
            mine = (levels.get("users") or {}).get(client.user_id)
            if mine is not None:  # a room version before 12 lists its creator
                users[client.user_id] = mine
            levels["users"] = users
            ok(await client.room_put_state(room, "m.room.power_levels", levels))
    return rooms


async def provision(
    client: nio.AsyncClient,
    hierarchy: Hierarchy,
    accounts: Mapping[MemberId, str],
    *,
    dry_run: bool = False,
    prefix: str = "buurt",
) -> list[Action]:
    """Make the homeserver's rooms mirror ``hierarchy``; returns what it did
    (or, with ``dry_run``, would do)."""
    have = await read_state(client)
    want = desired(hierarchy, accounts, bot=client.user_id, prefix=prefix)
    actions = plan(want, have, bot=client.user_id)
    if not dry_run:
        await apply(client, actions, have)
    return actions
