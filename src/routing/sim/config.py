"""The settings and the results of a simulation: :class:`SimConfig`, :class:`SimResult`.

Plain frozen values, checked once when they are built, so the event loop in
:mod:`routing.sim.simulate` never validates per event. Kept apart from the loop so
that apps, the command line and the renderers can read and build them without
the simulator.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs

from routing.domain.melding import Category, parse_category
from routing.engine.commands import Command
from routing.engine.outputs import Output, Step
from routing.engine.policies import Ask, Policy
from routing.engine.tables import RelayConfig
from routing.errors import InvalidValueError

__all__ = [
    "DEFAULT_FORWARD",
    "DEFAULT_RATES",
    "WEEK",
    "YEAR",
    "Delay",
    "IncidentOutcome",
    "LoadSummary",
    "Reading",
    "ReadingResult",
    "SimConfig",
    "SimResult",
]


#: A week of virtual time, in seconds.
WEEK: Final = 7 * 24 * 3600.0
#: A year of virtual time, in seconds.
YEAR: Final = 365 * 24 * 3600.0

#: Incidents per 1,000 members per year, by category. About 143 in all, so a
#: national instance of 1.4 million members sees about 200,000 a year. The
#: mix follows what the sources list the groups for (``docs/rules.md``): mostly
#: burglary and suspicious situations, rarely a missing person.
DEFAULT_RATES: Final[Mapping[Category, float]] = {
    Category.INBRAAK: 30.0,
    Category.POGING_TOT_INBRAAK: 18.0,
    Category.VERDACHTE_SITUATIE: 35.0,
    Category.VERDACHTE_PERSOON: 25.0,
    Category.VERDACHT_VOERTUIG: 15.0,
    Category.DIEFSTAL: 8.0,
    Category.VERNIELING: 6.0,
    Category.STRAATROOF: 2.0,
    Category.BABBELTRUC: 2.5,
    Category.VERMISSING: 1.5,
}

#: How likely an available member forwards at each step. Going up and out of
#: the wijk is judged more strictly than warning the next street (H9: only
#: alarming messages, noise makes members leave).
DEFAULT_FORWARD: Final[Mapping[Step, float]] = {
    Step.SIBLINGS: 0.8,
    Step.TO_REGIEGROEP: 0.5,
    Step.FROM_REGIEGROEP: 0.5,
    Step.TO_GEMEENTE: 0.15,
    Step.FROM_GEMEENTE: 0.3,
}


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise InvalidValueError(value, f"{attribute.name} must be a finite number >= 0")


def _probability(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, int | float) and 0 <= value <= 1):
        raise InvalidValueError(value, f"{attribute.name} must be a probability in [0, 1]")


@attrs.frozen(kw_only=True)
class Delay:
    """A human delay in seconds: lognormal around ``median``, at most ``cap``.

    ``spread`` is the sigma of the underlying normal: 0 gives the median
    every time; 0.8 (the default) makes one person in twenty take about
    3.7 times the median. People's delays have that long tail.
    """

    median: float = attrs.field(validator=_non_negative)
    spread: float = attrs.field(default=0.8, validator=_non_negative)
    cap: float = attrs.field(default=math.inf)

    @cap.validator
    def _check_cap(self, _: attrs.Attribute[float], value: float) -> None:
        if not value >= self.median:
            raise InvalidValueError(value, "cap must be at least the median")

    def draw(self, rng: random.Random) -> float:
        """One delay, drawn from ``rng``."""
        return self.sampler(rng)()

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        """A function that draws delays from ``rng``; the logarithm is taken once."""
        median, spread, cap = float(self.median), float(self.spread), self.cap
        if median == 0 or spread == 0:
            return lambda: median
        mu = math.log(median)
        # exp of a normal draw is a lognormal one; gauss() draws normals in
        # pairs and is about three times as fast as lognormvariate().
        gauss, exp = rng.gauss, math.exp
        return lambda: min(cap, exp(gauss(mu, spread)))


def _rates(value: Mapping[Category | str, float]) -> Mapping[Category, float]:
    rates = {parse_category(k): float(v) for k, v in dict(value).items()}
    for category, rate in rates.items():
        if not (math.isfinite(rate) and rate >= 0):
            raise InvalidValueError(rate, f"the rate of {category.label_nl} must be >= 0")
    return rates


def _forward(value: Mapping[Step, float]) -> Mapping[Step, float]:
    chances = dict(value)
    for step, p in chances.items():
        if not 0 <= p <= 1:
            raise InvalidValueError(p, f"the chance to forward at {step.label} must be in [0, 1]")
    return chances


@attrs.frozen(kw_only=True)
class Reading:
    """What members read and when they give up (H9); see ``docs/howto-flat-vs-hierarchy.md``.

    Off unless given to :attr:`SimConfig.reading`. The seeds say the groups
    are for alarming messages only and that members leave (*afhaken*) when
    they fill with other talk (000, 001, 004); they give no numbers, so every
    figure here is an assumption, and the defaults are modest on purpose.

    * Members post **chatter** (anything but an alarm: a lost cat, a thank-you,
      a "who else heard that?") into their wijkgroep, ``chatter`` messages
      per member per week, so a group of 90 gets four and a half times what
      a group of 20 gets. Chatter concerns nobody.
    * An alarm from a resident concerns its own buurt; with chance ``wide``
      it concerns the whole wijk (the suspects moved on, R7). A police notice
      concerns everyone it reaches. Reactions and the afloop concern whom
      their melding concerns; what lands in a stuurgroep or regiegroep
      concerns its members (their duty, S1-S6).
    * A stuurgroep member who judges an alarm (R5, R6) forwards one that
      concerns the wider area with the step's
      :attr:`SimConfig.forward_chance`, and one that concerns only its own
      buurt with chance ``misjudge``.
    * Every message a resident reads that does not concern them is a chance
      ``leave_per_message`` that they have had enough: they leave at the end
      of the week with probability ``1 - (1 - leave_per_message) ** n`` for
      ``n`` such messages that week. Stuurgroep members stay (they must be
      replaced first, S6, which the run does not do).
    """

    chatter: float = attrs.field(default=0.02, validator=_non_negative)
    wide: float = attrs.field(default=0.25, validator=_probability)
    misjudge: float = attrs.field(default=0.1, validator=_probability)
    leave_per_message: float = attrs.field(default=0.002, validator=_probability)


@attrs.frozen(kw_only=True)
class SimConfig:
    """How the people and the police behave in a run; checked once, at construction."""

    #: Incidents per 1,000 members per year, per category.
    rates: Mapping[Category, float] = attrs.field(
        factory=lambda: dict(DEFAULT_RATES), converter=_rates
    )
    #: Police notices per gemeente per week (P1).
    police_rate: float = attrs.field(default=0.25, validator=_non_negative)
    #: From a message arriving to a person reading it.
    read: Delay = Delay(median=90.0, cap=3 * 3600.0)
    #: From reading to deciding whether it is relevant elsewhere (R5, R6).
    decide: Delay = Delay(median=60.0, cap=3600.0)
    #: From deciding to having copied the message into the next group.
    forward: Delay = Delay(median=30.0, spread=0.6, cap=1800.0)
    #: From the report to the end of the action on the spot (R8).
    action: Delay = Delay(median=2700.0, spread=0.6, cap=12 * 3600.0)
    #: From seeing the situation to a witness acting (H4).
    witness: Delay = Delay(median=120.0, cap=3600.0)
    #: Chance a stuurgroep member is available for a given decision.
    availability: float = attrs.field(default=0.6, validator=_probability)
    #: Chance an available member forwards, per step; 0.5 where a step is missing.
    forward_chance: Mapping[Step, float] = attrs.field(
        factory=lambda: dict(DEFAULT_FORWARD), converter=_forward
    )
    #: Mean number of other witnesses per incident (H4).
    witnesses: float = attrs.field(default=0.4, validator=_non_negative)
    #: Chance that a wijkgroep the melding reaches adds information (R4).
    react_chance: float = attrs.field(default=0.3, validator=_probability)
    #: Chance the casushouder posts the afloop without being reminded (R8).
    afloop_chance: float = attrs.field(default=0.85, validator=_probability)
    #: Chance a reminded casushouder posts it after each reminder.
    reminder_response: float = attrs.field(default=0.5, validator=_probability)
    #: After this many reminders a stuurgroep member closes it; ``None``: never.
    stuurgroep_closes_after: int | None = 3
    #: Send :class:`~routing.engine.commands.Confirm` for every melding delivery when
    #: its poster has posted it. The run knows the posting times either way;
    #: confirming lets the relay's views show them, at a quarter more commands.
    confirm: bool = False
    #: Keep every command with its outputs in :attr:`SimResult.log`.
    keep_log: bool = False
    #: After new incidents stop, how long the run goes on so that running
    #: incidents can finish.
    drain: float = attrs.field(default=24 * 3600.0, validator=_non_negative)
    #: The relevance policy; by default people judge every step, as in the Zoomwijck.
    policy: Policy = attrs.field(factory=Ask)
    relay: RelayConfig = attrs.field(factory=RelayConfig)
    #: Model reading load, chatter and members leaving (:class:`Reading`);
    #: ``None`` (the default) leaves every other figure as it was without it.
    reading: Reading | None = None


@attrs.frozen(kw_only=True)
class LoadSummary:
    """A distribution over people or incidents: mean, median, 95th percentile, max."""

    count: int
    mean: float
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> LoadSummary:
        # The same figures as ``weighted`` with every weight 1, without a pair
        # per value: a national year has a million reach times.
        ordered = sorted(values)
        n = len(ordered)
        if n == 0:
            return cls(count=0, mean=0.0, p50=0.0, p95=0.0, max=0.0)
        return cls(
            count=n,
            mean=sum(ordered) / n,
            p50=float(ordered[_rank(n, 0.5) - 1]),
            p95=float(ordered[_rank(n, 0.95) - 1]),
            max=float(ordered[-1]),
        )

    @classmethod
    def weighted(cls, pairs: Sequence[tuple[float, int]]) -> LoadSummary:
        """From (value, how many people have it) pairs, so 1.4 million members
        cost one pair per group instead of one number each."""
        pairs = sorted(p for p in pairs if p[1] > 0)
        n = sum(w for _, w in pairs)
        if n == 0:
            return cls(count=0, mean=0.0, p50=0.0, p95=0.0, max=0.0)
        mean = sum(v * w for v, w in pairs) / n
        return cls(
            count=n,
            mean=mean,
            p50=_quantile(pairs, n, 0.5),
            p95=_quantile(pairs, n, 0.95),
            max=float(pairs[-1][0]),
        )


def _rank(n: int, q: float) -> int:
    """The nearest rank (from 1) of quantile ``q`` among ``n`` values: a value somebody has."""
    return max(1, math.ceil(q * n))


def _quantile(pairs: Sequence[tuple[float, int]], n: int, q: float) -> float:
    rank = _rank(n, q)
    seen = 0
    for value, weight in pairs:
        seen += weight
        if seen >= rank:
            return float(value)
    return float(pairs[-1][0])


@attrs.frozen(kw_only=True)
class IncidentOutcome:
    """What became of one incident.

    ``reach`` pairs each wijkgroep the melding reached with the seconds after
    the report (or notice) at which it was posted there. ``afloop`` says who
    closed it: ``"casushouder"``, ``"reminder"`` (the casushouder, after a
    reminder), ``"stuurgroep"``, or ``None`` when it was left open.
    """

    id: str
    category: Category
    police: bool
    origin: str
    opened_at: float
    closed_at: float | None
    afloop: str | None
    groups: int
    reach: tuple[tuple[str, float], ...]


@attrs.frozen(kw_only=True)
class ReadingResult:
    """What the members read and who left, when :attr:`SimConfig.reading` is set."""

    #: Per member, messages read per week they were a member: alarms,
    #: reactions, afloops and chatter in every group they are in.
    read_per_member_week: LoadSummary
    #: The same, only the messages that did not concern the member.
    irrelevant_per_member_week: LoadSummary
    #: Of all messages read, the share that concerned the reader.
    relevant_share: float
    #: Chatter messages posted in all.
    chatter: int
    #: Members at the start and after each week.
    members: tuple[int, ...]
    #: Residents who left (through :class:`~routing.hierarchy.changes.Leave`).
    left: int
    #: Who left and when: (member id, seconds into the run), in that order.
    departures: tuple[tuple[int, float], ...]
    #: Situations not reported because the resident who saw them had left.
    unreported: int
    #: Per resident's alarm, the residents it reached (members of the
    #: wijkgroepen it was posted in), and the share of the residents it
    #: concerned (counted at the start of the run, so leavers count as not
    #: reached).
    reached: LoadSummary
    concerned_reached: LoadSummary

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "read_per_member_week": attrs.asdict(self.read_per_member_week),
            "irrelevant_per_member_week": attrs.asdict(self.irrelevant_per_member_week),
            "relevant_share": self.relevant_share,
            "chatter": self.chatter,
            "members": list(self.members),
            "left": self.left,
            "departures": [{"member": m, "at": t} for m, t in self.departures],
            "unreported": self.unreported,
            "reached": attrs.asdict(self.reached),
            "concerned_reached": attrs.asdict(self.concerned_reached),
        }


@attrs.frozen(kw_only=True)
class SimResult:
    """The outcome of :func:`simulate`, as data (see :meth:`to_dict` for JSON)."""

    seed: int
    weeks: float
    members: int
    groups: int
    incidents: tuple[IncidentOutcome, ...]
    #: Seconds from the report to the melding being posted in a wijkgroep
    #: beyond the origin, over every such (incident, wijkgroep) pair.
    reach: LoadSummary
    #: Per incident, seconds until the last wijkgroep it reached got it.
    last_reach: LoadSummary
    #: Messages (melding, reaction, afloop) each member saw per week (H9).
    messages_per_member_week: LoadSummary
    #: Per stuurgroep member, per week: decisions taken, messages forwarded.
    decisions_per_member_week: LoadSummary
    forwards_per_member_week: LoadSummary
    #: Who decided and forwarded most: (member id, decisions, forwards).
    busiest: tuple[tuple[int, int, int], ...]
    decisions: int
    decisions_by_default: int
    duplicate_calls_avoided: int
    duplicate_calls_made: int
    reminders: int
    afloop_by_casushouder: int
    afloop_after_reminder: int
    afloop_by_stuurgroep: int
    without_afloop: int
    police_notices: int
    commands: int
    refused: int
    log: tuple[tuple[Command, tuple[Output, ...]], ...] = ()
    #: Reading load and attrition; ``None`` unless :attr:`SimConfig.reading` is set.
    reading: ReadingResult | None = None

    def to_dict(self, *, incidents: bool = False) -> dict[str, Any]:
        """Plain JSON-ready data; per-incident outcomes only when asked."""
        data: dict[str, Any] = {
            "seed": self.seed,
            "weeks": self.weeks,
            "members": self.members,
            "groups": self.groups,
            "incidents": len(self.incidents),
            "police_notices": self.police_notices,
            "reach_seconds": attrs.asdict(self.reach),
            "last_reach_seconds": attrs.asdict(self.last_reach),
            "messages_per_member_week": attrs.asdict(self.messages_per_member_week),
            "decisions_per_member_week": attrs.asdict(self.decisions_per_member_week),
            "forwards_per_member_week": attrs.asdict(self.forwards_per_member_week),
            "busiest": [{"member": m, "decisions": d, "forwards": f} for m, d, f in self.busiest],
            "decisions": self.decisions,
            "decisions_by_default": self.decisions_by_default,
            "duplicate_calls_avoided": self.duplicate_calls_avoided,
            "duplicate_calls_made": self.duplicate_calls_made,
            "reminders": self.reminders,
            "afloop_by_casushouder": self.afloop_by_casushouder,
            "afloop_after_reminder": self.afloop_after_reminder,
            "afloop_by_stuurgroep": self.afloop_by_stuurgroep,
            "without_afloop": self.without_afloop,
            "commands": self.commands,
            "refused": self.refused,
        }
        if self.reading is not None:
            data["reading"] = self.reading.to_dict()
        if incidents:
            data["incident_outcomes"] = [
                {
                    "id": o.id,
                    "category": o.category.label_nl,
                    "police": o.police,
                    "origin": o.origin,
                    "opened_at": o.opened_at,
                    "closed_at": o.closed_at,
                    "afloop": o.afloop,
                    "groups": o.groups,
                    "reach": [{"wijkgroep": g, "seconds": s} for g, s in o.reach],
                }
                for o in self.incidents
            ]
        return data
