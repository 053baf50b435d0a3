"""AVG art. 17 on a real Synapse: a member who asks the bot to erase them has
what the bridge posted with their data redacted, and no account mapping left."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest

from .conftest import need

_count = itertools.count()
ORIGIN = "Wijkgroep Vogelbuurt"


@pytest.fixture(autouse=True)
def _nio() -> None:
    need("nio")


def test_AVG17_erasure_redacts_the_bridges_posts_and_drops_the_account(
    synapse: Any, tmp_path: Path
) -> None:
    from routing.adapters.matrix.provision import ok
    from routing.runtime import Runtime

    from .evening import Evening, until

    async def evening() -> None:
        ev = Evening(synapse, tmp_path, f"a{next(_count)}")
        try:
            await ev.provision()
            ev.start_bridge()
            await ev.bridge_synced()
            await ev.say(
                "vogel5",
                ORIGIN,
                '!melding categorie=diefstal 112=ja tekst="fiets gestolen bij de Merelstraat 4"',
            )

            async def posted() -> list[dict[str, Any]]:
                return [
                    p
                    for p in await ev.bot_posts(ORIGIN)
                    if "Merelstraat" in p["content"].get("body", "")
                ]

            post = (await until(posted, timeout=60, what="the melding", alive=ev.bridge))[0]
            me = ev.clients["vogel5"]
            direct = ok(await me.room_create(is_direct=True, invite=[ev.bot_id]))

            # The bridge joins the direct room on its next sync, then reads it.
            async def joined() -> bool:
                members = ok(await me.joined_members(direct.room_id)).members
                return any(m.user_id == ev.bot_id for m in members)

            await until(joined, timeout=60, what="the bot in the direct room", alive=ev.bridge)
            ok(
                await me.room_send(
                    direct.room_id, "m.room.message", {"msgtype": "m.text", "body": "!wissen"}
                )
            )

            async def redacted() -> bool:
                c = ev.clients["sg0"]
                got = ok(await c.room_get_event(ev.rooms[ORIGIN], post["event_id"]))
                return not got.event.source.get("content")

            await until(redacted, timeout=60, what="the redaction", alive=ev.bridge)
            assert ev.stop_bridge() == 0
        finally:
            await ev.close()

    asyncio.run(asyncio.wait_for(evening(), timeout=300))
    with Runtime.open(tmp_path / "buurt.db") as rt:
        assert rt.redactions("matrix") == ()
        member = rt.hierarchy.residents(ORIGIN)[5]
        assert rt.accounts.of(member) == ()
