"""Screening in the relay: every report and every reaction passes it first (S1).

Theory of operation
-------------------

The stuurgroep's first duty is to screen what residents post and to address
them where needed (S1). The relay screens every report and every reaction
with :mod:`routing.domain.screening` before anything is delivered: 112 not
called (H3), vigilantism (H6), abusive language (H5), and for reactions
chit-chat and private talk (H9). What passes goes on as before. What does
not is *held*, never dropped and never refused (the resident did nothing
the process forbids; a person must look at it):

* a held report opens its incident in phase HELD (the transition table of
  :mod:`routing.engine.incident`) and returns a
  :class:`~routing.engine.outputs.Held` with the main finding's rule and
  reason and every finding;
* a held reaction leaves its incident's phase alone, is kept beside it,
  numbered from 1, and returns a :class:`~routing.engine.outputs.ReactionHeld`.

A member of the stuurgroep that screens the sender (the one that manages
their own wijkgroep, :meth:`Tables.screens
<routing.engine.tables.Tables.screens>`; who of it holds the duty is
:meth:`Relay.duty <routing.relay.Relay.duty>`) then releases or rejects it
with :class:`~routing.engine.commands.Screen`, or first addresses the
sender with :class:`~routing.engine.commands.Address`, which hands back the
text for the app to send them in private and leaves the message held.
Released reactions are delivered as if they had just been sent; rejected
ones tell the sender why (:class:`~routing.engine.outputs.Rejected`).

Held items are part of the relay's state (exported and loaded with it), and
since the journal replays the commands that held them, a replay holds the
same items with the same numbers.

Every handler checks everything first and changes the ledger only after the
last check, like the others (:mod:`routing.relay`).
"""

from __future__ import annotations

import weakref
from typing import Final

from routing.domain.melding import Melding
from routing.domain.screening import Finding, Screener, ScreeningVerdict
from routing.domain.values import MemberId
from routing.errors import (
    IncidentRefused,
    PermissionRefused,
    ScreeningRefused,
    UnknownMessageError,
)

from .commands import Address, Screen
from .departures import present, rehomed
from .incident import (
    Event,
    HeldReactionRec,
    HoldRec,
    IncidentState,
    Phase,
    next_phase,
)
from .outputs import (
    Addressed,
    Deliveries,
    Held,
    IncidentOpened,
    Output,
    ReactionHeld,
    Rejected,
)
from .router import Router

__all__ = ["SCREENER", "Screening", "held_output", "hold_reaction", "hold_report", "reaction_held"]

#: The screening the relay applies: the default Dutch word list (H5).
SCREENER: Final = Screener()

_HOLD = Event.HOLD
_HOLD_REACTION = Event.HOLD_REACTION
_HELD = Phase.HELD

# A melding is screened once per value while it lives: a melding reported
# again (a simulation's people, an app retrying) costs a look-up, not the
# screening. Weak keys, so the cache never keeps a melding (personal data)
# alive after the relay let go of it, an erasure above all.
_VERDICTS: weakref.WeakKeyDictionary[Melding, HoldRec | None] = weakref.WeakKeyDictionary()
_VERDICTS_MAX = 4096


def _hold(verdict: ScreeningVerdict) -> HoldRec | None:
    if verdict.passed:
        return None
    findings = tuple((f.rule, f.reason) for f in verdict.findings)
    return (findings[0][0], findings[0][1], findings)


def _report_hold(melding: Melding) -> HoldRec | None:
    try:
        return _VERDICTS[melding]
    except KeyError:
        pass
    hold = _hold(SCREENER.screen(melding))
    if len(_VERDICTS) < _VERDICTS_MAX:
        _VERDICTS[melding] = hold
    return hold


def _findings(hold: HoldRec) -> tuple[Finding, ...]:
    return tuple(Finding(rule=rule, reason=reason) for rule, reason in hold[2])


def held_output(router: Router, inc: IncidentState) -> Held:
    """The :class:`~routing.engine.outputs.Held` of a held report (also after a restart)."""
    hold = inc.hold
    if hold is None:  # a state written before screening named its findings
        hold = ("H3", "112 has not been called: call 112 first, then report", ())
    return Held(
        incident=inc.id,
        wijkgroep=inc.origin,
        stuurgroep=router.tables.entry(inc.origin).stuurgroep or "",
        reporter=inc.reports[0][0],
        reason=hold[1],
        at=inc.opened_at,
        rule=hold[0],
        findings=_findings(hold),
    )


def reaction_held(incident: str, rec: HeldReactionRec) -> ReactionHeld:
    """The :class:`~routing.engine.outputs.ReactionHeld` a held reaction's record stands for."""
    n, member, group, stuurgroep, text, hold, at = rec[:7]
    return ReactionHeld(
        incident=incident,
        reaction=n,
        group=group,
        stuurgroep=stuurgroep,
        member=member,
        text=text,
        rule=hold[0],
        reason=hold[1],
        findings=_findings(hold),
        at=at,
    )


def hold_report(router: Router, inc: IncidentState) -> Held | None:
    """Screen a new incident's report (S1); if held, put it in phase HELD and say so.

    ``None``: the report passed and the caller opens the incident as usual.
    The last check of the report is the caller's; this only changes ``inc``,
    which is not yet registered.
    """
    hold = _report_hold(inc.melding)
    if hold is None:
        return None
    inc.phase = next_phase(None, _HOLD)
    inc.hold = hold
    return held_output(router, inc)


def hold_reaction(
    router: Router, inc: IncidentState, member: MemberId, group: str, text: str, at: float
) -> ReactionHeld | None:
    """Screen a reaction for ``group`` (S1); if held, keep it undelivered and say so.

    Called after every check of the reaction; ``None``: it passed, deliver it.
    """
    verdict = SCREENER.screen(text, reaction=True)
    hold = _hold(verdict)
    if hold is None:
        return None
    next_phase(inc.phase, _HOLD_REACTION, incident=inc.id)
    stuurgroep = router.tables.screens(member)
    rec: HeldReactionRec = (
        len(inc.held) + 1, member, group, stuurgroep, text, hold, at, "held", None, "", None,
    )  # fmt: skip
    inc.held += (rec,)
    return reaction_held(inc.id, rec)


class Screening:
    """The handlers of :class:`~routing.engine.commands.Screen` and
    :class:`~routing.engine.commands.Address`."""

    __slots__ = ("router",)

    def __init__(self, router: Router) -> None:
        self.router = router

    def screen(self, cmd: Screen) -> tuple[Output, ...]:
        if cmd.reaction is not None:
            return self.screen_reaction(cmd)
        inc = self.router.ledger.get(cmd.incident)
        event = Event.RELEASE if cmd.release else Event.REJECT
        phase = inc.allow(event, cmd)
        self.router.require_member(cmd.by)
        reporter = inc.reports[0][0]
        # Held in a wijkgroep a split removed since: it belongs where its
        # reporter went (G2; engine/departures.py).
        home = rehomed(self.router, inc.origin, reporter)
        origin = self.router.tables.entry(home)
        self.require_duty(cmd, origin.stuurgroep or "", home, reporter)
        if not cmd.release:
            inc.origin = home
            inc.phase = phase
            inc.closed_at = cmd.at
            inc.screening = (cmd.by, False, cmd.reason, cmd.at)
            reason = cmd.reason or "de melding is niet geplaatst"
            return (
                Rejected(incident=inc.id, reporter=reporter, by=cmd.by, reason=reason, at=cmd.at),
            )
        if not present(self.router, reporter, home):
            # The reporter left while it was held: the member who releases it
            # posts it and keeps contact with the police (R3; engine/departures.py).
            reporter = cmd.by
        saved, first_home = inc.save(), inc.origin
        try:
            inc.origin = home
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
            self.router.originate(inc, reporter, origin.bot, cmd.at, out)
        except BaseException:
            inc.restore(saved)
            inc.origin = first_home
            raise
        inc.screening = (cmd.by, True, cmd.reason, cmd.at)
        self.router.ledger.index(inc)
        self.router.ledger.schedule_reminder(inc, cmd.at + self.router.config.reminder_after)
        return tuple(out)

    def screen_reaction(self, cmd: Screen) -> tuple[Output, ...]:
        inc = self.router.ledger.get(cmd.incident)
        rec = self.held(inc, cmd.reaction)
        event = Event.RELEASE_REACTION if cmd.release else Event.REJECT_REACTION
        inc.allow(event, cmd)
        self.router.require_member(cmd.by)
        n, member, group, stuurgroep, text = rec[:5]
        self.require_duty(cmd, stuurgroep, group, member)
        self.require_held(cmd, rec)
        if cmd.release and (
            group not in inc.reach
            or member not in self.router.hierarchy
            or not self.router.tables.is_member(member, group)
        ):
            raise IncidentRefused(
                f"{inc.id} no longer reaches {group}, or its sender left it: "
                "the reaction cannot go there",
                command=cmd,
                rule="R4",
            )
        out: tuple[Output, ...]
        if cmd.release:
            out = (Deliveries(self.router.react(inc, group, member, text, cmd.at)),)
        else:
            reason = cmd.reason or "je reactie is niet geplaatst"
            out = (
                Rejected(
                    incident=inc.id, reporter=member, by=cmd.by, reason=reason, at=cmd.at,
                    reaction=n,
                ),
            )  # fmt: skip
        status = "released" if cmd.release else "rejected"
        decided = (*rec[:7], status, cmd.by, cmd.reason, cmd.at)
        inc.held = tuple(decided if r[0] == n else r for r in inc.held)
        return out

    def address(self, cmd: Address) -> tuple[Output, ...]:
        inc = self.router.ledger.get(cmd.incident)
        rec = None if cmd.reaction is None else self.held(inc, cmd.reaction)
        inc.allow(Event.ADDRESS, cmd)
        self.router.require_member(cmd.by)
        if rec is None:
            if inc.phase is not _HELD:
                raise ScreeningRefused(
                    f"the report of {inc.id} is not held: it was screened already", command=cmd
                )
            sender = inc.reports[0][0]
            group = rehomed(self.router, inc.origin, sender)
            stuurgroep = self.router.tables.entry(group).stuurgroep or ""
        else:
            sender, group, stuurgroep = rec[1], rec[2], rec[3]
        self.require_duty(cmd, stuurgroep, group, sender)
        if rec is not None:
            self.require_held(cmd, rec)
        inc.addressed += ((cmd.reaction or 0, cmd.by, sender, cmd.text, cmd.at),)
        return (
            Addressed(
                incident=inc.id,
                reaction=cmd.reaction,
                to=sender,
                by=cmd.by,
                text=cmd.text,
                at=cmd.at,
            ),
        )

    # ------------------------------------------------------------ checks

    def held(self, inc: IncidentState, reaction: int | None) -> HeldReactionRec:
        """Held reaction number ``reaction`` of ``inc``; :class:`UnknownMessageError` if none."""
        for rec in inc.held:
            if rec[0] == reaction:
                return rec
        raise UnknownMessageError((inc.id, reaction))

    def require_duty(
        self, cmd: Screen | Address, stuurgroep: str, group: str, sender: MemberId
    ) -> None:
        """S1: only a member on the screening stuurgroep's duty screens and addresses,
        and never their own message: another member of the stuurgroep does."""
        if cmd.by == sender:
            raise PermissionRefused(
                "another member of the stuurgroep screens your own message",
                command=cmd,
                rule="S1",
            )
        if cmd.by not in self.router.tables.duty(stuurgroep):
            raise PermissionRefused(
                f"only a member of {stuurgroep} screens messages for {group}",
                command=cmd,
                rule="S1",
            )

    def require_held(self, cmd: Screen | Address, rec: HeldReactionRec) -> None:
        if rec[7] != "held":
            raise ScreeningRefused(
                f"this reaction was already {rec[7]} by {self.router.name(rec[8])}", command=cmd
            )
