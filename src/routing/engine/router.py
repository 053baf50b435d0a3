"""The relay's shared machinery: :class:`Router`, the fan-out over the routing tables.

:mod:`routing.engine.tables` knows the structure (an entry per group);
:mod:`routing.engine.ledger` what the relay keeps; this module the steps
every command shares: deliver the origin, judge the decision points beyond
each group reached, hand out deliveries, ask and answer pending decisions.
The commands themselves, and their checks, are in the handler modules that
:class:`~routing.relay.Relay` composes.

Outputs are made twice on the hot path: the frozen value handed back and
the plain record the relay keeps (:mod:`routing.engine.records` says why).
"""

from __future__ import annotations

from typing import cast

from routing.domain.texts import render_melding
from routing.domain.values import GroupKind, MemberId
from routing.errors import UnknownMemberError
from routing.model import Hierarchy

from .building import Building, Parent
from .fanout import Plan, build_plan, run_plan
from .incident import (
    Event,
    IncidentState,
    PendingRec,
    Phase,
    forwarded_text,
    next_phase,
    reaction_text,
)
from .ledger import DECISION_DUE, LIVE, Ledger
from .outputs import (
    DeliveryKind,
    Output,
    PendingDecision,
    Step,
    new_decision_made,
    new_deliveries,
    new_pending_decision,
)
from .policies import Answer, Context, Policy, Verdict, fixed_verdicts
from .records import (
    B_FIRST,
    KIND_INDEX,
    STEP_INDEX,
    BatchRec,
    DecisionRec,
    External,
    RouteRec,
    batch_route,
    decision_of,
    make_batch,
)
from .tables import RelayConfig, Tables

__all__ = ["Queued", "Router"]

_MELDING_INDEX = KIND_INDEX[DeliveryKind.MELDING]
_FORWARD = Answer.FORWARD
_SKIP = Answer.SKIP
_SPREADING = Phase.SPREADING
_FORWARDED = Event.FORWARD  # read once (see origins.py)

_NOWHERE: frozenset[str] = frozenset()

Queued = tuple[str, int]
"""A group reached in this command, with the id of its melding delivery."""


class Router:
    """The fan-out over the routing tables, shared by every command handler.

    It holds the hierarchy, the policy, the configuration, the routing tables
    and the :class:`~routing.engine.ledger.Ledger`, and does the steps every
    command shares: deliver the origin, judge the decision points beyond each
    group reached, hand out deliveries, ask and answer pending decisions. The
    commands themselves, and their checks, are in the handler modules
    (:mod:`~routing.engine.origins`, :mod:`~routing.engine.steps`,
    :mod:`~routing.engine.followup`), which :class:`~routing.relay.Relay`
    composes.
    """

    def __init__(self, hierarchy: Hierarchy, policy: Policy, config: RelayConfig) -> None:
        self.hierarchy = hierarchy
        self.policy = policy
        self.config = config
        self.tables = Tables(
            hierarchy,
            on_duty=dict(config.on_duty),
            bot_groups=config.bot_groups,
            bot_platforms=config.bot_platforms,
        )
        #: What the relay keeps between commands; replaced whole when a state is loaded.
        self.ledger = Ledger()
        self.building: list[Building] = []  # the running command's batches
        self._fixed_for: Policy | None = None  # the policy _fixed was computed for
        self._fixed: dict[Step, Verdict] | None = None
        self._plans: dict[str, Plan | None] = {}  # see routing.engine.fanout
        self._plans_at = 0  # the tables' rebuild count the plans were made for
        #: Whether fresh reports use the precomputed fan-out plans of
        #: :mod:`routing.engine.fanout`; off gives the generic spread (the tests compare).
        self.use_plans = True
        self.prepare()

    def prepare(self) -> None:
        """Build every routing entry and fan-out plan now, not on first use.

        The relay does this when it is created, so that the first report from
        any wijkgroep costs what the next one does; after a structural change
        they are rebuilt one group at a time, as reports touch them.
        """
        self.tables.prepare()
        for gid in self.hierarchy.groups(GroupKind.WIJKGROEP):
            self.plan(gid)

    def originate(
        self, inc: IncidentState, reporter: MemberId, bot: bool, at: float, out: list[Output]
    ) -> None:
        """Deliver a resident's melding in their wijkgroep (R3) and spread it.

        ``bot``: whether a bot posts in the wijkgroep; the caller has its entry.
        """
        wg = inc.origin
        inc.text = render_melding(inc.melding, lang=self.config.lang)
        inc.casus[wg] = reporter
        plan = (
            self.plan(wg)
            if not inc.considered and not inc.decisions and inc.linked_to is None
            else None
        )
        if plan is not None:
            run_plan(self.ledger.counts, self.ledger.deliveries, inc, plan, reporter, at, out)
            if plan.forwards:
                inc.phase = next_phase(inc.phase, _FORWARDED, incident=inc.id)
            return
        poster = None if bot else reporter
        did = self.deliver(inc, wg, inc.text, poster, bot, reporter, None, None, at, out)
        inc.reach[wg] = did
        self.spread(inc, [(wg, did)], at, out)

    def verdicts(self) -> dict[Step, Verdict] | None:
        """:func:`~routing.engine.policies.fixed_verdicts` of the current policy.

        Worked out again when the app replaced the policy; the fan-out
        plans made for the old one go at the same moment, whichever command
        notices the change first.
        """
        policy = self.policy
        if policy is not self._fixed_for:
            self._fixed_for = policy
            self._fixed = fixed_verdicts(policy)
            self._plans = {}
        return self._fixed

    def plan(self, wijkgroep: str) -> Plan | None:
        """The fan-out plan of ``wijkgroep`` for the current policy and tables, if any."""
        if (
            self.policy is self._fixed_for
            and self._plans_at == self.tables.rebuilds
            and self.use_plans
        ):
            plans = self._plans
            if wijkgroep in plans:  # made for this policy and structure
                return plans[wijkgroep]
        fixed = self.verdicts()
        if fixed is None or not self.use_plans:
            return None
        if self._plans_at != self.tables.rebuilds:  # the structure changed
            self._plans = {}
            self._plans_at = self.tables.rebuilds
        try:
            return self._plans[wijkgroep]
        except KeyError:
            plan = self._plans[wijkgroep] = build_plan(self.tables, wijkgroep, fixed)
            return plan

    # ------------------------------------------------------------ spreading

    def spread(
        self,
        inc: IncidentState,
        queue: list[Queued],
        at: float,
        out: list[Output],
    ) -> None:
        """Judge every decision point beyond the groups in ``queue``, breadth first.

        The steps are S2, S3 (R5) and S5 (R6), and R5 and R6 one level up.

        The hot path of reports the fan-out plans do not cover: the loop
        counts ids inline, and asks a policy that ignores the context (see
        :func:`~routing.engine.policies.fixed_verdicts`) without building one.
        """
        tables = self.tables
        policy = self.policy
        fixed = self.verdicts()
        reach = inc.reach
        considered = self.judged(inc)
        # Groups that have the situation through a linked incident (R7).
        elsewhere = self.elsewhere(inc) if inc.linked_to or inc.linked else _NOWHERE
        decisions: list[DecisionRec] = []  # added to the incident's at the end
        counts = self.ledger.counts
        i = 0
        while i < len(queue):
            group, did = queue[i]
            i += 1
            entry = tables.entry(group)
            for step, decider, targets, target_wijk in entry.points:
                if len(targets) == 1:  # most points lead to one group: no generator
                    t = targets[0]
                    if t in reach or (decider, t) in considered or t in elsewhere:
                        continue
                    todo: tuple[str, ...] = targets
                    considered.add((decider, t))
                else:
                    todo = tuple(
                        [
                            t
                            for t in targets
                            if t not in reach
                            and (decider, t) not in considered
                            and t not in elsewhere
                        ]
                    )
                    if not todo:
                        continue
                    for t in todo:
                        considered.add((decider, t))
                if fixed is None:
                    context = Context(
                        incident=inc.id, melding=inc.melding, police=inc.police, step=step,
                        decider=decider, source=group, targets=todo, origin_wijk=inc.origin_wijk,
                        source_wijk=entry.wijk, target_wijk=target_wijk, at=at,
                    )  # fmt: skip
                    verdict = policy.decide(context)
                else:
                    verdict = fixed[step]
                answer = verdict.answer
                if answer is _FORWARD:
                    carrier = tables.entry(decider).on_duty
                    counts[2] += 1
                    decisions.append((
                        counts[2], inc.id, STEP_INDEX[step], decider, group, todo, True,
                        carrier, at, verdict.reason, False,
                    ))  # fmt: skip
                    self.carry(inc, did, todo, carrier, counts[2], at, out, queue)
                elif answer is _SKIP:
                    counts[2] += 1
                    decisions.append((
                        counts[2], inc.id, STEP_INDEX[step], decider, group, todo, False,
                        None, at, verdict.reason, False,
                    ))  # fmt: skip
                else:
                    out.append(self.ask(inc, step, decider, group, todo, at, did, verdict.reason))
        if decisions:
            inc.decisions += tuple(decisions)

    def carry(
        self,
        inc: IncidentState,
        parent: Parent,
        targets: tuple[str, ...],
        by: MemberId | None,
        decision: int,
        at: float,
        out: list[Output],
        queue: list[Queued],
    ) -> None:
        """Hand out one delivery per target not yet reached, and queue them to spread on.

        ``parent`` is the melding delivery (or the route) in the group the
        new ones come from, ``decision`` the id of the decision that allowed
        the step. A
        group gets the melding once; one whose delivery failed gets it
        again, but never through a route that already passes it (S2, S3,
        S5, P2).
        """
        tables = self.tables
        text = inc.fwd_text
        if not text:
            text = inc.fwd_text = forwarded_text(inc.origin, inc.text)
        reach = inc.reach
        failed = inc.failed
        elsewhere = self.elsewhere(inc) if inc.linked_to or inc.linked else _NOWHERE
        passed: set[str] | None = None
        moved = False
        for t in targets:
            if t in reach or t in elsewhere:
                continue
            if failed and t in failed:
                if passed is None:
                    passed = {hop[1] for hop in self.parent_route(parent, inc)}
                if t in passed:
                    continue
            bot = tables.entry(t).bot
            poster = None if bot else by
            reach[t] = did = self.deliver(inc, t, text, poster, bot, by, parent, decision, at, out)
            queue.append((t, did))
            moved = True
        if moved and inc.phase is not _SPREADING:
            inc.phase = next_phase(inc.phase, _FORWARDED, incident=inc.id)

    def ask(
        self,
        inc: IncidentState,
        step: Step,
        decider: str,
        group: str,
        targets: tuple[str, ...],
        at: float,
        source: int,
        reason: str,
    ) -> PendingDecision:
        """Put a decision point to the members of its deciding group (R5, R6).

        ``group`` is where the melding is, ``source`` its delivery there: an
        answer that forwards extends its route.
        """
        pid = self.ledger.next_count(3)
        deadline = at + self.config.decision_timeout
        where = ", ".join(targets)
        category = inc.melding.category.value  # the Dutch label
        question = (
            f"Is de melding {inc.id} ({category}) uit {group} relevant voor {where}? ({reason})"
        )
        output = new_pending_decision(
            id=pid, incident=inc.id, step=step, decider=decider, source=group,
            targets=targets, deadline=deadline, question=question,
        )  # fmt: skip
        seq = self.ledger.push(deadline, DECISION_DUE, pid)
        self.ledger.pending[pid] = (
            pid, inc.id, STEP_INDEX[step], decider, group, targets, deadline, question,
            source, seq,
        )  # fmt: skip
        inc.pending += (pid,)
        return output

    def resolve(
        self,
        pending: PendingRec,
        *,
        forward: bool,
        by: MemberId | None,
        reason: str,
        default: bool,
        at: float,
        out: list[Output],
    ) -> None:
        """Answer a pending decision (by a member, or by the deadline's default; R5, R6)."""
        pid, iid, step, decider, source, targets, _, _, route, _ = pending
        inc = self.ledger.incidents[iid]
        # A policy of fixed verdicts is never called, so nothing below can
        # fail halfway; only a policy that looks at the context may raise.
        saved = inc.save() if self.verdicts() is None else None
        try:
            dec = self.ledger.next_count(2)
            record: DecisionRec = (
                dec, iid, step, decider, source, targets, forward, by, at, reason, default,
            )  # fmt: skip
            inc.decisions += (record,)
            inc.pending = tuple(other for other in inc.pending if other != pid)
            out.append(new_decision_made(pending=pid, decision=decision_of(record)))
            carrier = by if by is not None else self.tables.entry(decider).on_duty
            if forward and carrier is not None:
                queue: list[Queued] = []
                self.carry(inc, route, targets, carrier, dec, at, out, queue)
                self.spread(inc, queue, at, out)
        except BaseException:
            if saved is not None:
                inc.restore(saved)
            raise
        del self.ledger.pending[pid]
        self.ledger.resolved[pid] = record

    # ------------------------------------------------------------- helpers

    def register(self, inc: IncidentState) -> None:
        """Make a new incident known; the last step of every command that opens one."""
        self.ledger.incidents[inc.id] = inc
        if inc.phase in LIVE:
            self.ledger.index(inc)
            self.ledger.schedule_reminder(inc, inc.opened_at + self.config.reminder_after)

    def deliver(
        self,
        inc: IncidentState,
        group: str,
        text: str,
        poster: MemberId | None,
        bot: bool,
        carrier: MemberId | None,
        parent: Parent,
        decision: int | None,
        at: float,
        out: list[Output],
    ) -> int:
        """Hand out one melding delivery in the running command; returns its id.

        It joins the command's last batch when that is of the same incident
        and the ids follow on; otherwise a new batch starts, placed after the
        outputs made so far. (Reactions and afloops use :meth:`extend`.)
        """
        counts = self.ledger.counts
        counts[1] += 1
        did = counts[1]
        building = self.building
        b = building[-1] if building else None
        if b is None or b.inc is not inc or b.first + len(b.rows) != did:
            b = Building(inc, at, did, len(out))
            building.append(b)
        b.rows.append((group, text, poster, bot, carrier, parent, decision))
        return did

    def finish(self, out: tuple[Output, ...]) -> tuple[Output, ...]:
        """The command's outputs with its batches in place, now made and kept."""
        building = self.building
        self.building = []
        if len(building) == 1:  # the usual case
            b = building[0]
            batch = b.finish(self)
            self.ledger.keep(b.inc, batch)
            slot = b.slot
            return (*out[:slot], new_deliveries(batch), *out[slot:])
        made = []
        for b in building:  # in order: a later batch may extend an earlier one
            batch = b.finish(self)
            self.ledger.keep(b.inc, batch)
            made.append(batch)
        result = list(out)
        for b, batch in zip(reversed(building), reversed(made), strict=True):
            result.insert(b.slot, new_deliveries(batch))
        return tuple(result)

    def extend(
        self,
        inc: IncidentState,
        kind: DeliveryKind,
        at: float,
        groups: tuple[str, ...],
        texts: tuple[str, ...],
        posters: tuple[MemberId | None, ...],
        bots: tuple[bool, ...],
        parents: tuple[External, ...],
    ) -> BatchRec:
        """Hand out and keep a batch whose every delivery extends one of an earlier command.

        A reaction (one group) and an afloop (each group reached) need none
        of :meth:`deliver`'s generality: no decision, no carrier, each
        parent a delivery already kept (``parents``, one each, from
        :meth:`Ledger.delivery <routing.engine.ledger.Ledger.delivery>`). The
        batch is what :class:`~routing.engine.building.Building` would make of
        the same rows, made at once.
        """
        n = len(groups)
        counts = self.ledger.counts
        first = counts[1] + 1
        counts[1] += n
        batch = make_batch(
            incident=inc.id,
            kind=KIND_INDEX[kind],
            police=inc.police,
            at=at,
            first=first,
            groups=groups,
            texts=texts,
            posters=posters,
            bots=bots,
            carriers=(None,) * n,
            parents=tuple(range(-1, -1 - n, -1)),  # each extends its own external
            hops=(-1,) * n,
            externals=parents,
            records=inc.hop_records(),
        )
        self.ledger.keep(inc, batch)
        return batch

    def react(
        self, inc: IncidentState, group: str, member: MemberId, text: str, at: float
    ) -> BatchRec:
        """Deliver a reaction that passed screening into ``group``, a group reached (R4, P3)."""
        bot = self.tables.entry(group).bot
        parent = self.ledger.delivery(inc.reach[group], inc)
        batch = self.extend(
            inc, DeliveryKind.REACTION, at, (group,), (reaction_text(inc.id, text),),
            (None if bot else member,), (bot,), (parent,),
        )  # fmt: skip
        inc.reactions += ((batch[B_FIRST], member, text),)
        return batch

    def route_rec(self, did: int, inc: IncidentState) -> RouteRec:
        """The route of delivery ``did`` of ``inc`` as records, made or still being made."""
        try:
            batch, i = self.ledger.delivery(did, inc)
        except KeyError:
            pass
        else:
            return batch_route(batch, i)
        for b in reversed(self.building):
            if b.first <= did < b.first + len(b.rows):
                return b.route(self, did)
        raise KeyError(did)

    def family(self, inc: IncidentState) -> list[IncidentState]:
        """``inc``'s situation: the incident it is linked to, and so on up,
        and every incident linked to those (R7), the first one first."""
        incidents = self.ledger.incidents
        root = inc
        while root.linked_to is not None:
            root = incidents[root.linked_to]
        found = [root]
        for member in found:  # grows while it is walked: breadth first
            found.extend(incidents[iid] for iid in member.linked)
        return found

    def elsewhere(self, inc: IncidentState) -> frozenset[str]:
        """The groups that have ``inc``'s situation through another incident of its
        :meth:`family`: the link alerts none of them again (R7)."""
        return frozenset(g for other in self.family(inc) if other is not inc for g in other.reach)

    def judged(self, inc: IncidentState) -> set[tuple[str, str]]:
        """``inc.considered`` as a set to add to; it stays one until the afloop."""
        considered = inc.considered
        if type(considered) is not set:
            considered = inc.considered = set(considered)
        return considered

    def parent_ref(self, parent: Parent, inc: IncidentState) -> External:
        """What a finished batch keeps for a parent outside it (see ``External``).

        A delivery of an earlier command, or of an earlier batch of this one
        (finished and kept first), is pointed at; a route stays a route.
        """
        if type(parent) is int:
            try:
                return self.ledger.delivery(parent, inc)
            except KeyError:
                return self.route_rec(parent, inc)
        return cast(RouteRec, parent)

    def parent_route(self, parent: Parent, inc: IncidentState) -> RouteRec:
        if parent is None:
            return ()
        if type(parent) is int:
            return self.route_rec(parent, inc)
        return cast(RouteRec, parent)

    def require_member(self, member: int) -> None:
        """:class:`~routing.errors.UnknownMemberError` unless ``member`` is in the hierarchy."""
        if member not in self.hierarchy:
            raise UnknownMemberError(member)

    def name(self, member: int | None) -> str:
        """The member's name, or ``lid <id>`` for one who is not (or no longer) known."""
        if member is None or member not in self.hierarchy:
            return f"lid {member}"
        return self.hierarchy.name(member)
