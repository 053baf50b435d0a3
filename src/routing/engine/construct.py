"""A measured shortcut: constructors for the relay's frozen outputs that skip attrs' ``__init__``.

attrs' generated ``__init__`` of a frozen class sets each field through
``object.__setattr__``; for the outputs the relay makes on every command
that was, with the other costs of the plain path, what made the layered
engine slower than the one before it. The outputs carry no validators or
converters (see :mod:`routing.engine.outputs`), so setting their slots
directly skips no check. It stays only while ``benchmarks/bench_relay.py``
("fast constructors save ...") and ``benchmarks/bench_simulate.py
--plain-constructors`` show it saving at least 5%, and
``tests/test_fast_constructor.py`` holds every use to the plain path:
equal values, and a whole simulation identical with and without it
(:func:`routing.testing.plain_constructors`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["fast_constructor"]

_T = TypeVar("_T")


def fast_constructor(cls: type[_T]) -> Callable[..., _T]:
    """A constructor for the frozen output class ``cls`` that skips attrs' ``__init__``.

    It sets the slots directly (see the module docstring): the value is the
    one ``cls(...)`` makes, equal, with the same hash and repr. It takes the
    fields by keyword (or in the class's order). The constructor's ``plain``
    attribute is ``cls`` itself, for :func:`routing.testing.plain_constructors`.
    Refuses (``TypeError``) a class with validators, converters or default
    factories, which skipping ``__init__`` would skip; plain defaults are
    kept.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    if any(
        a.validator is not None or a.converter is not None or isinstance(a.default, attrs.Factory)  # type: ignore[arg-type]
        for a in fields
    ):
        # Skipping __init__ would skip a check or a factory: not for such classes.
        raise TypeError(f"{cls.__name__} has validators, converters or default factories")
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    params = []
    body = ["    obj = new(cls)"]
    for i, a in enumerate(fields):
        if a.default is attrs.NOTHING:
            params.append(a.name)
        else:  # a plain default value, shared as attrs shares it
            scope[f"default{i}"] = a.default
            params.append(f"{a.name}=default{i}")
        scope[f"set{i}"] = getattr(cls, a.name).__set__
        body.append(f"    set{i}(obj, {a.name})")
    lines = [f"def make({', '.join(params)}):", *body, "    return obj"]
    exec("\n".join(lines), scope)
    make: Callable[..., _T] = scope["make"]
    make.__qualname__ = make.__name__ = f"make_{cls.__name__}"
    make.plain = cls  # type: ignore[attr-defined]
    return make
