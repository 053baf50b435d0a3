"""A hierarchy as plain data, and back: the JSON export and the journal's snapshots.

The format (``"kind": "routing.hierarchy"``, ``"schema": 1``) is documented in
``docs/persistence.md``. It keeps what a TOML file cannot: member ids exactly as
they were (with the gaps that removed members left, so ids in routes and logs
keep their meaning), the creation order of groups and edges (queries return
them in that order), and the version counters.

Reading it back trusts nothing: every field is type-checked, every reference
resolved, and the rebuilt hierarchy must pass :meth:`Hierarchy.verify`; any
failure is a :class:`~routing.errors.StateError` and nothing is returned.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from typing import Any, TypeVar

from routing.domain.blocks import Block
from routing.domain.codec import decode, encode
from routing.domain.settings import Platform, Settings
from routing.domain.values import Actor, ActorKind, GroupKind, Relation, RulesAcceptance
from routing.errors import StateError

from .records import GemeenteRecord, GroupRecord, Storage, WijkRecord
from .structure import HierarchyReader

#: The model class to rebuild: :class:`routing.model.Hierarchy`, passed in by
#: its ``from_state`` so that this module needs nothing of the model's module.
_H = TypeVar("_H", bound=HierarchyReader)

__all__ = ["KIND", "SCHEMA", "export_hierarchy", "hierarchy_from_state"]

#: The ``kind`` of the document :func:`export_hierarchy` writes.
KIND = "routing.hierarchy"
#: The version of its layout; :func:`hierarchy_from_state` refuses newer ones.
SCHEMA = 1


def _encode(value: object) -> Any:
    return encode(value)


def export_hierarchy(h: HierarchyReader) -> dict[str, Any]:
    """Everything ``h`` holds, as JSON-able plain data (deterministic)."""
    s = h.storage()
    groups: list[dict[str, Any]] = []
    for rec in s.groups.values():
        entry: dict[str, Any] = {
            "id": rec.id,
            "kind": rec.kind.value,
            "wijk": rec.wijk,
            "gemeente": rec.gemeente,
            "platform": _encode(rec.platform),
        }
        if rec.kind is GroupKind.WIJKGROEP:
            entry["residents"] = list(rec.residents)
        elif rec.kind is GroupKind.STUURGROEP:
            entry["members"] = list(rec.members)
            entry["telefoonbeheerder"] = rec.telefoonbeheerder
        elif rec.kind is GroupKind.GEMEENTELIJKE_REGIEGROEP:
            entry["delegates"] = None if rec.delegates is None else sorted(rec.delegates)
        groups.append(entry)
    return {
        "kind": KIND,
        "schema": SCHEMA,
        "settings": _encode(h.settings),
        "gemeenten": [
            {"name": g.name, "wijken": list(g.wijken), "regiegroep": g.regiegroep}
            for g in s.gemeenten.values()
        ],
        "wijken": [
            {
                "name": w.name,
                "gemeente": w.gemeente,
                "regiegroep": w.regiegroep,
                "stuurgroepen": list(w.stuurgroepen),
            }
            for w in s.wijken.values()
        ],
        "groups": groups,
        "edges": [[u, v, d["rel"].value] for u, v, d in s.graph.edges(data=True)],
        # Columns, as in memory: a removed member is a null name.
        "names": list(s.names),
        "buurten": list(s.buurten),
        "phones": {str(m): p for m, p in sorted(s.phones.items())},
        "rules": {str(m): _encode(r) for m, r in sorted(s.rules.items())},
        "blocks": [{"key": b.key, "stuurgroep": b.stuurgroep} for b in s.blocks.values()],
        "actors": [
            {
                "id": a.id,
                "kind": a.kind.value,
                "name": a.name,
                "organisation": a.organisation,
                "wijken": sorted(a.wijken),
            }
            for a in s.actors.values()
        ],
        "version": s.version,
        "structure_version": s.structure_version,
    }


class _Reader:
    """Typed access to an untrusted mapping; every failure names its place."""

    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> StateError:
        return StateError(f"{where}: {problem}", source=self.source)

    def get(self, data: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if not isinstance(data, Mapping):
            raise self.fail(where, "expected an object")
        if key not in data:
            raise self.fail(f"{where}.{key}", "missing")
        value = data[key]
        # bool is an int in Python; a JSON true is never a count or an id here.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(f"{where}.{key}", f"expected {_names(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(
                f"{where}.{key}", f"expected {_names(kind)}, got {type(value).__name__}"
            )
        return value

    def ints(self, values: Any, where: str) -> list[int]:
        if not isinstance(values, list) or not all(type(v) is int and v >= 0 for v in values):
            raise self.fail(where, "expected a list of member ids")
        return values

    def strs(self, values: Any, where: str, *, nullable: bool = False) -> list[Any]:
        ok = (str, type(None)) if nullable else (str,)
        if not isinstance(values, list) or not all(isinstance(v, ok) for v in values):
            raise self.fail(where, "expected a list of strings")
        return values

    def value(self, cls: type[Any], data: Any, where: str) -> Any:
        """An attrs value (a Platform, the Settings), through the domain's codec."""
        try:
            return decode(cls, data)
        except StateError as err:
            raise self.fail(where, err.problem) from err

    def platform(self, data: Any, where: str) -> Platform:
        platform: Platform = self.value(Platform, data, where)
        return platform


def _names(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join("null" if k is type(None) else k.__name__ for k in kinds)


def hierarchy_from_state(
    cls: type[_H],
    state: Mapping[str, Any],
    *,
    settings: Settings | None = None,
    source: str | None = None,
) -> _H:
    """Rebuild the hierarchy that :func:`export_hierarchy` wrote.

    ``settings`` overrides the exported ones. Raises :class:`StateError` for
    anything that is not a valid export of schema version 1 or older.
    """
    r = _Reader(source)
    if not isinstance(state, Mapping):
        raise r.fail("state", "expected an object")
    if state.get("kind") != KIND:
        raise r.fail("kind", f"not a routing hierarchy (kind {state.get('kind')!r})")
    schema = r.get(state, "schema", int, "state")
    if schema > SCHEMA:
        raise r.fail(
            "schema", f"written by a newer version (schema {schema}, this reads up to {SCHEMA})"
        )
    if schema < 1:
        raise r.fail("schema", f"unknown schema {schema}")
    if settings is None:
        settings = r.value(Settings, r.get(state, "settings", Mapping, "state"), "settings")

    s = Storage()
    names = r.strs(r.get(state, "names", list, "state"), "names", nullable=True)
    buurten = r.strs(r.get(state, "buurten", list, "state"), "buurten", nullable=True)
    if len(buurten) != len(names):
        raise r.fail("buurten", "not as long as names")
    s.names = list(names)
    s.buurten = list(buurten)
    s.home = [None] * len(names)

    for i, g in enumerate(r.get(state, "gemeenten", list, "state")):
        where = f"gemeenten[{i}]"
        gem = GemeenteRecord(r.get(g, "name", str, where))
        gem.wijken = r.strs(r.get(g, "wijken", list, where), f"{where}.wijken")
        gem.regiegroep = r.get(g, "regiegroep", (str, type(None)), where)
        if gem.name in s.gemeenten:
            raise r.fail(where, f"gemeente {gem.name!r} appears twice")
        s.gemeenten[gem.name] = gem
    for i, w in enumerate(r.get(state, "wijken", list, "state")):
        where = f"wijken[{i}]"
        area = WijkRecord(r.get(w, "name", str, where), r.get(w, "gemeente", str, where))
        area.regiegroep = r.get(w, "regiegroep", (str, type(None)), where)
        area.stuurgroepen = r.strs(r.get(w, "stuurgroepen", list, where), f"{where}.stuurgroepen")
        if area.name in s.wijken or area.gemeente not in s.gemeenten:
            raise r.fail(where, f"wijk {area.name!r} is repeated or in no known gemeente")
        s.wijken[area.name] = area

    kinds = {k.value: k for k in GroupKind}
    for i, g in enumerate(r.get(state, "groups", list, "state")):
        where = f"groups[{i}]"
        gid = r.get(g, "id", str, where)
        kind = kinds.get(r.get(g, "kind", str, where))
        if kind is None or gid in s.groups or not gid:
            raise r.fail(where, f"unknown kind or repeated id {gid!r}")
        rec = GroupRecord(
            gid,
            kind,
            r.get(g, "wijk", (str, type(None)), where),
            r.get(g, "gemeente", str, where),
            r.platform(r.get(g, "platform", Mapping, where), f"{where}.platform"),
        )
        if kind is GroupKind.WIJKGROEP:
            residents = r.ints(r.get(g, "residents", list, where), f"{where}.residents")
            for mid in residents:
                if mid >= len(names) or names[mid] is None or s.home[mid] is not None:
                    raise r.fail(
                        f"{where}.residents", f"member {mid} is unknown or lives in two wijkgroepen"
                    )
                s.home[mid] = rec
            rec.residents = array("q", residents)
        elif kind is GroupKind.STUURGROEP:
            rec.members = r.ints(r.get(g, "members", list, where), f"{where}.members")
            rec.telefoonbeheerder = r.get(g, "telefoonbeheerder", int, where)
        elif kind is GroupKind.GEMEENTELIJKE_REGIEGROEP:
            delegates = r.get(g, "delegates", (list, type(None)), where)
            rec.delegates = (
                None if delegates is None else frozenset(r.ints(delegates, f"{where}.delegates"))
            )
        s.groups[gid] = rec
        s.graph.add_node(gid, kind=kind)
    for rec in s.groups.values():
        if rec.kind is GroupKind.STUURGROEP:
            for mid in rec.members:
                if mid >= len(names) or s.home[mid] is None or mid in s.stuurgroep_of:
                    raise r.fail(
                        f"group {rec.id!r}",
                        f"member {mid} is not a resident or sits in two stuurgroepen",
                    )
                s.stuurgroep_of[mid] = rec
    if any(n is not None and home is None for n, home in zip(names, s.home, strict=True)):
        raise r.fail("names", "a member without a wijkgroep")

    relations = {rel.value: rel for rel in Relation}
    for i, e in enumerate(r.get(state, "edges", list, "state")):
        if (
            not isinstance(e, list)
            or len(e) != 3
            or not all(isinstance(part, str) for part in e)
            or e[0] not in s.groups
            or e[1] not in s.groups
            or e[2] not in relations
        ):
            raise r.fail(f"edges[{i}]", "expected [group, group, relation] of known groups")
        s.graph.add_edge(e[0], e[1], rel=relations[e[2]])

    phones = r.get(state, "phones", Mapping, "state")
    for key, phone in phones.items():
        if not (
            isinstance(key, str)
            and key.isdigit()
            and isinstance(phone, str)
            and int(key) < len(names)
            and s.home[int(key)] is not None
        ):
            raise r.fail(f"phones.{key}", "expected a live member id and a phone number")
        s.phones[int(key)] = phone
    rules = r.get(state, "rules", Mapping, "state")
    for key, accepted in rules.items():
        if not (
            isinstance(key, str)
            and key.isdigit()
            and int(key) < len(names)
            and s.home[int(key)] is not None
        ):
            raise r.fail(f"rules.{key}", "expected a live member id")
        s.rules[int(key)] = r.value(RulesAcceptance, accepted, f"rules.{key}")
    for i, b in enumerate(r.get(state, "blocks", list, "state")):
        where = f"blocks[{i}]"
        block = Block(
            key=r.get(b, "key", str, where), stuurgroep=r.get(b, "stuurgroep", str, where)
        )
        if (
            block.key in s.blocks
            or len(block.key) != 32
            or any(ch not in "0123456789abcdef" for ch in block.key)
            or block.stuurgroep not in s.groups
            or s.groups[block.stuurgroep].kind is not GroupKind.STUURGROEP
        ):
            raise r.fail(where, "a repeated or malformed key, or an unknown stuurgroep")
        s.blocks[block.key] = block
    actor_kinds = {k.value: k for k in ActorKind}
    for i, a in enumerate(r.get(state, "actors", list, "state")):
        where = f"actors[{i}]"
        actor_kind = actor_kinds.get(r.get(a, "kind", str, where))
        if actor_kind is None:
            raise r.fail(f"{where}.kind", "unknown actor kind")
        try:
            actor = Actor(
                id=r.get(a, "id", str, where),
                kind=actor_kind,
                name=r.get(a, "name", str, where),
                organisation=r.get(a, "organisation", str, where),
                wijken=frozenset(r.strs(r.get(a, "wijken", list, where), f"{where}.wijken")),
            )
        except (TypeError, ValueError) as err:
            raise r.fail(where, str(err)) from err
        if actor.id in s.actors or not actor.wijken <= s.wijken.keys():
            raise r.fail(where, "repeated actor, or a wijk that does not exist")
        s.actors[actor.id] = actor
    s.version = r.get(state, "version", int, "state")
    s.structure_version = r.get(state, "structure_version", int, "state")

    # The structural cross-references (wijken <-> groups <-> edges) are many;
    # past the records' own, the model's invariant check decides.
    problems = _cross_check(s)
    h = cls(settings, storage=s)
    if not problems:
        problems = _verify(h)
    if problems:
        raise r.fail("state", "; ".join(problems[:5]))
    return h


def _cross_check(s: Storage) -> list[str]:
    """What is wrong in how the records name each other (wijken, gemeenten, groups)."""
    problems: list[str] = []
    for name, gem in s.gemeenten.items():
        problems.extend(
            f"gemeente {name!r} lists wijk {w!r} that is not its own"
            for w in gem.wijken
            if w not in s.wijken or s.wijken[w].gemeente != name
        )
        if gem.regiegroep is not None and (
            gem.regiegroep not in s.groups
            or s.groups[gem.regiegroep].kind is not GroupKind.GEMEENTELIJKE_REGIEGROEP
        ):
            problems.append(f"gemeente {name!r} names a missing gemeentelijke regiegroep")
    for name, area in s.wijken.items():
        if name not in s.gemeenten[area.gemeente].wijken:
            problems.append(f"wijk {name!r} is not listed by its gemeente")
        problems.extend(
            f"wijk {name!r} lists unknown stuurgroep {sg!r}"
            for sg in area.stuurgroepen
            if sg not in s.groups or s.groups[sg].kind is not GroupKind.STUURGROEP
        )
        if area.regiegroep is not None and (
            area.regiegroep not in s.groups
            or s.groups[area.regiegroep].kind is not GroupKind.REGIEGROEP
        ):
            problems.append(f"wijk {name!r} names a missing regiegroep")
    for gid, rec in s.groups.items():
        if rec.gemeente not in s.gemeenten or (rec.wijk is not None and rec.wijk not in s.wijken):
            problems.append(f"group {gid!r} is in an unknown wijk or gemeente")
        elif rec.kind is GroupKind.STUURGROEP and (
            rec.wijk is None or gid not in s.wijken[rec.wijk].stuurgroepen
        ):
            # A stuurgroep saved without its wijk is one no wijk lists.
            problems.append(f"stuurgroep {gid!r} is not listed by its wijk")
    return problems


def _verify(h: HierarchyReader) -> list[str]:
    """The invariants of a hierarchy whose records name each other correctly."""
    try:
        return h.verify()
    except (KeyError, IndexError, StopIteration, TypeError) as err:
        return [f"inconsistent structure ({type(err).__name__}: {err})"]
