"""What members read, and who leaves because of it (H9): :class:`ReadingLoad`.

The seeds say the groups are for alarming messages only, and that members
leave (*afhaken*) when a group is used for anything else, which costs the
wijk its safety (000, 001, 004). This module is that claim as a model,
switched on by :attr:`SimConfig.reading <routing.sim.config.SimConfig.reading>`;
:class:`~routing.sim.config.Reading` holds its parameters and says what
each one assumes.

How it runs beside :class:`~routing.sim.loop.Run`: the run tells it about
each incident it opens (where it happened, and whether it concerns only its
buurt) and passes it every delivery the relay hands out. Once a week
:meth:`ReadingLoad.week` adds the chatter the members posted, counts for
every member what landed in the groups they are in and how much of it
concerned them, and lets residents leave through the hierarchy's public
:class:`~routing.hierarchy.changes.Leave` change, so they stop receiving.
The relay reads the same hierarchy and sees them gone at the next command.

Deliveries wait in a list until the week is added up: a report's own
delivery comes back from the relay before the run knows who reported, and
nobody leaves between two roll-ups, so the membership at the roll-up is the
one each delivery met. It draws from random streams of its own, so without
attrition, turning chatter up or down never changes which incidents happen.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from routing.domain.values import GroupKind, MemberId
from routing.hierarchy.changes import Leave, apply_change
from routing.model import Hierarchy

from .config import WEEK, LoadSummary, Reading, ReadingResult
from .draws import poisson
from .samples import ReadingSamples

__all__ = ["ReadingLoad"]

#: Where a resident lives: (wijk, buurt), or (wijk, wijkgroep) without a buurt.
Place = tuple[str, str]

_WIJKGROEP = GroupKind.WIJKGROEP


class ReadingLoad:
    """The reading load and attrition of one run; see the module docstring.

    ``residents`` is the run's lookup of a wijkgroep's current residents;
    the run forgets what it cached for the wijkgroepen :meth:`week` returns.
    """

    def __init__(
        self,
        h: Hierarchy,
        config: Reading,
        *,
        seed: int,
        horizon: float,
        residents: Callable[[str], tuple[MemberId, ...]],
    ) -> None:
        self.h = h
        self.c = config
        # Streams of their own (a str seed is hashed the same way in every
        # process): one for whom each alarm concerns, one for chatter and
        # leaving, so more chatter changes neither the incidents nor the judgements.
        self.concerns = random.Random(f"concern {seed}")
        self.rng = random.Random(f"reading {seed}")
        self.horizon = horizon
        self.residents = residents
        self.wijkgroepen = list(h.groups(_WIJKGROEP))
        self.kinds = {g: h.kind(g) for g in h.groups()}
        self.wijk_of = {w: h.wijk_of(w) or "" for w in self.wijkgroepen}
        self.place: dict[MemberId, Place] = {}
        for w in self.wijkgroepen:
            wijk = self.wijk_of[w]
            for m in h.residents(w):
                buurt = h.member(m).buurt
                self.place[m] = (wijk, buurt if buurt is not None else w)
        # Stuurgroep members read their managed wijkgroepen as residents do,
        # and the stuurgroep, regiegroep and (as delegates) gemeentelijke
        # regiegroep as their duty: everything there concerns them.
        self.admins: dict[MemberId, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        for sg in h.groups(GroupKind.STUURGROEP):
            managed = h.managed_wijkgroepen(sg)
            rg = h.regiegroep_of(h.wijk_of(sg) or "")
            grg = h.gemeentelijke_regiegroep_of(h.gemeente_of(sg))
            delegates = h.admins(grg) if grg is not None else frozenset()
            for m in h.admins(sg):
                duty = (sg, *((rg,) if rg else ()), *((grg,) if m in delegates else ()))
                self.admins[m] = (tuple(managed), duty)
        self.population = Counter(self.place.values())  # residents per place, at the start
        self.wijk_population = Counter(wijk for wijk, _ in self.place.values())
        self.initial_sizes = {w: len(h.residents(w)) for w in self.wijkgroepen}
        # iid -> (wijk, place) for an alarm about one buurt, (wijk, None) for one
        # about the whole wijk; police notices are absent: they concern everyone.
        self.concern: dict[str, tuple[str, Place | None]] = {}
        self.pending: list[tuple[str, tuple[str, ...], bool]] = []
        self.reached: dict[str, int] = {}
        self.concerned: dict[str, int] = {}
        self.read: dict[MemberId, int] = {}
        self.relevant: dict[MemberId, int] = {}
        self.weeks: dict[MemberId, float] = {}
        self.members = [len(h)]
        self.rolled = 0.0
        self.chatter = 0
        self.departures: list[tuple[int, float]] = []
        self.unreported = 0
        #: What :meth:`result` summarised, once it has run (``routing.sim.samples``).
        self.samples: ReadingSamples | None = None

    # ------------------------------------------------------------ from the run

    def reported(self, iid: str, reporter: MemberId) -> None:
        """A resident's alarm opened ``iid``: draw whether it concerns the whole wijk."""
        place = self.place.get(reporter)
        if place is None:
            return  # a member the run did not know at the start: treat it as a notice
        wide = self.concerns.random() < self.c.wide
        self.concern[iid] = (place[0], None if wide else place)
        self.reached[iid] = 0
        self.concerned[iid] = 0

    def beyond(self, iid: str) -> bool:
        """Whether ``iid`` concerns more than the buurt it came from (R5, R6)."""
        concern = self.concern.get(iid)
        return concern is None or concern[1] is None

    def delivered(self, iid: str, groups: tuple[str, ...], melding: bool) -> None:
        """The relay handed out messages of ``iid`` to ``groups``."""
        self.pending.append((iid, groups, melding))

    # ------------------------------------------------------------ the week

    def week(self, now: float, *, last: bool = False) -> set[str]:
        """Add up the week that ends at ``now``; residents leave unless ``last``.

        Returns the wijkgroepen that lost residents.
        """
        end = min(now, self.horizon)
        period = max(0.0, end - self.rolled) / WEEK
        self.rolled = max(self.rolled, end)
        total: Counter[str] = Counter()
        wide: Counter[str] = Counter()
        local: dict[str, Counter[Place]] = {}
        residents, rng, c = self.residents, self.rng, self.c
        for w in self.wijkgroepen:
            n = poisson(rng, c.chatter * len(residents(w)) * period)
            total[w] += n
            self.chatter += n
        places: dict[str, Counter[Place]] = {}
        for iid, groups, melding in self.pending:
            concern = self.concern.get(iid)
            for g in groups:
                total[g] += 1
                if concern is None or concern[1] is None:
                    wide[g] += 1
                else:
                    local.setdefault(g, Counter())[concern[1]] += 1
                if melding and concern is not None and self.kinds[g] is _WIJKGROEP:
                    here = residents(g)
                    self.reached[iid] += len(here)
                    if concern[1] is None:
                        self.concerned[iid] += len(here) if self.wijk_of[g] == concern[0] else 0
                    else:
                        if g not in places:
                            places[g] = Counter(self.place[m] for m in here)
                        self.concerned[iid] += places[g][concern[1]]
        self.pending.clear()

        leaving: list[MemberId] = []
        chance = c.leave_per_message
        admins = self.admins
        for w in self.wijkgroepen:
            t, all_, by_place = total[w], wide[w], local.get(w, Counter())
            for m in residents(w):
                if m in admins:
                    continue
                rel = all_ + by_place[self.place[m]]
                self._add(m, t, rel, period)
                noise = t - rel
                # Each message beside the point is a chance to have had enough.
                if (
                    not last
                    and noise > 0
                    and chance > 0
                    and rng.random() < 1.0 - (1.0 - chance) ** noise
                ):
                    leaving.append(m)
        for m, (managed, duty) in admins.items():
            t = rel = sum(total[g] for g in duty)
            place = self.place[m]
            for w in managed:
                t += total[w]
                rel += wide[w] + (local[w][place] if w in local else 0)
            self._add(m, t, rel, period)

        changed: set[str] = set()
        for m in leaving:
            changed.add(self.h.wijkgroep_of(m))
            apply_change(self.h, Leave(member=m, by=m))
            self.departures.append((int(m), end))
        if not last:
            self.members.append(len(self.h))
        return changed

    def _add(self, m: MemberId, read: int, relevant: int, weeks: float) -> None:
        self.read[m] = self.read.get(m, 0) + read
        self.relevant[m] = self.relevant.get(m, 0) + relevant
        self.weeks[m] = self.weeks.get(m, 0.0) + weeks

    def result(self) -> ReadingResult:
        """The figures, once the last week is added up."""
        members = [m for m, w in self.weeks.items() if w > 0]
        read = [self.read[m] / self.weeks[m] for m in members]
        noise = [(self.read[m] - self.relevant[m]) / self.weeks[m] for m in members]
        total = sum(self.read.values())
        relevant = sum(self.relevant.values())
        share = relevant / total if total else 1.0
        alarms = list(self.concern)
        shares = []
        for iid in alarms:
            wijk, place = self.concern[iid]
            of = self.wijk_population[wijk] if place is None else self.population[place]
            shares.append(self.concerned[iid] / of if of else 0.0)
        reached = [float(self.reached[i]) for i in alarms]
        self.samples = ReadingSamples(
            read=tuple(read),
            irrelevant=tuple(noise),
            read_total=total,
            relevant_total=relevant,
            reached=tuple(reached),
            concerned=tuple(shares),
        )
        return ReadingResult(
            read_per_member_week=LoadSummary.of(read),
            irrelevant_per_member_week=LoadSummary.of(noise),
            relevant_share=share,
            chatter=self.chatter,
            members=tuple(self.members),
            left=len(self.departures),
            departures=tuple(self.departures),
            unreported=self.unreported,
            reached=LoadSummary.of(reached),
            concerned_reached=LoadSummary.of(shares),
        )
