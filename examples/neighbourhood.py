"""What every example prints: the hierarchy, one incident, a year's summary.

Imported by the example scripts beside it (a script's own folder is on
``sys.path``); not an example on its own.
"""

from __future__ import annotations

from rich.console import Console
from rich.rule import Rule

from routing import Hierarchy, Melding
from routing.present.render import hierarchy_tree, incident_tree
from routing.sim.report import simulation_table
from routing.sim.simulate import SimConfig, SimResult, simulate, trace


def console() -> Console:
    """A console that honours COLUMNS and NO_COLOR, so the docs can show the output."""
    return Console(highlight=False, emoji=False)


def incident(out: Console, h: Hierarchy, origin: str, melding: Melding, *, seed: int) -> None:
    """One incident, run through people who read, decide and forward (R1-R8, P1-P7)."""
    t = trace(h, origin, melding, config=SimConfig(confirm=True), seed=seed)
    out.print(Rule(f"One incident from {origin} (seed {seed})"))
    out.print(incident_tree(t.view, h))


def year(
    out: Console, h: Hierarchy, *, seed: int, config: SimConfig | None = None, weeks: float = 52
) -> SimResult:
    result = simulate(h, config, seed=seed, weeks=weeks)
    out.print(simulation_table(result))
    return result


def hierarchy(out: Console, h: Hierarchy, title: str) -> None:
    out.print(Rule(title))
    out.print(hierarchy_tree(h))
