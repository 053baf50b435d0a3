"""Sweeps: a grid of structures, policies and seeds run as one job, as a tidy table.

:func:`sweep` runs every (structure, policy, seed) cell of the grid split by
gemeente (:mod:`routing.sim.split`), all cells' gemeenten handed to one
executor together, and keeps each cell's merged
:class:`~routing.sim.config.SimResult`. :meth:`Sweep.rows` turns them into a
tidy table, one row per run and measure (``structure, policy, seed, weeks,
measure, value``), which :func:`write_table` saves as CSV (the standard
library's :mod:`csv`) or, when ``pyarrow`` is installed, as Parquet. Load it
with ``pandas.read_csv`` or ``polars.read_csv`` and pivot or group as you
like (``docs/howto-research-at-scale.md``).
"""

from __future__ import annotations

import csv
import importlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Final

import attrs

from routing.engine.policies import Policy
from routing.errors import InvalidValueError
from routing.model import Hierarchy

from .config import SimConfig, SimResult
from .samples import merge
from .split import GemeenteTask, run_parts, tasks_for

__all__ = ["COLUMNS", "MEASURES", "Cell", "Sweep", "SweepRow", "sweep", "write_table"]

#: The columns of the tidy table, in order.
COLUMNS: Final = ("structure", "policy", "seed", "weeks", "measure", "value")


def _reading(get: Callable[[SimResult], float]) -> Callable[[SimResult], float | None]:
    return lambda r: get(r) if r.reading is not None else None


#: Every measure of a row, by name; ``None`` where a run has no such figure
#: (the reading model's measures when it is off), and then no row is written.
MEASURES: Final[Mapping[str, Callable[[SimResult], float | None]]] = {
    "members": lambda r: float(r.members),
    "incidents": lambda r: float(len(r.incidents)),
    "reach_mean_s": lambda r: r.reach.mean,
    "reach_p50_s": lambda r: r.reach.p50,
    "reach_p95_s": lambda r: r.reach.p95,
    "last_reach_p95_s": lambda r: r.last_reach.p95,
    "messages_per_member_week_mean": lambda r: r.messages_per_member_week.mean,
    "messages_per_member_week_p95": lambda r: r.messages_per_member_week.p95,
    "messages_per_member_week_max": lambda r: r.messages_per_member_week.max,
    "decisions_per_member_week_mean": lambda r: r.decisions_per_member_week.mean,
    "decisions": lambda r: float(r.decisions),
    "decisions_by_default": lambda r: float(r.decisions_by_default),
    "duplicate_calls_avoided": lambda r: float(r.duplicate_calls_avoided),
    "without_afloop": lambda r: float(r.without_afloop),
    "read_per_member_week_mean": _reading(
        lambda r: r.reading.read_per_member_week.mean if r.reading else 0.0
    ),
    "irrelevant_per_member_week_mean": _reading(
        lambda r: r.reading.irrelevant_per_member_week.mean if r.reading else 0.0
    ),
    "members_left": _reading(lambda r: float(r.reading.left) if r.reading else 0.0),
    "concerned_reached_mean": _reading(
        lambda r: r.reading.concerned_reached.mean if r.reading else 0.0
    ),
}


@attrs.frozen(kw_only=True)
class Cell:
    """One run of a sweep: which structure, which policy, which seed."""

    structure: str
    policy: str
    seed: int


@attrs.frozen(kw_only=True)
class SweepRow:
    """One row of the tidy table: one measure of one run."""

    structure: str
    policy: str
    seed: int
    weeks: float
    measure: str
    value: float

    def as_tuple(self) -> tuple[str, str, int, float, str, float]:
        return (self.structure, self.policy, self.seed, self.weeks, self.measure, self.value)


@attrs.frozen(kw_only=True)
class Sweep:
    """The merged result of every cell, in grid order (structure, then policy, then seed)."""

    weeks: float
    results: tuple[tuple[Cell, SimResult], ...]

    def rows(self) -> list[SweepRow]:
        """The tidy table: one row per run and measure, in grid order."""
        out: list[SweepRow] = []
        for cell, result in self.results:
            for measure, get in MEASURES.items():
                value = get(result)
                if value is not None:
                    out.append(
                        SweepRow(
                            structure=cell.structure,
                            policy=cell.policy,
                            seed=cell.seed,
                            weeks=self.weeks,
                            measure=measure,
                            value=float(value),
                        )
                    )
        return out


def sweep(
    structures: Mapping[str, Hierarchy],
    policies: Mapping[str, Policy],
    seeds: Sequence[int],
    *,
    weeks: float = 52.0,
    config: SimConfig | None = None,
    executor: Executor | None = None,
    progress: Callable[[float, int], None] | None = None,
) -> Sweep:
    """Run every cell of structures x policies x seeds as one job; see the module docstring.

    ``config`` holds everything but the policy (default: :class:`SimConfig`'s
    defaults). ``executor`` and ``progress`` are those of
    :func:`~routing.sim.split.run_parts`; progress counts gemeenten over the
    whole grid. A cell's result is the one :func:`~routing.sim.split.simulate_split`
    gives for the same structure, policy and seed.
    """
    if not (structures and policies and seeds):
        raise InvalidValueError((len(structures), len(policies), len(seeds)), "an empty grid")
    base = config if config is not None else SimConfig()
    cells: list[Cell] = []
    tasks: list[GemeenteTask] = []
    spans: list[tuple[int, int]] = []
    for s_name, h in structures.items():
        for p_name, policy in policies.items():
            cfg = attrs.evolve(base, policy=policy)
            for seed in seeds:
                cell_tasks = tasks_for(h, cfg, seed=seed, weeks=weeks)
                spans.append((len(tasks), len(tasks) + len(cell_tasks)))
                tasks.extend(cell_tasks)
                cells.append(Cell(structure=s_name, policy=p_name, seed=seed))
    parts = run_parts(tasks, executor, progress=progress)
    results = tuple(
        (cell, merge(parts[a:b], seed=cell.seed, weeks=weeks))
        for cell, (a, b) in zip(cells, spans, strict=True)
    )
    return Sweep(weeks=weeks, results=results)


def write_table(rows: Sequence[SweepRow], path: str | Path) -> Path:
    """Write the tidy table to ``path``: ``.csv``, or ``.parquet`` (needs ``pyarrow``)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        with target.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            writer.writerows(r.as_tuple() for r in rows)
        return target
    if suffix == ".parquet":
        try:
            pa = importlib.import_module("pyarrow")
            pq = importlib.import_module("pyarrow.parquet")
        except ImportError as err:
            raise InvalidValueError(
                str(target), "writing Parquet needs pyarrow (pip install pyarrow), or use .csv"
            ) from err
        columns = list(zip(*(r.as_tuple() for r in rows), strict=True)) or [()] * len(COLUMNS)
        table = pa.table({name: list(col) for name, col in zip(COLUMNS, columns, strict=True)})
        pq.write_table(table, str(target))
        return target
    raise InvalidValueError(str(target), "the table's file must end in .csv or .parquet")
