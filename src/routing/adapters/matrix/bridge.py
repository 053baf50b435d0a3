"""The bridge: the routing path on the live rooms of a homeserver.

One loop, on one :class:`~routing.runtime.Runtime`:

1. **Sync** from the stored position (the runtime's cursor
   ``matrix:next_batch``), and read each new event as a command
   (:mod:`routing.adapters.matrix.parse`), submitted with the event id as
   intake key (``matrix:$event``): an event seen twice makes one command.
2. **Post** what the runtime's state says is still out: every delivery of
   the outbox (bot delivery: into the group's room, saying on whose
   decision; human delivery: a task in the forwarder's direct room), every
   pending relevance question in the deciding group's room, every held
   report in the stuurgroep's room, and every redaction an erasure asks
   for. Each post has a stable key (``delivery-7``, ``question-3``); the
   Matrix transaction id is ``routing-<key>`` and the key travels in the
   event (``nl.buurtpreventie.key``), so after a crash the bridge reads its
   own recent posts and confirms what it had posted instead of posting it
   again. A delivery is confirmed (``rt.confirm``) only after the post.
3. **Store** the sync position, only after 1 and 2: a crash anywhere replays
   the batch, which the intake keys and the post keys make harmless.

A lost homeserver is retried with a doubling pause (at most 10 s) for at
most ``give_up`` seconds; the deadline loop (:meth:`Runtime.run`) runs
beside it. Outputs that are not state (a refusal's reason, a
:class:`~routing.engine.outputs.Joined` note) are posted once, when their
command runs; a crash between the command and that post loses the note,
never a delivery, a question or a held report.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs
import nio
from rich.console import Console

from routing.domain.values import MemberId
from routing.engine.commands import Afloop, Decide, React, Report, Screen
from routing.engine.outputs import (
    Delivery,
    DeliveryKind,
    Held,
    IncidentOpened,
    Joined,
    Rejected,
)
from routing.engine.policies import Policy
from routing.errors import RoutingError
from routing.model import Hierarchy
from routing.relay import RelayConfig
from routing.runtime import Runtime

from .parse import Parsed, parse_content
from .provision import MatrixError, connect, ok, read_state, room_map

__all__ = ["KEY_FIELD", "PLATFORM", "Bridge", "BridgeSettings", "run_bridge"]

PLATFORM = "matrix"
#: The field of every bridge post that names it (``delivery-7``).
KEY_FIELD = "nl.buurtpreventie.key"
INCIDENT_FIELD = "nl.buurtpreventie.incident"
_CURSOR = "matrix:next_batch"
_NETWORK = (MatrixError, OSError, asyncio.TimeoutError, aiohttp.ClientError, nio.ProtocolError)
#: Events per room one sync carries, and how far back a gap is read.
_FILTER = {"room": {"timeline": {"limit": 200}}}
_BACKFILL = 1000
_YES = ("👍", "✅", "ja")
_NO = ("👎", "❌", "nee")


@attrs.frozen(kw_only=True)
class BridgeSettings:
    homeserver: str
    user: str
    token: str | None
    password: str | None
    journal: str
    delivery: str = "bot"
    policy: str = "ask"
    give_up: float = 600.0
    sync_timeout_ms: int = 1000


def relay_config(hierarchy: Hierarchy, delivery: str) -> RelayConfig:
    """Bot delivery: the bridge may post in every group; human: none."""
    return RelayConfig(bot_groups=tuple(hierarchy.groups()) if delivery == "bot" else ())


class Bridge:
    """The bridge over an open runtime and a logged-in client (see the module docstring)."""

    def __init__(
        self,
        rt: Runtime,
        client: nio.AsyncClient,
        rooms: Mapping[str, str],
        accounts: Mapping[MemberId, str],
    ) -> None:
        self.rt = rt
        self.client = client
        self.rooms = dict(rooms)  # group -> room id
        self.groups = {room: group for group, room in self.rooms.items()}
        self.posted: dict[str, str] = {}  # post key -> event id
        self.incident_of: dict[str, str] = {}  # event id -> incident
        self.direct: dict[str, str] = {}  # Matrix ID -> direct room id
        self.posts = 0
        self.recovered = False
        self.synced = False
        for member, mxid in accounts.items():
            if member in rt.hierarchy and rt.member_of(PLATFORM, mxid) is None:
                rt.link(PLATFORM, mxid, member)

    # ------------------------------------------------------------ recovery

    async def recover(self, *, limit: int = 200) -> None:
        """Read the bot's own recent posts: which keys it already posted."""
        for room in self.rooms.values():
            resp = await self.client.room_messages(room, start="", limit=limit)
            if isinstance(resp, nio.ErrorResponse):
                resp = ok(await self.client.room_messages(room, limit=limit))
            for event in resp.chunk:
                self._remember(room, event.source)

    def _remember(self, room: str, source: Mapping[str, Any]) -> None:
        if source.get("sender") != self.client.user_id:
            return
        content = source.get("content") or {}
        key, event_id = content.get(KEY_FIELD), source.get("event_id")
        if isinstance(key, str) and isinstance(event_id, str):
            self.posted.setdefault(key, event_id)
            incident = content.get(INCIDENT_FIELD)
            if isinstance(incident, str):
                self.incident_of[event_id] = incident

    # ------------------------------------------------------------ posting

    async def post(
        self,
        room: str,
        key: str,
        body: str,
        *,
        incident: str | None = None,
        notice: bool = False,
        members: tuple[int, ...] = (),
        reply_to: str | None = None,
    ) -> str:
        """Post ``body`` once under ``key``; the event id."""
        if key in self.posted:
            return self.posted[key]
        content: dict[str, Any] = {
            "msgtype": "m.notice" if notice else "m.text",
            "body": body,
            KEY_FIELD: key,
        }
        if incident is not None:
            content[INCIDENT_FIELD] = incident
        if reply_to is not None:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        sent = ok(
            await self.client.room_send(room, "m.room.message", content, tx_id=f"routing-{key}")
        )
        self.posted[key] = sent.event_id
        if incident is not None:
            self.incident_of[sent.event_id] = incident
        if members:
            self.rt.record_post(PLATFORM, f"{room}|{sent.event_id}", members=members)
        self.posts += 1
        return str(sent.event_id)

    def _name(self, member: int | None) -> str:
        return "de stuurgroep" if member is None else self.rt.hierarchy.name(member)

    def _involved(self, d: Delivery) -> tuple[int, ...]:
        view = self.rt.relay.incident(d.incident)
        people: set[int] = {m for _, m in view.casushouders}
        people |= {hop.by for hop in d.route if hop.by is not None}
        if d.poster is not None:
            people.add(d.poster)
        return tuple(sorted(people))

    async def deliver(self, d: Delivery) -> None:
        key = f"delivery-{d.id}"
        if key in self.posted:
            self.rt.confirm(d.id, by=d.poster, key=f"matrix:confirm:{d.id}")
            return
        room = self.rooms.get(d.group)
        if room is None:
            self.rt.fail(d.id, f"no Matrix room for {d.group}", key=f"matrix:fail:{d.id}")
            return
        if d.bot:
            last = d.route[-1] if d.route else None
            if d.kind is DeliveryKind.MELDING and last is not None and last.source is not None:
                who = self._name(last.decision.by if last.decision else last.by)
                body = f"{d.text}\n\n(doorgezet door {who})"
            elif d.kind is DeliveryKind.MELDING and last is not None:
                body = f"{d.text}\n\n(melding van {self._name(last.by)})"
            else:
                body = d.text
            await self.post(room, key, body, incident=d.incident, members=self._involved(d))
            self.rt.confirm(d.id, key=f"matrix:confirm:{d.id}")
            return
        if d.poster is None:
            return
        accounts = [a for p, a in self.rt.accounts.of(d.poster) if p == PLATFORM]
        if not accounts:
            return  # no account: the task waits for someone to confirm it by hand
        direct = await self.direct_room(accounts[0])
        await self.post(
            direct,
            f"task-{d.id}",
            f"Taak {d.id}: plaats dit in {d.group}:\n\n{d.text}\n\nDaarna: !gedaan {d.id}",
            incident=d.incident,
            notice=True,
            members=self._involved(d),
        )

    async def direct_room(self, mxid: str) -> str:
        cursor = f"matrix:direct:{mxid}"
        room = self.direct.get(mxid) or self.rt.accounts.cursor(cursor)
        if room is None:
            created = ok(
                await self.client.room_create(
                    is_direct=True,
                    invite=[mxid],
                    preset=nio.RoomPreset.trusted_private_chat,
                    name="buurtrouting",
                )
            )
            room = str(created.room_id)
            self.rt.accounts.set_cursor(cursor, room)
        self.direct[mxid] = room
        return room

    async def drain(self) -> None:
        """Post everything the state says is still out (see the module docstring)."""
        for d in self.rt.outbox():
            await self.deliver(d)
        for p in self.rt.relay.pending():
            room = self.rooms.get(p.decider)
            if room is not None:
                await self.post(
                    room,
                    f"question-{p.id}",
                    f"Vraag {p.id}: {p.question}\nAntwoord met !ja {p.id} of !nee {p.id}"
                    " (of 👍 / 👎 op dit bericht).",
                    incident=p.incident,
                    notice=True,
                )
        for held in self.rt.relay.held():
            room = self.rooms.get(held.stuurgroep)
            if room is None or not isinstance(held, Held):
                continue
            await self.post(
                room,
                f"held-{held.incident}",
                f"Vastgehouden melding {held.incident} uit {held.wijkgroep} "
                f"[{held.rule}]: {held.reason}\n!vrijgeven {held.incident} of "
                f"!afwijzen {held.incident} reden",
                incident=held.incident,
                notice=True,
            )
        for ref in self.rt.redactions(PLATFORM):
            room, _, event_id = ref.partition("|")
            ok(await self.client.room_redact(room, event_id, reason="gewist (AVG art. 17)"))
            self.rt.redacted(PLATFORM, ref)

    # ------------------------------------------------------------ reading

    async def handle(self, room: str, source: Mapping[str, Any]) -> None:
        """One timeline event of ``room``."""
        sender, event_id = source.get("sender"), source.get("event_id")
        if sender == self.client.user_id or not isinstance(event_id, str):
            self._remember(room, source)
            return
        member = self.rt.member_of(PLATFORM, str(sender))
        if member is None:
            return
        content = source.get("content") or {}
        kind = source.get("type")
        key = f"matrix:{event_id}"
        group = self.groups.get(room)
        if kind == "m.reaction":
            rel = content.get("m.relates_to") or {}
            target = next((k for k, e in self.posted.items() if e == rel.get("event_id")), "")
            emoji = str(rel.get("key", ""))
            if target.startswith("question-") and emoji in (*_YES, *_NO):
                number = int(target.split("-", 1)[1])
                await self._submit(
                    room,
                    event_id,
                    lambda at: Decide(at=at, by=member, decision=number, forward=emoji in _YES),
                    key,
                )
            return
        if kind != "m.room.message":
            return
        parsed = parse_content(content)
        reply = ((content.get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id")
        incident = self.incident_of.get(reply) if isinstance(reply, str) else None
        if parsed is None:
            if incident is not None and group is not None:
                text = str(content.get("body", "")).strip()
                await self._submit(
                    room,
                    event_id,
                    lambda at: React(
                        at=at, member=member, incident=incident, text=text, group=group
                    ),
                    key,
                )
            return
        if parsed.problem is not None:
            await self.post(
                room,
                f"problem-{event_id}",
                f"Niet begrepen: {parsed.problem}",
                notice=True,
                reply_to=event_id,
            )
            return
        await self._command(room, event_id, member, group, parsed, incident, key)

    async def _command(
        self,
        room: str,
        event_id: str,
        member: MemberId,
        group: str | None,
        parsed: Parsed,
        incident: str | None,
        key: str,
    ) -> None:
        verb = parsed.verb
        if verb in ("melding", "report") and parsed.melding is not None:
            if group is None or self.rt.hierarchy.kind(group).value != "wijkgroep":
                return
            melding = parsed.melding
            await self._submit(
                room, event_id, lambda at: Report(at=at, reporter=member, melding=melding), key
            )
        elif verb == "decide" and parsed.number is not None:
            number, flag, reason = parsed.number, parsed.flag, parsed.text
            await self._submit(
                room,
                event_id,
                lambda at: Decide(at=at, by=member, decision=number, forward=flag, reason=reason),
                key,
            )
        elif verb == "afloop":
            target = incident or self._open_incident(group)
            if target is None:
                await self.post(
                    room,
                    f"problem-{event_id}",
                    "Geen open melding in deze groep.",
                    notice=True,
                    reply_to=event_id,
                )
                return
            text = parsed.text
            await self._submit(
                room, event_id, lambda at: Afloop(at=at, by=member, incident=target, text=text), key
            )
        elif verb == "screen" and parsed.incident is not None:
            inc, flag, reason = parsed.incident, parsed.flag, parsed.text
            await self._submit(
                room,
                event_id,
                lambda at: Screen(at=at, by=member, incident=inc, release=flag, reason=reason),
                key,
            )
        elif verb == "done" and parsed.number is not None:
            await self._submit(room, event_id, None, key, confirm=(parsed.number, member))
        elif verb == "erase" and group is None:
            self.rt.erase(member, by=member)
            await self.post(room, f"erased-{event_id}", "Je gegevens zijn gewist.", notice=True)

    def _open_incident(self, group: str | None) -> str | None:
        if group is None:
            return None
        relay = self.rt.relay
        for incident in reversed(relay.incidents()):
            view = relay.incident(incident)
            if view.closed_at is None and group in view.reached:
                return incident
        return None

    async def _submit(
        self,
        room: str,
        event_id: str,
        item: Any,
        key: str,
        confirm: tuple[int, MemberId] | None = None,
    ) -> None:
        try:
            if confirm is not None:
                done = self.rt.confirm(confirm[0], by=confirm[1], key=key)
            else:
                done = self.rt.submit(item, key=key)
        except RoutingError as e:
            print(f"bridge: refused {event_id}: {type(e).__name__}", flush=True)
            await self.post(
                room, f"problem-{event_id}", f"Niet gelukt: {e}", notice=True, reply_to=event_id
            )
            return
        for out in done.outputs:
            if isinstance(out, IncidentOpened):
                self.incident_of[event_id] = out.incident
            elif isinstance(out, Joined):
                self.incident_of[event_id] = out.incident
                await self.post(
                    room, f"joined-{event_id}", out.text, notice=True, reply_to=event_id
                )
            elif isinstance(out, Rejected):
                await self.post(
                    room,
                    f"rejected-{event_id}",
                    f"Melding {out.incident} afgewezen: {out.reason}",
                    notice=True,
                )

    # ------------------------------------------------------------ the loop

    async def step(self, *, sync_timeout_ms: int = 1000) -> None:
        """One sync, its events, the posts, then the stored position."""
        since = self.rt.accounts.cursor(_CURSOR)
        timeout = 0 if since is None else sync_timeout_ms
        resp = ok(await self.client.sync(timeout=timeout, since=since, sync_filter=_FILTER))
        if since is not None:
            for room, info in resp.rooms.join.items():
                events = [e.source for e in info.timeline.events]
                if info.timeline.limited and info.timeline.prev_batch:
                    # More arrived than one sync carries: read the gap too
                    # (what was handled before is a duplicate by its key).
                    older = ok(
                        await self.client.room_messages(
                            room, start=info.timeline.prev_batch, limit=_BACKFILL
                        )
                    )
                    events = [e.source for e in reversed(older.chunk)] + events
                for source in events:
                    await self.handle(room, source)
        for room in resp.rooms.invite:
            ok(await self.client.join(room))
        await self.drain()
        self.rt.accounts.set_cursor(_CURSOR, resp.next_batch)

    async def run(
        self, stop: asyncio.Event, *, give_up: float = 600.0, sync_timeout_ms: int = 1000
    ) -> int:
        """Sync until ``stop``; 0, or 1 after ``give_up`` seconds without the homeserver."""
        ticks = asyncio.ensure_future(self.rt.run(stop))
        failing_since: float | None = None
        pause = 0.25
        try:
            while not stop.is_set():
                try:
                    if not self.recovered:
                        await self.recover()
                        self.recovered = True
                    await self.step(sync_timeout_ms=sync_timeout_ms)
                    if failing_since is not None or not self.synced:
                        print("bridge: synced", flush=True)
                    self.synced = True
                    failing_since, pause = None, 0.25
                except _NETWORK as e:
                    now = time.monotonic()
                    failing_since = failing_since or now
                    print(
                        f"bridge: homeserver unreachable ({type(e).__name__}), retrying", flush=True
                    )
                    if now - failing_since > give_up:
                        print(f"buurtrouting: giving up after {give_up:.0f} s: {e}", flush=True)
                        return 1
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 10.0)
        finally:
            stop.set()
            with contextlib.suppress(Exception):
                await ticks
        return 0


def run_bridge(
    settings: BridgeSettings,
    hierarchy: Hierarchy,
    accounts: Mapping[MemberId, str],
    out: Console,
    *,
    policy: Policy | None = None,
) -> int:
    """``buurtrouting matrix bridge``: open the journal, log in, run until
    SIGINT or SIGTERM (a SIGKILL loses nothing either: see the module docstring)."""
    config = relay_config(hierarchy, settings.delivery)
    with Runtime.open(settings.journal, hierarchy=hierarchy, policy=policy, config=config) as rt:
        return asyncio.run(_serve(settings, rt, accounts, out))


async def _serve(
    settings: BridgeSettings, rt: Runtime, accounts: Mapping[MemberId, str], out: Console
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    deadline = time.monotonic() + settings.give_up
    pause = 0.25
    while True:
        try:
            client = await connect(
                settings.homeserver, settings.user, token=settings.token, password=settings.password
            )
            break
        except _NETWORK as e:
            if time.monotonic() > deadline or stop.is_set():
                out.print(f"buurtrouting: cannot reach {settings.homeserver}: {e}", markup=False)
                return 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, 10.0)
    try:
        rooms = room_map(await read_state(client))
        bridge = Bridge(rt, client, rooms, accounts)
        out.print(f"bridge up: {len(rooms)} rooms, journal {settings.journal}", markup=False)
        return await bridge.run(
            stop, give_up=settings.give_up, sync_timeout_ms=settings.sync_timeout_ms
        )
    finally:
        await client.close()
