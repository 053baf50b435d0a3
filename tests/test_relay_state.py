"""The relay's state as plain data: export, JSON, load back, carry on.

A random town and random commands (the generators of the stateful test)
build up a relay; its export must survive a JSON round trip, load into a
relay whose export is identical, and that relay must answer every further
command exactly as the original does. Broken data must raise StateError and
nothing else.
"""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.domain.melding import Melding
from routing.domain.plain import melding_from_plain, melding_to_plain
from routing.domain.values import GroupKind
from routing.engine.commands import (
    Address,
    Afloop,
    BurgernetAlert,
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
from routing.engine.incident import P_INCIDENT, P_ROUTE, P_SEQ, IncidentState, pending_output
from routing.engine.outputs import Deliveries, Output, ReactionHeld
from routing.engine.policies import Always, Never, Policy
from routing.engine.state import SCHEMA
from routing.errors import Refused, StateError, UnknownIdError
from routing.model import Hierarchy
from routing.relay import Relay, RelayConfig
from routing.testing import Harness, build_town, deliveries, melding, zoomwijck
from strategies.melding import meldingen
from test_relay_stateful import CATEGORIES, layouts, policies


def token(member: int, n: int) -> str:
    """A text only ``member`` writes: the privacy tests look for it afterwards."""
    return f"[m{member}#{n}]"


class Driver:
    """Draws plausible commands from a relay's current state; many are wrong on purpose.

    Every free text a member writes carries that member's :func:`token`.
    """

    def __init__(self, data: st.DataObject, spec: dict[str, Any], policy: Policy) -> None:
        self.data = data
        self.spec = spec
        self.policy = policy
        self.config = RelayConfig(decision_timeout=50, reminder_after=400, bot_groups={"wg000"})
        self.h = self.town()
        self.relay = Relay(self.h, policy=policy, config=self.config)
        self.members = list(range(len(self.h)))
        self.groups = list(self.h.groups())
        self.admins = [m for m in self.members if self.h.stuurgroep_membership(m) is not None]
        # Legal targets, so that forwards often aim right; the stateful test
        # checks the duties themselves.
        tables = self.relay._router.tables
        self.edges = {
            src: [dst for dst in self.groups if tables.step_between(src, dst) is not None]
            for src in self.groups
        }
        self.now = 0.0
        self.n = 0
        self.deliveries: list[int] = []

    def town(self) -> Hierarchy:
        return build_town(
            self.spec["layout"],
            residents=2,
            regiegroepen=self.spec["regiegroepen"],
            gemeentelijke=self.spec["gemeentelijke"],
        ).hierarchy

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def text(self, member: int) -> str:
        self.n += 1
        return token(member, self.n)

    def at(self) -> float:
        self.now += self.draw(st.sampled_from([0.0, 1.0, 30.0, 500.0]))
        return self.now

    def member(self) -> int:
        return int(self.draw(st.sampled_from([*self.members, 999_999])))

    def admin(self) -> int:
        return (
            int(self.draw(st.sampled_from(self.admins)))
            if self.draw(st.booleans())
            else self.member()
        )

    def incident(self) -> str:
        ids = self.relay.incidents()
        return str(self.draw(st.sampled_from([*ids, "I999"]))) if ids else "I1"

    def command(self) -> Command:
        kind = self.draw(
            st.sampled_from(
                ["report"] * 3
                + ["forward"] * 3
                + ["decide"] * 2
                + ["confirm"] * 2
                + ["react", "hand_over", "screen", "address", "afloop", "tick", "police"]
                + ["burgernet"]
            )
        )
        if kind != "report" and not self.relay.incidents():
            kind = "report"
        return getattr(self, kind)()  # type: ignore[no-any-return]

    def report(self) -> Command:
        reporter = self.member()
        m = melding(
            self.draw(st.sampled_from(CATEGORIES)),
            called_112=self.draw(st.integers(0, 3)) > 0,
            text=self.text(reporter),
            action=self.text(reporter),
            direction="richting het park",
        )
        joins = self.draw(st.none() | st.sampled_from([*self.relay.incidents(), "I999"]))
        return Report(at=self.at(), reporter=reporter, melding=m, joins=joins)

    def police(self) -> Command:
        sgs = [g for g in self.groups if self.h.kind(g) is GroupKind.STUURGROEP]
        return PoliceNotice(
            at=self.at(),
            sender="wijkagent Jansen",
            melding=melding("vermissing", text="politie zoekt een kind"),
            stuurgroepen=tuple(
                sorted(self.draw(st.sets(st.sampled_from(sgs), min_size=1, max_size=2)))
            ),
        )

    def burgernet(self) -> Command:
        wijken = sorted(self.h.wijken())
        return BurgernetAlert(
            at=self.at(),
            melding=melding("vermissing", text="politie zoekt een kind"),
            wijken=tuple(self.draw(st.lists(st.sampled_from(wijken), min_size=1, max_size=2))),
        )

    def forward(self) -> Command:
        incident = self.incident()
        reached = (
            self.relay.incident(incident).reached if incident in self.relay.incidents() else ()
        )
        # Sorted: a set's order follows str hashes, which change from process to
        # process, and Hypothesis replays saved examples in a new one.
        source = str(self.draw(st.sampled_from(sorted(reached) or tuple(self.groups))))
        target = str(self.draw(st.sampled_from(self.edges[source] or self.groups)))
        by = self.admin()
        reason = self.text(by) if self.draw(st.booleans()) else ""
        return Forward(
            at=self.at(), by=by, incident=incident, source=source, target=target, reason=reason
        )

    def decide(self) -> Command:
        ids = [p.id for p in self.relay.pending()] + [999]
        by = self.admin()
        reason = self.text(by) if self.draw(st.booleans()) else ""
        return Decide(
            at=self.at(),
            by=by,
            decision=int(self.draw(st.sampled_from(ids))),
            forward=bool(self.draw(st.booleans())),
            reason=reason,
        )

    def confirm(self) -> Command:
        delivery = int(self.draw(st.sampled_from([*self.deliveries, 10**6])))
        if self.draw(st.booleans()):
            by = self.draw(st.none() | st.sampled_from(self.members))
            return Confirm(at=self.at(), delivery=delivery, by=by)
        return Fail(at=self.at(), delivery=delivery, reason="niet bereikbaar")

    def react(self) -> Command:
        member = self.member()
        # Chit-chat now and then, which screening holds for the stuurgroep (S1, H9).
        chat = "bbq zaterdag? " if self.draw(st.booleans()) else ""
        text = chat + self.text(member)
        return React(at=self.at(), member=member, incident=self.incident(), text=text)

    def reaction(self) -> int | None:
        """A held reaction's number (or one that is not), or ``None`` for the report."""
        numbers = [h.reaction for h in self.relay.held() if isinstance(h, ReactionHeld)]
        return self.draw(st.none() | st.sampled_from([*numbers, 1, 99]))  # type: ignore[no-any-return]

    def address(self) -> Command:
        by = self.admin()
        return Address(
            at=self.at(),
            by=by,
            incident=self.incident(),
            text=self.text(by),
            reaction=self.reaction(),
        )

    def hand_over(self) -> Command:
        return HandOver(
            at=self.at(),
            by=self.member(),
            incident=self.incident(),
            wijkgroep=str(self.draw(st.sampled_from(self.groups))),
            to=self.member(),
        )

    def screen(self) -> Command:
        by = self.admin()
        reason = self.text(by) if self.draw(st.booleans()) else ""
        return Screen(
            at=self.at(),
            by=by,
            incident=self.incident(),
            release=bool(self.draw(st.booleans())),
            reason=reason,
            reaction=self.reaction(),
        )

    def afloop(self) -> Command:
        by = self.member()
        return Afloop(at=self.at(), by=by, incident=self.incident(), text=self.text(by))

    def tick(self) -> Command:
        deadline = self.relay.next_deadline()
        if deadline is not None and self.draw(st.booleans()):
            self.now = max(self.now, deadline)
        return Tick(at=self.at())

    def run(self, relay: Relay, command: Command) -> tuple[Output, ...] | type[Exception]:
        """Handle ``command``; a refusal comes back as its type, so two relays compare."""
        try:
            outputs = relay.handle(command)
        except (Refused, UnknownIdError) as exc:
            return type(exc)
        if relay is self.relay:
            self.deliveries += [d.id for d in deliveries(outputs, None)]
        return outputs

    def play(self, steps: int) -> None:
        for _ in range(steps):
            self.run(self.relay, self.command())


def internals(relay: Relay) -> dict[str, Any]:
    """Everything the relay keeps, compared slot by slot: a record the export
    forgot shows up here even before some later command would trip over it."""

    def flat(value: Any) -> Any:
        # Loading keeps each delivery as a batch of its own; what they hold is the same.
        return tuple(d for rec in value for d in Deliveries(rec))

    return {
        "incidents": {
            iid: {
                slot: flat(inc.deliveries)
                if slot == "deliveries"
                else frozenset(inc.considered)
                if slot == "considered"  # a set in no particular order
                else getattr(inc, slot.lstrip("_"))  # reach and decisions, made if planned
                for slot in IncidentState.__slots__
                if slot != "planned"  # how a fresh report spread: nothing a load keeps
            }
            for iid, inc in relay._router.ledger.incidents.items()
        },
        "deliveries": [d for rec in relay._router.ledger.deliveries for d in Deliveries(rec)],
        "status": relay._router.ledger.status,
        "pending": {
            pid: (
                pending_output(p),
                relay._router.parent_route(
                    p[P_ROUTE], relay._router.ledger.incidents[p[P_INCIDENT]]
                ),
                p[P_SEQ],
            )
            for pid, p in relay._router.ledger.pending.items()
        },
        "resolved": relay._router.ledger.resolved,
        "recent": {key: ids for key, ids in relay._router.ledger.recent.items() if ids},
        "heap": sorted(e for e in relay._router.ledger.heap if not relay._router.ledger.stale(e)),
        "counts": relay._router.ledger.counts,
        "seq": relay._router.ledger.seq,
    }


def round_trip(state: dict[str, Any]) -> Any:
    return json.loads(json.dumps(state, sort_keys=True))


@st.composite
def driven(draw: st.DrawFn, max_steps: int = 25) -> Driver:
    driver = Driver(draw(st.data()), draw(layouts()), draw(policies()))
    driver.play(draw(st.integers(0, max_steps)))
    return driver


# ------------------------------------------------------------------ round trip


@given(meldingen)
def test_a_melding_survives_plain_data_and_json(m: Melding) -> None:
    assert melding_from_plain(round_trip(melding_to_plain(m))) == m


@settings(max_examples=40)
@given(driven(), st.data())
def test_export_json_load_gives_the_same_state_and_the_same_answers(
    driver: Driver, data: st.DataObject
) -> None:
    original = driver.relay
    state = original.export_state()
    assert state["schema"] == SCHEMA
    assert state["kind"] == "routing.relay"
    text = json.dumps(state, sort_keys=True)
    assert json.dumps(original.export_state(), sort_keys=True) == text  # deterministic
    restored = Relay.from_state(driver.h, json.loads(text), policy=driver.policy)
    assert json.dumps(restored.export_state(), sort_keys=True) == text
    assert restored.incidents() == original.incidents()
    assert restored.pending() == original.pending()
    assert restored.next_deadline() == original.next_deadline()
    for iid in original.incidents():
        assert restored.incident(iid) == original.incident(iid)
    assert internals(restored) == internals(original)
    for _ in range(data.draw(st.integers(1, 15))):
        command = driver.command()
        assert driver.run(restored, command) == driver.run(original, command), command
    assert restored.export_state() == original.export_state()


def test_export_is_plain_data_only() -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Always()))
    h.report(town.resident("wg-noord-1"), melding(text="man met rugzak"))
    h.police(melding("vermissing"), regiegroep="rg-poortwijk")

    def plain(value: object) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or type(value) in (str, int, float, bool)

    assert plain(h.relay.export_state())


def test_config_comes_back_from_the_state_unless_given() -> None:
    town = zoomwijck()
    config = RelayConfig(decision_timeout=5, bot_groups={"wg-noord-1"}, lang="en")
    relay = Relay(town.hierarchy, config=config)
    assert Relay.from_state(town.hierarchy, relay.export_state()).config == config
    other = RelayConfig()
    assert Relay.from_state(town.hierarchy, relay.export_state(), config=other).config == other


# ------------------------------------------------------------------ bad data


def _state() -> tuple[Hierarchy, dict[str, Any]]:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy))
    h.report(town.resident("wg-noord-1"), melding(text="man met rugzak"))
    h.react(town.resident("wg-noord-1", 1), "I1", "hij loopt weg")
    return town.hierarchy, round_trip(h.relay.export_state())


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s.update(kind="routing.hierarchy"), "not a relay state"),
        (lambda s: s.update(schema=SCHEMA + 1), "newer"),
        (lambda s: s.pop("incidents"), "missing field 'incidents'"),
        (lambda s: s["incidents"][0].update(origin="wg-nergens"), "no group"),
        (lambda s: s["incidents"][0]["reports"][0].__setitem__(0, 10_000), "no member"),
        (lambda s: s["incidents"][0].update(phase="burning"), "not a Phase"),
        (lambda s: s["counters"].update(deliveries=0), "below the id"),
        (lambda s: s["incidents"][0]["deliveries"][0].update(id="1"), "whole number"),
        (lambda s: s["incidents"][0].update(linked_to="I42"), "unknown incident"),
    ],
)
def test_broken_states_raise_state_error(change: Any, problem: str) -> None:
    hierarchy, state = _state()
    change(state)
    with pytest.raises(StateError, match=problem):
        Relay.from_state(hierarchy, state)


def test_not_a_mapping_is_a_state_error() -> None:
    with pytest.raises(StateError):
        Relay.from_state(Hierarchy(), [])  # type: ignore[arg-type]


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.just([]),
    st.just({}),
    st.just(["I1", 1]),
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*path, i))
    return found


@settings(max_examples=60)
@given(driven(max_steps=12), st.data())
def test_corrupted_states_raise_state_error_and_nothing_else(
    driver: Driver, data: st.DataObject
) -> None:
    state = round_trip(driver.relay.export_state())
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(state)[1:]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = state
        for key in path[:-1]:
            parent = parent[key]
        how = data.draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if how == "replace":
            # A copy: st.just() gives the same list each time, and a list put
            # inside itself would make the state a cycle, not a corrupt file.
            parent[path[-1]] = copy.deepcopy(data.draw(JUNK))
        elif how == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = [parent[path[-1]]]
    with contextlib.suppress(StateError):  # loading may also succeed: harmless change
        Relay.from_state(driver.h, state, policy=driver.policy)


@settings(max_examples=40)
@given(driven(max_steps=0), st.integers(5, 30))
def test_fan_out_plans_give_exactly_what_the_generic_spread_gives(
    driver: Driver, steps: int
) -> None:
    """Plans (routing.engine.fanout) are a shortcut, never a different answer."""
    generic = Relay(driver.h, policy=driver.policy, config=driver.config)
    generic.use_plans = False
    for _ in range(steps):
        command = driver.command()
        assert driver.run(generic, command) == driver.run(driver.relay, command), command
    assert generic.export_state() == driver.relay.export_state()


def test_fan_out_plans_follow_a_replaced_policy_whichever_command_sees_it_first() -> None:
    """R5, R6: the plans of the old policy go when the app replaces it, also when
    a police notice (which spreads without a plan) is the first command after."""
    town = zoomwijck()
    relay = Relay(town.hierarchy, policy=Always())
    relay.policy = Never()
    h = Harness(relay)
    h.police(melding(), stuurgroepen=["sg-zuid"])
    out = h.report(town.resident("wg-noord-1"), melding("vandalisme"))
    assert [d.group for d in deliveries(out)] == ["wg-noord-1"]
