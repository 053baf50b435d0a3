"""The commands for research: ``simulate`` and ``sweep``.

Both split their runs by gemeente (:mod:`routing.sim.split`): ``--workers N``
runs the gemeenten on N local processes (1, the default: in this process),
``--scheduler ADDRESS`` on a Dask cluster; the figures are the same either
way. ``--plot FILE.png`` draws them (:mod:`routing.sim.plots`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from routing.hierarchy.config import load_hierarchy
from routing.model import Hierarchy
from routing.sim.config import Reading
from routing.sim.report import simulation_table
from routing.sim.simulate import SimConfig
from routing.sim.split import executor_for, simulate_split
from routing.sim.sweep import sweep, write_table
from routing.testing import flat_group, sized_town

from .common import (
    POLICIES,
    Handler,
    LazyProgress,
    UsageError,
    builtin,
    console_for,
    hierarchy_or_builtin,
    output_parent,
)

__all__ = ["STRUCTURES", "register"]

#: The built-in structures of ``sweep``, beside TOML files and ``wijkgroep-N``.
STRUCTURES = {
    "town": "the built-in town (Zoomwijck and Poortwijk, 60 residents a wijkgroep)",
    "flat": "the same residents in one flat group (phase 1)",
    "wijkgroep-N": "about as many residents in wijkgroepen of N",
}


def register(sub: Any) -> dict[str, Handler]:
    """Add ``simulate`` and ``sweep`` to the subparsers ``sub``."""
    sim = sub.add_parser("simulate", parents=[output_parent()], help="simulate weeks of incidents")
    sim.add_argument("file", nargs="?", help="TOML file; default: a built-in town")
    sim.add_argument("--seed", type=int, default=0, help="seed of the simulation")
    sim.add_argument("--weeks", type=float, default=52.0, help="how many weeks to simulate")
    sim.add_argument(
        "--policy", choices=sorted(POLICIES), default="ask", help="who decides on forwarding"
    )
    sim.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sim.add_argument("--reading", action="store_true", help="the reading and attrition model (H9)")
    _engine_flags(sim)
    sim.add_argument("--plot", metavar="FILE.png", help="also draw the figures into this file")

    sw = sub.add_parser(
        "sweep",
        parents=[output_parent()],
        help="simulate a grid of structures, policies and seeds into one table",
    )
    sw.add_argument("grid", nargs="?", help="a TOML grid (structures, policies, seeds, weeks)")
    sw.add_argument(
        "--structures",
        help="comma-separated: town, flat, wijkgroep-N or TOML files (default: town,flat)",
    )
    sw.add_argument("--policies", help=f"comma-separated, of {', '.join(sorted(POLICIES))}")
    sw.add_argument("--seeds", help="e.g. 0-4 or 1,2,3 (default: 0)")
    sw.add_argument("--weeks", type=float, default=None, help="per run (default: 52)")
    sw.add_argument(
        "--reading",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the reading and attrition model (H9)",
    )
    sw.add_argument("--out", required=True, metavar="FILE", help="the table: .csv or .parquet")
    sw.add_argument("--plot", metavar="FILE.png", help="also draw the figures into this file")
    _engine_flags(sw)
    return {"simulate": _simulate, "sweep": _sweep}


def _engine_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=int, default=1, help="local processes to run gemeenten on (default 1)"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, tcp://host:8786")


def _weeks(value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"--weeks must be a positive number of weeks, not {value:g}")
    return value


def _workers(value: int) -> int:
    if value < 1:
        raise UsageError(f"--workers must be at least 1, not {value}")
    return value


class _Gemeenten:
    """Progress by gemeenten done, on a :class:`LazyProgress` bar."""

    def __init__(self, bar: LazyProgress) -> None:
        self.bar = bar

    def __call__(self, done: float, total: int) -> None:
        self.bar.update(done / total if total else 1.0, f"{int(done)}/{total} gemeenten")


def _simulate(args: argparse.Namespace, out: Console) -> int:
    weeks = _weeks(args.weeks)
    workers = _workers(args.workers)
    h = hierarchy_or_builtin(args.file)
    config = SimConfig(policy=POLICIES[args.policy](), reading=Reading() if args.reading else None)
    err = console_for(args, sys.stderr)
    with executor_for(workers, args.scheduler) as executor, LazyProgress(err) as bar:
        result = simulate_split(
            h, config, seed=args.seed, weeks=weeks, executor=executor, progress=_Gemeenten(bar)
        )
    if args.plot:
        from routing.sim.plots import simulation_figure

        simulation_figure(result, args.plot)
    if args.json:
        out.print_json(json.dumps({"schema": "routing.simulate/1", **result.to_dict()}))
    else:
        out.print(Rule(f"{len(h)} members, {weeks:g} weeks, seed {args.seed}"))
        out.print(simulation_table(result))
        if args.plot:
            out.print(f"figures: {args.plot}")
    return 0


def _grid(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    with Path(path).open("rb") as f:
        try:
            data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise UsageError(f"{path}: {e}") from e
    unknown = sorted(set(data) - {"structures", "policies", "seeds", "weeks", "reading"})
    if unknown:
        raise UsageError(f"{path}: unknown keys {', '.join(unknown)}")
    return data


def _names(flag: str | None, grid: Mapping[str, Any], key: str, default: list[str]) -> list[str]:
    if flag is not None:
        return [x.strip() for x in flag.split(",") if x.strip()]
    values = grid.get(key, default)
    if not (isinstance(values, list) and all(isinstance(v, str) for v in values) and values):
        raise UsageError(f"{key} must be a list of names")
    return values


def _seeds(flag: str | None, grid: Mapping[str, Any]) -> list[int]:
    if flag is None:
        values = grid.get("seeds", [0])
        if not (isinstance(values, list) and values and all(type(v) is int for v in values)):
            raise UsageError("seeds must be a list of integers")
        return values
    seeds: list[int] = []
    try:
        for piece in flag.split(","):
            first, dash, last = piece.strip().partition("-")
            seeds.extend(range(int(first), int(last) + 1) if dash else [int(first)])
    except ValueError as e:
        raise UsageError(f"--seeds: expected e.g. 0-4 or 1,2,3, not {flag!r}") from e
    if not seeds:
        raise UsageError("--seeds: no seeds")
    return seeds


def structure(name: str, town: Hierarchy) -> Hierarchy:
    """A structure of ``sweep`` by name (:data:`STRUCTURES`) or TOML file."""
    if name == "town":
        return town
    if name == "flat":
        return flat_group(town)
    if name.startswith("wijkgroep-"):
        size = name.removeprefix("wijkgroep-")
        if not size.isdigit() or int(size) < 4:
            raise UsageError(f"structure {name!r}: wijkgroep-N needs a size N of at least 4")
        return sized_town(members=len(town), wijkgroep=int(size)).hierarchy
    if name.endswith(".toml"):
        return load_hierarchy(name)
    known = ", ".join(STRUCTURES)
    raise UsageError(f"unknown structure {name!r} (known: {known}, or a TOML file)")


def _sweep(args: argparse.Namespace, out: Console) -> int:
    grid = _grid(args.grid)
    weeks = _weeks(args.weeks if args.weeks is not None else float(grid.get("weeks", 52.0)))
    workers = _workers(args.workers)
    structures = _names(args.structures, grid, "structures", ["town", "flat"])
    policies = _names(args.policies, grid, "policies", ["ask"])
    unknown = [p for p in policies if p not in POLICIES]
    if unknown:
        raise UsageError(f"unknown policy {unknown[0]!r} (known: {', '.join(sorted(POLICIES))})")
    seeds = _seeds(args.seeds, grid)
    reading = args.reading if args.reading is not None else bool(grid.get("reading", False))
    town = builtin()
    # A TOML file is named by its stem in the table: zoomwijck-fase2, not its path.
    built = {
        Path(name).stem if name.endswith(".toml") else name: structure(name, town)
        for name in structures
    }
    config = SimConfig(reading=Reading() if reading else None)
    err = console_for(args, sys.stderr)
    with (
        executor_for(workers, args.scheduler) as executor,
        LazyProgress(err, "sweeping") as bar,
    ):
        result = sweep(
            built,
            {p: POLICIES[p]() for p in policies},
            seeds,
            weeks=weeks,
            config=config,
            executor=executor,
            progress=_Gemeenten(bar),
        )
    rows = result.rows()
    write_table(rows, args.out)
    if args.plot:
        from routing.sim.plots import sweep_figure

        sweep_figure(result, args.plot)
    out.print(_summary(result.results, reading))
    out.print(
        f"{len(rows):,} rows in {args.out}" + (f"; figures: {args.plot}" if args.plot else "")
    )
    return 0


def _summary(results: Sequence[tuple[Any, Any]], reading: bool) -> Table:
    table = Table(title="Sweep: means over seeds", title_justify="left")
    for column in ("structure", "policy", "runs", "messages/member/wk", "reach p95"):
        table.add_column(column, justify="left" if column in ("structure", "policy") else "right")
    if reading:
        table.add_column("left", justify="right")
    keys: dict[tuple[str, str], list[Any]] = {}
    for cell, r in results:
        keys.setdefault((cell.structure, cell.policy), []).append(r)
    for (s, p), rs in keys.items():
        row = [
            s,
            p,
            str(len(rs)),
            f"{sum(r.messages_per_member_week.mean for r in rs) / len(rs):.2f}",
            f"{sum(r.reach.p95 for r in rs) / len(rs) / 60:.1f} min",
        ]
        if reading:
            row.append(f"{sum(r.reading.left for r in rs if r.reading) / len(rs):.1f}")
        table.add_row(*row)
    return table
