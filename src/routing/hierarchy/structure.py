"""The read side of the hierarchy: every query over its storage.

:class:`HierarchyReader` holds the group graph and the member columns that
:mod:`routing.model` describes (their records are in :mod:`routing.hierarchy.records`), and
answers questions about them; the
:class:`~routing.model.Hierarchy` subclass adds the operations that change
them. The split follows the one seam the model has: everything here is safe to
call at any time and changes nothing, so the relay and the renderers can be
read against this half alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx

from routing.domain.blocks import Block, block_key
from routing.domain.settings import Capacity, Settings
from routing.domain.values import (
    Actor,
    ActorKind,
    Group,
    GroupKind,
    Member,
    MemberId,
    Relation,
    Role,
    RulesAcceptance,
)
from routing.errors import InvalidValueError, UnknownGroupError, UnknownIdError, UnknownMemberError

from .records import GroupRecord, Storage, WijkRecord

__all__ = ["HierarchyReader"]


class HierarchyReader:
    """The storage of a hierarchy and the queries over it; changes nothing.

    Use :class:`~routing.model.Hierarchy`, which adds the operations.
    """

    def __init__(self, settings: Settings | None = None, *, storage: Storage | None = None) -> None:
        """An empty hierarchy; or, with ``storage``, the one stored there.

        ``storage`` is for :mod:`routing.hierarchy.state`, which rebuilds a
        saved hierarchy and checks it; the hierarchy takes it over, not a copy.
        """
        self.settings = settings if settings is not None else Settings()
        s = storage if storage is not None else Storage()
        self._g: Any = s.graph
        self._recs = s.groups
        self._wijken = s.wijken
        self._gemeenten = s.gemeenten
        self._names = s.names
        self._home = s.home
        self._buurt = s.buurten
        self._phones = s.phones
        self._rules = s.rules
        self._blocks = s.blocks
        self._stuurgroep_of = s.stuurgroep_of
        self._actors = s.actors
        self._live = sum(1 for home in self._home if home is not None)
        self._version = s.version
        self._structure_version = s.structure_version

    def storage(self) -> Storage:
        """What this hierarchy is stored in, for :mod:`routing.hierarchy.state` to save.

        The hierarchy's own containers, not copies: read them, never change
        them (the operations of :class:`~routing.model.Hierarchy` do that,
        keeping the invariants). Nothing outside the hierarchy layer needs it.
        """
        return Storage(
            graph=self._g,
            groups=self._recs,
            wijken=self._wijken,
            gemeenten=self._gemeenten,
            names=self._names,
            home=self._home,
            buurten=self._buurt,
            phones=self._phones,
            rules=self._rules,
            blocks=self._blocks,
            stuurgroep_of=self._stuurgroep_of,
            actors=self._actors,
            version=self._version,
            structure_version=self._structure_version,
        )

    # ------------------------------------------------------------------ reading

    @property
    def graph(self) -> Any:
        """A frozen copy of the group graph (nodes: group ids; node attribute
        ``kind``, edge attribute ``rel``). Use networkx algorithms on it freely.

        A copy, not a view: a view would share the attribute dicts, and a
        caller could rewrite a group's kind or an edge's relation under the
        model. Copying a national instance (24,000 groups) takes about 0.3 s;
        keep the result while the :attr:`structure_version` stays the same.
        """
        return nx.freeze(self._g.copy())

    @property
    def version(self) -> int:
        """A counter that every accepted change raises, residents included; a
        cache of anything the hierarchy holds compares it to know it is stale.
        Routing tables use :attr:`structure_version`."""
        return self._version

    @property
    def structure_version(self) -> int:
        """Like :attr:`version`, but raised only when groups, their edges, a
        stuurgroep's members or delegates change; admitting or removing a
        resident leaves it alone. Routing tables depend on nothing else."""
        return self._structure_version

    @property
    def issued(self) -> int:
        """How many member ids were ever handed out: every id below it is a
        member or a member who left, never anything else (ids are not reused)."""
        return len(self._names)

    def __len__(self) -> int:
        """The number of current members."""
        return self._live

    def __contains__(self, member: object) -> bool:
        return (
            type(member) is int and 0 <= member < len(self._home) and self._home[member] is not None
        )

    def gemeenten(self) -> tuple[str, ...]:
        return tuple(self._gemeenten)

    def wijken_of(self, gemeente: str) -> tuple[str, ...]:
        """The wijken of a gemeente, in the order they were founded."""
        try:
            return tuple(self._gemeenten[gemeente].wijken)
        except KeyError:
            raise UnknownGroupError(gemeente) from None

    def wijken(self) -> tuple[str, ...]:
        return tuple(self._wijken)

    def groups(self, kind: GroupKind | None = None) -> Iterator[str]:
        """Ids of all groups (of one kind), in creation order."""
        for gid, rec in self._recs.items():
            if kind is None or rec.kind is kind:
                yield gid

    def group(self, gid: str) -> Group:
        rec = self._rec(gid)
        return Group(
            id=rec.id, kind=rec.kind, wijk=rec.wijk, gemeente=rec.gemeente, platform=rec.platform
        )

    def kind(self, gid: str) -> GroupKind:
        return self._rec(gid).kind

    def wijk_of(self, gid: str) -> str | None:
        """The wijk of a group (``None`` for a gemeentelijke regiegroep)."""
        return self._rec(gid).wijk

    def gemeente_of(self, gid: str) -> str:
        return self._rec(gid).gemeente

    def member(self, mid: int) -> Member:
        home = self._home_of(mid)
        sg = self._stuurgroep_of.get(mid)
        return Member(
            id=MemberId(mid),
            name=self._names[mid] or "",
            wijkgroep=home.id,
            buurt=self._buurt[mid],
            stuurgroep=sg.id if sg else None,
            roles=self.roles(mid),
        )

    def name(self, mid: int) -> str:
        self._home_of(mid)
        return self._names[mid] or ""

    def phone(self, mid: int) -> str | None:
        self._home_of(mid)
        return self._phones.get(mid)

    def rules_of(self, mid: int) -> RulesAcceptance | None:
        """Which spelregels a member accepted and when (H10); ``None`` if that was
        not recorded here (a member register keeps it, or the member was erased)."""
        self._home_of(mid)
        return self._rules.get(mid)

    def blocks(self) -> tuple[Block, ...]:
        """The blocks set at royementen (T2), oldest first."""
        return tuple(self._blocks.values())

    def is_blocked(self, phone: str) -> bool:
        """Whether ``phone`` was blocked at a royement, however it is written (T2)."""
        return block_key(phone) in self._blocks

    def roles(self, mid: int) -> frozenset[Role]:
        self._home_of(mid)
        sg = self._stuurgroep_of.get(mid)
        if sg is None:
            return frozenset({Role.BEWONER})
        if sg.telefoonbeheerder == mid:
            return frozenset({Role.BEWONER, Role.STUURGROEPLID, Role.TELEFOONBEHEERDER})
        return frozenset({Role.BEWONER, Role.STUURGROEPLID})

    def is_in(self, mid: int, gid: str) -> bool:
        """Whether a member is in a chat group, admins included; constant time."""
        home = self._home_of(mid)
        rec = self._rec(gid)
        sg = self._stuurgroep_of.get(mid)
        kind = rec.kind
        if kind is GroupKind.WIJKGROEP:
            return home is rec or (sg is not None and self._g.has_edge(sg.id, gid))
        if kind is GroupKind.STUURGROEP:
            return sg is rec
        if kind is GroupKind.REGIEGROEP:
            return sg is not None and sg.wijk == rec.wijk
        if sg is None or sg.gemeente != rec.gemeente:
            return False
        if self._wijken[sg.wijk or ""].regiegroep is None:
            return False
        return rec.delegates is None or mid in rec.delegates

    def wijkgroep_of(self, mid: int) -> str:
        """The one wijkgroep a member lives in (their home group)."""
        return self._home_of(mid).id

    def lives_in(self, member: object, wijkgroep: str) -> bool:
        """Whether ``member`` is a current member whose home is ``wijkgroep``.

        What ``member in h and h.wijkgroep_of(member) == wijkgroep`` says, in
        one look-up: membership checks ask it for every group an afloop or a
        confirmation touches.
        """
        home = self._home
        if type(member) is not int or not 0 <= member < len(home):
            return False
        rec = home[member]
        return rec is not None and rec.id == wijkgroep

    def stuurgroep_membership(self, mid: int) -> str | None:
        """The stuurgroep a member sits in, if any."""
        self._home_of(mid)
        sg = self._stuurgroep_of.get(mid)
        return sg.id if sg else None

    def stuurgroep_of(self, wijkgroep: str) -> str:
        """The stuurgroep that manages a wijkgroep."""
        self._rec(wijkgroep, GroupKind.WIJKGROEP)
        return next(iter(self._g.pred[wijkgroep]))  # type: ignore[no-any-return]

    def managed_wijkgroepen(self, stuurgroep: str) -> tuple[str, ...]:
        """The wijkgroepen a stuurgroep manages, in creation order."""
        self._rec(stuurgroep, GroupKind.STUURGROEP)
        return tuple(n for n, d in self._g.succ[stuurgroep].items() if d["rel"] is Relation.MANAGES)

    def sibling_wijkgroepen(self, wijkgroep: str) -> tuple[str, ...]:
        """The other wijkgroepen of the same stuurgroep (the targets of S2)."""
        sg = self.stuurgroep_of(wijkgroep)
        return tuple(w for w in self.managed_wijkgroepen(sg) if w != wijkgroep)

    def stuurgroepen_of(self, wijk: str) -> tuple[str, ...]:
        return tuple(self._wijk(wijk).stuurgroepen)

    def regiegroep_of(self, wijk: str) -> str | None:
        """The regiegroep of a wijk, or ``None`` while it has none (G1)."""
        return self._wijk(wijk).regiegroep

    def gemeentelijke_regiegroep_of(self, gemeente: str) -> str | None:
        try:
            return self._gemeenten[gemeente].regiegroep
        except KeyError:
            raise UnknownGroupError(gemeente) from None

    def telefoonbeheerder(self, stuurgroep: str) -> MemberId:
        """The one telefoonbeheerder of a stuurgroep (T1-T3)."""
        return MemberId(self._rec(stuurgroep, GroupKind.STUURGROEP).telefoonbeheerder)

    def residents(self, wijkgroep: str) -> tuple[MemberId, ...]:
        """Members whose home is this wijkgroep (not the visiting admins)."""
        return tuple(map(MemberId, self._rec(wijkgroep, GroupKind.WIJKGROEP).residents))

    def default_reporter(self, wijkgroep: str) -> MemberId:
        """The resident who reports in ``wijkgroep`` when nobody is named (R3): one who
        sits in no stuurgroep if there is one. Explanations and simulations ask it."""
        residents = self.residents(wijkgroep)
        if not residents:
            raise InvalidValueError(wijkgroep, "the wijkgroep has no residents to report")
        plain = [m for m in residents if self.stuurgroep_membership(m) is None]
        return (plain or list(residents))[0]

    def members(self, gid: str) -> frozenset[MemberId]:
        """Everyone in the chat group, admins included."""
        rec = self._rec(gid)
        if rec.kind is GroupKind.WIJKGROEP:
            return frozenset(map(MemberId, (*rec.residents, *self._manager(rec).members)))
        return self.admins(gid)

    def admins(self, gid: str) -> frozenset[MemberId]:
        """The admins of a group.

        A wijkgroep's admins are the members of its stuurgroep (S1-S6, G4);
        every member of a stuurgroep or regiegroep is an admin of it; the
        gemeentelijke regiegroep's admins are its delegates.
        """
        rec = self._rec(gid)
        if rec.kind is GroupKind.WIJKGROEP:
            return frozenset(map(MemberId, self._manager(rec).members))
        if rec.kind is GroupKind.STUURGROEP:
            return frozenset(map(MemberId, rec.members))
        if rec.kind is GroupKind.REGIEGROEP:
            return frozenset(self._regie_members(rec.wijk or ""))
        return frozenset(map(MemberId, self._delegates(rec)))

    def size(self, gid: str) -> int:
        """How many members the chat group has, admins included."""
        rec = self._rec(gid)
        if rec.kind is GroupKind.WIJKGROEP:
            return len(rec.residents) + self._visiting_admins(rec)
        return len(self.admins(gid))

    def capacity(self, gid: str) -> Capacity:
        """The group's size against its platform's limit (G3)."""
        rec = self._rec(gid)
        return Capacity.of(
            self.size(gid), rec.platform.member_limit, self.settings.nearly_full_ratio
        )

    def actor(self, actor_id: str) -> Actor:
        try:
            return self._actors[actor_id]
        except (KeyError, TypeError):
            raise UnknownIdError(actor_id) from None

    def actors(self, kind: ActorKind | None = None) -> tuple[Actor, ...]:
        return tuple(a for a in self._actors.values() if kind is None or a.kind is kind)

    def wijkagenten_of(self, wijk: str) -> tuple[Actor, ...]:
        """The wijkagenten who keep contact with the stuurgroepen of a wijk (S4)."""
        self._wijk(wijk)
        return tuple(
            a for a in self._actors.values() if a.kind is ActorKind.WIJKAGENT and wijk in a.wijken
        )

    # ----------------------------------------------------------------- checking

    def verify(self) -> list[str]:
        """Re-check every invariant from scratch; the list of what is broken.

        The operations keep these true; this is for tests and for data that
        was edited outside the API. An empty list means all is well.
        """
        problems: list[str] = []
        low, high = self.settings.stuurgroep_size
        counted = sum(1 for home in self._home if home is not None)
        if counted != self._live:
            problems.append(f"member count {self._live} != {counted} live members")
        placed = 0
        for rec in self._recs.values():
            for mid in rec.residents:
                placed += 1
                if rec.kind is not GroupKind.WIJKGROEP or self._home[mid] is not rec:
                    problems.append(f"member {mid} is listed in {rec.id!r} but lives elsewhere")
        if placed != counted:
            problems.append("some member is resident in no wijkgroep or in several")
        for gid, rec in self._recs.items():
            cap = self.capacity(gid)
            if cap.size > cap.limit:
                problems.append(f"{gid!r} has {cap.size} members, limit {cap.limit} (G3)")
            if rec.kind is GroupKind.WIJKGROEP:
                preds = list(self._g.pred[gid])
                if len(preds) != 1 or self._recs[preds[0]].kind is not GroupKind.STUURGROEP:
                    problems.append(f"wijkgroep {gid!r} is not managed by one stuurgroep")
            elif rec.kind is GroupKind.STUURGROEP:
                managed = set(self.managed_wijkgroepen(gid))
                if not managed:
                    problems.append(f"stuurgroep {gid!r} manages no wijkgroep")
                if not low <= len(rec.members) <= high:
                    problems.append(f"stuurgroep {gid!r} has {len(rec.members)} members (G4)")
                if rec.telefoonbeheerder not in rec.members:
                    problems.append(f"stuurgroep {gid!r} has no telefoonbeheerder (T1)")
                for mid in rec.members:
                    home = self._home[mid] if 0 <= mid < len(self._home) else None
                    if home is None or home.id not in managed:
                        problems.append(f"{gid!r} member {mid} lives outside its wijkgroepen")
                    if self._stuurgroep_of.get(mid) is not rec:
                        problems.append(f"{gid!r} member {mid} not indexed")
                rg = self._wijken[rec.wijk or ""].regiegroep
                if rg is not None and not self._g.has_edge(gid, rg):
                    problems.append(f"stuurgroep {gid!r} does not sit in regiegroep {rg!r} (S5)")
            elif rec.kind is GroupKind.GEMEENTELIJKE_REGIEGROEP and not self._delegates(rec):
                problems.append(f"{gid!r} has no delegates")
        problems.extend(
            f"accepted spelregels kept for member {mid}, who left"
            for mid in self._rules
            if mid not in self
        )
        problems.extend(
            f"block by {b.stuurgroep!r}, which is no stuurgroep"
            for b in self._blocks.values()
            if b.stuurgroep not in self._recs
            or self._recs[b.stuurgroep].kind is not GroupKind.STUURGROEP
        )
        if len(self._stuurgroep_of) != sum(
            len(r.members) for r in self._recs.values() if r.kind is GroupKind.STUURGROEP
        ):
            problems.append("a member sits in more than one stuurgroep")
        return problems

    # ---------------------------------------------------------------- internals

    def _rec(self, gid: str, kind: GroupKind | None = None) -> GroupRecord:
        try:
            rec = self._recs[gid]
        except (KeyError, TypeError):
            raise UnknownGroupError(gid) from None
        if kind is not None and rec.kind is not kind:
            raise UnknownGroupError(gid) from None
        return rec

    def _wijk(self, wijk: str) -> WijkRecord:
        try:
            return self._wijken[wijk]
        except (KeyError, TypeError):
            raise UnknownGroupError(wijk) from None

    def _home_of(self, mid: int) -> GroupRecord:
        # Ids come from apps and files: anything that is not a live id is unknown.
        home = self._home[mid] if type(mid) is int and 0 <= mid < len(self._home) else None
        if home is None:
            raise UnknownMemberError(mid)
        return home

    def _manager(self, wg: GroupRecord) -> GroupRecord:
        """The stuurgroep that manages a wijkgroep (its one predecessor)."""
        return self._recs[next(iter(self._g.pred[wg.id]))]

    def _visiting_admins(self, wg: GroupRecord) -> int:
        return sum(1 for m in self._manager(wg).members if self._home[m] is not wg)

    def _regie_members(self, wijk: str) -> list[MemberId]:
        return [
            MemberId(m) for sg in self._wijken[wijk].stuurgroepen for m in self._recs[sg].members
        ]

    def _delegates(self, rec: GroupRecord) -> frozenset[int]:
        if rec.delegates is not None:
            return rec.delegates
        return self._gemeente_regie_members(rec.gemeente)

    def _gemeente_regie_members(self, gemeente: str) -> frozenset[int]:
        """Everyone in a regiegroep of the gemeente: the default delegates of its
        gemeentelijke regiegroep, and the only members who may be chosen."""
        return frozenset(
            m
            for w in self._gemeenten[gemeente].wijken
            if self._wijken[w].regiegroep is not None
            for m in self._regie_members(w)
        )
