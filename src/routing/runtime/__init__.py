"""Running a neighbourhood day to day: the journal, the relay, a clock, the
deadline loop, the account map and the outbox, in one object.

See :class:`routing.runtime.core.Runtime`.
"""
