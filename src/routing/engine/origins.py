"""The commands that open an incident: a resident's report, a police notice.

* :meth:`Origins.report`: a resident's SAAR report opens an incident in their
  wijkgroep (R1-R3), or joins a live one of the same kind there (H4), or
  starts again in another wijk, linked to the first (R7); a report that
  screening holds (112 not called, H3; H5, H6) waits for the stuurgroep (S1,
  :mod:`routing.engine.screening`, which also has the handler that releases
  or rejects it).
* :meth:`Origins.police`: a police notice lands in the addressed groups (P1)
  and each addressed stuurgroep's member on duty carries it in (P2); only
  the police or a wijkagent send one (:data:`~routing.engine.tables.ACTOR_POSTS`).
* :meth:`Origins.burgernet`: a Burgernet alert for an area becomes a police
  notice to the regiegroepen and stuurgroepen of its wijken (P1).

Every handler checks everything first and changes the
:class:`~routing.engine.ledger.Ledger` only after the last check; the
theory of operation is in :mod:`routing.relay`.
"""

from __future__ import annotations

from routing.domain.situation import compare
from routing.domain.texts import render_melding
from routing.domain.values import GroupKind
from routing.errors import IncidentRefused, UnknownGroupError

from .commands import BurgernetAlert, PoliceNotice, Report, Screen
from .departures import rehomed
from .incident import Event, IncidentState, Phase, next_phase, police_text, reaction_text
from .ledger import LIVE
from .outputs import (
    CasushouderChanged,
    Deliveries,
    DeliveryKind,
    IncidentOpened,
    Output,
    Step,
    new_incident_opened,
    new_joined,
)
from .records import B_FIRST, STEP_INDEX
from .router import Queued, Router
from .screening import Screening, hold_report
from .tables import Post, require_post

__all__ = ["Origins"]

# Members read once, here: on Python 3.11 each ``Enum.MEMBER`` read in a function
# goes through the enum's metaclass (docs/performance.md, "Enum members").
_REPORT = Event.REPORT
_JOIN = Event.JOIN


class Origins:
    """The handlers of :class:`~routing.engine.commands.Report`,
    :class:`~routing.engine.commands.PoliceNotice` and
    :class:`~routing.engine.commands.BurgernetAlert`."""

    __slots__ = ("router", "screening")

    def __init__(self, router: Router, screening: Screening) -> None:
        self.router = router
        self.screening = screening

    def screen(self, cmd: Screen) -> tuple[Output, ...]:
        """:meth:`Screening.screen <routing.engine.screening.Screening.screen>`, but a held
        report of a situation that reached its wijkgroep meanwhile joins it there
        (R7: linked to it; H4: a live incident it plausibly reports again):
        released as an incident of its own it would alert the group a second time."""
        ledger = self.router.ledger
        inc = ledger.get(cmd.incident)
        if not cmd.release or cmd.reaction is not None or inc.phase is not Phase.HELD:
            return self.screening.screen(cmd)
        reporter, at = inc.reports[0]
        if reporter not in self.router.hierarchy:
            return self.screening.screen(cmd)  # posted by who releases it (departures)
        home = rehomed(self.router, inc.origin, reporter)
        report = Report(at=max(at, cmd.at), reporter=reporter, melding=inc.melding)
        if inc.linked_to is not None:
            there = self.covering(ledger.get(inc.linked_to), home)
            reason = "" if there is None else f"vrijgegeven; {there.id} is al in {home}"
        else:
            found = self.duplicate(home, report)
            there, reason = (None, "") if found is None else found
        if there is None:
            return self.screening.screen(cmd)
        phase = inc.allow(Event.REJECT, cmd)  # it goes no further as an incident of its own
        self.router.require_member(cmd.by)
        self.screening.require_duty(
            cmd, self.router.tables.entry(home).stuurgroep or "", home, reporter
        )
        out = self.join(there, report, reason)
        inc.phase = phase
        inc.closed_at = cmd.at
        inc.screening = (cmd.by, True, cmd.reason or f"samengevoegd met {there.id}", cmd.at)
        return out

    def report(self, cmd: Report) -> tuple[Output, ...]:
        wg = self.router.hierarchy.wijkgroep_of(cmd.reporter)
        entry = self.router.tables.entry(wg)
        linked: IncidentState | None = None
        if cmd.joins is not None:
            other = self.router.ledger.get(cmd.joins)
            other.allow(_JOIN, cmd)
            there = self.covering(other, wg)
            if there is not None:
                return self.join(there, cmd, f"je meldt het bij {other.id}")
            # Seen from a wijkgroep the situation never reached: SAAR starts
            # again there, and the reporter is casushouder in it (R7).
            linked = other
        elif not cmd.new_situation:
            found = self.duplicate(wg, cmd)
            if found is not None:
                same, reason = found
                return self.join(same, cmd, reason)
        inc = IncidentState(self.router.ledger.next_id(), wg, entry.wijk, cmd.melding, cmd.at)
        inc.reports = ((cmd.reporter, cmd.at),)
        if linked is not None:
            inc.linked_to = linked.id
        out: list[Output]
        held = hold_report(self.router, inc)  # S1: screening first (H3, H5, H6)
        if held is not None:
            if cmd.melding.called_112:
                inc.called = (cmd.reporter,)
                inc.police_contact = cmd.reporter  # they called 112 (R2, R8)
            out = [held]
        else:
            inc.phase = next_phase(None, _REPORT)
            inc.called = (cmd.reporter,)
            inc.police_contact = cmd.reporter  # they called 112 (R2, R8)
            out = [
                new_incident_opened(
                    incident=inc.id,
                    origin=wg,
                    casushouder=cmd.reporter,
                    police=False,
                    linked_to=inc.linked_to,
                    at=cmd.at,
                )
            ]
            # A linked incident alerts no group its situation reached (R7):
            # the router keeps those out of its spread.
            self.router.originate(inc, cmd.reporter, entry.bot, cmd.at, out)
        self.router.register(inc)
        if linked is not None:
            linked.linked += (inc.id,)
        return tuple(out)

    def covering(self, other: IncidentState, wg: str) -> IncidentState | None:
        """The live incident of ``other``'s situation that ``wg`` already has (R7, H4).

        One with a casushouder in ``wg`` first (one active casushouder per
        wijkgroep per situation), else one that reached it; ``None`` if the
        situation never came to ``wg``.
        """
        family = self.router.family(other)
        for inc in family:
            if inc.phase in LIVE and wg in inc.casus:
                return inc
        for inc in family:
            if inc.phase in LIVE and wg in inc.reach:
                return inc
        return None

    def duplicate(self, wg: str, cmd: Report) -> tuple[IncidentState, str] | None:
        """A live incident that ``cmd`` plausibly reports again, and why (H4).

        Of the incidents opened in ``wg`` and the police notices that reached
        it within the window, the newest that :func:`~routing.domain.situation.compare`
        finds to be the same situation.
        """
        ledger = self.router.ledger
        window = self.router.config.duplicate_window
        minutes = f"{window / 60:g} minuten"
        category = cmd.melding.category.name
        ids = ledger.recent.get((wg, category))
        if ids:
            for iid in reversed(ids):
                inc = ledger.incidents[iid]
                if cmd.at - inc.opened_at > window:
                    # Ids are kept in the order the incidents opened: all older ones
                    # are out of the window too, and never will be in it again.
                    del ids[: ids.index(iid) + 1]
                    break
                if inc.phase in LIVE and cmd.at >= inc.opened_at:
                    likeness = compare(inc.melding, cmd.melding)
                    if likeness.same:
                        return inc, f"{likeness.reason}, binnen {minutes} na {inc.id} in {wg}"
        for iid in reversed(ledger.notices):
            inc = ledger.incidents[iid]
            if (
                wg in inc.reach
                and 0.0 <= cmd.at - inc.opened_at <= window
                and inc.melding.category.name == category
            ):
                likeness = compare(inc.melding, cmd.melding)
                if likeness.same:
                    why = f"{likeness.reason}, binnen {minutes} na het politiebericht {inc.id}"
                    return inc, why
        return None

    def join(self, inc: IncidentState, cmd: Report, reason: str) -> tuple[Output, ...]:
        """A report of a situation the incident already is (H4, R7).

        Tell the reporter who called 112 already and why it counts as the
        same situation; post their report in their wijkgroep as an addition
        (R4) where the incident reached it; and where their wijkgroep has no
        casushouder for it yet and they called 112, they become it (R7).
        """
        inc.allow(_JOIN, cmd)
        router = self.router
        wg = router.hierarchy.wijkgroep_of(cmd.reporter)
        already = tuple(inc.called)
        if already:
            names = ", ".join(router.name(m) for m in already)
            text = f"112 is al gebeld door {names}. Bel alleen opnieuw met nieuwe informatie."
        elif inc.police:
            text = f"De politie is al op de hoogte ({inc.sender})."
        else:
            text = "112 is nog niet gebeld: bel 112 en meld het daarna in de groep."
        text += f" Je melding is toegevoegd aan {inc.id} ({reason})"
        posted = wg in inc.reach
        text += ", als aanvulling in de groep (R4)." if posted else "."
        text += " Is het een andere situatie? Meld het dan als nieuwe situatie."
        out: list[Output] = [
            new_joined(
                incident=inc.id, reporter=cmd.reporter, called_112_by=already, reason=reason,
                text=text, at=cmd.at,
            )
        ]  # fmt: skip
        if posted:
            body = render_melding(cmd.melding, lang=router.config.lang)
            bot = router.tables.entry(wg).bot
            parent = router.ledger.delivery(inc.reach[wg], inc)
            batch = router.extend(
                inc, DeliveryKind.REACTION, cmd.at, (wg,), (reaction_text(inc.id, body),),
                (None if bot else cmd.reporter,), (bot,), (parent,),
            )  # fmt: skip
            inc.reactions += ((batch[B_FIRST], cmd.reporter, body),)
            out.append(Deliveries(batch))
        inc.reports += ((cmd.reporter, cmd.at),)
        if cmd.melding.called_112:
            inc.police_contact = cmd.reporter  # the last to call 112 (R8)
            if cmd.reporter not in inc.called:
                inc.called += (cmd.reporter,)
            if wg not in inc.casus:
                inc.casus[wg] = cmd.reporter
                out.append(
                    CasushouderChanged(
                        incident=inc.id, wijkgroep=wg, previous=None, current=cmd.reporter,
                        at=cmd.at,
                    )
                )  # fmt: skip
        return tuple(out)

    def police(self, cmd: PoliceNotice) -> tuple[Output, ...]:
        """P1: the notice lands in the addressed groups; P2: each addressed
        stuurgroep's member on duty carries it into its wijkgroepen."""
        tables = self.router.tables
        addressed = [] if cmd.regiegroep is None else [cmd.regiegroep]
        addressed += cmd.stuurgroepen
        wanted = [GroupKind.REGIEGROEP] if cmd.regiegroep is not None else []
        wanted += [GroupKind.STUURGROEP] * len(cmd.stuurgroepen)
        for gid, kind in zip(addressed, wanted, strict=True):
            if tables.entry(gid).kind is not kind:
                raise UnknownGroupError(gid)
        self.require_police(cmd.actor, cmd)
        return self.notice(cmd, addressed)

    def burgernet(self, cmd: BurgernetAlert) -> tuple[Output, ...]:
        """A Burgernet alert for an area: a police notice to the regiegroepen
        and stuurgroepen of its wijken (P1), carried on as any notice (P2)."""
        wijken = (*cmd.wijken, *self.router.config.wijken_of(cmd.postcodes))
        addressed = list(self.router.tables.area(wijken))  # UnknownGroupError: no such wijk
        if not addressed:
            raise IncidentRefused(
                "the alert's postcodes lie in none of the wijken (RelayConfig.postcodes)",
                command=cmd,
                rule="P1",
            )
        self.require_police(cmd.actor, cmd)
        return self.notice(cmd, addressed)

    def require_police(self, actor: str | None, cmd: PoliceNotice | BurgernetAlert) -> None:
        """A named sender must exist, and be the police or a wijkagent (P1, G5)."""
        if actor is not None:
            found = self.router.hierarchy.actor(actor)  # UnknownIdError before anything changes
            require_post(found, Post.POLICE_NOTICE, cmd)

    def notice(
        self, cmd: PoliceNotice | BurgernetAlert, addressed: list[str]
    ) -> tuple[Output, ...]:
        """Open the notice's incident in ``addressed``, checked, and carry it in (P1, P2)."""
        tables = self.router.tables
        first = tables.entry(addressed[0])
        inc = IncidentState(
            self.router.ledger.next_id(), addressed[0], first.wijk, cmd.melding, cmd.at
        )
        inc.phase = next_phase(None, Event.POLICE)
        inc.police = True
        inc.sender = cmd.sender
        inc.sender_actor = cmd.actor
        inc.text = police_text(
            cmd.sender, render_melding(cmd.melding, lang=self.router.config.lang)
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
        carriers: list[tuple[str, str]] = []  # (stuurgroep, the group it carries from)
        direct = set(addressed)  # an addressed stuurgroep carries from its own group
        for gid in addressed:
            entry = tables.entry(gid)
            if entry.kind is GroupKind.REGIEGROEP:
                receiver = tables.entry(entry.stuurgroepen[0]).on_duty
                carriers += [(sg, gid) for sg in entry.stuurgroepen if sg not in direct]
            else:
                receiver = entry.on_duty
                carriers.append((gid, gid))
            poster = None if entry.bot else receiver
            did = self.router.deliver(
                inc, gid, inc.text, poster, entry.bot, None, None, None, cmd.at, out
            )
            inc.reach[gid] = did
            queue.append((gid, did))
        for sg, source in carriers:  # P2
            carrier = tables.entry(sg).on_duty
            todo = tuple(w for w in tables.entry(sg).managed if w not in inc.reach)
            if carrier is None or not todo:
                continue
            dec = self.router.ledger.next_count(2)
            inc.decisions += (
                (
                    dec, inc.id, STEP_INDEX[Step.POLICE_DOWN], sg, source, todo, True, carrier,
                    cmd.at, "P2: politiebericht, door de stuurgroep doorgezet", False,
                ),
            )  # fmt: skip
            for w in todo:
                self.router.judged(inc).add((sg, w))
                inc.casus[w] = carrier
            self.router.carry(inc, inc.reach[source], todo, carrier, dec, cmd.at, out, queue)
        self.router.spread(inc, queue, cmd.at, out)
        self.router.register(inc)
        return tuple(out)
