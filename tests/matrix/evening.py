"""A phase-2 Zoomwijck evening on a real Synapse: accounts, provisioning, the
members' clients and the bridge as a child process. Shared by the live
tests and ``benchmarks/bench_matrix.py``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nio

from routing.adapters.matrix.localserver import LocalSynapse
from routing.adapters.matrix.provision import connect, ok, provision, read_state, room_map
from routing.hierarchy.config import load_hierarchy

FASE2 = str(Path(__file__).resolve().parents[2] / "examples" / "zoomwijck-fase2.toml")
KEY = "nl.buurtpreventie.key"


async def until(
    check: Callable[[], Awaitable[Any]],
    *,
    timeout: float,
    what: str,
    alive: subprocess.Popen[bytes] | None = None,
) -> Any:
    """``check()`` until it returns something true, for at most ``timeout`` s
    (and, with ``alive``, while that process runs)."""
    deadline = time.monotonic() + timeout
    while True:
        if alive is not None and alive.poll() is not None:
            raise RuntimeError(f"the bridge exited with {alive.returncode} before {what}")
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.1)


class Evening:
    """The Zoomwijck (phase 2) provisioned on ``server`` with accounts prefixed ``prefix``."""

    def __init__(self, server: LocalSynapse, tmp: Path, prefix: str) -> None:
        self.server, self.tmp, self.prefix = server, tmp, prefix
        self.h = load_hierarchy(FASE2)
        h = self.h
        people: dict[str, int] = {}
        for i, mid in enumerate(sorted(h.members("Stuurgroep Zoomwijck"))):
            people[f"sg{i}"] = mid
        for wg in h.managed_wijkgroepen("Stuurgroep Zoomwijck"):
            short = wg.split()[-1].removesuffix("buurt").lower()
            people[f"{short}5"] = h.residents(wg)[5]
        self.people = people  # localpart suffix -> member
        self.mxid = {k: server.user_id(f"{prefix}{k}") for k in people}
        self.tokens: dict[str, str] = {}
        self.bot = server.register(f"{prefix}bot", "pw", admin=True)
        for k in people:
            self.tokens[k] = server.register(f"{prefix}{k}", "pw")["access_token"]
        lines = []
        for k, mid in people.items():
            lines += [
                "[[account]]",
                f'name = "{h.name(mid)}"',
                f'wijkgroep = "{h.wijkgroep_of(mid)}"',
                f'matrix = "{self.mxid[k]}"',
                "",
            ]
        self.accounts_file = tmp / "accounts.toml"
        self.accounts_file.write_text("\n".join(lines), encoding="utf-8")
        self.journal = tmp / "buurt.db"
        self.clients: dict[str, nio.AsyncClient] = {}
        self.rooms: dict[str, str] = {}
        self.bridge: subprocess.Popen[bytes] | None = None

    @property
    def bot_id(self) -> str:
        return str(self.bot["user_id"])

    async def provision(self) -> None:
        from routing.adapters.matrix.accounts import load_accounts

        accounts = load_accounts(self.accounts_file, self.h)
        client = await connect(self.server.url, self.bot_id, token=self.bot["access_token"])
        try:
            await provision(client, self.h, accounts, prefix=self.prefix)
            self.rooms = room_map(await read_state(client))
        finally:
            await client.close()
        for k in self.people:
            c = await connect(self.server.url, self.mxid[k], token=self.tokens[k])
            self.clients[k] = c
            resp = ok(await c.sync(timeout=0))
            for room in resp.rooms.invite:
                ok(await c.join(room))

    def start_bridge(self, *extra: str) -> None:
        log = (self.tmp / "bridge.log").open("ab")
        env = {**os.environ, "MATRIX_TOKEN": self.bot["access_token"]}
        self.bridge = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "routing",
                "matrix",
                "bridge",
                FASE2,
                "--journal",
                str(self.journal),
                "--homeserver",
                self.server.url,
                "--user",
                self.bot_id,
                "--accounts",
                str(self.accounts_file),
                "--give-up",
                "120",
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        log.close()

    async def bridge_synced(self, times: int = 1) -> None:
        log = self.tmp / "bridge.log"

        async def synced() -> bool:
            return log.read_text(errors="replace").count("bridge: synced") >= times

        await until(synced, timeout=60, what="the bridge's first sync", alive=self.bridge)

    def kill_bridge(self) -> None:
        if self.bridge is not None:
            self.bridge.send_signal(signal.SIGKILL)
            self.bridge.wait(timeout=30)
            self.bridge = None

    def stop_bridge(self) -> int:
        b, self.bridge = self.bridge, None
        if b is None:
            return 0
        b.send_signal(signal.SIGTERM)
        try:
            return b.wait(timeout=30)
        except subprocess.TimeoutExpired:
            b.kill()
            b.wait(timeout=30)
            raise

    async def say(self, who: str, group: str, body: str, **extra: Any) -> str:
        content = {"msgtype": "m.text", "body": body, **extra}
        sent = ok(await self.clients[who].room_send(self.rooms[group], "m.room.message", content))
        return str(sent.event_id)

    async def react(self, who: str, group: str, event_id: str, key: str) -> None:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        ok(await self.clients[who].room_send(self.rooms[group], "m.reaction", content))

    async def bot_posts(self, group: str, *, reader: str = "sg0") -> list[dict[str, Any]]:
        """The bridge's posts in ``group``, oldest first (as ``reader`` sees them)."""
        c = self.clients[reader]
        resp = ok(await c.room_messages(self.rooms[group], start="", limit=500))
        posts = [
            e.source
            for e in resp.chunk
            if e.source.get("sender") == self.bot_id and e.source.get("type") == "m.room.message"
        ]
        return list(reversed(posts))

    async def keys(self, group: str) -> list[str]:
        return [str(p["content"].get(KEY, "")) for p in await self.bot_posts(group)]

    async def close(self) -> None:
        if self.bridge is not None:
            self.stop_bridge()
        for c in self.clients.values():
            await c.close()
