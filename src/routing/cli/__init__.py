"""The command line: ``buurtrouting`` (or ``python -m routing``).

Subcommands::

    buurtrouting show FILE [--members] [--table]
    buurtrouting explain FILE --from GROUP [melding flags] [--stop] [--json]
    buurtrouting trace [FILE] [--from GROUP] [melding flags] [--seed N] [--json]
    buurtrouting simulate [FILE] [--seed N] [--weeks W] [--json] [--workers N]
        [--scheduler ADDRESS] [--plot FILE.png] [--reading]
    buurtrouting sweep [GRID] --out FILE.csv [--structures S,..] [--policies P,..]
        [--seeds 0-4] [--weeks W] [--reading] [--plot FILE.png] [--workers N]

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

import sys
from collections.abc import Sequence

from rich.console import Console

from routing.errors import RoutingError

from . import read, research
from .common import PROG, Handler, Parser, UsageError, console_for

__all__ = ["main"]


def _parser() -> tuple[Parser, dict[str, Handler]]:
    ap = Parser(
        prog=PROG, description="Neighbourhood-watch routing: show, explain, trace, simulate, sweep."
    )
    sub = ap.add_subparsers(dest="command", required=True, parser_class=Parser)
    handlers: dict[str, Handler] = {}
    for part in (read, research):
        handlers.update(part.register(sub))
    return ap, handlers


def main(argv: Sequence[str] | None = None, *, console: Console | None = None) -> int:
    """Run the command line; returns the exit code. ``console`` is for tests."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        ap, handlers = _parser()
        args = ap.parse_args(argv)
        out = console if console is not None else console_for(args)
        return handlers[args.command](args, out)
    except UsageError as e:
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
