"""Unit tests of the group-hierarchy model, one or more per rule of docs/rules.md.

Each test is named after the rule it proves (G1-G4, S1-S6, T1-T3, H1-H10).
Every refusal is checked with :func:`refused`, which also proves that the
refused request left the hierarchy exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import (
    PLATFORMS,
    Actor,
    ActorKind,
    AdmissionRefused,
    Applicant,
    Capacity,
    CapacityRefused,
    CapacityState,
    ConfigError,
    GroupKind,
    Hierarchy,
    InvalidValueError,
    InvariantRefused,
    MemberId,
    PermissionRefused,
    Platform,
    Refused,
    Relation,
    Role,
    RoutingError,
    Settings,
    UnknownGroupError,
    UnknownIdError,
    UnknownMemberError,
    platform,
)
from strategies import (
    BUURTEN,
    applicants,
    broken_admission_rules,
    hierarchies,
    invalid_applicants,
    snapshot,
)

# ----------------------------------------------------------------- helpers


def registered(n: int, prefix: str = "r", buurt: str | None = None) -> list[Applicant]:
    return [Applicant.registered(f"{prefix}{i}", buurt=buurt) for i in range(n)]


def neighbourhood(
    settings: Settings | None = None,
    *,
    founders: int = 4,
    on: Platform | None = None,
    wijk: str = "zoomwijck",
    gemeente: str = "tilburg",
) -> tuple[Hierarchy, tuple[MemberId, ...]]:
    """Phase 1 (G1): wijkgroep "zoom" managed by stuurgroep "stuur"; the first
    founder is the telefoonbeheerder."""
    h = Hierarchy(settings)
    ids = h.found_neighbourhood(
        gemeente=gemeente,
        wijk=wijk,
        wijkgroep="zoom",
        stuurgroep="stuur",
        founders=registered(founders, "founder", buurt="noord"),
        platform=on,
    )
    return h, ids


def second_stuurgroep(h: Hierarchy, wijk: str = "zoomwijck", n: int = 3) -> tuple[MemberId, ...]:
    return h.found_neighbourhood(
        gemeente=h.group("zoom").gemeente,
        wijk=wijk,
        wijkgroep="dorst",
        stuurgroep="stuur-2",
        founders=registered(n, "other", buurt="zuid"),
    )


@contextmanager
def refused(
    h: Hierarchy, error: type[Exception], rule: str | None = None
) -> Iterator[pytest.ExceptionInfo[Any]]:
    """Expect ``error`` (with ``rule``), and that nothing observable changed."""
    before = snapshot(h)
    with pytest.raises(error) as info:
        yield info
    if rule is not None:
        assert getattr(info.value, "rule", None) == rule
    assert snapshot(h) == before
    assert h.verify() == []


def member_ids(h: Hierarchy) -> list[MemberId]:
    return [m for wg in h.groups(GroupKind.WIJKGROEP) for m in h.residents(wg)]


# ------------------------------------------------------------ G1: phase 1


def test_G1_found_neighbourhood_one_wijkgroep_one_stuurgroep_no_regiegroep() -> None:
    """G1: a neighbourhood starts with one wijkgroep managed by one stuurgroep of
    founders, who live in it; no regiegroep is needed yet."""
    h, ids = neighbourhood(founders=3)
    assert list(h.groups(GroupKind.WIJKGROEP)) == ["zoom"]
    assert list(h.groups(GroupKind.STUURGROEP)) == ["stuur"]
    assert list(h.groups(GroupKind.REGIEGROEP)) == []
    assert h.regiegroep_of("zoomwijck") is None
    assert h.stuurgroep_of("zoom") == "stuur"
    assert h.managed_wijkgroepen("stuur") == ("zoom",)
    assert h.residents("zoom") == ids
    assert h.admins("stuur") == frozenset(ids)
    assert h.telefoonbeheerder("stuur") == ids[0]
    assert all(h.wijkgroep_of(m) == "zoom" for m in ids)
    assert len(h) == 3
    assert h.wijken_of("tilburg") == ("zoomwijck",)
    assert h.verify() == []


def test_G1_telefoonbeheerder_is_the_chosen_founder() -> None:
    """G1, T1: ``telefoonbeheerder`` picks which founder holds the phone."""
    h = Hierarchy()
    ids = h.found_neighbourhood(
        gemeente="g",
        wijk="w",
        wijkgroep="wg",
        stuurgroep="sg",
        founders=registered(4),
        telefoonbeheerder=2,
    )
    assert h.telefoonbeheerder("sg") == ids[2]
    assert Role.TELEFOONBEHEERDER in h.roles(ids[2])
    assert Role.TELEFOONBEHEERDER not in h.roles(ids[0])


@pytest.mark.parametrize("n", [0, 1, 2, 5, 6])
def test_G1_G4_founders_outside_stuurgroep_size_refused(n: int) -> None:
    """G1, G4: a stuurgroep starts with 3-4 founders, as in the Zoomwijck."""
    h = Hierarchy()
    with refused(h, InvariantRefused, "G4"):
        h.found_neighbourhood(
            gemeente="g", wijk="w", wijkgroep="wg", stuurgroep="sg", founders=registered(n)
        )
    assert list(h.groups()) == []
    assert h.gemeenten() == ()


def test_G1_G4_stuurgroep_size_is_a_setting() -> None:
    """G4: the Zoomwijck's 3-4 is the default of ``Settings.stuurgroep_size``."""
    assert Settings().stuurgroep_size == (3, 4)
    h = Hierarchy(Settings(stuurgroep_size=(2, 2)))
    h.found_neighbourhood(
        gemeente="g", wijk="w", wijkgroep="wg", stuurgroep="sg", founders=registered(2)
    )
    with refused(h, InvariantRefused, "G4"):
        h.found_neighbourhood(
            gemeente="g", wijk="w", wijkgroep="wg2", stuurgroep="sg2", founders=registered(3)
        )


@pytest.mark.parametrize("index", [-1, 4, 10])
def test_G1_telefoonbeheerder_must_be_a_founder(index: int) -> None:
    """G1, T1: the telefoonbeheerder is one of the founders."""
    h = Hierarchy()
    with refused(h, InvariantRefused, "T1"):
        h.found_neighbourhood(
            gemeente="g",
            wijk="w",
            wijkgroep="wg",
            stuurgroep="sg",
            founders=registered(4),
            telefoonbeheerder=index,
        )


def test_G1_founders_meet_the_house_rules() -> None:
    """G1, H1: founders are residents too, so a minor cannot found a group."""
    h = Hierarchy()
    minor = Applicant(name="kid", age=15, lives_in_area=True, accepted_rules=True)
    with refused(h, AdmissionRefused, "H1"):
        h.found_neighbourhood(
            gemeente="g",
            wijk="w",
            wijkgroep="wg",
            stuurgroep="sg",
            founders=[*registered(3), minor],
        )


def test_G1_a_wijk_may_hold_several_stuurgroepen() -> None:
    """G1: a second neighbourhood in the same wijk adds a stuurgroep to it."""
    h, _ = neighbourhood()
    second_stuurgroep(h)
    assert h.stuurgroepen_of("zoomwijck") == ("stuur", "stuur-2")
    assert h.wijken() == ("zoomwijck",)
    assert h.verify() == []


def test_G1_a_wijk_belongs_to_one_gemeente() -> None:
    """G1: a wijk lies in one gemeente; founding it again elsewhere is refused."""
    h, _ = neighbourhood()
    with refused(h, InvariantRefused):
        h.found_neighbourhood(
            gemeente="breda",
            wijk="zoomwijck",
            wijkgroep="wg",
            stuurgroep="sg",
            founders=registered(3),
        )


@pytest.mark.parametrize(
    ("wijkgroep", "stuurgroep"), [("zoom", "new"), ("new", "stuur"), ("x", "x"), ("", "sg")]
)
def test_G1_group_ids_are_new_and_distinct(wijkgroep: str, stuurgroep: str) -> None:
    """G1: every group has its own non-empty id."""
    h, _ = neighbourhood()
    with refused(h, InvariantRefused):
        h.found_neighbourhood(
            gemeente="tilburg",
            wijk="w2",
            wijkgroep=wijkgroep,
            stuurgroep=stuurgroep,
            founders=registered(3),
        )


# ------------------------------------------------------------ G2: phase 2


def split_ready(
    threshold: int = 5, buurten: tuple[str | None, ...] = ("noord", "zuid", "oost")
) -> tuple[Hierarchy, tuple[MemberId, ...]]:
    """A phase-1 neighbourhood with residents in several buurten, past the threshold."""
    h, ids = neighbourhood(Settings(split_threshold=threshold))
    for i, buurt in enumerate(buurten):
        h.load_members("zoom", [f"{buurt}-{i}-{k}" for k in range(2)], buurt=buurt)
    return h, ids


def test_G2_split_by_buurt_keeps_members_and_admin_rights() -> None:
    """G2: past the threshold a wijkgroep splits into wijkgroepen by buurt; every
    member keeps a wijkgroep, and the stuurgroep members stay admins of all."""
    h, ids = split_ready()
    everyone = set(h.residents("zoom"))
    by_buurt = {m: h.member(m).buurt for m in everyone}
    names = {m: h.name(m) for m in everyone}
    version = h.version

    result = h.split_wijkgroep(
        ids[0],
        "zoom",
        buurten={"noord": "zoom-noord", "zuid": "zoom-zuid", "oost": "zoom-oost"},
        approvals=ids[:3],
    )

    assert set(result) == {"zoom-noord", "zoom-zuid", "zoom-oost"}
    assert "zoom" not in set(h.groups())
    assert set(member_ids(h)) == everyone
    assert len(h) == len(everyone)
    for m in everyone:
        assert h.wijkgroep_of(m) == f"zoom-{by_buurt[m]}"
        assert h.name(m) == names[m]
    for wg in result:
        assert h.stuurgroep_of(wg) == "stuur"
        assert h.admins(wg) == frozenset(ids)
        assert frozenset(ids) <= h.members(wg)
    assert set(h.managed_wijkgroepen("stuur")) == set(result)
    assert h.telefoonbeheerder("stuur") == ids[0]
    assert h.version > version
    assert h.verify() == []


@given(
    buurt_of=st.lists(st.sampled_from(BUURTEN), min_size=6, max_size=20),
    keep=st.sampled_from(BUURTEN),
)
def test_G2_split_places_every_resident_by_buurt(buurt_of: list[str], keep: str) -> None:
    """G2: each resident lands in the wijkgroep of their buurt; the split wijkgroep
    may keep one buurt; nobody is lost or duplicated."""
    h, ids = neighbourhood(Settings(split_threshold=5))
    for i, b in enumerate(buurt_of):
        h.load_members("zoom", [f"m{i}"], buurt=b)
    present = {x for m in h.residents("zoom") if (x := h.member(m).buurt) is not None}
    mapping = {b: ("zoom" if b == keep else f"zoom-{b}") for b in present}
    expected = {m: mapping[h.member(m).buurt or ""] for m in h.residents("zoom")}

    h.split_wijkgroep(ids[0], "zoom", buurten=mapping, approvals=ids)

    assert {m: h.wijkgroep_of(m) for m in expected} == expected
    assert sorted(member_ids(h)) == sorted(expected)
    assert ("zoom" in set(h.groups())) == (keep in present)
    assert h.verify() == []


def test_G2_default_threshold_is_80() -> None:
    """G2: the Zoomwijck splits when more than 80 residents have signed up."""
    assert Settings().split_threshold == 80


@pytest.mark.parametrize("threshold", [3, 5, 80])
def test_G2_split_needs_more_residents_than_the_threshold(threshold: int) -> None:
    """G2: a split at exactly the threshold is refused (too early); one more
    resident and it is accepted."""
    h, ids = neighbourhood(Settings(split_threshold=threshold), founders=3)
    h.load_members("zoom", [f"r{i}" for i in range(threshold - 3)], buurt="noord")
    assert len(h.residents("zoom")) == threshold
    with refused(h, InvariantRefused, "G2"):
        h.split_wijkgroep(ids[0], "zoom", buurten={"noord": "a"}, approvals=ids)
    h.load_members("zoom", ["one more"], buurt="zuid")
    assert h.split_wijkgroep(
        ids[0], "zoom", buurten={"noord": "a", "zuid": "b"}, approvals=ids
    ) == ("a", "b")


def test_G2_split_refused_when_a_buurt_is_unmapped() -> None:
    """G2: a split that leaves a resident without a wijkgroep is refused."""
    h, ids = split_ready()
    with refused(h, InvariantRefused, "G2") as info:
        h.split_wijkgroep(ids[0], "zoom", buurten={"noord": "a", "zuid": "b"}, approvals=ids)
    assert "2 residents" in info.value.reason


def test_G2_split_refused_for_residents_without_buurt_and_no_rest() -> None:
    """G2: residents whose buurt is unknown need a rest group."""
    h, ids = split_ready(buurten=("noord", None, "zuid"))
    with refused(h, InvariantRefused, "G2"):
        h.split_wijkgroep(ids[0], "zoom", buurten={"noord": "a", "zuid": "b"}, approvals=ids)
    h.split_wijkgroep(ids[0], "zoom", buurten={"noord": "a", "zuid": "b"}, rest="c", approvals=ids)
    assert {h.member(m).buurt for m in h.residents("c")} == {None}
    assert h.verify() == []


def test_G2_rest_takes_unmapped_buurten() -> None:
    """G2: ``rest`` receives every resident whose buurt is not in the mapping."""
    h, ids = split_ready()
    oost = {m for m in h.residents("zoom") if h.member(m).buurt == "oost"}
    h.split_wijkgroep(
        ids[0], "zoom", buurten={"noord": "zoom", "zuid": "z"}, rest="rest", approvals=ids
    )
    assert set(h.residents("rest")) == oost


def test_G2_split_refused_when_a_target_gets_nobody() -> None:
    """G2: every wijkgroep of the split gets residents (no empty groups)."""
    h, ids = split_ready()
    with refused(h, InvariantRefused, "G2"):
        h.split_wijkgroep(
            ids[0],
            "zoom",
            buurten={"noord": "a", "zuid": "b", "oost": "c", "west": "d"},
            approvals=ids,
        )


@pytest.mark.parametrize("target", ["stuur", "other"])
def test_G2_split_refused_onto_an_existing_group(target: str) -> None:
    """G2: the new wijkgroepen of a split must not exist yet."""
    h, ids = split_ready()
    h.create_wijkgroep(ids[0], "stuur", "other", approvals=ids)
    with refused(h, InvariantRefused):
        h.split_wijkgroep(
            ids[0], "zoom", buurten={"noord": target, "zuid": "b", "oost": "c"}, approvals=ids
        )


def test_G2_G3_split_targets_keep_the_platform_and_fit() -> None:
    """G2, G3: the new wijkgroepen use the split group's platform; admins who
    live elsewhere count toward a target's size, and every target fits."""
    small = Platform(name="test", member_limit=12)
    h, ids = neighbourhood(Settings(split_threshold=5), on=small)
    h.load_members("zoom", [f"z{i}" for i in range(8)], buurt="zuid")
    assert h.capacity("zoom").state is CapacityState.FULL
    result = h.split_wijkgroep(ids[0], "zoom", buurten={"noord": "n", "zuid": "z"}, approvals=ids)
    assert result == ("n", "z")
    assert h.group("z").platform == small
    assert h.residents("n") == ids
    assert h.size("n") == 4
    assert h.size("z") == 8 + 4  # the four founders administer it from "n"
    assert h.capacity("z").state is CapacityState.FULL
    assert h.verify() == []


def test_G2_T3_S6_split_needs_telefoonbeheerder_and_majority() -> None:
    """G2, T3, S6: only the telefoonbeheerder splits, after a stuurgroep majority."""
    h, ids = split_ready()
    mapping = {"noord": "a", "zuid": "b", "oost": "c"}
    with refused(h, PermissionRefused, "T3"):
        h.split_wijkgroep(ids[1], "zoom", buurten=mapping, approvals=ids)
    with refused(h, PermissionRefused, "S6"):
        h.split_wijkgroep(ids[0], "zoom", buurten=mapping, approvals=ids[:2])
    resident = h.residents("zoom")[-1]
    with refused(h, PermissionRefused, "T3"):
        h.split_wijkgroep(resident, "zoom", buurten=mapping, approvals=ids)
    with refused(h, UnknownGroupError):
        h.split_wijkgroep(ids[0], "stuur", buurten=mapping, approvals=ids)
    assert h.split_wijkgroep(ids[0], "zoom", buurten=mapping, approvals=ids[1:]) == ("a", "b", "c")


# ------------------------------------------------------- G3: member limits


def test_G3_capacity_presets() -> None:
    """G3: each platform's member limit is a named preset; the historical ones
    keep the limits the sources quote (50, 100, 256)."""
    assert {name: p.member_limit for name, p in PLATFORMS.items()} == {
        "whatsapp": 1024,
        "signal": 1000,
        "telegram": 200_000,
        "whatsapp-50": 50,
        "whatsapp-100": 100,
        "whatsapp-256": 256,
    }
    for name, preset in PLATFORMS.items():
        assert platform(name) is preset
        assert preset.name == name
    assert Settings().platform == PLATFORMS["whatsapp"]


def test_G3_unknown_preset_is_a_config_error() -> None:
    """G3: naming a platform that has no preset is a configuration mistake."""
    with pytest.raises(ConfigError) as info:
        platform("msn")
    assert isinstance(info.value, ValueError)
    assert "msn" in info.value.problem
    assert "whatsapp" in info.value.problem


def test_G3_user_overrides_a_limit() -> None:
    """G3: a user can override a preset's limit, for the whole hierarchy or one group."""
    mine = PLATFORMS["whatsapp"].with_limit(5)
    assert mine == Platform(name="whatsapp", member_limit=5)
    assert PLATFORMS["whatsapp"].member_limit == 1024  # the preset is untouched
    h, ids = neighbourhood(Settings(platform=mine))
    assert h.capacity("zoom").limit == 5
    h.create_wijkgroep(ids[0], "stuur", "big", approvals=ids, platform=platform("signal"))
    assert h.capacity("big").limit == 1000
    assert h.group("big").platform.name == "signal"


@pytest.mark.parametrize(
    "make",
    [
        lambda: Platform(name="x", member_limit=0),
        lambda: PLATFORMS["signal"].with_limit(-3),
        lambda: Settings(split_threshold=0),
        lambda: Settings(nearly_full_ratio=0.0),
        lambda: Settings(nearly_full_ratio=1.5),
        lambda: Settings(stuurgroep_size=(4, 3)),
        lambda: Settings(stuurgroep_size=(0, 3)),
        lambda: Settings(adult_age=0),
    ],
)
def test_G3_invalid_settings_are_config_errors(make: Any) -> None:
    """G3, G2, G4, H1: limits, thresholds and ranges are checked when set."""
    with pytest.raises(ConfigError) as info:
        make()
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, RoutingError)
    assert info.value.problem


def test_G3_capacity_states_ok_nearly_full_full() -> None:
    """G3: a group warns when nearly full (at 90% by default) and is full at its limit."""
    h, ids = neighbourhood(on=Platform(name="test", member_limit=10), founders=4)
    states = [h.capacity("zoom")]
    for i in range(6):
        h.admit(ids[0], "zoom", Applicant.registered(f"n{i}"))
        states.append(h.capacity("zoom"))
    assert [c.size for c in states] == [4, 5, 6, 7, 8, 9, 10]
    assert [c.free for c in states] == [6, 5, 4, 3, 2, 1, 0]
    assert [c.state for c in states] == [CapacityState.OK] * 5 + [
        CapacityState.NEARLY_FULL,
        CapacityState.FULL,
    ]


@given(
    size=st.integers(0, 300),
    limit=st.integers(1, 300),
    ratio=st.sampled_from([0.5, 0.75, 0.9, 1.0]),
)
def test_G3_capacity_state_thresholds(size: int, limit: int, ratio: float) -> None:
    """G3: FULL at or past the limit, NEARLY_FULL from ``ratio`` of it, else OK."""
    cap = Capacity.of(size, limit, ratio)
    assert (cap.size, cap.limit, cap.free) == (size, limit, limit - size)
    if size >= limit:
        assert cap.state is CapacityState.FULL
    elif size / limit >= ratio:
        assert cap.state is CapacityState.NEARLY_FULL
    else:
        assert cap.state is CapacityState.OK


def test_G3_admit_into_a_full_wijkgroep_refused() -> None:
    """G3: a full wijkgroep takes nobody more; split it (G2) or create one (T3)."""
    h, ids = neighbourhood(on=Platform(name="test", member_limit=6))
    h.load_members("zoom", ["a", "b"])
    assert h.capacity("zoom").state is CapacityState.FULL
    with refused(h, CapacityRefused, "G3") as info:
        h.admit(ids[0], "zoom", Applicant.registered("c"))
    assert "6" in info.value.reason


def test_G3_load_members_checks_the_whole_batch() -> None:
    """G3: a bulk load that would pass the limit is refused whole."""
    h, _ = neighbourhood(on=Platform(name="test", member_limit=10))
    with refused(h, CapacityRefused, "G3"):
        h.load_members("zoom", [f"m{i}" for i in range(7)])
    assert list(h.load_members("zoom", [f"m{i}" for i in range(6)])) == list(range(4, 10))
    assert h.capacity("zoom").state is CapacityState.FULL


def test_G3_visiting_admins_count_toward_the_limit() -> None:
    """G3, G4: stuurgroep members who live elsewhere are in the chat group too."""
    h, ids = neighbourhood()
    h.create_wijkgroep(
        ids[0], "stuur", "tiny", approvals=ids, platform=Platform(name="t", member_limit=5)
    )
    assert h.residents("tiny") == ()
    assert h.size("tiny") == 4
    assert h.members("tiny") == frozenset(ids)
    h.admit(ids[0], "tiny", Applicant.registered("x"))
    with refused(h, CapacityRefused, "G3"):
        h.admit(ids[0], "tiny", Applicant.registered("y"))


def test_G3_new_wijkgroep_must_fit_its_admins() -> None:
    """G3, T3: a new wijkgroep starts with the stuurgroep as admins; too small a
    platform is refused."""
    h, ids = neighbourhood()
    with refused(h, CapacityRefused, "G3"):
        h.create_wijkgroep(
            ids[0], "stuur", "tiny", approvals=ids, platform=Platform(name="t", member_limit=3)
        )


def test_G3_move_respects_the_receiving_limit() -> None:
    """G3: moving a resident into a full wijkgroep is refused; a stuurgroep member
    moving among the wijkgroepen they administer adds nobody, so it is allowed."""
    h, ids = neighbourhood()
    h.create_wijkgroep(
        ids[0], "stuur", "tiny", approvals=ids, platform=Platform(name="t", member_limit=4)
    )
    (resident,) = h.load_members("zoom", ["r"])
    with refused(h, CapacityRefused, "G3"):
        h.move(ids[0], resident, "tiny")
    h.move(ids[0], ids[1], "tiny")
    assert h.wijkgroep_of(ids[1]) == "tiny"
    assert h.size("tiny") == 4
    assert h.size("zoom") == 5
    assert h.verify() == []


def test_G3_S5_regiegroep_limit() -> None:
    """G3, S5: a regiegroep must seat every stuurgroep member of its wijk, and a
    new stuurgroep is refused when its regiegroep is full."""
    h, _ = neighbourhood()
    second_stuurgroep(h)  # 4 + 3 stuurgroep members
    with refused(h, CapacityRefused, "G3"):
        h.create_regiegroep("zoomwijck", "regie", platform=Platform(name="t", member_limit=6))
    h.create_regiegroep("zoomwijck", "regie", platform=Platform(name="t", member_limit=8))
    assert h.size("regie") == 7
    with refused(h, CapacityRefused, "G3"):
        h.found_neighbourhood(
            gemeente="tilburg",
            wijk="zoomwijck",
            wijkgroep="third",
            stuurgroep="stuur-3",
            founders=registered(3),
        )


def test_S6_S5_change_stuurgroep_swap_fits_a_full_regiegroep() -> None:
    """S6, S5, G3: replacing one stuurgroep member by another does not grow the
    regiegroep, so it is allowed even when the regiegroep is full; adding one is not.

    Regression: the growth was computed as added - (old - new) members, which
    counts a one-for-one swap as one extra seat and refused it.
    """
    h, ids = neighbourhood(founders=3)
    second_stuurgroep(h, n=3)
    h.create_regiegroep("zoomwijck", "regie", platform=Platform(name="t", member_limit=6))
    assert h.capacity("regie").state is CapacityState.FULL
    new, extra = h.load_members("zoom", ["new", "extra"])
    h.change_stuurgroep(
        "stuur", members=[ids[0], ids[1], new], telefoonbeheerder=ids[0], approvals=ids
    )
    assert h.admins("stuur") == {ids[0], ids[1], new}
    assert new in h.admins("regie")
    assert ids[2] not in h.admins("regie")
    with refused(h, CapacityRefused, "G3"):
        h.change_stuurgroep(
            "stuur",
            members=[ids[0], ids[1], new, extra],
            telefoonbeheerder=ids[0],
            approvals=ids,
        )
    assert h.verify() == []


def test_G3_gemeentelijke_regiegroep_limit() -> None:
    """G3: a gemeentelijke regiegroep that seats all regiegroep members refuses
    to grow past its limit."""
    h, _ = neighbourhood()
    h.create_regiegroep("zoomwijck", "regie")
    h.create_gemeentelijke_regiegroep(
        "tilburg", "tilburg-regie", platform=Platform(name="t", member_limit=5)
    )
    assert h.size("tilburg-regie") == 4
    h.found_neighbourhood(
        gemeente="tilburg",
        wijk="reeshof",
        wijkgroep="rees",
        stuurgroep="rees-sg",
        founders=registered(3),
    )
    with refused(h, CapacityRefused, "G3"):
        h.create_regiegroep("reeshof", "rees-regie")


# ------------------------------------------------------ G4: several admins


@given(hierarchies())
def test_G4_every_wijkgroep_has_its_stuurgroep_as_admins(h: Hierarchy) -> None:
    """G4, S1-S6: the admins of a wijkgroep are the 3-4 members of the stuurgroep
    that manages it, so it never depends on one person."""
    low, high = h.settings.stuurgroep_size
    for wg in h.groups(GroupKind.WIJKGROEP):
        sg = h.stuurgroep_of(wg)
        assert h.admins(wg) == h.admins(sg)
        assert low <= len(h.admins(wg)) <= high
        assert h.admins(wg) <= h.members(wg)
        assert wg in h.managed_wijkgroepen(sg)
    assert h.verify() == []


def test_G4_stuurgroep_member_cannot_leave_or_be_removed_directly() -> None:
    """G4: a stuurgroep keeps 3-4 members, so a member leaves it first (S6)."""
    h, ids = neighbourhood(founders=3)
    with refused(h, InvariantRefused, "G4"):
        h.leave(ids[1], by=ids[1])
    with refused(h, InvariantRefused, "G4"):
        h.remove(ids[0], ids[1], reason="houdt zich niet aan de spelregels")
    with refused(h, InvariantRefused, "G4"):
        h.remove(ids[0], ids[0], reason="houdt zich niet aan de spelregels")


@pytest.mark.parametrize("size", [2, 5])
def test_G4_change_stuurgroep_keeps_3_to_4_members(size: int) -> None:
    """G4: a stuurgroep change that leaves fewer than 3 or more than 4 is refused."""
    h, ids = neighbourhood()
    extra = h.load_members("zoom", ["a", "b"])
    members = [*ids, *extra][:size]
    with refused(h, InvariantRefused, "G4"):
        h.change_stuurgroep("stuur", members=members, telefoonbeheerder=ids[0], approvals=ids)


# --------------------------------------------------------- stuurgroep (S)


def test_S1_stuurgroep_members_live_in_a_wijkgroep_they_manage() -> None:
    """S1: a stuurgroep member is a resident of one of its wijkgroepen; someone
    from another stuurgroep's wijkgroep cannot join it, nor move out of reach."""
    h, ids = neighbourhood()
    others = second_stuurgroep(h)
    (outsider,) = h.load_members("dorst", ["outsider"])
    with refused(h, InvariantRefused, "S1"):
        h.change_stuurgroep(
            "stuur", members=[*ids[:3], outsider], telefoonbeheerder=ids[0], approvals=ids
        )
    with refused(h, InvariantRefused, "S1"):
        h.move(others[0], ids[1], "dorst")
    # A plain resident may move anywhere the receiving telefoonbeheerder accepts.
    h.move(ids[0], outsider, "zoom")
    assert h.wijkgroep_of(outsider) == "zoom"


def test_S1_a_member_sits_in_one_stuurgroep() -> None:
    """S1, G4: nobody sits in two stuurgroepen."""
    h, ids = neighbourhood()
    h.create_wijkgroep(ids[0], "stuur", "second", approvals=ids)
    others = h.found_neighbourhood(
        gemeente="tilburg",
        wijk="zoomwijck",
        wijkgroep="w3",
        stuurgroep="s3",
        founders=registered(3),
    )
    with refused(h, InvariantRefused):
        h.change_stuurgroep(
            "s3", members=[*others, ids[1]], telefoonbeheerder=others[0], approvals=others
        )


def test_S2_sibling_wijkgroepen() -> None:
    """S2: the siblings of a wijkgroep are the other wijkgroepen of its stuurgroep."""
    h, ids = neighbourhood()
    h.create_wijkgroep(ids[0], "stuur", "b", approvals=ids)
    h.create_wijkgroep(ids[0], "stuur", "c", approvals=ids)
    second_stuurgroep(h)
    assert h.sibling_wijkgroepen("zoom") == ("b", "c")
    assert h.sibling_wijkgroepen("b") == ("zoom", "c")
    assert h.sibling_wijkgroepen("dorst") == ()
    assert h.managed_wijkgroepen("stuur") == ("zoom", "b", "c")


def test_S5_stuurgroep_members_sit_in_regiegroep() -> None:
    """S5: every member of every stuurgroep of a wijk sits in its regiegroep,
    and keeps sitting in it through founding and stuurgroep changes."""
    h, ids = neighbourhood()
    others = second_stuurgroep(h)
    h.create_regiegroep("zoomwijck", "regie")
    assert h.regiegroep_of("zoomwijck") == "regie"
    assert h.admins("regie") == frozenset(ids) | frozenset(others)
    assert h.members("regie") == h.admins("regie")
    assert h.kind("regie") is GroupKind.REGIEGROEP
    for sg in ("stuur", "stuur-2"):
        assert h.graph.edges[sg, "regie"]["rel"] is Relation.SITS_IN
    third = h.found_neighbourhood(
        gemeente="tilburg",
        wijk="zoomwijck",
        wijkgroep="w3",
        stuurgroep="s3",
        founders=registered(3),
    )
    assert frozenset(third) <= h.admins("regie")
    assert h.graph.has_edge("s3", "regie")
    (new,) = h.load_members("zoom", ["new"])
    h.change_stuurgroep("stuur", members=[*ids[:3], new], telefoonbeheerder=ids[0], approvals=ids)
    assert new in h.admins("regie")
    assert ids[3] not in h.admins("regie")
    assert h.verify() == []


def test_S5_regiegroep_one_per_wijk() -> None:
    """S5: a wijk has one regiegroep."""
    h, _ = neighbourhood()
    h.create_regiegroep("zoomwijck", "regie")
    with refused(h, InvariantRefused):
        h.create_regiegroep("zoomwijck", "regie-2")
    with refused(h, UnknownGroupError):
        h.create_regiegroep("nowhere", "regie-3")
    with refused(h, InvariantRefused):
        h.create_regiegroep("zoomwijck", "zoom")


def test_S5_gemeentelijke_regiegroep_links_regiegroepen() -> None:
    """S5 one level up: the gemeentelijke regiegroep links the regiegroepen
    of a gemeente; by default every regiegroep member sits in it."""
    h, ids = neighbourhood()
    reeshof = h.found_neighbourhood(
        gemeente="tilburg",
        wijk="reeshof",
        wijkgroep="rees",
        stuurgroep="rees-sg",
        founders=registered(3),
    )
    with refused(h, InvariantRefused):
        h.create_gemeentelijke_regiegroep("tilburg", "gem")  # no regiegroep yet
    h.create_regiegroep("zoomwijck", "regie")
    h.create_gemeentelijke_regiegroep("tilburg", "gem")
    assert h.gemeentelijke_regiegroep_of("tilburg") == "gem"
    assert h.admins("gem") == frozenset(ids)
    assert h.graph.edges["regie", "gem"]["rel"] is Relation.SITS_IN
    h.create_regiegroep("reeshof", "rees-regie")
    assert h.admins("gem") == frozenset(ids) | frozenset(reeshof)
    assert h.graph.has_edge("rees-regie", "gem")
    assert h.group("gem").wijk is None
    assert h.wijk_of("gem") is None
    assert h.gemeente_of("gem") == "tilburg"
    with refused(h, InvariantRefused):
        h.create_gemeentelijke_regiegroep("tilburg", "gem-2")
    with refused(h, UnknownGroupError):
        h.create_gemeentelijke_regiegroep("breda", "gem-3")


def test_S5_gemeentelijke_regiegroep_delegates() -> None:
    """S5: the gemeentelijke regiegroep may seat chosen delegates, each a member
    of one of the gemeente's regiegroepen; the last delegate cannot be dismissed."""
    h, ids = neighbourhood()
    h.create_regiegroep("zoomwijck", "regie")
    (resident,) = h.load_members("zoom", ["resident"])
    with refused(h, InvariantRefused):
        h.create_gemeentelijke_regiegroep("tilburg", "gem", delegates=[resident])
    with refused(h, InvariantRefused):
        h.create_gemeentelijke_regiegroep("tilburg", "gem", delegates=[])
    with refused(h, UnknownMemberError):
        h.create_gemeentelijke_regiegroep("tilburg", "gem", delegates=[999])
    h.create_gemeentelijke_regiegroep("tilburg", "gem", delegates=[ids[3]])
    assert h.admins("gem") == {ids[3]}
    with refused(h, InvariantRefused):
        h.change_stuurgroep(
            "stuur", members=[*ids[:3], resident], telefoonbeheerder=ids[0], approvals=ids
        )


def test_S6_majority_needed_for_new_wijkgroep() -> None:
    """S6, T3: a new wijkgroep needs approval from more than half of the stuurgroep;
    approvals from outside the stuurgroep do not count."""
    h, ids = neighbourhood(founders=4)
    (resident,) = h.load_members("zoom", ["r"])
    with refused(h, PermissionRefused, "S6"):
        h.create_wijkgroep(ids[0], "stuur", "new", approvals=ids[:2])
    with refused(h, PermissionRefused, "S6"):
        h.create_wijkgroep(ids[0], "stuur", "new", approvals=[*ids[:2], resident, 999])
    h.create_wijkgroep(ids[0], "stuur", "new", approvals=ids[1:])
    assert h.stuurgroep_of("new") == "stuur"


def test_S6_majority_of_three() -> None:
    """S6: in a stuurgroep of three, two approvals are a majority; one is not."""
    h, ids = neighbourhood(founders=3)
    with refused(h, PermissionRefused, "S6"):
        h.create_wijkgroep(ids[0], "stuur", "new", approvals=[ids[0], ids[0]])
    h.create_wijkgroep(ids[0], "stuur", "new", approvals=[ids[1], ids[2]])


def test_S6_change_stuurgroep_needs_a_majority() -> None:
    """S6: appointing, dismissing and handing over need a majority of the
    current members; the new telefoonbeheerder is one of the new members."""
    h, ids = neighbourhood()
    (new,) = h.load_members("zoom", ["new"])
    with refused(h, PermissionRefused, "S6"):
        h.change_stuurgroep(
            "stuur", members=[*ids[:3], new], telefoonbeheerder=new, approvals=[new, *ids[:2]]
        )
    with refused(h, InvariantRefused, "T1"):
        h.change_stuurgroep("stuur", members=ids[:3], telefoonbeheerder=ids[3], approvals=ids)
    h.change_stuurgroep("stuur", members=[*ids[:3], new], telefoonbeheerder=new, approvals=ids[1:])
    assert h.telefoonbeheerder("stuur") == new
    assert h.roles(new) == {Role.BEWONER, Role.STUURGROEPLID, Role.TELEFOONBEHEERDER}
    assert h.roles(ids[0]) == {Role.BEWONER, Role.STUURGROEPLID}
    assert h.roles(ids[3]) == {Role.BEWONER}
    assert h.stuurgroep_membership(ids[3]) is None
    h.leave(ids[3], by=ids[3])  # no longer in the stuurgroep, so free to go
    assert ids[3] not in h
    assert h.verify() == []


# ---------------------------------------------------- telefoonbeheerder (T)


def test_T1_only_telefoonbeheerder_admits() -> None:
    """T1: only the telefoonbeheerder of the managing stuurgroep adds residents."""
    h, ids = neighbourhood()
    others = second_stuurgroep(h)
    (resident,) = h.load_members("zoom", ["r"])
    applicant = Applicant.registered("new")
    for actor in (ids[1], resident, others[0]):
        with refused(h, PermissionRefused, "T1") as info:
            h.admit(actor, "zoom", applicant)
        assert "stuur" in info.value.reason
    with refused(h, UnknownMemberError):
        h.admit(12345, "zoom", applicant)
    with refused(h, UnknownGroupError):
        h.admit(ids[0], "stuur", applicant)
    mid = h.admit(ids[0], "zoom", applicant).member
    assert h.wijkgroep_of(mid) == "zoom"
    assert h.roles(mid) == {Role.BEWONER}
    assert h.admit(others[0], "dorst", applicant).member != mid


def test_T1_admitted_member_snapshot() -> None:
    """T1: an admitted resident keeps name, buurt and phone; age and answers are not stored."""
    h, ids = neighbourhood()
    mid = h.admit(
        ids[0],
        "zoom",
        Applicant(
            name="Anna",
            age=40,
            lives_in_area=True,
            accepted_rules=True,
            buurt="oost",
            phone="0612345678",
        ),
    ).member
    m = h.member(mid)
    assert (m.id, m.name, m.wijkgroep, m.buurt, m.stuurgroep, m.roles) == (
        mid,
        "Anna",
        "zoom",
        "oost",
        None,
        frozenset({Role.BEWONER}),
    )
    assert h.phone(mid) == "0612345678"
    assert h.phone(ids[1]) is None
    assert mid in h
    assert len(h) == 5


def test_T1_move_needs_the_receiving_telefoonbeheerder() -> None:
    """T1: moving a member into a wijkgroep is adding them there."""
    h, ids = neighbourhood()
    others = second_stuurgroep(h)
    (resident,) = h.load_members("zoom", ["r"])
    with refused(h, PermissionRefused, "T1"):
        h.move(ids[0], resident, "dorst")
    with refused(h, InvariantRefused):
        h.move(ids[0], resident, "zoom")  # already there
    h.move(others[0], resident, "dorst")
    assert h.wijkgroep_of(resident) == "dorst"
    assert resident not in h.residents("zoom")
    assert h.residents("dorst")[-1] == resident


def test_T2_only_telefoonbeheerder_removes() -> None:
    """T2: only the telefoonbeheerder of the member's stuurgroep royeert."""
    h, ids = neighbourhood()
    others = second_stuurgroep(h)
    a, b = h.load_members("zoom", ["a", "b"])
    for actor in (ids[1], b, others[0]):
        with refused(h, PermissionRefused, "T2"):
            h.remove(actor, a, reason="houdt zich niet aan de spelregels")
    h.remove(ids[0], a, reason="houdt zich niet aan de spelregels")
    assert a not in h
    assert a not in h.residents("zoom")
    with refused(h, UnknownMemberError):
        h.remove(ids[0], a, reason="houdt zich niet aan de spelregels")
    with refused(h, UnknownMemberError):
        h.member(a)
    assert len(h) == 4 + 3 + 1


def test_T2_ids_are_never_reused() -> None:
    """T2: a removed member's id stays unknown; the next member gets a new one."""
    h, ids = neighbourhood()
    (a,) = h.load_members("zoom", ["a"])
    h.leave(a, by=a)
    b = h.admit(ids[0], "zoom", Applicant.registered("b")).member
    assert b != a
    assert a not in h
    with refused(h, UnknownMemberError):
        h.leave(a, by=a)


def test_T3_only_telefoonbeheerder_creates_wijkgroep() -> None:
    """T3: only the telefoonbeheerder of the stuurgroep creates a wijkgroep in it."""
    h, ids = neighbourhood()
    others = second_stuurgroep(h)
    for actor in (ids[1], others[0]):
        with refused(h, PermissionRefused, "T3"):
            h.create_wijkgroep(actor, "stuur", "new", approvals=ids)
    with refused(h, UnknownGroupError):
        h.create_wijkgroep(ids[0], "zoom", "new", approvals=ids)
    with refused(h, InvariantRefused):
        h.create_wijkgroep(ids[0], "stuur", "dorst", approvals=ids)
    h.create_wijkgroep(ids[0], "stuur", "new", approvals=ids)
    assert h.residents("new") == ()
    assert h.members("new") == frozenset(ids)
    assert h.group("new").wijk == "zoomwijck"
    assert h.graph.edges["stuur", "new"]["rel"] is Relation.MANAGES


@given(hierarchies())
def test_T1_exactly_one_telefoonbeheerder_per_stuurgroep(h: Hierarchy) -> None:
    """T1-T3: each stuurgroep has exactly one telefoonbeheerder, one of its members."""
    for sg in h.groups(GroupKind.STUURGROEP):
        holders = [m for m in h.admins(sg) if Role.TELEFOONBEHEERDER in h.roles(m)]
        assert holders == [h.telefoonbeheerder(sg)]
        assert all(h.stuurgroep_membership(m) == sg for m in h.admins(sg))


# ------------------------------------------------------------- house rules


@given(applicant=invalid_applicants())
def test_H1_H2_H10_admission_follows_the_house_rules(applicant: Applicant) -> None:
    """H1, H2, H10: an applicant who breaks a house rule is refused, naming the
    first rule broken; nothing changes."""
    h, ids = neighbourhood()
    broken = broken_admission_rules(applicant)
    with refused(h, AdmissionRefused) as info:
        h.admit(ids[0], "zoom", applicant)
    assert info.value.rule == broken[0]


@given(applicant=applicants())
def test_H1_H2_H10_valid_applicants_admitted(applicant: Applicant) -> None:
    """H1, H2, H10: an adult from the area who accepted the rules is admitted."""
    h, ids = neighbourhood()
    mid = h.admit(ids[0], "zoom", applicant).member
    assert h.name(mid) == applicant.name
    assert h.member(mid).buurt == applicant.buurt
    assert h.phone(mid) == (applicant.phone or None)


@pytest.mark.parametrize("age", [0, 12, 17])
def test_H1_minors_refused(age: int) -> None:
    """H1: members are 18 or older."""
    h, ids = neighbourhood()
    with refused(h, AdmissionRefused, "H1") as info:
        h.admit(
            ids[0], "zoom", Applicant(name="kid", age=age, lives_in_area=True, accepted_rules=True)
        )
    assert "18" in info.value.reason
    h.admit(
        ids[0], "zoom", Applicant(name="adult", age=18, lives_in_area=True, accepted_rules=True)
    )


def test_H1_adult_age_is_a_setting() -> None:
    """H1: the minimum age comes from ``Settings.adult_age``, for founders too."""
    h = Hierarchy(Settings(adult_age=21))

    def aged(age: int, name: str) -> Applicant:
        return Applicant(name=name, age=age, lives_in_area=True, accepted_rules=True)

    with refused(h, AdmissionRefused, "H1"):
        h.found_neighbourhood(
            gemeente="g",
            wijk="w",
            wijkgroep="wg",
            stuurgroep="sg",
            founders=[aged(30, "a"), aged(30, "b"), aged(20, "c")],
        )
    ids = h.found_neighbourhood(
        gemeente="g",
        wijk="w",
        wijkgroep="wg",
        stuurgroep="sg",
        founders=[aged(30, "a"), aged(30, "b"), aged(21, "c")],
    )
    with refused(h, AdmissionRefused, "H1") as info:
        h.admit(ids[0], "wg", aged(20, "x"))
    assert "21" in info.value.reason
    h.admit(ids[0], "wg", aged(21, "y"))


def test_H2_outsiders_refused() -> None:
    """H2: members live or run a business in the area."""
    h, ids = neighbourhood()
    with refused(h, AdmissionRefused, "H2"):
        h.admit(
            ids[0], "zoom", Applicant(name="x", age=30, lives_in_area=False, accepted_rules=True)
        )


def test_H10_house_rules_must_be_accepted() -> None:
    """H10: new members accept the rules before they are added."""
    h, ids = neighbourhood()
    with refused(h, AdmissionRefused, "H10"):
        h.admit(
            ids[0], "zoom", Applicant(name="x", age=30, lives_in_area=True, accepted_rules=False)
        )


def test_H10_registered_applicants_have_signed_up() -> None:
    """H10: a register's members checked H1, H2 and H10 at sign-up."""
    a = Applicant.registered("x", buurt="noord")
    assert (a.age, a.lives_in_area, a.accepted_rules, a.buurt) == (None, True, True, "noord")


def test_H1_registered_founders_pass_a_higher_age_limit() -> None:
    """H1: a register vouches for adulthood under the hierarchy's own limit, so
    registered founders are admitted even where the limit is above 18."""
    h, ids = neighbourhood(Settings(adult_age=21))
    assert len(ids) == 4
    with pytest.raises(AdmissionRefused):
        h.admit(
            ids[0], "zoom", Applicant(name="x", age=19, lives_in_area=True, accepted_rules=True)
        )


def test_H10_load_members_needs_names() -> None:
    """H10: members sign up with their details, so a nameless entry is refused."""
    h, _ = neighbourhood()
    with refused(h, AdmissionRefused, "H10"):
        h.load_members("zoom", ["a", ""])
    with refused(h, InvalidValueError):
        h.load_members("zoom", "abc")
    with refused(h, UnknownGroupError):
        h.load_members("stuur", ["a"])
    assert list(h.load_members("zoom", (n for n in ["a", "b"]), buurt="west")) == [4, 5]
    assert h.member(5).buurt == "west"


# ----------------------------------------------------------------- queries


def test_queries_on_a_two_wijk_gemeente() -> None:
    """G1-G5, S2, S5: the queries answer who is where in a small gemeente."""
    h, ids = neighbourhood()
    h.create_wijkgroep(ids[0], "stuur", "zoom-2", approvals=ids)
    others = second_stuurgroep(h)
    reeshof = h.found_neighbourhood(
        gemeente="tilburg",
        wijk="reeshof",
        wijkgroep="rees",
        stuurgroep="rees-sg",
        founders=registered(3),
        telefoonbeheerder=1,
    )
    (r1,) = h.load_members("zoom-2", ["r1"], buurt="oost")
    h.create_regiegroep("zoomwijck", "regie")

    assert h.gemeenten() == ("tilburg",)
    assert h.wijken_of("tilburg") == ("zoomwijck", "reeshof")
    assert h.wijken() == ("zoomwijck", "reeshof")
    assert h.stuurgroepen_of("zoomwijck") == ("stuur", "stuur-2")
    assert h.regiegroep_of("zoomwijck") == "regie"
    assert h.regiegroep_of("reeshof") is None
    assert h.gemeentelijke_regiegroep_of("tilburg") is None
    assert h.wijkgroep_of(r1) == "zoom-2"
    assert h.stuurgroep_of("zoom-2") == "stuur"
    assert h.stuurgroep_of("rees") == "rees-sg"
    assert h.telefoonbeheerder("rees-sg") == reeshof[1]
    assert h.sibling_wijkgroepen("zoom-2") == ("zoom",)
    assert h.admins("zoom-2") == frozenset(ids)
    assert h.members("zoom-2") == frozenset(ids) | {r1}
    assert h.residents("zoom-2") == (r1,)
    assert h.size("zoom-2") == 5
    assert h.admins("regie") == frozenset(ids) | frozenset(others)
    assert h.stuurgroep_membership(r1) is None
    assert h.stuurgroep_membership(others[2]) == "stuur-2"
    assert list(h.groups(GroupKind.WIJKGROEP)) == ["zoom", "zoom-2", "dorst", "rees"]
    assert list(h.groups(GroupKind.REGIEGROEP)) == ["regie"]
    assert set(h.groups()) == {"zoom", "zoom-2", "dorst", "rees", "stuur", "stuur-2"} | {
        "rees-sg",
        "regie",
    }
    g = h.group("rees")
    assert (g.id, g.kind, g.wijk, g.gemeente) == ("rees", GroupKind.WIJKGROEP, "reeshof", "tilburg")
    assert h.kind("stuur-2") is GroupKind.STUURGROEP
    assert h.wijk_of("regie") == "zoomwijck"
    assert h.gemeente_of("regie") == "tilburg"
    assert h.member(r1).wijkgroep == "zoom-2"
    assert h.member(others[0]).stuurgroep == "stuur-2"


@given(hierarchies())
def test_queries_agree_with_each_other(h: Hierarchy) -> None:
    """G1-G5, S1, S5: every member lives in exactly one wijkgroep (its residents
    list them once); chat members, admins and sizes follow from the structure."""
    homes: dict[int, list[str]] = {}
    for wg in h.groups(GroupKind.WIJKGROEP):
        for resident in h.residents(wg):
            homes.setdefault(resident, []).append(wg)
    assert all(len(where) == 1 for where in homes.values())
    assert len(homes) == len(h)
    for m, (home,) in homes.items():
        assert m in h
        assert h.wijkgroep_of(m) == home
        assert h.member(m).wijkgroep == home
        sg = h.stuurgroep_membership(m)
        if sg is not None:
            assert home in h.managed_wijkgroepen(sg)
            assert Role.STUURGROEPLID in h.roles(m)
        else:
            assert h.roles(m) == {Role.BEWONER}
    for wg in h.groups(GroupKind.WIJKGROEP):
        assert h.members(wg) == frozenset(h.residents(wg)) | h.admins(wg)
        assert h.size(wg) == len(h.members(wg))
        assert h.capacity(wg).size == h.size(wg) <= h.capacity(wg).limit
    for gem in h.gemeenten():
        for wijk in h.wijken_of(gem):
            rg = h.regiegroep_of(wijk)
            seated = frozenset().union(*(h.admins(sg) for sg in h.stuurgroepen_of(wijk)))
            if rg is not None:
                assert h.admins(rg) == seated
                assert h.gemeente_of(rg) == gem
            for sg in h.stuurgroepen_of(wijk):
                assert h.wijk_of(sg) == wijk


@pytest.mark.parametrize(
    "query",
    [
        lambda h: h.group("nope"),
        lambda h: h.kind("nope"),
        lambda h: h.stuurgroep_of("stuur"),  # a stuurgroep is not a wijkgroep
        lambda h: h.managed_wijkgroepen("zoom"),
        lambda h: h.sibling_wijkgroepen("nope"),
        lambda h: h.telefoonbeheerder("zoom"),
        lambda h: h.residents("stuur"),
        lambda h: h.admins("nope"),
        lambda h: h.members("nope"),
        lambda h: h.capacity("nope"),
        lambda h: h.regiegroep_of("nowhere"),
        lambda h: h.stuurgroepen_of("nowhere"),
        lambda h: h.wijken_of("breda"),
        lambda h: h.gemeentelijke_regiegroep_of("breda"),
        lambda h: h.group(["unhashable"]),
    ],
)
def test_unknown_group_is_a_lookup_error(query: Any) -> None:
    """Unknown group, wijk or gemeente ids raise UnknownGroupError, a LookupError."""
    h, _ = neighbourhood()
    with refused(h, UnknownGroupError) as info:
        query(h)
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, UnknownIdError)
    assert isinstance(info.value, RoutingError)
    assert not isinstance(info.value, Refused)


@pytest.mark.parametrize("mid", [-1, 4, 99, "0", 1.0, None, True])
def test_unknown_member_is_a_lookup_error(mid: Any) -> None:
    """Anything that is not a live member id raises UnknownMemberError, a LookupError."""
    h, _ = neighbourhood()
    for query in (h.member, h.name, h.phone, h.roles, h.wijkgroep_of, h.stuurgroep_membership):
        with refused(h, UnknownMemberError) as info:
            query(mid)
        err = info.value
        assert isinstance(err, LookupError)
        assert isinstance(err, UnknownMemberError)
        assert err.key == mid


def test_len_and_contains() -> None:
    """len() counts current members; ``in`` tells live ids from others."""
    h, ids = neighbourhood()
    assert len(h) == 4
    assert all(m in h for m in ids)
    assert 4 not in h
    assert "0" not in h
    assert True not in h  # a bool is not a member id, as in every lookup
    a, b = h.load_members("zoom", ["a", "b"])
    h.leave(a, by=a)
    assert len(h) == 5
    assert a not in h
    assert b in h


# ------------------------------------------------------------------- graph


def test_graph_is_read_only() -> None:
    """The graph view cannot be changed: every mutation raises NetworkXError."""
    h, _ = neighbourhood()
    g = h.graph
    before = snapshot(h)
    mutations: list[Callable[[], object]] = [
        lambda: g.add_node("x"),
        lambda: g.add_edge("stuur", "x"),
        lambda: g.remove_node("zoom"),
        lambda: g.remove_edge("stuur", "zoom"),
        lambda: g.clear(),
    ]
    for mutate in mutations:
        with pytest.raises(nx.NetworkXError):
            mutate()
    assert g.frozen
    assert snapshot(h) == before


def test_graph_attributes_are_read_only() -> None:
    """Rewriting an attribute of the handed-out graph cannot change the model."""
    h, _ = neighbourhood()
    h.graph.edges["stuur", "zoom"]["rel"] = Relation.SITS_IN
    h.graph.nodes["zoom"]["kind"] = GroupKind.REGIEGROEP
    assert h.managed_wijkgroepen("stuur") == ("zoom",)
    assert h.kind("zoom") is GroupKind.WIJKGROEP
    assert h.graph.edges["stuur", "zoom"]["rel"] is Relation.MANAGES


def test_graph_is_a_snapshot() -> None:
    """The graph is a copy of the structure when it was asked for; ask again
    after a change (structure_version says when)."""
    h, ids = neighbourhood()
    g = h.graph
    before = h.structure_version
    h.create_wijkgroep(ids[0], "stuur", "new", approvals=ids)
    assert not g.has_edge("stuur", "new")
    assert h.graph.has_edge("stuur", "new")
    assert h.structure_version > before


@given(hierarchies())
def test_graph_has_typed_edges(h: Hierarchy) -> None:
    """G1-G5: nodes are the groups with their kind; MANAGES goes from a stuurgroep
    to each wijkgroep it manages, SITS_IN from a stuurgroep to its wijk's
    regiegroep and from a regiegroep to the gemeentelijke regiegroep."""
    g = h.graph
    assert dict(g.nodes(data="kind")) == {gid: h.kind(gid) for gid in h.groups()}
    expected = set()
    for sg in h.groups(GroupKind.STUURGROEP):
        expected |= {(sg, wg, Relation.MANAGES) for wg in h.managed_wijkgroepen(sg)}
        rg = h.regiegroep_of(h.wijk_of(sg) or "")
        if rg is not None:
            expected.add((sg, rg, Relation.SITS_IN))
    for rg in h.groups(GroupKind.REGIEGROEP):
        gem = h.gemeentelijke_regiegroep_of(h.gemeente_of(rg))
        if gem is not None:
            expected.add((rg, gem, Relation.SITS_IN))
    assert set(g.edges(data="rel")) == expected
    for wg in h.groups(GroupKind.WIJKGROEP):
        assert list(g.predecessors(wg)) == [h.stuurgroep_of(wg)]
        assert list(g.successors(wg)) == []
    assert nx.is_directed_acyclic_graph(g)


# ------------------------------------------------------------------ errors


def test_refusals_carry_rule_and_reason() -> None:
    """Refused errors name the rule and give a reason to show people; the
    message starts with the rule."""
    h, ids = neighbourhood()
    with pytest.raises(PermissionRefused) as info:
        h.admit(ids[1], "zoom", Applicant.registered("x"))
    err = info.value
    assert isinstance(err, Refused)
    assert isinstance(err, RoutingError)
    assert not isinstance(err, LookupError | ValueError)
    assert err.rule == "T1"
    assert err.reason
    assert str(err) == f"[T1] {err.reason}"
    assert PermissionRefused("why").rule == ""
    assert str(PermissionRefused("why")) == "why"
    assert PermissionRefused("why", command="cmd", rule="T2").command == "cmd"


def test_refusal_kinds_are_distinct() -> None:
    """Each kind of refusal has its own type, under one Refused base."""
    kinds = [PermissionRefused, CapacityRefused, InvariantRefused, AdmissionRefused]
    for kind in kinds:
        assert issubclass(kind, Refused)
        assert [k for k in kinds if issubclass(kind, k)] == [kind]
    assert issubclass(UnknownGroupError, LookupError)
    assert issubclass(UnknownMemberError, LookupError)
    assert issubclass(ConfigError, ValueError)
    assert not issubclass(UnknownGroupError, UnknownMemberError)


def test_version_rises_on_every_accepted_change_only() -> None:
    """Caches compare ``version``: every accepted change raises it; a refusal does not."""
    h, ids = neighbourhood()
    seen = [h.version]

    def changed() -> None:
        assert h.version > seen[-1]
        seen.append(h.version)

    (a,) = h.load_members("zoom", ["a"])
    changed()
    b = h.admit(ids[0], "zoom", Applicant.registered("b")).member
    changed()
    h.create_wijkgroep(ids[0], "stuur", "new", approvals=ids)
    changed()
    h.move(ids[0], a, "new")
    changed()
    h.change_stuurgroep("stuur", members=[*ids[:3], b], telefoonbeheerder=b, approvals=ids)
    changed()
    h.create_regiegroep("zoomwijck", "regie")
    changed()
    h.remove(b, a, reason="houdt zich niet aan de spelregels")
    changed()
    h.leave(ids[3], by=ids[3])
    changed()
    with pytest.raises(PermissionRefused):
        h.remove(ids[1], ids[2], reason="houdt zich niet aan de spelregels")
    assert h.version == seen[-1]


@given(h=hierarchies(), data=st.data())
def test_refusals_leave_any_hierarchy_unchanged(h: Hierarchy, data: st.DataObject) -> None:
    """T1-T3, S6, G2, G4, H1-H10: on any hierarchy, each kind of refused request
    leaves every observable fact as it was."""
    applicant = data.draw(invalid_applicants(adult_age=h.settings.adult_age))
    for sg in h.groups(GroupKind.STUURGROEP):
        tb = h.telefoonbeheerder(sg)
        board = sorted(h.admins(sg))
        wg = h.managed_wijkgroepen(sg)[0]
        someone_else = next(m for m in board if m != tb)
        with refused(h, PermissionRefused, "T1"):
            h.admit(someone_else, wg, Applicant.registered("x"))
        with refused(
            h, AdmissionRefused, broken_admission_rules(applicant, h.settings.adult_age)[0]
        ):
            h.admit(tb, wg, applicant)
        with refused(h, PermissionRefused, "S6"):
            h.create_wijkgroep(tb, sg, "new", approvals=board[: len(board) // 2])
        with refused(h, InvariantRefused, "G4"):
            h.leave(someone_else, by=someone_else)
        with refused(h, PermissionRefused, "S6"):
            h.change_stuurgroep(sg, members=board, telefoonbeheerder=tb, approvals=[])
        with refused(h, InvariantRefused):
            h.split_wijkgroep(tb, wg, buurten={}, approvals=board)


# ------------------------------------------------------- versions, is_in, erase


def test_structure_version_ignores_residents() -> None:
    """Admitting, moving and removing residents leave the structure alone; a new
    group or a stuurgroep change does not."""
    h, ids = neighbourhood()
    sv, v = h.structure_version, h.version
    (a,) = h.load_members("zoom", ["a"])
    h.leave(a, by=a)
    assert h.structure_version == sv
    assert h.version > v
    h.change_stuurgroep("stuur", members=ids[:3], telefoonbeheerder=ids[0], approvals=ids)
    assert h.structure_version > sv


def test_load_members_of_nothing_changes_nothing() -> None:
    h, _ = neighbourhood()
    v = h.version
    assert list(h.load_members("zoom", [])) == []
    assert h.version == v


@given(hierarchies())
def test_is_in_agrees_with_members(h: Hierarchy) -> None:
    """is_in(m, g) is exactly membership of members(g), for every member and group."""
    groups = list(h.groups())
    everyone = {m for g in groups for m in h.members(g)}
    for g in groups:
        inside = h.members(g)
        for m in everyone:
            assert h.is_in(m, g) == (m in inside), (m, g)


def test_erase_keeps_a_pseudonym_and_structure() -> None:
    """AVG art. 17: the name and phone go, the id, home and roles stay."""
    h, ids = neighbourhood()
    tb = ids[0]
    m = h.admit(
        tb,
        "zoom",
        Applicant(
            name="Petra", age=40, lives_in_area=True, accepted_rules=True, phone="0612345678"
        ),
    ).member
    before = (h.wijkgroep_of(m), h.roles(m), h.wijkgroep_of(tb), h.roles(tb))
    assert h.erase(m, by=m) == Hierarchy.pseudonym(m)
    h.erase(tb, by=tb)
    assert h.name(m) == Hierarchy.pseudonym(m)
    assert h.phone(m) is None
    assert h.name(tb) == Hierarchy.pseudonym(tb)
    assert (h.wijkgroep_of(m), h.roles(m), h.wijkgroep_of(tb), h.roles(tb)) == before
    assert h.verify() == []


def test_wijkgroep_platform_at_founding() -> None:
    """G3: the first wijkgroep may live on another platform than its stuurgroep."""
    h = Hierarchy()
    h.found_neighbourhood(
        gemeente="g",
        wijk="w",
        wijkgroep="wg",
        stuurgroep="sg",
        founders=registered(3, "f"),
        platform=PLATFORMS["signal"],
        wijkgroep_platform=PLATFORMS["whatsapp-100"],
    )
    assert h.group("wg").platform == PLATFORMS["whatsapp-100"]
    assert h.group("sg").platform == PLATFORMS["signal"]


# ------------------------------------------------------ actors outside (G5, S4)


def test_G5_police_and_partners_stay_outside_the_groups() -> None:
    """G5: the wijkagent and partners are registered, but sit in no chat group
    and have no member id."""
    h, _ = neighbourhood()
    before = {g: h.members(g) for g in h.groups()}
    h.add_actor(
        Actor(
            id="gemeente", kind=ActorKind.PARTNER, name="Gemeente", organisation="gemeente Tilburg"
        )
    )
    h.add_actor(Actor(id="politie", kind=ActorKind.POLITIE, name="Politie Tilburg"))
    assert {g: h.members(g) for g in h.groups()} == before
    assert [a.id for a in h.actors(ActorKind.PARTNER)] == ["gemeente"]
    assert h.actor("politie").kind is ActorKind.POLITIE
    with pytest.raises(UnknownIdError):
        h.actor("nobody")


def test_S4_wijkagent_of_a_wijk() -> None:
    """S4: the stuurgroep keeps contact with the wijkagent of its wijk."""
    h, _ = neighbourhood()
    h.add_actor(Actor(id="wa", kind=ActorKind.WIJKAGENT, name="Jansen", wijken=["zoomwijck"]))
    assert [a.name for a in h.wijkagenten_of("zoomwijck")] == ["Jansen"]


def test_S4_wijkagent_of_an_unknown_wijk_is_refused_and_changes_nothing() -> None:
    """S4: a wijkagent serves wijken that exist; a typo changes nothing."""
    h, _ = neighbourhood()
    with refused(h, UnknownGroupError):
        h.add_actor(Actor(id="wa", kind=ActorKind.WIJKAGENT, name="x", wijken=["nergens"]))
    h.add_actor(Actor(id="wa", kind=ActorKind.WIJKAGENT, name="x"))
    with refused(h, InvariantRefused):
        h.add_actor(Actor(id="wa", kind=ActorKind.PARTNER, name="y"))


def test_issued_counts_every_id_ever_handed_out() -> None:
    """Ids are never reused, so ``issued`` only grows, and leaving does not lower it."""
    h, ids = neighbourhood()
    assert h.issued == len(ids)
    a, b = h.load_members("zoom", ["a", "b"])
    h.leave(a, by=a)
    assert h.issued == b + 1
    assert a not in h


def test_erase_actor_keeps_the_id_kind_and_wijken_but_not_the_name() -> None:
    """AVG art. 17 for actors: a wijkagent is a person; the pseudonym keeps S4 working."""
    h, _ = neighbourhood()
    h.add_actor(
        Actor(
            id="wa",
            kind=ActorKind.WIJKAGENT,
            name="Jansen",
            organisation="Politie Tilburg, team Noord",
            wijken=["zoomwijck"],
        )
    )
    h.add_actor(Actor(id="gemeente", kind=ActorKind.PARTNER, name="Gemeente"))
    version = h.version
    assert h.erase_actor("wa", by="wa") == Hierarchy.actor_pseudonym("wa") == "actor wa"
    erased = h.actor("wa")
    assert (erased.name, erased.organisation) == ("actor wa", "")
    assert (erased.kind, erased.wijken) == (ActorKind.WIJKAGENT, frozenset({"zoomwijck"}))
    assert h.wijkagenten_of("zoomwijck") == (erased,)
    assert [a.id for a in h.actors()] == ["wa", "gemeente"]  # order kept
    assert h.actor("gemeente").name == "Gemeente"  # another actor is not touched
    assert h.version > version  # caches keyed on the version see the change
    assert h.erase_actor("wa", by="wa") == "actor wa"  # erasing again is harmless
    assert Hierarchy.from_state(h.export_state()).actor("wa") == erased


def test_erase_actor_of_an_unknown_id_is_refused_and_changes_nothing() -> None:
    h, _ = neighbourhood()
    h.add_actor(Actor(id="wa", kind=ActorKind.WIJKAGENT, name="Jansen"))
    before, version = h.export_state(), h.version
    for unknown in ("nobody", "", 12):
        with pytest.raises(UnknownIdError):
            h.erase_actor(unknown, by=unknown)  # type: ignore[arg-type]
    assert h.export_state() == before
    assert h.version == version


@given(hierarchies(), st.data())
def test_lives_in_is_membership_and_home_in_one_look_up(h: Hierarchy, data: Any) -> None:
    # Ids of members, of members who left, past the last one, and values
    # that are no member id at all (a bool is an int to Python, not here).
    ids = data.draw(st.lists(st.integers(-2, h.issued + 2), max_size=20))
    others: list[object] = [True, False, None, 1.0, "1"]
    for wijkgroep in [*h.groups(GroupKind.WIJKGROEP), "no such group"]:
        for member in [*ids, *others]:
            expected = member in h and h.wijkgroep_of(member) == wijkgroep  # type: ignore[arg-type]
            assert h.lives_in(member, wijkgroep) is expected
