"""The bridge's exactly-once logic against a fake nio client (no server):
a message seen twice makes one command, and a restarted bridge that finds its
own posts confirms them instead of posting again."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from routing.hierarchy.config import load_hierarchy

from .conftest import need

BOT = "@bot:buurt"


class FakeClient:
    """What the bridge asks of nio.AsyncClient, kept in memory."""

    def __init__(self) -> None:
        self.user_id = BOT
        self.timeline: dict[str, list[dict[str, Any]]] = {}
        self.txns: set[str] = set()
        self._ids = itertools.count(1)

    async def room_send(
        self, room: str, kind: str, content: dict[str, Any], tx_id: str | None = None
    ) -> Any:
        assert tx_id is not None
        assert tx_id not in self.txns, f"posted twice: {tx_id}"
        self.txns.add(tx_id)
        event = {
            "type": kind,
            "sender": BOT,
            "content": content,
            "event_id": f"$e{next(self._ids)}",
            "room_id": room,
        }
        self.timeline.setdefault(room, []).append(event)
        return SimpleNamespace(event_id=event["event_id"])

    async def room_messages(self, room: str, start: str = "", limit: int = 10) -> Any:
        events = list(reversed(self.timeline.get(room, [])))[:limit]
        return SimpleNamespace(chunk=[SimpleNamespace(source=e) for e in events])

    async def room_redact(self, room: str, event_id: str, reason: str = "") -> Any:
        for e in self.timeline.get(room, []):
            if e["event_id"] == event_id:
                e["content"] = {}
        return SimpleNamespace()


@pytest.fixture(autouse=True)
def _nio() -> None:
    need("nio")


def test_R3_exactly_once_across_a_restart_with_a_fake_client(tmp_path: Path) -> None:
    from routing.adapters.matrix.bridge import Bridge, relay_config
    from routing.engine.policies import Always
    from routing.runtime import FakeClock, Runtime

    h = load_hierarchy("examples/zoomwijck-fase2.toml")
    rooms = {g: f"!{i}:buurt" for i, g in enumerate(h.groups())}
    reporter = h.residents("Wijkgroep Vogelbuurt")[5]
    accounts = {reporter: "@vogel5:buurt"}
    config = relay_config(h, "bot")
    client = FakeClient()
    message = {
        "type": "m.room.message",
        "sender": "@vogel5:buurt",
        "event_id": "$r1",
        "content": {
            "msgtype": "m.text",
            "body": '!melding categorie=inbraak 112=ja tekst="rode pet"',
        },
    }

    async def first() -> None:
        with Runtime.open(
            tmp_path / "j.db", hierarchy=h, policy=Always(), config=config, clock=FakeClock(100.0)
        ) as rt:
            bridge = Bridge(rt, client, rooms, accounts)
            await bridge.handle(rooms["Wijkgroep Vogelbuurt"], message)
            await bridge.handle(rooms["Wijkgroep Vogelbuurt"], message)  # seen twice
            assert len(rt.relay.incidents()) == 1
            # Post everything but "crash" before confirming the last one.
            tasks = rt.outbox()
            assert len(tasks) == 6  # origin, four siblings, regiegroep
            for d in tasks[:-1]:
                await bridge.deliver(d)
            last = tasks[-1]
            await bridge.post(
                rooms[last.group], f"delivery-{last.id}", last.text, incident=last.incident
            )
            assert [d.id for d in rt.outbox()] == [last.id]

    async def second() -> None:
        with Runtime.open(
            tmp_path / "j.db", policy=Always(), config=config, clock=FakeClock(200.0)
        ) as rt:
            bridge = Bridge(rt, client, rooms, accounts)
            await bridge.recover()
            await bridge.handle(rooms["Wijkgroep Vogelbuurt"], message)  # replayed batch
            await bridge.drain()
            assert rt.outbox() == ()
            assert len(rt.relay.incidents()) == 1

    asyncio.run(first())
    asyncio.run(second())
    posted = [e for events in client.timeline.values() for e in events]
    assert len(posted) == 6
    assert sum("rode pet" in e["content"]["body"] for e in posted) == 6
