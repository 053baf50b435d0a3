"""Helpers for testing code that uses the relay; shipped so apps can use them too.

A :class:`Harness` drives a :class:`~routing.relay.Relay` with a clock of its
own and keeps every command with what it returned, so a test reads like the
numbered steps of the Zoomwijck's routing path::

    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Always()))
    opened, *deliveries = h.report(town.resident("wg-noord-1"), melding())   # R1-R3
    h.refused(Forward(...), PermissionRefused)                               # S2

:meth:`Harness.refused` also checks that a refused command changed nothing
(h11's ``tests/helpers.py`` does the same kind of thing for connections).
:func:`build_town` and :func:`zoomwijck` build small hierarchies with
predictable names for examples and tests.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from .domain.melding import Melding
from .domain.settings import Settings
from .domain.values import Applicant, GroupKind, MemberId
from .engine.commands import (
    Afloop,
    Command,
    Confirm,
    Decide,
    Fail,
    Forward,
    HandOver,
    PoliceNotice,
    React,
    Report,
    Screen,
    Tick,
)
from .engine.outputs import Deliveries, Delivery, DeliveryKind, Output
from .errors import InvalidValueError, RoutingError
from .model import Hierarchy
from .relay import Relay

__all__ = [
    "Harness",
    "Town",
    "build_town",
    "deliveries",
    "flat_group",
    "melding",
    "plain_constructors",
    "relay_state",
    "sized_town",
    "zoomwijck",
]

_O = TypeVar("_O")

#: wijk -> stuurgroep -> its wijkgroepen
Layout = Mapping[str, Mapping[str, Sequence[str]]]


@attrs.frozen(kw_only=True)
class Town:
    """A hierarchy built by :func:`build_town`, with its members by group."""

    hierarchy: Hierarchy
    stuurgroep_members: Mapping[str, tuple[MemberId, ...]]
    residents_of: Mapping[str, tuple[MemberId, ...]]

    def member(self, stuurgroep: str, index: int = 0) -> MemberId:
        """A stuurgroep member; index 0 is the telefoonbeheerder."""
        return self.stuurgroep_members[stuurgroep][index]

    def resident(self, wijkgroep: str, index: int = 0) -> MemberId:
        """A resident of a wijkgroep who sits in no stuurgroep."""
        return self.residents_of[wijkgroep][index]


def build_town(
    layout: Layout,
    *,
    gemeente: str = "Tilburg",
    regiegroepen: bool | Sequence[str] = True,
    gemeentelijke: str | None = "grg",
    residents: int = 3,
    stuurgroep_size: int = 3,
    settings: Settings | None = None,
) -> Town:
    """A hierarchy from ``layout`` (wijk -> stuurgroep -> wijkgroepen).

    Each stuurgroep has ``stuurgroep_size`` founders living in its first
    wijkgroep; each wijkgroep gets ``residents`` more residents. Regiegroepen
    are called ``rg-<wijk>``; ``regiegroepen`` says which wijken get one
    (all, none, or the named ones). The gemeentelijke regiegroep is created
    when at least one regiegroep exists and ``gemeentelijke`` names it.
    ``settings`` are the hierarchy's (the defaults if ``None``).
    """
    h = Hierarchy(settings)
    members: dict[str, tuple[MemberId, ...]] = {}
    homes: dict[str, tuple[MemberId, ...]] = {}
    for wijk, stuurgroepen in layout.items():
        for sg, wijkgroepen in stuurgroepen.items():
            founders = [Applicant.registered(f"{sg} lid {i + 1}") for i in range(stuurgroep_size)]
            ids = h.found_neighbourhood(
                gemeente=gemeente,
                wijk=wijk,
                wijkgroep=wijkgroepen[0],
                stuurgroep=sg,
                founders=founders,
            )
            members[sg] = ids
            for wg in wijkgroepen[1:]:
                h.create_wijkgroep(ids[0], sg, wg, approvals=ids)
            for wg in wijkgroepen:
                names = [f"{wg} bewoner {i + 1}" for i in range(residents)]
                homes[wg] = tuple(MemberId(m) for m in h.load_members(wg, names))
    with_regie = (
        list(layout) if regiegroepen is True else [] if regiegroepen is False else regiegroepen
    )
    for wijk in with_regie:
        h.create_regiegroep(wijk, f"rg-{wijk.lower()}")
    if gemeentelijke is not None and with_regie:
        h.create_gemeentelijke_regiegroep(gemeente, gemeentelijke)
    return Town(hierarchy=h, stuurgroep_members=members, residents_of=homes)


def zoomwijck(*, residents: int = 3) -> Town:
    """The Zoomwijck in phase 2, with a neighbouring wijk.

    Zoomwijck has two stuurgroepen (``sg-noord`` with ``wg-noord-1..3``,
    ``sg-zuid`` with ``wg-zuid-1..2``) and the regiegroep ``rg-zoomwijck``;
    Poortwijk (``sg-poort`` with ``wg-poort-1..2``, ``rg-poortwijk``) borders
    it; both sit under the gemeentelijke regiegroep ``grg``. Each wijkgroep
    has ``residents`` residents besides the stuurgroep's founders.
    """
    return build_town(
        {
            "Zoomwijck": {
                "sg-noord": ["wg-noord-1", "wg-noord-2", "wg-noord-3"],
                "sg-zuid": ["wg-zuid-1", "wg-zuid-2"],
            },
            "Poortwijk": {"sg-poort": ["wg-poort-1", "wg-poort-2"]},
        },
        residents=residents,
    )


def flat_group(tiered: Hierarchy) -> Hierarchy:
    """The residents of ``tiered``, with their names and buurten, in one wijkgroep.

    Phase 1 of the Zoomwijck (G1) for any town: one wijkgroep, one stuurgroep
    of three founders (the first three residents), on the largest WhatsApp
    group (1,024 members). For comparing a flat group with a hierarchy of
    the same people (``examples/flat_vs_hierarchy.py``, the ``sweep`` command).
    """
    people = [
        tiered.member(m) for w in tiered.groups(GroupKind.WIJKGROEP) for m in tiered.residents(w)
    ]
    h = Hierarchy()
    gemeente = tiered.gemeenten()[0] if tiered.gemeenten() else "Voorbeeldstad"
    founders = [Applicant.registered(p.name, buurt=p.buurt) for p in people[:3]]
    h.found_neighbourhood(
        gemeente=gemeente,
        wijk="Wijk",
        wijkgroep="Wijkgroep",
        stuurgroep="Stuurgroep",
        founders=founders,
    )
    for p in people[3:]:
        h.load_members("Wijkgroep", [p.name], buurt=p.buurt)
    return h


def sized_town(*, members: int = 420, wijkgroep: int = 60) -> Town:
    """About ``members`` residents in wijkgroepen of about ``wijkgroep`` each.

    Up to three wijkgroepen a stuurgroep and two stuurgroepen a wijk, every
    wijk with a regiegroep, under one gemeentelijke regiegroep: the same
    town with other wijkgroep sizes, for sweeps.
    """
    if wijkgroep < 4 or members < wijkgroep:
        raise InvalidValueError(
            (members, wijkgroep), "expected wijkgroepen of at least 4, and members for one"
        )
    n = max(1, round(members / wijkgroep))
    layout: dict[str, dict[str, list[str]]] = {}
    for i in range(n):
        sg, wijk = i // 3, i // 6
        layout.setdefault(f"wijk-{wijk + 1}", {}).setdefault(f"sg-{sg + 1}", []).append(
            f"wg-{i + 1}"
        )
    # The founders live in each stuurgroep's first wijkgroep, beside its residents.
    return build_town(layout, residents=max(1, wijkgroep - 1))


def melding(category: str = "inbraak", *, called_112: bool = True, **fields: Any) -> Melding:
    """A melding with sensible defaults, for tests and examples."""
    fields.setdefault("action", "ik blijf binnen en houd de straat in de gaten")
    return Melding(category=category, called_112=called_112, **fields)


def deliveries(
    outputs: Iterable[Output | Delivery], kind: DeliveryKind | None = DeliveryKind.MELDING
) -> list[Delivery]:
    """The deliveries among ``outputs`` (of one kind; all kinds with ``None``).

    Batches (:class:`~routing.engine.outputs.Deliveries`) are opened into their
    :class:`~routing.engine.outputs.Delivery` values; deliveries pass as they are.
    """
    found: list[Delivery] = []
    for o in outputs:
        if isinstance(o, Deliveries):
            if kind is None or o.kind is kind:
                found.extend(o)
        elif isinstance(o, Delivery) and (kind is None or o.kind is kind):
            found.append(o)
    return found


def relay_state(relay: Relay) -> tuple[Any, ...]:
    """Everything observable about a relay, as one comparable value."""
    return (
        tuple(relay.incident(i) for i in relay.incidents()),
        relay.pending(),
        relay.next_deadline(),
    )


class Harness:
    """Feeds commands to a relay on a clock of its own and keeps the log.

    Each helper builds the command with ``at`` = the harness clock, which
    advances by ``step`` seconds per command unless the call gives ``at``.
    """

    def __init__(self, relay: Relay, *, start: float = 0.0, step: float = 1.0) -> None:
        self.relay = relay
        self.now = start
        self.step = step
        self.log: list[tuple[Command, tuple[Output, ...]]] = []

    def _at(self, at: float | None) -> float:
        self.now = self.now + self.step if at is None else at
        return self.now

    def run(self, command: Command) -> tuple[Output, ...]:
        """Handle one command and log it with its outputs."""
        outputs = self.relay.handle(command)
        self.log.append((command, outputs))
        return outputs

    def refused(self, command: Command, error: type[RoutingError]) -> RoutingError:
        """Assert ``command`` raises ``error`` and leaves the relay unchanged."""
        before = relay_state(self.relay)
        try:
            self.relay.handle(command)
        except error as exc:
            after = relay_state(self.relay)
            if after != before:
                raise AssertionError(f"{command!r} was refused but changed the relay") from exc
            return exc
        raise AssertionError(f"{command!r} was not refused with {error.__name__}")

    def one(self, outputs: Sequence[Output], kind: type[_O]) -> _O:
        """The single output of type ``kind``."""
        found = [o for o in outputs if isinstance(o, kind)]
        if len(found) != 1:
            raise AssertionError(f"expected one {kind.__name__}, got {len(found)}: {outputs!r}")
        return found[0]

    def report(
        self, reporter: int, m: Melding, *, joins: str | None = None, at: float | None = None
    ) -> tuple[Output, ...]:
        cmd = Report(at=self._at(at), reporter=MemberId(reporter), melding=m, joins=joins)
        return self.run(cmd)

    def police(
        self,
        m: Melding,
        *,
        regiegroep: str | None = None,
        stuurgroepen: Sequence[str] = (),
        sender: str = "wijkagent Jansen",
        actor: str | None = None,
        at: float | None = None,
    ) -> tuple[Output, ...]:
        cmd = PoliceNotice(
            at=self._at(at),
            sender=sender,
            melding=m,
            regiegroep=regiegroep,
            stuurgroepen=tuple(stuurgroepen),
            actor=actor,
        )
        return self.run(cmd)

    def react(
        self, member: int, incident: str, text: str, *, group: str | None = None
    ) -> tuple[Output, ...]:
        cmd = React(
            at=self._at(None), member=MemberId(member), incident=incident, text=text, group=group
        )
        return self.run(cmd)

    def forward(
        self, by: int, incident: str, source: str, target: str, reason: str = ""
    ) -> tuple[Output, ...]:
        cmd = Forward(
            at=self._at(None),
            by=MemberId(by),
            incident=incident,
            source=source,
            target=target,
            reason=reason,
        )
        return self.run(cmd)

    def decide(
        self, by: int, decision: int, *, forward: bool, reason: str = ""
    ) -> tuple[Output, ...]:
        cmd = Decide(
            at=self._at(None), by=MemberId(by), decision=decision, forward=forward, reason=reason
        )
        return self.run(cmd)

    def screen(
        self, by: int, incident: str, *, release: bool, reason: str = ""
    ) -> tuple[Output, ...]:
        cmd = Screen(
            at=self._at(None), by=MemberId(by), incident=incident, release=release, reason=reason
        )
        return self.run(cmd)

    def confirm(self, delivery: int, by: int | None = None) -> tuple[Output, ...]:
        member = None if by is None else MemberId(by)
        return self.run(Confirm(at=self._at(None), delivery=delivery, by=member))

    def fail(self, delivery: int, reason: str = "groep niet bereikbaar") -> tuple[Output, ...]:
        return self.run(Fail(at=self._at(None), delivery=delivery, reason=reason))

    def hand_over(self, by: int, incident: str, wijkgroep: str, to: int) -> tuple[Output, ...]:
        cmd = HandOver(
            at=self._at(None),
            by=MemberId(by),
            incident=incident,
            wijkgroep=wijkgroep,
            to=MemberId(to),
        )
        return self.run(cmd)

    def afloop(
        self, by: int, incident: str, text: str = "politie ter plaatse"
    ) -> tuple[Output, ...]:
        cmd = Afloop(at=self._at(None), by=MemberId(by), incident=incident, text=text)
        return self.run(cmd)

    def tick(self, at: float) -> tuple[Output, ...]:
        return self.run(Tick(at=self._at(at)))


@contextlib.contextmanager
def plain_constructors() -> Iterator[int]:
    """Inside the block, the engine builds its outputs with their attrs constructors.

    Every module of :mod:`routing.engine` that uses a
    :func:`~routing.engine.construct.fast_constructor` gets the plain class
    in its place, and back on leaving: for the test that holds the shortcut
    to the plain path and for the benchmarks that measure its saving in the
    same run. Yields how many names were swapped. Not thread-safe.
    """
    from . import engine

    swapped: list[tuple[object, str, object]] = []
    for info in pkgutil.iter_modules(engine.__path__):
        module = importlib.import_module(f"{engine.__name__}.{info.name}")
        for name, value in list(vars(module).items()):
            plain = getattr(value, "plain", None)
            if callable(value) and isinstance(plain, type) and name.startswith("new_"):
                swapped.append((module, name, value))
                setattr(module, name, plain)
    try:
        yield len(swapped)
    finally:
        for owner, name, value in swapped:
            setattr(owner, name, value)
