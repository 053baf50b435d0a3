"""Provisioning against a real Synapse: the space tree mirrors the hierarchy,
power levels mirror roles (G4, T1), and a second run changes nothing."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from routing.hierarchy.config import load_hierarchy
from routing.model import Hierarchy

_count = itertools.count()


def _accounts(h: Hierarchy, prefix: str, server: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for i, mid in enumerate(sorted(h.members("Stuurgroep Zoomwijck"))):
        out[mid] = f"@{prefix}sg{i}:{server}"
    out[h.residents("Wijkgroep Vogelbuurt")[5]] = f"@{prefix}vogel5:{server}"
    out[h.residents("Wijkgroep Bomenbuurt")[3]] = f"@{prefix}bomen3:{server}"
    return out


def test_G4_provision_mirrors_the_hierarchy_and_is_idempotent(synapse: Any) -> None:
    from routing.adapters.matrix.plan import ADMIN, TELEFOONBEHEERDER, Invite, Kick, SetPower
    from routing.adapters.matrix.provision import connect, provision, read_state

    prefix = f"p{next(_count)}"
    bot = synapse.register(f"{prefix}bot", "pw", admin=True)
    h = load_hierarchy("examples/zoomwijck-fase2.toml")
    accounts = _accounts(h, prefix, synapse.server_name)
    for mxid in accounts.values():
        synapse.register(mxid[1:].split(":")[0], "pw")

    async def run() -> None:
        client = await connect(synapse.url, bot["user_id"], token=bot["access_token"])
        try:
            first = await provision(client, h, accounts, prefix=prefix)
            assert first
            state = await read_state(client)
            assert set(state) == {
                "gemeente:Voorbeeldstad",
                "wijk:Zoomwijck",
                "group:Stuurgroep Zoomwijck",
                "group:Regiegroep Zoomwijck",
                *(f"group:{g}" for g in h.managed_wijkgroepen("Stuurgroep Zoomwijck")),
            }
            wijk = state["wijk:Zoomwijck"]
            assert state["gemeente:Voorbeeldstad"].children == {wijk.room_id}
            assert state["group:Wijkgroep Vogelbuurt"].parents == {wijk.room_id}
            assert len(wijk.children) == 7
            vogel = state["group:Wijkgroep Vogelbuurt"]
            tb = accounts[h.telefoonbeheerder("Stuurgroep Zoomwijck")]
            power = dict(vogel.power)
            assert power[tb] == TELEFOONBEHEERDER
            assert sorted(power.values()).count(ADMIN) == 3
            assert accounts[h.residents("Wijkgroep Vogelbuurt")[5]] in vogel.members
            assert accounts[h.residents("Wijkgroep Bomenbuurt")[3]] not in vogel.members

            assert await provision(client, h, accounts, prefix=prefix) == []  # idempotent

            # A changed mapping is applied as the difference.
            moved = dict(accounts)
            del moved[h.residents("Wijkgroep Vogelbuurt")[5]]
            moved[h.residents("Wijkgroep Vogelbuurt")[6]] = f"@{prefix}bomen3:{synapse.server_name}"
            del moved[h.residents("Wijkgroep Bomenbuurt")[3]]
            diff = await provision(client, h, moved, prefix=prefix)
            kinds = {type(a) for a in diff}
            assert kinds <= {Invite, Kick, SetPower}
            assert any(isinstance(a, Kick) and a.key == "group:Wijkgroep Vogelbuurt" for a in diff)
            assert await provision(client, h, moved, prefix=prefix) == []
        finally:
            await client.close()

    asyncio.run(asyncio.wait_for(run(), timeout=120))


@pytest.mark.parametrize("bad", ["anna", "@Anna:x", "@a b:x"])
def test_bad_matrix_ids_are_refused(bad: str) -> None:
    from routing.adapters.matrix.accounts import check_matrix_id

    with pytest.raises(ValueError):
        check_matrix_id(bad)
