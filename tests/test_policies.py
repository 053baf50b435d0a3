"""Relevance policies (R5, R6): built-ins and combinators."""

from __future__ import annotations

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.melding import Category
from routing.engine.outputs import Step
from routing.engine.policies import (
    AdjacentWijken,
    AllOf,
    Always,
    Answer,
    AnyOf,
    Ask,
    ByCategory,
    ByStep,
    Context,
    Never,
    Not,
    Policy,
    TowardsWijk,
)
from routing.testing import melding


def ctx(
    step: Step = Step.FROM_REGIEGROEP,
    *,
    category: str = "inbraak",
    origin: str | None = "Zoomwijck",
    source: str | None = "Zoomwijck",
    target: str | None = "Poortwijk",
    direction: str | None = None,
) -> Context:
    return Context(
        incident="I1",
        melding=melding(category, direction=direction),
        police=False,
        step=step,
        decider="sg",
        source="src",
        targets=("t",),
        origin_wijk=origin,
        source_wijk=source,
        target_wijk=target,
        at=0.0,
    )


BORDERS = nx.Graph([("Zoomwijck", "Poortwijk"), ("Poortwijk", "Centrum")])


def test_R5_always_never_ask() -> None:
    assert Always().decide(ctx()).answer is Answer.FORWARD
    assert Never().decide(ctx()).answer is Answer.SKIP
    assert Ask("twijfel").decide(ctx()).answer is Answer.ASK
    assert Ask("twijfel").decide(ctx()).reason == "twijfel"
    assert isinstance(Always(), Policy)


def test_R6_adjacent_wijken() -> None:
    p = AdjacentWijken(BORDERS)
    assert p.decide(ctx(target="Poortwijk")).answer is Answer.FORWARD
    assert p.decide(ctx(target="Zoomwijck")).answer is Answer.FORWARD
    assert p.decide(ctx(target="Centrum")).answer is Answer.SKIP
    assert p.decide(ctx(Step.TO_GEMEENTE, target=None)).answer is Answer.FORWARD
    lonely = AdjacentWijken(nx.Graph([("A", "B")]))
    assert lonely.decide(ctx(Step.TO_GEMEENTE, target=None)).answer is Answer.SKIP
    assert p.decide(ctx(origin=None)).answer is Answer.SKIP


def test_R6_by_category_vermissing_gemeente_wide_inbraak_adjacent() -> None:
    p = ByCategory(
        {
            Category.VERMISSING: Always("vermissing: gemeentebreed"),
            Category.INBRAAK: AdjacentWijken(BORDERS),
        },
        default=Never(),
    )
    assert p.decide(ctx(category="vermissing", target="Centrum")).answer is Answer.FORWARD
    assert p.decide(ctx(category="inbraak", target="Centrum")).answer is Answer.SKIP
    assert p.decide(ctx(category="inbraak", target="Poortwijk")).answer is Answer.FORWARD
    assert p.decide(ctx(category="diefstal")).answer is Answer.SKIP


def test_R3b_towards_wijk_follows_the_looprichting() -> None:
    p = TowardsWijk({"parklaan": "Poortwijk"}, otherwise=Ask())
    heading = "richting de Parklaan"
    assert p.decide(ctx(direction=heading, target="Poortwijk")).answer is Answer.FORWARD
    assert p.decide(ctx(direction=heading, target="Centrum")).answer is Answer.SKIP
    assert p.decide(ctx(Step.TO_REGIEGROEP, direction=heading)).answer is Answer.FORWARD
    assert p.decide(ctx(Step.TO_GEMEENTE, direction=heading, target=None)).answer is Answer.FORWARD
    stays = ctx(Step.TO_GEMEENTE, direction=heading, source="Poortwijk", target=None)
    assert p.decide(stays).answer is Answer.SKIP
    assert p.decide(ctx(direction="onbekend")).answer is Answer.ASK
    assert p.heading(melding(direction="naar PARKLAAN")) == frozenset({"Poortwijk"})


def test_R5_by_step() -> None:
    p = ByStep({Step.SIBLINGS: Always()}, default=Never())
    assert p.decide(ctx(Step.SIBLINGS)).answer is Answer.FORWARD
    assert p.decide(ctx(Step.TO_REGIEGROEP)).answer is Answer.SKIP


POLICIES = st.sampled_from([Always(), Never(), Ask()])


@given(st.lists(POLICIES, max_size=4))
def test_combinators_agree_with_their_definition(parts: list[Policy]) -> None:
    c = ctx()
    answers = [p.decide(c).answer for p in parts]
    anyof = AnyOf(*parts).decide(c).answer
    allof = AllOf(*parts).decide(c).answer
    if Answer.FORWARD in answers:
        assert anyof is Answer.FORWARD
    elif Answer.ASK in answers:
        assert anyof is Answer.ASK
    else:
        assert anyof is Answer.SKIP
    if Answer.SKIP in answers:
        assert allof is Answer.SKIP
    elif Answer.ASK in answers:
        assert allof is Answer.ASK
    else:
        assert allof is Answer.FORWARD


@given(POLICIES)
def test_not_swaps_forward_and_skip(part: Policy) -> None:
    inner = part.decide(ctx()).answer
    outer = Not(part).decide(ctx()).answer
    swap = {Answer.FORWARD: Answer.SKIP, Answer.SKIP: Answer.FORWARD, Answer.ASK: Answer.ASK}
    assert outer is swap[inner]
    assert Not(Not(part)).decide(ctx()).answer is inner
