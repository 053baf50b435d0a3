"""The relay: the Zoomwijck routing path (R1-R8, P1-P7) as a sans-I/O engine.

Theory of operation
-------------------

The app owns every effect: it talks to people, posts into chat groups (or
asks a person to), keeps time. The relay owns the picture: which incidents
exist, which groups each one reached and by which route, who is casushouder
where, which relevance questions are open. The app feeds
:mod:`~routing.engine.commands` to :meth:`Relay.handle` and gets back a tuple of
:mod:`~routing.engine.outputs` that say what must be delivered where and by whom.
Nothing here sends, prints, reads a clock or draws a random number, so the
same commands always give the same outputs (the stateful tests replay them).

``handle(command) -> tuple[Output, ...]`` rather than h11's pair
``send``/``next_event``: h11 separates them because bytes arrive in pieces
and events leave one at a time; a command here is whole, and everything it
causes belongs together (a report and the deliveries it fans out to). One
call, one atomic result: the command is applied whole, or refused with a
:class:`~routing.errors.Refused` and nothing changed. Each handler checks
everything first and changes state only after the last check.

The path, as the relay runs it:

* **Origin.** A resident's report (R1-R3) opens an incident in their
  wijkgroep and makes them casushouder there; a police notice (P1) opens
  one in the addressed regiegroep or stuurgroepen, and one member on duty of
  each addressed stuurgroep carries it into its wijkgroepen and becomes
  casushouder there (P2).
* **Spreading.** Whenever the melding reaches a group, the relay looks at
  the decision points that lead on from it (precomputed in
  :mod:`~routing.engine.tables`): siblings (S2), up to the regiegroep (S3, R5), down
  into each other stuurgroep's wijkgroepen (S5, R6), and the same two steps
  through the gemeentelijke regiegroep. The relevance policy answers each
  point: forward (the member on duty of the deciding group is given the
  delivery), skip, or ask (a :class:`~routing.engine.outputs.PendingDecision` for
  that group's members, with a deadline). A member can also forward by hand
  (:class:`~routing.engine.commands.Forward`), which is their own decision.
* **Once per group.** A group that holds the melding is never given it
  again; every delivery carries its route, and a (decider, target) pair is
  judged once per incident.
* **Delivery by people.** A delivery is a task for a named member with text
  ready to paste, or for a bot where the config allows one. The group counts
  as reached as soon as the task is handed out (the people downstream were
  given their own text and need not wait); ``Confirm`` records who posted it
  and when, and ``Fail`` takes the group out of the reach set again, so the
  afloop does not pretend to close something the group never saw and a
  member may forward it there anew.
* **Time.** Pending decisions fall back to the configured default at their
  deadline, and open incidents remind their casushouders to post the afloop.
  :meth:`Relay.next_deadline` says when the app should next send a
  :class:`~routing.engine.commands.Tick`; a decision that arrives before that tick
  still counts.
* **Afloop.** Closes the incident and goes exactly once to every group it
  reached (R8, P7). A closed incident refuses reports, forwards and decisions.

A report that says 112 was *not* called is held, not dropped and not
refused: the rules say 112 comes first (H3), but a not-urgent situation is
reported by 0900-8844 or not at all, and the stuurgroep's first duty is to
screen messages and address the resident (S1). So the relay opens the
incident as HELD, delivers nothing, and returns a
:class:`~routing.engine.outputs.Held` for the stuurgroep, who release or reject it
with :class:`~routing.engine.commands.Screen`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from typing import Any

from .engine import privacy as relay_privacy
from .engine import state as relay_state
from .engine.commands import (
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
from .engine.followup import FollowUp
from .engine.incident import (
    P_INCIDENT,
    DeliveryRecord,
    DeliveryStatus,
    Event,
    IncidentState,
    IncidentView,
    next_phase,
    pending_output,
    reaction_text,
)
from .engine.outputs import (
    CasushouderChanged,
    Delivery,
    DeliveryKind,
    Held,
    IncidentOpened,
    Joined,
    Output,
    PendingDecision,
    Rejected,
    Step,
    _builder,
)
from .engine.policies import Ask, Policy
from .engine.records import (
    C_BY,
    C_FORWARD,
    C_ID,
    STEP_INDEX,
    DecisionRec,
    Rebuild,
    _deliveries,
)
from .engine.router import _LIVE, Queued
from .engine.tables import RelayConfig
from .errors import (
    IncidentRefused,
    PermissionRefused,
    RouteRefused,
    UnknownDecisionError,
)
from .model import Hierarchy

_opened = _builder(IncidentOpened)

__all__ = ["Relay", "RelayConfig"]


class Relay(FollowUp):
    """Runs the routing path over a :class:`~routing.model.Hierarchy`.

    ``policy`` answers the relevance questions (R5, R6); the default asks the
    stuurgroep every time, as the Zoomwijck does. See the module docstring.
    """

    def __init__(
        self,
        hierarchy: Hierarchy,
        *,
        policy: Policy | None = None,
        config: RelayConfig | None = None,
    ) -> None:
        super().__init__(
            hierarchy,
            policy if policy is not None else Ask(),
            config if config is not None else RelayConfig(),
        )
        # The class's functions, not bound methods: a bound method held by
        # its own instance is a reference cycle, and a relay without one is
        # freed the moment it is dropped (see routing.gcpause).
        cls = type(self)
        self._handlers: dict[type, Callable[[Relay, Any], tuple[Output, ...]]] = {
            Report: cls._report,
            React: cls._react,
            Forward: cls._forward_cmd,
            Decide: cls._decide,
            PoliceNotice: cls._police,
            Screen: cls._screen,
            Confirm: cls._confirm,
            Fail: cls._fail,
            HandOver: cls._hand_over,
            Afloop: cls._afloop,
            Tick: cls._tick,
        }

    # ------------------------------------------------------------ public API

    def handle(self, command: Command) -> tuple[Output, ...]:
        """Apply one command; what must happen, as values. Atomic (see above)."""
        try:
            handler = self._handlers[type(command)]
        except KeyError:
            raise TypeError(f"not a relay command: {command!r}") from None
        self._tables.sync()
        counts = list(self._counts)
        try:
            out = handler(self, command)
            return self._finish(out) if self._building else out
        except BaseException:
            self._counts = counts  # ids handed out by a failed command are handed out again
            self._building = []
            raise

    def next_deadline(self) -> float | None:
        """When the app should send the next :class:`~routing.engine.commands.Tick`, if ever."""
        heap = self._heap
        while heap and self._stale(heap[0]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def incident(self, incident: str) -> IncidentView:
        """A snapshot of one incident."""
        inc = self._get(incident)
        rb = Rebuild(inc.decisions)
        return IncidentView(
            id=inc.id,
            phase=inc.phase,
            origin=inc.origin,
            police=inc.police,
            sender=inc.sender,
            melding=inc.melding,
            opened_at=inc.opened_at,
            closed_at=inc.closed_at,
            reached=tuple(inc.reach),
            casushouders=tuple(inc.casus.items()),
            called_112_by=tuple(inc.called),
            reports=tuple(inc.reports),
            deliveries=tuple(self._record(d) for b in inc.deliveries for d in rb.batch(b)),
            decisions=tuple(rb.decision(d[C_ID]) for d in inc.decisions),
            pending=tuple(pending_output(self._pending[p]) for p in inc.pending),
            linked_to=inc.linked_to,
            linked=tuple(inc.linked),
            sender_actor=inc.sender_actor,
        )

    def _record(self, delivery: Delivery) -> DeliveryRecord:
        done = self._status.get(delivery.id)
        if done is None:
            return DeliveryRecord(delivery=delivery, status=DeliveryStatus.PENDING)
        status, by, at, reason = done
        return DeliveryRecord(
            delivery=delivery, status=DeliveryStatus(status), by=by, at=at, reason=reason
        )

    def incidents(self) -> tuple[str, ...]:
        """Ids of every incident, oldest first."""
        return tuple(self._incidents)

    def pending(self) -> tuple[PendingDecision, ...]:
        """Every decision still waiting for an answer, oldest first."""
        return tuple(pending_output(p) for p in self._pending.values())

    # ------------------------------------------------------ state and privacy

    def export_state(self) -> dict[str, Any]:
        """Everything the relay holds, as JSON-able plain data.

        Incidents with all their records, pending decisions and deadlines,
        casushouders, delivery records, the duplicate index and the id
        counters, with ``"schema"`` and ``"kind"``. Deterministic: the same
        state gives an equal dict. See :mod:`routing.engine.state`.
        """
        return relay_state.export_state(self)

    @classmethod
    def from_state(
        cls,
        hierarchy: Hierarchy,
        state: Mapping[str, Any],
        *,
        policy: Policy | None = None,
        config: RelayConfig | None = None,
    ) -> Relay:
        """A relay rebuilt from :meth:`export_state`'s data over ``hierarchy``.

        ``config`` defaults to the one saved in the state; the policy is code
        and is passed again (default :class:`~routing.engine.policies.Ask`). Raises
        :class:`~routing.errors.StateError`, and only that, when the data is
        of another kind, a newer schema, ill-formed, or names members or
        groups the hierarchy never had.
        """
        return relay_state.load_state(cls, hierarchy, state, policy=policy, config=config)

    def erase_member(self, member: int) -> int:
        """Erase every free text ``member`` wrote from the relay (AVG art. 17).

        Reaction texts, afloop texts and the reasons they typed for a
        forward, a decision or a screening become ``"[verwijderd]"``; so do
        the text, action and looprichting of meldingen they reported, whose
        signalementen, vehicles, place and photos are reduced to counts
        (:meth:`Melding.redacted <routing.domain.melding.Melding.redacted>`, what the
        journal keeps of them too). Delivery texts rendered from them are
        rendered again. Member ids in routes stay (their name is
        :meth:`Hierarchy.erase <routing.model.Hierarchy.erase>`'s job).
        Returns how many fields were erased; atomic and deterministic.
        """
        return relay_privacy.erase_member(self, member)

    def erase_actor(self, actor: str) -> int:
        """Replace a police sender who is ``actor`` by their pseudonym (AVG art. 17).

        Police notices sent with ``actor`` (:class:`~routing.engine.commands.PoliceNotice`)
        get :meth:`Hierarchy.actor_pseudonym <routing.model.Hierarchy.actor_pseudonym>`
        as sender, and their delivery texts are rendered again. Returns how
        many incidents changed; atomic and deterministic.
        """
        return relay_privacy.erase_actor(self, actor)

    def apply_retention(self, now: float, *, older_than: float = 28 * 86400.0) -> tuple[str, ...]:
        """Strip old incidents' descriptions (AVG art. 5): those closed by ``now - older_than``.

        The descriptions of persons, vehicles, photos and place, the
        looprichting, free text, action, the police sender's name, reaction,
        afloop and delivery texts and typed reasons go; the melding keeps
        what :meth:`Melding.redacted <routing.domain.melding.Melding.redacted>`
        keeps (category, how many persons, vehicles and photos, the buurt),
        and phase, times, groups reached, the counts of reactions and
        deliveries and the routes (ids only) stay, so :meth:`incident` still
        works. Returns the ids stripped by this call.
        """
        return relay_privacy.apply_retention(self, now, older_than)

    def _adopt(self, other: Relay) -> None:
        """Take over another relay's state (built by :mod:`routing.engine.state`)."""
        self._incidents = other._incidents
        self._deliveries = other._deliveries
        self._building = []
        self._status = other._status
        self._pending = other._pending
        self._resolved = other._resolved
        self._recent = other._recent
        self._heap = other._heap
        self._counts = other._counts
        self._seq = other._seq

    # --------------------------------------------------------------- reports

    def _report(self, cmd: Report) -> tuple[Output, ...]:
        wg = self.hierarchy.wijkgroep_of(cmd.reporter)
        entry = self._tables.entry(wg)
        linked: IncidentState | None = None
        if cmd.joins is not None:
            other = self._get(cmd.joins)
            next_phase(other.phase, Event.JOIN, incident=other.id, command=cmd)
            if other.origin_wijk == entry.wijk:
                return self._join(other, cmd)
            linked = other  # seen in another wijk: SAAR starts again there (R7)
        else:
            dup = self._duplicate(wg, cmd.melding.category._name_, cmd.at)
            if dup is not None:
                return self._join(dup, cmd)
        inc = IncidentState(self._next_id(), wg, entry.wijk, cmd.melding, cmd.at)
        inc.reports = ((cmd.reporter, cmd.at),)
        if linked is not None:
            inc.linked_to = linked.id
        out: list[Output]
        if not cmd.melding.called_112:
            inc.phase = next_phase(None, Event.HOLD)
            held = Held(
                incident=inc.id,
                wijkgroep=wg,
                stuurgroep=entry.stuurgroep or "",
                reporter=cmd.reporter,
                reason="112 is niet gebeld (H3): de stuurgroep beoordeelt de melding (S1)",
                at=cmd.at,
            )
            out = [held]
        else:
            inc.phase = next_phase(None, Event.REPORT)
            inc.called = (cmd.reporter,)
            # Positionally (see routing.engine.outputs._builder): the keyword constructor
            # costs about 1 µs more, on every report.
            out = [_opened(inc.id, wg, cmd.reporter, False, inc.linked_to, cmd.at)]
            self._originate(inc, cmd.reporter, entry.bot, cmd.at, out)
        self._register(inc)
        if linked is not None:
            linked.linked += (inc.id,)
        return tuple(out)

    def _duplicate(self, wg: str, category: str, at: float) -> IncidentState | None:
        """A live incident of ``category`` (its name) opened in ``wg`` within the window (H4)."""
        ids = self._recent.get((wg, category))
        if not ids:
            return None
        window = self.config.duplicate_window
        for iid in reversed(ids):
            inc = self._incidents[iid]
            if at - inc.opened_at > window:
                # Ids are kept in the order the incidents opened: all older ones
                # are out of the window too, and never will be in it again.
                del ids[: ids.index(iid) + 1]
                return None
            if inc.phase in _LIVE:
                return inc
        return None

    def _join(self, inc: IncidentState, cmd: Report) -> tuple[Output, ...]:
        """A second report of the same situation (H4): tell who called 112 already."""
        next_phase(inc.phase, Event.JOIN, incident=inc.id, command=cmd)
        already = tuple(inc.called)
        if already:
            names = ", ".join(self._name(m) for m in already)
            text = f"112 is al gebeld door {names}. Bel alleen opnieuw met nieuwe informatie."
        elif inc.police:
            text = f"De politie is al op de hoogte ({inc.sender})."
        else:
            text = "112 is nog niet gebeld: bel 112 en meld het daarna in de groep."
        text += f" Je melding is toegevoegd aan {inc.id}; vul aan in de groep (R4)."
        inc.reports += ((cmd.reporter, cmd.at),)
        if cmd.melding.called_112 and cmd.reporter not in inc.called:
            inc.called += (cmd.reporter,)
        return (
            Joined(
                incident=inc.id, reporter=cmd.reporter, called_112_by=already, text=text, at=cmd.at
            ),
        )

    def _screen(self, cmd: Screen) -> tuple[Output, ...]:
        inc = self._get(cmd.incident)
        event = Event.RELEASE if cmd.release else Event.REJECT
        phase = next_phase(inc.phase, event, incident=inc.id, command=cmd)
        self._require_member(cmd.by)
        origin = self._tables.entry(inc.origin)
        stuurgroep = origin.stuurgroep or ""
        if cmd.by not in self._tables.duty(stuurgroep):
            raise PermissionRefused(
                f"only a member of {stuurgroep} screens reports from {inc.origin}",
                command=cmd,
                rule="S1",
            )
        reporter = inc.reports[0][0]
        if not cmd.release:
            inc.phase = phase
            inc.closed_at = cmd.at
            inc.screening = (cmd.by, False, cmd.reason, cmd.at)
            reason = cmd.reason or "de melding is niet geplaatst"
            return (
                Rejected(incident=inc.id, reporter=reporter, by=cmd.by, reason=reason, at=cmd.at),
            )
        saved = inc.save()
        try:
            inc.phase = phase
            out: list[Output] = [
                IncidentOpened(
                    incident=inc.id,
                    origin=inc.origin,
                    casushouder=reporter,
                    police=False,
                    linked_to=inc.linked_to,
                    at=cmd.at,
                )
            ]
            self._originate(inc, reporter, origin.bot, cmd.at, out)
        except BaseException:
            inc.restore(saved)
            raise
        inc.screening = (cmd.by, True, cmd.reason, cmd.at)
        self._index(inc)
        self._schedule_reminder(inc, cmd.at + self.config.reminder_after)
        return tuple(out)

    # ------------------------------------------------------------- commands

    def _forward_cmd(self, cmd: Forward) -> tuple[Output, ...]:
        inc = self._get(cmd.incident)
        next_phase(inc.phase, Event.FORWARD, incident=inc.id, command=cmd)
        self._require_member(cmd.by)
        tables = self._tables
        tables.entry(cmd.source)
        tables.entry(cmd.target)
        if cmd.source not in inc.reach:
            raise IncidentRefused(
                f"{inc.id} has not reached {cmd.source}, so it cannot go on from there",
                command=cmd,
                rule="R5",
            )
        found = tables.step_between(cmd.source, cmd.target)
        if found is None:
            raise RouteRefused(
                f"the routing path has no step from {cmd.source} to {cmd.target}",
                source=cmd.source,
                target=cmd.target,
                command=cmd,
            )
        step, decider = found
        if cmd.target in inc.reach:
            raise IncidentRefused(
                f"{cmd.target} already has {inc.id}; a group gets a message once",
                command=cmd,
                rule=step.rule,
            )
        carried = inc.reach[cmd.source]
        if any(hop[1] == cmd.target for hop in self._route_rec(carried, inc)):
            raise IncidentRefused(
                f"{inc.id} came to {cmd.source} through {cmd.target}; a route never loops",
                command=cmd,
                rule=step.rule,
            )
        if cmd.by not in tables.duty(decider):
            raise PermissionRefused(
                f"only a member of {decider} may forward from {cmd.source} to {cmd.target}",
                command=cmd,
                rule=step.rule,
            )
        out: list[Output] = []
        saved = inc.save()
        try:
            reason = cmd.reason or "handmatig doorgezet"
            dec = self._next_count(2)
            inc.decisions += (
                (
                    dec, inc.id, STEP_INDEX[step], decider, cmd.source, (cmd.target,), True,
                    cmd.by, cmd.at, reason, False,
                ),
            )  # fmt: skip
            self._judged(inc).add((decider, cmd.target))
            queue: list[Queued] = []
            self._carry(inc, carried, (cmd.target,), cmd.by, dec, cmd.at, out, queue)
            if step is Step.POLICE_DOWN and cmd.target not in inc.casus:
                inc.casus[cmd.target] = cmd.by  # P2: who carries it in is casushouder there
            self._spread(inc, queue, cmd.at, out)
        except BaseException:
            inc.restore(saved)
            raise
        if cmd.reason:
            inc.authored += ((dec, cmd.by),)
        return tuple(out)

    def _decide(self, cmd: Decide) -> tuple[Output, ...]:
        pending = self._pending.get(cmd.decision)
        if pending is None:
            if cmd.decision not in self._resolved:
                raise UnknownDecisionError(cmd.decision)
            earlier = self._resolved[cmd.decision]
            why = "the incident was closed" if earlier is None else self._decided(earlier)
            raise IncidentRefused(
                f"decision {cmd.decision} is taken: {why}", command=cmd, rule="R6"
            )
        inc = self._incidents[pending[P_INCIDENT]]
        next_phase(inc.phase, Event.DECIDE, incident=inc.id, command=cmd)
        self._require_member(cmd.by)
        decider = pending[3]
        if cmd.by not in self._tables.duty(decider):
            p = pending_output(pending)
            raise PermissionRefused(
                f"only a member of {decider} decides about {', '.join(p.targets)}",
                command=cmd,
                rule=p.step.rule,
            )
        out: list[Output] = []
        reason = cmd.reason or ("relevant" if cmd.forward else "niet relevant")
        self._resolve(
            pending,
            forward=cmd.forward,
            by=cmd.by,
            reason=reason,
            default=False,
            at=cmd.at,
            out=out,
        )
        if cmd.reason:
            decision = self._resolved[cmd.decision]
            if decision is not None:
                inc.authored += ((decision[C_ID], cmd.by),)
        return tuple(out)

    def _react(self, cmd: React) -> tuple[Output, ...]:
        inc = self._get(cmd.incident)
        next_phase(inc.phase, Event.REACT, incident=inc.id, command=cmd)
        tables = self._tables
        if cmd.group is not None:
            self._require_member(cmd.member)
            tables.entry(cmd.group)
            if cmd.group not in inc.reach or not tables.is_member(cmd.member, cmd.group):
                raise IncidentRefused(
                    f"{inc.id} did not reach {cmd.group} or you are not in it",
                    command=cmd,
                    rule="R4",
                )
            group = cmd.group
        else:
            # Their home wijkgroep first (everyone is in theirs), then the
            # other groups in the order the incident reached them; the first
            # one they are in. UnknownMemberError if they are in none.
            home = self.hierarchy.wijkgroep_of(cmd.member)
            reach = inc.reach
            if home in reach:
                group = home
            else:
                found = next((g for g in reach if tables.is_member(cmd.member, g)), None)
                if found is None:
                    raise IncidentRefused(
                        f"{inc.id} did not reach any group you are in", command=cmd, rule="R4"
                    )
                group = found
        bot = tables.entry(group).bot
        batch = self._extend(
            inc, DeliveryKind.REACTION, cmd.at, (group,), (reaction_text(inc.id, cmd.text),),
            (None if bot else cmd.member,), (bot,), (self._delivery(inc.reach[group], inc),),
        )  # fmt: skip
        inc.reactions += ((batch[4], cmd.member, cmd.text),)
        return (_deliveries(batch),)

    def _hand_over(self, cmd: HandOver) -> tuple[Output, ...]:
        inc = self._get(cmd.incident)
        next_phase(inc.phase, Event.HAND_OVER, incident=inc.id, command=cmd)
        tables = self._tables
        entry = tables.entry(cmd.wijkgroep)
        current = inc.casus.get(cmd.wijkgroep)
        if current is None:
            raise IncidentRefused(
                f"{inc.id} has no casushouder in {cmd.wijkgroep}", command=cmd, rule="R3"
            )
        self._require_member(cmd.to)
        stuurgroep = entry.stuurgroep or ""
        if cmd.by != current:
            self._require_member(cmd.by)
            if cmd.by not in tables.duty(stuurgroep):
                raise PermissionRefused(
                    f"only the casushouder or a member of {stuurgroep} hands over",
                    command=cmd,
                    rule="R3",
                )
        if cmd.to == current or not tables.is_member(cmd.to, cmd.wijkgroep):
            raise PermissionRefused(
                f"member {cmd.to} cannot take over: not in {cmd.wijkgroep}, or already casushouder",
                command=cmd,
                rule="R3",
            )
        inc.casus[cmd.wijkgroep] = cmd.to
        return (
            CasushouderChanged(
                incident=inc.id,
                wijkgroep=cmd.wijkgroep,
                previous=current,
                current=cmd.to,
                at=cmd.at,
            ),
        )

    # ------------------------------------------------------------- helpers

    def _decided(self, decision: DecisionRec) -> str:
        by = decision[C_BY]
        who = "the deadline" if by is None else self._name(by)
        return f"{'forwarded' if decision[C_FORWARD] else 'not forwarded'} by {who}"
