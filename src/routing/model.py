"""The Zoomwijck group system as a graph: :class:`Hierarchy`.

Theory of operation
-------------------

Groups are the nodes of a private :class:`networkx.DiGraph`; typed edges say how
they hang together (G1-G5)::

    stuurgroep --MANAGES--> wijkgroep          (one stuurgroep per wijkgroep)
    stuurgroep --SITS_IN--> regiegroep         (all its members sit in the wijk's regiegroep)
    regiegroep --SITS_IN--> gemeentelijke regiegroep

Members are *not* graph nodes. A national instance has 1.4 million of them and a
networkx node costs several hundred bytes, so members live in columns indexed by
an integer :data:`MemberId`: a list of display names and an ``array`` of home
wijkgroepen. About 80 bytes a member, and bulk loading is a list extend.

Which chat groups a person is in follows from the structure rather than being
stored: a resident is in exactly one wijkgroep (their *home*); a stuurgroep
member is also an admin of every wijkgroep their stuurgroep manages (S1-S6,
G4), and sits in the wijk's regiegroep (S5). Deriving these memberships makes
the invariants that tie them together hold by construction.

The operations on groups are here; those on members (admit, remove, leave,
move, erase) are in :mod:`routing.hierarchy.membership`, and the checks and
questions before a change (a split's plan, the growth signals) in
:mod:`routing.hierarchy.planning`: :class:`Hierarchy` extends both.

Every mutation validates its whole request first and only then changes
anything, so a refused request (a :class:`~routing.errors.Refused` or an
:class:`~routing.errors.UnknownIdError`) leaves the hierarchy exactly as it was.
:meth:`Hierarchy.verify` re-checks every invariant from scratch; the tests call
it after every step.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .domain.settings import Platform, Settings
from .domain.values import Actor, Applicant, Group, GroupKind, Member, MemberId, Relation, Role
from .errors import (
    InvariantRefused,
    UnknownGroupError,
)
from .hierarchy.checks import check_admission, check_fits, check_stuurgroep_size, require_majority
from .hierarchy.membership import Membership
from .hierarchy.records import GemeenteRecord, GroupRecord, WijkRecord
from .hierarchy.state import export_hierarchy, hierarchy_from_state

__all__ = [
    "Applicant",
    "Group",
    "GroupKind",
    "Hierarchy",
    "Member",
    "MemberId",
    "Relation",
    "Role",
]


class Hierarchy(Membership):
    """Gemeenten, wijken, groups and members, with the rules of their structure.

    Build one with :meth:`found_neighbourhood` (G1), grow it with :meth:`admit`
    (T1), :meth:`create_wijkgroep` (T3) and :meth:`split_wijkgroep` (G2) (ask
    first with :meth:`may_split`), and read it with the query methods. The
    operations on members (admission, royement, leaving, erasure) are those
    of :class:`~routing.hierarchy.membership.Membership`, which it extends. Load one from TOML with
    :func:`routing.hierarchy.config.load_hierarchy`.
    """

    # ------------------------------------------------------------ founding (G1)

    def found_neighbourhood(
        self,
        *,
        gemeente: str,
        wijk: str,
        wijkgroep: str,
        stuurgroep: str,
        founders: Sequence[Applicant],
        telefoonbeheerder: int = 0,
        platform: Platform | None = None,
        wijkgroep_platform: Platform | None = None,
    ) -> tuple[MemberId, ...]:
        """Start a neighbourhood (G1): one wijkgroep, one stuurgroep of founders.

        The founders (3-4 by default, as in the Zoomwijck) become residents of the new
        wijkgroep and members of the new stuurgroep; ``founders[telefoonbeheerder]``
        becomes its telefoonbeheerder. ``platform`` is that of both groups,
        unless ``wijkgroep_platform`` names another for the wijkgroep. The
        gemeente and wijk are created if new; a wijk may hold several
        stuurgroepen. If the wijk already has a
        regiegroep, the founders join it (S5). Returns the founders' ids.
        """
        check_stuurgroep_size(self.settings, len(founders))
        if not 0 <= telefoonbeheerder < len(founders):
            raise InvariantRefused("the telefoonbeheerder must be one of the founders", rule="T1")
        self._require_new(wijkgroep, stuurgroep)
        if wijk in self._wijken and self._wijken[wijk].gemeente != gemeente:
            raise InvariantRefused(
                f"wijk {wijk!r} belongs to gemeente {self._wijken[wijk].gemeente!r}"
            )
        for applicant in founders:
            check_admission(self.settings, applicant)
            self._check_not_blocked(applicant)
        plat = platform or self.settings.platform
        wg_plat = wijkgroep_platform or plat
        check_fits(wijkgroep, len(founders), wg_plat)
        check_fits(stuurgroep, len(founders), plat)
        if wijk in self._wijken:
            self._check_regie_growth(wijk, len(founders))

        gem = self._gemeenten.get(gemeente)
        if gem is None:
            gem = self._gemeenten[gemeente] = GemeenteRecord(gemeente)
        area = self._wijken.get(wijk)
        if area is None:
            area = self._wijken[wijk] = WijkRecord(wijk, gemeente)
            gem.wijken.append(wijk)
        sg = self._add_group(stuurgroep, GroupKind.STUURGROEP, wijk, gemeente, plat)
        wg = self._add_group(wijkgroep, GroupKind.WIJKGROEP, wijk, gemeente, wg_plat)
        self._g.add_edge(stuurgroep, wijkgroep, rel=Relation.MANAGES)
        area.stuurgroepen.append(stuurgroep)
        if area.regiegroep is not None:
            self._g.add_edge(stuurgroep, area.regiegroep, rel=Relation.SITS_IN)
        ids = tuple(self._add_member(wg, a) for a in founders)
        sg.members = list(ids)
        sg.telefoonbeheerder = ids[telefoonbeheerder]
        for mid in ids:
            self._stuurgroep_of[mid] = sg
        return ids

    def create_regiegroep(
        self, wijk: str, regiegroep: str, platform: Platform | None = None
    ) -> None:
        """Give a wijk its regiegroep (S5): every stuurgroep member of the wijk sits in it.

        Not needed while a wijk has one stuurgroep (G1); needed to link wijken.
        If the gemeente has a gemeentelijke regiegroep, the new regiegroep sits under it.
        """
        area = self._wijk(wijk)
        if area.regiegroep is not None:
            raise InvariantRefused(f"wijk {wijk!r} already has regiegroep {area.regiegroep!r}")
        self._require_new(regiegroep)
        plat = platform or self.settings.platform
        joining = len(self._regie_members(wijk))
        check_fits(regiegroep, joining, plat)
        self._check_gemeente_growth(area.gemeente, joining)
        self._add_group(regiegroep, GroupKind.REGIEGROEP, wijk, area.gemeente, plat)
        area.regiegroep = regiegroep
        for sg in area.stuurgroepen:
            self._g.add_edge(sg, regiegroep, rel=Relation.SITS_IN)
        gem_rg = self._gemeenten[area.gemeente].regiegroep
        if gem_rg is not None:
            self._g.add_edge(regiegroep, gem_rg, rel=Relation.SITS_IN)

    def create_gemeentelijke_regiegroep(
        self,
        gemeente: str,
        group: str,
        *,
        delegates: Iterable[int] | None = None,
        platform: Platform | None = None,
    ) -> None:
        """Link the regiegroepen of a gemeente (criminals cross wijk borders).

        ``delegates`` are the members who sit in it, each a member of one of the
        gemeente's regiegroepen; ``None`` means all of them.
        """
        try:
            gem = self._gemeenten[gemeente]
        except KeyError:
            raise UnknownGroupError(gemeente) from None
        if gem.regiegroep is not None:
            raise InvariantRefused(
                f"gemeente {gemeente!r} already has gemeentelijke regiegroep {gem.regiegroep!r}"
            )
        self._require_new(group)
        regiegroepen = [
            w.regiegroep
            for w in map(self._wijken.__getitem__, gem.wijken)
            if w.regiegroep is not None
        ]
        if not regiegroepen:
            raise InvariantRefused(f"gemeente {gemeente!r} has no regiegroep to link")
        eligible = self._gemeente_regie_members(gemeente)
        chosen = None if delegates is None else frozenset(delegates)
        if chosen is not None:
            for mid in chosen:
                self._home_of(mid)
            if not chosen or not chosen <= eligible:
                raise InvariantRefused(
                    "delegates must be a non-empty set of members of the gemeente's regiegroepen"
                )
        plat = platform or self.settings.platform
        check_fits(group, len(eligible if chosen is None else chosen), plat)
        rec = self._add_group(group, GroupKind.GEMEENTELIJKE_REGIEGROEP, None, gemeente, plat)
        rec.delegates = chosen
        gem.regiegroep = group
        for rg in regiegroepen:
            self._g.add_edge(rg, group, rel=Relation.SITS_IN)

    # ------------------------------------------------- stuurgroep (T3, S6, G2)

    def create_wijkgroep(
        self,
        by: int,
        stuurgroep: str,
        wijkgroep: str,
        *,
        approvals: Iterable[int],
        platform: Platform | None = None,
    ) -> None:
        """Create an empty wijkgroep within a stuurgroep (T3), after the stuurgroep
        agreed (S6: a majority of its members approve)."""
        sg = self._rec(stuurgroep, GroupKind.STUURGROEP)
        self._require_telefoonbeheerder(by, stuurgroep, "T3", "create a wijkgroep")
        require_majority(sg, approvals, "create a wijkgroep")
        self._require_new(wijkgroep)
        plat = platform or self.settings.platform
        check_fits(wijkgroep, len(sg.members), plat)
        self._add_group(wijkgroep, GroupKind.WIJKGROEP, sg.wijk, sg.gemeente, plat)
        self._g.add_edge(stuurgroep, wijkgroep, rel=Relation.MANAGES)

    def split_wijkgroep(
        self,
        by: int,
        wijkgroep: str,
        *,
        buurten: Mapping[str, str],
        approvals: Iterable[int],
        rest: str | None = None,
    ) -> tuple[str, ...]:
        """Phase 2 (G2): split a wijkgroep into wijkgroepen by buurt.

        ``buurten`` maps a buurt to the wijkgroep its residents go to; residents
        whose buurt is unknown or unmapped go to ``rest``. A target may be the
        split wijkgroep itself (it keeps those residents); every other target is
        created. All stay managed by the same stuurgroep, so its members keep
        their admin rights. Refused unless the wijkgroep has more residents than
        :attr:`Settings.split_threshold` (splitting early makes groups too small
        to carry the load), every resident has a target, every target gets
        residents, and every target fits its platform. Needs the telefoonbeheerder
        and a stuurgroep majority (T3, S6). Returns the resulting wijkgroepen.
        """
        wg = self._rec(wijkgroep, GroupKind.WIJKGROEP)
        sg_id = self.stuurgroep_of(wijkgroep)
        moved = self._plan_split(wg, by=by, buurten=buurten, approvals=approvals, rest=rest)
        for target, residents in moved.items():
            rec = self._recs.get(target) or self._add_group(
                target, GroupKind.WIJKGROEP, wg.wijk, wg.gemeente, wg.platform
            )
            if rec is not wg:
                self._g.add_edge(sg_id, target, rel=Relation.MANAGES)
            rec.residents = array("q", residents)
            for mid in residents:
                self._home[mid] = rec
        if wijkgroep not in moved:
            self._g.remove_node(wijkgroep)
            del self._recs[wijkgroep]
        self._version += 1
        self._structure_version += 1
        return tuple(moved)

    def change_stuurgroep(
        self,
        stuurgroep: str,
        *,
        members: Iterable[int],
        telefoonbeheerder: int,
        approvals: Iterable[int],
    ) -> None:
        """Appoint, dismiss or hand over (S6): set a stuurgroep's members and
        telefoonbeheerder at once, approved by a majority of its current members.

        Each new member must live in a wijkgroep the stuurgroep manages and sit
        in no other stuurgroep; the stuurgroep keeps 3-4 members (G4) and one
        telefoonbeheerder among them.
        """
        sg = self._rec(stuurgroep, GroupKind.STUURGROEP)
        new = list(dict.fromkeys(members))
        require_majority(sg, approvals, "change the stuurgroep")
        check_stuurgroep_size(self.settings, len(new))
        if telefoonbeheerder not in new:
            raise InvariantRefused("the telefoonbeheerder must be a stuurgroep member", rule="T1")
        managed = set(self.managed_wijkgroepen(stuurgroep))
        for mid in new:
            if self._home_of(mid).id not in managed:
                raise InvariantRefused(
                    f"member {mid} does not live in a wijkgroep of {stuurgroep!r}", rule="S1"
                )
            other = self._stuurgroep_of.get(mid)
            if other is not None and other is not sg:
                raise InvariantRefused(f"member {mid} already sits in {other.id!r}")
        added = [m for m in new if m not in sg.members]
        for wg_id in managed:
            rec = self._recs[wg_id]
            visiting = sum(1 for m in new if self._home[m] is not rec)
            check_fits(wg_id, len(rec.residents) + visiting, rec.platform)
        # The regiegroep (and a gemeentelijke one that seats everyone) grows by
        # the net change in size: a swap of one member for another adds nobody.
        self._check_regie_growth(sg.wijk or "", len(new) - len(sg.members))
        gem_rg = self._gemeenten[sg.gemeente].regiegroep
        if gem_rg is not None:
            delegates = self._recs[gem_rg].delegates
            if delegates is not None and not delegates - (set(sg.members) - set(new)):
                raise InvariantRefused(
                    f"the gemeentelijke regiegroep {gem_rg!r} would lose its last delegate"
                )

        removed = [m for m in sg.members if m not in new]
        for mid in removed:
            del self._stuurgroep_of[mid]
        for mid in added:
            self._stuurgroep_of[mid] = sg
        sg.members = new
        sg.telefoonbeheerder = telefoonbeheerder
        if gem_rg is not None and (rec := self._recs[gem_rg]).delegates is not None:
            rec.delegates = rec.delegates - set(removed)
        self._version += 1
        self._structure_version += 1

    # ------------------------------------------------------------- saved state

    def export_state(self) -> dict[str, Any]:
        """Everything this hierarchy holds as JSON-able plain data: member ids,
        creation order and version counters included (``docs/persistence.md``)."""
        return export_hierarchy(self)

    @classmethod
    def from_state(
        cls,
        state: Mapping[str, Any],
        *,
        settings: Settings | None = None,
        source: str | None = None,
    ) -> Hierarchy:
        """Rebuild a hierarchy from :meth:`export_state`; :class:`StateError`
        for data that is corrupt, foreign or from a newer schema."""
        return hierarchy_from_state(cls, state, settings=settings, source=source)

    # ------------------------------------------------ actors outside the groups

    def add_actor(self, actor: Actor) -> None:
        """Register the police, a wijkagent or a partner (P1, S4, G5).

        They stay outside every chat group; the wijken they serve must exist.
        """
        if actor.id in self._actors:
            raise InvariantRefused(f"an actor called {actor.id!r} already exists")
        for wijk in actor.wijken:
            self._wijk(wijk)
        self._actors[actor.id] = actor
        self._version += 1

    # ---------------------------------------------------------------- internals

    def _check_regie_growth(self, wijk: str, growth: int) -> None:
        """Check that the regiegroep (and the gemeentelijke one above it) can take
        ``growth`` more stuurgroep members (G3, S5)."""
        area = self._wijken[wijk]
        if area.regiegroep is None or growth <= 0:
            return
        rg = self._recs[area.regiegroep]
        check_fits(rg.id, len(self._regie_members(wijk)) + growth, rg.platform)
        self._check_gemeente_growth(area.gemeente, growth)

    def _check_gemeente_growth(self, gemeente: str, growth: int) -> None:
        gem_rg = self._gemeenten[gemeente].regiegroep
        if gem_rg is not None and growth > 0:
            rec = self._recs[gem_rg]
            if rec.delegates is None:  # all regiegroep members sit in it
                check_fits(gem_rg, len(self._delegates(rec)) + growth, rec.platform)

    def _add_group(
        self, gid: str, kind: GroupKind, wijk: str | None, gemeente: str, platform: Platform
    ) -> GroupRecord:
        self._version += 1
        self._structure_version += 1
        rec = self._recs[gid] = GroupRecord(gid, kind, wijk, gemeente, platform)
        self._g.add_node(gid, kind=kind)
        return rec
