"""Questions asked before a change, and the checks the changes share (G2, G3, T1-T3).

:class:`Planner` sits between the read side (:class:`~routing.hierarchy.structure.HierarchyReader`)
and the operations (:mod:`routing.hierarchy.membership`, :mod:`routing.model`).
It changes nothing. A split is planned here whole (:meth:`Planner.may_split`
answers from the same plan that :meth:`Hierarchy.split_wijkgroep
<routing.model.Hierarchy.split_wijkgroep>` carries out), so the answer to
"may we split now?" can never differ from what trying it would do. The
growth signals an admission returns (:mod:`routing.domain.growth`) are
worked out here too, from the group before and after.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from routing.domain.growth import CapacityWarning, Signal, SplitAnswer, SplitProposal
from routing.domain.settings import Capacity, CapacityState
from routing.domain.values import GroupKind
from routing.errors import InvariantRefused, PermissionRefused, Refused

from .checks import check_fits, require_majority
from .records import GroupRecord
from .structure import HierarchyReader

__all__ = ["Planner"]

#: How far along a group is; a signal is raised when an admission moves it on.
_LEVEL = {CapacityState.OK: 0, CapacityState.NEARLY_FULL: 1, CapacityState.FULL: 2}


class Planner(HierarchyReader):
    """The read side, plus what a change is checked against before it is made.

    Use :class:`~routing.model.Hierarchy`, which adds the operations.
    """

    def may_split(
        self,
        wijkgroep: str,
        *,
        by: int | None = None,
        buurten: Mapping[str, str] | None = None,
        approvals: Iterable[int] | None = None,
        rest: str | None = None,
    ) -> SplitAnswer:
        """Whether :meth:`~routing.model.Hierarchy.split_wijkgroep` would accept
        this split now, without trying it (G2, T3, S6, G3).

        With only ``wijkgroep``, the answer is about the wijkgroep itself: does
        it have more residents than :attr:`Settings.split_threshold
        <routing.domain.settings.Settings.split_threshold>`? Each part given
        (who asks, the buurt mapping with its ``rest`` group, the approvals) is
        checked as the split would check it; parts left out are not. A refusal
        becomes ``allowed=False`` with its reason and rule; an unknown group or
        member still raises (:class:`~routing.errors.UnknownIdError`), as the
        split would.
        """
        wg = self._rec(wijkgroep, GroupKind.WIJKGROEP)
        threshold = self.settings.split_threshold
        residents = len(wg.residents)
        try:
            self._plan_split(wg, by=by, buurten=buurten, approvals=approvals, rest=rest)
        except Refused as refusal:
            return SplitAnswer(
                wijkgroep=wijkgroep,
                allowed=False,
                reason=refusal.reason,
                rule=refusal.rule or None,
                residents=residents,
                threshold=threshold,
            )
        unchecked = [
            name
            for name, part in (("who asks", by), ("the buurten", buurten), ("approvals", approvals))
            if part is None
        ]
        reason = f"{wijkgroep!r} has {residents} residents, more than {threshold}: it may split"
        if unchecked:
            reason += f" ({', '.join(unchecked)} not checked)"
        return SplitAnswer(
            wijkgroep=wijkgroep,
            allowed=True,
            reason=reason,
            rule=None,
            residents=residents,
            threshold=threshold,
        )

    # ------------------------------------------------------------ internals

    def _plan_split(
        self,
        wg: GroupRecord,
        *,
        by: int | None,
        buurten: Mapping[str, str] | None,
        approvals: Iterable[int] | None,
        rest: str | None,
    ) -> dict[str, list[int]]:
        """Where each resident goes in a split of ``wg``, or the refusal (G2).

        Parts given as ``None`` are not checked (for :meth:`may_split`); the
        plan is then empty.
        """
        sg_id = self.stuurgroep_of(wg.id)
        sg = self._recs[sg_id]
        if by is not None:
            self._require_telefoonbeheerder(by, sg_id, "T3", "split a wijkgroep")
        if approvals is not None:
            require_majority(sg, approvals, "split a wijkgroep")
        threshold = self.settings.split_threshold
        if len(wg.residents) <= threshold:
            raise InvariantRefused(
                f"{wg.id!r} has {len(wg.residents)} residents; a split needs more than {threshold}",
                rule="G2",
            )
        if buurten is None:
            return {}
        targets = list(dict.fromkeys([*buurten.values(), *([rest] if rest else [])]))
        self._require_new(*(t for t in targets if t != wg.id))
        moved: dict[str, list[int]] = {t: [] for t in targets}
        unplaced = 0
        for mid in wg.residents:
            buurt = self._buurt[mid]
            target = buurten.get(buurt, rest) if buurt is not None else rest
            if target is None:
                unplaced += 1
            else:
                moved[target].append(mid)
        if unplaced:
            raise InvariantRefused(
                f"{unplaced} residents of {wg.id!r} have no buurt in the mapping "
                "and no rest group was given",
                rule="G2",
            )
        for target, residents in moved.items():
            if not residents:
                raise InvariantRefused(f"wijkgroep {target!r} would have no residents", rule="G2")
            here = set(residents)
            visiting = sum(1 for m in sg.members if m not in here)
            check_fits(target, len(residents) + visiting, wg.platform)
        return moved

    def _growth_signals(self, wg: GroupRecord, before: Capacity) -> tuple[Signal, ...]:
        """What an admission into ``wg`` that found it at ``before`` signals (G3, G2)."""
        signals: list[Signal] = []
        after = self.capacity(wg.id)
        if _LEVEL[after.state] > _LEVEL[before.state]:
            signals.append(CapacityWarning(group=wg.id, capacity=after))
        threshold = self.settings.split_threshold
        # Phase 1 (G1): the wijkgroep is still the only one its stuurgroep
        # manages. Once split, a wijkgroep that grows again is the
        # stuurgroep's to judge (T3), not phase 2 again.
        if (
            len(wg.residents) == threshold + 1
            and len(self.managed_wijkgroepen(self.stuurgroep_of(wg.id))) == 1
        ):
            counts = Counter(b for m in wg.residents if (b := self._buurt[m]) is not None)
            signals.append(
                SplitProposal(
                    wijkgroep=wg.id,
                    residents=len(wg.residents),
                    threshold=threshold,
                    buurten=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
                    without_buurt=len(wg.residents) - sum(counts.values()),
                )
            )
        return tuple(signals)

    def _require_new(self, *gids: str) -> None:
        if len(set(gids)) != len(gids):
            raise InvariantRefused(f"group ids must differ: {gids!r}")
        for gid in gids:
            if not gid:
                raise InvariantRefused("a group needs a non-empty id")
            if gid in self._recs:
                raise InvariantRefused(f"a group called {gid!r} already exists")

    def _require_telefoonbeheerder(self, by: int, stuurgroep: str, rule: str, action: str) -> None:
        self._home_of(by)
        if self._recs[stuurgroep].telefoonbeheerder != by:
            raise PermissionRefused(
                f"only the telefoonbeheerder of {stuurgroep!r} may {action}", rule=rule
            )
