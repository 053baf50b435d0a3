"""The relay's shared machinery: :class:`Router`, the fan-out over the routing tables.

:mod:`routing.engine.tables` knows the structure (an entry per group);
this module holds what the relay keeps and the steps every command shares:
deliver the origin, judge the decision points beyond each group reached,
hand out deliveries, ask and answer pending decisions, keep the deadlines.
The commands themselves, and their checks, are in :mod:`routing.relay`.

Outputs are made twice on the hot path: the frozen value handed back and
the plain record the relay keeps (:mod:`routing.engine.records` says why).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from operator import itemgetter
from typing import Any, cast

from routing.domain.texts import render_melding
from routing.domain.values import GroupKind, MemberId
from routing.errors import UnknownGroupError, UnknownIncidentError
from routing.model import Hierarchy

from .commands import PoliceNotice
from .fanout import Plan, build_plan, run_plan
from .incident import (
    P_SEQ,
    Event,
    IncidentState,
    PendingRec,
    Phase,
    forwarded_text,
    next_phase,
    police_text,
)
from .outputs import (
    KIND_INDEX,
    BatchRec,
    DecisionMade,
    DeliveryKind,
    External,
    IncidentOpened,
    Output,
    PendingDecision,
    Step,
    _builder,
    batch_route,
    extend_route,
)
from .policies import Answer, Context, Policy, Verdict, fixed_verdicts
from .records import (
    STEP_INDEX,
    STEPS,
    Batches,
    DecisionRec,
    RouteRec,
    _decision,
    _deliveries,
)
from .tables import RelayConfig, Tables

__all__ = ["Queued", "Router"]

_context = _builder(Context)
_pending = _builder(PendingDecision)
_decision_made = _builder(DecisionMade)
_MELDING_INDEX = KIND_INDEX[DeliveryKind.MELDING]
_FORWARD = Answer.FORWARD
_SKIP = Answer.SKIP
_LIVE = (Phase.OPEN, Phase.SPREADING)
_SPREADING = Phase.SPREADING
_DECISION, _REMINDER = 0, 1  # kinds of deadline on the heap

Queued = tuple[str, int]
"""A group reached in this command, with the id of its melding delivery."""

Parent = int | RouteRec | None
"""What a delivery's route extends: a delivery's id, a route, or nothing (the origin)."""


# One delivery while its command runs: (group, text, poster, bot, carrier,
# parent, decision id); the order of the columns of a Deliveries.
_Row = tuple[str, str, "MemberId | None", bool, "MemberId | None", Parent, "int | None"]
_ID = itemgetter(0)
_FIRST = itemgetter(4)  # a batch's first delivery id
# The parents column of a batch of n deliveries that each extend their own
# external: -1 - k names the k-th (see routing.engine.outputs). Made once for the
# sizes an afloop has; a tuple(range(...)) per reaction cost 2% of an evening.
_OWN_MADE = 64
_OWN_EXTERNALS = tuple(tuple(range(-1, -1 - n, -1)) for n in range(_OWN_MADE))


class _Batch:
    """The melding deliveries a command hands out in one incident, while it runs.

    Every command that spreads a melding collects its deliveries here, one row each,
    in the position of the outputs where the first one was made (``slot``);
    :meth:`Router._finish` turns each into one
    :class:`~routing.engine.outputs.Deliveries` once the command succeeded. Parents
    are kept as delivery ids (or a route) until then; a fresh report from a
    wijkgroep with a fan-out plan skips this and builds its batch at once.
    """

    __slots__ = ("at", "first", "inc", "rows", "slot")

    def __init__(self, inc: IncidentState, at: float, first: int, slot: int) -> None:
        self.inc = inc
        self.at = at
        self.first = first
        self.slot = slot
        self.rows: list[_Row] = []

    def route(self, router: Router, did: int) -> RouteRec:
        group, _, _, _, carrier, parent, decision = self.rows[did - self.first]
        prefix = router._parent_route(parent, self.inc)
        return extend_route(prefix, group, carrier, decision, self.at)

    def finish(self, router: Router) -> BatchRec:
        inc = self.inc
        first = self.first
        rows = self.rows
        records = inc.decisions  # shared: every hop names one of them
        if len(rows) == 1:  # an origin, or a decision that reached one group
            group, text, poster, bot, carrier, p, did = rows[0]
            hop = -1 if did is None else bisect_left(records, did, key=_ID)
            if p is None:
                return (
                    inc.id, _MELDING_INDEX, inc.police, self.at, first, (group,),
                    (text,), (poster,), (bot,), (carrier,), (None,), (hop,), (), records,
                )  # fmt: skip
            return (
                inc.id, _MELDING_INDEX, inc.police, self.at, first, (group,), (text,),
                (poster,), (bot,), (carrier,), (-1,), (hop,), (router._parent_ref(p, inc),),
                records,
            )  # fmt: skip
        groups, texts, posters, bots, carriers, raw, decisions = zip(*rows, strict=True)
        externals: list[Any] = []
        parents: list[int | None] = []
        seen: dict[Any, int] | None = None
        for p in raw:
            if p is None:
                parents.append(None)
            elif type(p) is int and p >= first:
                parents.append(p - first)
            else:
                if seen is None:
                    seen = {}
                k = seen.get(p)
                if k is None:
                    k = seen[p] = len(externals)
                    externals.append(router._parent_ref(p, inc))
                parents.append(-1 - k)
        # Decision ids grow with their position, so a binary search finds each.
        hops = tuple(
            [-1 if did is None else bisect_left(records, did, key=_ID) for did in decisions]
        )
        return (
            inc.id, _MELDING_INDEX, inc.police, self.at, first, groups, texts, posters,
            bots, carriers, tuple(parents), hops, tuple(externals), records,
        )  # fmt: skip


class Router:
    """The fan-out over the routing tables; the base of :class:`~routing.relay.Relay`.

    It holds the relay's state and the steps every command shares: deliver
    the origin, judge the decision points beyond each group reached, hand
    out deliveries, ask and answer pending decisions, keep the deadlines.
    The commands themselves, and their checks, are in :mod:`routing.relay`.
    """

    def __init__(self, hierarchy: Hierarchy, policy: Policy, config: RelayConfig) -> None:
        self.hierarchy = hierarchy
        self.policy = policy
        self.config = config
        self._tables = Tables(
            hierarchy,
            on_duty=dict(config.on_duty),
            bot_groups=config.bot_groups,
            bot_platforms=config.bot_platforms,
        )
        # Records, not outputs: see routing.engine.records for why.
        self._incidents: dict[str, IncidentState] = {}
        self._deliveries = Batches()  # every delivery, by id
        self._building: list[_Batch] = []  # the running command's batches
        # Only deliveries no longer pending: (status value, by, at, reason).
        self._status: dict[int, tuple[str, MemberId | None, float | None, str]] = {}
        self._pending: dict[int, PendingRec] = {}
        self._resolved: dict[int, DecisionRec | None] = {}  # None: cancelled by the afloop
        # (wijkgroep, category name) -> ids; a name, not the enum member, so
        # that the key is a tuple the collector stops tracking. Read as the
        # member's ``_name_``: the ``name`` property costs a call per report.
        self._recent: dict[tuple[str, str], list[str]] = {}
        self._heap: list[tuple[float, int, int, Any]] = []
        self._counts = [0, 0, 0, 0]  # incidents, deliveries, decisions, pending
        self._seq = 0  # heap order; never rolled back, so stale entries stay stale
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
        self._tables.prepare()
        for gid in self.hierarchy.groups(GroupKind.WIJKGROEP):
            self._plan(gid)

    def _originate(
        self, inc: IncidentState, reporter: MemberId, bot: bool, at: float, out: list[Output]
    ) -> None:
        """Deliver a resident's melding in their wijkgroep (R3) and spread it.

        ``bot``: whether a bot posts in the wijkgroep; the caller has its entry.
        """
        wg = inc.origin
        inc.text = render_melding(inc.melding, lang=self.config.lang)
        inc.casus[wg] = reporter
        plan = self._plan(wg) if not inc.considered and not inc.decisions else None
        if plan is not None:
            run_plan(self._counts, self._deliveries, inc, plan, reporter, at, out)
            if plan.forwards:
                inc.phase = next_phase(inc.phase, Event.FORWARD, incident=inc.id)
            return
        poster = None if bot else reporter
        did = self._deliver(inc, wg, inc.text, poster, bot, reporter, None, None, at, out)
        inc.reach[wg] = did
        self._spread(inc, [(wg, did)], at, out)

    def _verdicts(self) -> dict[Step, Verdict] | None:
        """:func:`~routing.engine.policies.fixed_verdicts` of the current policy.

        Worked out again when the app replaced :attr:`policy`; the fan-out
        plans made for the old one go at the same moment, whichever command
        notices the change first.
        """
        policy = self.policy
        if policy is not self._fixed_for:
            self._fixed_for = policy
            self._fixed = fixed_verdicts(policy)
            self._plans = {}
        return self._fixed

    def _plan(self, wijkgroep: str) -> Plan | None:
        """The fan-out plan of ``wijkgroep`` for the current policy and tables, if any."""
        if (
            self.policy is self._fixed_for
            and self._plans_at == self._tables.rebuilds
            and self.use_plans
        ):
            plans = self._plans
            if wijkgroep in plans:  # made for this policy and structure
                return plans[wijkgroep]
        fixed = self._verdicts()
        if fixed is None or not self.use_plans:
            return None
        if self._plans_at != self._tables.rebuilds:  # the structure changed
            self._plans = {}
            self._plans_at = self._tables.rebuilds
        try:
            return self._plans[wijkgroep]
        except KeyError:
            plan = self._plans[wijkgroep] = build_plan(self._tables, wijkgroep, fixed)
            return plan

    def _police(self, cmd: PoliceNotice) -> tuple[Output, ...]:
        """P1: the notice lands in the addressed groups; P2: each addressed
        stuurgroep's member on duty carries it into its wijkgroepen."""
        tables = self._tables
        addressed = [] if cmd.regiegroep is None else [cmd.regiegroep]
        addressed += cmd.stuurgroepen
        wanted = [GroupKind.REGIEGROEP] if cmd.regiegroep is not None else []
        wanted += [GroupKind.STUURGROEP] * len(cmd.stuurgroepen)
        for gid, kind in zip(addressed, wanted, strict=True):
            if tables.entry(gid).kind is not kind:
                raise UnknownGroupError(gid)
        if cmd.actor is not None:
            self.hierarchy.actor(cmd.actor)  # UnknownIdError before anything changes
        first = tables.entry(addressed[0])
        inc = IncidentState(self._next_id(), addressed[0], first.wijk, cmd.melding, cmd.at)
        inc.phase = next_phase(None, Event.POLICE)
        inc.police = True
        inc.sender = cmd.sender
        inc.sender_actor = cmd.actor
        inc.text = police_text(cmd.sender, render_melding(cmd.melding, lang=self.config.lang))
        inc.fwd_text = inc.text
        out: list[Output] = [
            IncidentOpened(
                incident=inc.id,
                origin=inc.origin,
                casushouder=None,
                police=True,
                linked_to=None,
                at=cmd.at,
            )
        ]
        queue: list[Queued] = []
        carriers: list[tuple[str, str]] = []  # (stuurgroep, the group it carries from)
        for gid in addressed:
            entry = tables.entry(gid)
            if entry.kind is GroupKind.REGIEGROEP:
                receiver = tables.entry(entry.stuurgroepen[0]).on_duty
                carriers += [(sg, gid) for sg in entry.stuurgroepen]
            else:
                receiver = entry.on_duty
                carriers.append((gid, gid))
            poster = None if entry.bot else receiver
            did = self._deliver(
                inc, gid, inc.text, poster, entry.bot, None, None, None, cmd.at, out
            )
            inc.reach[gid] = did
            queue.append((gid, did))
        for sg, source in carriers:  # P2
            carrier = tables.entry(sg).on_duty
            todo = tuple(w for w in tables.entry(sg).managed if w not in inc.reach)
            if carrier is None or not todo:
                continue
            dec = self._next_count(2)
            inc.decisions += (
                (
                    dec, inc.id, STEP_INDEX[Step.POLICE_DOWN], sg, source, todo, True, carrier,
                    cmd.at, "P2: politiebericht, door de stuurgroep doorgezet", False,
                ),
            )  # fmt: skip
            for w in todo:
                self._judged(inc).add((sg, w))
                inc.casus[w] = carrier
            self._carry(inc, inc.reach[source], todo, carrier, dec, cmd.at, out, queue)
        self._spread(inc, queue, cmd.at, out)
        self._register(inc)
        return tuple(out)

    # ------------------------------------------------------------ spreading

    def _spread(
        self,
        inc: IncidentState,
        queue: list[Queued],
        at: float,
        out: list[Output],
    ) -> None:
        """Judge every decision point beyond the groups in ``queue``, breadth first.

        The steps are S2, S3 (R5) and S5 (R6), and R5 and R6 one level up.

        The hot path of reports the fan-out plans do not cover: the loop
        reads the entries' dict directly, counts ids inline, and asks a
        policy that ignores the context (see
        :func:`~routing.engine.policies.fixed_verdicts`) without building one.
        """
        tables = self._tables
        entries = tables._entries
        policy = self.policy
        fixed = self._verdicts()
        reach = inc.reach
        considered = self._judged(inc)
        decisions: list[DecisionRec] = []  # added to the incident's at the end
        counts = self._counts
        i = 0
        while i < len(queue):
            group, did = queue[i]
            i += 1
            entry = entries.get(group) or tables.entry(group)
            for step, decider, targets, target_wijk in entry.points:
                if len(targets) == 1:  # most points lead to one group: no generator
                    t = targets[0]
                    if t in reach or (decider, t) in considered:
                        continue
                    todo: tuple[str, ...] = targets
                    considered.add((decider, t))
                else:
                    todo = tuple(
                        [t for t in targets if t not in reach and (decider, t) not in considered]
                    )
                    if not todo:
                        continue
                    for t in todo:
                        considered.add((decider, t))
                if fixed is None:
                    context = _context(
                        inc.id, inc.melding, inc.police, step, decider, group, todo,
                        inc.origin_wijk, entry.wijk, target_wijk, at,
                    )  # fmt: skip
                    verdict = policy.decide(context)
                else:
                    verdict = fixed[step]
                answer = verdict.answer
                if answer is _FORWARD:
                    carrier = (entries.get(decider) or tables.entry(decider)).on_duty
                    counts[2] += 1
                    decisions.append((
                        counts[2], inc.id, STEP_INDEX[step], decider, group, todo, True,
                        carrier, at, verdict.reason, False,
                    ))  # fmt: skip
                    self._carry(inc, did, todo, carrier, counts[2], at, out, queue)
                elif answer is _SKIP:
                    counts[2] += 1
                    decisions.append((
                        counts[2], inc.id, STEP_INDEX[step], decider, group, todo, False,
                        None, at, verdict.reason, False,
                    ))  # fmt: skip
                else:
                    out.append(self._ask(inc, step, decider, group, todo, at, did, verdict.reason))
        if decisions:
            inc.decisions += tuple(decisions)

    def _carry(
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
        tables = self._tables
        entries = tables._entries
        text = inc.fwd_text
        if not text:
            text = inc.fwd_text = forwarded_text(inc.origin, inc.text)
        reach = inc.reach
        failed = inc.failed
        passed: set[str] | None = None
        moved = False
        for t in targets:
            if t in reach:
                continue
            if failed and t in failed:
                if passed is None:
                    passed = {hop[1] for hop in self._parent_route(parent, inc)}
                if t in passed:
                    continue
            bot = (entries.get(t) or tables.entry(t)).bot
            poster = None if bot else by
            reach[t] = did = self._deliver(inc, t, text, poster, bot, by, parent, decision, at, out)
            queue.append((t, did))
            moved = True
        if moved and inc.phase is not _SPREADING:
            inc.phase = next_phase(inc.phase, Event.FORWARD, incident=inc.id)

    def _ask(
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
        pid = self._next_count(3)
        deadline = at + self.config.decision_timeout
        where = ", ".join(targets)
        category = inc.melding.category.value  # the Dutch label
        question = (
            f"Is de melding {inc.id} ({category}) uit {group} relevant voor {where}? ({reason})"
        )
        output = _pending(pid, inc.id, step, decider, group, targets, deadline, question)
        self._seq += 1
        self._pending[pid] = (
            pid, inc.id, STEP_INDEX[step], decider, group, targets, deadline, question,
            source, self._seq,
        )  # fmt: skip
        inc.pending += (pid,)
        heapq.heappush(self._heap, (deadline, self._seq, _DECISION, pid))
        return output

    def _resolve(
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
        inc = self._incidents[iid]
        # A policy of fixed verdicts is never called, so nothing below can
        # fail halfway; only a policy that looks at the context may raise.
        saved = inc.save() if self._verdicts() is None else None
        try:
            dec = self._next_count(2)
            record: DecisionRec = (
                dec, iid, step, decider, source, targets, forward, by, at, reason, default,
            )  # fmt: skip
            inc.decisions += (record,)
            inc.pending = tuple(other for other in inc.pending if other != pid)
            decision = _decision(
                dec, iid, STEPS[step], decider, source, targets, forward, by, at, reason, default
            )
            out.append(_decision_made(pid, decision))
            carrier = by if by is not None else self._tables.entry(decider).on_duty
            if forward and carrier is not None:
                queue: list[Queued] = []
                self._carry(inc, route, targets, carrier, dec, at, out, queue)
                self._spread(inc, queue, at, out)
        except BaseException:
            if saved is not None:
                inc.restore(saved)
            raise
        del self._pending[pid]
        self._resolved[pid] = record

    # ------------------------------------------------------------- helpers

    def _stale(self, entry: tuple[float, int, int, Any]) -> bool:
        _, seq, kind, ref = entry
        if kind == _DECISION:
            pending = self._pending.get(ref)
            return pending is None or pending[P_SEQ] != seq
        inc = self._incidents.get(ref)
        return inc is None or inc.phase not in _LIVE or inc.reminder_seq != seq

    def _schedule_reminder(self, inc: IncidentState, when: float) -> None:
        self._seq += 1
        inc.reminder_seq = self._seq
        heapq.heappush(self._heap, (when, self._seq, _REMINDER, inc.id))

    def _register(self, inc: IncidentState) -> None:
        """Make a new incident known; the last step of every command that opens one."""
        self._incidents[inc.id] = inc
        if inc.phase in _LIVE:
            self._index(inc)
            self._schedule_reminder(inc, inc.opened_at + self.config.reminder_after)

    def _index(self, inc: IncidentState) -> None:
        if not inc.police:
            key = (inc.origin, inc.melding.category._name_)
            ids = self._recent.get(key)
            if ids is None:
                self._recent[key] = [inc.id]
            else:
                ids.append(inc.id)

    def _next_id(self) -> str:
        self._counts[0] += 1
        return f"I{self._counts[0]}"

    def _next_count(self, which: int) -> int:
        self._counts[which] += 1
        return self._counts[which]

    def _deliver(
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
        outputs made so far. (Reactions and afloops use :meth:`_extend`.)
        """
        counts = self._counts
        counts[1] += 1
        did = counts[1]
        building = self._building
        b = building[-1] if building else None
        if b is None or b.inc is not inc or b.first + len(b.rows) != did:
            b = _Batch(inc, at, did, len(out))
            building.append(b)
        b.rows.append((group, text, poster, bot, carrier, parent, decision))
        return did

    def _finish(self, out: tuple[Output, ...]) -> tuple[Output, ...]:
        """The command's outputs with its batches in place, now made and kept."""
        building = self._building
        self._building = []
        if len(building) == 1:  # the usual case
            b = building[0]
            batch = b.finish(self)
            self._keep(b.inc, batch)
            slot = b.slot
            return (*out[:slot], _deliveries(batch), *out[slot:])
        made = []
        for b in building:  # in order: a later batch may extend an earlier one
            batch = b.finish(self)
            self._keep(b.inc, batch)
            made.append(batch)
        result = list(out)
        for b, batch in zip(reversed(building), reversed(made), strict=True):
            result.insert(b.slot, _deliveries(batch))
        return tuple(result)

    def _extend(
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
        of :meth:`_deliver`'s generality: no decision, no carrier, each
        parent a delivery already kept (``parents``, one each, from
        :meth:`_delivery`). The batch is what :meth:`_Batch.finish` would
        make of the same rows, made at once.
        """
        n = len(groups)
        counts = self._counts
        first = counts[1] + 1
        counts[1] += n
        own = _OWN_EXTERNALS[n] if n < _OWN_MADE else tuple(range(-1, -1 - n, -1))
        batch: BatchRec = (
            inc.id, KIND_INDEX[kind], inc.police, at, first, groups, texts, posters, bots,
            (None,) * n, own, (-1,) * n, parents, inc.hop_records(),
        )  # fmt: skip
        self._keep(inc, batch)
        return batch

    def _keep(self, inc: IncidentState, batch: BatchRec) -> None:
        """Make ``batch`` the incident's and findable by each delivery's id."""
        inc.deliveries += (batch,)
        self._deliveries.add(batch)

    def _delivery(self, did: int, inc: IncidentState | None = None) -> tuple[BatchRec, int]:
        """The batch that holds delivery ``did``, and its index there.

        Given the incident, a binary search of its batches (in the order of
        their ids; a reaction's or afloop's parent is a melding delivery,
        usually in the first batch, behind every reaction since); otherwise
        the relay's index.
        """
        if inc is not None:
            batches = inc.deliveries
            k = bisect_right(batches, did, key=_FIRST) - 1
            if k >= 0:
                batch = batches[k]
                i = did - batch[4]
                if i < len(batch[5]):
                    return batch, i
            raise KeyError(did)
        return self._deliveries.find(did)

    def _route_rec(self, did: int, inc: IncidentState) -> RouteRec:
        """The route of delivery ``did`` of ``inc`` as records, made or still being made."""
        try:
            batch, i = self._delivery(did, inc)
        except KeyError:
            pass
        else:
            return batch_route(batch, i)
        for b in reversed(self._building):
            if b.first <= did < b.first + len(b.rows):
                return b.route(self, did)
        raise KeyError(did)

    def _judged(self, inc: IncidentState) -> set[tuple[str, str]]:
        """``inc.considered`` as a set to add to; it stays one until the afloop."""
        considered = inc.considered
        if type(considered) is not set:
            considered = inc.considered = set(considered)
        return considered

    def _parent_ref(self, parent: Parent, inc: IncidentState) -> External:
        """What a finished batch keeps for a parent outside it (see ``External``).

        A delivery of an earlier command, or of an earlier batch of this one
        (finished and kept first), is pointed at; a route stays a route.
        """
        if type(parent) is int:
            try:
                return self._delivery(parent, inc)
            except KeyError:
                return self._route_rec(parent, inc)
        return cast(RouteRec, parent)

    def _parent_route(self, parent: Parent, inc: IncidentState) -> RouteRec:
        if parent is None:
            return ()
        if type(parent) is int:
            return self._route_rec(parent, inc)
        return cast(RouteRec, parent)

    def _get(self, incident: str) -> IncidentState:
        try:
            return self._incidents[incident]
        except (KeyError, TypeError):
            raise UnknownIncidentError(incident) from None

    def _name(self, member: int | None) -> str:
        if member is None or member not in self.hierarchy:
            return f"lid {member}"
        return self.hierarchy.name(member)
