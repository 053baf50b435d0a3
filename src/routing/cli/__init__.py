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
    buurtrouting serve                keep the state file open: fast commands, deadlines on time

FILE is a neighbourhood in TOML (``docs/configuration.md``); ``trace`` and
``simulate`` fall back to a small built-in town (the Zoomwijck with
Poortwijk of :func:`routing.testing.zoomwijck`, 60 residents a
wijkgroep). Meldingen are given with flags: ``--category inbraak
--called-112/--no-112 --direction "richting park" --text "..."``.

``buurtrouting --version`` prints the version; ``buurtrouting completion
bash|zsh|tcsh`` prints a shell completion script.

While ``buurtrouting serve`` runs on a state file, every command on that
file is answered by it (:mod:`routing.cli.thin`), in milliseconds instead
of the second it takes to start the engine; the output is the same.

Exit codes: 0 done; 2 bad input (a bad file, argument or name: one line on
stderr, never a traceback); 3 refused by the process (the reason, with its
rule); 4 the state file cannot be used (damaged, foreign, newer, or not
writable); 5 the server stopped answering while it had the command (it may
or may not be done: run it again with the same ``--key``); 130 interrupted
(Ctrl-C). A command that fails leaves the state file as it was.
``--plain`` drops colours and fancy boxes, for pipes and for the docs;
``--json`` prints a document with a ``"schema"`` key (``"routing.show/1"``,
``"routing.cli.tasks/1"``, ...).

This module imports nothing of the engine until a command needs it
(``routing.cli.app`` has the parser and the handlers).

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

from .thin import EXIT_LOST, EXIT_REFUSED, EXIT_STATE, forward

TYPE_CHECKING = False  # not typing's: see routing/__init__.py
if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

__all__ = ["EXIT_LOST", "EXIT_REFUSED", "EXIT_STATE", "main"]


def main(argv: Sequence[str] | None = None, *, console: Console | None = None) -> int:
    """Run the command line; returns the exit code. ``console`` is for tests
    (a command given one always runs in this process)."""
    if console is None:
        code = forward(list(sys.argv[1:] if argv is None else argv))
        if code is not None:
            return code
    from .app import run

    return run(argv, console=console)


if __name__ == "__main__":
    sys.exit(main())
