"""A strict JSON codec for the frozen attrs values of ``routing``.

Theory of operation
-------------------

The journal (:mod:`routing.persist.journal`) records *data*, never method calls:
every accepted hierarchy change (:mod:`routing.hierarchy.changes`) and every accepted
relay command (:mod:`routing.engine.commands`) becomes one JSON object with a type
tag (:mod:`routing.persist.events` keeps the tags). This module turns such values
into JSON and back; the hierarchy's state uses it for its platforms and settings.

It is driven by the classes themselves rather than by hand-written
``to_dict``/``from_dict`` pairs: :func:`attrs.fields` and the resolved type
hints of each class give the field names and types, so a field added to a
command is journaled without touching this file, and a hand-written pair
cannot drift from the class it serialises. Each class is compiled once into
a plan of per-field encoders and decoders (closures specialised to the
field's type), because the journal replays a hundred thousand events a
second and a ``get_type_hints`` per event would cost more than the event.

The mapping, field by field:

* ``bool``, ``int``, ``str``, ``None``: as themselves; a ``float`` must be
  finite (JSON has no infinity); ``int | str`` (who asks: a member id or an
  actor id) as whichever it is;
* enums: by value (the Dutch label for the labelled enums);
* ``tuple[X, ...]`` and ``frozenset[X]``: JSON lists (a frozenset sorted, so
  equal values give equal bytes);
* ``dict[str, X]`` / ``Mapping[str, X]``: JSON objects;
* ``datetime``: ISO 8601 text;
* nested attrs values (:class:`~routing.domain.melding.Melding`,
  :class:`~routing.domain.melding.Person`, :class:`~routing.domain.kenteken.Kenteken`,
  :class:`~routing.domain.place.Place`, :class:`~routing.domain.settings.Platform`,
  :class:`~routing.domain.values.Applicant`, ...): JSON objects keyed by field name.

Decoding is strict and re-runs every validator and converter: it rebuilds
the value through its own ``__init__``, so an event that would not pass
validation today is refused, never smuggled in. A JSON type that does not
match the field's type, an unknown key, a missing required key or a failed
validator all become one :class:`~routing.errors.CorruptStateError` that
names where it happened (the journal adds the sequence number).

*Trusted decoding.* :func:`decode_trusted` is for one caller only: the
journal's replay of rows whose checksum verified. Such a row holds exactly
what :func:`encode` wrote for a value that had already passed its
validators and converters, so running them again proves nothing new and
cost about half of replay's time. It builds the value field by field
(``object.__new__`` and ``object.__setattr__``, as attrs' own frozen
``__init__`` does) from a straight-line function compiled once per class,
converting only what JSON cannot carry (tuples, enums, nested values,
times). It checks nothing: anything it does not expect (an unknown or
missing key, as an event written before a field was added) raises, and the
caller then decodes the same data strictly, which either accepts it or
names the problem. A class with a field outside ``__init__`` has no
trusted builder and is always decoded strictly. The
``__attrs_post_init__`` hooks of the journaled classes only check, or
derive a field that is itself encoded (a kenteken's side codes), so
skipping them loses nothing; ``tests/test_codec.py`` holds the two decoders
to identical results.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from routing.errors import CorruptStateError, RoutingError

__all__ = ["decode", "decode_trusted_value", "dump", "encode", "trusted_builder"]

_T = TypeVar("_T")
_Enc = Callable[[Any], Any]
_Dec = Callable[[Any, str], Any]


class _Bad(Exception):
    """Internal: a decoding problem, with the path where it was found."""


def encode(value: Any) -> dict[str, Any]:
    """An attrs value as a JSON-able dict (no type tag)."""
    plan = _plan(type(value))
    return plan.encode(value)


def dump(value: Any) -> str:
    """Compact JSON, UTF-8 kept as is (so a byte search finds a name if it is there)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def decode(cls: type[Any], data: object, *, where: str = "") -> Any:
    """Rebuild an attrs value of ``cls`` from JSON data, re-running its validators.

    Raises :class:`~routing.errors.CorruptStateError` naming ``where``
    and the field path if anything does not fit.
    """
    try:
        return _plan(cls).decode(data, cls.__name__)
    except _Bad as exc:
        raise CorruptStateError(f"{where}{': ' if where else ''}{exc}") from None


def trusted_builder(cls: type[_T]) -> Callable[[Any], _T]:
    """The builder that :func:`decode_trusted_value` uses for ``cls``, made once.

    The same terms: only for what :func:`encode` made from a valid value. The
    journal keeps one per event type.
    """
    return _trusted(cls)


def decode_trusted_value(cls: type[_T], data: Any) -> _T:
    """Rebuild a value of ``cls`` from a row that passed its checksum, without validators.

    Only for data this module encoded from a valid value (see the module
    docstring). Raises (:class:`KeyError`, :class:`TypeError`, ...) on
    anything unexpected, and never names a field: the caller must then use
    :func:`decode`, which gives the same value or a precise error.
    """
    value: _T = _trusted(cls)(data)
    return value


# ------------------------------------------------------------------ compiling


class _Plan:
    __slots__ = ("cls", "decoders", "encoders", "required")

    def __init__(self, cls: type) -> None:
        self.cls = cls
        hints = typing.get_type_hints(cls)
        self.encoders: list[tuple[str, _Enc]] = []
        self.decoders: dict[str, tuple[str, _Dec]] = {}
        self.required: set[str] = set()
        for field in attrs.fields(cls):
            if not field.init:
                continue
            hint = hints[field.name]
            self.encoders.append((field.name, _encoder(hint)))
            self.decoders[field.name] = (field.alias or field.name, _decoder(hint))
            if field.default is attrs.NOTHING:
                self.required.add(field.name)

    def encode(self, value: Any) -> dict[str, Any]:
        return {name: enc(getattr(value, name)) for name, enc in self.encoders}

    def decode(self, data: Any, path: str) -> Any:
        if type(data) is not dict:
            raise _Bad(f"{path}: expected an object, got {type(data).__name__}")
        decoders = self.decoders
        kwargs: dict[str, Any] = {}
        for key, item in data.items():
            spec = decoders.get(key)
            if spec is None:
                raise _Bad(f"{path}: unknown field {key!r}")
            alias, dec = spec
            kwargs[alias] = dec(item, f"{path}.{key}")
        if not self.required.issubset(data):
            missing = sorted(self.required - set(data))
            raise _Bad(f"{path}: missing field {missing[0]!r}")
        try:
            return self.cls(**kwargs)
        except (RoutingError, TypeError, ValueError, AttributeError, KeyError) as exc:
            raise _Bad(f"{path}: {exc}") from None


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        if not attrs.has(cls):
            raise TypeError(f"cannot encode {cls.__name__}: not an attrs class")
        plan = _PLANS[cls] = _Plan(cls)
    return plan


def _identity(value: Any) -> Any:
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot journal a non-finite number: {value!r}")
    return value


def _encoder(hint: Any) -> _Enc:
    hint = _unwrap(hint)
    if hint in (bool, int, str, type(None)) or hint is Any:
        return _identity
    if hint is float:
        return _finite
    if hint is dt.datetime:
        return lambda v: v.isoformat()
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return lambda v: v.value
    if isinstance(hint, type) and attrs.has(hint):
        return lambda v: _plan(hint).encode(v)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            enc = _encoder(inner[0])
            return lambda v: None if v is None else enc(v)
        return _by_value
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _encoder(args[0])
            return lambda v: [item(x) for x in v]
        items = [_encoder(a) for a in args]
        return lambda v: [enc(x) for enc, x in zip(items, v, strict=True)]
    if origin is frozenset:
        item = _encoder(args[0])
        return lambda v: sorted((item(x) for x in v), key=repr)
    if origin in (dict, Mapping):
        val = _encoder(args[1])
        return lambda v: {str(k): val(x) for k, x in v.items()}
    raise TypeError(f"the codec does not know how to journal {hint!r}")


def _by_value(value: Any) -> Any:
    # A union of several non-None types: pick the encoder from the value.
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _finite(value)
    return _encoder(type(value))(value)


def _unwrap(hint: Any) -> Any:
    # NewType (MemberId) journals as its base type.
    while hasattr(hint, "__supertype__"):
        hint = hint.__supertype__
    return hint


def _expect(kind: type | tuple[type, ...], name: str) -> _Dec:
    def dec(value: Any, path: str) -> Any:
        if type(value) is bool and kind is not bool:
            raise _Bad(f"{path}: expected {name}, got a boolean")
        if not isinstance(value, kind):
            raise _Bad(f"{path}: expected {name}, got {type(value).__name__}")
        return value

    return dec


def _dec_float(value: Any, path: str) -> Any:
    if type(value) is bool or not isinstance(value, int | float):
        raise _Bad(f"{path}: expected a number, got {type(value).__name__}")
    return float(value)


def _dec_datetime(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise _Bad(f"{path}: expected an ISO 8601 time, got {type(value).__name__}")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{path}: not an ISO 8601 time: {value!r}") from None


def _decoder(hint: Any) -> _Dec:
    hint = _unwrap(hint)
    if hint is Any:
        return lambda v, _: v
    if hint is bool:
        return _expect(bool, "true or false")
    if hint is int:
        return _expect(int, "an integer")
    if hint is str:
        return _expect(str, "text")
    if hint is float:
        return _dec_float
    if hint is type(None):
        return _expect(type(None), "null")
    if hint is dt.datetime:
        return _dec_datetime
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum_decoder(hint)
    if isinstance(hint, type) and attrs.has(hint):
        return lambda v, path: _plan(hint).decode(v, path)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        if len(inner) > 1 and all(a in _SCALARS for a in inner):
            return _scalar_union(tuple(args))
        if len(inner) != 1:
            raise TypeError(f"the codec cannot decode the union {hint!r}")
        dec = _decoder(inner[0])
        return lambda v, path: None if v is None else dec(v, path)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda v, path: tuple(
                item(x, f"{path}[{i}]") for i, x in enumerate(_list(v, path))
            )
        items = [_decoder(a) for a in args]

        def fixed(v: Any, path: str) -> Any:
            values = _list(v, path)
            if len(values) != len(items):
                raise _Bad(f"{path}: expected {len(items)} items, got {len(values)}")
            return tuple(
                d(x, f"{path}[{i}]") for i, (d, x) in enumerate(zip(items, values, strict=True))
            )

        return fixed
    if origin is frozenset:
        item = _decoder(args[0])
        return lambda v, path: frozenset(
            item(x, f"{path}[{i}]") for i, x in enumerate(_list(v, path))
        )
    if origin in (dict, Mapping):
        val = _decoder(args[1])

        def mapping(v: Any, path: str) -> Any:
            if type(v) is not dict:
                raise _Bad(f"{path}: expected an object, got {type(v).__name__}")
            return {k: val(x, f"{path}.{k}") for k, x in v.items()}

        return mapping
    raise TypeError(f"the codec does not know how to read {hint!r}")


#: The JSON types a union of several may be made of (``int | str``: a member or an actor).
_SCALARS: tuple[type, ...] = (int, str)


def _scalar_union(kinds: tuple[type, ...]) -> _Dec:
    # JSON tells an integer from a string, so the value says which it is; a
    # boolean is an int to Python but never one of these.
    names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)

    def dec(value: Any, path: str) -> Any:
        if type(value) not in kinds:
            raise _Bad(f"{path}: expected {names}, got {type(value).__name__}")
        return value

    return dec


def _list(value: Any, path: str) -> list[Any]:
    if type(value) is not list:
        raise _Bad(f"{path}: expected a list, got {type(value).__name__}")
    return value


def _enum_decoder(cls: type[enum.Enum]) -> _Dec:
    # JSON has no tuples: an enum whose values are tuples comes back as a list.
    by_value: dict[Any, enum.Enum] = {}
    for member in cls:
        key = member.value
        by_value[tuple(key) if isinstance(key, tuple) else key] = member

    def dec(value: Any, path: str) -> Any:
        key = tuple(value) if type(value) is list else value
        try:
            return by_value[key]
        except (KeyError, TypeError):
            raise _Bad(f"{path}: {value!r} is not a {cls.__name__}") from None

    return dec


# ------------------------------------------------------------------ trusted


class _Untrusted(Exception):
    """Internal: a type the trusted builder does not cover; the class decodes strictly."""


_Conv = Callable[[Any], Any]
_TRUSTED: dict[type, _Conv] = {}


def _trusted(cls: type) -> _Conv:
    """The trusted builder of ``cls``: JSON object in, value out, no checks."""
    build = _TRUSTED.get(cls)
    if build is None:
        try:
            build = _compile_trusted(cls)
        except _Untrusted:
            plan = _plan(cls)
            build = lambda data: plan.decode(data, cls.__name__)  # noqa: E731
        _TRUSTED[cls] = build
    return build


def _compile_trusted(cls: type) -> _Conv:
    fields = attrs.fields(cls)
    if any(not f.init for f in fields):
        raise _Untrusted(cls)  # a field __init__ computes: only __init__ knows how
    hints = typing.get_type_hints(cls)
    # Straight-line code, one statement per field: a loop over (name,
    # converter) pairs costs more than the assignments themselves. A slot is
    # filled through its descriptor, as routing.engine.outputs._builder does:
    # object.__setattr__ would look the name up on the class every time.
    # The helpers are bound as defaults, the fastest look-up there is.
    namespace: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_cls": cls}
    body = [f"    if len(d) != {len(fields)}: raise KeyError('fields')", "    o = _new(_cls)"]
    for i, f in enumerate(fields):
        conv = _trusted_conv(hints[f.name])
        value = f"d[{f.name!r}]"
        if conv is not None:
            namespace[f"_c{i}"] = conv
            value = f"_c{i}({value})"
        slot = inspect.getattr_static(cls, f.name, None)
        if type(slot) is types.MemberDescriptorType:
            namespace[f"_s{i}"] = slot.__set__
            body.append(f"    _s{i}(o, {value})")
        else:
            body.append(f"    _set(o, {f.name!r}, {value})")
    body.append("    return o")
    bound = ", ".join(f"{name}={name}" for name in namespace)
    lines = [f"def build(d, *, {bound}):", *body]
    exec("\n".join(lines), namespace)  # our own source, built from field names
    build: _Conv = namespace["build"]
    return build


def _trusted_conv(hint: Any) -> _Conv | None:
    """What turns the JSON of ``hint`` back into the value; ``None``: JSON is the value."""
    hint = _unwrap(hint)
    if hint in (bool, int, str, type(None)) or hint is Any:
        return None
    if hint is float:
        return float  # as the strict decoder does, so both give a float for a JSON int
    if hint is dt.datetime:
        return dt.datetime.fromisoformat
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if any(isinstance(m.value, tuple) for m in hint):
            strict = _enum_decoder(hint)
            return lambda v: strict(v, "")
        return {m.value: m for m in hint}.__getitem__
    if isinstance(hint, type) and attrs.has(hint):
        return _trusted(hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        if len(inner) > 1 and all(a in _SCALARS for a in inner):
            return None  # the JSON value is the value
        if len(inner) != 1:
            raise _Untrusted(hint)
        conv = _trusted_conv(inner[0])
        if conv is None:
            return None
        return lambda v: None if v is None else conv(v)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _trusted_conv(args[0])
            if item is None:
                return tuple
            each = item
            return lambda v: tuple([each(x) for x in v])
        items = [_trusted_conv(a) for a in args]
        if all(c is None for c in items):
            return tuple
        return lambda v: tuple(x if c is None else c(x) for c, x in zip(items, v, strict=True))
    if origin is frozenset:
        member = _trusted_conv(args[0])
        if member is None:
            return frozenset
        each_member = member
        return lambda v: frozenset([each_member(x) for x in v])
    if origin in (dict, Mapping):
        value = _trusted_conv(args[1])
        if value is None:
            return dict
        each_value = value
        return lambda v: {k: each_value(x) for k, x in v.items()}
    raise _Untrusted(hint)
