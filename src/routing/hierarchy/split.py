"""A hierarchy cut into one per gemeente: :func:`split_by_gemeente`.

Routing never crosses a gemeente: the gemeentelijke regiegroep is the top of
every path (G4), and no group, member or edge belongs to two gemeenten. So a
hierarchy is the sum of its gemeenten, and each can be handled apart, for
instance simulated in a process of its own (:mod:`routing.sim.split`).

A part is the plain data of :mod:`routing.hierarchy.state` (what
:meth:`Hierarchy.export_state <routing.model.Hierarchy.export_state>` writes),
so it pickles small and any process rebuilds it with
:meth:`Hierarchy.from_state <routing.model.Hierarchy.from_state>`, which
checks it like any other saved state. A part numbers its members from 0, in
the order of their ids in the whole (so every order by member id is the
same in the part as in the whole); :attr:`GemeenteState.members` maps each
part's id back. Members who left the whole (a ``None`` name) belong to no
gemeente and are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .state import export_hierarchy
from .structure import HierarchyReader

__all__ = ["GemeenteState", "split_by_gemeente", "split_state"]


@attrs.frozen(kw_only=True)
class GemeenteState:
    """One gemeente of a hierarchy as plain data; see the module docstring."""

    #: The gemeente's name, its id in the whole.
    gemeente: str
    #: The part, as the plain state that
    #: :meth:`Hierarchy.from_state <routing.model.Hierarchy.from_state>` reads.
    state: dict[str, Any] = attrs.field(eq=False, repr=False)
    #: For each member id of the part (the index), the member's id in the whole.
    members: tuple[int, ...] = attrs.field(repr=False)

    @property
    def size(self) -> int:
        """The number of members of the gemeente."""
        return len(self.members)


def split_by_gemeente(h: HierarchyReader) -> tuple[GemeenteState, ...]:
    """Every gemeente of ``h`` as a hierarchy of its own, in the order of ``h.gemeenten()``."""
    return split_state(export_hierarchy(h))


def split_state(state: Mapping[str, Any]) -> tuple[GemeenteState, ...]:
    """:func:`split_by_gemeente` on an exported state (trusted: made by ``export_hierarchy``).

    One pass over the groups, edges and members, whatever the number of gemeenten.
    """
    names: list[str | None] = state["names"]
    buurten: list[str | None] = state["buurten"]
    gemeenten = [g["name"] for g in state["gemeenten"]]
    wijken: dict[str, list[dict[str, Any]]] = {g: [] for g in gemeenten}
    for w in state["wijken"]:
        wijken[w["gemeente"]].append(w)
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in gemeenten}
    group_gemeente: dict[str, str] = {}
    for entry in state["groups"]:
        groups[entry["gemeente"]].append(entry)
        group_gemeente[entry["id"]] = entry["gemeente"]
    edges: dict[str, list[list[str]]] = {g: [] for g in gemeenten}
    for u, v, rel in state["edges"]:
        edges[group_gemeente[u]].append([u, v, rel])
    blocks: dict[str, list[dict[str, str]]] = {g: [] for g in gemeenten}
    for b in state["blocks"]:
        blocks[group_gemeente[b["stuurgroep"]]].append(b)
    split_into: dict[str, dict[str, list[str]]] = {g: {} for g in gemeenten}
    for old, into in state["split_into"].items():
        split_into[group_gemeente[into[0]]][old] = list(into)
    wijk_gemeente = {w["name"]: w["gemeente"] for w in state["wijken"]}
    member_gemeente = {
        m: g["gemeente"]
        for g in state["groups"]
        if g["kind"] == "wijkgroep"
        for m in g["residents"]
    }
    phones = _by_gemeente(state["phones"], member_gemeente, gemeenten)
    rules = _by_gemeente(state["rules"], member_gemeente, gemeenten)

    parts: list[GemeenteState] = []
    for entry in state["gemeenten"]:
        name = entry["name"]
        own = groups[name]
        ids = sorted(m for g in own if g["kind"] == "wijkgroep" for m in g["residents"])
        local = {m: i for i, m in enumerate(ids)}
        part_groups = [_renumber(g, local) for g in own]
        part: dict[str, Any] = {
            "kind": state["kind"],
            "schema": state["schema"],
            "settings": state["settings"],
            "gemeenten": [entry],
            "wijken": wijken[name],
            "groups": part_groups,
            "edges": edges[name],
            "names": [names[m] for m in ids],
            "buurten": [buurten[m] for m in ids],
            "phones": {str(local[m]): v for m, v in phones[name]},
            "rules": {str(local[m]): v for m, v in rules[name]},
            "blocks": blocks[name],
            "split_into": split_into[name],
            "actors": [
                {**a, "wijken": mine}
                for a in state["actors"]
                if (mine := sorted(w for w in a["wijken"] if wijk_gemeente[w] == name))
            ],
            "version": state["version"],
            "structure_version": state["structure_version"],
        }
        parts.append(GemeenteState(gemeente=name, state=part, members=tuple(ids)))
    return tuple(parts)


def _renumber(entry: dict[str, Any], local: dict[int, int]) -> dict[str, Any]:
    out = dict(entry)
    if "residents" in out:
        out["residents"] = [local[m] for m in out["residents"]]
    if "members" in out:
        out["members"] = [local[m] for m in out["members"]]
        tb = out["telefoonbeheerder"]
        out["telefoonbeheerder"] = local.get(tb, tb)
    if out.get("delegates") is not None:
        out["delegates"] = sorted(local[m] for m in out["delegates"])
    return out


def _by_gemeente(
    column: Mapping[str, Any], member_gemeente: dict[int, str], gemeenten: list[str]
) -> dict[str, list[tuple[int, Any]]]:
    """A sparse column keyed by member id (as text), dealt out to the members' gemeenten."""
    out: dict[str, list[tuple[int, Any]]] = {g: [] for g in gemeenten}
    for key, value in column.items():
        m = int(key)
        if m in member_gemeente:
            out[member_gemeente[m]].append((m, value))
    return out
