"""A phase-2 Zoomwijck evening through real rooms on a real Synapse (R3-R8, S1-S3).

The bridge runs as a child process (``buurtrouting matrix bridge``); it is
killed with SIGKILL mid-evening and started again, and the homeserver is
restarted under it. Every room must end with exactly what the decisions
allow: no duplicate, no loss.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest

from .conftest import need

_count = itertools.count()

SIBLINGS = (
    "Wijkgroep Vlinderbuurt",
    "Wijkgroep Bomenbuurt",
    "Wijkgroep Bloemenbuurt",
    "Wijkgroep Schildersbuurt",
)
SG = "Stuurgroep Zoomwijck"
RG = "Regiegroep Zoomwijck"
ORIGIN = "Wijkgroep Vogelbuurt"


def test_R3_R8_an_evening_through_real_rooms_survives_sigkill_and_a_restart(
    synapse: Any, tmp_path: Path
) -> None:
    need("nio")
    from .evening import Evening, until

    async def evening() -> None:
        ev = Evening(synapse, tmp_path, f"e{next(_count)}")
        try:
            await ev.provision()
            ev.start_bridge()
            await ev.bridge_synced()

            async def questions() -> list[str]:
                keys = [k for k in await ev.keys(SG) if k.startswith("question-")]
                return keys if len(keys) >= 2 else []

            # R3: a resident reports; the origin room gets the melding, the
            # stuurgroep the two relevance questions (S2, S3).
            await ev.say(
                "vogel5",
                ORIGIN,
                "!melding categorie=inbraak 112=ja "
                'richting="richting park" tekst="man met rode pet bij de schuur"',
            )
            await until(questions, timeout=60, what="the relevance questions", alive=ev.bridge)
            posts = await ev.bot_posts(SG)
            q = {p["content"]["nl.buurtpreventie.key"]: p for p in posts}
            assert set(q) >= {"question-1", "question-2"}

            # S2 yes by a reaction, the siblings get it, saying on whose decision.
            await ev.react("sg1", SG, q["question-1"]["event_id"], "👍")

            async def siblings_reached() -> bool:
                return all(
                    [any(k.startswith("delivery-") for k in await ev.keys(g)) for g in SIBLINGS]
                )

            await until(siblings_reached, timeout=60, what="the sibling rooms", alive=ev.bridge)
            sib = (await ev.bot_posts("Wijkgroep Bomenbuurt"))[0]
            assert "doorgezet door" in sib["content"]["body"]
            assert "rode pet" in sib["content"]["body"]

            # The bridge dies mid-evening; meanwhile S3 gets a no, and a
            # resident of a sibling room replies to the melding (R4).
            ev.kill_bridge()
            await ev.say("sg0", SG, "!nee 2 alleen hier van belang")
            await ev.say(
                "bomen5",
                "Wijkgroep Bomenbuurt",
                "Ik zag hem ook, hij fietste weg",
                **{"m.relates_to": {"m.in_reply_to": {"event_id": sib["event_id"]}}},
            )
            # Free text that looks like a report without its parts: held (H3, S1).
            await ev.say(
                "bloemen5", "Wijkgroep Bloemenbuurt", "Ik zie een verdachte persoon bij de school"
            )
            ev.start_bridge()

            async def held() -> bool:
                return any(k.startswith("held-") for k in await ev.keys(SG))

            await until(
                held, timeout=60, what="the held report in the stuurgroep room", alive=ev.bridge
            )

            async def reaction_posted() -> bool:
                for g in (ORIGIN, *SIBLINGS):
                    for p in await ev.bot_posts(g):
                        if "fietste weg" in p["content"]["body"]:
                            return True
                return False

            await until(reaction_posted, timeout=60, what="the reaction (R4)", alive=ev.bridge)

            # The homeserver restarts under the bridge.
            await asyncio.to_thread(synapse.restart, down=1.0)
            # (the members' clients reconnect on their next request)
            await ev.say("vogel5", ORIGIN, "!afloop Politie heeft de man aangesproken.")

            async def afloop_everywhere() -> bool:
                for g in (ORIGIN, *SIBLINGS):
                    bodies = [p["content"]["body"] for p in await ev.bot_posts(g)]
                    if not any("aangesproken" in b for b in bodies):
                        return False
                return True

            await until(
                afloop_everywhere,
                timeout=90,
                what="the afloop in every reached room",
                alive=ev.bridge,
            )
            assert ev.stop_bridge() == 0

            # Exactly once: every key once per room; the regiegroep got no
            # melding and no afloop (its decision was no).
            for g in (ORIGIN, *SIBLINGS, SG, RG):
                keys = await ev.keys(g)
                assert len(keys) == len(set(keys)), (g, keys)
            assert await ev.keys(RG) == []
            for g in (ORIGIN, *SIBLINGS):
                bodies = [p["content"]["body"] for p in await ev.bot_posts(g)]
                assert sum("rode pet" in b for b in bodies) == 1, (g, bodies)
                assert sum("aangesproken" in b for b in bodies) == 1, (g, bodies)
            sg_keys = await ev.keys(SG)
            assert sg_keys.count("question-1") == 1
            assert sg_keys.count("question-2") == 1
        finally:
            await ev.close()
            log = tmp_path / "bridge.log"
            if log.exists():
                print(log.read_text(errors="replace")[-4000:])

    asyncio.run(asyncio.wait_for(evening(), timeout=400))


@pytest.mark.parametrize("body", ["hallo buren", "wie heeft mijn kat gezien?"])
def test_H9_chatter_is_no_command(body: str) -> None:
    from routing.adapters.matrix.parse import parse_body

    assert parse_body(body) is None
