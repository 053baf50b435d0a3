"""The command line: ``buurtrouting`` (or ``python -m routing``).

Subcommands::

    buurtrouting show FILE [--members] [--table]
    buurtrouting explain FILE --from GROUP [melding flags] [--stop] [--json]
    buurtrouting trace [FILE] [--from GROUP] [melding flags] [--seed N] [--json]
    buurtrouting simulate [FILE] [--seed N] [--weeks W] [--json] [--workers N]
        [--scheduler ADDRESS] [--plot FILE.png] [--reading]
    buurtrouting sweep [GRID] --out FILE.csv [--structures S,..] [--policies P,..]
        [--seeds 0-4] [--weeks W] [--reading] [--plot FILE.png] [--workers N]

Operating a neighbourhood over a state file (:mod:`routing.cli.operate`)::

    buurtrouting init FILE            make the state file (--state, default buurt.db)
    buurtrouting admit | leave | erase          members
    buurtrouting report | react | afloop        the resident's route (R1-R8)
    buurtrouting decide | forward | screen      the stuurgroep's duties (S1-S5)
    buurtrouting tasks --as NAME | confirm N | fail N   what to paste where
    buurtrouting tick | incidents | audit INCIDENT

FILE is a neighbourhood in TOML (``docs/configuration.md``); ``trace`` and
``simulate`` fall back to a small built-in town (the Zoomwijck with
Poortwijk of :func:`routing.testing.zoomwijck`, 60 residents a
wijkgroep). Meldingen are given with flags: ``--category inbraak
--called-112/--no-112 --direction "richting park" --text "..."``.

``buurtrouting --version`` prints the version; ``buurtrouting completion
bash|zsh|tcsh`` prints a shell completion script.

Exit codes: 0 done; 2 bad input (a bad file, argument or name: one line on
stderr, never a traceback); 3 refused by the process (the reason, with its
rule); 4 the state file cannot be used (damaged, foreign, newer, or not
writable); 130 interrupted (Ctrl-C). A command that fails leaves the state
file as it was. ``--plain`` drops colours and fancy boxes, for pipes and
for the docs; ``--json`` prints a document with a ``"schema"`` key
(``"routing.show/1"``, ``"routing.cli.tasks/1"``, ...).

``--lang nl|en`` prints the text output in Dutch or English (default: the
environment variable ``BUURTROUTING_LANG`` if set, which must then be ``nl``
or ``en``, else ``en``); every phrase is in :mod:`routing.present.labels`.
It changes neither the texts to paste into the chat (Dutch, from
:mod:`routing.domain.texts`) nor any JSON key. Still English in both: the
error and refusal messages (the engine's reasons), ``--help``, and the
summaries of ``simulate`` and ``sweep``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console

from routing.errors import JournalWriteError, Refused, RoutingError, StateError

from . import completion, matrix, operate, read, research
from .common import PROG, Handler, Parser, UsageError, console_for, lang_of, version

__all__ = ["EXIT_REFUSED", "EXIT_STATE", "main"]

#: Exit code: the process forbids it (a :class:`~routing.errors.Refused`; its reason is shown).
EXIT_REFUSED = 3
#: Exit code: the state file cannot be used (damaged, foreign, newer, not writable).
EXIT_STATE = 4


def _parser() -> tuple[Parser, dict[str, Handler]]:
    ap = Parser(
        prog=PROG, description="Neighbourhood-watch routing: show, explain, trace, simulate, sweep."
    )
    ap.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=Parser, help="what to do")
    handlers: dict[str, Handler] = {}
    for part in (read, research, operate, matrix):
        handlers.update(part.register(sub))
    handlers.update(completion.register(sub, ap))
    return ap, handlers


def main(argv: Sequence[str] | None = None, *, console: Console | None = None) -> int:
    """Run the command line; returns the exit code. ``console`` is for tests."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        ap, handlers = _parser()
        args = ap.parse_args(argv)
        if hasattr(args, "lang"):
            # Before anything runs: a bad BUURTROUTING_LANG changes nothing.
            args.lang = lang_of(args)
        out = console if console is not None else console_for(args)
        return handlers[args.command](args, out)
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


if __name__ == "__main__":
    sys.exit(main())
