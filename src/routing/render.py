"""Draw a hierarchy with rich: :func:`hierarchy_tree` and :func:`hierarchy_table`.

The tree follows the diagrams of seed 002: gemeente, its gemeentelijke
regiegroep, the wijken, each wijk's regiegroep (grey), its stuurgroepen
(yellow) and their wijkgroepen (green), in the colours of
:attr:`~routing.values.GroupKind.colour`. Every group shows its size against
its platform's limit (G3, "63/1024"); a group that is nearly full or full is
flagged in a style of its own, because that is when a stuurgroep must split
(G2) or open a new wijkgroep (T3).

Markers: ``☎`` the telefoonbeheerder (T1-T3), ``★`` another stuurgroep member,
who is an admin of every wijkgroep the stuurgroep manages (G4).

The functions are pure: they return renderables and never print. Print them
with a :class:`rich.console.Console` of your choosing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from .model import Hierarchy
from .settings import CapacityState
from .values import GroupKind, MemberId

__all__ = [
    "ADMIN_MARK",
    "CAPACITY_STYLES",
    "TELEFOONBEHEERDER_MARK",
    "hierarchy_table",
    "hierarchy_tree",
]

TELEFOONBEHEERDER_MARK: Final = "☎"
ADMIN_MARK: Final = "★"

#: How a group's size is drawn in each capacity state; the flags must stand out
#: from the kind colours (green, yellow, grey), so they use orange and red.
CAPACITY_STYLES: Final[Mapping[CapacityState, str]] = {
    CapacityState.OK: "",
    CapacityState.NEARLY_FULL: "bold dark_orange",
    CapacityState.FULL: "bold white on red",
}

_FLAGS: Final[Mapping[CapacityState, str]] = {
    CapacityState.OK: "",
    CapacityState.NEARLY_FULL: "⚠ nearly full",
    CapacityState.FULL: "✖ full",
}

#: A wijkgroep label names its buurten up to this many, then only counts them.
_MAX_BUURTEN = 3


def hierarchy_tree(h: Hierarchy, *, members: bool = False) -> Tree:
    """The hierarchy as a :class:`rich.tree.Tree`.

    With ``members=True`` every wijkgroep also lists its residents, and the
    admins who live in a sibling wijkgroep, marked ``☎``/``★``.
    """
    root = Tree(
        Text.assemble(
            (f"{len(h)} members", "bold"),
            (
                f"   {TELEFOONBEHEERDER_MARK} telefoonbeheerder"
                f"  {ADMIN_MARK} stuurgroeplid (admin)",
                "dim",
            ),
        ),
        guide_style="dim",
    )
    for gemeente in h.gemeenten():
        g_node = root.add(Text.assemble(("gemeente ", "dim"), (gemeente, "bold")))
        gem_rg = h.gemeentelijke_regiegroep_of(gemeente)
        # Wijken with a regiegroep hang under the gemeentelijke regiegroep they
        # sit in; the others are not linked to it (yet) and stay beside it.
        linked = g_node.add(_group_label(h, gem_rg)) if gem_rg is not None else g_node
        for wijk in h.wijken_of(gemeente):
            rg = h.regiegroep_of(wijk)
            parent = linked if rg is not None else g_node
            w_node = parent.add(Text.assemble(("wijk ", "dim"), (wijk, "bold")))
            sg_parent = w_node.add(_group_label(h, rg)) if rg is not None else w_node
            for sg in h.stuurgroepen_of(wijk):
                s_node = sg_parent.add(_group_label(h, sg))
                for wg in h.managed_wijkgroepen(sg):
                    wg_node = s_node.add(_group_label(h, wg))
                    if members:
                        _add_residents(h, wg_node, wg)
    return root


def hierarchy_table(h: Hierarchy) -> Table:
    """One row per group: kind, wijk, size, limit and capacity state (G3)."""
    table = Table(title="Groups", title_justify="left")
    table.add_column("group")
    table.add_column("kind")
    table.add_column("wijk")
    table.add_column("size", justify="right")
    table.add_column("limit", justify="right")
    table.add_column("state")
    for gid in h.groups():
        kind = h.kind(gid)
        cap = h.capacity(gid)
        style = CAPACITY_STYLES[cap.state]
        table.add_row(
            Text(gid, style=kind.colour),
            Text(kind.value, style=kind.colour),
            h.wijk_of(gid) or "-",
            Text(str(cap.size), style=style),
            str(cap.limit),
            Text(cap.state.value, style=style),
        )
    return table


def _group_label(h: Hierarchy, gid: str) -> Text:
    kind = h.kind(gid)
    cap = h.capacity(gid)
    label = Text.assemble(
        (gid, f"bold {kind.colour}"),
        (f"  {kind.value}  ", kind.colour),
        (f"{cap.size}/{cap.limit}", CAPACITY_STYLES[cap.state] or kind.colour),
    )
    if cap.state is not CapacityState.OK:
        label.append(f" {_FLAGS[cap.state]}", style=CAPACITY_STYLES[cap.state])
    # People go on a line of their own, so the label stays readable in the
    # 80 columns of a plain terminal.
    if kind is GroupKind.STUURGROEP:
        tfb = h.telefoonbeheerder(gid)
        label.append("\n")
        label.append_text(_names(h, sorted(h.admins(gid), key=lambda m: (m != tfb, m)), tfb))
    elif kind is GroupKind.GEMEENTELIJKE_REGIEGROEP:
        label.append("\ndelegates: ", style="dim")
        label.append_text(_names(h, sorted(h.admins(gid)), None))
    elif kind is GroupKind.WIJKGROEP:
        buurten = _buurten(h, gid)
        if buurten:
            label.append(f"  {buurten}", style="dim")
    return label


def _names(h: Hierarchy, mids: Iterable[MemberId], tfb: MemberId | None) -> Text:
    return Text("  ").join(Text(f"{_mark(h, m, tfb)} {h.name(m)}") for m in mids)


def _mark(h: Hierarchy, mid: MemberId, tfb: MemberId | None = None) -> str:
    if tfb is None:
        sg = h.stuurgroep_membership(mid)
        tfb = h.telefoonbeheerder(sg) if sg is not None else None
    if mid == tfb:
        return TELEFOONBEHEERDER_MARK
    return ADMIN_MARK if h.stuurgroep_membership(mid) is not None else " "


def _buurten(h: Hierarchy, wg: str) -> str:
    counts = Counter(b for m in h.residents(wg) if (b := h.member(m).buurt) is not None)
    if not counts:
        return ""
    if len(counts) == 1:
        buurt = next(iter(counts))
        # "Wijkgroep Vlinderbuurt  buurt Vlinderbuurt" says nothing twice.
        return "" if buurt in wg else f"buurt {buurt}"
    if len(counts) <= _MAX_BUURTEN:
        return "buurten " + ", ".join(f"{b} {n}" for b, n in counts.items())
    return f"{len(counts)} buurten"


def _add_residents(h: Hierarchy, node: Tree, wg: str) -> None:
    residents = h.residents(wg)
    for mid in residents:
        buurt = h.member(mid).buurt
        style = "bold" if h.stuurgroep_membership(mid) is not None else ""
        node.add(
            Text.assemble(
                (f"{_mark(h, mid)} {h.name(mid)}", style),
                (f"  {buurt}" if buurt else "", "dim"),
            )
        )
    # Admins who live in a sibling wijkgroep are in this chat group too (G4);
    # listing them makes the lines add up to the group's size.
    here = set(residents)
    for mid in sorted(h.admins(wg) - here):
        node.add(
            Text.assemble(
                (f"{_mark(h, mid)} {h.name(mid)}", "bold"),
                (f"  admin, lives in {h.wijkgroep_of(mid)}", "dim"),
            )
        )
