"""What every subcommand shares: the parser that fails in one line, the
console, the melding flags, the relevance policies by name, loading a
hierarchy, and a progress bar for long runs."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import sys
import time
from collections.abc import Callable
from typing import IO, Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from routing.domain.melding import Melding
from routing.engine.outputs import Step
from routing.engine.policies import Always, Ask, ByStep, Never, Policy
from routing.hierarchy.config import load_hierarchy
from routing.model import Hierarchy
from routing.present.labels import DEFAULT_LANG, LANGS, Lang, as_lang
from routing.testing import zoomwijck

__all__ = [
    "LANG_ENV",
    "POLICIES",
    "PROG",
    "Handler",
    "LazyProgress",
    "Parser",
    "UsageError",
    "builtin",
    "console_for",
    "hierarchy_or_builtin",
    "lang_of",
    "melding_from",
    "melding_parent",
    "output_parent",
    "positive_int",
    "version",
]

PROG = "buurtrouting"
#: The environment variable that gives ``--lang`` its default.
LANG_ENV = "BUURTROUTING_LANG"
#: The name the package is installed under (``pip install``), for ``--version``.
DISTRIBUTION = "buurtpreventie-routing"

#: Relevance policies by name, for ``--policy``.
POLICIES: dict[str, Callable[[], Policy]] = {
    "ask": Ask,
    "always": Always,
    "never": Never,
    # Siblings at once (S2); everything beyond the stuurgroep is judged by people.
    "siblings": lambda: ByStep({Step.SIBLINGS: Always()}, default=Ask()),
}

#: A subcommand: parsed arguments and the console to print on; returns the exit code.
Handler = Callable[[argparse.Namespace, Console], int]


class UsageError(Exception):
    """A bad argument: reported as one line, exit code 2."""


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an argument's default after its help, unless there is nothing to
    show: no default, a flag that is off, or a suppressed one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        default = action.default
        if default is None or default is False or default is argparse.SUPPRESS or default == "":
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose help shows each default, and
    whose errors are one line (:class:`UsageError`, exit code 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Takes what :class:`argparse.ArgumentParser` takes."""
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Raise :class:`UsageError` with ``message``."""
        # argparse prints the whole usage first; one line says it better.
        raise UsageError(message)


def positive_int(text: str) -> int:
    """An argument type: a whole number of at least 1 (``--width``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def version() -> str:
    """The installed distribution's version, else the package's own."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        import routing

        return str(getattr(routing, "__version__", "unknown"))


class _PlainFile:
    """A text file that drops the spaces at the end of each line (``--plain``):
    rich pads wrapped lines to the width."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self._pending = ""

    def write(self, text: str) -> int:
        text = self._pending + text
        body = text.rstrip(" ")
        self._pending = text[len(body) :]
        self._file.write(re.sub(r" +\n", "\n", body))
        return len(text)

    def flush(self) -> None:
        self._file.flush()

    def isatty(self) -> bool:
        return self._file.isatty()

    def fileno(self) -> int:
        return self._file.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._file, "encoding", "utf-8") or "utf-8"


def output_parent() -> Parser:
    """``--plain``, ``--width`` and ``--lang``, for every command that prints."""
    common = Parser(add_help=False)
    common.add_argument("--plain", action="store_true", help="no colours (also: NO_COLOR=1)")
    common.add_argument(
        "--width", type=positive_int, default=None, help="output width in columns (at least 1)"
    )
    common.add_argument(
        "--lang",
        choices=LANGS,
        default=None,
        help=f"the language of the text output; default: {LANG_ENV} if set, else "
        f"{DEFAULT_LANG} (chat texts and JSON keys are the same in both)",
    )
    return common


def lang_of(args: argparse.Namespace) -> Lang:
    """The language the command prints in: ``--lang``, else :data:`LANG_ENV`,
    else English. A bad :data:`LANG_ENV` is a :class:`UsageError`."""
    given = getattr(args, "lang", None)
    if given is not None:
        return as_lang(given)
    env = os.environ.get(LANG_ENV)
    if env is None or env == "":
        return DEFAULT_LANG
    try:
        return as_lang(env)
    except ValueError:
        raise UsageError(f"{LANG_ENV} must be {' or '.join(LANGS)}, not {env!r}") from None


def melding_parent() -> Parser:
    """The flags that describe a melding (SAAR) for ``explain`` and ``trace``."""
    melding = Parser(add_help=False)
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
    melding.add_argument(
        "--policy", choices=sorted(POLICIES), default="ask", help="who decides on forwarding"
    )
    return melding


def builtin() -> Hierarchy:
    """The town of :func:`routing.testing.zoomwijck`, with 60 residents per
    wijkgroep so that a year has incidents enough to count."""
    return zoomwijck(residents=60).hierarchy


def hierarchy_or_builtin(path: str | None) -> Hierarchy:
    return builtin() if path is None else load_hierarchy(path)


def melding_from(args: argparse.Namespace) -> Melding:
    return Melding(
        category=args.category,
        called_112=args.called_112,
        direction=args.direction,
        text=args.text,
        action="ik houd de straat in de gaten",
    )


def console_for(args: argparse.Namespace, file: Any = None) -> Console:
    plain = bool(getattr(args, "plain", False))
    if plain:
        file = _PlainFile(file if file is not None else sys.stdout)
    return Console(
        file=file,
        width=getattr(args, "width", None),
        no_color=plain or None,
        highlight=False,
        emoji=False,
        safe_box=plain,
    )


class LazyProgress:
    """A progress bar that appears only when a run takes more than a moment."""

    DELAY = 0.5  # seconds before the bar is worth showing

    def __init__(self, console: Console, label: str = "simulating") -> None:
        self.console = console
        self.label = label
        self.start = time.monotonic()
        self.progress: Progress | None = None
        self.task: Any = None

    def __enter__(self) -> LazyProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def update(self, fraction: float, detail: str | None = None) -> None:
        """Show ``fraction`` done (0 to 1), with ``detail`` beside the label if given."""
        if self.progress is None:
            if time.monotonic() - self.start < self.DELAY:
                return
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=1.0)
        label = self.label if detail is None else f"{self.label} {detail}"
        self.progress.update(self.task, completed=fraction, description=label)
