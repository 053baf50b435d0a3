"""Random hierarchies, random commands: the relay against a naive reference router.

The machine builds a small random town, picks a relevance policy, and fires
random commands (reports, forwards, decisions, confirmations, failures,
afloops, ticks) at the relay, many of them wrong on purpose. After every step
it checks the properties of issue 3:

* no group gets the same message twice (an earlier copy must have failed);
* no loops: every route is a chain of distinct groups from the origin;
* every forward was made by someone who holds the duty, checked by brute
  force over the hierarchy's public queries rather than the relay's tables;
* the reach set is exactly what the decisions allowed, and with the
  policies Always and Never it is the brute-force closure of the path;
* the afloop reaches exactly the reach set;
* a refused command changes nothing;
* replaying the same commands on a fresh relay gives the same outputs.

Between commands the hierarchy changes under the relay: members leave, are
removed (T2) or move, are erased (AVG art. 17), and wijkgroepen split (G2),
while incidents are open; police notices (P1) arrive too. After every
command no live incident keeps a casushouder, or a delivery task, for a member
who is not in the group (R3), and the incidents of one situation never share a
group (R7).

The number of examples comes from the Hypothesis profile (``HYPOTHESIS_PROFILE``,
``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import Any

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from routing.domain.settings import Settings
from routing.domain.values import GroupKind
from routing.engine.commands import (
    Afloop,
    Command,
    Confirm,
    Decide,
    Fail,
    Forward,
    HandOver,
    PoliceNotice,
    React,
    Report,
    Screen,
    Tick,
)
from routing.engine.incident import DeliveryStatus, Phase
from routing.engine.outputs import (
    CasushouderChanged,
    Delivery,
    DeliveryFailed,
    DeliveryKind,
    IncidentOpened,
    IncidentRegrouped,
    Output,
    Step,
    TaskReassigned,
)
from routing.engine.policies import Always, Ask, ByStep, Never, Policy
from routing.errors import Refused, RoutingError, UnknownIdError
from routing.hierarchy.changes import (
    Change,
    Erase,
    Leave,
    Move,
    Remove,
    SplitWijkgroep,
    apply_change,
)
from routing.model import Hierarchy
from routing.relay import Relay, RelayConfig
from routing.testing import build_town, deliveries, melding, relay_state

CATEGORIES = ["inbraak", "vermissing", "diefstal"]
#: The hierarchy changes the machine makes under open incidents.
KINDS = ["leave", "remove", "move", "erase", "split"]


@st.composite
def layouts(draw: st.DrawFn) -> dict[str, Any]:
    n_wijken = draw(st.integers(1, 3))
    layout: dict[str, dict[str, list[str]]] = {}
    for w in range(n_wijken):
        sgs = {}
        for s in range(draw(st.integers(1, 2))):
            sgs[f"sg{w}{s}"] = [f"wg{w}{s}{g}" for g in range(draw(st.integers(1, 3)))]
        layout[f"W{w}"] = sgs
    with_regie = [w for w in layout if draw(st.booleans())]
    return {
        "layout": layout,
        "regiegroepen": with_regie,
        "gemeentelijke": "grg" if with_regie and draw(st.booleans()) else None,
    }


def policies() -> st.SearchStrategy[Policy]:
    simple = st.sampled_from([Always(), Never(), Ask()])
    by_step = st.dictionaries(st.sampled_from(list(Step)), simple).map(
        lambda m: ByStep(m, default=Always())
    )
    return st.one_of(simple, by_step)


def naive_may_forward(h: Hierarchy, by: int, source: str, target: str) -> bool:
    """Duty check straight from the hierarchy's public queries (S2, S3, S5, P2)."""
    ks, kt = h.kind(source), h.kind(target)
    W, S, R, G = (  # noqa: N806 - the four kinds of group, as in docs/glossary.md
        GroupKind.WIJKGROEP,
        GroupKind.STUURGROEP,
        GroupKind.REGIEGROEP,
        GroupKind.GEMEENTELIJKE_REGIEGROEP,
    )
    if ks is W and kt is W:
        sg = h.stuurgroep_of(source)
        return source != target and h.stuurgroep_of(target) == sg and by in h.admins(sg)
    if ks is W and kt is R:
        return h.regiegroep_of(h.wijk_of(source) or "") == target and by in h.admins(
            h.stuurgroep_of(source)
        )
    if ks is R and kt is W:
        return h.regiegroep_of(h.wijk_of(target) or "") == source and by in h.admins(
            h.stuurgroep_of(target)
        )
    if ks is R and kt is G:
        return h.gemeentelijke_regiegroep_of(h.gemeente_of(source)) == target and (
            by in h.admins(source) and by in h.admins(target)
        )
    if ks is G and kt is R:
        return h.gemeentelijke_regiegroep_of(h.gemeente_of(target)) == source and (
            by in h.admins(source) and by in h.admins(target)
        )
    if ks is S and kt is W:
        return h.stuurgroep_of(target) == source and by in h.admins(source)
    return False


def naive_closure(h: Hierarchy, origin: str, blocked: frozenset[str] = frozenset()) -> set[str]:
    """Every group reachable from ``origin`` by steps someone may take, never into
    ``blocked``: brute force."""
    groups = list(h.groups())
    members = range(len(h) + 1000)
    seen = {origin}
    frontier = [origin]
    while frontier:
        src = frontier.pop()
        for dst in groups:
            if dst in seen or dst in blocked:
                continue
            if any(m in h and naive_may_forward(h, m, src, dst) for m in members if m in h):
                seen.add(dst)
                frontier.append(dst)
    return seen


class RelayMachine(RuleBasedStateMachine):
    @initialize(spec=layouts(), policy=policies(), default=st.booleans())
    def build(self, spec: dict[str, Any], policy: Policy, default: bool) -> None:
        self.spec = spec
        self.policy = policy
        self.config = RelayConfig(decision_timeout=50, decision_default=default, reminder_after=400)
        self.h = build_town(spec["layout"], residents=2, **self._town_kwargs()).hierarchy
        self.splits = 0
        self.relay = Relay(self.h, policy=policy, config=self.config)
        self.members = list(range(len(self.h)))
        self.groups = list(self.h.groups())
        self.now = 0.0
        self.log: list[tuple[Command | Change, object]] = []
        self.all_deliveries: list[Delivery] = []
        self.admins = sorted(m for m in self.members if self.h.stuurgroep_membership(m) is not None)
        # The steps of the path in this town, so forwards can aim at legal targets.
        self.edges = {
            src: [
                dst
                for dst in self.groups
                if any(naive_may_forward(self.h, m, src, dst) for m in self.admins)
            ]
            for src in self.groups
        }

    def _town_kwargs(self) -> dict[str, Any]:
        return {
            "regiegroepen": self.spec["regiegroepen"],
            "gemeentelijke": self.spec["gemeentelijke"],
            # Small enough that a wijkgroep of two residents may split (G2).
            "settings": Settings(split_threshold=1),
        }

    def _groups_changed(self) -> None:
        self.groups = list(self.h.groups())
        self.edges = {
            src: [
                dst
                for dst in self.groups
                if any(naive_may_forward(self.h, m, src, dst) for m in self.admins)
            ]
            for src in self.groups
        }

    # -------------------------------------------------------------- driving

    # One rule draws what happens next, so the mix of commands is ours to
    # choose: reports and forwards often, the closing afloop now and then.
    MIX = (
        ["report"] * 3 + ["forward"] * 4 + ["decide"] * 2 + ["confirm_or_fail"] * 2
        + ["react", "hand_over", "screen", "afloop", "tick", "police"] + ["change"] * 2
    )  # fmt: skip

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        self.fresh: list[Delivery] = []
        name = data.draw(st.sampled_from(self.MIX))
        if name not in ("report", "tick", "police", "change") and not self.relay.incidents():
            name = "report"
        if name == "decide" and not self.relay.pending():
            name = "forward"
        getattr(self, name)(data)

    def _at(self, data: st.DataObject) -> float:
        self.now += data.draw(st.sampled_from([0.0, 1.0, 7.0, 60.0]))
        return self.now

    def _incident(self, data: st.DataObject) -> str:
        ids = self.relay.incidents()
        if not ids or data.draw(st.integers(0, 9)) == 0:
            return data.draw(st.sampled_from([*ids, "I999"]))
        return ids[-1 - data.draw(st.integers(0, min(3, len(ids) - 1)))]  # mostly recent ones

    def _member(self, data: st.DataObject) -> int:
        return data.draw(st.sampled_from([*self.members, 999_999]))

    def _group(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(self.groups))

    def _run(self, command: Command) -> tuple[Output, ...] | None:
        before = relay_state(self.relay)
        try:
            outputs = self.relay.handle(command)
        except (Refused, UnknownIdError):
            after = relay_state(self.relay)
            assert after == before, (
                f"refused {command!r} changed the relay",
                [
                    (b.id, f, getattr(b, f), getattr(a, f))
                    for b, a in zip(before[0], after[0], strict=False)
                    for f in attrs.fields_dict(type(b))
                    if getattr(a, f) != getattr(b, f)
                ],
                before[1:] == after[1:],
            )
            self.log.append((command, None))
            return None
        self.log.append((command, outputs))
        self.fresh = deliveries(outputs, None)
        self.all_deliveries += self.fresh
        for o in outputs:
            if isinstance(o, CasushouderChanged | TaskReassigned) and o.reason:
                event(f"a {type(o).__name__} for a member who went")
            if isinstance(o, IncidentRegrouped):
                event("an incident followed a split")
        return outputs

    def report(self, data: st.DataObject) -> None:
        category = data.draw(st.sampled_from(CATEGORIES))
        called = data.draw(st.integers(0, 4)) > 0
        joins = data.draw(st.none() | st.sampled_from([*self.relay.incidents(), "I999"]))
        reporter = self._member(data)
        out = self._run(
            Report(
                at=self._at(data),
                reporter=reporter,
                melding=melding(category, called_112=called),
                joins=joins,
            )
        )
        opened = [o for o in out or () if isinstance(o, IncidentOpened)]
        if opened and isinstance(self.policy, Always | Never):
            reached = {d.group for d in deliveries(out or (), None)}
            origin = opened[0].origin
            first = opened[0].linked_to
            # R7: a linked incident goes nowhere its situation already reached.
            situation = frozenset(
                g
                for other in (self._situation(first) if first is not None else ())
                if other != opened[0].incident
                for g in self.relay.incident(other).reached
            )
            expected = (
                naive_closure(self.h, origin, situation - {origin})
                if isinstance(self.policy, Always)
                else {origin}
            )
            assert reached == expected

    def _as_now(self, groups: Iterable[str]) -> set[str]:
        return {now for g in groups for now in ((g,) if g in self.groups else self.h.split_into(g))}

    def _situation(self, incident: str) -> list[str]:
        """The incidents linked with ``incident``, up and down (R7)."""
        root = incident
        while (up := self.relay.incident(root).linked_to) is not None:
            root = up
        found = [root]
        for iid in found:
            found.extend(self.relay.incident(iid).linked)
        return found

    def forward(self, data: st.DataObject) -> None:
        # Mostly plausible forwards (from a reached group, by a stuurgroep
        # member), so the legal ones are common enough to matter.
        incident = self._incident(data)
        reached = (
            self.relay.incident(incident).reached if incident in self.relay.incidents() else ()
        )
        plausible = bool(reached) and data.draw(st.integers(0, 4)) > 0
        source = data.draw(st.sampled_from(sorted(reached))) if plausible else self._group(data)
        targets = self.edges.get(source, [])  # a group a split removed has none
        aimed = bool(targets) and data.draw(st.integers(0, 3)) > 0
        target = data.draw(st.sampled_from(targets)) if aimed else self._group(data)
        by = (
            data.draw(st.sampled_from(self.admins))
            if data.draw(st.booleans())
            else self._member(data)
        )
        self._run(
            Forward(at=self._at(data), by=by, incident=incident, source=source, target=target)
        )

    def decide(self, data: st.DataObject) -> None:
        forward = data.draw(st.booleans())
        ids = [p.id for p in self.relay.pending()] + [999]
        decision = data.draw(st.sampled_from(ids))
        by = (
            data.draw(st.sampled_from(self.admins))
            if data.draw(st.booleans())
            else self._member(data)
        )
        self._run(Decide(at=self._at(data), by=by, decision=decision, forward=forward))

    def screen(self, data: st.DataObject) -> None:
        release = data.draw(st.booleans())
        self._run(
            Screen(
                at=self._at(data),
                by=self._member(data),
                incident=self._incident(data),
                release=release,
            )
        )

    def confirm_or_fail(self, data: st.DataObject) -> None:
        ok = data.draw(st.booleans())
        ids = [d.id for d in self.all_deliveries] + [10**6]
        delivery = data.draw(st.sampled_from(ids))
        at = self._at(data)
        by = data.draw(st.none() | st.sampled_from(self.members))
        self._run(
            Confirm(at=at, delivery=delivery, by=by)
            if ok
            else Fail(at=at, delivery=delivery, reason="x")
        )

    def react(self, data: st.DataObject) -> None:
        self._run(
            React(
                at=self._at(data),
                member=self._member(data),
                incident=self._incident(data),
                text="info",
            )
        )

    def hand_over(self, data: st.DataObject) -> None:
        self._run(
            HandOver(
                at=self._at(data),
                by=self._member(data),
                incident=self._incident(data),
                wijkgroep=self._group(data),
                to=self._member(data),
            )
        )

    def afloop(self, data: st.DataObject) -> None:
        incident = self._incident(data)
        reached = (
            self.relay.incident(incident).reached if incident in self.relay.incidents() else ()
        )
        out = self._run(
            Afloop(at=self._at(data), by=self._member(data), incident=incident, text="klaar")
        )
        if out is not None:
            closing = [d.group for d in deliveries(out, None)]
            # Before it closes, the relay catches up with a split: a task never
            # posted in a wijkgroep it removed failed, the rest follow (G2).
            meldingen = {d.id for d in self.all_deliveries if d.kind is DeliveryKind.MELDING}
            lost = {
                o.group for o in out if isinstance(o, DeliveryFailed) and o.delivery in meldingen
            }
            assert sorted(closing) == sorted(self._as_now(set(reached) - lost))
            assert all(d.kind is DeliveryKind.AFLOOP for d in deliveries(out, None))

    def police(self, data: st.DataObject) -> None:
        stuurgroepen = sorted(g for g in self.groups if self.h.kind(g) is GroupKind.STUURGROEP)
        regie = [g for g in self.groups if self.h.kind(g) is GroupKind.REGIEGROEP]
        addressed = data.draw(st.lists(st.sampled_from(stuurgroepen), max_size=2, unique=True))
        regiegroep = data.draw(st.none() | st.sampled_from(regie)) if regie else None
        if not addressed and regiegroep is None:
            addressed = [stuurgroepen[0]]
        category = data.draw(st.sampled_from(CATEGORIES))
        self._run(
            PoliceNotice(
                at=self._at(data), sender="wijkagent", melding=melding(category),
                regiegroep=regiegroep, stuurgroepen=addressed,
            )
        )  # fmt: skip

    def change(self, data: st.DataObject) -> None:
        """The hierarchy changes between commands, with incidents open."""
        holders = sorted(
            {m for i in self.relay.incidents() for _, m in self.relay.incident(i).casushouders}
        )
        # Often a casushouder: what they hold must pass on (R3).
        pool = holders if holders and data.draw(st.booleans()) else self.members
        member = data.draw(st.sampled_from(pool))
        kind = data.draw(st.sampled_from(KINDS))
        change: Change
        if kind == "leave":
            change = Leave(member=member, by=member)
        elif kind == "erase":
            change = Erase(member=member, by=member)
        elif kind == "split":
            # Every resident to one new wijkgroep: the old one is removed, and
            # what its open incidents reached must follow (G2).
            wijkgroepen = [g for g in self.groups if self.h.kind(g) is GroupKind.WIJKGROEP]
            wg = data.draw(st.sampled_from(wijkgroepen))
            sg = self.h.stuurgroep_of(wg)
            self.splits += 1
            change = SplitWijkgroep(
                by=self.h.telefoonbeheerder(sg), wijkgroep=wg, buurten={},
                approvals=self.h.members(sg), rest=f"{wg}s{self.splits}",
            )  # fmt: skip
        else:
            by = data.draw(st.sampled_from(self.admins))
            if kind == "remove":
                change = Remove(by=by, member=member, reason="spelregels")
            else:
                wijkgroepen = [g for g in self.groups if self.h.kind(g) is GroupKind.WIJKGROEP]
                change = Move(
                    by=by, member=member, wijkgroep=data.draw(st.sampled_from(wijkgroepen))
                )
        try:
            result: object = apply_change(self.h, change, self.relay)
        except RoutingError as error:
            result = type(error)
        self.log.append((change, result))
        if isinstance(change, SplitWijkgroep) and not isinstance(result, type):
            self._groups_changed()
        # Stuurgroep members cannot leave or be removed (G4), so the admins stay.

    def tick(self, data: st.DataObject) -> None:
        deadline = self.relay.next_deadline()
        if deadline is not None and data.draw(st.booleans()):
            self.now = max(self.now, deadline)
        self._run(Tick(at=self._at(data)))
        after = self.relay.next_deadline()
        assert after is None or after > self.now

    # ----------------------------------------------------------- invariants

    @invariant()
    def routes_are_chains_without_loops_made_by_duty_holders(self) -> None:
        # Checked when handed out, against the hierarchy of that moment: a
        # later split removes groups the routes of the past went through.
        for d in getattr(self, "fresh", ()):
            targets = [hop.target for hop in d.route]
            # A reaction or afloop in a wijkgroep made by a split follows the
            # melding's route into the wijkgroep it was made from (G2).
            assert targets[-1] == d.group or d.group in self.h.split_into(targets[-1])
            assert len(set(targets)) == len(targets), f"loop in {targets}"
            assert d.route[0].source is None
            for before, hop in zip(d.route, d.route[1:], strict=False):
                assert hop.source == before.target
                assert hop.decision is not None
                assert hop.decision.forward
                assert hop.target in hop.decision.targets
                assert hop.by is not None
            # The duty behind the step just taken (the earlier hops were checked
            # when they were taken; a split may have removed their groups since).
            last = d.route[-1]
            if d.kind is DeliveryKind.MELDING and last.source is not None:
                assert last.by is not None
                sources = self._as_now([last.source])
                assert any(naive_may_forward(self.h, last.by, s, last.target) for s in sources)

    @invariant()
    def each_group_gets_the_melding_once_and_reach_is_what_decisions_allowed(self) -> None:
        for iid in self.relay.incidents():
            view = self.relay.incident(iid)
            status = {r.delivery.id: r.status for r in view.deliveries}
            per_group: dict[str, list[Delivery]] = {}
            for r in view.deliveries:
                if r.delivery.kind is DeliveryKind.MELDING:
                    per_group.setdefault(r.delivery.group, []).append(r.delivery)
            live = {
                g for g, ds in per_group.items() if status[ds[-1].id] is not DeliveryStatus.FAILED
            }
            for ds in per_group.values():
                assert all(status[d.id] is DeliveryStatus.FAILED for d in ds[:-1])
            # A wijkgroep a split removed counts as the ones its residents went
            # to, once the relay caught up with the split (G2).
            assert self._as_now(view.reached) == self._as_now(live)
            assert len(view.reached) == len(set(view.reached))
            allowed = {t for dec in view.decisions if dec.forward for t in dec.targets}
            for group, ds in per_group.items():
                last = ds[-1].route[-1]
                assert last.source is None or group in allowed
            afloops = [r for r in view.deliveries if r.delivery.kind is DeliveryKind.AFLOOP]
            assert len({r.delivery.group for r in afloops}) == len(afloops)

    @invariant()
    def nothing_is_left_with_a_member_who_is_gone(self) -> None:
        """R3: after each command, no live incident keeps a role or a task for someone
        not in the group (the relay catches up with changes before a command)."""
        if not self.log:
            return
        last, result = self.log[-1]
        # A refused command undoes its catch-up with it; a change waits for the next command.
        if result is None or not isinstance(last, Command.__args__):  # type: ignore[attr-defined]
            return
        tables = self.relay._router.tables
        for iid in self.relay.incidents():
            view = self.relay.incident(iid)
            if view.phase not in (Phase.OPEN, Phase.SPREADING, Phase.CLOSED):
                continue
            for wg, holder in view.casushouders if view.phase is not Phase.CLOSED else ():
                assert holder in self.h, (iid, wg, holder)
                assert tables.is_member(holder, wg), (iid, wg, holder)
            for r in view.deliveries:
                if r.status is DeliveryStatus.PENDING and r.delivery.poster is not None:
                    assert r.delivery.poster in self.h
                    assert tables.is_member(r.delivery.poster, r.delivery.group)

    @invariant()
    def the_incidents_of_one_situation_share_no_group(self) -> None:
        """R7: a linked incident alerts no group its situation reached."""
        for iid in self.relay.incidents():
            if self.relay.incident(iid).linked_to is not None:
                continue  # each situation once, from its first incident
            seen: dict[str, str] = {}
            for member in self._situation(iid):
                for group in self.relay.incident(member).reached:
                    assert group not in seen, (
                        member,
                        seen.get(group),
                        group,
                        self.relay._router.ledger.incidents[member].screening,
                        self.relay.incident(member).origin,
                    )
                    seen[group] = member

    @invariant()
    def each_incident_keeps_its_batches_in_the_order_of_their_ids(self) -> None:
        # Relay._delivery finds a delivery of an incident by a binary search.
        for inc in self.relay._router.ledger.incidents.values():
            spans = [(b[4], b[4] + len(b[5])) for b in inc.deliveries]
            for (_, end), (start, _) in pairwise(spans):
                assert end <= start

    def teardown(self) -> None:
        if not hasattr(self, "log"):
            return
        town = build_town(self.spec["layout"], residents=2, **self._town_kwargs())
        fresh = Relay(town.hierarchy, policy=self.policy, config=self.config)
        for item, result in self.log:
            again: object
            if isinstance(item, Command.__args__):  # type: ignore[attr-defined]
                try:
                    again = fresh.handle(item)
                except (Refused, UnknownIdError):
                    again = None
            else:
                try:
                    again = apply_change(town.hierarchy, item, fresh)
                except RoutingError as error:
                    again = type(error)
            assert again == result, f"replay differs at {item!r}"


# The profile's max_examples (tests/conftest.py), with longer runs per example.
RelayMachine.TestCase.settings = settings(stateful_step_count=30, deadline=None)
TestRelayMachine = RelayMachine.TestCase
