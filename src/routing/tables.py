"""Routing tables: what the relay's hot path needs to know about each group.

The hierarchy answers structural questions through a networkx graph, which is
right for building and checking the structure and far too slow for routing a
report in microseconds. :class:`Tables` reads each group once and keeps a
:class:`Entry` with everything routing asks about it: its stuurgroep and
siblings, its regiegroep, the decision points that lead onward from it, who
holds the duty to forward and who is on duty to do it.

Entries are built lazily, one group at a time, the first time a command
touches the group; :meth:`Tables.prepare` builds them all at once, which the
relay does when it is created, so the first report from anywhere costs what
the next one does. :meth:`Tables.sync` compares
:attr:`Hierarchy.structure_version` once per command and drops the entries
when the structure changed; they are then rebuilt on demand, so one new
wijkgroep never stalls the relay for a rebuild of the whole country.
Admitting or removing residents leaves the structure version, and so the
tables, alone: membership of wijkgroepen is never cached here, it is asked
of the hierarchy, which answers in constant time.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .chattext import render_melding
from .commands import PoliceNotice
from .errors import InvalidValueError, UnknownGroupError, UnknownIncidentError
from .fanout import Plan, build_plan, run_plan
from .incident import (
    Event,
    IncidentState,
    PendingState,
    Phase,
    next_phase,
)
from .model import Hierarchy
from .outputs import (
    Decision,
    DecisionMade,
    Delivery,
    DeliveryKind,
    Hop,
    IncidentOpened,
    Output,
    PendingDecision,
    Step,
    _builder,
)
from .policies import Answer, Context, Policy, Verdict, fixed_verdicts
from .relay_records import (
    KIND_INDEX,
    STEP_INDEX,
    DecisionRec,
    DeliveryRec,
    HopRec,
    RouteRec,
    decision_rec,
    route_rec,
)
from .values import GroupKind, MemberId

__all__ = ["Entry", "Point", "RelayConfig", "Router", "Tables"]

Point = tuple[Step, str, tuple[str, ...], str | None]
"""A decision point: (step, deciding group, targets, wijk of the targets)."""


class Entry:
    """What routing needs about one group. Private to the relay; never handed out."""

    __slots__ = (
        "bot",
        "delegates",
        "gemeente",
        "gemeentelijke",
        "id",
        "kind",
        "managed",
        "members",
        "on_duty",
        "points",
        "regiegroep",
        "siblings",
        "stuurgroep",
        "stuurgroepen",
        "wijk",
    )

    def __init__(self, gid: str, kind: GroupKind) -> None:
        self.id = gid
        self.kind = kind
        self.wijk: str | None = None
        self.gemeente = ""
        self.bot = False
        self.stuurgroep: str | None = None  # wijkgroep: its manager; stuurgroep: itself
        self.siblings: tuple[str, ...] = ()  # wijkgroep
        self.managed: tuple[str, ...] = ()  # stuurgroep
        self.regiegroep: str | None = None  # the wijk's regiegroep
        self.gemeentelijke: str | None = None  # the gemeente's gemeentelijke regiegroep
        self.stuurgroepen: tuple[str, ...] = ()  # regiegroep: the wijk's stuurgroepen
        # stuurgroep: its members; regiegroep: every stuurgroep member of the wijk;
        # gemeentelijke regiegroep: its delegates. (A wijkgroep's residents are
        # asked of the hierarchy.)
        self.members: frozenset[int] = frozenset()
        # regiegroep: its members who also sit in the gemeentelijke regiegroep,
        # the only ones who can carry a message between the two (R5, R6 one level up).
        self.delegates: frozenset[int] = frozenset()
        # stuurgroep or regiegroep: who forwards when a policy or a deadline decides.
        self.on_duty: MemberId | None = None
        self.points: tuple[Point, ...] = ()


class Tables:
    """Lazily built :class:`Entry` per group, kept in step with the hierarchy."""

    def __init__(
        self,
        hierarchy: Hierarchy,
        *,
        on_duty: Mapping[str, int],
        bot_groups: frozenset[str],
        bot_platforms: frozenset[str],
    ) -> None:
        self._h = hierarchy
        self._on_duty = dict(on_duty)
        self._bot_groups = bot_groups
        self._bot_platforms = bot_platforms
        self._entries: dict[str, Entry] = {}
        self.version = hierarchy.structure_version
        self.rebuilds = 0  # how often the structure changed under us; for tests

    def sync(self) -> None:
        """Drop every entry if the hierarchy's structure changed since they were built."""
        if self._h.structure_version != self.version:
            self._entries = {}
            self.version = self._h.structure_version
            self.rebuilds += 1

    def prepare(self) -> None:
        """Build the entry of every group now rather than on first use."""
        self.sync()
        for gid in self._h.groups():
            self.entry(gid)

    def entry(self, gid: str) -> Entry:
        """The entry of ``gid``; :class:`~routing.errors.UnknownGroupError` if none."""
        entry = self._entries.get(gid)
        if entry is None:
            entry = self._entries[gid] = self._build(gid)
        return entry

    # ------------------------------------------------------------ duties

    def step_between(self, source: str, target: str) -> tuple[Step, str] | None:
        """The step from ``source`` to ``target`` and its deciding group, if the path has one."""
        src = self.entry(source)
        dst = self.entry(target)
        w, s, r, g = (
            GroupKind.WIJKGROEP,
            GroupKind.STUURGROEP,
            GroupKind.REGIEGROEP,
            GroupKind.GEMEENTELIJKE_REGIEGROEP,
        )
        if src.kind is w and dst.kind is w and target in src.siblings:
            return Step.SIBLINGS, src.stuurgroep or ""
        if src.kind is w and dst.kind is r and src.regiegroep == target:
            return Step.TO_REGIEGROEP, src.stuurgroep or ""
        if src.kind is r and dst.kind is w and dst.regiegroep == source:
            return Step.FROM_REGIEGROEP, dst.stuurgroep or ""
        if src.kind is r and dst.kind is g and src.gemeentelijke == target:
            return Step.TO_GEMEENTE, source
        if src.kind is g and dst.kind is r and dst.gemeentelijke == source:
            return Step.FROM_GEMEENTE, target
        if src.kind is s and dst.kind is w and dst.stuurgroep == source:
            return Step.POLICE_DOWN, source
        return None

    def duty(self, decider: str) -> frozenset[int]:
        """Who may forward (and decide) for ``decider``.

        A stuurgroep: its members, the admins of its wijkgroepen who sit in
        the regiegroep (S2, S3, S5). A regiegroep deciding about the
        gemeentelijke regiegroep: its members who sit in both (R5, R6).
        """
        entry = self.entry(decider)
        return entry.delegates if entry.kind is GroupKind.REGIEGROEP else entry.members

    def is_member(self, member: int, gid: str) -> bool:
        """Whether ``member`` is in chat group ``gid`` (residents and admins)."""
        entry = self.entry(gid)
        if entry.kind is GroupKind.WIJKGROEP:
            if member in self.entry(entry.stuurgroep or "").members:
                return True
            return member in self._h and self._h.wijkgroep_of(member) == gid
        return member in entry.members

    # ------------------------------------------------------------ building

    def _build(self, gid: str) -> Entry:
        h = self._h
        kind = h.kind(gid)  # raises UnknownGroupError for the app
        entry = Entry(gid, kind)
        entry.wijk = h.wijk_of(gid)
        entry.gemeente = h.gemeente_of(gid)
        entry.bot = gid in self._bot_groups or h.group(gid).platform.name in self._bot_platforms
        entry.gemeentelijke = h.gemeentelijke_regiegroep_of(entry.gemeente)
        if entry.wijk is not None:
            entry.regiegroep = h.regiegroep_of(entry.wijk)
        if kind is GroupKind.WIJKGROEP:
            entry.stuurgroep = h.stuurgroep_of(gid)
            entry.siblings = h.sibling_wijkgroepen(gid)
            points: list[Point] = []
            if entry.siblings:
                points.append((Step.SIBLINGS, entry.stuurgroep, entry.siblings, entry.wijk))
            if entry.regiegroep is not None:
                points.append(
                    (Step.TO_REGIEGROEP, entry.stuurgroep, (entry.regiegroep,), entry.wijk)
                )
            entry.points = tuple(points)
        elif kind is GroupKind.STUURGROEP:
            entry.stuurgroep = gid
            entry.managed = h.managed_wijkgroepen(gid)
            entry.members = h.admins(gid)
            chosen = self._on_duty.get(gid)
            # A configured member who left the stuurgroep falls back to the
            # telefoonbeheerder, who always exists (T1).
            entry.on_duty = (
                MemberId(chosen) if chosen in entry.members else h.telefoonbeheerder(gid)
            )
        elif kind is GroupKind.REGIEGROEP:
            wijk = entry.wijk or ""
            entry.stuurgroepen = h.stuurgroepen_of(wijk)
            entry.members = h.admins(gid)
            if entry.gemeentelijke is not None:
                entry.delegates = entry.members & h.admins(entry.gemeentelijke)
            points = [
                (Step.FROM_REGIEGROEP, sg, h.managed_wijkgroepen(sg), wijk)
                for sg in entry.stuurgroepen
            ]
            if entry.delegates and entry.gemeentelijke is not None:
                points.append((Step.TO_GEMEENTE, gid, (entry.gemeentelijke,), None))
                entry.on_duty = MemberId(min(entry.delegates))
            entry.points = tuple(points)
        else:
            entry.members = h.admins(gid)
            points = []
            for wijk in h.wijken_of(entry.gemeente):
                rg = h.regiegroep_of(wijk)
                # A regiegroep without a delegate cannot be reached from here:
                # nobody sits in both groups to carry the message (R6).
                if rg is not None and entry.members & h.admins(rg):
                    points.append((Step.FROM_GEMEENTE, rg, (rg,), wijk))
            entry.points = tuple(points)
        return entry


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise InvalidValueError(value, f"{attribute.name} must be a positive number of seconds")


def _names(values: Iterable[str]) -> frozenset[str]:
    # A named converter: attrs' mypy plugin cannot type a bare frozenset().
    return frozenset(values)


def _on_duty(value: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(dict(value).items()))


@attrs.frozen(kw_only=True)
class RelayConfig:
    """The settings of one relay; the defaults suit an evening of buurtpreventie."""

    #: Seconds a pending decision waits for a member before the default applies.
    decision_timeout: float = attrs.field(default=600.0, validator=_positive)
    #: What an unanswered decision becomes: forward (True) or skip (False).
    decision_default: bool = False
    #: Seconds without an afloop after which the casushouders are reminded (R8);
    #: the reminder repeats at this interval until the afloop.
    reminder_after: float = attrs.field(default=3600.0, validator=_positive)
    #: A report of the same category in the same wijkgroep within this many
    #: seconds of an open incident joins it (H4).
    duplicate_window: float = attrs.field(default=1800.0, validator=_positive)
    #: Groups where a bot may post, so deliveries there need no person.
    bot_groups: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    #: Platforms (by :attr:`Platform.name`) where a bot may post in every group.
    bot_platforms: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    #: The member of each stuurgroep who forwards when a policy or deadline
    #: decides; the telefoonbeheerder where none is named or the named one left.
    on_duty: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_on_duty)
    #: Language of the texts to paste ("nl" or "en").
    lang: str = attrs.field(default="nl", validator=attrs.validators.in_(("nl", "en")))


_hop = _builder(Hop)
_delivery = _builder(Delivery)
_decision = _builder(Decision)
_context = _builder(Context)
_MELDING = DeliveryKind.MELDING
_FORWARD = Answer.FORWARD
_SKIP = Answer.SKIP
_LIVE = (Phase.OPEN, Phase.SPREADING)
_SPREADING = Phase.SPREADING
_DECISION, _REMINDER = 0, 1  # kinds of deadline on the heap
_STEP = STEP_INDEX
_KIND = KIND_INDEX
_MK = KIND_INDEX[DeliveryKind.MELDING]

Queued = tuple[str, tuple[Hop, ...], RouteRec]
"""A group reached in this command, with its route as outputs and as a record."""


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
        # Records, not outputs: see routing.relay_records for why.
        self._incidents: dict[str, IncidentState] = {}
        self._deliveries: dict[int, DeliveryRec] = {}
        # Only deliveries no longer pending: (status value, by, at, reason).
        self._status: dict[int, tuple[str, MemberId | None, float | None, str]] = {}
        self._pending: dict[int, PendingState] = {}
        self._resolved: dict[int, DecisionRec | None] = {}  # None: cancelled by the afloop
        self._recent: dict[tuple[str, object], list[str]] = {}  # (wijkgroep, category) -> ids
        self._heap: list[tuple[float, int, int, Any]] = []
        self._counts = [0, 0, 0, 0]  # incidents, deliveries, decisions, pending
        self._seq = 0  # heap order; never rolled back, so stale entries stay stale
        self._fixed_for: Policy | None = None  # the policy _fixed was computed for
        self._fixed: dict[Step, Verdict] | None = None
        self._plans: dict[str, Plan | None] = {}  # see routing.fanout
        self._plans_at = 0  # the tables' rebuild count the plans were made for
        self._builders = (_decision, _delivery, _hop)  # for routing.fanout, which tables imports
        #: Whether fresh reports use the precomputed fan-out plans of
        #: :mod:`routing.fanout`; off gives the generic spread (the tests compare).
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
        self, inc: IncidentState, reporter: MemberId, at: float, out: list[Output]
    ) -> None:
        """Deliver a resident's melding in their wijkgroep (R3) and spread it."""
        wg = inc.origin
        inc.text = render_melding(inc.melding, lang=self.config.lang)
        bot = self._tables.entry(wg).bot
        route = (_hop(None, wg, reporter, None, at),)
        rec: RouteRec = ((None, wg, reporter, None, at),)
        poster = None if bot else reporter
        d, inc.reach[wg] = self._new_delivery(inc, _MELDING, wg, inc.text, poster, bot, route, rec)
        inc.casus[wg] = reporter
        out.append(d)
        plan = self._plan(wg) if not inc.considered else None
        if plan is None:
            self._spread(inc, [(wg, route, rec)], at, out)
            return
        run_plan(self, inc, plan, route, rec, at, out)
        if plan.forwards:
            inc.phase = next_phase(inc.phase, Event.FORWARD, incident=inc.id)

    def _plan(self, wijkgroep: str) -> Plan | None:
        """The fan-out plan of ``wijkgroep`` for the current policy and tables, if any."""
        if self.policy is not self._fixed_for:
            self._fixed_for = self.policy
            self._fixed = fixed_verdicts(self.policy)
            self._plans = {}
        if self._fixed is None or not self.use_plans:
            return None
        if self._plans_at != self._tables.rebuilds:  # the structure changed
            self._plans = {}
            self._plans_at = self._tables.rebuilds
        try:
            return self._plans[wijkgroep]
        except KeyError:
            plan = self._plans[wijkgroep] = build_plan(self._tables, wijkgroep, self._fixed)
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
        first = tables.entry(addressed[0])
        inc = IncidentState(self._next_id(), addressed[0], first.wijk, cmd.melding, cmd.at)
        inc.phase = next_phase(None, Event.POLICE)
        inc.police = True
        inc.sender = cmd.sender
        inc.text = f"POLITIEBERICHT ({cmd.sender})\n" + render_melding(
            cmd.melding, lang=self.config.lang
        )
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
        routes: dict[str, Queued] = {}
        carriers: list[tuple[str, str]] = []  # (stuurgroep, the group it carries from)
        for gid in addressed:
            entry = tables.entry(gid)
            if entry.kind is GroupKind.REGIEGROEP:
                receiver = tables.entry(entry.stuurgroepen[0]).on_duty
                carriers += [(sg, gid) for sg in entry.stuurgroepen]
            else:
                receiver = entry.on_duty
                carriers.append((gid, gid))
            route = (_hop(None, gid, None, None, cmd.at),)
            rec: RouteRec = ((None, gid, None, None, cmd.at),)
            poster = None if entry.bot else receiver
            d, inc.reach[gid] = self._new_delivery(
                inc, _MELDING, gid, inc.text, poster, entry.bot, route, rec
            )
            out.append(d)
            queue.append(routes.setdefault(gid, (gid, route, rec)))
        for sg, source in carriers:  # P2
            carrier = tables.entry(sg).on_duty
            todo = tuple(w for w in tables.entry(sg).managed if w not in inc.reach)
            if carrier is None or not todo:
                continue
            decision = _decision(
                self._next_count(2), inc.id, Step.POLICE_DOWN, sg, source, todo, True,
                carrier, cmd.at, "P2: politiebericht, door de stuurgroep doorgezet", False,
            )  # fmt: skip
            inc.decisions += (decision_rec(decision),)
            _, carried, carried_rec = routes[source]
            for w in todo:
                inc.judged().add((sg, w))
                inc.casus[w] = carrier
            self._carry(
                inc, source, carried, carried_rec, todo, carrier, decision, cmd.at, out, queue
            )
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

        The hot path of every report: the loop reads the entries' dict
        directly, counts ids inline, and asks a policy that ignores the
        context (see :func:`~routing.policies.fixed_verdicts`) without
        building one.
        """
        tables = self._tables
        entries = tables._entries
        policy = self.policy
        if policy is not self._fixed_for:
            self._fixed_for = policy
            self._fixed = fixed_verdicts(policy)
        fixed = self._fixed
        reach = inc.reach
        considered = inc.judged()
        decisions: list[DecisionRec] = []  # added to the incident's at the end
        counts = self._counts
        i = 0
        while i < len(queue):
            group, route, rec = queue[i]
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
                context = None
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
                    decision = _decision(
                        counts[2], inc.id, step, decider, group, todo, True,
                        carrier, at, verdict.reason, False,
                    )  # fmt: skip
                    decisions.append((
                        counts[2], inc.id, _STEP[step], decider, group, todo, True,
                        carrier, at, verdict.reason, False,
                    ))  # fmt: skip
                    self._carry(inc, group, route, rec, todo, carrier, decision, at, out, queue)
                elif answer is _SKIP:
                    # Nothing refers to a skip but the record: no Decision is made.
                    counts[2] += 1
                    decisions.append((
                        counts[2], inc.id, _STEP[step], decider, group, todo, False,
                        None, at, verdict.reason, False,
                    ))  # fmt: skip
                else:
                    if context is None:
                        context = _context(
                            inc.id, inc.melding, inc.police, step, decider, group, todo,
                            inc.origin_wijk, entry.wijk, target_wijk, at,
                        )  # fmt: skip
                    out.append(self._ask(inc, context, route, verdict.reason))
        if decisions:
            inc.decisions += tuple(decisions)

    def _carry(
        self,
        inc: IncidentState,
        source: str,
        route: tuple[Hop, ...],
        rec: RouteRec,
        targets: tuple[str, ...],
        by: MemberId | None,
        decision: Decision,
        at: float,
        out: list[Output],
        queue: list[Queued],
    ) -> None:
        """Hand out one delivery per target not yet reached, and queue them to spread on."""
        tables = self._tables
        entries = tables._entries
        text = inc.fwd_text
        if not text:
            text = inc.fwd_text = f"Doorgestuurd uit {inc.origin}:\n{inc.text}"
        reach = inc.reach
        failed = inc.failed
        counts = self._counts
        deliveries: list[DeliveryRec] = []  # added to the incident's at the end
        known = self._deliveries
        iid = inc.id
        police = inc.police
        dec = decision.id
        moved = False
        for t in targets:
            if t in reach or (failed and t in failed and any(h.target == t for h in route)):
                continue
            bot = (entries.get(t) or tables.entry(t)).bot
            poster = None if bot else by
            path = (*route, _hop(source, t, by, decision, at))
            hop: HopRec = (source, t, by, dec, at)
            path_rec = (*rec, hop)
            counts[1] += 1
            did = counts[1]
            d = _delivery(did, iid, _MELDING, t, text, poster, bot, police, path)
            known[did] = reach[t] = r = (did, iid, _MK, t, text, poster, bot, police, path_rec)
            deliveries.append(r)
            out.append(d)
            queue.append((t, path, path_rec))
            moved = True
        if deliveries:
            inc.deliveries += tuple(deliveries)
        if moved and inc.phase is not _SPREADING:
            inc.phase = next_phase(inc.phase, Event.FORWARD, incident=iid)

    def _ask(
        self, inc: IncidentState, context: Context, route: tuple[Hop, ...], reason: str
    ) -> PendingDecision:
        pid = self._next_count(3)
        deadline = context.at + self.config.decision_timeout
        where = ", ".join(context.targets)
        category = inc.melding.category.label("nl")
        question = (
            f"Is de melding {inc.id} ({category}) uit {context.source} relevant voor {where}?"
        )
        output = PendingDecision(
            id=pid,
            incident=inc.id,
            step=context.step,
            decider=context.decider,
            source=context.source,
            targets=context.targets,
            deadline=deadline,
            question=f"{question} ({reason})",
        )
        self._seq += 1
        self._pending[pid] = PendingState(output, route, self._seq)
        inc.pending += (pid,)
        heapq.heappush(self._heap, (deadline, self._seq, _DECISION, pid))
        return output

    def _resolve(
        self,
        pending: PendingState,
        *,
        forward: bool,
        by: MemberId | None,
        reason: str,
        default: bool,
        at: float,
        out: list[Output],
    ) -> None:
        """Answer a pending decision (by a member, or by the deadline's default)."""
        inc = self._incidents[pending.incident]
        p = pending.output
        saved = inc.save()
        try:
            decision = _decision(
                self._next_count(2), inc.id, p.step, p.decider, p.source, p.targets, forward,
                by, at, reason, default,
            )  # fmt: skip
            record = decision_rec(decision)
            inc.decisions += (record,)
            inc.pending = tuple(pid for pid in inc.pending if pid != p.id)
            out.append(DecisionMade(pending=p.id, decision=decision))
            carrier = by if by is not None else self._tables.entry(p.decider).on_duty
            if forward and carrier is not None:
                queue: list[Queued] = []
                route = pending.route
                self._carry(
                    inc, p.source, route, route_rec(route), p.targets, carrier, decision, at,
                    out, queue,
                )  # fmt: skip
                self._spread(inc, queue, at, out)
        except BaseException:
            inc.restore(saved)
            raise
        del self._pending[p.id]
        self._resolved[p.id] = record

    # ------------------------------------------------------------- helpers

    def _stale(self, entry: tuple[float, int, int, Any]) -> bool:
        _, seq, kind, ref = entry
        if kind == _DECISION:
            pending = self._pending.get(ref)
            return pending is None or pending.seq != seq
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
            self._recent.setdefault((inc.origin, inc.melding.category), []).append(inc.id)

    def _next_id(self) -> str:
        self._counts[0] += 1
        return f"I{self._counts[0]}"

    def _next_count(self, which: int) -> int:
        self._counts[which] += 1
        return self._counts[which]

    def _new_delivery(
        self,
        inc: IncidentState,
        kind: DeliveryKind,
        group: str,
        text: str,
        poster: MemberId | None,
        bot: bool,
        route: tuple[Hop, ...],
        rec: RouteRec,
    ) -> tuple[Delivery, DeliveryRec]:
        """A delivery to hand out, and its record, kept with the incident."""
        self._counts[1] += 1
        did = self._counts[1]
        d = _delivery(did, inc.id, kind, group, text, poster, bot, inc.police, route)
        r = (did, inc.id, _KIND[kind], group, text, poster, bot, inc.police, rec)
        inc.deliveries += (r,)
        self._deliveries[did] = r
        return d, r

    def _get(self, incident: str) -> IncidentState:
        try:
            return self._incidents[incident]
        except (KeyError, TypeError):
            raise UnknownIncidentError(incident) from None

    def _name(self, member: int | None) -> str:
        if member is None or member not in self.hierarchy:
            return f"lid {member}"
        return self.hierarchy.name(member)
