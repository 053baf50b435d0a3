"""The event loop behind :func:`routing.sim.simulate.simulate`: private machinery.

:mod:`routing.sim.simulate` holds the entry points and explains the model; this
module holds the run itself: the heap of events, the people who read, decide
and forward, and the summary into a :class:`~routing.sim.config.SimResult`.
Kept apart because it is long and nothing outside the simulator calls it.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import attrs

from routing.domain.melding import Category, Melding, Person
from routing.domain.values import GroupKind, MemberId
from routing.engine.commands import (
    Afloop,
    Command,
    Confirm,
    Decide,
    PoliceNotice,
    React,
    Report,
    Screen,
    Tick,
)
from routing.engine.outputs import (
    DecisionMade,
    Deliveries,
    DeliveryKind,
    Held,
    IncidentClosed,
    IncidentOpened,
    Joined,
    Output,
    PendingDecision,
    Reminder,
    Step,
)
from routing.engine.records import (
    B_FIRST,
    B_GROUPS,
    B_INCIDENT,
    B_KIND,
    B_POSTERS,
    KIND_INDEX,
    STEP_INDEX,
    batch_decision,
    batch_source,
)
from routing.errors import RoutingError
from routing.model import Hierarchy
from routing.relay import Relay

from .config import (
    WEEK,
    YEAR,
    IncidentOutcome,
    LoadSummary,
    SimConfig,
    SimResult,
)

# Event kinds on the heap. Plain ints in plain tuples: the heap compares
# (time, seq) and never reaches the payload, since seq is unique.
_INCIDENT, _POLICE, _DECIDE, _TICK, _REACT, _WITNESS, _AFLOOP, _CONFIRM, _SCREEN, _START = range(10)

_MELDING_KIND = KIND_INDEX[DeliveryKind.MELDING]
_POLICE_DOWN = STEP_INDEX[Step.POLICE_DOWN]

# Commands built positionally, without attrs' converters and validators (see
# :func:`routing.engine.outputs._builder`). Every value in them comes from the
# hierarchy or from this module, so checking them again per event would only
# cost time: at a national scale, about a fifth of the run. Field order:
# the classes' own.
def _builder(cls: Any) -> Any:  # placeholder until the simulator builds commands by keyword
    names = [a.alias for a in attrs.fields(cls)]
    return lambda *args: cls(**dict(zip(names, args, strict=False)))


_report = _builder(Report)  # at, reporter, melding, joins
_decide = _builder(Decide)  # at, by, decision, forward, reason
_react = _builder(React)  # at, member, incident, text, group
_afloop = _builder(Afloop)  # at, by, incident, text
_confirm = _builder(Confirm)  # at, delivery, by
_tick = _builder(Tick)  # at
_outcome = _builder(IncidentOutcome)  # id, category, police, origin, opened_at, closed_at,
# afloop, groups, reach
_WIJKGROEP = GroupKind.WIJKGROEP
_AFLOOP_TEXT = "De politie is ter plaatse geweest; de situatie is voorbij."
_REACT_TEXT = "Aanvulling: ik zag iemand weglopen richting het park"
_PROGRESS_EVERY = 4096  # events between progress calls


class _Incident:
    """The run's own record of an incident; what it needs that the relay keeps private."""

    __slots__ = (
        "afloop",
        "afloop_due",
        "carrier",
        "category",
        "closed_at",
        "groups",
        "id",
        "opened_at",
        "origin",
        "police",
        "posted",
        "reminders",
        "reporter",
        "stuurgroep",
    )

    def __init__(self, iid: str, category: Category, origin: str, at: float, police: bool):
        self.id = iid
        self.category = category
        self.origin = origin
        self.opened_at = at
        self.police = police
        self.posted: dict[str, float] = {}  # group -> when its melding was posted there
        self.groups = 0
        self.reporter: MemberId | None = None
        self.carrier: MemberId | None = None  # P2: who carried a police notice in
        self.stuurgroep: str | None = None  # who closes it when nobody else does
        self.closed_at: float | None = None
        self.afloop: str | None = None
        self.afloop_due = False  # an afloop event is scheduled
        self.reminders = 0


class _Run:
    def __init__(self, h: Hierarchy, config: SimConfig, seed: int, weeks: float) -> None:
        self.h = h
        self.c = config
        self.rng = random.Random(seed)
        self.seed = seed
        self.weeks = weeks
        self.horizon = weeks * WEEK
        self.end = self.horizon + config.drain
        self.relay = Relay(h, policy=config.policy, config=config.relay)
        self.heap: list[tuple[float, int, int, Any]] = []
        self.seq = 0
        self.now = 0.0
        self.last_tick = -math.inf
        # Human delays, as samplers over the run's one generator.
        self.read = config.read.sampler(self.rng)
        self.decide = config.decide.sampler(self.rng)
        self.fwd = config.forward.sampler(self.rng)
        self.action = config.action.sampler(self.rng)
        self.witness = config.witness.sampler(self.rng)
        self.remind_every = config.relay.reminder_after
        self.incidents: dict[str, _Incident] = {}
        self.log: list[tuple[Command, tuple[Output, ...]]] = []
        self.commands = 0
        self.refused = 0
        self.msgs: dict[str, int] = {}  # group -> messages posted in it
        self.decided: dict[int, int] = {}  # member -> decisions taken
        self.forwarded: dict[int, int] = {}  # member -> messages carried to another group
        self.decisions = 0
        self.defaults = 0
        self.avoided = 0
        self.made = 0
        self.reminders = 0
        self.police_notices = 0
        self._residents: dict[str, tuple[MemberId, ...]] = {}
        self._duty: dict[str, tuple[MemberId, ...]] = {}
        self._pending_source: dict[int, str] = {}

        wijkgroepen = list(h.groups(GroupKind.WIJKGROEP))
        sizes = [len(h.residents(w)) for w in wijkgroepen]
        self.wijkgroepen = wijkgroepen
        self.members = sum(sizes)
        self.cum_sizes = list(accumulate(sizes))
        cats = [(c, r) for c, r in config.rates.items() if r > 0]
        self.categories = [c for c, _ in cats]
        self.cum_rates = list(accumulate(r for _, r in cats))
        per_second = sum(r for _, r in cats) * self.members / 1000.0 / YEAR
        self.incident_gap = 1.0 / per_second if per_second > 0 else math.inf
        # One melding per category, made once: meldingen are validated values.
        # ``quiet`` is the same report from a witness who read that 112 was
        # called already (H4).
        self.meldingen = {c: _melding(c) for c in self.categories}
        self.quiet = {c: attrs.evolve(m, called_112=False) for c, m in self.meldingen.items()}
        self.kinds = {g: h.kind(g) for g in h.groups()}
        self.stuurgroep_of = {w: h.stuurgroep_of(w) for w in wijkgroepen}
        self.gemeenten = [
            (g, [r for w in h.wijken_of(g) if (r := h.regiegroep_of(w)) is not None], w_sgs)
            for g in h.gemeenten()
            if (w_sgs := [s for w in h.wijken_of(g) for s in h.stuurgroepen_of(w)])
        ]
        police_per_second = config.police_rate * len(self.gemeenten) / WEEK
        self.police_gap = 1.0 / police_per_second if police_per_second > 0 else math.inf
        self.forward_chance = {s: config.forward_chance.get(s, 0.5) for s in Step}

    # ------------------------------------------------------------ the loop

    def go(self, progress: Callable[[float], None] | None) -> SimResult:
        rng = self.rng
        self.push(rng.expovariate(1.0 / self.incident_gap) if self.incident_gap < math.inf
                  else math.inf, _INCIDENT, None)  # fmt: skip
        if self.police_gap < math.inf:
            self.push(rng.expovariate(1.0 / self.police_gap), _POLICE, None)
        heap = self.heap
        pop = heapq.heappop
        end = self.end
        handlers: dict[int, Callable[[Any], None]] = {
            _INCIDENT: self.on_incident,
            _POLICE: self.on_police,
            _DECIDE: self.on_decide,
            _TICK: self.on_tick,
            _REACT: self.on_react,
            _WITNESS: self.on_witness,
            _AFLOOP: self.on_afloop,
            _CONFIRM: self.on_confirm,
            _SCREEN: self.on_screen,
            _START: self.on_start,
        }
        count = 0
        while heap and heap[0][0] <= end:
            at, _, kind, payload = pop(heap)
            self.now = at
            handlers[kind](payload)
            count += 1
            if progress is not None and count % _PROGRESS_EVERY == 0:
                progress(min(1.0, at / end))
        self.now = end
        if progress is not None:
            progress(1.0)
        return self.result()

    def push(self, at: float, kind: int, payload: Any) -> None:
        if at <= self.end:
            self.seq += 1
            heapq.heappush(self.heap, (at, self.seq, kind, payload))

    def handle(self, command: Command) -> tuple[Output, ...]:
        """One command to the relay; its outputs go through :meth:`absorb`."""
        self.commands += 1
        try:
            outputs = self.relay.handle(command)
        except RoutingError:
            # The people in the run act on what they saw, which can be out of
            # date (a decision already taken by the deadline). The relay refuses
            # such a command with nothing changed; count it and go on.
            self.refused += 1
            return ()
        if self.c.keep_log:
            self.log.append((command, outputs))
        self.absorb(outputs)
        return outputs

    # ------------------------------------------------------------ arrivals

    def on_incident(self, payload: None) -> None:
        rng = self.rng
        if self.now < self.horizon:
            self.push(self.now + rng.expovariate(1.0 / self.incident_gap), _INCIDENT, None)
        else:
            return
        wg = rng.choices(self.wijkgroepen, cum_weights=self.cum_sizes)[0]
        residents = self.residents(wg)
        if not residents:
            return
        category = rng.choices(self.categories, cum_weights=self.cum_rates)[0]
        reporter = residents[rng.randrange(len(residents))]
        self.report(wg, reporter, self.meldingen[category])

    def report(self, wg: str, reporter: MemberId, melding: Melding) -> None:
        """A resident reports (R1-R3); plan the afloop and the other witnesses."""
        outputs = self.handle(_report(self.now, reporter, melding, None))
        if outputs and type(outputs[0]) is Held:
            # Only in a trace: the stuurgroep screens it and lets it through (S1).
            at = self.now + self.read() + self.decide()
            self.push(at, _SCREEN, (outputs[0], wg, reporter))
            return
        if not outputs or type(outputs[0]) is not IncidentOpened:
            # A report of the same kind in the same wijkgroep joined an open
            # incident (H4); its reporter had called 112 all the same.
            self.made += 1
            return
        self.reported(self.incidents[outputs[0].incident], wg, reporter, melding.category)

    def reported(self, inc: _Incident, wg: str, reporter: MemberId, category: Category) -> None:
        inc.category = category
        inc.reporter = reporter
        inc.stuurgroep = self.stuurgroep_of[wg]
        self.opened(inc)
        # Other witnesses of the same situation (H4).
        residents = self.residents(wg)
        rng = self.rng
        for _ in range(_poisson(rng, self.c.witnesses)):
            witness = residents[rng.randrange(len(residents))]
            if witness != reporter:
                self.push(self.now + self.witness(), _WITNESS, (inc.id, witness))

    def on_screen(self, payload: tuple[Held, str, MemberId]) -> None:
        held, wg, reporter = payload
        by = self.h.telefoonbeheerder(held.stuurgroep)
        outputs = self.handle(Screen(at=self.now, by=by, incident=held.incident, release=True))
        if outputs and type(outputs[0]) is IncidentOpened:
            inc = self.incidents[held.incident]
            self.reported(inc, wg, reporter, self.relay.incident(held.incident).melding.category)

    def on_start(self, payload: tuple[str, Melding, MemberId | None, str]) -> None:
        """The one incident of a :func:`trace`."""
        origin, melding, reporter, sender = payload
        category = melding.category
        self.meldingen.setdefault(category, attrs.evolve(melding, called_112=True))
        self.quiet.setdefault(category, attrs.evolve(melding, called_112=False))
        if self.kinds[origin] is _WIJKGROEP:
            if reporter is None:
                reporter = self.h.default_reporter(origin)
            self.report(origin, reporter, melding)
        elif self.kinds[origin] is GroupKind.REGIEGROEP:
            self.notice({"regiegroep": origin}, melding, sender)
        else:
            self.notice({"stuurgroepen": (origin,)}, melding, sender)

    def on_police(self, payload: None) -> None:
        rng = self.rng
        if self.now < self.horizon:
            self.push(self.now + rng.expovariate(1.0 / self.police_gap), _POLICE, None)
        else:
            return
        gemeente, regiegroepen, stuurgroepen = self.gemeenten[rng.randrange(len(self.gemeenten))]
        category = rng.choices(self.categories, cum_weights=self.cum_rates)[0]
        if regiegroepen:
            target: dict[str, Any] = {"regiegroep": rng.choice(regiegroepen)}
        else:
            target = {"stuurgroepen": (rng.choice(stuurgroepen),)}
        self.notice(target, self.meldingen[category], f"wijkagent {gemeente}")

    def notice(self, target: dict[str, Any], melding: Melding, sender: str) -> None:
        """The police notify a regiegroep or a stuurgroep (P1)."""
        self.police_notices += 1
        outputs = self.handle(PoliceNotice(at=self.now, sender=sender, melding=melding, **target))
        if outputs and type(outputs[0]) is IncidentOpened:
            inc = self.incidents[outputs[0].incident]
            inc.category = melding.category
            if "stuurgroepen" in target:
                inc.stuurgroep = target["stuurgroepen"][0]
            else:
                wijk = self.h.wijk_of(target["regiegroep"]) or ""
                inc.stuurgroep = self.h.stuurgroepen_of(wijk)[0]
            self.opened(inc)

    # ------------------------------------------------------------ outputs

    def absorb(self, outputs: tuple[Output, ...]) -> None:
        rng = self.rng
        c = self.c
        now = self.now
        msgs = self.msgs
        for o in outputs:
            kind = type(o)
            if kind is Deliveries:
                assert isinstance(o, Deliveries)
                # The batch's record, read directly (see routing.engine.outputs.BatchRec):
                # every delivery of the run passes here.
                rec = o._rec
                groups = rec[B_GROUPS]
                for group in groups:
                    msgs[group] = msgs.get(group, 0) + 1
                if rec[B_KIND] != _MELDING_KIND:
                    continue
                iid = rec[B_INCIDENT]
                inc = self.incidents[iid]
                posted_at = inc.posted
                police = inc.police
                confirm = c.confirm
                react_chance = c.react_chance
                kinds = self.kinds
                forwarded = self.forwarded
                did = rec[B_FIRST]
                i = 0
                for group, poster in zip(groups, rec[B_POSTERS], strict=True):
                    source = batch_source(rec, i)
                    if source is None:
                        posted = now  # the reporter (or the police) posts it themselves
                    else:
                        start = max(now, posted_at.get(source, now))
                        if poster is not None:
                            posted = start + self.fwd()
                            forwarded[poster] = forwarded.get(poster, 0) + 1
                        else:
                            posted = start  # a bot posts at once
                        if police and inc.carrier is None:
                            decision = batch_decision(rec, i)
                            if decision is not None and decision[2] == _POLICE_DOWN:
                                inc.carrier = decision[7]
                    posted_at[group] = posted
                    if confirm:
                        self.push(posted, _CONFIRM, (did + i, poster))
                    if kinds[group] is _WIJKGROEP and rng.random() < react_chance:
                        self.push(posted + self.read(), _REACT, (iid, group))
                    i += 1
                inc.groups += i
            elif kind is PendingDecision:
                assert isinstance(o, PendingDecision)
                self.ask(o)
            elif kind is DecisionMade:
                assert isinstance(o, DecisionMade)
                self.decisions += 1
                if o.decision.default_applied:
                    self.defaults += 1
            elif kind is IncidentOpened:
                assert isinstance(o, IncidentOpened)
                self.incidents[o.incident] = _Incident(
                    o.incident, Category.INBRAAK, o.origin, o.at, o.police
                )
            elif kind is Reminder:
                assert isinstance(o, Reminder)
                self.reminders += 1
                self.on_reminder(self.incidents[o.incident])
            elif kind is IncidentClosed:
                assert isinstance(o, IncidentClosed)
                self.incidents[o.incident].closed_at = o.at

    def ask(self, p: PendingDecision) -> None:
        """A stuurgroep is asked (R5, R6): the first available member answers."""
        rng = self.rng
        c = self.c
        inc = self.incidents[p.incident]
        available = [m for m in self.duty(p.decider) if rng.random() < c.availability]
        if not available:
            # Nobody answers; the relay's deadline applies the default.
            self.push(p.deadline, _TICK, p.incident)
            return
        member = available[rng.randrange(len(available))]
        seen = max(self.now, inc.posted.get(p.source, self.now))
        at = seen + self.read() + self.decide()
        if at >= p.deadline:
            self.push(p.deadline, _TICK, p.incident)  # too late: the default applies first
            return
        forward = rng.random() < self.forward_chance[p.step]
        self.push(at, _DECIDE, (p.id, member, forward, p.incident))

    def opened(self, inc: _Incident) -> None:
        """Plan what the people do about a new incident: its afloop, or not (R8)."""
        if self.rng.random() < self.c.afloop_chance:
            inc.afloop_due = True
            self.push(self.now + self.action(), _AFLOOP, (inc.id, "casushouder"))
        self.push(self.now + self.remind_every, _TICK, inc.id)

    def on_reminder(self, inc: _Incident) -> None:
        if inc.closed_at is not None:
            return
        self.push(self.now + self.remind_every, _TICK, inc.id)  # the relay reminds again
        if inc.afloop_due:
            return
        inc.reminders += 1
        c = self.c
        rng = self.rng
        if rng.random() < c.reminder_response:
            inc.afloop_due = True
            self.push(self.now + self.read(), _AFLOOP, (inc.id, "reminder"))
        elif c.stuurgroep_closes_after is not None and inc.reminders >= c.stuurgroep_closes_after:
            inc.afloop_due = True
            self.push(self.now + self.read(), _AFLOOP, (inc.id, "stuurgroep"))

    # ------------------------------------------------------------ people act

    def on_decide(self, payload: tuple[int, MemberId, bool, str]) -> None:
        """The member :meth:`ask` chose answers the pending decision (R5, R6)."""
        pid, member, forward, iid = payload
        if self.incidents[iid].closed_at is not None:
            return
        if self.handle(_decide(self.now, member, pid, forward, "")):
            self.decided[member] = self.decided.get(member, 0) + 1

    def on_tick(self, iid: str) -> None:
        # Ticks are scheduled only for deadlines that will matter: a decision
        # nobody answers, an incident's reminder. The relay applies all that
        # is due at once, so a second tick at the same time has nothing to do.
        if self.incidents[iid].closed_at is not None or self.now == self.last_tick:
            return
        self.last_tick = self.now
        self.handle(_tick(self.now))

    def on_react(self, payload: tuple[str, str]) -> None:
        """A member of a wijkgroep the melding reached adds information (R4, P3)."""
        iid, group = payload
        if self.incidents[iid].closed_at is not None:
            return
        residents = self.residents(group)
        if residents:
            member = residents[self.rng.randrange(len(residents))]
            self.handle(_react(self.now, member, iid, _REACT_TEXT, group))

    def on_witness(self, payload: tuple[str, MemberId]) -> None:
        iid, witness = payload
        inc = self.incidents[iid]
        if inc.closed_at is not None:
            return
        # Did the witness read the group before acting? Then they know 112
        # was called and report without calling again (H4).
        read = inc.posted.get(inc.origin, inc.opened_at) + self.read()
        knows = read <= self.now
        melding = (self.quiet if knows else self.meldingen)[inc.category]
        outputs = self.handle(_report(self.now, witness, melding, iid))
        if outputs and type(outputs[0]) is Joined:
            if knows:
                self.avoided += 1
            else:
                self.made += 1

    def on_afloop(self, payload: tuple[str, str]) -> None:
        """The closing message (R8, P7): from the casushouder, else the telefoonbeheerder."""
        iid, who = payload
        inc = self.incidents[iid]
        if inc.closed_at is not None:
            return
        by = inc.reporter if inc.reporter is not None else inc.carrier
        if who == "stuurgroep" or by is None:
            by = self.h.telefoonbeheerder(inc.stuurgroep or "")
        if self.handle(_afloop(self.now, by, iid, _AFLOOP_TEXT)):
            inc.afloop = who

    def on_confirm(self, payload: tuple[int, MemberId | None]) -> None:
        did, by = payload
        self.handle(_confirm(self.now, did, by))

    # ------------------------------------------------------------ lookups

    def residents(self, wg: str) -> tuple[MemberId, ...]:
        found = self._residents.get(wg)
        if found is None:
            found = self._residents[wg] = self.h.residents(wg)
        return found

    def duty(self, decider: str) -> tuple[MemberId, ...]:
        """Who may answer for ``decider``: a stuurgroep's members, or the
        members of a regiegroep who also sit in the gemeentelijke one (R5, R6)."""
        found = self._duty.get(decider)
        if found is None:
            h = self.h
            members = h.admins(decider)
            if h.kind(decider) is GroupKind.REGIEGROEP:
                grg = h.gemeentelijke_regiegroep_of(h.gemeente_of(decider))
                members = members & h.admins(grg) if grg is not None else frozenset()
            found = self._duty[decider] = tuple(sorted(members))
        return found

    # ------------------------------------------------------------ results

    def result(self) -> SimResult:
        h = self.h
        weeks = self.weeks
        outcomes: list[IncidentOutcome] = []
        reach: list[float] = []
        last: list[float] = []
        wijkgroep = GroupKind.WIJKGROEP
        kinds = self.kinds
        afloop = {"casushouder": 0, "reminder": 0, "stuurgroep": 0}
        left = 0
        add_reach = reach.append
        for inc in self.incidents.values():
            opened, origin = inc.opened_at, inc.origin
            times = tuple([(g, t - opened) for g, t in inc.posted.items() if kinds[g] is wijkgroep])
            if times:
                latest = 0.0
                for g, t in times:
                    if g != origin:
                        add_reach(t)
                    if t > latest:
                        latest = t
                last.append(latest)
            if inc.afloop is not None:
                afloop[inc.afloop] += 1
            elif inc.closed_at is None:
                left += 1
            outcome = _outcome(
                inc.id, inc.category, inc.police, origin, opened, inc.closed_at,
                inc.afloop, inc.groups, times,
            )  # fmt: skip
            outcomes.append(outcome)
        messages, decided, forwarded, busiest = self.loads()
        return SimResult(
            seed=self.seed,
            weeks=weeks,
            members=len(h),
            groups=len(kinds),
            incidents=tuple(outcomes),
            reach=LoadSummary.of(reach),
            last_reach=LoadSummary.of(last),
            messages_per_member_week=messages,
            decisions_per_member_week=decided,
            forwards_per_member_week=forwarded,
            busiest=busiest,
            decisions=self.decisions,
            decisions_by_default=self.defaults,
            duplicate_calls_avoided=self.avoided,
            duplicate_calls_made=self.made,
            reminders=self.reminders,
            afloop_by_casushouder=afloop["casushouder"],
            afloop_after_reminder=afloop["reminder"],
            afloop_by_stuurgroep=afloop["stuurgroep"],
            without_afloop=left,
            police_notices=self.police_notices,
            commands=self.commands,
            refused=self.refused,
            log=tuple(self.log),
        )

    def loads(
        self,
    ) -> tuple[LoadSummary, LoadSummary, LoadSummary, tuple[tuple[int, int, int], ...]]:
        """Messages per member (H9) and the stuurgroep members' load, per week.

        A resident sees the messages of their wijkgroep; a stuurgroep member
        also those of every wijkgroep it manages, of the stuurgroep, the
        regiegroep, and the gemeentelijke regiegroep if they are a delegate.
        """
        h = self.h
        msgs = self.msgs
        weeks = self.weeks
        pairs: list[tuple[float, int]] = []
        admins: list[int] = []
        for sg in h.groups(GroupKind.STUURGROEP):
            managed = h.managed_wijkgroepen(sg)
            wijk = h.wijk_of(sg) or ""
            rg = h.regiegroep_of(wijk)
            grg = h.gemeentelijke_regiegroep_of(h.gemeente_of(sg))
            delegates = h.admins(grg) if grg is not None else frozenset()
            shared = sum(msgs.get(g, 0) for g in (*managed, sg)) + (msgs.get(rg, 0) if rg else 0)
            for m in sorted(h.admins(sg)):
                admins.append(m)
                seen = shared + (msgs.get(grg, 0) if grg is not None and m in delegates else 0)
                pairs.append((seen / weeks, 1))
        admin_set = set(admins)
        for wg in h.groups(GroupKind.WIJKGROEP):
            plain = sum(1 for m in self.residents(wg) if m not in admin_set)
            pairs.append((msgs.get(wg, 0) / weeks, plain))
        decided = [self.decided.get(m, 0) / weeks for m in admins]
        forwarded = [self.forwarded.get(m, 0) / weeks for m in admins]
        top = sorted(
            admins, key=lambda m: (-(self.decided.get(m, 0) + self.forwarded.get(m, 0)), m)
        )[:5]
        busiest = tuple((m, self.decided.get(m, 0), self.forwarded.get(m, 0)) for m in top)
        return (
            LoadSummary.weighted(pairs),
            LoadSummary.of(decided),
            LoadSummary.of(forwarded),
            busiest,
        )


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by Knuth's method: means here are small (below 5)."""
    if mean <= 0:
        return 0
    limit = math.exp(-mean)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _melding(category: Category) -> Melding:
    return Melding(
        category=category,
        called_112=True,
        persons=(Person(sex="man", clothing="donkere jas met capuchon"),),
        direction="richting het park",
        action="ik blijf binnen en houd de straat in de gaten",
    )
