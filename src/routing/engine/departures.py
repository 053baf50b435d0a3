"""Members who leave: their roles and tasks pass on (R3, R8, T2).

A member leaves a wijkgroep of their own accord, is removed (royeren, T2),
moves to another one, or steps out of a stuurgroep. Whatever they held in a
live incident must not stay with them: a casushouder role whose holder is
gone leaves the wijkgroep without anyone to keep contact with the police,
reminders would go to nobody, and a delivery task for them would never be
posted. So no task, reminder or casushouder role ever names a member who is
not in the group it is about:

* the **casushouder** role in a wijkgroep passes to the member on duty of the
  wijkgroep's stuurgroep (the one who forwards when a deadline decides, S2),
  or another of its members if that one is the one who left; the stuurgroep
  can hand it on with :class:`~routing.engine.commands.HandOver`;
* a **delivery task** not yet confirmed passes the same way, to whoever
  keeps the group it is for;
* whoever last **spoke to the police** (R8) is forgotten once gone, so the
  afloop reminder names the casushouders instead;
* a wijkgroep that a **split** removed (G2) is replaced, in what the incident
  reached, by the wijkgroepen its residents went to
  (:meth:`Hierarchy.split_into <routing.model.Hierarchy.split_into>`), so
  that its reactions and its afloop reach the same people
  (:class:`~routing.engine.outputs.IncidentRegrouped`).

Changes to the hierarchy are not commands: they arrive between commands,
and the relay notices them by :attr:`Hierarchy.version
<routing.model.Hierarchy.version>` before it handles the next command, whose
outputs then begin with a :class:`~routing.engine.outputs.CasushouderChanged`
or :class:`~routing.engine.outputs.TaskReassigned` per role that moved. An
app that wants them at once sends a :class:`~routing.engine.commands.Tick`
after the change. The catch-up is part of the command: refused, it is undone
with it, and the next command does it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from routing.domain.values import GroupKind, MemberId
from routing.errors import UnknownGroupError

from .incident import DeliveryStatus, IncidentState
from .outputs import (
    CasushouderChanged,
    DeliveryFailed,
    IncidentRegrouped,
    Output,
    TaskReassigned,
)
from .records import B_FIRST, B_GROUPS, B_POSTERS, BatchRec
from .router import Router

__all__ = ["Departures", "keeper", "present", "rehomed"]

Undo = Callable[[], None]


def present(router: Router, member: MemberId | None, group: str) -> bool:
    """Whether ``member`` is still in ``group`` (residents and admins)."""
    if member is None or member not in router.hierarchy:
        return False
    try:
        return router.tables.is_member(member, group)
    except UnknownGroupError:  # the group itself is gone (a split)
        return False


def rehomed(router: Router, wijkgroep: str, member: MemberId) -> str:
    """``wijkgroep``, or where its residents went if a split removed it (G2): the
    one ``member`` lives in now, else the first. ``UnknownGroupError`` if neither."""
    if _exists(router, wijkgroep):
        return wijkgroep
    into = router.hierarchy.split_into(wijkgroep)
    if not into:
        raise UnknownGroupError(wijkgroep)
    home = router.hierarchy.wijkgroep_of(member) if member in router.hierarchy else None
    return home if home in into else into[0]


def keeper(router: Router, group: str, gone: MemberId | None = None) -> MemberId | None:
    """Who takes over what ``gone`` held in ``group``: the member on duty of the
    stuurgroep that keeps it, else another of its members, else any member of
    the group who is not ``gone``; ``None`` if nobody is left."""
    tables = router.tables
    try:
        entry = tables.entry(group)
    except UnknownGroupError:
        return None
    keeping = entry.stuurgroep
    if keeping is None and entry.kind is not GroupKind.WIJKGROEP and entry.stuurgroepen:
        keeping = entry.stuurgroepen[0]
    candidates: list[MemberId | None] = []
    if keeping is not None:
        kept = tables.entry(keeping)
        candidates += [kept.on_duty, *sorted(kept.duty), *sorted(kept.members)]
    candidates += sorted(entry.members)
    for candidate in candidates:
        if candidate != gone and present(router, candidate, group):
            return candidate
    return None


class Departures:
    """Passes on the roles and tasks of members who are gone (see above)."""

    __slots__ = ("router", "seen")

    def __init__(self, router: Router) -> None:
        self.router = router
        #: The hierarchy version caught up with; -1: never (a new or loaded relay).
        self.seen = -1

    def due(self) -> bool:
        """Whether the hierarchy changed since the last catch-up."""
        return self.router.hierarchy.version != self.seen

    def catch_up(self, at: float) -> tuple[list[Output], Undo]:
        """Pass on every role and task of a member who is gone; the outputs saying
        so, and how to undo it all if the command it runs before is refused."""
        router = self.router
        ledger = router.ledger
        seen = self.seen
        self.seen = router.hierarchy.version
        out: list[Output] = []
        undo: list[Undo] = []
        for iid in ledger.closing:  # closed, but its afloop may still be a task
            inc = ledger.incidents[iid]
            for batch in inc.deliveries:
                self._tasks(inc, batch, at, out, undo)
        for iid in ledger.live:
            inc = ledger.incidents[iid]
            for batch in inc.deliveries:  # first: a task in a group that is gone fails
                self._tasks(inc, batch, at, out, undo)
            self._regroup(inc, at, out, undo)
            self._withdraw(inc, undo)
            for wg, holder in tuple(inc.casus.items()):
                if present(router, holder, wg):
                    continue
                successor = keeper(router, wg, holder)
                undo.append(_restore(inc.casus, wg, holder))
                if successor is None:
                    del inc.casus[wg]
                else:
                    inc.casus[wg] = successor
                out.append(
                    CasushouderChanged(
                        incident=inc.id, wijkgroep=wg, previous=holder, current=successor,
                        reason=f"{router.name(holder)} is niet meer in {wg}", at=at,
                    )
                )  # fmt: skip
            contact = inc.police_contact
            if contact is not None and contact not in router.hierarchy:
                undo.append(_set_contact(inc, contact))
                inc.police_contact = None

        def undo_all() -> None:
            for step in reversed(undo):
                step()
            self.seen = seen

        return out, undo_all

    def _regroup(self, inc: IncidentState, at: float, out: list[Output], undo: list[Undo]) -> None:
        """Where a split removed a wijkgroep the incident reached, it counts as
        reached in the wijkgroepen that took its residents (G2), each holding the
        melding delivery the old one had (what its residents saw)."""
        router = self.router
        h = router.hierarchy
        gone = [g for g in {**inc.reach, **inc.casus} if not _exists(router, g)]
        if not gone:
            return
        reach, casus = dict(inc.reach), dict(inc.casus)

        def restore() -> None:
            inc.reach, inc.casus = reach, casus

        undo.append(restore)
        regrouped: dict[str, int] = {}
        for group, did in reach.items():
            if group not in gone:
                regrouped.setdefault(group, did)
                continue
            into = tuple(t for t in h.split_into(group) if t not in reach)
            for target in into:
                regrouped.setdefault(target, did)
            out.append(IncidentRegrouped(incident=inc.id, group=group, into=into, at=at))
        new_casus: dict[str, MemberId] = {}
        for wg, holder in casus.items():
            if wg not in gone:
                new_casus.setdefault(wg, holder)
                continue
            # The holder keeps the role in the wijkgroep they went to, if it
            # has none yet; otherwise in the first, where the loop that
            # follows passes it on if they are not in it.
            free = [t for t in h.split_into(wg) if t not in new_casus]
            if free:
                home = h.wijkgroep_of(holder) if holder in h else None
                new_casus[home if home in free else free[0]] = holder
        inc.reach, inc.casus = regrouped, new_casus

    def _withdraw(self, inc: IncidentState, undo: list[Undo]) -> None:
        """Withdraw the open questions about groups a split removed (G2): nobody
        can forward into a group that is gone, and the stuurgroep may still
        forward by hand into the wijkgroepen that took its residents."""
        router = self.router
        ledger = router.ledger
        stale = []
        for pid in inc.pending:
            rec = ledger.pending[pid]
            if not all(_exists(router, g) for g in (rec[3], rec[4], *rec[5])):
                stale.append(pid)
        if not stale:
            return
        pending, resolved, mine = dict(ledger.pending), dict(ledger.resolved), inc.pending

        def restore() -> None:  # in their order: Relay.pending lists them so
            ledger.pending, ledger.resolved, inc.pending = pending, resolved, mine

        undo.append(restore)
        ledger.pending = {pid: rec for pid, rec in pending.items() if pid not in stale}
        ledger.resolved = {**resolved, **dict.fromkeys(stale)}
        inc.pending = tuple(p for p in mine if p not in stale)

    def _tasks(
        self, inc: IncidentState, batch: BatchRec, at: float, out: list[Output], undo: list[Undo]
    ) -> None:
        router = self.router
        ledger = router.ledger
        first = batch[B_FIRST]
        for i, group in enumerate(batch[B_GROUPS]):
            did = first + i
            if did in ledger.status:  # confirmed or failed: not a task any more
                continue
            if not _exists(router, group):
                self._fail(inc, did, group, at, out, undo)
                continue
            poster = ledger.reassigned.get(did, batch[B_POSTERS][i])
            if poster is None or present(router, poster, group):
                continue
            successor = keeper(router, group, poster)
            if successor is None:
                continue
            undo.append(_restore(ledger.reassigned, did, ledger.reassigned.get(did)))
            ledger.reassigned[did] = successor
            out.append(
                TaskReassigned(
                    delivery=did, group=group, previous=poster, current=successor,
                    reason=f"{router.name(poster)} is niet meer in {group}", at=at,
                )
            )  # fmt: skip

    def _fail(
        self, inc: IncidentState, did: int, group: str, at: float, out: list[Output],
        undo: list[Undo],
    ) -> None:  # fmt: skip
        """A task in a wijkgroep a split removed cannot be posted: it fails, as a
        delivery the app could not make, so the group's residents never saw it
        and the stuurgroep may forward it into the wijkgroepen they went to."""
        ledger = self.router.ledger
        reason = f"{group} is gesplitst voordat het geplaatst was"
        reach, failed, task_for = dict(inc.reach), inc.failed, ledger.reassigned.get(did)

        def restore() -> None:
            ledger.status.pop(did, None)
            inc.reach, inc.failed = reach, failed
            if task_for is not None:
                ledger.reassigned[did] = task_for

        undo.append(restore)
        ledger.status[did] = (DeliveryStatus.FAILED.value, None, at, reason)
        ledger.reassigned.pop(did, None)
        if inc.reach.get(group) == did:
            del inc.reach[group]
            inc.failed = tuple(sorted({*inc.failed, group}))
        out.append(DeliveryFailed(delivery=did, group=group, reason=reason, at=at))


def _exists(router: Router, group: str) -> bool:
    try:
        router.tables.entry(group)
    except UnknownGroupError:
        return False
    return True


def _restore(mapping: dict[Any, MemberId], key: object, value: MemberId | None) -> Undo:
    def undo() -> None:
        if value is None:
            mapping.pop(key, None)
        else:
            mapping[key] = value

    return undo


def _set_contact(inc: IncidentState, contact: MemberId) -> Undo:
    def undo() -> None:
        inc.police_contact = contact

    return undo
