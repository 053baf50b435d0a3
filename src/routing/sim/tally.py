"""What a simulation run counts as it goes, and the :class:`SimResult` it adds up to.

:mod:`routing.sim.loop` plays the people and drives the relay; every figure
it keeps on the way (its record of each incident, messages per group,
decisions and forwards per member, the counters) lives in one
:class:`Tally`, and :meth:`Tally.result` turns that into the
:class:`~routing.sim.config.SimResult` when the run is over. Apart from the
loop because adding up is a job of its own: it reads the hierarchy, never
the relay, and runs once.
"""

from __future__ import annotations

from collections.abc import Callable

from routing.domain.melding import Category
from routing.domain.values import GroupKind, MemberId
from routing.engine.commands import Command
from routing.engine.outputs import Output
from routing.model import Hierarchy

from .config import IncidentOutcome, LoadSummary, SimResult
from .samples import Samples, top_busiest

__all__ = ["IncidentRecord", "Tally"]

#: The people who closed an incident, as :attr:`IncidentOutcome.afloop` names them.
AFLOOP_BY = ("casushouder", "reminder", "stuurgroep")


class IncidentRecord:
    """The run's own record of an incident: what the people know of it."""

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
        self.afloop: str | None = None  # one of AFLOOP_BY
        self.afloop_due = False  # an afloop event is scheduled
        self.reminders = 0


class Tally:
    """The figures of one run, kept as it goes."""

    __slots__ = (
        "avoided",
        "commands",
        "decided",
        "decisions",
        "defaults",
        "forwarded",
        "incidents",
        "log",
        "made",
        "msgs",
        "police_notices",
        "refused",
        "reminders",
        "samples",
    )

    def __init__(self) -> None:
        self.incidents: dict[str, IncidentRecord] = {}
        self.log: list[tuple[Command, tuple[Output, ...]]] = []
        self.commands = 0
        self.refused = 0
        self.msgs: dict[str, int] = {}  # group -> messages posted in it
        self.decided: dict[int, int] = {}  # member -> decisions taken
        self.forwarded: dict[int, int] = {}  # member -> messages carried to another group
        self.decisions = 0
        self.defaults = 0
        self.avoided = 0  # duplicate 112 calls avoided (H4)
        self.made = 0  # duplicate 112 calls made all the same
        self.reminders = 0
        self.police_notices = 0
        #: What :meth:`result` summarised, once it has run (``routing.sim.samples``).
        self.samples: Samples | None = None

    def result(
        self,
        h: Hierarchy,
        *,
        seed: int,
        weeks: float,
        kinds: dict[str, GroupKind],
        residents: Callable[[str], tuple[MemberId, ...]],
    ) -> SimResult:
        """The run's :class:`SimResult`; ``kinds`` maps every group to its kind."""
        outcomes: list[IncidentOutcome] = []
        reach: list[float] = []
        last: list[float] = []
        wijkgroep = GroupKind.WIJKGROEP
        afloop = dict.fromkeys(AFLOOP_BY, 0)
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
            outcome = IncidentOutcome(
                id=inc.id,
                category=inc.category,
                police=inc.police,
                origin=origin,
                opened_at=opened,
                closed_at=inc.closed_at,
                afloop=inc.afloop,
                groups=inc.groups,
                reach=times,
            )
            outcomes.append(outcome)
        samples = self.loads(h, weeks, residents, reach, last)
        self.samples = samples
        return SimResult(
            seed=seed,
            weeks=weeks,
            members=len(h),
            groups=len(kinds),
            incidents=tuple(outcomes),
            reach=LoadSummary.of(reach),
            last_reach=LoadSummary.of(last),
            messages_per_member_week=LoadSummary.weighted(samples.messages),
            decisions_per_member_week=LoadSummary.of(samples.decisions),
            forwards_per_member_week=LoadSummary.of(samples.forwards),
            busiest=top_busiest(samples.busiest),
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
        h: Hierarchy,
        weeks: float,
        residents: Callable[[str], tuple[MemberId, ...]],
        reach: list[float],
        last: list[float],
    ) -> Samples:
        """The samples: reach times, messages per member (H9) and the
        stuurgroep members' load, per week.

        A resident sees the messages of their wijkgroep; a stuurgroep member
        also those of every wijkgroep it manages, of the stuurgroep, the
        regiegroep, and the gemeentelijke regiegroep if they are a delegate.
        """
        msgs = self.msgs
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
            plain = sum(1 for m in residents(wg) if m not in admin_set)
            pairs.append((msgs.get(wg, 0) / weeks, plain))
        decided = [self.decided.get(m, 0) / weeks for m in admins]
        forwarded = [self.forwarded.get(m, 0) / weeks for m in admins]
        busiest = top_busiest(
            [(m, self.decided.get(m, 0), self.forwarded.get(m, 0)) for m in admins]
        )
        return Samples(
            reach=tuple(reach),
            last_reach=tuple(last),
            messages=tuple(pairs),
            decisions=tuple(decided),
            forwards=tuple(forwarded),
            busiest=busiest,
        )
