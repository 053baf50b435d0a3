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

Screening comes first (S1): every report and every reaction passes the
house rules' screening (:mod:`~routing.engine.screening`). What it holds is
not dropped and not refused: the rules say 112 comes first (H3), but a
not-urgent situation is reported by 0900-8844 or not at all; abuse (H5),
"eigen rechter" (H6) and chit-chat (H9) need a person's judgement, and the
stuurgroep's first duty is to screen messages and address the resident
(S1). A held report opens its incident as HELD and delivers nothing; a held
reaction is kept undelivered beside its incident. Each returns a
:class:`~routing.engine.outputs.Held` or
:class:`~routing.engine.outputs.ReactionHeld` with the rule and the reason,
for the stuurgroep of the sender's wijkgroep, who release or reject it with
:class:`~routing.engine.commands.Screen`, or address the sender first with
:class:`~routing.engine.commands.Address`. :meth:`Relay.held` lists what
waits, after a restart too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .domain.values import MemberId
from .engine import privacy as relay_privacy
from .engine import state as relay_state
from .engine.commands import (
    Address,
    Afloop,
    BurgernetAlert,
    Command,
    Confirm,
    Decide,
    Fail,
    Forward,
    HandOver,
    PartnerMessage,
    PoliceNotice,
    React,
    Report,
    Screen,
    Tick,
)
from .engine.departures import Departures
from .engine.followup import FollowUp
from .engine.incident import (
    DeliveryRecord,
    DeliveryStatus,
    IncidentView,
    Phase,
    pending_output,
)
from .engine.origins import Origins
from .engine.outputs import Addressed, Delivery, Held, Output, PendingDecision, ReactionHeld
from .engine.partners import Partners
from .engine.policies import Ask, Policy
from .engine.records import C_ID, Rebuild
from .engine.router import Router
from .engine.screening import Screening, held_output, reaction_held
from .engine.steps import Steps
from .engine.tables import RelayConfig
from .model import Hierarchy

__all__ = ["Relay", "RelayConfig"]


class Relay:
    """Runs the routing path over a :class:`~routing.model.Hierarchy`.

    ``policy`` answers the relevance questions (R5, R6); the default asks the
    stuurgroep every time. See the module docstring.

    The relay is a front door over parts it composes: a
    :class:`~routing.engine.router.Router` (the routing tables, the
    :class:`~routing.engine.ledger.Ledger` of what it keeps, and the fan-out
    every command shares) and five families of command handlers,
    :class:`~routing.engine.origins.Origins` (reports, police notices,
    Burgernet alerts), :class:`~routing.engine.screening.Screening`
    (releasing, rejecting and addressing what screening holds),
    :class:`~routing.engine.steps.Steps` (forwards, decisions, reactions,
    hand-overs), :class:`~routing.engine.followup.FollowUp` (confirmations,
    failures, ticks, the afloop) and :class:`~routing.engine.partners.Partners`
    (partners' messages for the beheerdersgroep).
    """

    __slots__ = ("_departures", "_handlers", "_router")

    def __init__(
        self,
        hierarchy: Hierarchy,
        *,
        policy: Policy | None = None,
        config: RelayConfig | None = None,
    ) -> None:
        router = self._router = Router(
            hierarchy,
            policy if policy is not None else Ask(),
            config if config is not None else RelayConfig(),
        )
        screening = Screening(router)
        origins, steps, follow = Origins(router, screening), Steps(router), FollowUp(router)
        self._departures = Departures(router)
        self._handlers: dict[type, Callable[[Any], tuple[Output, ...]]] = {
            Report: origins.report,
            React: steps.react,
            Forward: steps.forward,
            Decide: steps.decide,
            PoliceNotice: origins.police,
            BurgernetAlert: origins.burgernet,
            PartnerMessage: Partners(router).message,
            Screen: origins.screen,
            Address: screening.address,
            Confirm: follow.confirm,
            Fail: follow.fail,
            HandOver: steps.hand_over,
            Afloop: follow.afloop,
            Tick: follow.tick,
        }

    @property
    def hierarchy(self) -> Hierarchy:
        """The hierarchy the relay routes over (changes to it take effect at the next command)."""
        return self._router.hierarchy

    @property
    def config(self) -> RelayConfig:
        """The relay's configuration."""
        return self._router.config

    @property
    def policy(self) -> Policy:
        """The relevance policy; an app may replace it between commands."""
        return self._router.policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        self._router.policy = policy

    @property
    def use_plans(self) -> bool:
        """Whether fresh reports use the precomputed fan-out plans of
        :mod:`routing.engine.fanout`; off gives the generic spread, with equal
        outputs (the tests compare the two)."""
        return self._router.use_plans

    @use_plans.setter
    def use_plans(self, value: bool) -> None:
        self._router.use_plans = value

    def prepare(self) -> None:
        """Build every routing entry and fan-out plan now, not on first use
        (the relay does this when it is created)."""
        self._router.prepare()

    def handle(self, command: Command) -> tuple[Output, ...]:
        """Apply one command; what must happen, as values. Atomic (see above)."""
        try:
            handler = self._handlers[type(command)]
        except KeyError:
            raise TypeError(f"not a relay command: {command!r}") from None
        router = self._router
        router.tables.sync()
        ledger = router.ledger
        counts = list(ledger.counts)
        # Roles and tasks of members who left pass on first (engine/departures.py).
        departures = self._departures
        caught = departures.catch_up(command.at) if departures.due() else None
        try:
            out = handler(command)
            if router.building:
                out = router.finish(out)
            return out if caught is None or not caught[0] else (*caught[0], *out)
        except BaseException:
            ledger.counts = counts  # ids handed out by a failed command are handed out again
            router.building = []
            if caught is not None:
                caught[1]()
            raise

    def next_deadline(self) -> float | None:
        """When the app should send the next :class:`~routing.engine.commands.Tick`, if ever."""
        return self._router.ledger.next_deadline()

    def phase(self, incident: str) -> Phase:
        """Where one incident stands, without the snapshot :meth:`incident` builds."""
        return self._router.ledger.get(incident).phase

    def incident(self, incident: str) -> IncidentView:
        """A snapshot of one incident."""
        inc = self._router.ledger.get(incident)
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
            pending=tuple(pending_output(self._router.ledger.pending[p]) for p in inc.pending),
            linked_to=inc.linked_to,
            linked=tuple(inc.linked),
            sender_actor=inc.sender_actor,
            police_contact=inc.police_contact,
            held=tuple(reaction_held(inc.id, r) for r in inc.held if r[7] == "held"),
            addressed=tuple(
                Addressed(incident=inc.id, reaction=n or None, to=to, by=by, text=text, at=at)
                for n, by, to, text, at in inc.addressed
            ),
        )

    def _record(self, delivery: Delivery) -> DeliveryRecord:
        ledger = self._router.ledger
        done = ledger.status.get(delivery.id)
        if done is None:
            task_for = ledger.reassigned.get(delivery.id)
            if task_for is not None:  # its poster left the group (engine/departures.py)
                delivery = attrs.evolve(delivery, poster=task_for)
            return DeliveryRecord(delivery=delivery, status=DeliveryStatus.PENDING)
        status, by, at, reason = done
        return DeliveryRecord(
            delivery=delivery, status=DeliveryStatus(status), by=by, at=at, reason=reason
        )

    def tasks(self) -> tuple[Delivery, ...]:
        """Every delivery neither confirmed nor failed, in the order handed out.

        Each with the poster it is a task for now (another member where the
        one it named left the group: :mod:`routing.engine.departures`). This
        is the outbox of :mod:`routing.runtime`: after a restart the same
        tasks come out again, until each is confirmed or failed.
        """
        ledger = self._router.ledger
        status = ledger.status
        found: list[Delivery] = []
        for inc in ledger.incidents.values():
            if not ledger.has_tasks(inc):
                continue
            rb = Rebuild(inc.decisions)
            for batch in inc.deliveries:
                found.extend(
                    self._record(d).delivery for d in rb.batch(batch) if d.id not in status
                )
        found.sort(key=lambda d: d.id)
        return tuple(found)

    def incidents(self) -> tuple[str, ...]:
        """Ids of every incident, oldest first."""
        return tuple(self._router.ledger.incidents)

    def held(self) -> tuple[Held | ReactionHeld, ...]:
        """Everything screening holds for a stuurgroep, oldest incident first (S1).

        Held reports (incidents in phase HELD) and held reactions, each as
        the output that announced it; after a restart this is the
        stuurgroep's queue again. Filter on ``stuurgroep`` for one queue.
        """
        router = self._router
        router.tables.sync()
        found: list[Held | ReactionHeld] = []
        for inc in router.ledger.incidents.values():
            if inc.phase is Phase.HELD:
                found.append(held_output(router, inc))
            found += [reaction_held(inc.id, r) for r in inc.held if r[7] == "held"]
        return tuple(found)

    def beheerdersgroep(
        self, gemeente: str
    ) -> tuple[tuple[tuple[str, MemberId], ...], tuple[str, ...]]:
        """Who sits in the beheerdersgroep of ``gemeente`` (G5): one admin per
        stuurgroep as ``(stuurgroep, member)``, and the partners' actor ids.

        See :meth:`Tables.beheerders <routing.engine.tables.Tables.beheerders>`
        and :mod:`routing.engine.partners`.
        """
        tables = self._router.tables
        tables.sync()
        return tables.beheerders(gemeente)

    def pending(self) -> tuple[PendingDecision, ...]:
        """Every decision still waiting for an answer, oldest first."""
        return tuple(pending_output(p) for p in self._router.ledger.pending.values())

    def duty(self, decider: str) -> frozenset[MemberId]:
        """Who may forward and decide where ``decider`` is the deciding group.

        The one answer to the question, asked by the relay's own checks
        (:class:`~routing.engine.commands.Forward`,
        :class:`~routing.engine.commands.Decide`,
        :class:`~routing.engine.commands.Screen`,
        :class:`~routing.engine.commands.Address`,
        :class:`~routing.engine.commands.HandOver`), by
        :func:`~routing.present.explain.explain` and by the simulator. A
        stuurgroep: its members (S2, S3, S5, P2). A regiegroep: its members
        who also sit in the gemeentelijke regiegroep, the only ones who can
        carry a message between the two (R5, R6 one level up). Any other
        group decides nothing: the empty set. The ``decider`` of a
        :class:`~routing.engine.outputs.PendingDecision` or a
        :class:`~routing.engine.outputs.Decision` is such a group. Raises
        :class:`~routing.errors.UnknownGroupError` for a group the hierarchy
        does not have.
        """
        tables = self._router.tables
        tables.sync()
        return tables.duty(decider)

    def on_duty(self, decider: str) -> MemberId | None:
        """The member of :meth:`duty` who acts when a policy or a deadline decides.

        A stuurgroep: the member named in :attr:`RelayConfig.on_duty
        <routing.engine.tables.RelayConfig.on_duty>`, or its telefoonbeheerder
        (T1) where none is named or the named one left. A regiegroep: the
        lowest member id of its :meth:`duty`. ``None`` where nobody holds
        the duty. This is who the relay gives a delivery to when the policy
        forwards, and who :func:`~routing.present.explain.explain` assumes
        answers a question.
        """
        tables = self._router.tables
        tables.sync()
        return tables.on_duty(decider)

    # ------------------------------------------------------ state and privacy

    def export_state(self) -> dict[str, Any]:
        """Everything the relay holds, as JSON-able plain data.

        Incidents with all their records, pending decisions and deadlines,
        casushouders, delivery records, the duplicate index and the id
        counters, with ``"schema"`` and ``"kind"``. Deterministic: the same
        state gives an equal dict. See :mod:`routing.engine.state`.
        """
        return relay_state.export_state(self._router)

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
        saved_config, ledger = relay_state.load_state(hierarchy, state)
        relay = cls(hierarchy, policy=policy, config=config if config is not None else saved_config)
        relay._router.ledger = ledger
        return relay

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
        return relay_privacy.erase_member(self._router, member)

    def erase_actor(self, actor: str) -> int:
        """Replace a police sender who is ``actor`` by their pseudonym (AVG art. 17).

        Police notices sent with ``actor`` (:class:`~routing.engine.commands.PoliceNotice`)
        get :meth:`Hierarchy.actor_pseudonym <routing.model.Hierarchy.actor_pseudonym>`
        as sender, and their delivery texts are rendered again. Returns how
        many incidents changed; atomic and deterministic.
        """
        return relay_privacy.erase_actor(self._router, actor)

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
        return relay_privacy.apply_retention(self._router, now, older_than)
