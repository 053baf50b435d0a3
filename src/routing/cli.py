"""The command line: ``buurtrouting`` (or ``python -m routing``).

Subcommands::

    buurtrouting show FILE [--members] [--table]
    buurtrouting explain FILE --from GROUP [melding flags] [--stop] [--json]
    buurtrouting trace [FILE] [--from GROUP] [melding flags] [--seed N] [--json]
    buurtrouting simulate [FILE] [--seed N] [--weeks W] [--json]

FILE is a neighbourhood in TOML (``docs/configuration.md``); ``trace`` and
``simulate`` fall back to a small built-in town (the Zoomwijck with
Poortwijk of :func:`routing.testing.zoomwijck`, 60 residents a
wijkgroep). Meldingen are given with flags: ``--category inbraak
--called-112/--no-112 --direction "richting park" --text "..."``.

A bad file or argument gives one line on stderr and exit code 2; nothing
prints a traceback. ``--plain`` drops colours and fancy boxes, for pipes
and for the docs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.rule import Rule

from .domain.melding import Melding
from .domain.values import GroupKind
from .engine.outputs import Step
from .engine.policies import Always, Ask, ByStep, Never, Policy
from .errors import RoutingError
from .hierarchy.config import load_hierarchy
from .model import Hierarchy
from .present.explain import explain
from .present.render import hierarchy_table, hierarchy_tree, incident_tree
from .sim.report import simulation_table
from .sim.simulate import SimConfig, simulate, trace
from .testing import zoomwijck

__all__ = ["main"]

PROG = "buurtrouting"

#: Relevance policies by name, for ``--policy``.
POLICIES: dict[str, Callable[[], Policy]] = {
    "ask": Ask,
    "always": Always,
    "never": Never,
    # Siblings at once (S2); everything beyond the stuurgroep is judged by people.
    "siblings": lambda: ByStep({Step.SIBLINGS: Always()}, default=Ask()),
}


class _UsageError(Exception):
    """A bad argument: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage first; one line says it better.
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--plain", action="store_true", help="no colours (also: NO_COLOR=1)")
    common.add_argument("--width", type=int, default=None, help="output width in columns")

    melding = _Parser(add_help=False)
    melding.add_argument("--category", default="verdachte situatie", help="e.g. inbraak")
    melding.add_argument(
        "--called-112",
        dest="called_112",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="whether 112 was called (H3; --no-called-112 or --no-112 for not)",
    )
    melding.add_argument(
        "--no-112", dest="called_112", action="store_false", help=argparse.SUPPRESS
    )
    melding.add_argument("--direction", default=None, help="looprichting, e.g. 'richting park'")
    melding.add_argument("--text", default="", help="free text of the melding")
    melding.add_argument("--policy", choices=sorted(POLICIES), default="ask")

    ap = _Parser(
        prog=PROG, description="Neighbourhood-watch routing: show, explain, trace, simulate."
    )
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    show = sub.add_parser("show", parents=[common], help="draw a hierarchy from a TOML file")
    show.add_argument("file")
    show.add_argument("--members", action="store_true", help="list the residents too")
    show.add_argument("--table", action="store_true", help="also a table of the groups")

    ex = sub.add_parser(
        "explain", parents=[common, melding], help="dry run: who would receive a melding"
    )
    ex.add_argument("file")
    ex.add_argument("--from", dest="origin", required=True, help="the wijkgroep (or regiegroep)")
    ex.add_argument("--stop", action="store_true", help="stop at every question instead of yes")
    ex.add_argument("--json", action="store_true")

    tr = sub.add_parser("trace", parents=[common, melding], help="run one incident and draw it")
    tr.add_argument("file", nargs="?", help="TOML file; default: a built-in town")
    tr.add_argument("--from", dest="origin", default=None, help="default: the first wijkgroep")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--json", action="store_true")

    sim = sub.add_parser("simulate", parents=[common], help="simulate weeks of incidents")
    sim.add_argument("file", nargs="?", help="TOML file; default: a built-in town")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--weeks", type=float, default=52.0)
    sim.add_argument("--policy", choices=sorted(POLICIES), default="ask")
    sim.add_argument("--json", action="store_true")
    return ap


def _builtin() -> Hierarchy:
    """The town of :func:`routing.testing.zoomwijck`, with 60 residents per
    wijkgroep so that a year has incidents enough to count."""
    return zoomwijck(residents=60).hierarchy


def _hierarchy(path: str | None) -> Hierarchy:
    return _builtin() if path is None else load_hierarchy(path)


def _melding(args: argparse.Namespace) -> Melding:
    return Melding(
        category=args.category,
        called_112=args.called_112,
        direction=args.direction,
        text=args.text,
        action="ik houd de straat in de gaten",
    )


def _origin(h: Hierarchy, origin: str | None) -> str:
    if origin is not None:
        return origin
    return next(iter(h.groups(GroupKind.WIJKGROEP)))


def _console(args: argparse.Namespace, file: Any = None) -> Console:
    plain = bool(getattr(args, "plain", False))
    return Console(
        file=file,
        width=getattr(args, "width", None),
        no_color=plain or None,
        highlight=False,
        emoji=False,
        safe_box=plain,
    )


def _show(args: argparse.Namespace, out: Console) -> int:
    h = load_hierarchy(args.file)
    out.print(hierarchy_tree(h, members=args.members))
    if args.table:
        out.print(hierarchy_table(h))
    return 0


def _explain(args: argparse.Namespace, out: Console) -> int:
    h = load_hierarchy(args.file)
    e = explain(
        h,
        args.origin,
        _melding(args),
        policy=POLICIES[args.policy](),
        assume_forward=not args.stop,
    )
    if args.json:
        out.print_json(json.dumps(e.to_dict()))
    else:
        out.print(e.tree(h))
    return 0


def _trace(args: argparse.Namespace, out: Console) -> int:
    h = _hierarchy(args.file)
    config = SimConfig(policy=POLICIES[args.policy](), confirm=True)
    t = trace(h, _origin(h, args.origin), _melding(args), config=config, seed=args.seed)
    if args.json:
        o = t.result.to_dict(incidents=True)["incident_outcomes"][0]
        out.print_json(json.dumps(o))
    else:
        out.print(incident_tree(t.view, h))
    return 0


def _simulate(args: argparse.Namespace, out: Console) -> int:
    h = _hierarchy(args.file)
    config = SimConfig(policy=POLICIES[args.policy]())
    err = _console(args, sys.stderr)
    with _LazyProgress(err) as bar:
        result = simulate(h, config, seed=args.seed, weeks=args.weeks, progress=bar.update)
    if args.json:
        out.print_json(json.dumps(result.to_dict()))
    else:
        out.print(Rule(f"{len(h)} members, {args.weeks:g} weeks, seed {args.seed}"))
        out.print(simulation_table(result))
    return 0


class _LazyProgress:
    """A progress bar that appears only when a run takes more than a moment."""

    DELAY = 0.5  # seconds before the bar is worth showing

    def __init__(self, console: Console) -> None:
        self.console = console
        self.start = time.monotonic()
        self.progress: Progress | None = None
        self.task: Any = None

    def __enter__(self) -> _LazyProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def update(self, fraction: float) -> None:
        if self.progress is None:
            if time.monotonic() - self.start < self.DELAY:
                return
            self.progress = Progress(
                TextColumn("simulating"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("simulate", total=1.0)
        self.progress.update(self.task, completed=fraction)


_COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "show": _show,
    "explain": _explain,
    "trace": _trace,
    "simulate": _simulate,
}


def main(argv: Sequence[str] | None = None, *, console: Console | None = None) -> int:
    """Run the command line; returns the exit code. ``console`` is for tests."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        args = _parser().parse_args(argv)
        out = console if console is not None else _console(args)
        return _COMMANDS[args.command](args, out)
    except _UsageError as e:
        err.print(f"{PROG}: error: {e}", markup=False)
        return 2
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        err.print(f"{PROG}: error: {e.strerror or e}{where}", markup=False)
        return 2
    except (RoutingError, ValueError) as e:
        err.print(f"{PROG}: error: {' '.join(str(e).split())}", markup=False)
        return 2
    except KeyboardInterrupt:
        err.print(f"{PROG}: interrupted", markup=False)
        return 130


if __name__ == "__main__":
    sys.exit(main())
