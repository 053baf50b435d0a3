"""The duty rule (S2, S3, S5, P2, R5, R6) is written once: every caller asks :meth:`Relay.duty`.

The relay's own checks, :func:`~routing.present.explain.explain` and the
simulator all take who may decide from the same table. These tests hold that
table against a naive reading of the rule, and the relay's checks against it.
"""

from __future__ import annotations

import pytest

from routing.domain.values import GroupKind, MemberId
from routing.engine.commands import Decide
from routing.engine.outputs import DecisionMade, PendingDecision
from routing.engine.policies import Ask
from routing.errors import PermissionRefused, UnknownGroupError
from routing.model import Hierarchy
from routing.present.explain import explain
from routing.relay import Relay, RelayConfig
from routing.sim.config import SimConfig
from routing.sim.loop import Run
from routing.testing import Harness, Town, melding, zoomwijck


def naive_duty(h: Hierarchy, group: str) -> frozenset[int]:
    """The rule as the sources state it, computed from the hierarchy alone."""
    kind = h.kind(group)
    if kind is GroupKind.STUURGROEP:
        return frozenset(h.admins(group))
    if kind is GroupKind.REGIEGROEP:
        grg = h.gemeentelijke_regiegroep_of(h.gemeente_of(group))
        return frozenset(h.admins(group) & h.admins(grg)) if grg is not None else frozenset()
    return frozenset()


@pytest.fixture
def town() -> Town:
    return zoomwijck()


def test_S2_S3_S5_R5_R6_duty_of_every_group_is_the_rule(town: Town) -> None:
    h = town.hierarchy
    relay = Relay(h)
    for group in h.groups():
        assert relay.duty(group) == naive_duty(h, group), group
    # The rule gives someone the duty where the Zoomwijck needs it.
    assert relay.duty("sg-noord")
    assert relay.duty("rg-zoomwijck")


def test_T1_on_duty_is_one_of_the_duty_or_nobody(town: Town) -> None:
    h = town.hierarchy
    relay = Relay(h, config=RelayConfig(on_duty={"sg-noord": town.member("sg-noord", 2)}))
    assert relay.on_duty("sg-noord") == town.member("sg-noord", 2)
    assert relay.on_duty("sg-zuid") == h.telefoonbeheerder("sg-zuid")  # T1: the default
    assert relay.on_duty("rg-zoomwijck") == min(relay.duty("rg-zoomwijck"))
    assert relay.on_duty("wg-noord-1") is None
    with pytest.raises(UnknownGroupError):
        relay.duty("nergens")


def test_R6_decide_is_accepted_exactly_from_the_duty(town: Town) -> None:
    """Every question a report raises may be answered by the duty, and by nobody else."""
    h = town.hierarchy
    everyone = sorted({m for g in h.groups() for m in h.members(g)})
    harness = Harness(Relay(h, policy=Ask()))
    outputs = harness.report(town.resident("wg-noord-1"), melding())
    questions = [o for o in outputs if isinstance(o, PendingDecision)]
    assert questions
    for q in questions:
        duty = harness.relay.duty(q.decider)
        outsider = next(m for m in everyone if m not in duty)
        harness.refused(
            Decide(at=10.0, by=outsider, decision=q.id, forward=True), PermissionRefused
        )
        member = sorted(duty)[-1]
        made = harness.run(Decide(at=10.0, by=member, decision=q.id, forward=False))
        assert any(isinstance(o, DecisionMade) for o in made)


def test_explain_and_the_simulator_ask_the_same_table(town: Town) -> None:
    h = town.hierarchy
    relay = Relay(h)
    e = explain(h, "wg-noord-1", melding())
    for point in e.points:
        assert point.decision is not None
        assert point.decision.by == relay.on_duty(point.pending.decider)
    run = Run(h, SimConfig(), seed=1, weeks=1.0)
    for group in h.groups():
        assert run.duty(group) == tuple(sorted(MemberId(m) for m in relay.duty(group)))
