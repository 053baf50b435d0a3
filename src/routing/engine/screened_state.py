"""Reading back what screening holds (S1): the part of :mod:`routing.engine.state`
for a held report's findings, held reactions and the messages to their senders.

Kept apart so the state reader stays one module of a readable size; the
layout is :func:`~routing.engine.export.export_state`'s, and states written
before reactions were screened, which lack these keys, read as holding none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from routing.domain.values import MemberId
from routing.errors import StateError

from .incident import HELD_STATUSES, HoldRec, IncidentState

__all__ = ["Reader", "read_hold", "read_screened"]


class Reader(Protocol):
    """What :mod:`routing.engine.state`'s reader offers here."""

    def fail(self, path: str, problem: str) -> StateError: ...
    def obj(self, value: object, path: str) -> Mapping[str, Any]: ...
    def field(self, obj: Mapping[str, Any], key: str, path: str) -> Any: ...
    def items(self, value: object, path: str) -> list[Any]: ...
    def text(self, value: object, path: str) -> str: ...
    def integer(self, value: object, path: str) -> int: ...
    def number(self, value: object, path: str) -> float: ...
    def opt_number(self, value: object, path: str) -> float | None: ...
    def pair(self, value: object, path: str) -> tuple[Any, Any]: ...
    def group(self, value: object, path: str) -> str: ...
    def member(self, value: object, path: str) -> MemberId: ...
    def opt_member(self, value: object, path: str) -> MemberId | None: ...


def read_hold(rd: Reader, value: object, path: str) -> HoldRec:
    """A hold as :func:`routing.engine.export.export_state` writes it."""
    o = rd.obj(value, path)
    findings = tuple(
        (rd.text(rule, p), rd.text(reason, p))
        for rule, reason, p in (
            (*rd.pair(item, f"{path}.findings[{i}]"), f"{path}.findings[{i}]")
            for i, item in enumerate(rd.items(rd.field(o, "findings", path), f"{path}.findings"))
        )
    )
    rule = rd.text(rd.field(o, "rule", path), f"{path}.rule")
    reason = rd.text(rd.field(o, "reason", path), f"{path}.reason")
    if not findings or findings[0] != (rule, reason):
        raise rd.fail(path, "a hold's rule and reason are its first finding's")
    return (rule, reason, findings)


def read_screened(rd: Reader, o: Mapping[str, Any], path: str, inc: IncidentState) -> None:
    """What screening holds, and what became of it (S1). States written
    before reactions were screened have none of these keys."""
    hold = o.get("hold")
    inc.hold = None if hold is None else read_hold(rd, hold, f"{path}.hold")
    for i, raw in enumerate(rd.items(o.get("held_reactions", []), f"{path}.held_reactions")):
        p = f"{path}.held_reactions[{i}]"
        r = rd.obj(raw, p)

        def g(key: str, r: Mapping[str, Any] = r, p: str = p) -> Any:
            return rd.field(r, key, p)

        n = rd.integer(g("reaction"), f"{p}.reaction")
        if n != i + 1:
            raise rd.fail(f"{p}.reaction", f"held reactions are numbered 1, 2, ...: not {n}")
        status = rd.text(g("status"), f"{p}.status")
        if status not in HELD_STATUSES:
            raise rd.fail(f"{p}.status", f"{status!r} is not one of {HELD_STATUSES}")
        by = rd.opt_member(g("by"), f"{p}.by")
        decided_at = rd.opt_number(g("decided_at"), f"{p}.decided_at")
        if (status == "held") != (by is None) or (by is None) != (decided_at is None):
            raise rd.fail(p, "a held reaction is decided by someone at some time, or not")
        inc.held += (
            (
                n,
                rd.member(g("member"), f"{p}.member"),
                rd.group(g("group"), f"{p}.group"),
                rd.group(g("stuurgroep"), f"{p}.stuurgroep"),
                rd.text(g("text"), f"{p}.text"),
                read_hold(rd, g("hold"), f"{p}.hold"),
                rd.number(g("at"), f"{p}.at"),
                status,
                by,
                rd.text(g("reason"), f"{p}.reason"),
                decided_at,
            ),
        )
    for i, raw in enumerate(rd.items(o.get("addressed", []), f"{path}.addressed")):
        p = f"{path}.addressed[{i}]"
        a = rd.obj(raw, p)
        n = rd.integer(rd.field(a, "reaction", p), f"{p}.reaction")
        if not 0 <= n <= len(inc.held):
            raise rd.fail(f"{p}.reaction", f"no held reaction {n} in this incident")
        inc.addressed += (
            (
                n,
                rd.member(rd.field(a, "by", p), f"{p}.by"),
                rd.member(rd.field(a, "to", p), f"{p}.to"),
                rd.text(rd.field(a, "text", p), f"{p}.text"),
                rd.number(rd.field(a, "at", p), f"{p}.at"),
            ),
        )
