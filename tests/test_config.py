"""Loading a neighbourhood from TOML (routing.hierarchy.config).

Every kind of bad file must raise ConfigError naming the file, the entry and
the problem; everything else must load into a hierarchy whose invariants hold.
"""

from __future__ import annotations

import copy
import itertools
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import (
    CapacityRefused,
    ConfigError,
    GroupKind,
    Hierarchy,
    InvariantRefused,
    Role,
)
from routing.hierarchy.config import hierarchy_from_dict, load_hierarchy

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def doc(**sg_extra: Any) -> dict[str, Any]:
    """A small valid document; tests break one thing in it."""
    return {
        "gemeente": [
            {
                "name": "Voorbeeldstad",
                "wijk": [
                    {
                        "name": "Zoomwijck",
                        "stuurgroep": [
                            {
                                "id": "SG",
                                "members": ["Anna", "Bram", "Cees"],
                                "telefoonbeheerder": "Cees",
                                "wijkgroep": [
                                    {
                                        "id": "WG",
                                        "residents": ["Anna", "Bram", "Cees", "Dirk"],
                                    }
                                ],
                                **sg_extra,
                            }
                        ],
                    }
                ],
            }
        ]
    }


def sg_of(data: dict[str, Any], wijk: int = 0) -> dict[str, Any]:
    return data["gemeente"][0]["wijk"][wijk]["stuurgroep"][0]  # type: ignore[no-any-return]


def wijk(name: str, sg: str, wg: str, names: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "stuurgroep": [
            {
                "id": sg,
                "members": names[:3],
                "telefoonbeheerder": names[0],
                "wijkgroep": [{"id": wg, "residents": names}],
            }
        ],
    }


def config_error(data: Any, path: str | None = "buurt.toml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        hierarchy_from_dict(data, path=path)
    return info.value


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "buurt.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ------------------------------------------------------------- the example files


def test_G1_phase_1_example_is_one_wijkgroep_one_stuurgroep_no_regiegroep() -> None:
    h = load_hierarchy(EXAMPLES / "zoomwijck.toml")
    assert h.verify() == []
    assert list(h.groups(GroupKind.WIJKGROEP)) == ["Wijkgroep Zoomwijck"]
    assert list(h.groups(GroupKind.STUURGROEP)) == ["Stuurgroep Zoomwijck"]
    assert h.regiegroep_of("Zoomwijck") is None
    assert len(h) == 60
    assert h.settings.platform.member_limit == 100
    tfb = h.telefoonbeheerder("Stuurgroep Zoomwijck")
    assert h.name(tfb) == "Cees Verhoef"
    buurten = {h.member(m).buurt for m in h.residents("Wijkgroep Zoomwijck")}
    assert len(buurten) == 5  # so that phase 2 can split by buurt


def test_G2_phase_2_example_is_five_wijkgroepen_by_buurt() -> None:
    h = load_hierarchy(str(EXAMPLES / "zoomwijck-fase2.toml"))
    assert h.verify() == []
    wijkgroepen = h.managed_wijkgroepen("Stuurgroep Zoomwijck")
    assert len(wijkgroepen) == 5
    assert len(h) > h.settings.split_threshold
    for wg in wijkgroepen:
        assert {h.member(m).buurt for m in h.residents(wg)} == {wg.removeprefix("Wijkgroep ")}
    assert h.regiegroep_of("Zoomwijck") == "Regiegroep Zoomwijck"
    # S5: the four stuurgroep members sit in the regiegroep.
    assert h.admins("Regiegroep Zoomwijck") == h.admins("Stuurgroep Zoomwijck")


# ------------------------------------------------------------------- the format


def test_S1_stuurgroep_members_live_in_the_wijkgroep_that_lists_them() -> None:
    data = doc()
    sg = sg_of(data)
    sg["wijkgroep"] = [
        {"id": "WG1", "residents": ["Anna", "Dirk"]},
        {"id": "WG2", "residents": ["Bram", "Cees", "Eva"]},
    ]
    h = hierarchy_from_dict(data)
    assert h.verify() == []
    by_name = {h.name(m): m for wg in ("WG1", "WG2") for m in h.residents(wg)}
    assert h.wijkgroep_of(by_name["Anna"]) == "WG1"
    assert h.wijkgroep_of(by_name["Cees"]) == "WG2"
    assert h.roles(by_name["Cees"]) == {Role.BEWONER, Role.STUURGROEPLID, Role.TELEFOONBEHEERDER}
    assert h.roles(by_name["Eva"]) == {Role.BEWONER}
    # G4: every member of the stuurgroep is admin of both wijkgroepen.
    assert h.admins("WG1") == h.admins("WG2") == {by_name[n] for n in ("Anna", "Bram", "Cees")}


def test_residents_take_the_wijkgroep_buurt_unless_they_name_their_own() -> None:
    data = doc()
    sg_of(data)["wijkgroep"][0] |= {
        "buurt": "Noord",
        "residents": ["Anna", {"name": "Bram", "buurt": "Zuid"}, "Cees"],
        "more_residents": 2,
    }
    h = hierarchy_from_dict(data)
    people = [(h.name(m), h.member(m).buurt) for m in h.residents("WG")]
    assert sorted(people) == [
        ("Anna", "Noord"),
        ("Bram", "Zuid"),
        ("Cees", "Noord"),
        ("bewoner 1", "Noord"),
        ("bewoner 2", "Noord"),
    ]


def test_more_residents_per_buurt_are_numbered_across_buurten() -> None:
    data = doc()
    sg_of(data)["wijkgroep"][0]["more_residents"] = {"Oost": 2, "West": 1}
    h = hierarchy_from_dict(data)
    anonymous = [(h.name(m), h.member(m).buurt) for m in h.residents("WG")][4:]
    assert anonymous == [("bewoner 1", "Oost"), ("bewoner 2", "Oost"), ("bewoner 3", "West")]
    assert len(h) == 7


def test_settings_are_read() -> None:
    data = doc()
    data["settings"] = {
        "platform": {"name": "whatsapp", "member_limit": 60},
        "split_threshold": 40,
        "nearly_full_ratio": 0.75,
        "stuurgroep_size": [2, 5],
    }
    h = hierarchy_from_dict(data)
    assert h.settings.platform.member_limit == 60
    assert h.settings.split_threshold == 40
    assert h.settings.nearly_full_ratio == 0.75
    assert h.settings.stuurgroep_size == (2, 5)
    assert h.group("WG").platform.member_limit == 60


def test_G3_wijkgroepen_inherit_the_stuurgroep_platform_unless_they_name_one() -> None:
    data = doc(platform="signal")
    sg_of(data)["wijkgroep"].append({"id": "WG2"})
    sg_of(data)["wijkgroep"].append({"id": "WG3", "platform": "telegram"})
    h = hierarchy_from_dict(data)
    assert h.group("SG").platform.name == "signal"
    assert h.group("WG").platform.name == "signal"
    assert h.group("WG2").platform.name == "signal"
    assert h.group("WG3").platform.name == "telegram"


def test_regiegroepen_and_gemeentelijke_regiegroep_with_delegates() -> None:
    data = doc()
    gemeente = data["gemeente"][0]
    gemeente["wijk"][0]["regiegroep"] = "RG1"
    gemeente["wijk"].append(wijk("Poortwijk", "SG2", "WG2", ["Eva", "Fien", "Gijs"]))
    gemeente["wijk"][1]["regiegroep"] = {"id": "RG2", "platform": "signal"}
    gemeente["gemeentelijke_regiegroep"] = {"id": "GRG", "delegates": ["Anna", "Fien"]}
    h = hierarchy_from_dict(data)
    assert h.verify() == []
    assert h.regiegroep_of("Poortwijk") == "RG2"
    assert h.group("RG2").platform.name == "signal"
    assert h.gemeentelijke_regiegroep_of("Voorbeeldstad") == "GRG"
    assert {h.name(m) for m in h.admins("GRG")} == {"Anna", "Fien"}


def test_gemeentelijke_regiegroep_without_delegates_seats_every_regiegroep_member() -> None:
    data = doc()
    data["gemeente"][0]["wijk"][0]["regiegroep"] = "RG"
    data["gemeente"][0]["gemeentelijke_regiegroep"] = "GRG"
    h = hierarchy_from_dict(data)
    assert h.admins("GRG") == h.admins("RG")


def test_loading_leaves_the_input_alone_and_gives_independent_hierarchies() -> None:
    data = doc()
    before = copy.deepcopy(data)
    first, second = hierarchy_from_dict(data), hierarchy_from_dict(data)
    assert data == before
    first.leave(first.residents("WG")[-1], by=first.residents("WG")[-1])
    assert len(second) == 4


# ---------------------------------------------------------------- bad TOML files


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        [[gemeente]]
        name = "Voorbeeldstad"
        wijk = [
        name "Zoomwijck"
        """,
    )
    with pytest.raises(ConfigError) as info:
        load_hierarchy(path)
    assert info.value.path == str(path)
    assert "invalid TOML" in info.value.problem
    assert "line 4" in info.value.problem
    assert str(path) in str(info.value)


def test_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "buurt.toml"
    path.write_bytes(b'[[gemeente]]\nname = "Caf\xe9"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_hierarchy(path)


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_hierarchy(tmp_path / "nowhere.toml")


def test_errors_from_a_file_name_the_file_and_the_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        [[gemeente]]
        name = "Voorbeeldstad"

        [[gemeente.wijk]]
        name = "Zoomwijck"

        [[gemeente.wijk.stuurgroep]]
        id = "SG"
        members = ["Anna", "Bram", "Karel"]
        telefoonbeheerder = "Anna"

        [[gemeente.wijk.stuurgroep.wijkgroep]]
        id = "WG"
        residents = ["Anna", "Bram", "Cees"]
        """,
    )
    with pytest.raises(ConfigError) as info:
        load_hierarchy(path)
    err = info.value
    assert (err.path, err.entry) == (str(path), "gemeente[0].wijk[0].stuurgroep[0].members[2]")
    assert "'Karel' is not a resident" in err.problem
    assert str(err).startswith(f"{path}: gemeente[0].wijk[0].stuurgroep[0].members[2]: ")


# ------------------------------------------------------------- bad documents


def test_S1_member_who_is_not_a_resident_is_named_by_its_full_path() -> None:
    data = doc()
    data["gemeente"][0]["wijk"].append(wijk("Poortwijk", "SG2", "WG2", ["Eva", "Fien", "Gijs"]))
    sg_of(data, 1)["members"] = ["Eva", "Fien", "Anna"]  # Anna lives in Zoomwijck
    err = config_error(data)
    assert err.entry == "gemeente[0].wijk[1].stuurgroep[0].members[2]"
    assert err.path == "buurt.toml"
    assert "'Anna' is not a resident of a wijkgroep of this stuurgroep" in err.problem


def _drop(*keys: str | int) -> Any:
    def apply(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return apply


def _set(*keys: str | int, value: Any) -> Any:
    def apply(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return apply


SG = ("gemeente", 0, "wijk", 0, "stuurgroep", 0)
WG = (*SG, "wijkgroep", 0)
SG_ENTRY = "gemeente[0].wijk[0].stuurgroep[0]"
WG_ENTRY = f"{SG_ENTRY}.wijkgroep[0]"


@pytest.mark.parametrize(
    ("mutate", "entry", "problem"),
    [
        # missing keys
        (_drop("gemeente"), "gemeente", "missing required key 'gemeente'"),
        (_drop("gemeente", 0, "name"), "gemeente[0].name", "missing required key 'name'"),
        (_drop("gemeente", 0, "wijk"), "gemeente[0].wijk", "missing required key 'wijk'"),
        (_drop(*SG, "members"), f"{SG_ENTRY}.members", "missing required key 'members'"),
        (
            _drop(*SG, "telefoonbeheerder"),
            f"{SG_ENTRY}.telefoonbeheerder",
            "missing required key 'telefoonbeheerder'",
        ),
        (_drop(*WG, "id"), f"{WG_ENTRY}.id", "missing required key 'id'"),
        # wrong types
        (_set("gemeente", value={}), "gemeente", "expected an array, got a table"),
        (_set("gemeente", 0, value="x"), "gemeente[0]", "expected a table, got a string"),
        (_set("gemeente", 0, "name", value=7), "gemeente[0].name", "expected a string"),
        (_set(*SG, "members", value="Anna"), f"{SG_ENTRY}.members", "expected an array"),
        (_set(*SG, "members", 1, value=2), f"{SG_ENTRY}.members[1]", "got an integer"),
        (_set(*WG, "residents", 3, value=True), f"{WG_ENTRY}.residents[3]", "got a boolean"),
        (_set(*WG, "more_residents", value=1.5), f"{WG_ENTRY}.more_residents", "integer"),
        (_set(*WG, "more_residents", value=True), f"{WG_ENTRY}.more_residents", "boolean"),
        (_set(*WG, "more_residents", value=-1), f"{WG_ENTRY}.more_residents", "0 or more"),
        (_set("settings", value=[]), "settings", "expected a table, got an array"),
        (_set("settings", value={"split_threshold": "80"}), "settings.split_threshold", "integer"),
        (
            _set("settings", value={"nearly_full_ratio": float("nan")}),
            "settings.nearly_full_ratio",
            "finite",
        ),
        (
            _set("settings", value={"nearly_full_ratio": 10**400}),
            "settings.nearly_full_ratio",
            "finite",
        ),
        (
            _set("settings", value={"stuurgroep_size": [3]}),
            "settings.stuurgroep_size",
            "[smallest, largest]",
        ),
        # empty where something is needed
        (_set("gemeente", value=[]), "gemeente", "at least one"),
        (_set(*SG, "wijkgroep", value=[]), f"{SG_ENTRY}.wijkgroep", "at least one"),
        (_set("gemeente", 0, "name", value="  "), "gemeente[0].name", "must not be empty"),
        # out of range, as Settings itself judges
        (_set("settings", value={"split_threshold": 0}), "settings.split_threshold", "at least 1"),
        (
            _set("settings", value={"nearly_full_ratio": 1.5}),
            "settings.nearly_full_ratio",
            "(0, 1]",
        ),
        (
            _set("settings", value={"stuurgroep_size": [4, 3]}),
            "settings.stuurgroep_size",
            "low <= high",
        ),
        (
            _set("settings", value={"platform": {"name": "x", "member_limit": 0}}),
            "settings.platform.member_limit",
            "at least 1",
        ),
        # unknown platforms
        (_set("settings", value={"platform": "whatsap"}), "settings.platform", "unknown platform"),
        (_set(*SG, "platform", value="icq"), f"{SG_ENTRY}.platform", "unknown platform 'icq'"),
        (
            _set(*WG, "platform", value={"name": "icq"}),
            f"{WG_ENTRY}.platform.name",
            "unknown platform",
        ),
        # names that do not add up
        (_set(*SG, "members", 2, value="Anna"), f"{SG_ENTRY}.members[2]", "listed twice"),
        (
            _set(*SG, "telefoonbeheerder", value="Dirk"),
            f"{SG_ENTRY}.telefoonbeheerder",
            "not one of the stuurgroep's members",
        ),
        (
            _set(*WG, "residents", value=["Anna", "Bram", "Cees", "Anna"]),
            f"{SG_ENTRY}.members[0]",
            "ambiguous",
        ),
    ],
)
def test_bad_document_names_the_entry_and_the_problem(
    mutate: Any, entry: str, problem: str
) -> None:
    data = doc()
    mutate(data)
    err = config_error(data)
    assert err.entry == entry
    assert problem in err.problem
    assert err.path == "buurt.toml"


@pytest.mark.parametrize(
    ("where", "entry"),
    [
        ((), "nmae"),
        (("gemeente", 0), "gemeente[0].nmae"),
        (("gemeente", 0, "wijk", 0), "gemeente[0].wijk[0].nmae"),
        (SG, f"{SG_ENTRY}.nmae"),
        (WG, f"{WG_ENTRY}.nmae"),
    ],
)
def test_unknown_keys_are_rejected_so_typos_surface(
    where: tuple[str | int, ...], entry: str
) -> None:
    data = doc()
    target: Any = data
    for key in where:
        target = target[key]
    target["nmae"] = "typo"
    err = config_error(data)
    assert err.entry == entry
    assert "unknown key 'nmae'" in err.problem


def test_unknown_key_suggests_the_known_one() -> None:
    data = doc()
    sg_of(data)["wijkgroep"][0]["more_resident"] = 3
    err = config_error(data)
    assert "did you mean 'more_residents'?" in err.problem


def test_unknown_settings_key_is_rejected() -> None:
    data = doc()
    data["settings"] = {"splitthreshold": 80}
    err = config_error(data)
    assert err.entry == "settings.splitthreshold"
    assert "did you mean 'split_threshold'?" in err.problem


def test_a_document_that_is_not_a_table() -> None:
    err = config_error(["gemeente"], path=None)
    assert (err.path, err.entry) == (None, None)
    assert "expected a table" in err.problem


@pytest.mark.parametrize(
    ("mutate", "entry", "first"),
    [
        # group ids share one namespace, whatever the kind
        (_set(*WG, "id", value="SG"), f"{WG_ENTRY}.id", f"{SG_ENTRY}.id"),
        (
            _set("gemeente", 0, "wijk", 0, "regiegroep", value="WG"),
            "gemeente[0].wijk[0].regiegroep.id",
            f"{WG_ENTRY}.id",
        ),
    ],
)
def test_duplicate_group_ids_are_rejected(mutate: Any, entry: str, first: str) -> None:
    data = doc()
    mutate(data)
    err = config_error(data)
    assert err.entry == entry
    assert "duplicate group id" in err.problem
    assert first in err.problem


def test_duplicate_wijk_and_gemeente_names_are_rejected() -> None:
    data = doc()
    data["gemeente"][0]["wijk"].append(wijk("Zoomwijck", "SG2", "WG2", ["Eva", "Fien", "Gijs"]))
    assert config_error(data).entry == "gemeente[0].wijk[1].name"

    data = doc()
    data["gemeente"].append(
        {"name": "Voorbeeldstad", "wijk": [wijk("P", "S", "W", ["a", "b", "c"])]}
    )
    err = config_error(data)
    assert err.entry == "gemeente[1].name"
    assert "duplicate gemeente" in err.problem


def test_delegates_must_be_stuurgroep_members_of_a_wijk_with_a_regiegroep() -> None:
    data = doc()
    data["gemeente"][0]["wijk"][0]["regiegroep"] = "RG"
    data["gemeente"][0]["gemeentelijke_regiegroep"] = {"id": "GRG", "delegates": ["Anna", "Dirk"]}
    err = config_error(data)
    assert err.entry == "gemeente[0].gemeentelijke_regiegroep.delegates[1]"
    assert "'Dirk' is not a stuurgroep member" in err.problem


def test_G3_first_wijkgroep_shares_the_platform_of_its_stuurgroep() -> None:
    data = doc(platform="signal")
    sg_of(data)["wijkgroep"][0]["platform"] = "whatsapp"
    err = config_error(data)
    assert err.entry == f"{WG_ENTRY}.platform"
    assert "shares its platform" in err.problem


def test_G3_more_residents_than_the_platform_holds_is_refused_before_building() -> None:
    data = doc(platform={"name": "klein", "member_limit": 10})
    sg_of(data)["wijkgroep"][0]["more_residents"] = {"Oost": 4, "West": 10**12}
    err = config_error(data)
    assert err.entry == f"{WG_ENTRY}.more_residents.West"
    assert "(G3)" in err.problem


# --------------------------------------------- what the model refuses, converted


def test_G4_stuurgroep_of_five_is_refused_by_the_model_at_its_members() -> None:
    data = doc()
    sg_of(data)["members"] = ["Anna", "Bram", "Cees", "Dirk", "Eva"]
    sg_of(data)["wijkgroep"][0]["residents"].append("Eva")
    err = config_error(data)
    assert err.entry == f"{SG_ENTRY}.members"
    assert "[G4]" in err.problem
    assert isinstance(err.__cause__, InvariantRefused)


def test_G3_full_wijkgroep_is_refused_by_the_model_at_its_residents() -> None:
    data = doc(platform={"name": "whatsapp", "member_limit": 5})
    sg_of(data)["wijkgroep"][0]["residents"] += ["Eva", "Fien"]
    err = config_error(data)
    assert err.entry == f"{WG_ENTRY}.residents"
    assert "[G3]" in err.problem
    assert isinstance(err.__cause__, CapacityRefused)


def test_G3_full_regiegroep_is_refused_by_the_model_at_its_entry() -> None:
    data = doc()
    data["gemeente"][0]["wijk"][0]["regiegroep"] = {
        "id": "RG",
        "platform": {"name": "whatsapp", "member_limit": 2},
    }
    err = config_error(data)
    assert err.entry == "gemeente[0].wijk[0].regiegroep"
    assert isinstance(err.__cause__, CapacityRefused)


def test_gemeentelijke_regiegroep_without_regiegroep_is_refused_by_the_model() -> None:
    data = doc()
    data["gemeente"][0]["gemeentelijke_regiegroep"] = "GRG"
    err = config_error(data)
    assert err.entry == "gemeente[0].gemeentelijke_regiegroep"
    assert "no regiegroep" in err.problem
    assert isinstance(err.__cause__, InvariantRefused)


# ---------------------------------------------------------------- properties

_ids = itertools.count()


def _uid(prefix: str) -> str:
    # Unique across the whole run: names never collide, so members resolve.
    return f"{prefix}{next(_ids)}"


_presets = st.sampled_from(["whatsapp", "signal", "telegram"])
_platforms = _presets | _presets.map(lambda name: {"name": name})


@st.composite
def _residents(draw: st.DrawFn, names: list[str]) -> list[Any]:
    order = draw(st.permutations(names))
    buurten = st.sampled_from(["noord", "oost", "zuid"])
    return [draw(st.just(n) | buurten.map(lambda b, n=n: {"name": n, "buurt": b})) for n in order]


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid neighbourhood file: sizes fit, names resolve, ids are unique."""
    low = draw(st.integers(1, 4))
    high = draw(st.integers(low, 5))
    settings = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "platform": _platforms,
                "split_threshold": st.integers(1, 200),
                "nearly_full_ratio": st.floats(0.05, 1.0),
            },
        )
    )
    settings["stuurgroep_size"] = [low, high]
    gemeenten = []
    for _ in range(draw(st.integers(1, 2))):
        wijken = []
        for _ in range(draw(st.integers(1, 2))):
            stuurgroepen = []
            for _ in range(draw(st.integers(1, 2))):
                members = [_uid("lid ") for _ in range(draw(st.integers(low, high)))]
                n_wg = draw(st.integers(1, 3))
                homes = [draw(st.integers(0, n_wg - 1)) for _ in members]
                wijkgroepen = []
                for w in range(n_wg):
                    named = [m for m, home in zip(members, homes, strict=True) if home == w]
                    named += [_uid("bewoner-") for _ in range(draw(st.integers(0, 3)))]
                    wg: dict[str, Any] = {
                        "id": _uid("wijkgroep "),
                        "residents": draw(_residents(named)),
                    }
                    if draw(st.booleans()):
                        wg["buurt"] = "west"
                    more = st.integers(0, 5) | st.dictionaries(
                        st.sampled_from(["noord", "oost"]), st.integers(0, 3)
                    )
                    if draw(st.booleans()):
                        wg["more_residents"] = draw(more)
                    if w > 0 and draw(st.booleans()):
                        wg["platform"] = draw(_platforms)
                    wijkgroepen.append(wg)
                sg: dict[str, Any] = {
                    "id": _uid("stuurgroep "),
                    "members": members,
                    "telefoonbeheerder": draw(st.sampled_from(members)),
                    "wijkgroep": wijkgroepen,
                }
                if draw(st.booleans()):
                    sg["platform"] = draw(_platforms)
                stuurgroepen.append(sg)
            w_doc: dict[str, Any] = {"name": _uid("wijk "), "stuurgroep": stuurgroepen}
            if draw(st.booleans()):
                w_doc["regiegroep"] = draw(
                    st.just(_uid("regiegroep ")) | st.just({"id": _uid("regiegroep ")})
                )
            wijken.append(w_doc)
        g_doc: dict[str, Any] = {"name": _uid("gemeente "), "wijk": wijken}
        eligible = [
            m for w in wijken if "regiegroep" in w for sg in w["stuurgroep"] for m in sg["members"]
        ]
        if eligible and draw(st.booleans()):
            grg: dict[str, Any] = {"id": _uid("gemeentelijke ")}
            if draw(st.booleans()):
                grg["delegates"] = draw(
                    st.lists(st.sampled_from(eligible), min_size=1, unique=True)
                )
            g_doc["gemeentelijke_regiegroep"] = grg
        gemeenten.append(g_doc)
    return {"settings": settings, "gemeente": gemeenten}


def _resident_count(data: dict[str, Any]) -> int:
    total = 0
    for g in data["gemeente"]:
        for w in g["wijk"]:
            for sg in w["stuurgroep"]:
                for wg in sg["wijkgroep"]:
                    more = wg.get("more_residents", 0)
                    total += len(wg["residents"]) + (
                        sum(more.values()) if isinstance(more, dict) else more
                    )
    return total


@given(documents())
def test_a_valid_document_loads_and_every_invariant_holds(data: dict[str, Any]) -> None:
    h = hierarchy_from_dict(data)
    assert h.verify() == []
    assert len(h) == _resident_count(data)
    for g in data["gemeente"]:
        for w in g["wijk"]:
            assert (h.regiegroep_of(w["name"]) is not None) == ("regiegroep" in w)
            for sg in w["stuurgroep"]:
                assert h.name(h.telefoonbeheerder(sg["id"])) == sg["telefoonbeheerder"]
                assert {h.name(m) for m in h.admins(sg["id"])} == set(sg["members"])
                assert h.managed_wijkgroepen(sg["id"]) == tuple(wg["id"] for wg in sg["wijkgroep"])


def _locations(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in a document, for corrupting one of them."""
    found: list[tuple[Any, Any]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        found.append((node, key))
        if isinstance(value, dict | list):
            found.extend(_locations(value))
    return found


_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2000),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.lists(st.text(max_size=4) | st.integers(), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(-2, 5) | st.text(max_size=4), max_size=3),
)


@given(documents(), st.data())
def test_a_corrupted_document_loads_or_raises_config_error_only(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    locations = _locations(data)
    container, key = draw.draw(st.sampled_from(locations))
    action = draw.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        container[key] = draw.draw(_junk)
    elif action == "delete":
        del container[key]
    elif isinstance(container, dict):
        container[draw.draw(st.text(max_size=6))] = draw.draw(_junk)
    else:
        container.append(draw.draw(_junk))
    result: Hierarchy | ConfigError
    try:
        result = hierarchy_from_dict(data, path="corrupt.toml")
    except ConfigError as e:
        result = e
    if isinstance(result, ConfigError):
        assert result.path == "corrupt.toml"
        assert result.problem
    else:
        assert result.verify() == []


@given(documents(), st.data())
def test_an_unknown_key_anywhere_is_a_config_error_at_that_key(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    # A more_residents table takes any buurt as a key: no key is unknown there.
    free_form = {id(c[k]) for c, k in _locations(data) if k == "more_residents"}
    tables = [
        data,
        *(v for c, k in _locations(data) if isinstance(v := c[k], dict) and id(v) not in free_form),
    ]
    draw.draw(st.sampled_from(tables))["zz_unknown"] = 1
    err = config_error(data)
    assert err.entry is not None
    assert err.entry.endswith("zz_unknown")
    assert "unknown key 'zz_unknown'" in err.problem
