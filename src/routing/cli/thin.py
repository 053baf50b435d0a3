"""The command line's fast path: hand a command to a running ``buurtrouting serve``.

Starting Python and importing the engine takes most of a second; answering
a command in a process that holds the state file open takes milliseconds.
``buurtrouting serve`` (:mod:`routing.cli.resident`) keeps a state file
open and listens on a Unix socket beside it; every ``buurtrouting``
command first looks for that socket, and if a server of the same user
answers there, sends it the command line and prints what comes back. With
no server (or one that says the command is not for it: ``init``,
``simulate``, an interactive form, ``--at``), the command runs in its own
process as before. What a command does and prints is the same either way.

This module is imported on every start, so it uses the standard library
only and nothing of the engine.
"""

from __future__ import annotations

import json
import os
import socket
import sys

TYPE_CHECKING = False  # not typing's: see routing/__init__.py
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_STATE",
    "ENV_PREFIX",
    "EXIT_LOST",
    "EXIT_REFUSED",
    "EXIT_STATE",
    "FORWARDED_ENV",
    "PROTOCOL",
    "STATE_ENV",
    "default_state",
    "forward",
    "socket_path",
    "state_path",
]

#: Exit code: the process forbids it (a :class:`~routing.errors.Refused`; its reason is shown).
EXIT_REFUSED = 3
#: Exit code: the state file cannot be used (damaged, foreign, newer, not writable).
EXIT_STATE = 4
#: Exit code: the server stopped answering while it had the command; it may
#: or may not have been done (run it again with the same ``--key``).
EXIT_LOST = 5

#: The environment variable that names the state file when ``--state`` does not.
STATE_ENV = "BUURTROUTING_STATE"
#: The state file when neither ``--state`` nor :data:`STATE_ENV` names one.
DEFAULT_STATE = "buurt.db"
#: The version of the request and answer documents on the socket.
PROTOCOL = 1
#: The environment a command's output depends on, sent with it to the server:
#: these, and every variable whose name starts with :data:`ENV_PREFIX`.
FORWARDED_ENV = (
    "NO_COLOR",
    "FORCE_COLOR",
    "TERM",
    "COLORTERM",
    "COLUMNS",
    "LINES",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
)
ENV_PREFIX = "BUURTROUTING_"
#: The longest socket path the platform takes (``sun_path`` is 108 bytes on Linux).
_MAX_SOCKET = 100
#: A request larger than this is not a command line.
MAX_REQUEST = 1 << 20


def default_state(env: Mapping[str, str]) -> str:
    """The state file when ``--state`` names none: :data:`STATE_ENV`, else
    :data:`DEFAULT_STATE`."""
    return env.get(STATE_ENV) or DEFAULT_STATE


def state_path(argv: list[str], env: Mapping[str, str]) -> str:
    """The state file a command line names: ``--state``, else :data:`STATE_ENV`,
    else :data:`DEFAULT_STATE`. The parser decides in the end; this only
    finds the socket to ask."""
    found: str | None = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--state" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--state="):
            found = arg[len("--state=") :]
    return default_state(env) if found is None else found


def socket_path(state: str) -> str:
    """Where the server of the state file ``state`` listens.

    Beside the file (``buurt.db.sock``) when that path is short enough for
    a Unix socket, else in a private folder of this user's under the
    temporary directory, named by a hash of the file's real path.
    """
    real = os.path.realpath(state)
    beside = real + ".sock"
    if len(beside.encode()) <= _MAX_SOCKET:
        return beside
    import hashlib  # OpenSSL loads slowly; few paths are this long

    tmp = os.environ.get("TMPDIR") or "/tmp"
    digest = hashlib.sha256(real.encode()).hexdigest()[:32]
    return os.path.join(tmp, f"buurtrouting-{os.getuid()}", f"{digest}.sock")


def _ours(path: str) -> bool:
    """A socket of this user's: another user's could be a trap for commands."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    import stat

    return stat.S_ISSOCK(st.st_mode) and st.st_uid == os.getuid()


def _columns() -> int | None:
    """The terminal's width as rich finds it: the first of stdin, stdout and
    stderr that is a terminal."""
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns
        except (OSError, ValueError):
            continue
    return None


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def forward(argv: list[str]) -> int | None:
    """Run ``argv`` on the server of its state file; the exit code, or ``None``
    when no server takes it (then the caller runs it in this process)."""
    unix = hasattr(socket, "AF_UNIX") and hasattr(os, "getuid")  # not on Windows
    if not unix or not argv or argv[0].startswith("-"):
        return None
    path = socket_path(state_path(argv, os.environ))
    if not _ours(path):
        return None
    request = {
        "protocol": PROTOCOL,
        "argv": argv,
        "cwd": os.getcwd(),
        "env": {
            k: v for k, v in os.environ.items() if k in FORWARDED_ENV or k.startswith(ENV_PREFIX)
        },
        "stdout_tty": _isatty(sys.stdout),
        "stdin_tty": _isatty(sys.stdin),
        "columns": _columns(),
    }
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(2.0)
        try:
            conn.connect(path)
        except OSError:
            return None  # a socket left by a server that is gone
        conn.sendall(json.dumps(request).encode() + b"\n")
        conn.settimeout(None)  # a command takes as long as it takes
        chunks = []
        while True:
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    except KeyboardInterrupt:
        # The server finishes the command or refuses it whole; either way it
        # is not half done, but this process cannot tell which.
        print("buurtrouting: interrupted (the server may still have done it)", file=sys.stderr)
        return 130
    finally:
        conn.close()
    try:
        answer = json.loads(b"".join(chunks))
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        print(
            f"buurtrouting: the server at {path} stopped answering; the command may or may "
            "not have been done: run it again with the same --key",
            file=sys.stderr,
        )
        return EXIT_LOST
    if answer.get("fallback"):
        return None
    sys.stdout.write(str(answer.get("out", "")))
    sys.stdout.flush()
    sys.stderr.write(str(answer.get("err", "")))
    code = answer.get("code", 1)
    return code if isinstance(code, int) else 1
