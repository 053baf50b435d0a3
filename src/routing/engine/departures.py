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
  afloop reminder names the casushouders instead.

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

from .incident import IncidentState
from .outputs import CasushouderChanged, Output, TaskReassigned
from .records import B_FIRST, B_GROUPS, B_POSTERS, BatchRec
from .router import Router

__all__ = ["Departures", "keeper", "present"]

Undo = Callable[[], None]


def present(router: Router, member: MemberId | None, group: str) -> bool:
    """Whether ``member`` is still in ``group`` (residents and admins)."""
    if member is None or member not in router.hierarchy:
        return False
    try:
        return router.tables.is_member(member, group)
    except UnknownGroupError:  # the group itself is gone (a split)
        return False


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
        for iid in ledger.live:
            inc = ledger.incidents[iid]
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
            for batch in inc.deliveries:
                self._tasks(batch, at, out, undo)

        def undo_all() -> None:
            for step in reversed(undo):
                step()
            self.seen = seen

        return out, undo_all

    def _tasks(self, batch: BatchRec, at: float, out: list[Output], undo: list[Undo]) -> None:
        router = self.router
        ledger = router.ledger
        first = batch[B_FIRST]
        for i, group in enumerate(batch[B_GROUPS]):
            did = first + i
            if did in ledger.status:  # confirmed or failed: not a task any more
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
