"""Meldingen as plain data, and a typed reader for untrusted plain data.

:func:`melding_to_plain` and :func:`melding_from_plain` turn a
:class:`~routing.domain.melding.Melding` into JSON-able data and back (enums by
name, a kenteken and a postcode as printed, a time in ISO form); the relay's
state (:mod:`routing.engine.state`) and the journal use them. :class:`PlainReader`
gives typed access to untrusted data: every failure is a
:class:`~routing.errors.StateError` that names the place in the data. The
relay's state reader extends it with the checks that need a hierarchy (which
groups and members exist).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from routing.errors import RoutingError, StateError

from .melding import (
    Build,
    Category,
    Estimate,
    Melding,
    Person,
    Photo,
    PhotoSubject,
    Sex,
    Vehicle,
)
from .place import Compass, Place, Transport

__all__ = ["PlainReader", "melding_from_plain", "melding_to_plain", "read_melding"]

_E = TypeVar("_E", bound=enum.Enum)
_T = TypeVar("_T")


def _name(value: enum.Enum | None) -> str | None:
    return None if value is None else value.name


def melding_to_plain(m: Melding) -> dict[str, Any]:
    """A melding as plain data; :func:`melding_from_plain` reads it back."""
    place = m.place
    return {
        "category": m.category.name,
        "called_112": m.called_112,
        "persons": [
            {
                "sex": p.sex.name,
                "age": None if p.age is None else [p.age.low, p.age.high],
                "height_cm": None if p.height_cm is None else [p.height_cm.low, p.height_cm.high],
                "build": _name(p.build),
                "skin": p.skin,
                "hair": p.hair,
                "face": p.face,
                "clothing": p.clothing,
                "particulars": list(p.particulars),
            }
            for p in m.persons
        ],
        "vehicles": [
            {
                "kind": v.kind.name,
                "colour": v.colour,
                "make": v.make,
                "model": v.model,
                "kenteken": None if v.kenteken is None else v.kenteken.value,
            }
            for v in m.vehicles
        ],
        "place": None
        if place is None
        else {
            "street": place.street,
            "buurt": place.buurt,
            "postcode": None if place.postcode is None else str(place.postcode),
            "landmark": place.landmark,
        },
        "direction": m.direction,
        "heading": _name(m.heading),
        "transport": _name(m.transport),
        "seen_at": None if m.seen_at is None else m.seen_at.isoformat(),
        "action": m.action,
        "text": m.text,
        "photos": [
            {"reference": p.reference, "subject": p.subject.name, "reason": p.reason}
            for p in m.photos
        ],
    }


class PlainReader:
    """Typed access to untrusted plain data; every failure is a StateError with a path."""

    @staticmethod
    def fail(path: str, problem: str) -> StateError:
        return StateError(f"{path}: {problem}")

    def obj(self, value: object, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, "expected an object")
        return value

    def field(self, obj: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in obj:
            raise self.fail(path, f"missing field {key!r}")
        return obj[key]

    def items(self, value: object, path: str) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise self.fail(path, "expected a list")
        return list(value)

    def text(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, "expected text")
        return value

    def opt_text(self, value: object, path: str) -> str | None:
        return None if value is None else self.text(value, path)

    def integer(self, value: object, path: str) -> int:
        if type(value) is not int:
            raise self.fail(path, "expected a whole number")
        return value

    def flag(self, value: object, path: str) -> bool:
        if type(value) is not bool:
            raise self.fail(path, "expected true or false")
        return value

    def number(self, value: object, path: str) -> float:
        if type(value) not in (int, float) or not math.isfinite(value):  # type: ignore[arg-type]
            raise self.fail(path, "expected a finite number")
        return float(value)  # type: ignore[arg-type]

    def opt_number(self, value: object, path: str) -> float | None:
        return None if value is None else self.number(value, path)

    def enum(self, cls: type[_E], value: object, path: str) -> _E:
        name = self.text(value, path)
        try:
            return cls[name]
        except KeyError:
            raise self.fail(path, f"{name!r} is not a {cls.__name__}") from None

    def opt_enum(self, cls: type[_E], value: object, path: str) -> _E | None:
        return None if value is None else self.enum(cls, value, path)

    def each(self, value: object, path: str, read: Callable[[Any, str], _T]) -> list[_T]:
        return [read(item, f"{path}[{i}]") for i, item in enumerate(self.items(value, path))]

    def pair(self, value: object, path: str) -> tuple[Any, Any]:
        items = self.items(value, path)
        if len(items) != 2:
            raise self.fail(path, "expected a pair")
        return items[0], items[1]


def _estimate(rd: PlainReader, value: object, path: str) -> Estimate | None:
    if value is None:
        return None
    low, high = rd.pair(value, path)
    return Estimate(low=rd.integer(low, path), high=rd.integer(high, path))


def melding_from_plain(value: object, *, path: str = "melding") -> Melding:
    """Read back what :func:`melding_to_plain` wrote; :class:`StateError` if it is not that."""
    rd = PlainReader()
    try:
        return read_melding(rd, value, path)
    except StateError:
        raise
    except (RoutingError, ValueError, TypeError) as exc:
        raise StateError(f"{path}: {exc}") from None


def read_melding(rd: PlainReader, value: object, path: str) -> Melding:
    """The melding at ``path`` of untrusted data, read with ``rd``; a StateError says where."""
    o = rd.obj(value, path)

    def f(key: str) -> Any:
        return rd.field(o, key, path)

    def text(key: str) -> str:
        return rd.text(f(key), f"{path}.{key}")

    def person(v: object, p: str) -> Person:
        po = rd.obj(v, p)
        return Person(
            sex=rd.enum(Sex, rd.field(po, "sex", p), f"{p}.sex"),
            age=_estimate(rd, rd.field(po, "age", p), f"{p}.age"),
            height_cm=_estimate(rd, rd.field(po, "height_cm", p), f"{p}.height_cm"),
            build=rd.opt_enum(Build, rd.field(po, "build", p), f"{p}.build"),
            skin=rd.text(rd.field(po, "skin", p), f"{p}.skin"),
            hair=rd.text(rd.field(po, "hair", p), f"{p}.hair"),
            face=rd.text(rd.field(po, "face", p), f"{p}.face"),
            clothing=rd.text(rd.field(po, "clothing", p), f"{p}.clothing"),
            particulars=rd.each(rd.field(po, "particulars", p), f"{p}.particulars", rd.text),
        )

    def vehicle(v: object, p: str) -> Vehicle:
        vo = rd.obj(v, p)
        return Vehicle(
            kind=rd.enum(Transport, rd.field(vo, "kind", p), f"{p}.kind"),
            colour=rd.text(rd.field(vo, "colour", p), f"{p}.colour"),
            make=rd.text(rd.field(vo, "make", p), f"{p}.make"),
            model=rd.text(rd.field(vo, "model", p), f"{p}.model"),
            kenteken=rd.opt_text(rd.field(vo, "kenteken", p), f"{p}.kenteken"),
        )

    def photo(v: object, p: str) -> Photo:
        po = rd.obj(v, p)
        return Photo(
            reference=rd.text(rd.field(po, "reference", p), f"{p}.reference"),
            subject=rd.enum(PhotoSubject, rd.field(po, "subject", p), f"{p}.subject"),
            reason=rd.text(rd.field(po, "reason", p), f"{p}.reason"),
        )

    place: Place | None = None
    raw_place = f("place")
    if raw_place is not None:
        pp = f"{path}.place"
        po = rd.obj(raw_place, pp)
        place = Place(
            street=rd.text(rd.field(po, "street", pp), f"{pp}.street"),
            buurt=rd.text(rd.field(po, "buurt", pp), f"{pp}.buurt"),
            postcode=rd.opt_text(rd.field(po, "postcode", pp), f"{pp}.postcode"),
            landmark=rd.text(rd.field(po, "landmark", pp), f"{pp}.landmark"),
        )
    seen_raw = rd.opt_text(f("seen_at"), f"{path}.seen_at")
    try:
        seen_at = None if seen_raw is None else dt.datetime.fromisoformat(seen_raw)
    except ValueError:
        raise rd.fail(f"{path}.seen_at", "not an ISO date and time") from None
    return Melding(
        category=rd.enum(Category, f("category"), f"{path}.category"),
        called_112=rd.flag(f("called_112"), f"{path}.called_112"),
        persons=rd.each(f("persons"), f"{path}.persons", person),
        vehicles=rd.each(f("vehicles"), f"{path}.vehicles", vehicle),
        place=place,
        direction=rd.opt_text(f("direction"), f"{path}.direction"),
        heading=rd.opt_enum(Compass, f("heading"), f"{path}.heading"),
        transport=rd.opt_enum(Transport, f("transport"), f"{path}.transport"),
        seen_at=seen_at,
        action=text("action"),
        text=text("text"),
        photos=rd.each(f("photos"), f"{path}.photos", photo),
    )
