"""``buurtrouting serve``: hold a state file open, answer commands, apply deadlines.

A command run on its own starts Python, imports the engine and opens the
journal (most of a second on a town's year); a server does that once. It
listens on a Unix socket beside the state file (:func:`routing.cli.thin.socket_path`,
readable by its own user only) and answers each command line sent there
(:func:`routing.cli.thin.forward`) by running it in this process, on the
runtime it holds, one at a time, with the caller's working folder,
terminal width and colour settings; it prints nothing of its own work to
the caller but the command's output. Between commands it applies
deadlines as they fall due, so unanswered questions pass on without a
``tick`` from cron.

Commands it does not take (``init``, ``simulate``, another state file,
``--at``, an interactive ``report`` form) get "not here", and run in the
caller's process; other processes may write the same file meanwhile (a
command run without the server, a bridge): the server reads their events
before each command. SIGTERM or Ctrl-C stop it after the command in hand.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import socket
import stat
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import Any, Protocol

from rich.console import Console

from routing.runtime import MAX_NAP, Runtime, SystemClock

from .common import Handler, Parser, UsageError, output_parent
from .lines import describe, views
from .operate import RESIDENT, NeedsTerminal, OnState
from .thin import ENV_PREFIX, FORWARDED_ENV, MAX_REQUEST, PROTOCOL, default_state, socket_path

__all__ = ["Server", "register"]


class CommandLine(Protocol):
    """The command line a server runs commands on (:mod:`routing.cli.app`,
    which registers ``serve`` and hands itself in)."""

    def parser(self) -> tuple[Parser, dict[str, Handler]]: ...

    def run(
        self,
        argv: Sequence[str] | None = None,
        *,
        gate: Callable[[argparse.Namespace, Handler], None] | None = None,
        parsers: tuple[Parser, dict[str, Handler]] | None = None,
    ) -> int: ...


def register(sub: Any, line: CommandLine) -> dict[str, Handler]:
    """Add ``serve`` to the subparsers ``sub``; it runs commands on ``line``."""
    about = "keep the state file open: answer commands in milliseconds, apply deadlines on time"
    p = sub.add_parser("serve", parents=[output_parent()], help=about, description=about)
    p.add_argument(
        "--state",
        default=default_state(os.environ),
        help="the state file (also: BUURTROUTING_STATE)",
    )
    p.add_argument("--quiet", action="store_true", help="no line per command answered")
    p.add_argument(
        "--max-commands",
        type=int,
        default=None,
        help="stop after answering this many (for tests and benchmarks)",
    )
    return {"serve": lambda args, out: _serve(args, out, line)}


class _Fallback(Exception):
    """Not for this server: the caller runs the command itself."""


class _Stop(BaseException):
    """SIGTERM or Ctrl-C while no command was in hand."""


class _Captured(io.StringIO):
    """What a command prints, with the caller's answer to "is this a terminal?"."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


class _NoInput(io.StringIO):
    """Stdin for a command answered here: the caller's "is it a terminal?",
    and nothing to read (a command that would ask gets :class:`NeedsTerminal`)."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def read(self, size: int | None = -1) -> str:
        raise NeedsTerminal("stdin")

    # typeshed gives StringIO both _IOBase's readline (bytes) and TextIOBase's (str).
    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        raise NeedsTerminal("stdin")


def _request(data: bytes) -> dict[str, Any]:
    """A request document, checked; :class:`_Fallback` for anything else."""
    try:
        req = json.loads(data)
    except ValueError:
        raise _Fallback("not JSON") from None
    if not isinstance(req, dict) or req.get("protocol") != PROTOCOL:
        raise _Fallback("another protocol")
    argv, env, cwd = req.get("argv"), req.get("env"), req.get("cwd")
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)):
        raise _Fallback("argv")
    if not (isinstance(env, dict) and all(isinstance(v, str) for v in env.values())):
        raise _Fallback("env")
    if not isinstance(cwd, str):
        raise _Fallback("cwd")
    columns = req.get("columns")
    return {
        "argv": argv,
        "env": {str(k): v for k, v in env.items()},
        "cwd": cwd,
        "stdout_tty": req.get("stdout_tty") is True,
        "stdin_tty": req.get("stdin_tty") is True,
        "columns": columns if isinstance(columns, int) and columns > 0 else None,
    }


@contextlib.contextmanager
def _environment(env: dict[str, str], columns: int | None) -> Iterator[None]:
    """The caller's variables that output depends on, for the command's time."""
    names = set(FORWARDED_ENV) | {k for k in (*os.environ, *env) if k.startswith(ENV_PREFIX)}
    wanted = {k: v for k, v in env.items() if k in names}
    if not wanted.get("COLUMNS", "").isdigit():
        # rich reads COLUMNS before the size of a terminal: give it the caller's.
        wanted["COLUMNS"] = str(columns or 80)
    saved = {k: os.environ.get(k) for k in names | {"COLUMNS"}}
    try:
        for k in saved:
            if k in wanted:
                os.environ[k] = wanted[k]
            else:
                os.environ.pop(k, None)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Server:
    """A state file held open, answering the commands sent to its socket."""

    def __init__(self, runtime: Runtime, path: str, log: Console | None, line: CommandLine) -> None:
        self.runtime = runtime
        self.line = line
        self.path = path
        self.state = os.path.realpath(runtime.journal.path)
        self.log = log
        self.answered = 0
        self.stopping = False
        self.busy = False
        self.command = ""
        self._parsers: dict[tuple[tuple[str, str], ...], tuple[Parser, dict[str, Handler]]] = {}

    # ------------------------------------------------------------ one command

    def parsers(self) -> tuple[Parser, dict[str, Handler]]:
        """The command line's parser, built once for each set of our variables
        (their values are defaults in it, such as ``--state``'s)."""
        key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX)))
        built = self._parsers.get(key)
        if built is None:
            if len(self._parsers) >= 8:
                self._parsers.clear()
            built = self._parsers[key] = self.line.parser()
        return built

    def gate(self, args: argparse.Namespace, handler: Handler) -> None:
        """Take only commands on this state file, at the real time."""
        if not isinstance(handler, OnState):
            raise _Fallback(args.command)
        if getattr(args, "at", None) is not None:
            raise _Fallback("--at")
        if os.path.realpath(args.state) != self.state:
            raise _Fallback("another state file")

    def answer(self, data: bytes) -> dict[str, Any]:
        """The answer document to one request."""
        try:
            req = _request(data)
        except _Fallback:
            return {"fallback": True}
        self.command = " ".join(req["argv"][:1])
        out, err = _Captured(req["stdout_tty"]), _Captured(False)
        saved_stdin, saved_cwd = sys.stdin, os.getcwd()
        token = RESIDENT.set(self.runtime)
        try:
            os.chdir(req["cwd"])
            sys.stdin = _NoInput(req["stdin_tty"])
            with (
                _environment(req["env"], req["columns"]),
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
            ):
                try:
                    code = self.line.run(req["argv"], gate=self.gate, parsers=self.parsers())
                except SystemExit as e:  # --help
                    code = e.code if isinstance(e.code, int) else 0
        except (_Fallback, NeedsTerminal, OSError):
            return {"fallback": True}
        except Exception:
            # A defect, not the caller's fault: say so there, and keep serving.
            code = 1
            err.write(traceback.format_exc())
        finally:
            RESIDENT.reset(token)
            sys.stdin = saved_stdin
            os.chdir(saved_cwd)
        return {"code": code, "out": out.getvalue(), "err": err.getvalue()}

    def handle(self, conn: socket.socket) -> None:
        started = time.perf_counter()
        conn.settimeout(5.0)
        data = b""
        try:
            while not data.endswith(b"\n") and len(data) <= MAX_REQUEST:
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
        except OSError:
            return
        if not data:
            return  # a probe: someone checking that a server answers here
        self.command = ""
        answer = self.answer(data)
        # If the caller went away, the command itself is still done or refused whole.
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(answer, ensure_ascii=False).encode())
        self.answered += 1
        if self.log is not None:
            took = (time.perf_counter() - started) * 1000
            what = "not here" if answer.get("fallback") else f"exit {answer['code']}"
            self.log.print(f"{self.command or '?'}: {what} in {took:.1f} ms", markup=False)

    # ------------------------------------------------------------ the loop

    def tick(self) -> None:
        rt = self.runtime
        rt.refresh()
        if rt.due():
            outputs = rt.tick()
            if self.log is not None:
                for o in outputs:
                    for line in describe(o, rt.hierarchy):
                        self.log.print(f"deadline: {line}", markup=False)

    def nap(self) -> float:
        """Seconds until the next deadline, at most :data:`MAX_NAP`."""
        rt = self.runtime
        when = rt.next_deadline()
        if when is None:
            return MAX_NAP
        return max(0.0, min(MAX_NAP, when - rt.now()))

    def serve(self, listener: socket.socket, limit: int | None = None) -> None:
        while not self.stopping and (limit is None or self.answered < limit):
            self.tick()
            listener.settimeout(max(0.05, self.nap()))
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            self.busy = True
            try:
                with conn:
                    self.handle(conn)
            finally:
                self.busy = False


@contextlib.contextmanager
def _listening(path: str) -> Iterator[socket.socket]:
    """A Unix socket at ``path`` that only this user can reach; removed after."""
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=0o700)
    if os.path.lexists(path):
        st = os.lstat(path)
        if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid():
            raise UsageError(f"{path} is in the way, and is no socket of yours")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # left by a server that is gone
        else:
            raise UsageError(f"a server already answers at {path}")
        finally:
            probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(mask)
    mine = os.stat(path).st_ino
    try:
        listener.listen(16)
        yield listener
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == mine:
                os.unlink(path)


def _serve(args: argparse.Namespace, out: Console, line: CommandLine) -> int:
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "getuid"):
        raise UsageError("serve needs Unix sockets, which this platform lacks")
    path = args.state
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise UsageError(f"no state file {path!r}: make one with 'buurtrouting init FILE.toml'")
    where = socket_path(path)
    with Runtime.open(path, clock=SystemClock()) as rt, _listening(where) as listener:
        server = Server(rt, path, None if args.quiet else out, line)
        server.parsers()  # built now, not while the first caller waits

        def stop(signum: int, frame: FrameType | None) -> None:
            server.stopping = True
            if not server.busy:
                raise _Stop

        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        open_ = sum(1 for _ in views(rt.relay))
        out.print(
            f"serving {path} ({len(rt.hierarchy)} members, {open_} open incidents) at {where}; "
            "Ctrl-C stops",
            markup=False,
        )
        try:
            server.serve(listener, args.max_commands)
        except _Stop:
            pass
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        out.print(f"stopped after {server.answered} commands", markup=False)
    return 0
