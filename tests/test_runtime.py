"""The runtime (routing.runtime): journal, clock, deadline loop, intake keys,
outbox, accounts and posts, on a real SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.melding import Melding
from routing.engine.commands import Decide, Report, Tick
from routing.engine.outputs import CasushouderChanged, DecisionMade, Deliveries, PendingDecision
from routing.errors import (
    DuplicateIntakeError,
    InvalidValueError,
    RoutingError,
    UnknownMemberError,
)
from routing.hierarchy.changes import Leave
from routing.hierarchy.config import load_hierarchy
from routing.model import Hierarchy
from routing.persist.journal import Journal
from routing.runtime import FakeClock, Runtime, Submitted, SystemClock

FASE2 = Path(__file__).resolve().parent.parent / "examples" / "zoomwijck-fase2.toml"
WIJK = "Wijkgroep Vlinderbuurt"
START = 1_700_000_000.0
MELDING = Melding(
    category="inbraak",
    called_112=True,
    direction="richting park",
    text="Man klimt over een schutting",
    action="ik houd de straat in de gaten",
)


@pytest.fixture
def town() -> Hierarchy:
    return load_hierarchy(FASE2)


def residents(town: Hierarchy) -> list[int]:
    """Residents of WIJK who sit in no stuurgroep (they may leave at once)."""
    return [m for m in town.residents(WIJK) if town.stuurgroep_membership(m) is None]


def report(rt: Runtime, reporter: int, key: str | None = None) -> Submitted:
    return rt.submit(lambda at: Report(at=at, reporter=reporter, melding=MELDING), key=key)


def test_a_new_file_needs_a_hierarchy(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="hierarchy"):
        Runtime.open(tmp_path / "j.db")
    assert not (tmp_path / "j.db").exists()


def test_a_report_opens_an_incident_and_its_tasks_wait_in_the_outbox(
    tmp_path: Path, town: Hierarchy
) -> None:
    path = tmp_path / "j.db"
    reporter = residents(town)[0]
    with Runtime.open(path, hierarchy=town, clock=FakeClock(START)) as rt:
        done = rt.submit(lambda at: Report(at=at, reporter=reporter, melding=MELDING))
        assert done.seq == rt.journal.seq == 1
        assert done.at == START
        batches = [o for o in done.outputs if isinstance(o, Deliveries)]
        assert [b.groups for b in batches] == [(WIJK,)]
        (task,) = rt.outbox()
        assert task.group == WIJK
        assert rt.outbox(poster=task.poster) == (task,)
        assert rt.outbox(poster=None) == ()
    with Runtime.open(path, clock=FakeClock(START)) as rt:
        assert rt.outbox() == (task,)  # offered again after a restart
        rt.confirm(task.id, by=task.poster)
        assert rt.outbox() == ()
    with Runtime.open(path, clock=FakeClock(START)) as rt:
        assert rt.outbox() == ()


def test_the_same_intake_key_makes_one_command_also_after_a_restart(
    tmp_path: Path, town: Hierarchy
) -> None:
    path = tmp_path / "j.db"
    reporter = residents(town)[0]
    with Runtime.open(path, hierarchy=town, clock=FakeClock(START)) as rt:
        first = report(rt, reporter, key="chat:1")
        again = report(rt, reporter, key="chat:1")
        assert again.duplicate
        assert again.seq == first.seq
        assert again.outputs == ()
        assert rt.relay.incidents() == ("I1",)
    with Runtime.open(path, clock=FakeClock(START)) as rt:
        assert report(rt, reporter, key="chat:1").duplicate
        assert rt.relay.incidents() == ("I1",)
        assert rt.journal.seen("chat:1") == 1
        with pytest.raises(DuplicateIntakeError):  # the journal's own guard
            rt.journal.execute(Report(at=START, reporter=reporter, melding=MELDING), key="chat:1")
        assert rt.journal.seq == 1


def test_a_refused_command_keeps_no_intake_key(tmp_path: Path, town: Hierarchy) -> None:
    with Runtime.open(tmp_path / "j.db", hierarchy=town, clock=FakeClock(START)) as rt:
        with pytest.raises(RoutingError):
            rt.submit(lambda at: Report(at=at, reporter=99_999, melding=MELDING), key="chat:1")
        assert rt.journal.seen("chat:1") is None
        report(rt, residents(town)[0], key="chat:1")
        assert rt.journal.seen("chat:1") == 1


def test_now_never_runs_back_before_the_last_command(tmp_path: Path, town: Hierarchy) -> None:
    path = tmp_path / "j.db"
    with Runtime.open(path, hierarchy=town, clock=FakeClock(START)) as rt:
        report(rt, residents(town)[0])
    with Runtime.open(path, clock=FakeClock(START - 3600)) as rt:
        assert rt.now() == START
    with Runtime.open(path, clock=FakeClock(START + 5)) as rt:
        assert rt.now() == START + 5


def test_the_deadline_loop_applies_an_unanswered_question_once(
    tmp_path: Path, town: Hierarchy
) -> None:
    clock = FakeClock(START)
    with Runtime.open(tmp_path / "j.db", hierarchy=town, clock=clock) as rt:
        heard: list[object] = []
        rt.subscribe(heard.append)
        report(rt, residents(town)[0])
        deadline = rt.next_deadline()
        assert deadline is not None
        assert deadline > START
        assert rt.tick() == ()  # nothing due yet
        ticks = rt.serve(until=deadline + 1)
        assert ticks == 1
        assert clock.now() == deadline + 1
        assert not rt.relay.pending()
        made = [o for s in heard for o in s.outputs if isinstance(o, DecisionMade)]
        assert len(made) == 2


def test_the_asyncio_loop_wakes_for_a_submission_and_stops(tmp_path: Path, town: Hierarchy) -> None:
    clock = FakeClock(START)

    async def evening(rt: Runtime) -> int:
        stop = asyncio.Event()
        loop = asyncio.create_task(rt.run(stop))
        await asyncio.sleep(0)
        report(rt, residents(town)[0])  # sets a deadline; the loop wakes for it
        for _ in range(100):
            await asyncio.sleep(0)
            if not rt.relay.pending():
                break
        stop.set()
        return await asyncio.wait_for(loop, timeout=10)

    with Runtime.open(tmp_path / "j.db", hierarchy=town, clock=clock) as rt:
        ticks = asyncio.run(evening(rt))
        assert ticks == 1
        assert not rt.relay.pending()
        assert clock.now() >= START + 600


def test_a_change_is_followed_by_what_it_means_for_live_incidents(
    tmp_path: Path, town: Hierarchy
) -> None:
    reporter = residents(town)[0]
    with Runtime.open(tmp_path / "j.db", hierarchy=town, clock=FakeClock(START)) as rt:
        report(rt, reporter)
        done = rt.submit(Leave(member=reporter, by=reporter))
        changed = [o for o in done.outputs if isinstance(o, CasushouderChanged)]
        assert [(c.previous, c.wijkgroep) for c in changed] == [(reporter, WIJK)]


def test_a_decision_answered_through_the_runtime(tmp_path: Path, town: Hierarchy) -> None:
    with Runtime.open(tmp_path / "j.db", hierarchy=town, clock=FakeClock(START)) as rt:
        done = report(rt, residents(town)[0])
        pending = [o for o in done.outputs if isinstance(o, PendingDecision)]
        q = pending[0]
        by = min(rt.relay.duty(q.decider))
        answer = rt.submit(lambda at: Decide(at=at, by=by, decision=q.id, forward=True))
        groups = {g for o in answer.outputs if isinstance(o, Deliveries) for g in o.groups}
        assert groups == set(q.targets)
        assert {t.group for t in rt.outbox()} == {WIJK, *q.targets}


def test_erasing_a_member_drops_their_accounts_and_queues_their_posts(
    tmp_path: Path, town: Hierarchy
) -> None:
    path = tmp_path / "j.db"
    a, b = residents(town)[:2]
    with Runtime.open(path, hierarchy=town, clock=FakeClock(START)) as rt:
        rt.link("matrix", "@anna:buurt.nl", a)
        rt.link("matrix", "@bert:buurt.nl", b)
        rt.record_post("matrix", "$ev1", members=[a, b])
        rt.record_post("matrix", "$ev2", members=[b])
        assert rt.member_of("matrix", "@anna:buurt.nl") == a
        rt.erase(a, by=a)
        assert rt.member_of("matrix", "@anna:buurt.nl") is None
        assert rt.member_of("matrix", "@bert:buurt.nl") == b
        assert rt.redactions("matrix") == ("$ev1",)
    with Runtime.open(path, clock=FakeClock(START)) as rt:
        assert rt.redactions("matrix") == ("$ev1",)  # kept until the transport says so
        rt.redacted("matrix", "$ev1")
        assert rt.redactions("matrix") == ()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert "@anna" not in " ".join(str(r) for r in conn.execute("SELECT * FROM accounts"))


def test_an_account_names_a_member_of_the_hierarchy(tmp_path: Path, town: Hierarchy) -> None:
    with Runtime.open(tmp_path / "j.db", hierarchy=town, clock=FakeClock(START)) as rt:
        with pytest.raises(UnknownMemberError):
            rt.link("matrix", "@x:buurt.nl", 99_999)
        assert rt.accounts.accounts("matrix") == ()


@given(
    platform=st.one_of(st.text(max_size=5), st.integers(), st.none()),
    account=st.one_of(st.text(max_size=5), st.binary(max_size=3), st.none()),
    member=st.one_of(st.integers(-3, 3), st.text(max_size=2), st.booleans()),
)
def test_bad_account_input_is_refused_typed_and_changes_nothing(
    tmp_path_factory: pytest.TempPathFactory, platform: object, account: object, member: object
) -> None:
    path = tmp_path_factory.mktemp("acc") / "j.db"
    town = load_hierarchy(FASE2)
    with Runtime.open(path, hierarchy=town, clock=FakeClock(START)) as rt:
        before = rt.accounts.accounts(str(platform))
        try:
            rt.accounts.link(platform, account, member)  # type: ignore[arg-type]
        except RoutingError:
            assert rt.accounts.accounts(str(platform)) == before
        else:
            assert isinstance(platform, str)
            assert platform.strip()
            assert isinstance(account, str)
            assert account.strip()
            assert type(member) is int
            assert member >= 0
            assert rt.accounts.member(platform, account) == member


def test_a_schema_2_journal_is_upgraded_with_the_runtime_tables(
    tmp_path: Path, town: Hierarchy
) -> None:
    from test_privacy import as_schema_2

    path = tmp_path / "j.db"
    with Runtime.open(path, hierarchy=town, clock=FakeClock(START)) as rt:
        report(rt, residents(town)[0])
    conn = sqlite3.connect(path)
    with conn:
        as_schema_2(conn)
    conn.close()
    with Journal.open(path) as j:
        assert j.seq == 1
        j.side.set_cursor("matrix.since", "s72")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (3,)
        assert conn.execute("SELECT value FROM cursors").fetchall() == [("s72",)]


def test_the_system_clock_is_the_real_one() -> None:
    import time

    assert abs(SystemClock().now() - time.time()) < 5


def test_a_fake_clock_does_not_run_backwards() -> None:
    clock = FakeClock(10.0)
    with pytest.raises(InvalidValueError):
        clock.advance(-1)
    with pytest.raises(InvalidValueError):
        clock.set(5)
    assert clock.now() == 10.0


_ITEMS = st.one_of(
    st.integers(),
    st.text(max_size=4),
    st.none(),
    st.builds(lambda at: Tick(at=at), st.floats(0, 2e9)),
    st.builds(lambda who: Report(at=START, reporter=who, melding=MELDING), st.integers(0, 120)),
    st.builds(
        lambda who, n: Decide(at=START, by=who, decision=n, forward=True),
        st.integers(0, 120),
        st.integers(1, 5),
    ),
    st.builds(lambda who: Leave(member=who, by=who), st.integers(0, 120)),
)
_KEYS = st.one_of(
    st.none(), st.text(max_size=3), st.integers(), st.binary(max_size=2), st.just("k0")
)


@given(items=st.lists(st.tuples(_ITEMS, _KEYS), min_size=1, max_size=6))
def test_bad_submissions_are_refused_typed_and_change_nothing(
    tmp_path_factory: pytest.TempPathFactory, items: list[tuple[object, object]]
) -> None:
    path = tmp_path_factory.mktemp("rt") / "j.db"
    town = load_hierarchy(FASE2)
    with Runtime.open(path, hierarchy=town, clock=FakeClock(START)) as rt:
        report(rt, residents(town)[0], key="k0")
        for item, key in items:
            before = (rt.journal.seq, rt.journal.export_state(), rt.outbox())
            try:
                done = rt.submit(item, key=key)  # type: ignore[arg-type]
            except RoutingError:
                assert (rt.journal.seq, rt.journal.export_state(), rt.outbox()) == before
            else:
                if done.duplicate:
                    assert rt.journal.seq == before[0]
                else:
                    assert rt.journal.seq > before[0]
                    assert key is None or rt.journal.seen(key) == done.seq  # type: ignore[arg-type]
