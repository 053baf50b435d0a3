"""What a hierarchy is stored in: its mutable records, and :class:`Storage`, all of them.

These are the hierarchy layer's own: :class:`~routing.hierarchy.structure.HierarchyReader`
reads them, :class:`~routing.model.Hierarchy` changes them and
:mod:`routing.hierarchy.state` saves and rebuilds them. Nothing outside
``routing.hierarchy`` and ``routing.model`` sees them: a group leaves the
hierarchy as a frozen :class:`~routing.domain.values.Group`, a member as a
:class:`~routing.domain.values.Member`.
"""

from __future__ import annotations

from array import array
from typing import Any

import attrs
import networkx as nx

from routing.domain.blocks import Block
from routing.domain.settings import Platform
from routing.domain.values import Actor, GroupKind, RulesAcceptance

__all__ = ["GemeenteRecord", "GroupRecord", "Storage", "WijkRecord"]


class GroupRecord:
    """The mutable state of one group; which fields mean something depends on its kind."""

    __slots__ = (
        "delegates",
        "gemeente",
        "id",
        "kind",
        "members",
        "platform",
        "residents",
        "telefoonbeheerder",
        "wijk",
    )

    def __init__(
        self, gid: str, kind: GroupKind, wijk: str | None, gemeente: str, platform: Platform
    ) -> None:
        self.id = gid
        self.kind = kind
        self.wijk = wijk
        self.gemeente = gemeente
        self.platform = platform
        self.residents: array[int] = array("q")  # wijkgroep: members whose home it is
        self.members: list[int] = []  # stuurgroep: its members
        self.telefoonbeheerder = -1  # stuurgroep
        self.delegates: frozenset[int] | None = None  # gemeentelijke: None means all


class WijkRecord:
    """A wijk: its gemeente, its stuurgroepen in founding order, its regiegroep if any."""

    __slots__ = ("gemeente", "name", "regiegroep", "stuurgroepen")

    def __init__(self, name: str, gemeente: str) -> None:
        self.name = name
        self.gemeente = gemeente
        self.regiegroep: str | None = None
        self.stuurgroepen: list[str] = []


class GemeenteRecord:
    """A gemeente: its wijken in founding order, its gemeentelijke regiegroep if any."""

    __slots__ = ("name", "regiegroep", "wijken")

    def __init__(self, name: str) -> None:
        self.name = name
        self.regiegroep: str | None = None
        self.wijken: list[str] = []


@attrs.define(kw_only=True, eq=False)
class Storage:
    """Everything a hierarchy stores, as one value; ``Storage()`` is an empty hierarchy's.

    The group graph (nodes: group ids with their ``kind``; edges with their
    ``rel``), the records by id or name in creation order, the member columns
    indexed by member id (a member who left keeps their slot, with ``None``
    in it), the phone numbers and accepted spelregels of members who gave
    them, the blocks set at royementen, the actors, and the two version counters. ``home`` and
    ``stuurgroep_of`` are indexes: they follow from the residents and members
    of the groups, and are stored so that a member's groups are one look-up
    away.
    """

    graph: Any = attrs.field(factory=nx.DiGraph)
    groups: dict[str, GroupRecord] = attrs.field(factory=dict)
    wijken: dict[str, WijkRecord] = attrs.field(factory=dict)
    gemeenten: dict[str, GemeenteRecord] = attrs.field(factory=dict)
    names: list[str | None] = attrs.field(factory=list)
    home: list[GroupRecord | None] = attrs.field(factory=list)
    buurten: list[str | None] = attrs.field(factory=list)
    phones: dict[int, str] = attrs.field(factory=dict)
    #: Sparse: the spelregels each member accepted, where it was recorded (H10).
    rules: dict[int, RulesAcceptance] = attrs.field(factory=dict)
    #: Blocked phone numbers by :func:`~routing.domain.blocks.block_key` (T2).
    blocks: dict[str, Block] = attrs.field(factory=dict)
    #: Sparse: stuurgroep members only.
    stuurgroep_of: dict[int, GroupRecord] = attrs.field(factory=dict)
    actors: dict[str, Actor] = attrs.field(factory=dict)
    version: int = 0
    structure_version: int = 0
