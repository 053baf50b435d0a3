"""The raw figures behind a run's summaries, so that runs can be merged exactly.

A :class:`~routing.sim.config.SimResult` gives distributions as
:class:`~routing.sim.config.LoadSummary` values (mean, median, 95th
percentile, max). Counts and sums of two runs add up, but two medians do not
make the median of the whole. So every run also keeps the samples it
summed up (:class:`Samples`, and :class:`ReadingSamples` for the reading
model): reach times, the (load, members) pairs of the message load, each
stuurgroep member's decisions and forwards. :func:`merge` puts the samples
of runs over disjoint hierarchies together and summarises them again, so a
run split by gemeente (:mod:`routing.sim.split`) gives exactly the figures
of the samples of all its gemeenten taken at once.

The summaries sort their samples before they add them up
(:meth:`LoadSummary.of <routing.sim.config.LoadSummary.of>`), so a merged
figure does not depend on the order in which the parts arrive, down to the
last bit of a float mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from .config import LoadSummary, ReadingResult, SimResult

__all__ = ["BUSIEST", "Part", "ReadingSamples", "Samples", "merge", "top_busiest"]

#: How many of the busiest stuurgroep members a result names.
BUSIEST = 5


@attrs.frozen(kw_only=True)
class Samples:
    """What a run's summaries are made of; see the module docstring."""

    #: Seconds to each wijkgroep reached beyond the origin (:attr:`SimResult.reach`).
    reach: tuple[float, ...]
    #: Per incident, seconds to the last wijkgroep reached (:attr:`SimResult.last_reach`).
    last_reach: tuple[float, ...]
    #: (messages per week, how many members saw that many) pairs.
    messages: tuple[tuple[float, int], ...]
    #: Per stuurgroep member, decisions and forwards per week.
    decisions: tuple[float, ...]
    forwards: tuple[float, ...]
    #: (member id, decisions, forwards) of every stuurgroep member who could
    #: be among the busiest: enough to pick the busiest of any union of runs.
    busiest: tuple[tuple[int, int, int], ...]


@attrs.frozen(kw_only=True)
class ReadingSamples:
    """What a :class:`~routing.sim.config.ReadingResult`'s summaries are made of."""

    read: tuple[float, ...]
    irrelevant: tuple[float, ...]
    #: Messages read in all, and how many of them concerned the reader.
    read_total: int
    relevant_total: int
    reached: tuple[float, ...]
    concerned: tuple[float, ...]


@attrs.frozen(kw_only=True)
class Part:
    """One run's result with the samples behind it, member ids as in the whole.

    ``members`` maps the run's member ids (indexes) to the ids of the whole
    hierarchy it is a part of; the result and samples already use the ids
    of the whole.
    """

    name: str
    result: SimResult
    samples: Samples
    reading: ReadingSamples | None = None
    #: Wall-clock seconds the run took where it ran (not part of any result).
    seconds: float = attrs.field(default=0.0, eq=False)


def top_busiest(rows: Sequence[tuple[int, int, int]]) -> tuple[tuple[int, int, int], ...]:
    """The :data:`BUSIEST` members with most decisions and forwards, ties by member id."""
    return tuple(sorted(rows, key=lambda r: (-(r[1] + r[2]), r[0]))[:BUSIEST])


def merge(parts: Sequence[Part], *, seed: int, weeks: float) -> SimResult:
    """One :class:`SimResult` for runs over disjoint hierarchies, in the order given.

    Counts add up; every distribution is summarised again from the samples
    of all parts; incidents follow one another in the order of ``parts``.
    Incident ids are each run's own (``I1``, ``I2``, ...), so they repeat
    across parts; an incident's ``origin`` names its group in the whole.
    """
    results = [p.result for p in parts]
    samples = [p.samples for p in parts]

    def total(field: str) -> int:
        return sum(getattr(r, field) for r in results)

    def joined(field: str) -> list[float]:
        return [x for s in samples for x in getattr(s, field)]

    return SimResult(
        seed=seed,
        weeks=weeks,
        members=total("members"),
        groups=total("groups"),
        incidents=tuple(i for r in results for i in r.incidents),
        reach=LoadSummary.of(joined("reach")),
        last_reach=LoadSummary.of(joined("last_reach")),
        messages_per_member_week=LoadSummary.weighted([x for s in samples for x in s.messages]),
        decisions_per_member_week=LoadSummary.of(joined("decisions")),
        forwards_per_member_week=LoadSummary.of(joined("forwards")),
        busiest=top_busiest([b for s in samples for b in s.busiest]),
        decisions=total("decisions"),
        decisions_by_default=total("decisions_by_default"),
        duplicate_calls_avoided=total("duplicate_calls_avoided"),
        duplicate_calls_made=total("duplicate_calls_made"),
        reminders=total("reminders"),
        afloop_by_casushouder=total("afloop_by_casushouder"),
        afloop_after_reminder=total("afloop_after_reminder"),
        afloop_by_stuurgroep=total("afloop_by_stuurgroep"),
        without_afloop=total("without_afloop"),
        police_notices=total("police_notices"),
        commands=total("commands"),
        refused=total("refused"),
        reading=_merge_reading(parts),
    )


def _merge_reading(parts: Sequence[Part]) -> ReadingResult | None:
    pairs = [(p.result.reading, p.reading) for p in parts]
    if not pairs or any(r is None or s is None for r, s in pairs):
        return None
    results = [r for r, _ in pairs if r is not None]
    samples = [s for _, s in pairs if s is not None]
    read_total = sum(s.read_total for s in samples)
    relevant_total = sum(s.relevant_total for s in samples)
    # Every part runs the same weeks, so their weekly head counts line up.
    weeks = [sum(week) for week in zip(*(r.members for r in results), strict=True)]
    departures = sorted(
        (d for r in results for d in r.departures), key=lambda d: d[1]
    )  # stable: parts in order within a week
    return ReadingResult(
        read_per_member_week=LoadSummary.of([x for s in samples for x in s.read]),
        irrelevant_per_member_week=LoadSummary.of([x for s in samples for x in s.irrelevant]),
        relevant_share=relevant_total / read_total if read_total else 1.0,
        chatter=sum(r.chatter for r in results),
        members=tuple(weeks),
        left=sum(r.left for r in results),
        departures=tuple(departures),
        unreported=sum(r.unreported for r in results),
        reached=LoadSummary.of([x for s in samples for x in s.reached]),
        concerned_reached=LoadSummary.of([x for s in samples for x in s.concerned]),
    )
