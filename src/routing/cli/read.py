"""The commands that read a neighbourhood file: ``show``, ``explain``, ``trace``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console

from routing.hierarchy.config import load_hierarchy
from routing.present.data import hierarchy_dict, incident_dict
from routing.present.explain import explain
from routing.present.render import hierarchy_table, hierarchy_tree, incident_tree
from routing.sim.simulate import SimConfig, trace

from .common import (
    POLICIES,
    Handler,
    hierarchy_or_builtin,
    lang_of,
    melding_from,
    melding_parent,
    output_parent,
)
from .names import group_named, origin_or_first

__all__ = ["EXPLAIN_SCHEMA", "register"]

EXPLAIN_SCHEMA = "routing.explain/1"


def register(sub: Any) -> dict[str, Handler]:
    """Add ``show``, ``explain`` and ``trace`` to the subparsers ``sub``."""
    common, melding = output_parent(), melding_parent()
    show = sub.add_parser("show", parents=[common], help="draw a hierarchy from a TOML file")
    show.add_argument("file", help="the neighbourhood, a TOML file")
    show.add_argument("--members", action="store_true", help="list the residents too")
    show.add_argument("--table", action="store_true", help="also a table of the groups")
    show.add_argument("--json", action="store_true", help="print JSON instead of a tree")

    ex = sub.add_parser(
        "explain", parents=[common, melding], help="dry run: who would receive a melding"
    )
    ex.add_argument("file", help="the neighbourhood, a TOML file")
    ex.add_argument("--from", dest="origin", required=True, help="the wijkgroep (or regiegroep)")
    ex.add_argument("--stop", action="store_true", help="stop at every question instead of yes")
    ex.add_argument("--json", action="store_true", help="print JSON instead of a tree")

    tr = sub.add_parser("trace", parents=[common, melding], help="run one incident and draw it")
    tr.add_argument("file", nargs="?", help="TOML file; default: a built-in town")
    tr.add_argument("--from", dest="origin", default=None, help="default: the first wijkgroep")
    tr.add_argument("--seed", type=int, default=0, help="seed of the simulated people")
    tr.add_argument("--json", action="store_true", help="print JSON instead of a tree")
    return {"show": _show, "explain": _explain, "trace": _trace}


def _show(args: argparse.Namespace, out: Console) -> int:
    h = load_hierarchy(args.file)
    if args.json:
        out.print_json(json.dumps(hierarchy_dict(h, members=args.members)))
        return 0
    out.print(hierarchy_tree(h, members=args.members, lang=lang_of(args)))
    if args.table:
        out.print(hierarchy_table(h, lang=lang_of(args)))
    return 0


def _explain(args: argparse.Namespace, out: Console) -> int:
    h = load_hierarchy(args.file)
    e = explain(
        h,
        group_named(h, args.origin),
        melding_from(args),
        policy=POLICIES[args.policy](),
        assume_forward=not args.stop,
    )
    if args.json:
        out.print_json(json.dumps({"schema": EXPLAIN_SCHEMA, **e.to_dict()}))
    else:
        out.print(e.tree(h, lang=lang_of(args)))
    return 0


def _trace(args: argparse.Namespace, out: Console) -> int:
    h = hierarchy_or_builtin(args.file)
    config = SimConfig(policy=POLICIES[args.policy](), confirm=True)
    t = trace(h, origin_or_first(h, args.origin), melding_from(args), config=config, seed=args.seed)
    if args.json:
        summary = t.result.to_dict(incidents=True)["incident_outcomes"][0]
        out.print_json(json.dumps({**incident_dict(t.view), "outcome": summary}))
    else:
        out.print(incident_tree(t.view, h, lang=lang_of(args)))
    return 0
