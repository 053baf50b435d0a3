"""The commands for research: ``simulate``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console
from rich.rule import Rule

from routing.sim.report import simulation_table
from routing.sim.simulate import SimConfig, simulate

from .common import (
    POLICIES,
    Handler,
    LazyProgress,
    console_for,
    hierarchy_or_builtin,
    output_parent,
)

__all__ = ["register"]


def register(sub: Any) -> dict[str, Handler]:
    """Add ``simulate`` to the subparsers ``sub``."""
    sim = sub.add_parser("simulate", parents=[output_parent()], help="simulate weeks of incidents")
    sim.add_argument("file", nargs="?", help="TOML file; default: a built-in town")
    sim.add_argument("--seed", type=int, default=0, help="seed of the simulation")
    sim.add_argument("--weeks", type=float, default=52.0, help="how many weeks to simulate")
    sim.add_argument(
        "--policy", choices=sorted(POLICIES), default="ask", help="who decides on forwarding"
    )
    sim.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return {"simulate": _simulate}


def _simulate(args: argparse.Namespace, out: Console) -> int:
    h = hierarchy_or_builtin(args.file)
    config = SimConfig(policy=POLICIES[args.policy]())
    err = console_for(args, sys.stderr)
    with LazyProgress(err) as bar:
        result = simulate(h, config, seed=args.seed, weeks=args.weeks, progress=bar.update)
    if args.json:
        out.print_json(json.dumps({"schema": "routing.simulate/1", **result.to_dict()}))
    else:
        out.print(Rule(f"{len(h)} members, {args.weeks:g} weeks, seed {args.seed}"))
        out.print(simulation_table(result))
    return 0
