"""Pausing the garbage collector while a long loop builds state that has no cycles.

CPython frees an object when its last reference goes; the cycle collector is
only needed for reference cycles. The simulator's run and the journal's
replay make none (tests hold both), yet each keeps hundreds of thousands of
objects alive, so every automatic full collection during them walks them
all, and every object the app already holds, to find nothing. Pausing the
automatic collections for the length of such a loop removes that cost; cycles
made meanwhile (by a policy or callback of the app's, or another thread) are
freed by the first collection afterwards. What the loop kept is moved to the
oldest generation as the pause ends, where it belongs by then, so that first
collection does not walk it all (see :func:`paused`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collections inside; afterwards as before (an app that turned
    the collector off keeps it off). The pause is process-wide."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                # Whatever the loop made and kept is long-lived by now. Left in
                # the young generation, the first collection after the pause
                # would walk all of it (2 s of a simulated year at a third of
                # the country). Freezing and unfreezing moves every tracked
                # object to the oldest generation without walking it. Not when
                # the app froze objects itself: unfreezing would undo that.
                gc.freeze()
                gc.unfreeze()
            gc.enable()
