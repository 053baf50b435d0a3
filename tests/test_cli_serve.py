"""``buurtrouting serve`` and the command line's fast path to it.

In process: a :class:`~routing.cli.resident.Server` answers a request with
exactly what the command prints in its own process (a Hypothesis property
over command lines), refuses what it does not serve, and applies
deadlines. As processes: a real server on a real socket, the installed
command talking to it, a stale socket, a second server, SIGTERM.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.cli import app
from routing.cli.resident import Server
from routing.cli.thin import (
    DEFAULT_STATE,
    PROTOCOL,
    STATE_ENV,
    socket_path,
    state_path,
)
from routing.persist.journal import Journal
from routing.runtime import FakeClock, Runtime

FASE2 = str(Path(__file__).resolve().parent.parent / "examples" / "zoomwijck-fase2.toml")
T0 = "1796300000"
posix = pytest.mark.skipif(os.name != "posix", reason="Unix sockets")


# ------------------------------------------------------------------ finding the server


def test_the_state_file_is_found_as_the_parser_finds_it() -> None:
    assert state_path(["tasks", "--as", "x", "--state", "a.db"], {}) == "a.db"
    assert state_path(["tasks", "--state=b.db"], {STATE_ENV: "env.db"}) == "b.db"
    assert state_path(["tasks"], {STATE_ENV: "env.db"}) == "env.db"
    assert state_path(["tasks"], {}) == DEFAULT_STATE
    assert state_path(["react", "I1", "--", "--state", "x"], {}) == DEFAULT_STATE


def test_the_socket_sits_beside_the_file_or_in_a_private_folder(tmp_path: Path) -> None:
    short = tmp_path / "b.db"
    assert socket_path(str(short)) == os.path.realpath(short) + ".sock"
    deep = tmp_path / ("x" * 120) / "b.db"
    far = socket_path(str(deep))
    assert len(far.encode()) <= 100
    assert f"buurtrouting-{os.getuid()}" in far
    assert far == socket_path(str(deep))  # the same file, the same socket


# ------------------------------------------------------------------ in process


def request(state: str | None, *argv: str, tty: bool = False, columns: int | None = 100) -> bytes:
    doc = {
        "protocol": PROTOCOL,
        "argv": [*argv] if state is None else [*argv, "--state", state],
        "cwd": os.getcwd(),
        "env": {"NO_COLOR": "1"},
        "stdout_tty": tty,
        "stdin_tty": tty,
        "columns": columns,
    }
    return json.dumps(doc).encode() + b"\n"


def own_process(*argv: str) -> dict[str, Any]:
    """What the command prints in this process, as the server's answer has it."""
    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = _local(list(argv))
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


def _local(argv: list[str]) -> int:
    return app.run(argv)


@pytest.fixture
def evening(tmp_path: Path) -> Iterator[tuple[str, Server]]:
    """A state file with a report in it, and a server over it (in this process)."""
    state = str(tmp_path / "buurt.db")
    assert _local(["init", FASE2, "--state", state, "--at", T0]) == 0
    code = _local(
        ["report", "--as", "Farid el Amrani", "--category", "inbraak", "--called-112",
         "--state", state, "--at", T0]
    )  # fmt: skip
    assert code == 0
    with Runtime.open(state, clock=FakeClock(float(T0) + 60)) as rt:
        yield state, Server(rt, state, None, app)


READING = [
    ["incidents"],
    ["incidents", "--all", "--json"],
    ["tasks", "--as", "Farid el Amrani"],
    ["tasks", "--as", "Anna de Wit", "--json"],
    ["tasks", "--as", "Anna de Wit", "--plain", "--width", "50"],
    ["tasks", "--as", "Farid"],  # did you mean
    ["tasks", "--as", "Nobody Here"],
    ["audit", "I1"],
    ["audit", "I1", "--json"],
    ["audit", "I9"],
    ["incidents", "--width", "0"],
    ["tasks"],
    ["incidents", "--lang", "nl"],
    ["tasks", "--as", "Anna de Wit", "--lang", "nl"],
    ["audit", "I1", "--lang", "nl"],
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(argv=st.sampled_from(READING))
def test_a_served_command_prints_what_it_prints_in_its_own_process(
    evening: tuple[str, Server], argv: list[str]
) -> None:
    state, server = evening
    answer = server.answer(request(state, *argv))
    assert answer == own_process(*argv, "--state", state)


def test_the_callers_language_variable_reaches_the_server(
    evening: tuple[str, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, server = evening
    doc = json.loads(request(state, "incidents"))
    doc["env"]["BUURTROUTING_LANG"] = "nl"
    served = server.answer(json.dumps(doc).encode() + b"\n")
    assert "Open incidenten" in served["out"] or "open incidenten" in served["out"]
    monkeypatch.setenv("BUURTROUTING_LANG", "nl")
    assert served == own_process("incidents", "--state", state)
    monkeypatch.delenv("BUURTROUTING_LANG")
    english = server.answer(request(state, "incidents"))  # not the parser built for nl
    assert english == own_process("incidents", "--state", state)
    assert english["out"] != served["out"]


def test_a_served_change_is_journaled_and_read_by_the_next_command(
    evening: tuple[str, Server],
) -> None:
    state, server = evening
    answer = server.answer(request(state, "confirm", "1", "--key", "k1"))
    assert answer["code"] == 0, answer
    again = server.answer(request(state, "confirm", "1", "--key", "k1", "--json"))
    assert json.loads(again["out"])["duplicate"] is True
    tasks = server.answer(request(state, "tasks", "--as", "Farid el Amrani", "--json"))
    assert json.loads(tasks["out"])["deliveries"] == []


def test_a_refused_command_gets_its_exit_code_and_one_line(evening: tuple[str, Server]) -> None:
    state, server = evening
    answer = server.answer(
        request(state, "afloop", "I1", "klaar", "--as", "#7")
    )  # not the casushouder
    assert answer["code"] == 3
    assert answer["out"] == ""
    assert answer["err"].count("\n") == 1
    assert "refused" in answer["err"]


@pytest.mark.parametrize(
    "argv",
    [
        ["show", FASE2],
        ["init", FASE2],
        ["incidents", "--at", T0],
        ["report", "--as", "Farid el Amrani"],  # the form, at a terminal
        ["report", "--as", "Farid el Amrani", "--form"],
    ],
    ids=["not-a-state-command", "init", "at", "form-at-a-terminal", "form"],
)
def test_what_the_server_does_not_serve_runs_in_the_callers_process(
    evening: tuple[str, Server], argv: list[str]
) -> None:
    state, server = evening
    seq = server.runtime.journal.seq
    on = None if argv[0] == "show" else state
    assert server.answer(request(on, *argv, tty=True)) == {"fallback": True}
    assert server.runtime.journal.seq == seq


def test_another_state_file_and_bad_requests_are_not_served(
    evening: tuple[str, Server], tmp_path: Path
) -> None:
    state, server = evening
    other = tmp_path / "other.db"
    shutil.copy(state, other)
    assert server.answer(request(str(other), "incidents")) == {"fallback": True}
    for bad in (b"", b"not json\n", b"[1]\n", b'{"protocol": 99}\n', b'{"protocol": 1}\n'):
        assert server.answer(bad) == {"fallback": True}


def test_the_server_applies_deadlines_as_they_fall_due(evening: tuple[str, Server]) -> None:
    _state, server = evening
    rt = server.runtime
    assert rt.relay.pending()
    when = rt.next_deadline()
    assert when is not None
    assert server.nap() > 0
    assert isinstance(rt.clock, FakeClock)
    rt.clock.set(when + 1)
    seq = rt.journal.seq
    server.tick()
    assert rt.journal.seq == seq + 1  # one Tick
    assert server.nap() >= 0


def test_the_server_reads_what_a_command_in_its_own_process_wrote(
    evening: tuple[str, Server],
) -> None:
    state, server = evening
    code = _local(["confirm", "1", "--state", state, "--at", T0])
    assert code == 0
    answer = server.answer(request(state, "tasks", "--as", "Farid el Amrani", "--json"))
    assert json.loads(answer["out"])["deliveries"] == []


# ------------------------------------------------------------------ as processes


def command() -> list[str]:
    script = Path(sys.executable).with_name("buurtrouting")
    return [str(script)] if script.exists() else [sys.executable, "-m", "routing"]


def answers(where: str) -> bool:
    """A server listens at ``where`` (a socket file may outlive its server)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(where)
    except OSError:
        return False
    finally:
        probe.close()
    return True


class Running:
    """``buurtrouting serve`` in a child process, until stopped."""

    def __init__(self, state: str, env: dict[str, str]) -> None:
        self.state, self.env = state, env
        self.where = socket_path(state)
        self.proc = subprocess.Popen(
            [*command(), "serve", "--state", state],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not answers(self.where):
            if self.proc.poll() is not None:
                raise AssertionError(self.proc.communicate()[0])
            assert time.monotonic() < deadline, "no socket"
            time.sleep(0.02)

    def stop(self, sig: int = signal.SIGTERM) -> str:
        self.proc.send_signal(sig)
        out, _ = self.proc.communicate(timeout=60)
        return out


def cli(env: dict[str, str], *argv: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*command(), *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == code, (argv, done.stdout, done.stderr)
    return done


@posix
def test_a_real_server_answers_the_installed_command(tmp_path: Path) -> None:
    state = str(tmp_path / "buurt.db")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", STATE_ENV: state}
    cli(env, "init", FASE2)
    cold = cli(env, "incidents", "--json").stdout
    server = Running(state, env)
    try:
        mode = os.stat(server.where).st_mode
        assert stat.S_ISSOCK(mode)
        assert stat.S_IMODE(mode) == 0o600
        report = cli(
            env, "report", "--as", "Farid el Amrani", "--category", "inbraak", "--called-112"
        )
        assert "I1: incident opened" in report.stdout
        assert json.loads(cli(env, "incidents", "--json").stdout)["incidents"][0]["incident"] == (
            "I1"
        )
        assert cold != cli(env, "incidents", "--json").stdout
        bad = cli(env, "tasks", "--as", "Fariid el Amrani", code=2)
        assert "did you mean" in bad.stderr
        assert bad.stderr.count("\n") == 1
        assert "92 members" in cli(env, "show", FASE2).stdout  # not served: run here
        second = cli(env, "serve", code=2)
        assert "already answers" in second.stderr
    finally:
        log = server.stop()
    assert server.proc.returncode == 0
    assert not os.path.exists(server.where)  # removed on the way out
    assert "report: exit 0" in log
    assert "tasks: exit 2" in log
    assert "show: not here" in log
    assert "stopped after" in log


@posix
def test_a_killed_servers_socket_is_passed_by_and_replaced(tmp_path: Path) -> None:
    state = str(tmp_path / "buurt.db")
    env = {**os.environ, "NO_COLOR": "1", STATE_ENV: state}
    cli(env, "init", FASE2)
    server = Running(state, env)
    server.stop(signal.SIGKILL)
    assert os.path.exists(server.where)  # left behind
    assert "open incidents" in cli(env, "incidents").stdout  # runs in its own process
    again = Running(state, env)  # takes the dead socket's place
    try:
        assert "open incidents" in cli(env, "incidents").stdout
    finally:
        log = again.stop()
    assert "incidents: exit 0" in log


_WORDS = st.sampled_from(
    ["I1", "I9", "#0", "#4", "#999", "Anna de Wit", "yes", "no", "1", "7", "-1",
     "Wijkgroep Vlinderbuurt", "--as", "--to", "--reason", "--key", "k", "--category",
     "inbraak", "--called-112", "--group", ""]
)  # fmt: skip
_COMMANDS = st.sampled_from(
    ["report", "react", "confirm", "fail", "decide", "forward", "screen", "afloop", "leave"]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(command=_COMMANDS, words=st.lists(_WORDS, max_size=6))
def test_bad_input_to_a_server_changes_neither_the_file_nor_the_servers_state(
    evening: tuple[str, Server], command: str, words: list[str]
) -> None:
    state, server = evening
    journal = server.runtime.journal
    seq, held = journal.seq, journal.export_state()
    answer = server.answer(request(state, command, *words))
    if answer.get("fallback"):
        assert command == "report"  # the form, which only a terminal can fill in
        return
    assert answer["code"] in (0, 2, 3), answer
    with Journal.open(state) as fresh:
        on_file = fresh.export_state()
    assert journal.export_state() == on_file  # the server holds what the file holds
    if answer["code"] != 0:
        assert (journal.seq, on_file) == (seq, held)
