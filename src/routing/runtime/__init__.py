"""Running a neighbourhood day to day: the journal, the relay, a clock, the
deadline loop, the account map and the outbox, in one object.

::

    from routing.runtime import Runtime
    from routing.hierarchy.config import load_hierarchy

    with Runtime.open("buurt.db", hierarchy=load_hierarchy("buurt.toml")) as rt:
        done = rt.submit(lambda at: Report(at=at, reporter=7, melding=m), key="chat:4711")
        for task in rt.outbox():
            ...  # post task.text into task.group, then rt.confirm(task.id)

See :mod:`routing.runtime.core` and ``docs/howto-runtime.md``.
"""

from .clock import Clock, FakeClock, SystemClock
from .core import ANYONE, MAX_NAP, Item, Runtime, Submitted

__all__ = ["ANYONE", "MAX_NAP", "Clock", "FakeClock", "Item", "Runtime", "Submitted", "SystemClock"]
