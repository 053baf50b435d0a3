"""The commands that move an incident on: forwards, decisions, reactions, hand-overs.

* :meth:`Steps.forward`: a member forwards by hand along a step of the
  routing path (S2, S3, S5, R5, R6, P2), which is their own decision.
* :meth:`Steps.decide`: a member answers a pending relevance question (R5, R6).
* :meth:`Steps.react`: a member reacts in a group the incident reached (R4, P3);
  screening may hold it for the stuurgroep (S1, :mod:`routing.engine.screening`).
* :meth:`Steps.hand_over`: the casushouder role in a wijkgroep changes hands (R3).

Every handler checks everything first and changes the
:class:`~routing.engine.ledger.Ledger` only after the last check; the
theory of operation is in :mod:`routing.relay`.
"""

from __future__ import annotations

from routing.domain.texts import speaks_of_police_contact
from routing.errors import (
    IncidentRefused,
    PermissionRefused,
    RouteRefused,
    UnknownDecisionError,
)

from .commands import Decide, Forward, HandOver, React
from .incident import P_INCIDENT, Event, IncidentState, pending_output
from .outputs import (
    CasushouderChanged,
    Deliveries,
    Output,
    Step,
    new_decision_made,
)
from .records import C_BY, C_FORWARD, C_ID, STEP_INDEX, DecisionRec, decision_of
from .router import Queued, Router
from .screening import hold_reaction

__all__ = ["Steps"]

# Members read once, here: on Python 3.11 each ``Enum.MEMBER`` read in a function
# goes through the enum's metaclass (docs/performance.md, "Enum members").
_FORWARD = Event.FORWARD
_DECIDE = Event.DECIDE
_REACT = Event.REACT
_HAND_OVER = Event.HAND_OVER


class Steps:
    """The handlers of :class:`~routing.engine.commands.Forward`,
    :class:`~routing.engine.commands.Decide`, :class:`~routing.engine.commands.React`
    and :class:`~routing.engine.commands.HandOver`."""

    __slots__ = ("router",)

    def __init__(self, router: Router) -> None:
        self.router = router

    def forward(self, cmd: Forward) -> tuple[Output, ...]:
        inc = self.router.ledger.get(cmd.incident)
        inc.allow(_FORWARD, cmd)
        self.router.require_member(cmd.by)
        tables = self.router.tables
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
        if (inc.linked_to or inc.linked) and cmd.target in self.router.elsewhere(inc):
            raise IncidentRefused(
                f"{cmd.target} already has this situation through a linked incident (R7); "
                "a group gets a situation once",
                command=cmd,
                rule="R7",
            )
        carried = inc.reach[cmd.source]
        if any(hop[1] == cmd.target for hop in self.router.route_rec(carried, inc)):
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
            dec = self.router.ledger.next_count(2)
            inc.decisions += (
                (
                    dec, inc.id, STEP_INDEX[step], decider, cmd.source, (cmd.target,), True,
                    cmd.by, cmd.at, reason, False,
                ),
            )  # fmt: skip
            self.router.judged(inc).add((decider, cmd.target))
            queue: list[Queued] = []
            self.router.carry(inc, carried, (cmd.target,), cmd.by, dec, cmd.at, out, queue)
            if step is Step.POLICE_DOWN and cmd.target not in inc.casus:
                inc.casus[cmd.target] = cmd.by  # P2: who carries it in is casushouder there
            self.router.spread(inc, queue, cmd.at, out)
        except BaseException:
            inc.restore(saved)
            raise
        if cmd.reason:
            inc.authored += ((dec, cmd.by),)
        self.close_questions(inc, decider, cmd.target, out)
        return tuple(out)

    def close_questions(
        self, inc: IncidentState, decider: str, target: str, out: list[Output]
    ) -> None:
        """A manual forward answers the open question about its own step (R5, R6).

        The question that asked ``decider`` about ``target`` is closed by the
        forward's decision, the last one made: it is nobody's to answer any
        more, and its deadline passes without a default.
        """
        ledger = self.router.ledger
        record = inc.decisions[-1]
        for pid in inc.pending:
            pending = ledger.pending[pid]
            if pending[3] == decider and target in pending[5]:
                del ledger.pending[pid]
                ledger.resolved[pid] = record
                inc.pending = tuple(other for other in inc.pending if other != pid)
                out.append(new_decision_made(pending=pid, decision=decision_of(record)))

    def decide(self, cmd: Decide) -> tuple[Output, ...]:
        pending = self.router.ledger.pending.get(cmd.decision)
        if pending is None:
            if cmd.decision not in self.router.ledger.resolved:
                raise UnknownDecisionError(cmd.decision)
            earlier = self.router.ledger.resolved[cmd.decision]
            why = (
                "it was withdrawn (the incident closed, or a split removed its groups)"
                if earlier is None
                else self.decided(earlier)
            )
            raise IncidentRefused(
                f"decision {cmd.decision} is taken: {why}", command=cmd, rule="R6"
            )
        inc = self.router.ledger.incidents[pending[P_INCIDENT]]
        inc.allow(_DECIDE, cmd)
        self.router.require_member(cmd.by)
        decider = pending[3]
        if cmd.by not in self.router.tables.duty(decider):
            p = pending_output(pending)
            raise PermissionRefused(
                f"only a member of {decider} decides about {', '.join(p.targets)}",
                command=cmd,
                rule=p.step.rule,
            )
        out: list[Output] = []
        reason = cmd.reason or ("relevant" if cmd.forward else "niet relevant")
        self.router.resolve(
            pending,
            forward=cmd.forward,
            by=cmd.by,
            reason=reason,
            default=False,
            at=cmd.at,
            out=out,
        )
        if cmd.reason:
            decision = self.router.ledger.resolved[cmd.decision]
            if decision is not None:
                inc.authored += ((decision[C_ID], cmd.by),)
        return tuple(out)

    def react(self, cmd: React) -> tuple[Output, ...]:
        inc = self.router.ledger.get(cmd.incident)
        inc.allow(_REACT, cmd)
        tables = self.router.tables
        if cmd.group is not None:
            self.router.require_member(cmd.member)
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
            home = self.router.hierarchy.wijkgroep_of(cmd.member)
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
        held = hold_reaction(self.router, inc, cmd.member, group, cmd.text, cmd.at)
        out: tuple[Output, ...]
        if held is not None:
            out = (held,)  # S1: the stuurgroep screens it first
        else:
            out = (Deliveries(self.router.react(inc, group, cmd.member, cmd.text, cmd.at)),)
        # Who spoke to the police did so whether or not screening holds what
        # they wrote about it.
        if cmd.police_contact or speaks_of_police_contact(cmd.text):
            inc.police_contact = cmd.member  # R8: they usually post the afloop
        return out

    def hand_over(self, cmd: HandOver) -> tuple[Output, ...]:
        inc = self.router.ledger.get(cmd.incident)
        inc.allow(_HAND_OVER, cmd)
        tables = self.router.tables
        entry = tables.entry(cmd.wijkgroep)
        current = inc.casus.get(cmd.wijkgroep)
        if current is None:
            raise IncidentRefused(
                f"{inc.id} has no casushouder in {cmd.wijkgroep}", command=cmd, rule="R3"
            )
        self.router.require_member(cmd.to)
        stuurgroep = entry.stuurgroep or ""
        if cmd.by != current:
            self.router.require_member(cmd.by)
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

    def decided(self, decision: DecisionRec) -> str:
        by = decision[C_BY]
        who = "the deadline" if by is None else self.router.name(by)
        return f"{'forwarded' if decision[C_FORWARD] else 'not forwarded'} by {who}"
