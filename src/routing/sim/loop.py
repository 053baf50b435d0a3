"""The event loop behind :func:`routing.sim.simulate.simulate`: the simulator's machinery.

:mod:`routing.sim.simulate` holds the entry points and explains the model; this
module holds the run itself (:class:`Run`): the heap of events and the people
who read, decide and forward. What they do is counted in a
:class:`~routing.sim.tally.Tally`, which adds it up into the
:class:`~routing.sim.config.SimResult`. Kept apart because it is long and
nothing outside the simulator calls it.

The run drives the relay as an app would, through its public interface
only: commands built with their own constructors (and so checked like any
other), outputs read through their public fields, and who may decide asked
of :meth:`Relay.duty <routing.relay.Relay.duty>`.
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
    CasushouderChanged,
    DecisionMade,
    Deliveries,
    DeliveryFailed,
    DeliveryKind,
    Held,
    IncidentClosed,
    IncidentOpened,
    IncidentRegrouped,
    Joined,
    Output,
    PendingDecision,
    ReactionHeld,
    Reminder,
    Step,
    TaskReassigned,
)
from routing.errors import RoutingError
from routing.model import Hierarchy
from routing.relay import Relay

from .config import WEEK, YEAR, SimConfig, SimResult
from .draws import poisson
from .reading import ReadingLoad
from .tally import IncidentRecord, Tally

__all__ = ["Run"]

# Event kinds on the heap. Plain ints in plain tuples: the heap compares
# (time, seq) and never reaches the payload, since seq is unique.
_INCIDENT, _POLICE, _DECIDE, _TICK, _REACT, _WITNESS, _AFLOOP, _CONFIRM, _SCREEN, _START = range(10)
_WEEK = 10  # reading load and attrition (routing.sim.reading), once a week

_MELDING = DeliveryKind.MELDING
_POLICE_DOWN = Step.POLICE_DOWN
_WIJKGROEP = GroupKind.WIJKGROEP
_AFLOOP_TEXT = "De politie is ter plaatse geweest; de situatie is voorbij."
_REACT_TEXT = "Aanvulling: ik zag iemand weglopen richting het park"
_PROGRESS_EVERY = 4096  # events between progress calls


class Run:
    """One run of the simulator over ``h``: see :mod:`routing.sim.simulate`.

    :meth:`go` runs it to the end; :meth:`start` plans the one incident of a
    :func:`~routing.sim.simulate.trace` first.
    """

    def __init__(self, h: Hierarchy, config: SimConfig, seed: int, weeks: float) -> None:
        if config.reading is not None:
            # Residents leave during this run: it gets a hierarchy of its own,
            # so the caller's stays as it was.
            h = Hierarchy.from_state(h.export_state())
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
        self.tally = Tally()
        self.incidents = self.tally.incidents  # the people's record of each incident
        self._residents: dict[str, tuple[MemberId, ...]] = {}
        self._duty: dict[str, tuple[MemberId, ...]] = {}

        wijkgroepen = list(h.groups(GroupKind.WIJKGROEP))
        sizes = [len(h.residents(w)) for w in wijkgroepen]
        self.wijkgroepen = wijkgroepen
        self.sizes = dict(zip(wijkgroepen, sizes, strict=True))  # at the start
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
        self.reading = (
            ReadingLoad(
                h, config.reading, seed=seed, horizon=self.horizon, residents=self.residents
            )
            if config.reading is not None
            else None
        )

    # ------------------------------------------------------------ the loop

    def go(self, progress: Callable[[float], None] | None) -> SimResult:
        rng = self.rng
        self.push(rng.expovariate(1.0 / self.incident_gap) if self.incident_gap < math.inf
                  else math.inf, _INCIDENT, None)  # fmt: skip
        if self.police_gap < math.inf:
            self.push(rng.expovariate(1.0 / self.police_gap), _POLICE, None)
        if self.reading is not None and self.horizon >= WEEK:
            self.push(WEEK, _WEEK, None)
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
            _WEEK: self.on_week,
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
        tally = self.tally
        tally.commands += 1
        try:
            outputs = self.relay.handle(command)
        except RoutingError:
            # The people in the run act on what they saw, which can be out of
            # date (a decision already taken by the deadline). The relay refuses
            # such a command with nothing changed; count it and go on.
            tally.refused += 1
            return ()
        if self.c.keep_log:
            tally.log.append((command, outputs))
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
        reading = self.reading
        if not residents:
            if reading is not None and self.sizes[wg]:
                reading.unreported += 1
            return
        category = rng.choices(self.categories, cum_weights=self.cum_rates)[0]
        # Drawn among the residents at the start: while nobody has left that
        # is the same draw; once some have, the one who saw it may be gone.
        seen_by = rng.randrange(self.sizes[wg])
        if seen_by >= len(residents):
            if reading is not None:
                reading.unreported += 1
            return
        self.report(wg, residents[seen_by], self.meldingen[category])

    def report(self, wg: str, reporter: MemberId, melding: Melding) -> None:
        """A resident reports (R1-R3); plan the afloop and the other witnesses."""
        outputs = self.handle(Report(at=self.now, reporter=reporter, melding=melding))
        if outputs and type(_first(outputs)) is Held:
            # Only in a trace: the stuurgroep screens it and lets it through (S1).
            at = self.now + self.read() + self.decide()
            self.push(at, _SCREEN, (_first(outputs), wg, reporter))
            return
        if not outputs or type(_first(outputs)) is not IncidentOpened:
            # A report of the same kind in the same wijkgroep joined an open
            # incident (H4); its reporter had called 112 all the same.
            self.tally.made += 1
            return
        self.reported(self.incidents[_first(outputs).incident], wg, reporter, melding.category)

    def reported(
        self, inc: IncidentRecord, wg: str, reporter: MemberId, category: Category
    ) -> None:
        inc.category = category
        inc.reporter = reporter
        inc.stuurgroep = self.stuurgroep_of[wg]
        if self.reading is not None:
            self.reading.reported(inc.id, reporter)
        self.opened(inc)
        # Other witnesses of the same situation (H4).
        residents = self.residents(wg)
        rng = self.rng
        for _ in range(poisson(rng, self.c.witnesses)):
            witness = residents[rng.randrange(len(residents))]
            if witness != reporter:
                self.push(self.now + self.witness(), _WITNESS, (inc.id, witness))

    def on_screen(self, payload: tuple[Held | ReactionHeld, str, MemberId]) -> None:
        held, wg, reporter = payload
        by = self.relay.on_duty(held.stuurgroep)  # a stuurgroep always has one (T1)
        if by is None:
            return
        if isinstance(held, ReactionHeld):
            # The run's reactions are information; one held all the same is
            # rejected with the finding, as the stuurgroep would (S1).
            self.handle(
                Screen(
                    at=self.now, by=by, incident=held.incident, release=False,
                    reason=held.reason, reaction=held.reaction,
                )
            )  # fmt: skip
            return
        outputs = self.handle(Screen(at=self.now, by=by, incident=held.incident, release=True))
        if outputs and type(_first(outputs)) is IncidentOpened:
            inc = self.incidents[held.incident]
            self.reported(inc, wg, reporter, self.relay.incident(held.incident).melding.category)

    def start(self, origin: str, melding: Melding, reporter: MemberId | None, sender: str) -> None:
        """Plan the one incident of a :func:`~routing.sim.simulate.trace` at time 0."""
        self.push(0.0, _START, (origin, melding, reporter, sender))

    def on_start(self, payload: tuple[str, Melding, MemberId | None, str]) -> None:
        """The one incident of a :func:`~routing.sim.simulate.trace`."""
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
        self.tally.police_notices += 1
        outputs = self.handle(PoliceNotice(at=self.now, sender=sender, melding=melding, **target))
        if outputs and type(_first(outputs)) is IncidentOpened:
            inc = self.incidents[_first(outputs).incident]
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
        tally = self.tally
        msgs = tally.msgs
        for o in outputs:
            kind = type(o)
            if kind is Deliveries:
                assert isinstance(o, Deliveries)
                # Every delivery of the run passes here: the batch's columns,
                # never its Delivery values with their routes.
                groups = o.groups
                for group in groups:
                    msgs[group] = msgs.get(group, 0) + 1
                if self.reading is not None:
                    self.reading.delivered(o.incident, groups, o.kind is _MELDING)
                if o.kind is not _MELDING:
                    continue
                iid = o.incident
                inc = self.incidents[iid]
                posted_at = inc.posted
                police = inc.police
                confirm = c.confirm
                react_chance = c.react_chance
                kinds = self.kinds
                forwarded = tally.forwarded
                did = o.first
                for i, (group, poster, source) in enumerate(
                    zip(groups, o.posters, o.sources, strict=True)
                ):
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
                            # Once per police notice: the first hop into a wijkgroep (P2).
                            decision = o.hop(i).decision
                            if decision is not None and decision.step is _POLICE_DOWN:
                                inc.carrier = decision.by
                    posted_at[group] = posted
                    if confirm:
                        self.push(posted, _CONFIRM, (did + i, poster))
                    if kinds[group] is _WIJKGROEP and rng.random() < react_chance:
                        self.push(posted + self.read(), _REACT, (iid, group))
                inc.groups += len(groups)
            elif kind is PendingDecision:
                assert isinstance(o, PendingDecision)
                self.ask(o)
            elif kind is DecisionMade:
                assert isinstance(o, DecisionMade)
                tally.decisions += 1
                if o.decision.default_applied:
                    tally.defaults += 1
            elif kind is IncidentOpened:
                assert isinstance(o, IncidentOpened)
                self.incidents[o.incident] = IncidentRecord(
                    o.incident, Category.INBRAAK, o.origin, o.at, o.police
                )
            elif kind is Reminder:
                assert isinstance(o, Reminder)
                tally.reminders += 1
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
        # The draw is made now, the judgement when the member answers: a
        # report's decisions are asked before the run knows who reported.
        self.push(at, _DECIDE, (p.id, member, rng.random(), p.incident, p.step))

    def opened(self, inc: IncidentRecord) -> None:
        """Plan what the people do about a new incident: its afloop, or not (R8)."""
        if self.rng.random() < self.c.afloop_chance:
            inc.afloop_due = True
            self.push(self.now + self.action(), _AFLOOP, (inc.id, "casushouder"))
        self.push(self.now + self.remind_every, _TICK, inc.id)

    def on_reminder(self, inc: IncidentRecord) -> None:
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

    def on_decide(self, payload: tuple[int, MemberId, float, str, Step]) -> None:
        """The member :meth:`ask` chose answers the pending decision (R5, R6)."""
        pid, member, draw, iid, step = payload
        if self.incidents[iid].closed_at is not None:
            return
        chance = self.forward_chance[step]
        if self.reading is not None and not self.reading.beyond(iid):
            chance = self.reading.c.misjudge  # it concerns only its own buurt
        forward = draw < chance
        if self.handle(Decide(at=self.now, by=member, decision=pid, forward=forward)):
            decided = self.tally.decided
            decided[member] = decided.get(member, 0) + 1

    def on_tick(self, iid: str) -> None:
        # Ticks are scheduled only for deadlines that will matter: a decision
        # nobody answers, an incident's reminder. The relay applies all that
        # is due at once, so a second tick at the same time has nothing to do.
        if self.incidents[iid].closed_at is not None or self.now == self.last_tick:
            return
        self.last_tick = self.now
        self.handle(Tick(at=self.now))

    def on_react(self, payload: tuple[str, str]) -> None:
        """A member of a wijkgroep the melding reached adds information (R4, P3)."""
        iid, group = payload
        if self.incidents[iid].closed_at is not None:
            return
        residents = self.residents(group)
        if residents:
            member = residents[self.rng.randrange(len(residents))]
            outputs = self.handle(
                React(at=self.now, member=member, incident=iid, text=_REACT_TEXT, group=group)
            )
            if outputs and type(_first(outputs)) is ReactionHeld:
                # Screening held it (S1): the stuurgroep on duty looks at it.
                at = self.now + self.read() + self.decide()
                self.push(at, _SCREEN, (_first(outputs), group, member))

    def on_witness(self, payload: tuple[str, MemberId]) -> None:
        iid, witness = payload
        inc = self.incidents[iid]
        if inc.closed_at is not None or (self.reading is not None and witness not in self.h):
            return
        # Did the witness read the group before acting? Then they know 112
        # was called and report without calling again (H4).
        read = inc.posted.get(inc.origin, inc.opened_at) + self.read()
        knows = read <= self.now
        melding = (self.quiet if knows else self.meldingen)[inc.category]
        outputs = self.handle(Report(at=self.now, reporter=witness, melding=melding, joins=iid))
        if outputs and type(_first(outputs)) is Joined:
            if knows:
                self.tally.avoided += 1
            else:
                self.tally.made += 1

    def on_afloop(self, payload: tuple[str, str]) -> None:
        """The closing message (R8, P7): from the casushouder, else the telefoonbeheerder."""
        iid, who = payload
        inc = self.incidents[iid]
        if inc.closed_at is not None:
            return
        by = inc.reporter if inc.reporter is not None else inc.carrier
        if who == "stuurgroep" or by is None or (self.reading is not None and by not in self.h):
            by = self.h.telefoonbeheerder(inc.stuurgroep or "")
        if self.handle(Afloop(at=self.now, by=by, incident=iid, text=_AFLOOP_TEXT)):
            inc.afloop = who

    def on_week(self, payload: None) -> None:
        """A week is over: what the members read, and who has had enough (H9)."""
        assert self.reading is not None
        for wg in self.reading.week(self.now):
            self._residents.pop(wg, None)
        if self.now + WEEK <= self.horizon:
            self.push(self.now + WEEK, _WEEK, None)

    def on_confirm(self, payload: tuple[int, MemberId | None]) -> None:
        did, by = payload
        self.handle(Confirm(at=self.now, delivery=did, by=by))

    # ------------------------------------------------------------ lookups

    def residents(self, wg: str) -> tuple[MemberId, ...]:
        found = self._residents.get(wg)
        if found is None:
            found = self._residents[wg] = self.h.residents(wg)
        return found

    def duty(self, decider: str) -> tuple[MemberId, ...]:
        """Who may answer for ``decider`` (:meth:`Relay.duty <routing.relay.Relay.duty>`),
        in a fixed order for the run's draws."""
        found = self._duty.get(decider)
        if found is None:
            found = self._duty[decider] = tuple(sorted(self.relay.duty(decider)))
        return found

    def result(self) -> SimResult:
        """What the run adds up to (see :meth:`Tally.result <routing.sim.tally.Tally.result>`)."""
        result = self.tally.result(
            self.h, seed=self.seed, weeks=self.weeks, kinds=self.kinds, residents=self.residents
        )
        if self.reading is None:
            return result
        self.reading.week(self.end, last=True)
        reading = self.reading.result()
        return attrs.evolve(result, members=reading.members[0], reading=reading)


def _melding(category: Category) -> Melding:
    return Melding(
        category=category,
        called_112=True,
        persons=(Person(sex="man", clothing="donkere jas met capuchon"),),
        direction="richting het park",
        action="ik blijf binnen en houd de straat in de gaten",
    )


#: What the relay says first when it caught up with a change to the hierarchy
#: before the command (routing.engine.departures): not the command's own.
_CAUGHT_UP = (CasushouderChanged, TaskReassigned, IncidentRegrouped, DeliveryFailed)


def _first(outputs: tuple[Output, ...]) -> Any:
    """The command's own first output, past what the catch-up said."""
    for o in outputs:
        if not isinstance(o, _CAUGHT_UP):
            return o
    return None
