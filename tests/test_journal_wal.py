"""A damaged ``-wal`` file loses no acknowledged command silently.

A writer runs in a child process, acknowledges its commands, and is killed
with SIGKILL while it holds the journal open, so that every command since
the last checkpoint is only in the ``-wal`` file. SQLite drops that file's
first bad frame and everything after it without a word, so deleting,
truncating or flipping one byte of it used to open the journal at an earlier
point with no error. The acknowledgement file (:mod:`routing.persist.acks`)
now makes that a :class:`~routing.errors.LostCommandsError` that says how
many acknowledged commands are missing, for ``durability="full"``; for the
modes that promise nothing through a power cut, a warning.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from routing.errors import CorruptStateError, LostCommandsError
from routing.persist.document import state_of
from test_journal import in_memory, open_journal, workload

TESTS = Path(__file__).resolve().parent
SEED, COUNT = 11, 120  # 120 commands fit in the -wal before its first checkpoint

WRITER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from test_journal import open_journal, workload
items = workload(int(sys.argv[3]), int(sys.argv[4]))
j = open_journal(Path(sys.argv[2]), durability=sys.argv[5], snapshot_every=40)
for item in items[j.seq:]:
    j.execute(item)
print(j.seq, flush=True)
time.sleep(600)  # holding the journal open, never closing it: killed here
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

FILES = ("", "-wal", "-shm", "-ack")


def killed_writer(path: Path, durability: str, count: int = COUNT) -> int:
    """Run a writer to ``count`` commands and SIGKILL it; the number it acknowledged."""
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(TESTS), str(path), str(SEED), str(count), durability],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    acknowledged = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert Path(f"{path}-wal").stat().st_size > 0  # the commands are in the -wal
    return acknowledged


def copy(source: Path, target: Path) -> Path:
    for suffix in FILES:
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


@pytest.fixture(scope="module")
def killed_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("full") / "j.db"
    assert killed_writer(path, "full") == COUNT
    return path


@pytest.fixture(scope="module")
def killed_normal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("normal") / "j.db"
    assert killed_writer(path, "normal") == COUNT
    return path


def delete(wal: Path) -> None:
    wal.unlink()


def truncate_half(wal: Path) -> None:
    os.truncate(wal, wal.stat().st_size // 2)


def truncate_to_header(wal: Path) -> None:
    os.truncate(wal, 32)


def flip_middle(wal: Path) -> None:
    data = bytearray(wal.read_bytes())
    data[len(data) // 2] ^= 0x10
    wal.write_bytes(bytes(data))


def flip_header(wal: Path) -> None:
    data = bytearray(wal.read_bytes())
    data[17] ^= 0x01  # a salt: no frame matches the header any more
    wal.write_bytes(bytes(data))


DAMAGE = [delete, truncate_half, truncate_to_header, flip_middle, flip_header]


def holds_prefix(path: Path, n: int) -> None:
    with open_journal(path) as j:
        assert j.seq == n
        h, relay, _ = in_memory(workload(SEED, COUNT)[:n])
        assert j.export_state() == state_of(h, relay, seq=n)


def test_an_undamaged_killed_writer_opens_with_nothing_missing(
    tmp_path: Path, killed_full: Path
) -> None:
    holds_prefix(copy(killed_full, tmp_path / "j.db"), COUNT)


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_a_damaged_wal_of_a_full_writer_says_how_many_commands_are_missing(
    tmp_path: Path, killed_full: Path, damage: Callable[[Path], None]
) -> None:
    path = copy(killed_full, tmp_path / "j.db")
    wal = Path(f"{path}-wal")
    damage(wal)
    raw = path.read_bytes(), wal.read_bytes() if wal.exists() else b""
    with pytest.raises(LostCommandsError) as info:
        open_journal(path)
    error = info.value
    assert error.acknowledged == COUNT
    assert 0 < error.missing == COUNT - error.found
    assert error.seq == error.found + 1  # the first event that is gone
    assert f"{error.missing} acknowledged commands are missing" in str(error)
    # Unchanged, the frames after the damage included (a deleted one may come back empty).
    assert (path.read_bytes(), wal.read_bytes() if wal.exists() else b"") == raw
    # What opening did before: the earlier point, correct but silently short.
    Path(f"{path}-ack").unlink()
    holds_prefix(path, error.found)


def test_a_journal_file_gone_with_its_wal_is_not_recreated_empty(
    tmp_path: Path, killed_full: Path
) -> None:
    path = copy(killed_full, tmp_path / "j.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink()
    with pytest.raises(LostCommandsError) as info:
        open_journal(path)
    assert (info.value.found, info.value.missing) == (0, COUNT)
    assert not path.exists()


def test_a_journal_replaced_by_an_older_copy_is_noticed(tmp_path: Path) -> None:
    path, old = tmp_path / "j.db", tmp_path / "old.db"
    items = workload(SEED, 60)
    with open_journal(path, durability="full") as j:
        for item in items[:40]:
            j.execute(item)
    shutil.copyfile(path, old)
    with open_journal(path, durability="full") as j:
        for item in items[40:]:
            j.execute(item)
    shutil.copyfile(old, path)  # "restored from a backup"
    with pytest.raises(LostCommandsError) as info:
        open_journal(path)
    assert (info.value.acknowledged, info.value.found, info.value.missing) == (60, 40, 20)


def test_commands_acknowledged_with_full_stay_counted_after_normal_ones(tmp_path: Path) -> None:
    """The file keeps two numbers: what "full" promised, and what was acknowledged at all."""
    path = tmp_path / "j.db"
    assert killed_writer(path, "full", 60) == 60
    assert killed_writer(path, "normal", 90) == 90
    delete(Path(f"{path}-wal"))
    with pytest.raises(LostCommandsError) as info:
        open_journal(path)
    assert (info.value.acknowledged, info.value.found) == (60, 0)


@pytest.mark.parametrize("damage", [delete, flip_middle], ids=lambda f: f.__name__)
def test_a_damaged_wal_of_a_normal_writer_opens_earlier_with_a_warning(
    tmp_path: Path, killed_normal: Path, damage: Callable[[Path], None]
) -> None:
    """ "normal" may lose its last commands to a power cut, which looks the same: warn, open."""
    path = copy(killed_normal, tmp_path / "j.db")
    damage(Path(f"{path}-wal"))
    items = workload(SEED, COUNT)
    with pytest.warns(RuntimeWarning) as record:
        j = open_journal(path)
    with j:
        found = j.seq
        h, relay, _ = in_memory(items[:found])
        assert j.export_state() == state_of(h, relay, seq=found)
        j.execute(items[found])  # going on from the earlier point
    assert found < COUNT
    assert f"{COUNT - found} acknowledged commands are missing" in str(record[0].message)
    holds_prefix(path, found + 1)  # and the next open has nothing to warn about


def test_an_undamaged_killed_normal_writer_opens_without_a_warning(
    tmp_path: Path, killed_normal: Path
) -> None:
    holds_prefix(copy(killed_normal, tmp_path / "j.db"), COUNT)


@pytest.mark.parametrize("content", [b"x", b"RTJA" + bytes(28), bytes(33)], ids=len)
def test_a_damaged_acknowledgement_file_is_a_corrupt_journal(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "j.db"
    with open_journal(path) as j:
        j.execute(workload(SEED, 1)[0])
    Path(f"{path}-ack").write_bytes(content)
    with pytest.raises(CorruptStateError, match="-ack is damaged"):
        open_journal(path)
