"""Any value in any field: refused with a typed error, or accepted for good.

Every hierarchy change and relay command (every journaled type), and every
value they hold (a melding and its persons, vehicles, photos, place,
postcode and kenteken; an applicant, an actor, a platform), is built here
with arbitrary values in arbitrary fields. The fields are read from
:func:`attrs.fields`, so a field added to a class is covered without
touching this file. Each value is drawn from a broad strategy (ints of any
size and sign, bools, floats with nan and infinities, text with lone
surrogates, bytes, lists, dicts, None, instances of the wrong class) or is
a valid one for the journal's state.

The properties:

* building a value either raises a :class:`~routing.errors.RoutingError`
  subclass or gives a value;
* a value that was built, executed on a real journal (an SQLite file),
  either raises a ``RoutingError`` (never a :class:`JournalWriteError`: a
  healthy disk takes whatever was accepted) with the state unchanged, or is
  applied; then the state survives the codec, a replay, the JSON export and
  a snapshot, and reopening the journal gives the same state.

The default run is short. A long one::

    ROUTING_BAD_INPUT_EXAMPLES=20000 ROUTING_BAD_INPUT_JOURNAL_EXAMPLES=3000 \\
        ROUTING_BAD_INPUT_TALLY=tally.json pytest tests/test_bad_input.py --hypothesis-seed=1

runs that many examples per class (the journal's number for the test that
opens journals, the first one's if it is not given), and writes what happened to the tally
file: inputs tried, refused where, applied, the slowest example, and each
kind of failure (a failing example stops the test, as always).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import math
import os
import signal
import time
import typing
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType, UnionType
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.domain.codec import dump, encode
from routing.domain.melding import Build, Category, Melding, Person, PhotoSubject, Sex
from routing.domain.place import Compass, Transport
from routing.domain.settings import PLATFORMS, Platform
from routing.domain.values import Actor, ActorKind, Applicant
from routing.engine.commands import Confirm, React
from routing.errors import ConfigError, InvalidValueError, JournalWriteError, RoutingError
from routing.hierarchy.changes import (
    AddActor,
    Admit,
    CreateRegiegroep,
    Erase,
    FoundNeighbourhood,
    Leave,
    LoadMembers,
    Retention,
    SplitWijkgroep,
)
from routing.persist.document import export_json, import_json, state_of
from routing.persist.events import EVENT_TYPES, decode_event, encode_event
from routing.persist.journal import Journal
from test_journal import apply, fresh, policy, workload

#: Examples per class; the default keeps this file to a few seconds.
EXAMPLES = int(os.environ.get("ROUTING_BAD_INPUT_EXAMPLES", "0"))
#: Examples per class that go on to a journal (each one a few SQLite files).
JOURNAL_EXAMPLES = int(os.environ.get("ROUTING_BAD_INPUT_JOURNAL_EXAMPLES", "0")) or EXAMPLES
#: Where a long run writes its figures (nothing is written by default).
TALLY_FILE = os.environ.get("ROUTING_BAD_INPUT_TALLY")
#: An example that takes longer than this is a hang, and fails.
HANG_SECONDS = 60

TALLY: Counter[str] = Counter()
SLOWEST: list[tuple[float, str]] = [(0.0, "")]


# ------------------------------------------------------------------ the state


def _template() -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """A journal's state with incidents, deliveries and an actor; and valid ids in it."""
    h, relay = fresh()
    for item in workload(7, 120):
        apply(h, relay, item)
    actor = Actor(id="wa", kind=ActorKind.WIJKAGENT, name="Jansen", wijken={"Zoomwijck"})
    apply(h, relay, AddActor(actor=actor))
    members = [m for m in range(90) if m in h]
    pool: dict[str, list[Any]] = {
        # 0 and 3 are the telefoonbeheerders (T1-T3): they may do the most.
        "member": [*[0, 3] * 4, *members[:12], members[-1], members[-1] + 1],
        # Their wijkgroepen, more often than the other groups.
        "group": [*["wg0a", "wg1a"] * 2, *h.groups(), "nieuwe groep"],
        "incident": [*relay.incidents(), "I999"],
        "decision": [*(p.id for p in relay.pending()), 1, 2, 999],
        "delivery": [1, 2, 5, 20, 40, 999],
        "actor": ["wa", "nobody"],
        "wijk": [*h.wijken(), "Nieuwwijk"],
        "gemeente": [*h.gemeenten(), "Breda"],
    }
    return state_of(h, relay), pool


STATE, POOL = _template()


# ------------------------------------------------------------ the strategies

SURROGATES = ["\ud800", "a\udfffb", "\udc80\udc80", "Jan\ud83d"]
awkward_text = st.one_of(
    st.text(st.characters(categories=["L", "N", "Zs", "Cc", "Cs", "So"]), max_size=6),
    st.sampled_from(["", " ", "\x00", "\u200b", "\n\t", *SURROGATES]),
)


@attrs.frozen
class Huge:
    """An int too long to print (Python refuses over 4300 digits), made only when used.

    Hypothesis prints what it shrinks, so the int itself cannot be drawn."""

    sign: int

    def make(self) -> int:
        return self.sign * 2**20000


huge_ints = st.one_of(
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**30]),
    st.sampled_from([Huge(1), Huge(-1)]),
)
OTHERS: list[object] = [
    object(),
    ActorKind.POLITIE,
    Sex.MAN,
    Category.INBRAAK,
    dt.datetime(2020, 1, 1),
    dt.date(2020, 1, 1),
    (),
    frozenset({1}),
    {1, 2},
    Person(),
    PLATFORMS["whatsapp"],
    Applicant.registered("Anna"),
    Melding(category="inbraak", called_112=True),
]
junk: st.SearchStrategy[Any] = st.one_of(
    st.integers(),
    huge_ints,
    st.booleans(),
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324]),
    awkward_text,
    st.binary(max_size=6),
    st.none(),
    st.lists(st.one_of(st.integers(), awkward_text, st.none()), max_size=3),
    st.dictionaries(awkward_text, st.integers(), max_size=2),
    st.sampled_from(OTHERS),
)

names = st.sampled_from(["Anna", "Bert de Vries", " Chris ", "Dirk-Jan", "Ëva"])
texts = st.one_of(st.text(min_size=1, max_size=12), names, st.just("richting Parklaan"))
mostly_yes = st.sampled_from([True, True, True, False])
times = st.one_of(
    st.floats(min_value=0, max_value=2e6),
    st.integers(0, 2 * 10**6),
    st.sampled_from([1e9, 1e18, 2e19, 1e308]),
)

#: Valid values by field name, where the name says more than the type does.
BY_NAME: dict[str, st.SearchStrategy[Any]] = {
    **{f: st.sampled_from(POOL["member"]) for f in ("by", "member", "reporter", "to")},
    "telefoonbeheerder": st.sampled_from(POOL["member"]),
    **{f: st.lists(st.sampled_from(POOL["member"]), max_size=5) for f in ("members", "approvals")},
    "delegates": st.none() | st.lists(st.sampled_from(POOL["member"]), max_size=4),
    **{
        f: st.sampled_from(POOL["group"])
        for f in ("wijkgroep", "stuurgroep", "regiegroep", "source", "target", "group", "rest")
    },
    "stuurgroepen": st.lists(st.sampled_from(POOL["group"]), max_size=3),
    "incident": st.sampled_from(POOL["incident"]),
    "joins": st.sampled_from(POOL["incident"]),
    "decision": st.sampled_from(POOL["decision"]),
    "delivery": st.sampled_from(POOL["delivery"]),
    "wijk": st.sampled_from(POOL["wijk"]),
    "gemeente": st.sampled_from(POOL["gemeente"]),
    "wijken": st.frozensets(st.sampled_from(POOL["wijk"]), max_size=2),
    "names": st.lists(names, max_size=4),
    "buurten": st.dictionaries(names, st.sampled_from(["nieuw a", "nieuw b", "wg0a"]), max_size=3),
    "at": times,
    "older_than": st.floats(min_value=1, max_value=1e9),
    "age": st.none() | st.integers(17, 99),
    **dict.fromkeys(("lives_in_area", "accepted_rules", "called_112"), mostly_yes),
    "phone": st.none() | st.sampled_from(["0612345678", "+31 6 1234 5678"]),
    "category": st.sampled_from([*Category, "inbraak", "attempted burglary", "brand"]),
    "sex": st.sampled_from([*Sex, "man", "vrouw"]),
    "build": st.none() | st.sampled_from([*Build, "slank"]),
    "subject": st.sampled_from([*PhotoSubject, "voertuig"]),
    "heading": st.none() | st.sampled_from([*Compass, "noord"]),
    "transport": st.none() | st.sampled_from([*Transport, "fiets"]),
    "kind": st.sampled_from([*Transport, *ActorKind, "auto"]),
    "kenteken": st.none() | st.sampled_from(["GB-123-X", "gb123x", "GB-1??-X", "XX-99-99"]),
    "postcode": st.none() | st.sampled_from(["1234 AB", "1234ab", "9999 ZZ", "0123 AB"]),
    "value": st.sampled_from(["GB-123-X", "XX-99-99", "gb123x"]),
    "sidecodes": st.just(()),
    "number": st.integers(999, 10000),
    "letters": st.sampled_from(["AB", "ZZ", "SS", "ab"]),
    "low": st.integers(-1, 130),
    "high": st.integers(-1, 130),
    "member_limit": st.integers(-1, 300),
    "reference": st.sampled_from(["fotos/1.jpg", "https://example.org/a.png", " "]),
    "seen_at": st.none() | st.datetimes(timezones=st.none() | st.timezones()),
    "id": st.sampled_from(["wa", "wa2", "partner-1"]),
}


@attrs.frozen
class Recipe:
    """How to build one value: the class and its arguments, some of them recipes too."""

    cls: type
    kwargs: dict[str, Any]

    def build(self) -> Any:
        return self.cls(**{k: _build(v) for k, v in self.kwargs.items()})


def _build(value: Any) -> Any:
    if isinstance(value, Recipe):
        return value.build()
    if isinstance(value, Huge):
        return value.make()
    if isinstance(value, list):
        return [_build(v) for v in value]
    return value


def valid(hint: Any, name: str) -> st.SearchStrategy[Any]:
    """A value that fits the field (for the journal's state, where the name says which)."""
    if name in BY_NAME:
        return BY_NAME[name]
    if isinstance(hint, type) and attrs.has(hint):
        return recipes(hint, nested=True)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (UnionType, typing.Union):
        return st.one_of(*(valid(a, name) for a in args))
    if origin in (tuple, frozenset):
        return st.lists(valid(args[0], name), max_size=3)
    if hint is type(None):
        return st.none()
    if hint is bool:
        return st.booleans()
    if hint is str:
        return texts
    if hint in (int, float):
        return st.integers(0, 100)
    if hasattr(hint, "__supertype__"):  # MemberId
        return st.sampled_from(POOL["member"])
    raise AssertionError(f"no valid values for {name}: {hint!r}")


_MODES = ["valid", "valid", "one", "one", "any"]
# A value inside another is mostly valid, so one odd field deep down often
# comes with good ones around it (else the outer value fails on those first).
_NESTED_MODES = ["valid", "valid", "valid", "valid", "one", "one", "any"]


def recipes(cls: type, *, nested: bool = False) -> st.SearchStrategy[Recipe]:
    """Recipes for ``cls``: every field valid, one field arbitrary, or any of them.

    A field with a default may also be left out. Mostly valid values matter:
    a value with one bad field among good ones is the one that gets as far
    as the journal (and the snapshot after it).
    """
    hints = typing.get_type_hints(cls)
    fields = [f for f in attrs.fields(cls) if f.init]

    @st.composite
    def draw_recipe(draw: st.DrawFn) -> Recipe:
        mode = draw(st.sampled_from(_NESTED_MODES if nested else _MODES))
        odd = draw(st.integers(0, len(fields) - 1)) if mode == "one" else -1
        kwargs: dict[str, Any] = {}
        for i, field in enumerate(fields):
            name = field.alias or field.name
            if i == odd or (mode == "any" and draw(st.integers(0, 3)) == 0):
                kwargs[name] = draw(junk)
            elif field.default is attrs.NOTHING or draw(st.integers(0, 3)):
                kwargs[name] = draw(valid(hints[field.name], field.name))
        return Recipe(cls, kwargs)

    return draw_recipe()


def _held(cls: type) -> Iterator[type]:
    """The attrs classes that ``cls``'s fields hold, at any depth."""
    seen: set[type] = set()
    todo = [cls]
    while todo:
        for hint in typing.get_type_hints(todo.pop()).values():
            for part in (hint, *itertools.chain.from_iterable(_parts(hint))):
                if isinstance(part, type) and attrs.has(part) and part not in seen:
                    seen.add(part)
                    todo.append(part)
                    yield part


def _parts(hint: Any) -> Iterator[tuple[Any, ...]]:
    args = typing.get_args(hint)
    yield args
    for arg in args:
        yield from _parts(arg)


EVENTS = sorted(EVENT_TYPES.values(), key=lambda c: c.__name__)
VALUES = sorted(
    {held for event in EVENTS for held in _held(event)} - set(EVENTS), key=lambda c: c.__name__
)


# ------------------------------------------------------------------ checking


def _budget(default: int, wanted: int = EXAMPLES) -> int:
    return wanted or default


@contextlib.contextmanager
def _watch(what: str) -> Iterator[None]:
    """Fail an example that hangs; note the slowest."""

    def hang(signum: int, frame: FrameType | None) -> None:
        raise AssertionError(f"{what}: no answer after {HANG_SECONDS} s (a hang)")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(HANG_SECONDS)
    start = time.perf_counter()
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        took = time.perf_counter() - start
        if took > SLOWEST[0][0]:
            SLOWEST[0] = (took, what)


def construct(recipe: Recipe) -> Any:
    """The value, or ``None`` if it was refused (with a typed error) at construction."""
    TALLY["inputs tried"] += 1
    try:
        value = recipe.build()
    except RoutingError:
        TALLY["refused at construction"] += 1
        return None
    except Exception as exc:
        TALLY["untyped errors"] += 1
        raise AssertionError(f"{type(exc).__name__} building {recipe!r}") from exc
    return value


def _open(path: Path) -> Journal:
    try:
        return Journal.open(path, policy=policy())
    except Exception as exc:
        TALLY["journals that fail to reopen"] += 1
        raise AssertionError(f"the journal does not reopen: {exc!r}") from exc


def _same(journal: Journal, state: dict[str, Any], how: str) -> None:
    if journal.export_state() != state:
        TALLY["states that change"] += 1
        raise AssertionError(f"the state is not the same after {how}")


def check_on_journal(item: Any, path: Path) -> None:
    j = Journal.import_state(path, STATE, policy=policy())
    try:
        before, seq = j.export_state(), j.seq
        try:
            j.execute(item)
        except JournalWriteError as exc:
            TALLY["refused at the journal write"] += 1
            raise AssertionError(f"accepted, then not written: {item!r}") from exc
        except RoutingError:
            TALLY["refused by the journal"] += 1
            assert j.seq == seq
            _same(j, before, "a refusal")
            return
        except Exception as exc:
            TALLY["untyped errors"] += 1
            raise AssertionError(f"{type(exc).__name__} executing {item!r}") from exc
        TALLY["applied"] += 1
        after = j.export_state()
        tag, payload = encode_event(item)
        assert decode_event(tag, json.loads(dump(payload))) == item
        j.close()
        j = _open(path)  # the event replays
        _same(j, after, "a replay")
        assert [seq for seq, _ in j.events()][-1] == j.seq
        h, relay = import_json(export_json(j.hierarchy, j.relay), policy=policy())
        if state_of(h, relay, seq=j.seq) != after:
            TALLY["states that change"] += 1
            raise AssertionError("the state is not the same after export_json/import_json")
        j.snapshot()
        j.close()
        j = _open(path)  # from the snapshot
        _same(j, after, "a snapshot")
    finally:
        j.close()
        for file in path.parent.glob(path.name + "*"):
            file.unlink()


_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


@pytest.mark.parametrize("cls", EVENTS + VALUES, ids=lambda c: c.__name__)
def test_any_value_is_refused_with_a_typed_error_or_built(cls: type) -> None:
    @settings(max_examples=_budget(30), deadline=None, suppress_health_check=_SLOW)
    @given(recipes(cls))
    def check(recipe: Recipe) -> None:
        with _watch(repr(recipe)):
            value = construct(recipe)
        if value is not None:
            # A value that exists is one the codec can write and read back.
            assert type(value) is cls
            assert json.loads(dump(encode(value))) == encode(value)

    check()


@pytest.mark.parametrize("cls", EVENTS, ids=lambda c: c.__name__)
def test_a_built_value_is_refused_unchanged_or_journaled_for_good(
    cls: type, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp(cls.__name__)
    counter = itertools.count()

    @settings(max_examples=_budget(4, JOURNAL_EXAMPLES), deadline=None, suppress_health_check=_SLOW)
    @given(recipes(cls))
    def check(recipe: Recipe) -> None:
        with _watch(repr(recipe)):
            item = construct(recipe)
            if item is not None:
                check_on_journal(item, folder / f"{next(counter)}.db")

    check()


def test_the_fields_of_every_class_are_drawn() -> None:
    """The strategies know every field: a new one fails here until it has values."""
    for cls in EVENTS + VALUES:
        hints = typing.get_type_hints(cls)
        for field in attrs.fields(cls):
            if field.init:
                assert valid(hints[field.name], field.name) is not None


def _write_tally() -> None:
    if TALLY_FILE:
        took, what = SLOWEST[0]
        figures = {**TALLY, "slowest example (s)": round(took, 3), "slowest": what[:300]}
        Path(TALLY_FILE).write_text(json.dumps(figures, indent=1))


@pytest.fixture(scope="module", autouse=True)
def _tally() -> Iterator[None]:
    yield
    _write_tally()


# ------------------------------------------------------ the cases of issue 20

APPLICANT = {"name": "Anna", "age": 30, "lives_in_area": True, "accepted_rules": True}
BAD_VALUES: list[tuple[str, Callable[[], object]]] = [
    ("a phone number as an int", lambda: Applicant(**APPLICANT, phone=612345678)),
    ("a buurt as nan", lambda: Applicant(**APPLICANT, buurt=math.nan)),
    ("a list as a name", lambda: Applicant(**{**APPLICANT, "name": ["Anna"]})),
    ("bytes as a name", lambda: Applicant(**{**APPLICANT, "name": b"Anna"})),
    ("an age as text", lambda: Applicant(**{**APPLICANT, "age": "40"})),
    ("a flag as a number", lambda: Applicant(**{**APPLICANT, "accepted_rules": 1})),
    ("a lone surrogate", lambda: Applicant(**{**APPLICANT, "name": "An\ud800na"})),
    ("a buurt of LoadMembers as an int", lambda: LoadMembers(wijkgroep="w", names=[], buurt=3)),
    ("an actor kind as text", lambda: Actor(id="wa", kind="wijkagent", name="Jansen")),
    ("an actor name as an int", lambda: Actor(id="wa", kind=ActorKind.POLITIE, name=7)),
    (
        "an organisation as None",
        lambda: Actor(id="wa", kind=ActorKind.POLITIE, name="J", organisation=None),
    ),
    (
        "wijken as one string",
        lambda: Actor(id="wa", kind=ActorKind.POLITIE, name="J", wijken="Zuid"),
    ),
    ("a member id past 64 bits", lambda: Erase(member=2**63, by=2**63)),
    ("a member id below 64 bits", lambda: Leave(member=-(2**63) - 1, by=-(2**63) - 1)),
    ("a member id as a bool", lambda: Erase(member=True, by=True)),
    ("an int too long to print", lambda: Erase(member=10**5000, by=10**5000)),
    ("an infinite retention time", lambda: Retention(at=math.inf)),
    ("a retention time past the floats", lambda: Retention(at=10**400)),
    ("a delivery past 64 bits", lambda: Confirm(at=1.0, delivery=2**64)),
    ("a surrogate in a reaction", lambda: React(at=1.0, member=1, incident="I1", text="\udc80")),
    (
        "a surrogate in a melding",
        lambda: Melding(category="inbraak", called_112=True, text="\ud800"),
    ),
    ("a category as a list", lambda: Melding(category=["inbraak"], called_112=True)),
    ("a sex as a list", lambda: Person(sex=["man"])),
    ("a person as text", lambda: Melding(category="inbraak", called_112=True, persons=["man"])),
    ("persons as an int", lambda: Melding(category="inbraak", called_112=True, persons=3)),
    ("an estimate of three", lambda: Person(age=(20, 25, 30))),
    ("particulars as an int", lambda: Person(particulars=3)),
    ("a platform name as an int", lambda: Platform(name=3, member_limit=10)),
    ("a member limit as text", lambda: Platform(name="x", member_limit="10")),
    ("a platform as text", lambda: CreateRegiegroep(wijk="Z", regiegroep="rg", platform="signal")),
    (
        "buurten as pairs of three",
        lambda: SplitWijkgroep(by=0, wijkgroep="w", buurten=[("a", "b", "c")], approvals=[]),
    ),
    (
        "founders as an int",
        lambda: FoundNeighbourhood(
            gemeente="G", wijk="W", wijkgroep="w", stuurgroep="s", founders=3
        ),
    ),
]


@pytest.mark.parametrize(("what", "build"), BAD_VALUES, ids=[what for what, _ in BAD_VALUES])
def test_the_values_that_poisoned_the_journal_are_refused_when_built(
    what: str, build: Callable[[], object]
) -> None:
    with pytest.raises(RoutingError) as caught:
        build()
    assert isinstance(caught.value, InvalidValueError | ConfigError), what
    assert len(str(caught.value)) < 400  # the value is shown, shortened


def test_an_int_phone_number_never_reaches_the_journal(tmp_path: Path) -> None:
    """The first case of issue 20: accepted, journaled, then every open failed."""
    with Journal.import_state(tmp_path / "j.db", STATE, policy=policy()) as j:
        with pytest.raises(InvalidValueError):
            j.execute(Admit(by=0, wijkgroep="wg0a", applicant=Applicant(**APPLICANT, phone=6)))
        j.execute(Admit(by=0, wijkgroep="wg0a", applicant=Applicant(**APPLICANT, phone="06")))
        j.erase(0, by=0)
    with Journal.open(tmp_path / "j.db", policy=policy()) as j:
        assert j.seq == 2
