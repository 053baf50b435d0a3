"""The provisioning plan without a server (G1-G4, T1): what a hierarchy needs,
and the difference to what a homeserver holds."""

from __future__ import annotations

import pytest

from routing.adapters.matrix.accounts import accounts_from_dict
from routing.adapters.matrix.plan import (
    ADMIN,
    TELEFOONBEHEERDER,
    AddChild,
    CreateRoom,
    Invite,
    Kick,
    RemoveChild,
    RoomSpec,
    RoomState,
    SetPower,
    alias_for,
    desired,
    plan,
)
from routing.errors import ConfigError
from routing.hierarchy.config import load_hierarchy
from routing.model import Hierarchy

BOT = "@bot:buurt"


@pytest.fixture
def fase2() -> Hierarchy:
    return load_hierarchy("examples/zoomwijck-fase2.toml")


def _accounts(h: Hierarchy) -> dict[int, str]:
    out = {m: f"@m{m}:buurt" for m in h.members("Stuurgroep Zoomwijck")}
    out[h.residents("Wijkgroep Vogelbuurt")[5]] = "@vogel5:buurt"
    return out


def _held(want: tuple[RoomSpec, ...]) -> dict[str, RoomState]:
    """What a homeserver holds after the plan was applied, as read_state reads it."""
    ids = {spec.key: f"!{i}:buurt" for i, spec in enumerate(want)}
    have = {}
    for spec in want:
        children = {ids[s.key] for s in want if s.parent == spec.key}
        parents = {ids[spec.parent]} if spec.parent else set()
        have[spec.key] = RoomState(
            key=spec.key,
            room_id=ids[spec.key],
            members=spec.members,
            power=spec.power,
            children=frozenset(children),
            parents=frozenset(parents),
        )
    return have


def test_G2_the_space_tree_mirrors_the_hierarchy(fase2: Hierarchy) -> None:
    want = desired(fase2, _accounts(fase2), bot=BOT)
    keys = [s.key for s in want]
    assert keys[0] == "gemeente:Voorbeeldstad"
    assert keys[1] == "wijk:Zoomwijck"
    by_key = {s.key: s for s in want}
    assert by_key["wijk:Zoomwijck"].parent == "gemeente:Voorbeeldstad"
    assert by_key["group:Wijkgroep Vogelbuurt"].parent == "wijk:Zoomwijck"
    assert by_key["group:Regiegroep Zoomwijck"].parent == "wijk:Zoomwijck"
    assert sum(not s.space for s in want) == 7  # 5 wijkgroepen, stuurgroep, regiegroep
    assert all(s.space == (s.kind in ("wijk", "gemeente")) for s in want)


def test_G4_T1_power_levels_mirror_roles(fase2: Hierarchy) -> None:
    accounts = _accounts(fase2)
    want = {s.key: s for s in desired(fase2, accounts, bot=BOT)}
    vogel = dict(want["group:Wijkgroep Vogelbuurt"].power)
    tb = accounts[fase2.telefoonbeheerder("Stuurgroep Zoomwijck")]
    assert vogel.pop(tb) == TELEFOONBEHEERDER
    assert set(vogel.values()) == {ADMIN}
    assert len(vogel) == 3
    assert "@vogel5:buurt" not in vogel  # a resident: level 0
    assert BOT not in vogel  # the creator holds every power and is not listed
    assert "@vogel5:buurt" in want["group:Wijkgroep Vogelbuurt"].members
    assert "@vogel5:buurt" not in want["group:Wijkgroep Bomenbuurt"].members
    assert "@vogel5:buurt" not in want["group:Stuurgroep Zoomwijck"].members


def test_a_fresh_server_gets_everything_and_a_second_run_nothing(fase2: Hierarchy) -> None:
    want = desired(fase2, _accounts(fase2), bot=BOT)
    first = plan(want, {}, bot=BOT)
    creates = [a for a in first if isinstance(a, CreateRoom)]
    assert len(creates) == 9
    assert first.index(creates[-1]) < min(
        i for i, a in enumerate(first) if not isinstance(a, CreateRoom)
    )
    assert sum(isinstance(a, AddChild) for a in first) == 8
    assert plan(want, _held(want), bot=BOT) == []


def test_a_changed_file_is_applied_as_the_difference(fase2: Hierarchy) -> None:
    accounts = _accounts(fase2)
    have = _held(desired(fase2, accounts, bot=BOT))
    vogel5 = fase2.residents("Wijkgroep Vogelbuurt")[5]
    del accounts[vogel5]
    accounts[fase2.residents("Wijkgroep Bomenbuurt")[3]] = "@bomen3:buurt"
    diff = plan(desired(fase2, accounts, bot=BOT), have, bot=BOT)
    assert Kick("group:Wijkgroep Vogelbuurt", "@vogel5:buurt", "niet (meer) in deze groep") in diff
    assert Invite("group:Wijkgroep Bomenbuurt", "@bomen3:buurt") in diff
    assert not any(isinstance(a, CreateRoom | AddChild | SetPower) for a in diff)


def test_G2_a_room_of_a_group_that_is_gone_leaves_its_space(fase2: Hierarchy) -> None:
    want = desired(fase2, _accounts(fase2), bot=BOT)
    have = _held(want)
    gone = RoomState(
        key="group:Wijkgroep Oud",
        room_id="!old:buurt",
        members=frozenset({"@x:buurt"}),
        power=(),
        parents=frozenset({have["wijk:Zoomwijck"].room_id}),
    )
    wijk = have["wijk:Zoomwijck"]
    have["wijk:Zoomwijck"] = RoomState(
        key=wijk.key,
        room_id=wijk.room_id,
        members=wijk.members,
        power=wijk.power,
        children=wijk.children | {"!old:buurt"},
        parents=wijk.parents,
    )
    have[gone.key] = gone
    diff = plan(want, have, bot=BOT)
    assert diff == [
        RemoveChild("wijk:Zoomwijck", "group:Wijkgroep Oud"),
        Kick("group:Wijkgroep Oud", "@x:buurt", "deze groep bestaat niet meer"),
    ]


def test_aliases_are_stable_readable_and_distinct() -> None:
    a = alias_for("group:Wijkgroep Vogelbuurt")
    assert a == alias_for("group:Wijkgroep Vogelbuurt")
    assert a.startswith("buurt-wijkgroep-vogelbuurt-")
    assert a != alias_for("group:Wijkgroep  Vogelbuurt")


def test_the_accounts_file_needs_names_that_name_one_member(fase2: Hierarchy) -> None:
    ok = accounts_from_dict(
        {
            "account": [
                {"name": "Anna de Wit", "matrix": "@anna:buurt"},
                {"name": "bewoner 5", "wijkgroep": "Wijkgroep Vogelbuurt", "matrix": "@v5:buurt"},
            ]
        },
        fase2,
    )
    assert sorted(ok.values()) == ["@anna:buurt", "@v5:buurt"]
    with pytest.raises(ConfigError, match="ambiguous"):
        accounts_from_dict({"account": [{"name": "bewoner 5", "matrix": "@v5:buurt"}]}, fase2)
    with pytest.raises(ConfigError, match="not a member"):
        accounts_from_dict({"account": [{"name": "Karel", "matrix": "@k:buurt"}]}, fase2)
    assert (
        accounts_from_dict(
            {"account": [{"name": "Karel", "matrix": "@k:buurt"}]}, fase2, strict=False
        )
        == {}
    )
    with pytest.raises(ConfigError, match="two members"):
        accounts_from_dict(
            {
                "account": [
                    {"name": "Anna de Wit", "matrix": "@a:buurt"},
                    {"name": "Bram Jansen", "matrix": "@a:buurt"},
                ]
            },
            fase2,
        )
    with pytest.raises(ConfigError, match="Matrix user ID"):
        accounts_from_dict({"account": [{"name": "Anna de Wit", "matrix": "anna"}]}, fase2)
