"""Drawing a hierarchy with rich (routing.present.render)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from routing import Applicant, GroupKind, Hierarchy, Platform, Settings
from routing.domain.settings import CapacityState
from routing.hierarchy.config import load_hierarchy
from routing.present.render import (
    ADMIN_MARK,
    CAPACITY_STYLES,
    TELEFOONBEHEERDER_MARK,
    hierarchy_table,
    hierarchy_tree,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def render(renderable: Tree | Table, *, styles: bool = False) -> str:
    # Written to a buffer so the test output stays clean; the record is what counts.
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(renderable)
    return console.export_text(styles=styles)


def labels(tree: Tree) -> Iterator[Text]:
    assert isinstance(tree.label, Text)
    yield tree.label
    for child in tree.children:
        yield from labels(child)


def label_of(tree: Tree, gid: str) -> Text:
    return next(label for label in labels(tree) if label.plain.startswith(gid))


def style_of(label: Text, fragment: str) -> str:
    """The style of the span that covers *fragment* in *label*."""
    start = label.plain.index(fragment)
    styles = [str(s.style) for s in label.spans if s.start <= start < s.end]
    assert styles, f"{fragment!r} has no style in {label.plain!r}"
    return styles[-1]


@pytest.fixture
def phase1() -> Hierarchy:
    return load_hierarchy(EXAMPLES / "zoomwijck.toml")


@pytest.fixture
def phase2() -> Hierarchy:
    return load_hierarchy(EXAMPLES / "zoomwijck-fase2.toml")


def small(limit: int = 1024) -> Hierarchy:
    h = Hierarchy(Settings(platform=Platform(name="test", member_limit=limit)))
    h.found_neighbourhood(
        gemeente="Voorbeeldstad",
        wijk="Zoomwijck",
        wijkgroep="WG",
        stuurgroep="SG",
        founders=[Applicant.registered(n, buurt="Oost") for n in ("Anna", "Bram", "Cees")],
        telefoonbeheerder=2,
    )
    return h


def test_G1_phase_1_tree_nests_gemeente_wijk_stuurgroep_wijkgroep(phase1: Hierarchy) -> None:
    tree = hierarchy_tree(phase1)
    (gemeente,) = tree.children
    (wijk,) = gemeente.children
    (stuurgroep,) = wijk.children
    (wijkgroep,) = stuurgroep.children
    assert str(gemeente.label).endswith("Voorbeeldstad")
    assert str(wijk.label).endswith("Zoomwijck")
    assert str(stuurgroep.label).startswith("Stuurgroep Zoomwijck")
    assert str(wijkgroep.label).startswith("Wijkgroep Zoomwijck")
    assert wijkgroep.children == []  # no residents unless asked for


def test_counts_are_drawn_against_the_platform_limit(phase1: Hierarchy) -> None:
    text = render(hierarchy_tree(phase1))
    assert "60 members" in text
    assert "Wijkgroep Zoomwijck  wijkgroep  60/100" in text
    assert "Stuurgroep Zoomwijck  stuurgroep  4/100" in text
    assert "5 buurten" in text


def test_telefoonbeheerder_and_stuurgroep_members_are_marked(phase1: Hierarchy) -> None:
    text = render(hierarchy_tree(phase1))
    assert f"{TELEFOONBEHEERDER_MARK} Cees Verhoef" in text
    for name in ("Anna de Wit", "Bram Jansen", "Dilara Yilmaz"):
        assert f"{ADMIN_MARK} {name}" in text
    assert f"{ADMIN_MARK} Cees Verhoef" not in text
    # The telefoonbeheerder comes first: the one to phone (T1).
    line = next(line for line in text.splitlines() if "Cees Verhoef" in line)
    assert line.strip().startswith(f"{TELEFOONBEHEERDER_MARK} Cees Verhoef")


def test_groups_are_drawn_in_the_colours_of_seed_002(phase2: Hierarchy) -> None:
    tree = hierarchy_tree(phase2)
    for gid, kind in [
        ("Wijkgroep Vlinderbuurt", GroupKind.WIJKGROEP),
        ("Stuurgroep Zoomwijck", GroupKind.STUURGROEP),
        ("Regiegroep Zoomwijck", GroupKind.REGIEGROEP),
    ]:
        assert kind.colour in style_of(label_of(tree, gid), gid)
    assert GroupKind.WIJKGROEP.colour == "green"
    assert GroupKind.STUURGROEP.colour == "yellow"


def test_colours_reach_the_terminal(phase2: Hierarchy) -> None:
    text = render(hierarchy_tree(phase2), styles=True)
    assert "\x1b[1;32mWijkgroep Vlinderbuurt" in text  # bold green
    assert "\x1b[1;33mStuurgroep Zoomwijck" in text  # bold yellow
    assert "Regiegroep Zoomwijck" in text
    assert "\x1b[1;32mRegiegroep" not in text


def test_phase_2_tree_puts_the_stuurgroep_under_the_regiegroep(phase2: Hierarchy) -> None:
    tree = hierarchy_tree(phase2)
    (regiegroep,) = tree.children[0].children[0].children
    (stuurgroep,) = regiegroep.children
    assert str(regiegroep.label).startswith("Regiegroep Zoomwijck  regiegroep  4/100")
    assert [str(c.label).split("  ")[0] for c in stuurgroep.children] == list(
        phase2.managed_wijkgroepen("Stuurgroep Zoomwijck")
    )


def test_G3_nearly_full_group_is_flagged_in_its_own_style() -> None:
    h = small(limit=10)
    h.load_members("WG", ["Dirk", "Eva", "Fien", "Gijs", "Hans", "Ida"])  # 9 of 10
    label = label_of(hierarchy_tree(h), "WG")
    assert "9/10 ⚠ nearly full" in label.plain
    assert style_of(label, "9/10") == CAPACITY_STYLES[CapacityState.NEARLY_FULL]
    assert style_of(label, "nearly full") == CAPACITY_STYLES[CapacityState.NEARLY_FULL]
    # The flag must not look like any kind's colour.
    flag = CAPACITY_STYLES[CapacityState.NEARLY_FULL]
    assert all(kind.colour not in flag for kind in GroupKind)


def test_G3_full_group_is_flagged_differently_from_nearly_full() -> None:
    h = small(limit=4)
    h.load_members("WG", ["Dirk"])
    label = label_of(hierarchy_tree(h), "WG")
    assert "4/4 ✖ full" in label.plain
    assert style_of(label, "4/4") == CAPACITY_STYLES[CapacityState.FULL]
    assert CAPACITY_STYLES[CapacityState.FULL] != CAPACITY_STYLES[CapacityState.NEARLY_FULL]


def test_a_group_with_room_is_not_flagged(phase1: Hierarchy) -> None:
    text = render(hierarchy_tree(phase1))
    assert "nearly full" not in text
    assert "full" not in text


def test_members_lists_residents_with_buurt_and_admins_from_sibling_groups() -> None:
    h = small()
    tfb = h.telefoonbeheerder("SG")
    everyone = h.admins("SG")
    h.create_wijkgroep(tfb, "SG", "WG2", approvals=everyone)
    h.load_members("WG2", ["Eva"], buurt="West")
    tree = hierarchy_tree(h, members=True)
    wg2 = next(
        c for c in tree.children[0].children[0].children[0].children if "WG2" in str(c.label)
    )
    lines = [str(c.label) for c in wg2.children]
    # G4: the three admins are in WG2 too, so its 4 members are 4 lines.
    assert len(lines) == h.size("WG2") == 4
    assert "  Eva  West" in lines
    assert f"{TELEFOONBEHEERDER_MARK} Cees  admin, lives in WG" in lines
    text = render(tree)
    assert f"{ADMIN_MARK} Anna  Oost" in text


def test_gemeentelijke_regiegroep_holds_the_linked_wijken_and_names_its_delegates() -> None:
    h = small()
    h.create_regiegroep("Zoomwijck", "RG")
    h.found_neighbourhood(
        gemeente="Voorbeeldstad",
        wijk="Poortwijk",
        wijkgroep="WG-P",
        stuurgroep="SG-P",
        founders=[Applicant.registered(n) for n in ("Eva", "Fien", "Gijs")],
    )
    anna = h.admins("SG")
    h.create_gemeentelijke_regiegroep("Voorbeeldstad", "GRG", delegates=sorted(anna)[:1])
    tree = hierarchy_tree(h)
    (gemeente,) = tree.children
    grg, poortwijk = gemeente.children
    assert str(grg.label).startswith("GRG  gemeentelijke regiegroep  1/1024")
    assert "delegates:" in str(grg.label)
    assert f"{ADMIN_MARK} Anna" in str(grg.label)
    # Zoomwijck has a regiegroep, so it sits in the gemeentelijke one; Poortwijk not yet.
    assert [str(c.label) for c in grg.children] == ["wijk Zoomwijck"]
    assert str(poortwijk.label) == "wijk Poortwijk"


def test_table_has_a_row_per_group_with_size_limit_and_state(phase2: Hierarchy) -> None:
    table = hierarchy_table(phase2)
    assert table.row_count == len(list(phase2.groups()))
    text = render(table)
    assert "Wijkgroep Vlinderbuurt" in text
    row = next(line for line in text.splitlines() if "Wijkgroep Vlinderbuurt" in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == [
        "Wijkgroep Vlinderbuurt",
        "wijkgroep",
        "Zoomwijck",
        "24",
        "100",
        "ok",
    ]


def test_table_flags_nearly_full_groups() -> None:
    h = small(limit=10)
    h.load_members("WG", ["Dirk", "Eva", "Fien", "Gijs", "Hans", "Ida"])
    text = render(hierarchy_table(h))
    row = next(line for line in text.splitlines() if "│ WG " in line)
    assert "nearly full" in row


def test_rendering_is_pure(phase1: Hierarchy, capsys: pytest.CaptureFixture[str]) -> None:
    version = phase1.version
    hierarchy_tree(phase1, members=True)
    hierarchy_table(phase1)
    assert capsys.readouterr() == ("", "")
    assert phase1.version == version
