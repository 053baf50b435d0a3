"""The hierarchy against a deliberately naive reference model.

A :class:`RuleBasedStateMachine` applies random operations to a real
:class:`~routing.Hierarchy` and to :class:`Reference`, which keeps the same
structure in plain dicts and sets and computes every derived fact (who is in a
chat group, how full it is) by brute force. Before each operation the reference
predicts every reason the request must be refused (an unknown id, a missing
duty, a house rule, an invariant, a member limit); then

* if it predicts none, the real call must succeed (and return what the
  reference expects), and the reference applies the change;
* otherwise the real call must raise one of the predicted errors, with its
  rule, and leave the hierarchy exactly as it was (:func:`snapshot`).

The reference checks member limits (G3) in the most naive way: it applies the
change to a copy of itself and recounts every group. After every step the
invariants compare the real queries with the reference and run ``verify()``.

Settings are small (split threshold a few residents, limits of about ten) so
that splits, full groups and refusals happen within a few steps.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from routing import (
    AdmissionRefused,
    Applicant,
    CapacityRefused,
    CapacityState,
    GroupKind,
    Hierarchy,
    InvariantRefused,
    PermissionRefused,
    Platform,
    Role,
    RoutingError,
    Settings,
    UnknownGroupError,
    UnknownMemberError,
)
from strategies import BUURTEN, applicants, broken_admission_rules, invalid_applicants, snapshot

T = TypeVar("T")

GEMEENTE = "tilburg"
WIJKEN = ("zoomwijck", "reeshof")
#: A pool of group names, small enough that new groups sometimes collide with old ones.
NAMES = tuple(f"g{i}" for i in range(30))
NO_ONE = 10**6  # a member id that is never handed out

#: A predicted refusal: the error type and its rule (None: any rule).
Refusal = tuple[type[RoutingError], str | None]


@dataclass
class Reference:
    """The hierarchy as plain data; everything derived is recomputed on demand."""

    settings: Settings
    home: dict[int, str] = field(default_factory=dict)  # member -> wijkgroep
    name: dict[int, str] = field(default_factory=dict)
    buurt: dict[int, str | None] = field(default_factory=dict)
    next_id: int = 0
    gone: set[int] = field(default_factory=set)
    kind: dict[str, GroupKind] = field(default_factory=dict)
    limit: dict[str, int] = field(default_factory=dict)
    platform: dict[str, Platform] = field(default_factory=dict)
    wijk: dict[str, str] = field(default_factory=dict)  # group -> wijk (not gemeentelijke)
    manager: dict[str, str] = field(default_factory=dict)  # wijkgroep -> stuurgroep
    board: dict[str, set[int]] = field(default_factory=dict)  # stuurgroep -> members
    tb: dict[str, int] = field(default_factory=dict)  # stuurgroep -> telefoonbeheerder
    regiegroep: dict[str, str] = field(default_factory=dict)  # wijk -> regiegroep
    gemeentelijke: str | None = None
    #: Wijkgroepen a split removed: their ids are not used again (G2).
    retired: set[str] = field(default_factory=set)

    # -- derived, by brute force

    def is_(self, gid: object, kind: GroupKind) -> bool:
        return isinstance(gid, str) and self.kind.get(gid) is kind

    def of_kind(self, kind: GroupKind) -> set[str]:
        return {g for g, k in self.kind.items() if k is kind}

    def residents(self, wg: str) -> set[int]:
        return {m for m, home in self.home.items() if home == wg}

    def managed(self, sg: str) -> set[str]:
        return {wg for wg, s in self.manager.items() if s == sg}

    def stuurgroep_of_member(self, mid: int) -> str | None:
        seats = [sg for sg, members in self.board.items() if mid in members]
        assert len(seats) <= 1
        return seats[0] if seats else None

    def regie_members(self, wijk: str) -> set[int]:
        return {m for sg, members in self.board.items() if self.wijk[sg] == wijk for m in members}

    def chat_members(self, gid: str) -> set[int]:
        kind = self.kind[gid]
        if kind is GroupKind.WIJKGROEP:
            return self.residents(gid) | self.board[self.manager[gid]]
        if kind is GroupKind.STUURGROEP:
            return set(self.board[gid])
        if kind is GroupKind.REGIEGROEP:
            return self.regie_members(self.wijk[gid])
        return {m for w in self.regiegroep for m in self.regie_members(w)}

    def admins(self, gid: str) -> set[int]:
        if self.kind[gid] is GroupKind.WIJKGROEP:
            return set(self.board[self.manager[gid]])
        return self.chat_members(gid)

    def roles(self, mid: int) -> set[Role]:
        sg = self.stuurgroep_of_member(mid)
        if sg is None:
            return {Role.BEWONER}
        if self.tb[sg] == mid:
            return {Role.BEWONER, Role.STUURGROEPLID, Role.TELEFOONBEHEERDER}
        return {Role.BEWONER, Role.STUURGROEPLID}

    def capacity_state(self, gid: str) -> CapacityState:
        size, limit = len(self.chat_members(gid)), self.limit[gid]
        if size >= limit:
            return CapacityState.FULL
        if size >= limit * self.settings.nearly_full_ratio:
            return CapacityState.NEARLY_FULL
        return CapacityState.OK

    def over_limit(self) -> list[Refusal]:
        """G3, checked naively: any group of this (tentative) state past its limit."""
        full = [g for g in self.kind if len(self.chat_members(g)) > self.limit[g]]
        return [(CapacityRefused, "G3")] if full else []

    # -- changes

    def add_group(self, gid: str, kind: GroupKind, plat: Platform, wijk: str | None) -> None:
        self.kind[gid] = kind
        self.platform[gid] = plat
        self.limit[gid] = plat.member_limit
        if wijk is not None:
            self.wijk[gid] = wijk

    def add_member(self, wg: str, name: str, buurt: str | None) -> int:
        mid = self.next_id
        self.next_id += 1
        self.home[mid] = wg
        self.name[mid] = name
        self.buurt[mid] = buurt
        return mid

    def drop_member(self, mid: int) -> None:
        del self.home[mid], self.name[mid], self.buurt[mid]
        self.gone.add(mid)

    def drop_group(self, gid: str) -> None:
        del self.kind[gid], self.limit[gid], self.platform[gid], self.wijk[gid]
        del self.manager[gid]


def unknown_member(ref: Reference, *mids: object) -> list[Refusal]:
    return [(UnknownMemberError, None)] if any(m not in ref.home for m in mids) else []


def majority(ref: Reference, sg: str, approvals: Iterable[int]) -> list[Refusal]:
    """S6: more than half of the stuurgroep's current members approve."""
    yes = set(approvals) & ref.board[sg]
    return [] if 2 * len(yes) > len(ref.board[sg]) else [(PermissionRefused, "S6")]


def new_group_name(ref: Reference, gid: str) -> list[Refusal]:
    if gid in ref.retired:
        return [(InvariantRefused, "G2")]
    return [(InvariantRefused, None)] if not gid or gid in ref.kind else []


platforms = st.builds(Platform, name=st.just("test"), member_limit=st.integers(4, 14))
maybe_platform = st.none() | platforms
group_names = st.sampled_from(NAMES)
# Weighted towards requests that can succeed, so the state grows; the rest
# exercise the refusals.
applicant_or_not = st.sampled_from([True, True, False]).flatmap(
    lambda ok: applicants() if ok else invalid_applicants()
)
approval_modes = st.sampled_from(["all", "majority", "majority", "half", "one", "none"])
#: "tb" is the telefoonbeheerder who holds the duty; "member" is anyone else
#: from the members bundle (perhaps removed by now, perhaps the same person).
who = st.sampled_from(["tb", "tb", "tb", "member"])


class HierarchyMachine(RuleBasedStateMachine):
    """Random operations on a Hierarchy and on the Reference side by side."""

    wijkgroepen = Bundle("wijkgroepen")
    stuurgroepen = Bundle("stuurgroepen")
    members = Bundle("members")

    def __init__(self) -> None:
        super().__init__()
        self.h: Hierarchy
        self.ref: Reference

    # ------------------------------------------------------------ harness

    def attempt(
        self, refusals: list[Refusal], call: Callable[[], T], *, changes: bool = True
    ) -> T | None:
        """Make the real call; it must fail with one of ``refusals`` (leaving
        the hierarchy as it was) or, if there are none, succeed, raising the
        version exactly when it ``changes`` something."""
        before = snapshot(self.h)
        if not refusals:
            result = call()
            if changes:
                assert self.h.version > before["version"]
            else:
                assert snapshot(self.h) == before
            return result
        with pytest.raises(RoutingError) as info:
            call()
        err = info.value
        assert any(
            type(err) is kind and (rule is None or getattr(err, "rule", None) == rule)
            for kind, rule in refusals
        ), f"{err!r} is not among the predicted {refusals}"
        assert snapshot(self.h) == before, f"{err!r} changed the hierarchy"
        return None

    def actor(self, by: str, anyone: int, sg: str | None) -> int:
        if by == "member":
            return anyone
        return self.ref.tb[sg] if sg is not None and sg in self.ref.tb else NO_ONE

    def approvals(self, mode: str, sg: str) -> list[int]:
        board = sorted(self.ref.board.get(sg, set()))
        take = {
            "all": len(board),
            "majority": len(board) // 2 + 1,
            "half": len(board) // 2,
            "one": 1,
            "none": 0,
        }[mode]
        return board[:take]

    # ------------------------------------------------------------ founding

    @initialize(
        target=stuurgroepen,
        threshold=st.integers(2, 5),
        limit=st.integers(8, 14),
        ratio=st.sampled_from([0.5, 0.8, 1.0]),
        team=st.lists(applicants(buurt=st.sampled_from(BUURTEN[:3])), min_size=3, max_size=4),
        tb=st.integers(0, 3),
    )
    def found_first(
        self, threshold: int, limit: int, ratio: float, team: list[Applicant], tb: int
    ) -> Any:
        """G1: one wijkgroep and one stuurgroep of founders."""
        s = Settings(
            platform=Platform(name="test", member_limit=limit),
            split_threshold=threshold,
            nearly_full_ratio=ratio,
        )
        self.h = Hierarchy(s)
        self.ref = Reference(s)
        self.found(WIJKEN[0], "g0", "sg0", team, tb % len(team), None)
        return "sg0"

    def found(
        self,
        wijk: str,
        wijkgroep: str,
        stuurgroep: str,
        team: list[Applicant],
        tb: int,
        plat: Platform | None,
    ) -> bool:
        ref = copy.deepcopy(self.ref)
        refusals: list[Refusal] = []
        low, high = ref.settings.stuurgroep_size
        if not low <= len(team) <= high:
            refusals.append((InvariantRefused, "G4"))
        if not 0 <= tb < len(team):
            refusals.append((InvariantRefused, "T1"))
        if wijkgroep == stuurgroep:
            refusals.append((InvariantRefused, None))
        refusals += new_group_name(ref, wijkgroep) + new_group_name(ref, stuurgroep)
        for applicant in team:
            refusals += [(AdmissionRefused, r) for r in broken_admission_rules(applicant)]
        if not refusals:
            p = plat or ref.settings.platform
            ref.add_group(stuurgroep, GroupKind.STUURGROEP, p, wijk)
            ref.add_group(wijkgroep, GroupKind.WIJKGROEP, p, wijk)
            ref.manager[wijkgroep] = stuurgroep
            ids = [ref.add_member(wijkgroep, a.name, a.buurt) for a in team]
            ref.board[stuurgroep] = set(ids)
            ref.tb[stuurgroep] = ids[tb]
            refusals += ref.over_limit()
        result = self.attempt(
            refusals,
            lambda: self.h.found_neighbourhood(
                gemeente=GEMEENTE,
                wijk=wijk,
                wijkgroep=wijkgroep,
                stuurgroep=stuurgroep,
                founders=team,
                telefoonbeheerder=tb,
                platform=plat,
            ),
        )
        if refusals:
            return False
        assert result == tuple(range(self.ref.next_id, ref.next_id))
        self.ref = ref
        return True

    @precondition(lambda self: len(self.ref.board) < 4)
    @rule(
        target=stuurgroepen,
        wijk=st.sampled_from(WIJKEN),
        wijkgroep=group_names,
        stuurgroep=group_names,
        team=st.lists(applicants(buurt=st.sampled_from(BUURTEN)), min_size=3, max_size=4)
        | st.lists(applicants(buurt=st.sampled_from(BUURTEN)), min_size=2, max_size=5),
        tb=st.integers(0, 3) | st.sampled_from([-1, 4]),
        plat=maybe_platform,
    )
    def found_another(
        self,
        wijk: str,
        wijkgroep: str,
        stuurgroep: str,
        team: list[Applicant],
        tb: int,
        plat: Platform | None,
    ) -> Any:
        """G1, G4, S5, G3: another stuurgroep, in a wijk that may have a regiegroep."""
        if self.found(wijk, wijkgroep, stuurgroep, team, tb, plat):
            return stuurgroep
        return multiple()

    # ---------------------------------------------------------- membership

    @rule(target=members, data=st.data())
    def name_a_member(self, data: st.DataObject) -> int:
        """Put a current member (a founder, say) where the other rules can find them."""
        pool = sorted(self.ref.home) or [NO_ONE]
        return data.draw(st.sampled_from(pool))

    @rule(target=wijkgroepen, data=st.data())
    def name_a_group(self, data: st.DataObject) -> str:
        """Put a current wijkgroep, or any group name at all (perhaps of another
        kind, perhaps unknown), where the other rules can find it."""
        current = sorted(self.ref.of_kind(GroupKind.WIJKGROEP)) or ["g0"]
        if data.draw(st.sampled_from([True, True, True, False]), label="current"):
            return data.draw(st.sampled_from(current))
        return data.draw(st.sampled_from(sorted(self.ref.kind)) | group_names)

    @rule(
        target=members,
        by=who,
        anyone=members,
        wijkgroep=wijkgroepen,
        applicant=applicant_or_not,
    )
    def admit(self, by: str, anyone: int, wijkgroep: str, applicant: Applicant) -> Any:
        """T1, H1, H2, H10, G3."""
        ref = copy.deepcopy(self.ref)
        known = ref.is_(wijkgroep, GroupKind.WIJKGROEP)
        actor = self.actor(by, anyone, ref.manager.get(wijkgroep))
        refusals = unknown_member(ref, actor)
        refusals += [(AdmissionRefused, r) for r in broken_admission_rules(applicant)]
        if not known:
            refusals.append((UnknownGroupError, None))
        elif actor != ref.tb[ref.manager[wijkgroep]]:
            refusals.append((PermissionRefused, "T1"))
        if not refusals:
            mid = ref.add_member(wijkgroep, applicant.name, applicant.buurt)
            refusals += ref.over_limit()
        result = self.attempt(refusals, lambda: self.h.admit(actor, wijkgroep, applicant))
        if refusals:
            return multiple()
        assert result.member == mid
        self.ref = ref
        return mid

    @rule(
        target=members,
        wijkgroep=wijkgroepen,
        count=st.integers(0, 6),
        buurt=st.none() | st.sampled_from(BUURTEN),
        blank=st.sampled_from([False] * 5 + [True]),
    )
    def load_members(self, wijkgroep: str, count: int, buurt: str | None, blank: bool) -> Any:
        """G3 for a whole batch; H10: every registered member has a name."""
        ref = copy.deepcopy(self.ref)
        names = [f"bewoner {ref.next_id + i}" for i in range(count)]
        if blank and names:
            names[-1] = ""
        refusals: list[Refusal] = []
        if not ref.is_(wijkgroep, GroupKind.WIJKGROEP):
            refusals.append((UnknownGroupError, None))
        if "" in names:
            refusals.append((AdmissionRefused, "H10"))
        if not refusals:
            ids = [ref.add_member(wijkgroep, n, buurt) for n in names]
            refusals += ref.over_limit()
        result = self.attempt(
            refusals,
            lambda: self.h.load_members(wijkgroep, names, buurt=buurt),
            changes=bool(names),
        )
        if refusals:
            return multiple()
        assert list(result or ()) == ids
        self.ref = ref
        return multiple(*ids)

    @rule(by=who, anyone=members, member=members)
    def remove(self, by: str, anyone: int, member: int) -> None:
        """T2: only the telefoonbeheerder of the member's stuurgroep royeert; G4:
        a stuurgroep member leaves the stuurgroep first."""
        ref = copy.deepcopy(self.ref)
        home = ref.home.get(member)
        sg = ref.manager[home] if home is not None else None
        actor = self.actor(by, anyone, sg)
        refusals = unknown_member(ref, actor, member)
        if sg is not None and actor != ref.tb[sg]:
            refusals.append((PermissionRefused, "T2"))
        if ref.stuurgroep_of_member(member) is not None:
            refusals.append((InvariantRefused, "G4"))
        if not refusals:
            ref.drop_member(member)
        self.attempt(
            refusals,
            lambda: self.h.remove(actor, member, reason="houdt zich niet aan de spelregels"),
        )
        if not refusals:
            self.ref = ref

    @rule(member=members, by=st.sampled_from(["self", "tb", "member"]), anyone=members)
    def leave(self, member: int, by: str, anyone: int) -> None:
        """A resident leaves, on their own word or their telefoonbeheerder's (T2,
        AVG17); a stuurgroep member must leave the stuurgroep first (G4)."""
        ref = copy.deepcopy(self.ref)
        home = ref.home.get(member)
        sg = ref.manager[home] if home is not None else None
        asker = member if by == "self" else self.actor(by, anyone, sg)
        refusals = unknown_member(ref, member)
        if not refusals and asker != member:
            refusals = unknown_member(ref, asker)
            if sg is not None and asker != ref.tb[sg]:
                refusals.append((PermissionRefused, "T2"))
        if ref.stuurgroep_of_member(member) is not None:
            refusals.append((InvariantRefused, "G4"))
        if not refusals:
            ref.drop_member(member)
        self.attempt(refusals, lambda: self.h.leave(member, by=asker))
        if not refusals:
            self.ref = ref

    @rule(by=who, anyone=members, member=members, wijkgroep=wijkgroepen)
    def move(self, by: str, anyone: int, member: int, wijkgroep: str) -> None:
        """T1 (the receiving telefoonbeheerder), S1 (stuurgroep members stay in
        their stuurgroep's wijkgroepen), G3."""
        ref = copy.deepcopy(self.ref)
        known = ref.is_(wijkgroep, GroupKind.WIJKGROEP)
        dest_sg = ref.manager[wijkgroep] if known else None
        actor = self.actor(by, anyone, dest_sg)
        refusals = unknown_member(ref, actor, member)
        if not known:
            refusals.append((UnknownGroupError, None))
        else:
            if actor != ref.tb[ref.manager[wijkgroep]]:
                refusals.append((PermissionRefused, "T1"))
            if ref.home.get(member) == wijkgroep:
                refusals.append((InvariantRefused, None))
            seat = ref.stuurgroep_of_member(member)
            if seat is not None and seat != dest_sg:
                refusals.append((InvariantRefused, "S1"))
        if not refusals:
            ref.home[member] = wijkgroep
            refusals += ref.over_limit()
        self.attempt(refusals, lambda: self.h.move(actor, member, wijkgroep))
        if not refusals:
            self.ref = ref

    # ----------------------------------------------------- stuurgroep (T3, S6, G2)

    @rule(
        target=wijkgroepen,
        by=who,
        anyone=members,
        stuurgroep=st.one_of(stuurgroepen, stuurgroepen, stuurgroepen, wijkgroepen),
        name=st.sampled_from([*NAMES, ""]),
        mode=approval_modes,
        plat=maybe_platform,
    )
    def create_wijkgroep(
        self,
        by: str,
        anyone: int,
        stuurgroep: str,
        name: str,
        mode: str,
        plat: Platform | None,
    ) -> Any:
        """T3 after S6: the telefoonbeheerder creates a wijkgroep once a majority agreed."""
        ref = copy.deepcopy(self.ref)
        known = ref.is_(stuurgroep, GroupKind.STUURGROEP)
        actor = self.actor(by, anyone, stuurgroep)
        approvals = self.approvals(mode, stuurgroep)
        refusals = unknown_member(ref, actor)
        if not known:
            refusals.append((UnknownGroupError, None))
        else:
            if actor != ref.tb[stuurgroep]:
                refusals.append((PermissionRefused, "T3"))
            refusals += majority(ref, stuurgroep, approvals)
        refusals += new_group_name(ref, name)
        if not refusals:
            ref.add_group(
                name, GroupKind.WIJKGROEP, plat or ref.settings.platform, ref.wijk[stuurgroep]
            )
            ref.manager[name] = stuurgroep
            refusals += ref.over_limit()
        self.attempt(
            refusals,
            lambda: self.h.create_wijkgroep(
                actor, stuurgroep, name, approvals=approvals, platform=plat
            ),
        )
        if refusals:
            return multiple()
        self.ref = ref
        return name

    @rule(
        target=wijkgroepen,
        by=who,
        anyone=members,
        wijkgroep=wijkgroepen,
        mode=approval_modes,
        data=st.data(),
    )
    def split(self, by: str, anyone: int, wijkgroep: str, mode: str, data: st.DataObject) -> Any:
        """G2: split by buurt past the threshold; every resident needs a target and
        every target residents; T3, S6; G3."""
        ref = copy.deepcopy(self.ref)
        known = ref.is_(wijkgroep, GroupKind.WIJKGROEP)
        sg = ref.manager.get(wijkgroep)
        actor = self.actor(by, anyone, sg)
        approvals = self.approvals(mode, sg) if sg else []
        residents = ref.residents(wijkgroep) if known else set()
        present = sorted({b for m in residents if (b := ref.buurt[m]) is not None})
        if data.draw(st.booleans(), label="complete mapping"):
            # A mapping an app would send: every buurt present gets a group,
            # a new one or the split wijkgroep itself.
            free = st.sampled_from([n for n in NAMES if n not in ref.kind] or ["spare"])
            targets = data.draw(
                st.lists(free | st.just(wijkgroep), min_size=len(present), max_size=len(present)),
                label="targets",
            )
            buurten = dict(zip(present, targets, strict=True))
            needs_rest = any(ref.buurt[m] is None for m in residents)
            rest = data.draw(free, label="rest") if needs_rest else None
        else:
            buurten = data.draw(
                st.dictionaries(
                    st.sampled_from(BUURTEN), group_names | st.just(wijkgroep), max_size=4
                ),
                label="buurten",
            )
            rest = data.draw(st.none() | group_names, label="rest")
        order = list(dict.fromkeys([*buurten.values(), *([rest] if rest else [])]))

        refusals = unknown_member(ref, actor)
        if not known or sg is None:
            refusals.append((UnknownGroupError, None))
        else:
            if actor != ref.tb[sg]:
                refusals.append((PermissionRefused, "T3"))
            refusals += majority(ref, sg, approvals)
            if len(residents) <= ref.settings.split_threshold:
                refusals.append((InvariantRefused, "G2"))
            for t in order:
                if t != wijkgroep:
                    refusals += new_group_name(ref, t)
            placed: dict[str, set[int]] = {t: set() for t in order}
            for m in residents:
                b = ref.buurt[m]
                target = buurten.get(b, rest) if b is not None else rest
                if target is None:
                    refusals.append((InvariantRefused, "G2"))
                else:
                    placed[target].add(m)
            if any(not ms for ms in placed.values()):
                refusals.append((InvariantRefused, "G2"))
        if not refusals:
            assert sg is not None
            plat = ref.platform[wijkgroep]
            wijk = ref.wijk[wijkgroep]
            if wijkgroep not in placed:
                ref.drop_group(wijkgroep)
                ref.retired.add(wijkgroep)
            for t, ms in placed.items():
                if t != wijkgroep:
                    ref.add_group(t, GroupKind.WIJKGROEP, plat, wijk)
                    ref.manager[t] = sg
                for m in ms:
                    ref.home[m] = t
            refusals += ref.over_limit()
        result = self.attempt(
            refusals,
            lambda: self.h.split_wijkgroep(
                actor, wijkgroep, buurten=buurten, approvals=approvals, rest=rest
            ),
        )
        if refusals:
            return multiple()
        assert result == tuple(order)
        self.ref = ref
        return multiple(*order)

    @rule(
        stuurgroep=st.one_of(stuurgroepen, stuurgroepen, stuurgroepen, wijkgroepen),
        mode=approval_modes,
        data=st.data(),
    )
    def change_stuurgroep(self, stuurgroep: str, mode: str, data: st.DataObject) -> None:
        """S6: a majority appoints, dismisses and hands over; G4: 3-4 members;
        S1: each lives in a wijkgroep it manages and sits in no other stuurgroep;
        T1: one telefoonbeheerder among them; S5, G3: the regiegroep must fit."""
        ref = copy.deepcopy(self.ref)
        known = ref.is_(stuurgroep, GroupKind.STUURGROEP)
        local = sorted(m for m in ref.home if ref.manager[ref.home[m]] == stuurgroep)
        pool = local + sorted(ref.home)[:3] + [NO_ONE]
        board = sorted(ref.board.get(stuurgroep, set()))
        change = data.draw(st.sampled_from(["swap", "add", "drop", "any"]), label="change")
        if change == "any" or not board:
            new = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6), label="new")
        else:
            # Small changes to the current board, as a stuurgroep would make them.
            out = data.draw(st.sampled_from(board), label="out")
            incoming = data.draw(st.sampled_from(pool), label="in")
            new = {
                "swap": [m for m in board if m != out] + [incoming],
                "add": [*board, incoming],
                "drop": [m for m in board if m != out],
            }[change]
        tb = data.draw(st.sampled_from([*new, *new, *pool]), label="telefoonbeheerder")
        approvals = self.approvals(mode, stuurgroep)
        chosen = set(new)

        refusals: list[Refusal] = []
        if not known:
            refusals.append((UnknownGroupError, None))
        else:
            refusals += majority(ref, stuurgroep, approvals)
            low, high = ref.settings.stuurgroep_size
            if not low <= len(chosen) <= high:
                refusals.append((InvariantRefused, "G4"))
            if tb not in chosen:
                refusals.append((InvariantRefused, "T1"))
            refusals += unknown_member(ref, *chosen)
            for m in chosen & set(ref.home):
                if ref.manager[ref.home[m]] != stuurgroep:
                    refusals.append((InvariantRefused, "S1"))
                if ref.stuurgroep_of_member(m) not in (None, stuurgroep):
                    refusals.append((InvariantRefused, None))
        if not refusals:
            ref.board[stuurgroep] = chosen
            ref.tb[stuurgroep] = tb
            refusals += ref.over_limit()
        self.attempt(
            refusals,
            lambda: self.h.change_stuurgroep(
                stuurgroep, members=new, telefoonbeheerder=tb, approvals=approvals
            ),
        )
        if not refusals:
            self.ref = ref

    # ------------------------------------------------------------ regie (S5)

    @rule(
        wijk=st.sampled_from((*WIJKEN, *WIJKEN, "nowhere")),
        name=group_names,
        plat=maybe_platform,
    )
    def create_regiegroep(self, wijk: str, name: str, plat: Platform | None) -> None:
        """S5: every stuurgroep member of the wijk sits in its one regiegroep; G3."""
        ref = copy.deepcopy(self.ref)
        refusals: list[Refusal] = []
        if wijk not in set(ref.wijk.values()):
            refusals.append((UnknownGroupError, None))
        elif wijk in ref.regiegroep:
            refusals.append((InvariantRefused, None))
        refusals += new_group_name(ref, name)
        if not refusals:
            ref.add_group(name, GroupKind.REGIEGROEP, plat or ref.settings.platform, wijk)
            ref.regiegroep[wijk] = name
            refusals += ref.over_limit()
        self.attempt(refusals, lambda: self.h.create_regiegroep(wijk, name, platform=plat))
        if not refusals:
            self.ref = ref

    @precondition(lambda self: self.ref.gemeentelijke is None and self.ref.regiegroep)
    @rule(name=group_names, plat=maybe_platform)
    def create_gemeentelijke_regiegroep(self, name: str, plat: Platform | None) -> None:
        """S5 one level up: all regiegroep members of the gemeente sit in it; G3."""
        ref = copy.deepcopy(self.ref)
        refusals: list[Refusal] = []
        if ref.gemeentelijke is not None or not ref.regiegroep:
            refusals.append((InvariantRefused, None))
        refusals += new_group_name(ref, name)
        if not refusals:
            ref.add_group(
                name, GroupKind.GEMEENTELIJKE_REGIEGROEP, plat or ref.settings.platform, None
            )
            ref.gemeentelijke = name
            refusals += ref.over_limit()
        self.attempt(
            refusals, lambda: self.h.create_gemeentelijke_regiegroep(GEMEENTE, name, platform=plat)
        )
        if not refusals:
            self.ref = ref

    # ---------------------------------------------------------- invariants

    @invariant()
    def verify_is_clean(self) -> None:
        assert self.h.verify() == []

    @invariant()
    def members_agree(self) -> None:
        """Each resident in exactly one wijkgroep, with their name, buurt and roles."""
        h, ref = self.h, self.ref
        assert len(h) == len(ref.home)
        for mid, home in ref.home.items():
            assert mid in h
            assert h.wijkgroep_of(mid) == home
            assert h.name(mid) == ref.name[mid]
            assert h.member(mid).buurt == ref.buurt[mid]
            assert h.roles(mid) == ref.roles(mid)
            assert h.stuurgroep_membership(mid) == ref.stuurgroep_of_member(mid)
        for mid in ref.gone:
            assert mid not in h
            with pytest.raises(UnknownMemberError):
                h.wijkgroep_of(mid)

    @invariant()
    def groups_agree(self) -> None:
        """The groups, their admins, chat members, sizes and capacity states (G3, G4)."""
        h, ref = self.h, self.ref
        assert {g: h.kind(g) for g in h.groups()} == ref.kind
        for g in ref.kind:
            assert h.admins(g) == ref.admins(g)
            assert h.members(g) == ref.chat_members(g)
            assert h.size(g) == len(ref.chat_members(g))
            cap = h.capacity(g)
            assert (cap.limit, cap.state) == (ref.limit[g], ref.capacity_state(g))

    @invariant()
    def structure_agrees(self) -> None:
        """Who manages whom (S1, S2), the telefoonbeheerders (T1), the regiegroepen (S5)."""
        h, ref = self.h, self.ref
        for wg in ref.of_kind(GroupKind.WIJKGROEP):
            assert h.stuurgroep_of(wg) == ref.manager[wg]
            assert set(h.residents(wg)) == ref.residents(wg)
            siblings = ref.managed(ref.manager[wg]) - {wg}
            assert set(h.sibling_wijkgroepen(wg)) == siblings
        for sg in ref.of_kind(GroupKind.STUURGROEP):
            assert set(h.managed_wijkgroepen(sg)) == ref.managed(sg)
            assert h.telefoonbeheerder(sg) == ref.tb[sg]
        for wijk in set(ref.wijk.values()):
            assert h.regiegroep_of(wijk) == ref.regiegroep.get(wijk)
            assert set(h.stuurgroepen_of(wijk)) == {
                sg for sg in ref.of_kind(GroupKind.STUURGROEP) if ref.wijk[sg] == wijk
            }
        assert h.gemeentelijke_regiegroep_of(GEMEENTE) == ref.gemeentelijke


HierarchyMachine.TestCase.settings = settings(stateful_step_count=40)
TestHierarchy = HierarchyMachine.TestCase
