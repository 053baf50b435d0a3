"""One journal file open in several processes at once: each reads what the
others appended (``Journal.refresh``), and a runtime does so before it acts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.domain.melding import Category, Melding
from routing.engine.commands import Report, Tick
from routing.errors import CorruptStateError, JournalWriteError
from routing.hierarchy.changes import Erase
from routing.persist.journal import Journal
from routing.runtime import FakeClock, Runtime
from routing.testing import zoomwijck

T0 = 1_796_300_000.0


def melding(i: int = 0) -> Melding:
    return Melding(category=Category.INBRAAK, called_112=True, text=f"melding {i}")


@pytest.fixture
def town(tmp_path: Path) -> tuple[str, list[int]]:
    town = zoomwijck(residents=4)
    h = town.hierarchy
    path = str(tmp_path / "buurt.db")
    reporters = [m for w in sorted(h.groups()) if w.startswith("wg") for m in h.residents(w)]
    with Runtime.open(path, hierarchy=h, clock=FakeClock(T0)):
        pass
    return path, sorted(reporters)


def test_refresh_reads_what_another_journal_appended(town: tuple[str, list[int]]) -> None:
    path, reporters = town
    with Journal.open(path) as a, Journal.open(path) as b:
        assert b.refresh() == 0
        a.execute(Report(at=T0, reporter=reporters[0], melding=melding()))
        a.execute(Tick(at=T0 + 60))
        assert b.refresh() == 2
        assert b.seq == a.seq
        assert b.export_state() == a.export_state()
        assert b.refresh() == 0


def test_refresh_after_an_erasure_elsewhere_loads_the_state_anew(
    town: tuple[str, list[int]],
) -> None:
    path, reporters = town
    with Journal.open(path) as a, Journal.open(path) as b:
        a.execute(Report(at=T0, reporter=reporters[0], melding=melding()))
        b.refresh()
        name = b.hierarchy.name(reporters[0])
        a.execute(Erase(member=reporters[0], by=reporters[0]))  # raises the floor
        assert b.refresh() == 1
        assert b.export_state() == a.export_state()
        assert name not in str(b.export_state())


def test_a_file_that_lost_events_is_refused_and_the_journal_closed(
    town: tuple[str, list[int]],
) -> None:
    path, reporters = town
    with Journal.open(path) as a, Journal.open(path) as b:
        a.execute(Report(at=T0, reporter=reporters[0], melding=melding()))
        b.refresh()
        with sqlite3.connect(path) as raw:  # damage from outside
            raw.execute("DELETE FROM events WHERE seq = ?", (a.seq,))
        raw.close()
        with pytest.raises(CorruptStateError, match="before event"):
            b.refresh()
        with pytest.raises(JournalWriteError, match="closed"):
            b.refresh()


@settings(max_examples=15, deadline=None)
@given(order=st.lists(st.booleans(), min_size=1, max_size=8))
def test_two_runtimes_on_one_file_take_turns_and_agree(
    tmp_path_factory: pytest.TempPathFactory, order: list[bool]
) -> None:
    """Reports from two runtimes in any order: none is refused for writing
    after the other, and both end with the state of the file."""
    town = zoomwijck(residents=4)
    h = town.hierarchy
    path = str(tmp_path_factory.mktemp("shared") / "buurt.db")
    reporters = sorted(m for w in h.groups() if w.startswith("wg") for m in h.residents(w))
    clock = FakeClock(T0)
    with (
        Runtime.open(path, hierarchy=h, clock=clock) as one,
        Runtime.open(path, clock=clock) as two,
    ):
        for i, first in enumerate(order):
            rt = one if first else two
            clock.advance(60)
            rt.submit(
                lambda at, i=i: Report(
                    at=at, reporter=reporters[i % len(reporters)], melding=melding(i),
                    new_situation=True,
                )
            )  # fmt: skip
        one.refresh()
        two.refresh()
        assert one.journal.seq == two.journal.seq == len(order)
        assert one.journal.export_state() == two.journal.export_state()
        with Journal.open(path) as fresh:
            assert fresh.export_state() == one.journal.export_state()
