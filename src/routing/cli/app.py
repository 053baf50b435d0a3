"""The command line's parser and handlers, and the one place its errors become
exit codes. :func:`routing.cli.main` is the entry point; it comes here
unless a server (:mod:`routing.cli.resident`) answers the command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from rich.console import Console

from routing.errors import JournalWriteError, Refused, RoutingError, StateError

from . import completion, matrix, operate, read, research, resident
from .common import PROG, Handler, Parser, UsageError, console_for, lang_of, version
from .thin import EXIT_REFUSED, EXIT_STATE

__all__ = ["Gate", "parser", "run"]

#: Looks at a parsed command line before its handler runs (the server's check
#: that the command is one it serves); raises to stop it.
Gate = Callable[[argparse.Namespace, Handler], None]


def parser() -> tuple[Parser, dict[str, Handler]]:
    """The whole command line's parser, and the handler of each subcommand."""
    ap = Parser(
        prog=PROG, description="Neighbourhood-watch routing: show, explain, trace, simulate, sweep."
    )
    ap.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=Parser, help="what to do")
    handlers: dict[str, Handler] = {}
    for part in (read, research, operate):
        handlers.update(part.register(sub))
    # serve runs commands on this module: handed in, not imported back.
    handlers.update(resident.register(sub, sys.modules[__name__]))
    handlers.update(matrix.register(sub))
    handlers.update(completion.register(sub, ap))
    return ap, handlers


def run(
    argv: Sequence[str] | None = None,
    *,
    console: Console | None = None,
    gate: Gate | None = None,
    parsers: tuple[Parser, dict[str, Handler]] | None = None,
) -> int:
    """Run the command line in this process; returns the exit code.

    ``console`` is for tests; ``gate`` sees the parsed arguments and the
    handler before it runs, and ``parsers`` is a :func:`parser` built
    before (both for :mod:`routing.cli.resident`).
    """
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        ap, handlers = parser() if parsers is None else parsers
        args = ap.parse_args(argv)
        if hasattr(args, "lang"):
            # Before anything runs: a bad BUURTROUTING_LANG changes nothing.
            args.lang = lang_of(args)
        handler = handlers[args.command]
        if gate is not None:
            gate(args, handler)
        out = console if console is not None else console_for(args)
        return handler(args, out)
    except UsageError as e:
        err.print(f"{PROG}: error: {e}", markup=False)
        return 2
    except JournalWriteError as e:
        err.print(f"{PROG}: state file: {' '.join(str(e).split())}", markup=False)
        return EXIT_STATE
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        err.print(f"{PROG}: error: {e.strerror or e}{where}", markup=False)
        return 2
    except Refused as e:
        err.print(f"{PROG}: refused: {' '.join(str(e).split())}", markup=False)
        return EXIT_REFUSED
    except StateError as e:
        err.print(f"{PROG}: state file: {' '.join(str(e).split())}", markup=False)
        return EXIT_STATE
    except (RoutingError, ValueError) as e:
        err.print(f"{PROG}: error: {' '.join(str(e).split())}", markup=False)
        return 2
    except KeyboardInterrupt:
        err.print(f"{PROG}: interrupted", markup=False)
        return 130
