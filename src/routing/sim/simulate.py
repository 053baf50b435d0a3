"""A discrete-event simulation of a neighbourhood running the routing path.

Theory of operation
-------------------

:func:`simulate` drives a real :class:`~routing.relay.Relay` over a
:class:`~routing.model.Hierarchy` with a virtual clock. The relay stays
sans-I/O: the simulation plays the people and the police around it, and
passes every time stamp in on the command.

* **Incidents** arrive as a Poisson process: each :class:`Category` has a
  rate per 1,000 members per year; the wijkgroep is drawn in proportion to
  its residents, the reporter among them. Police notices (P1) arrive at a
  rate per gemeente per week and go to a regiegroep of that gemeente, or to
  a stuurgroep where the wijk has no regiegroep yet (G1).
* **People** take time. Every human step draws a :class:`Delay`: reading a
  message, deciding whether it is relevant (R5, R6), copying it into the
  next group, acting on the spot before the afloop (R8). A stuurgroep member
  is available for a decision with probability
  :attr:`SimConfig.availability`; when nobody is, the relay's deadline
  applies the default (a :class:`~routing.engine.commands.Tick`).
* **Witnesses** (H4) see the same situation. One who reads the group
  before calling joins the incident without calling 112: a duplicate call
  avoided. One who calls first makes the duplicate call anyway.
* **The afloop** (R8) comes from the casushouder when the action is over,
  or after a reminder, or, after :attr:`SimConfig.stuurgroep_closes_after`
  reminders, from a stuurgroep member. Incidents still open when the run
  ends are reported as left without afloop.
* **Reading and leaving** (H9), only when :attr:`SimConfig.reading` is set
  (:mod:`routing.sim.reading`): members post chatter, each alarm concerns its
  own buurt or the whole wijk and the stuurgroep's judgement (R5, R6) follows
  that, every member's week of reading is added up, and residents leave
  the hierarchy with a chance that grows with what they read that did not
  concern them. The run then works on a copy of the hierarchy. Without it,
  every other figure is what it was before the model existed.

All randomness comes from one ``random.Random(seed)`` that the run owns, and
events with the same time are ordered by a sequence number, so the same
hierarchy, config and seed give the same :class:`SimResult`.

Why the loop looks the way it does: a national year is about 200,000
incidents and a few million commands, and the relay is the part worth
measuring. Events are plain tuples on a :mod:`heapq`; per-group facts
(residents, who may decide) are looked up once and cached; the config is
checked once, when it is built, never per event.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import attrs

from routing import gcpause as _collector
from routing.domain.melding import Melding
from routing.domain.values import MemberId
from routing.engine.incident import IncidentView
from routing.errors import InvalidValueError
from routing.model import Hierarchy

from .config import (
    DEFAULT_RATES,
    Delay,
    IncidentOutcome,
    LoadSummary,
    SimConfig,
    SimResult,
)
from .loop import Run

__all__ = [
    "DEFAULT_RATES",
    "Delay",
    "IncidentOutcome",
    "LoadSummary",
    "SimConfig",
    "SimResult",
    "Trace",
    "simulate",
    "trace",
]


def simulate(
    hierarchy: Hierarchy,
    config: SimConfig | None = None,
    *,
    seed: int = 0,
    weeks: float = 1.0,
    progress: Callable[[float], None] | None = None,
) -> SimResult:
    """Run the neighbourhood for ``weeks`` of virtual time; see the module docstring.

    The hierarchy is not changed (with :attr:`SimConfig.reading`, residents
    leave a copy of it). ``progress`` is called now and then with
    the fraction of virtual time done (0 to 1), for a progress bar.

    While it runs, the garbage collector's automatic collections are
    paused (:func:`gc.disable`), and enabled again afterwards if they were
    enabled before. The run makes no reference cycles of its own (a test
    holds this), so the collector would find nothing to free; it would only
    walk the millions of objects the run keeps alive, again and again: about
    10 s of a national year even with a raised threshold
    (``docs/performance.md``). Objects freed by reference counting are freed
    as usual. A policy or progress callback that makes reference cycles
    keeps them until the run ends; the next collection after it frees them.
    The pause is process-wide, so other threads' cycles wait too. Replaying
    a journal (:meth:`routing.persist.journal.Journal.open`) pauses it the same way.
    """
    if not (math.isfinite(weeks) and weeks > 0):
        raise InvalidValueError(weeks, "weeks must be a positive number")
    run = Run(hierarchy, config if config is not None else SimConfig(), seed, weeks)
    with _collector.paused():
        return run.go(progress)


@attrs.frozen(kw_only=True)
class Trace:
    """One incident run through the people of a simulation: see :func:`trace`."""

    view: IncidentView
    result: SimResult


def trace(
    hierarchy: Hierarchy,
    origin: str,
    melding: Melding,
    *,
    config: SimConfig | None = None,
    seed: int = 0,
    reporter: int | None = None,
    sender: str = "politie",
) -> Trace:
    """Run one incident from ``origin`` at time 0 until it is over.

    A wijkgroep as origin is a resident's report (R3; by ``reporter``, or a
    resident who sits in no stuurgroep); a regiegroep or stuurgroep gets a
    police notice (P1) from ``sender``. The people decide, react and close it as
    in :func:`simulate` with the same ``config`` and ``seed``, but no other
    incident happens. The log is kept.
    """
    base = config if config is not None else SimConfig()
    quiet = attrs.evolve(base, rates={}, police_rate=0.0, keep_log=True, reading=None)
    hierarchy.kind(origin)  # an unknown group is refused here, not inside the run
    run = Run(hierarchy, quiet, seed, 1 / 7)
    run.start(origin, melding, MemberId(reporter) if reporter is not None else None, sender)
    result = run.go(None)
    if not run.incidents:
        raise InvalidValueError(origin, "the melding opened no incident there")
    first = next(iter(run.incidents))
    return Trace(view=run.relay.incident(first), result=result)
