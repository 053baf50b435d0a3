"""The acknowledgement file: how far a journal's writer got, kept apart from its ``-wal``.

Theory of operation
-------------------

In WAL mode every commit goes to the ``-wal`` file, and only a checkpoint
(every thousand pages or so) copies it into the journal file. SQLite checks
the frames of the ``-wal`` when it opens one, and quietly drops the first
bad frame and everything after it. So a ``-wal`` that is deleted, truncated
or has one byte flipped after its writer was killed opens the journal at an
earlier point, with no error: every command acknowledged since the last
checkpoint that lies past the damage is gone. The checksums of the journal's
rows cannot see this, because nothing left is damaged.

So after each commit the journal writes the sequence number of the
acknowledged command into a side file, ``<journal>-ack``, which SQLite
never touches, and opening compares it with the last event the files hold.
The file is one fixed record of 32 bytes, overwritten in place:

* ``full``: the last sequence number acknowledged with
  ``durability="full"``, written and flushed to the disk (``fdatasync``)
  after SQLite has flushed the ``-wal``, so it never claims more than the
  disk holds, even after a power cut;
* ``last``: the last sequence number acknowledged in any mode, written
  without a flush (the operating system has it once ``write`` returns, so
  a killed process cannot lose it; a power cut can).

Opening refuses with :class:`~routing.errors.LostCommandsError` if the
journal ends before ``full``: that mode promised those commands. If it ends
before ``last`` only, those commands were acknowledged with ``"normal"`` or
``"off"``, which promise nothing through a power cut, and after one the
journal may rightly end earlier than its acknowledgement file (neither was
flushed); the journal cannot tell a power cut from a damaged ``-wal``, so
it opens at the earlier point and says how many are missing in a
:class:`RuntimeWarning`, rather than refuse every journal a power cut left
behind.

Writing the record costs a ``pwrite`` per command (about a microsecond);
with ``durability="full"`` also an ``fdatasync``, a second flush per
command beside SQLite's. A missing file records nothing (a journal written
before this file existed, or one whose file was deleted to accept a loss);
a damaged one is a :class:`~routing.errors.CorruptStateError`.
"""

from __future__ import annotations

import os
import struct
import warnings
import zlib
from typing import Final

from routing.errors import CorruptStateError, LostCommandsError

__all__ = ["SUFFIX", "Acks", "compare", "recorded"]

#: Appended to the journal's path for the acknowledgement file.
SUFFIX: Final = "-ack"

_MAGIC: Final = b"RTJA"
_VERSION: Final = 1
# The record: magic, version, full, last; then the CRC-32 of those 24 bytes
# and padding, 32 bytes in all, well inside one disk sector.
_BODY: Final = struct.Struct("<4sIqq")
_TAIL: Final = struct.Struct("<I4x")
_SIZE: Final = _BODY.size + _TAIL.size

_fdatasync = getattr(os, "fdatasync", os.fsync)  # macOS and Windows have fsync only


def _pwrite(fd: int, data: bytes) -> None:
    if hasattr(os, "pwrite"):
        os.pwrite(fd, data, 0)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)


class Acks:
    """The acknowledgement file of one open journal. Private to the store."""

    def __init__(self, path: str, fd: int, full: int, last: int) -> None:
        self.path = path
        self._fd = fd
        #: The last sequence numbers acknowledged with ``"full"``, and at all.
        self.full = full
        self.last = last

    @classmethod
    def open(cls, journal: str, full: int, last: int) -> Acks:
        """Open (or create) the file of ``journal``, which :func:`recorded` read as given."""
        path = journal + SUFFIX
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as exc:
            raise CorruptStateError(f"cannot open {path}: {exc}", source=journal) from None
        return cls(path, fd, full, last)

    def record(self, seq: int, *, durable: bool) -> None:
        """Record ``seq`` as acknowledged; ``durable``: flushed to the disk before returning."""
        if durable:
            self.full = seq
        self.last = seq
        body = _BODY.pack(_MAGIC, _VERSION, self.full, self.last)
        _pwrite(self._fd, body + _TAIL.pack(zlib.crc32(body)))
        if durable:
            _fdatasync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def recorded(journal: str) -> tuple[int, int]:
    """``(full, last)`` as the file of ``journal`` records them; ``(0, 0)`` without one."""
    path = journal + SUFFIX
    try:
        with open(path, "rb") as fh:
            data = fh.read(_SIZE + 1)
    except FileNotFoundError:
        return 0, 0
    except OSError as exc:
        raise CorruptStateError(f"cannot read {path}: {exc}", source=journal) from None
    if not data:
        return 0, 0  # created, nothing acknowledged yet
    if len(data) == _SIZE:
        magic, version, full, last = _BODY.unpack_from(data)
        (crc,) = _TAIL.unpack_from(data, _BODY.size)
        good = magic == _MAGIC and version == _VERSION and 0 <= full <= last
        if good and zlib.crc32(data[: _BODY.size]) == crc:
            return full, last
    raise CorruptStateError(
        f"{path} is damaged; delete it to open the journal without checking for lost commands",
        source=journal,
    )


def compare(journal: str, found: int, full: int, last: int, *, stacklevel: int) -> None:
    """Raise or warn if the journal ends at ``found``, before what was acknowledged.

    :class:`~routing.errors.LostCommandsError` below ``full``; a
    :class:`RuntimeWarning` below ``last`` only (see the module docstring),
    ``stacklevel`` frames up, where the app opened the journal.
    """
    if found < full:
        raise LostCommandsError(
            f"{full - found} acknowledged commands are missing: {journal}{SUFFIX} records "
            f"event {full} as acknowledged with durability='full', but the journal ends at "
            f"event {found}. Its -wal file was deleted, truncated or damaged, or the journal "
            f"was replaced by an older copy. Restore the -wal file or a backup; to go on "
            f"from event {found} instead, delete {journal}{SUFFIX}",
            acknowledged=full,
            found=found,
            source=journal,
        )
    if found < last:
        warnings.warn(
            f"{journal}: {last - found} acknowledged commands are missing (the journal ends at "
            f"event {found}, event {last} was acknowledged with durability 'normal' or 'off'): "
            "a power cut or an OS crash loses them in those modes; if there was none, the "
            "-wal file was damaged",
            RuntimeWarning,
            stacklevel=stacklevel + 1,
        )
