"""What follows a delivery: confirmations, failures, deadlines and the afloop.

Along the life of an incident: :mod:`routing.engine.origins` opens
incidents, :mod:`routing.engine.steps` moves them on (forwards, decisions,
reactions, hand-overs); this module handles what comes back once deliveries
are out (R3's confirmations and failures), time (pending decisions that
fall back to their default, reminders for the afloop, R8) and the afloop
that closes the incident (R8, P7). :class:`~routing.relay.Relay` composes
the three; the theory of operation is in :mod:`routing.relay`.
"""

from __future__ import annotations

import heapq
import math
from typing import NoReturn

from routing.domain.texts import render_afloop
from routing.domain.values import MemberId
from routing.errors import (
    IncidentRefused,
    PermissionRefused,
    UnknownDeliveryError,
)

from .commands import Afloop, Confirm, Fail, Tick
from .departures import keeper, present
from .incident import DeliveryStatus, Event
from .ledger import DECISION_DUE
from .outputs import (
    CasushouderChanged,
    Deliveries,
    DeliveryFailed,
    DeliveryKind,
    Output,
    Step,
    new_delivery_confirmed,
    new_incident_closed,
    new_reminder,
)
from .records import (
    B_GROUPS,
    B_INCIDENT,
    B_KIND,
    B_POSTERS,
    C_BY,
    C_DECIDER,
    C_STEP,
    MELDING,
    STEP_INDEX,
    BatchRec,
    batch_decision,
)
from .router import Router

__all__ = ["FollowUp"]

# Members read once, here: on Python 3.11 each ``Enum.MEMBER`` read in a function
# goes through the enum's metaclass (docs/performance.md, "Enum members").
_CONFIRM = Event.CONFIRM
_FAIL = Event.FAIL
_AFLOOP = Event.AFLOOP

_POLICE_DOWN = STEP_INDEX[Step.POLICE_DOWN]
_MELDING = MELDING
_CONFIRMED = DeliveryStatus.CONFIRMED.value


class FollowUp:
    """The handlers for confirmations, failures, ticks and the afloop (see above)."""

    __slots__ = ("router",)

    def __init__(self, router: Router) -> None:
        self.router = router

    def confirm(self, cmd: Confirm) -> tuple[Output, ...]:
        batch, i = self._delivery_for(cmd.delivery)
        did, group, poster = cmd.delivery, batch[B_GROUPS][i], batch[B_POSTERS][i]
        reassigned = self.router.ledger.reassigned
        if reassigned and did in reassigned:  # its poster left (engine/departures.py)
            poster = reassigned[did]
        melding = batch[B_KIND] == _MELDING
        inc = self.router.ledger.incidents[batch[B_INCIDENT]]
        inc.allow(_CONFIRM, cmd)
        if did in self.router.ledger.status:
            self._refuse_done(did, cmd)
        # The decision behind a melding delivery's last hop, read from its
        # batch: no route to build, no search through the incident's records.
        last = batch_decision(batch, i) if melding else None
        by = cmd.by if cmd.by is not None else poster
        if by is not None and by != poster:
            self.router.require_member(by)
            decision = last if melding else None
            allowed = (
                by in self.router.tables.duty(decision[C_DECIDER])
                if decision is not None
                else self.router.tables.is_member(by, group)
            )
            if not allowed:
                raise PermissionRefused(
                    f"member {by} does not hold the duty to post in {group}",
                    command=cmd,
                    rule="S2",
                )
        self.router.ledger.status[did] = (_CONFIRMED, by, cmd.at, "")
        if reassigned:
            reassigned.pop(did, None)  # a task no more
        out: list[Output] = [new_delivery_confirmed(delivery=did, by=by, at=cmd.at)]
        if (
            melding
            and by is not None
            and last is not None
            and last[C_STEP] == _POLICE_DOWN
            and inc.casus.get(group) == last[C_BY]
            and by != last[C_BY]
        ):  # P2: whoever actually carried it in is the casushouder there
            inc.casus[group] = by
            out.append(
                CasushouderChanged(
                    incident=inc.id, wijkgroep=group, previous=last[C_BY], current=by, at=cmd.at
                )
            )
        return tuple(out)

    def fail(self, cmd: Fail) -> tuple[Output, ...]:
        batch, i = self._delivery_for(cmd.delivery)
        did, group = cmd.delivery, batch[B_GROUPS][i]
        inc = self.router.ledger.incidents[batch[B_INCIDENT]]
        inc.allow(_FAIL, cmd)
        if did in self.router.ledger.status:
            self._refuse_done(did, cmd)
        self.router.ledger.status[did] = (DeliveryStatus.FAILED.value, None, cmd.at, cmd.reason)
        self.router.ledger.reassigned.pop(did, None)  # a task no more
        # The group never saw it: no afloop there, and it may be forwarded again.
        # (After a split the delivery may stand for the wijkgroepen made from it.)
        if inc.reach.get(group) == did:
            del inc.reach[group]
            inc.failed = tuple(sorted({*inc.failed, group}))
        elif did in inc.reach.values():
            lost = [g for g, d in inc.reach.items() if d == did]
            for g in lost:
                del inc.reach[g]
            inc.failed = tuple(sorted({*inc.failed, *lost}))
        return (DeliveryFailed(delivery=did, group=group, reason=cmd.reason, at=cmd.at),)

    def afloop(self, cmd: Afloop) -> tuple[Output, ...]:
        inc = self.router.ledger.get(cmd.incident)
        phase = inc.allow(_AFLOOP, cmd)
        self.router.require_member(cmd.by)
        tables = self.router.tables
        if cmd.by not in inc.casus.values() and cmd.by != inc.police_contact:
            sg = self.router.hierarchy.stuurgroep_membership(cmd.by)
            if sg is None or not any(
                g == sg or tables.entry(g).stuurgroep == sg for g in inc.reach
            ):
                raise PermissionRefused(
                    f"only a casushouder of {inc.id} or a member of a stuurgroep it reached "
                    "posts the afloop",
                    command=cmd,
                    rule="R8",
                )
        text = render_afloop(
            cmd.text, lang=self.router.config.lang, melding=inc.melding, by=self.router.name(cmd.by)
        )
        groups = tuple(inc.reach)
        out: tuple[Output, ...] = (
            new_incident_closed(incident=inc.id, by=cmd.by, groups=groups, at=cmd.at),
        )
        if groups:  # a held incident reached nothing
            posters: list[MemberId | None] = []
            bots: list[bool] = []
            parents = []
            for group, first in inc.reach.items():
                bot = tables.entry(group).bot
                # Extends the group's melding delivery; posted by whoever can:
                # a bot, the author if they are in the group, else who posted it.
                parent = self.router.ledger.delivery(first, inc)
                bots.append(bot)
                parents.append(parent)
                if bot:
                    posters.append(None)
                elif tables.is_member(cmd.by, group):
                    posters.append(cmd.by)
                else:
                    # Whoever posted the melding there, if still in the group;
                    # else whoever keeps the group (engine/departures.py).
                    batch_of, index = parent
                    poster = batch_of[B_POSTERS][index]
                    if not present(self.router, poster, group):
                        poster = keeper(self.router, group, poster)
                    posters.append(poster)
            n = len(groups)
            batch = self.router.extend(
                inc, DeliveryKind.AFLOOP, cmd.at, groups, (text,) * n, tuple(posters),
                tuple(bots), tuple(parents),
            )  # fmt: skip
            out += (Deliveries(batch),)
        inc.phase = phase
        inc.closed_at = cmd.at
        inc.afloop = (cmd.by, cmd.text)
        # Nothing is judged after the afloop: a tuple, which the collector
        # stops tracking, where a set would be walked for the incident's life.
        inc.considered = tuple(inc.considered)
        for pid in inc.pending:  # nobody needs to judge a closed incident any more
            del self.router.ledger.pending[pid]
            self.router.ledger.resolved[pid] = None
        inc.pending = ()
        self.router.ledger.unindex(inc)
        if groups:
            self.router.ledger.closed_with_tasks(inc)
        return out

    def tick(self, cmd: Tick) -> tuple[Output, ...]:
        out: list[Output] = []
        heap = self.router.ledger.heap
        while heap and heap[0][0] <= cmd.at:
            entry = heapq.heappop(heap)
            if self.router.ledger.stale(entry):
                continue
            deadline, _, kind, ref = entry
            try:
                if kind == DECISION_DUE:
                    default = self.router.config.decision_default
                    word = "doorzetten" if default else "niet doorzetten"
                    self.router.resolve(
                        self.router.ledger.pending[ref],
                        forward=default,
                        by=None,
                        reason=f"geen antwoord voor de deadline: standaard {word}",
                        default=True,
                        at=cmd.at,
                        out=out,
                    )
                else:
                    inc = self.router.ledger.incidents[ref]
                    contact = inc.police_contact
                    casus = tuple(dict.fromkeys(inc.casus.values()))
                    if contact in casus:  # R8: usually who last spoke to the police
                        casus = (contact, *(m for m in casus if m != contact))
                    category = inc.melding.category.label("nl")
                    text = (
                        f"Herinnering: {inc.id} ({category}) is nog open. Plaats een "
                        "afloopbericht zodra de actie voorbij is (R8)."
                    )
                    if contact is not None:
                        text += (
                            f" {self.router.name(contact)} had het laatst contact met de "
                            "politie en plaatst het meestal."
                        )
                    out.append(
                        new_reminder(
                            incident=inc.id, casushouders=casus, text=text, at=cmd.at,
                            police_contact=contact,
                        )
                    )  # fmt: skip
                    self.router.ledger.schedule_reminder(
                        inc, next_after(deadline, self.router.config.reminder_after, cmd.at)
                    )
            except BaseException:
                heapq.heappush(heap, entry)
                raise
        return tuple(out)

    # ------------------------------------------------------------- helpers

    def _delivery_for(self, delivery: int) -> tuple[BatchRec, int]:
        try:
            return self.router.ledger.delivery(delivery)
        except (KeyError, TypeError):
            raise UnknownDeliveryError(delivery) from None

    def _refuse_done(self, did: int, cmd: Confirm | Fail) -> NoReturn:
        """Refuse ``cmd``: delivery ``did`` was already confirmed or failed."""
        status, by = self.router.ledger.status[did][:2]
        who = f" by {self.router.name(by)}" if by is not None else ""
        raise IncidentRefused(f"delivery {did} was already {status}{who}", command=cmd, rule="R3")


def next_after(start: float, every: float, now: float) -> float:
    """The first of ``start + k * every`` (k = 1, 2, ...) later than ``now``.

    Computed, not walked: a tick far in the future (epoch milliseconds
    where seconds were meant, or a forged journal) costs what a tick a
    minute later costs. Where ``now`` is so large that ``every`` is below a
    float's resolution there, the next representable instant after ``now``.
    """
    k = max(1.0, math.floor((now - start) / every) + 1.0)
    following = start + k * every
    if following <= now:  # rounding in the product
        following = start + (k + 1.0) * every
    if following <= now:  # beyond the float's resolution at ``now``
        following = math.nextafter(now, math.inf)
    return following
