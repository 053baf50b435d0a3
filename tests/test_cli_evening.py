"""An evening in the Zoomwijck, run as a person runs it: the installed
``buurtrouting`` command, one process per command, against one state file,
with processes killed (SIGKILL) in the middle of commands along the way.

The evening (phase 2, examples/zoomwijck-fase2.toml): Farid reports a
break-in in the Vlinderbuurt; Anna of the stuurgroep forwards it to the
Bomenbuurt on her own decision, which settles the siblings question; Bram
answers the regiegroep question yes; everyone pastes their tasks and
confirms them; Farid posts the afloop, which must reach exactly the groups
the melding reached, each once. Every changing command carries an intake key
(``--key``), so running it again after a kill makes no second command.

The evening runs twice: each command in its own process, and with
``buurtrouting serve`` holding the file open and answering the commands,
where the server itself is SIGKILLed in the middle of the afloop and
started again.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from routing.cli.thin import socket_path
from routing.engine.commands import Confirm
from routing.persist.journal import Journal

FASE2 = str(Path(__file__).resolve().parent.parent / "examples" / "zoomwijck-fase2.toml")
VLINDER, BOMEN, REGIE = "Wijkgroep Vlinderbuurt", "Wijkgroep Bomenbuurt", "Regiegroep Zoomwijck"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


def command() -> list[str]:
    """The installed console script, else the module (an uninstalled checkout)."""
    script = Path(sys.executable).with_name("buurtrouting")
    return [str(script)] if script.exists() else [sys.executable, "-m", "routing"]


def answers(where: str) -> bool:
    """A server listens at ``where`` (a killed one leaves its socket file)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(where)
    except OSError:
        return False
    finally:
        probe.close()
    return True


class Evening:
    def __init__(self, tmp: Path, served: bool = False) -> None:
        self.state = str(tmp / "buurt.db")
        self.env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
        self.kills = 0
        self.typical = 1.0
        self.reruns: list[bool] = []  # per killed command: was it already done?
        self.served = served
        self.server: subprocess.Popen[str] | None = None
        self.log = tmp / "serve.log"
        self.kill_server_next = False

    def start_server(self) -> None:
        """``buurtrouting serve`` on the state file, until its socket is there."""
        where = socket_path(self.state)
        with self.log.open("a") as log:
            self.server = subprocess.Popen(
                [*command(), "serve", "--state", self.state], stdout=log, stderr=log,
                env=self.env, text=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while not answers(where):
            assert self.server.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.terminate()
            assert self.server.wait(timeout=60) == 0, self.log.read_text()
            self.server = None

    def argv(self, *args: str) -> list[str]:
        return [*command(), *args, "--state", self.state]

    def run(self, *args: str, code: int = 0) -> str:
        done = subprocess.run(
            self.argv(*args), capture_output=True, text=True, env=self.env, timeout=120,
            check=False,
        )  # fmt: skip
        assert done.returncode == code, (args, done.stdout, done.stderr)
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))

    def measure(self) -> None:
        """How long a reading command takes here, start to end: the scale of the kills."""
        start = time.monotonic()
        self.run("incidents")
        self.typical = time.monotonic() - start

    def killed(self, *args: str, after: float) -> None:
        """Start a command, SIGKILL it ``after`` of a typical command's time in
        (so late in its run: opening the journal or writing), then run it again."""
        after *= self.typical
        proc = subprocess.Popen(
            self.argv(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env
        )
        time.sleep(after)
        server = self.server if self.kill_server_next else None
        victim = proc if server is None else server
        if victim.poll() is None:
            victim.send_signal(signal.SIGKILL)
            self.kills += 1
        if server is not None:
            # The command ran here or there, or not at all; the rerun below
            # finds the server's socket dead and runs in its own process.
            server.wait(timeout=60)
            self.server, self.kill_server_next = None, False
        proc.wait(timeout=60)
        out = json.loads(self.run(*args, "--json"))  # the same key: done once, whatever happened
        if server is not None:
            self.start_server()
        assert out["schema"].startswith("routing.cli.")
        self.reruns.append(out["duplicate"])

    def tasks(self, who: str) -> list[dict[str, Any]]:
        data = self.json("tasks", "--as", who)
        assert data["schema"] == "routing.cli.tasks/1"
        return list(data["deliveries"])


@pytest.mark.parametrize("served", [False, True], ids=["own-process", "served"])
def test_an_evening_in_the_zoomwijck_survives_kills_and_delivers_each_thing_once(
    tmp_path: Path, served: bool
) -> None:
    ev = Evening(tmp_path, served)
    assert "92 members" in ev.run("init", FASE2)
    try:
        if served:
            ev.start_server()
        the_evening(ev)
    finally:
        ev.stop_server()
    if served:
        log = ev.log.read_text()
        assert log.count("exit 0 in") >= 20, log  # the commands were answered by a server
        assert log.count("serving ") == 2  # the one killed in the middle, and its successor


def the_evening(ev: Evening) -> None:
    ev.measure()

    # Farid reports; the command is killed once on the way.
    ev.killed(
        "report", "--as", "Farid el Amrani", "--category", "inbraak", "--called-112",
        "--person", "sex=man,age=30,clothing=donkere jas", "--direction", "richting park",
        "--action", "ik blijf kijken", "--key", "report-1", after=0.9,
    )  # fmt: skip
    assert [i["incident"] for i in ev.json("incidents")["incidents"]] == ["I1"]
    (own,) = ev.tasks("Farid el Amrani")
    assert own["group"] == VLINDER
    ev.run("confirm", str(own["delivery"]), "--key", "confirm-own")

    anna = ev.tasks("Anna de Wit")
    assert anna == []  # nothing to paste yet: the stuurgroep is asked first
    questions = ev.json("tasks", "--as", "Anna de Wit")["questions"]
    steps = {q["step"]: q for q in questions}
    assert set(steps) == {"siblings", "to regiegroep"}

    # Anna forwards to one sibling on her own decision; that settles the siblings question.
    ev.killed(
        "forward", "I1", "--to", BOMEN, "--as", "Anna de Wit", "--reason", "zelfde straat",
        "--key", "forward-bomen", after=1.0,
    )  # fmt: skip
    questions = ev.json("tasks", "--as", "Bram Jansen")["questions"]
    assert [q["step"] for q in questions] == ["to regiegroep"]
    ev.run("decide", str(questions[0]["id"]), "yes", "--as", "Bram Jansen", "--key", "decide-r")

    # Each forwarder's tasks, confirmed; one confirmation killed in the middle.
    (to_bomen,) = ev.tasks("Anna de Wit")
    (to_regie,) = ev.tasks("Bram Jansen")
    assert (to_bomen["group"], to_regie["group"]) == (BOMEN, REGIE)
    assert "Doorgestuurd uit Wijkgroep Vlinderbuurt" in to_bomen["text"]
    ev.killed("confirm", str(to_bomen["delivery"]), "--key", "c-bomen", after=0.85)
    ev.run("confirm", str(to_regie["delivery"]), "--key", "c-regie")

    # The afloop, killed once (the server, if one answers), then everyone's closing tasks.
    ev.kill_server_next = ev.served
    ev.killed(
        "afloop", "I1", "De man is aangehouden. Dank voor het meekijken.",
        "--as", "Farid el Amrani", "--key", "afloop", after=1.1,
    )  # fmt: skip
    for who in ("Farid el Amrani", "Anna de Wit", "Bram Jansen"):
        for task in ev.tasks(who):
            ev.killed("confirm", str(task["delivery"]), "--key", f"c{task['delivery']}", after=0.9)
    assert ev.json("incidents")["incidents"] == []

    audit = ev.json("audit", "I1")
    assert audit["schema"] == "routing.cli.audit/2"
    assert set(audit["reached"]) == {VLINDER, BOMEN, REGIE}
    by_kind = Counter((d["kind"], d["group"]) for d in audit["deliveries"])
    assert by_kind == Counter(
        {(kind, g): 1 for kind in ("melding", "afloop") for g in (VLINDER, BOMEN, REGIE)}
    )
    assert {d["status"] for d in audit["deliveries"]} == {"confirmed"}
    forwarded = next(
        d for d in audit["deliveries"] if d["group"] == BOMEN and d["kind"] == "melding"
    )
    assert forwarded["route"][-1]["decision"]["reason"] == "zelfde straat"

    # Nothing twice in the journal either: one report, one confirmation per delivery.
    with Journal.open(ev.state) as j:
        events = [e for _, e in j.events()]
        confirms = Counter(e.delivery for e in events if isinstance(e, Confirm))
        assert set(confirms.values()) == {1}
        assert len(confirms) == len(audit["deliveries"])
        assert sum(type(e).__name__ == "Report" for e in events) == 1
    assert ev.kills >= 1  # at least one command really was killed on the way
