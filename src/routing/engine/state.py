"""The relay's state as plain data: :func:`load_state`, and the layout :func:`export_state` writes.

Theory of operation
-------------------

An app saves the relay (a JSON file, a journal snapshot) and builds it again
after a restart; :meth:`Relay.export_state <routing.relay.Relay.export_state>`
and :meth:`Relay.from_state <routing.relay.Relay.from_state>` call into here.
The export holds only dicts, lists, strings, numbers, booleans and ``None``,
so ``json.dumps`` takes it as it is, and it is deterministic: the same state
gives the same dict, key order and all.

What is written, and why in this shape:

* Objects that the relay shares are written once and referred to by id: a
  decision sits in its incident's ``decisions`` and the hops of routes name
  it by ``id``; a group's live melding delivery is named by id in ``reach``.
  A reference cannot then disagree with what it points at.
* Sets (``considered``, ``failed``) are written sorted; ordered things
  (``reach``, the deliveries, the pending decisions) keep their order,
  because outputs depend on it.
* Deadlines are written without the stale entries the relay's heap still
  holds (they would be skipped anyway), sorted, which is a valid heap.
* The routing tables are not written: they follow from the hierarchy and are
  built again on demand. The policy is code, not data: pass it again.

Loading checks everything before the relay exists: types, enum names,
references to members and groups of the hierarchy, references between
records, counters that must stay ahead of the ids handed out. Whatever is
wrong raises :class:`~routing.errors.StateError` naming the place in the
data; nothing else escapes and no half-built relay is returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from routing.domain.melding import Category
from routing.domain.plain import PlainReader, read_melding
from routing.domain.values import MemberId
from routing.errors import RoutingError, StateError
from routing.model import Hierarchy

from .export import KIND, SCHEMA, export_state
from .incident import P_INCIDENT, DeliveryStatus, IncidentState, PendingRec, Phase, pending_rec
from .ledger import DECISION_DUE, LIVE, REMINDER_DUE, Ledger
from .outputs import DeliveryKind, PendingDecision, Step
from .records import (
    KIND_INDEX,
    STEP_INDEX,
    Batches,
    BatchRec,
    DecisionRec,
    HopRec,
    RouteRec,
    make_batch,
)
from .screened_state import read_screened
from .tables import RelayConfig

__all__ = ["KIND", "SCHEMA", "export_state", "load_state"]

# ------------------------------------------------------------------ reading


class _StateReader(PlainReader):
    """A :class:`PlainReader` that also knows which groups and members the hierarchy has."""

    def __init__(self, hierarchy: Hierarchy) -> None:
        self.groups = frozenset(hierarchy.groups())
        # A wijkgroep a split removed stays in the routes and the history of
        # the incidents that reached it (routing.engine.departures).
        self.split_into = hierarchy.split_into
        self.wijken = frozenset(hierarchy.wijken())
        # Ids are never reused, so every id below the number ever issued is
        # one the hierarchy knew, even a member who has left since (their
        # id stays in old routes).
        self.issued = hierarchy.issued
        self.actors = frozenset(a.id for a in hierarchy.actors())

    def group(self, value: object, path: str) -> str:
        gid = self.text(value, path)
        if gid not in self.groups and not self.split_into(gid):
            raise self.fail(path, f"no group {gid!r} in the hierarchy")
        return gid

    def opt_group(self, value: object, path: str) -> str | None:
        return None if value is None else self.group(value, path)

    def member(self, value: object, path: str) -> MemberId:
        mid = self.integer(value, path)
        if not 0 <= mid < self.issued:
            raise self.fail(path, f"no member {mid} was ever in the hierarchy")
        return MemberId(mid)

    def opt_member(self, value: object, path: str) -> MemberId | None:
        return None if value is None else self.member(value, path)


def _config(rd: _StateReader, value: object) -> RelayConfig:
    o = rd.obj(value, "config")

    def f(key: str) -> Any:
        return rd.field(o, key, "config")

    bots: list[str] = rd.each(f("bot_groups"), "config.bot_groups", rd.text)
    platforms: list[str] = rd.each(f("bot_platforms"), "config.bot_platforms", rd.text)
    return RelayConfig(
        decision_timeout=rd.number(f("decision_timeout"), "config.decision_timeout"),
        decision_default=rd.flag(f("decision_default"), "config.decision_default"),
        reminder_after=rd.number(f("reminder_after"), "config.reminder_after"),
        duplicate_window=rd.number(f("duplicate_window"), "config.duplicate_window"),
        bot_groups=bots,
        bot_platforms=platforms,
        on_duty={
            rd.text(sg, p): rd.integer(m, p)
            for sg, m, p in (
                (*rd.pair(item, f"config.on_duty[{i}]"), f"config.on_duty[{i}]")
                for i, item in enumerate(rd.items(f("on_duty"), "config.on_duty"))
            )
        },
        # Written since Burgernet alerts are addressed by postcode; older states lack it.
        postcodes=[
            _postcode(rd, item, i)
            for i, item in enumerate(rd.items(o.get("postcodes", []), "config.postcodes"))
        ],
        lang=rd.text(f("lang"), "config.lang"),
    )


def _postcode(rd: _StateReader, item: object, i: int) -> tuple[str, str]:
    p = f"config.postcodes[{i}]"
    pc, wijk = rd.pair(item, p)
    if rd.text(wijk, p) not in rd.wijken:
        raise rd.fail(p, f"no wijk {wijk!r} in the hierarchy")
    return rd.text(pc, p), rd.text(wijk, p)


_INCIDENT_ID = re.compile(r"I([1-9][0-9]*)")


class _Loader:
    """Builds the relay's internals from checked data; one instance per load."""

    def __init__(self, rd: _StateReader, state: Mapping[str, Any]) -> None:
        self.rd = rd
        self.state = state
        self.incidents: dict[str, IncidentState] = {}
        self.deliveries: dict[int, BatchRec] = {}
        self.status: dict[int, tuple[str, Any, float | None, str]] = {}
        self.decisions: dict[int, DecisionRec] = {}
        self.max_seq = -1

    def f(self, obj: Mapping[str, Any], key: str, path: str) -> Any:
        return self.rd.field(obj, key, path)

    def route(self, value: object, path: str, decisions: Mapping[int, DecisionRec]) -> RouteRec:
        rd = self.rd
        hops: list[HopRec] = []
        for i, raw in enumerate(rd.items(value, path)):
            p = f"{path}[{i}]"
            o = rd.obj(raw, p)
            did = self.f(o, "decision", p)
            if did is not None and rd.integer(did, f"{p}.decision") not in decisions:
                raise rd.fail(f"{p}.decision", f"no decision {did} in this incident")
            hops.append(
                (
                    rd.opt_group(self.f(o, "source", p), f"{p}.source"),
                    rd.group(self.f(o, "target", p), f"{p}.target"),
                    rd.opt_member(self.f(o, "by", p), f"{p}.by"),
                    did,
                    rd.number(self.f(o, "at", p), f"{p}.at"),
                )
            )
        if not hops:
            raise rd.fail(path, "a route has at least its origin")
        return tuple(hops)

    def decision(self, value: object, path: str, incident: str) -> DecisionRec:
        rd = self.rd
        o = rd.obj(value, path)
        did = rd.integer(self.f(o, "id", path), f"{path}.id")
        if did in self.decisions:
            raise rd.fail(f"{path}.id", f"decision {did} appears twice")
        d = (
            did,
            incident,
            STEP_INDEX[rd.enum(Step, self.f(o, "step", path), f"{path}.step")],
            rd.group(self.f(o, "decider", path), f"{path}.decider"),
            rd.group(self.f(o, "source", path), f"{path}.source"),
            tuple(rd.each(self.f(o, "targets", path), f"{path}.targets", rd.group)),
            rd.flag(self.f(o, "forward", path), f"{path}.forward"),
            rd.opt_member(self.f(o, "by", path), f"{path}.by"),
            rd.number(self.f(o, "at", path), f"{path}.at"),
            rd.text(self.f(o, "reason", path), f"{path}.reason"),
            rd.flag(self.f(o, "default_applied", path), f"{path}.default_applied"),
        )
        self.decisions[did] = d
        return d

    def delivery(
        self, value: object, path: str, inc: IncidentState, decisions: Mapping[int, DecisionRec]
    ) -> BatchRec:
        """One delivery, as a batch of its own whose route is given whole."""
        rd = self.rd
        o = rd.obj(value, path)
        did = rd.integer(self.f(o, "id", path), f"{path}.id")
        if did in self.deliveries:
            raise rd.fail(f"{path}.id", f"delivery {did} appears twice")
        route = self.route(self.f(o, "route", path), f"{path}.route", decisions)
        group = rd.group(self.f(o, "group", path), f"{path}.group")
        kind = rd.enum(DeliveryKind, self.f(o, "kind", path), f"{path}.kind")
        last = route[-1]
        # A melding delivery adds the route's last hop to the rest; the others
        # follow the route of the melding delivery in their group.
        prefix = route[:-1] if kind is DeliveryKind.MELDING else route
        records = inc.decisions  # every decision of the incident; a hop names one
        hop = -1
        if last[3] is not None and kind is DeliveryKind.MELDING:
            hop = next(k for k, rec in enumerate(records) if rec[0] == last[3])
        d = make_batch(
            incident=inc.id,
            kind=KIND_INDEX[kind],
            police=inc.police,
            at=last[4],
            first=did,
            groups=(group,),
            texts=(rd.text(self.f(o, "text", path), f"{path}.text"),),
            posters=(rd.opt_member(self.f(o, "poster", path), f"{path}.poster"),),
            bots=(rd.flag(self.f(o, "bot", path), f"{path}.bot"),),
            carriers=(last[2],),
            parents=(-1 if prefix else None,),
            hops=(hop,),
            externals=(prefix,) if prefix else (),
            records=records,
        )
        if last[1] != group:
            raise rd.fail(f"{path}.route", "a route ends in the delivery's group")
        status = rd.enum(DeliveryStatus, self.f(o, "status", path), f"{path}.status")
        by = rd.opt_member(self.f(o, "by", path), f"{path}.by")
        at = rd.opt_number(self.f(o, "at", path), f"{path}.at")
        reason = rd.text(self.f(o, "reason", path), f"{path}.reason")
        if status is not DeliveryStatus.PENDING:
            self.status[did] = (status.value, by, at, reason)
        self.deliveries[did] = d
        return d

    def incident(self, value: object, path: str) -> IncidentState:
        rd = self.rd
        o = rd.obj(value, path)

        def f(key: str) -> Any:
            return self.f(o, key, path)

        iid = rd.text(f("id"), f"{path}.id")
        if not _INCIDENT_ID.fullmatch(iid) or iid in self.incidents:
            raise rd.fail(f"{path}.id", f"{iid!r} is not a new incident id")
        wijk = rd.opt_text(f("origin_wijk"), f"{path}.origin_wijk")
        if wijk is not None and wijk not in rd.wijken:
            raise rd.fail(f"{path}.origin_wijk", f"no wijk {wijk!r} in the hierarchy")
        inc = IncidentState(
            iid,
            rd.group(f("origin"), f"{path}.origin"),
            wijk,
            read_melding(rd, f("melding"), f"{path}.melding"),
            rd.number(f("opened_at"), f"{path}.opened_at"),
        )
        inc.closed_at = rd.opt_number(f("closed_at"), f"{path}.closed_at")
        inc.phase = rd.enum(Phase, f("phase"), f"{path}.phase")
        inc.police = rd.flag(f("police"), f"{path}.police")
        inc.sender = rd.opt_text(f("sender"), f"{path}.sender")
        # Written since police notices name their actor; older states lack it.
        actor = rd.opt_text(o.get("sender_actor"), f"{path}.sender_actor")
        if actor is not None and actor not in rd.actors:
            raise rd.fail(f"{path}.sender_actor", f"no actor {actor!r} in the hierarchy")
        inc.sender_actor = actor
        inc.text = rd.text(f("text"), f"{path}.text")
        inc.fwd_text = rd.text(f("fwd_text"), f"{path}.fwd_text")
        decisions = {
            d[0]: d
            for d in rd.each(
                f("decisions"), f"{path}.decisions", lambda v, p: self.decision(v, p, iid)
            )
        }
        inc.decisions = tuple(decisions.values())
        inc.deliveries = tuple(
            rd.each(
                f("deliveries"),
                f"{path}.deliveries",
                lambda v, p: self.delivery(v, p, inc, decisions),
            )
        )
        own = {d[4]: d for d in inc.deliveries}
        for i, raw in enumerate(rd.items(f("reach"), f"{path}.reach")):
            p = f"{path}.reach[{i}]"
            group_raw, did_raw = rd.pair(raw, p)
            group = rd.group(group_raw, p)
            did = rd.integer(did_raw, p)
            d = own.get(did)
            if (
                d is None
                or d[1] != KIND_INDEX[DeliveryKind.MELDING]
                # In that group, or in the wijkgroep a split made it from.
                or (d[5][0] != group and group not in rd.split_into(d[5][0]))
            ):
                raise rd.fail(p, "not a melding delivery of this incident in that group")
            if group in inc.reach:
                raise rd.fail(p, f"{group} is reached twice")
            inc.reach[group] = did
        for i, raw in enumerate(rd.items(f("casushouders"), f"{path}.casushouders")):
            p = f"{path}.casushouders[{i}]"
            group_raw, member_raw = rd.pair(raw, p)
            inc.casus[rd.group(group_raw, p)] = rd.member(member_raw, p)
        judged: set[tuple[str, str]] = set()
        for i, raw in enumerate(rd.items(f("considered"), f"{path}.considered")):
            p = f"{path}.considered[{i}]"
            decider, target = rd.pair(raw, p)
            judged.add((rd.group(decider, p), rd.group(target, p)))
        inc.considered = tuple(judged)
        inc.failed = tuple(sorted(set(rd.each(f("failed"), f"{path}.failed", rd.group))))
        inc.pending = tuple(rd.each(f("pending"), f"{path}.pending", rd.integer))
        inc.called = tuple(rd.each(f("called_112_by"), f"{path}.called_112_by", rd.member))
        for i, raw in enumerate(rd.items(f("reports"), f"{path}.reports")):
            p = f"{path}.reports[{i}]"
            member_raw, at_raw = rd.pair(raw, p)
            inc.reports += ((rd.member(member_raw, p), rd.number(at_raw, p)),)
        if not inc.reports and not inc.police:
            raise rd.fail(f"{path}.reports", "a resident's incident has its first report")
        inc.linked_to = rd.opt_text(f("linked_to"), f"{path}.linked_to")
        inc.linked = tuple(rd.each(f("linked"), f"{path}.linked", rd.text))
        inc.police_contact = rd.opt_member(f("police_contact"), f"{path}.police_contact")
        inc.reminder_seq = rd.integer(f("reminder_seq"), f"{path}.reminder_seq")
        self.max_seq = max(self.max_seq, inc.reminder_seq)
        for i, raw in enumerate(rd.items(f("reactions"), f"{path}.reactions")):
            p = f"{path}.reactions[{i}]"
            items = rd.items(raw, p)
            if len(items) != 3:
                raise rd.fail(p, "expected [delivery, member, text]")
            d = own.get(rd.integer(items[0], p))
            if d is None or d[1] != KIND_INDEX[DeliveryKind.REACTION]:
                raise rd.fail(p, "not a reaction delivery of this incident")
            inc.reactions += ((d[4], rd.member(items[1], p), rd.text(items[2], p)),)
        afloop = f("afloop")
        if afloop is not None:
            by_raw, text_raw = rd.pair(afloop, f"{path}.afloop")
            inc.afloop = (rd.member(by_raw, f"{path}.afloop"), rd.text(text_raw, f"{path}.afloop"))
        screening = f("screening")
        if screening is not None:
            p = f"{path}.screening"
            so = rd.obj(screening, p)
            inc.screening = (
                rd.member(self.f(so, "by", p), f"{p}.by"),
                rd.flag(self.f(so, "release", p), f"{p}.release"),
                rd.text(self.f(so, "reason", p), f"{p}.reason"),
                rd.number(self.f(so, "at", p), f"{p}.at"),
            )
        for i, raw in enumerate(rd.items(f("authored"), f"{path}.authored")):
            p = f"{path}.authored[{i}]"
            did_raw, member_raw = rd.pair(raw, p)
            did = rd.integer(did_raw, p)
            if did not in decisions:
                raise rd.fail(p, f"no decision {did} in this incident")
            inc.authored += ((did, rd.member(member_raw, p)),)
        inc.stripped = rd.flag(f("stripped"), f"{path}.stripped")
        read_screened(rd, o, path, inc)
        self.incidents[iid] = inc
        return inc


def load_state(
    hierarchy: Hierarchy, state: Mapping[str, Any], *, config: RelayConfig | None = None
) -> tuple[RelayConfig, Ledger]:
    """The configuration and the ledger in :func:`export_state`'s data (see the module docstring).

    ``config``, when given, is used instead of the saved one, which is then
    not read.
    """
    try:
        return _load(hierarchy, state, config)
    except StateError:
        raise
    except (RoutingError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # The checks above are meant to catch everything first; a value that
        # slips past them to a constructor is still the data's fault.
        raise StateError(f"the relay state is not valid: {exc}") from None


def _load(
    hierarchy: Hierarchy, state: Mapping[str, Any], config: RelayConfig | None
) -> tuple[RelayConfig, Ledger]:
    rd = _StateReader(hierarchy)
    top = rd.obj(state, "state")
    if top.get("kind") != KIND:
        raise StateError(f"not a relay state: kind is {top.get('kind')!r}, not {KIND!r}")
    schema = rd.integer(rd.field(top, "schema", "state"), "schema")
    if schema > SCHEMA:
        raise StateError(f"schema {schema} is newer than this version of routing reads ({SCHEMA})")
    if schema < 1:
        raise StateError(f"schema {schema} does not exist")
    if config is None:
        config = _config(rd, rd.field(top, "config", "state"))
    counters = rd.obj(rd.field(top, "counters", "state"), "counters")
    counts = [
        rd.integer(rd.field(counters, key, "counters"), f"counters.{key}")
        for key in ("incidents", "deliveries", "decisions", "pending")
    ]
    seq = rd.integer(rd.field(counters, "sequence", "counters"), "counters.sequence")

    ld = _Loader(rd, top)
    rd.each(rd.field(top, "incidents", "state"), "incidents", ld.incident)

    pending: dict[int, PendingRec] = {}
    for i, raw in enumerate(rd.items(rd.field(top, "pending", "state"), "pending")):
        p = f"pending[{i}]"
        o = rd.obj(raw, p)
        iid = rd.text(ld.f(o, "incident", p), f"{p}.incident")
        inc = ld.incidents.get(iid)
        if inc is None:
            raise rd.fail(f"{p}.incident", f"no incident {iid}")
        output = PendingDecision(
            id=rd.integer(ld.f(o, "id", p), f"{p}.id"),
            incident=iid,
            step=rd.enum(Step, ld.f(o, "step", p), f"{p}.step"),
            decider=rd.group(ld.f(o, "decider", p), f"{p}.decider"),
            source=rd.group(ld.f(o, "source", p), f"{p}.source"),
            targets=tuple(rd.each(ld.f(o, "targets", p), f"{p}.targets", rd.group)),
            deadline=rd.number(ld.f(o, "deadline", p), f"{p}.deadline"),
            question=rd.text(ld.f(o, "question", p), f"{p}.question"),
        )
        own = {d[0]: d for d in inc.decisions}
        # A pending question keeps the route its answer's deliveries extend.
        route = ld.route(ld.f(o, "route", p), f"{p}.route", own)
        item_seq = rd.integer(ld.f(o, "seq", p), f"{p}.seq")
        ld.max_seq = max(ld.max_seq, item_seq)
        if output.id in pending:
            raise rd.fail(f"{p}.id", f"pending decision {output.id} appears twice")
        pending[output.id] = pending_rec(output, route, item_seq)
    for inc in ld.incidents.values():
        for pid in inc.pending:
            if pid not in pending or pending[pid][P_INCIDENT] != inc.id:
                raise StateError(f"incident {inc.id} waits for an unknown decision {pid}")
        for other in (inc.linked_to, *inc.linked):
            if other is not None and other not in ld.incidents:
                raise StateError(f"incident {inc.id} is linked to an unknown incident {other}")
    if sorted(pending) != sorted(pid for inc in ld.incidents.values() for pid in inc.pending):
        raise StateError("pending decisions and the incidents waiting for them disagree")

    resolved: dict[int, DecisionRec | None] = {}
    for i, raw in enumerate(rd.items(rd.field(top, "resolved", "state"), "resolved")):
        p = f"resolved[{i}]"
        pid_raw, did_raw = rd.pair(raw, p)
        pid = rd.integer(pid_raw, p)
        if pid in pending or pid in resolved:
            raise rd.fail(p, f"decision {pid} is both pending and taken, or taken twice")
        if did_raw is None:
            resolved[pid] = None
        else:
            decision = ld.decisions.get(rd.integer(did_raw, p))
            if decision is None:
                raise rd.fail(p, f"no decision {did_raw}")
            resolved[pid] = decision

    recent: dict[tuple[str, str], list[str]] = {}
    for i, raw in enumerate(rd.items(rd.field(top, "recent", "state"), "recent")):
        p = f"recent[{i}]"
        items = rd.items(raw, p)
        if len(items) != 3:
            raise rd.fail(p, "expected [wijkgroep, category, incidents]")
        key = (rd.group(items[0], p), rd.enum(Category, items[1], p).name)
        ids = rd.each(items[2], p, rd.text)
        if key in recent or any(iid not in ld.incidents for iid in ids):
            raise rd.fail(p, "a repeated entry or an unknown incident")
        recent[key] = ids

    heap: list[tuple[float, int, int, Any]] = []
    for i, raw in enumerate(rd.items(rd.field(top, "deadlines", "state"), "deadlines")):
        p = f"deadlines[{i}]"
        items = rd.items(raw, p)
        if len(items) != 4:
            raise rd.fail(p, "expected [deadline, sequence, kind, reference]")
        deadline = rd.number(items[0], p)
        item_seq = rd.integer(items[1], p)
        kind = rd.text(items[2], p)
        ld.max_seq = max(ld.max_seq, item_seq)
        ref: Any
        if kind == "decision":
            ref = rd.integer(items[3], p)
            if ref not in pending:
                raise rd.fail(p, f"no pending decision {ref}")
            heap.append((deadline, item_seq, DECISION_DUE, ref))
        elif kind == "reminder":
            ref = rd.text(items[3], p)
            if ref not in ld.incidents:
                raise rd.fail(p, f"no incident {ref}")
            heap.append((deadline, item_seq, REMINDER_DUE, ref))
        else:
            raise rd.fail(p, f"{kind!r} is not a kind of deadline")
    heap.sort()

    # Counters must stay ahead of every id in use, or the next command would
    # hand out an id twice.
    highest = [
        max((int(iid[1:]) for iid in ld.incidents), default=0),
        max(ld.deliveries, default=0),
        max(ld.decisions, default=0),
        max([*pending, *resolved], default=0),
    ]
    for name, count, high in zip(
        ("incidents", "deliveries", "decisions", "pending"), counts, highest, strict=True
    ):
        if count < high:
            raise StateError(f"counters.{name} is {count}, below the id {high} already in use")
    if seq < ld.max_seq:
        raise StateError(f"counters.sequence is {seq}, below {ld.max_seq} already in use")

    reassigned: dict[int, MemberId] = {}
    for i, raw in enumerate(rd.items(rd.field(top, "reassigned", "state"), "reassigned")):
        p = f"reassigned[{i}]"
        did_raw, member_raw = rd.pair(raw, p)
        did = rd.integer(did_raw, p)
        if did in reassigned or did not in ld.deliveries or did in ld.status:
            raise rd.fail(p, f"a repeated entry, or delivery {did} is not a pending task")
        reassigned[did] = rd.member(member_raw, p)

    ledger = Ledger()
    ledger.incidents = ld.incidents
    ledger.deliveries = Batches(ld.deliveries.values())
    ledger.status = ld.status
    ledger.pending = pending
    ledger.resolved = resolved
    ledger.recent = recent
    ledger.reassigned = reassigned
    ledger.live = {iid: None for iid, inc in ld.incidents.items() if inc.phase in LIVE}
    ledger.closing = {
        iid: None
        for iid, inc in ld.incidents.items()
        if inc.phase not in LIVE and ledger.has_tasks(inc)
    }
    ledger.notices = [iid for iid, inc in ld.incidents.items() if inc.police and inc.phase in LIVE]
    ledger.heap = heap
    ledger.counts = counts
    ledger.seq = seq
    return config, ledger
