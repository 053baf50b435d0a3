"""Hierarchy changes as data: each one does exactly what its method does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from routing.domain.values import Actor, ActorKind, Applicant
from routing.errors import (
    InvalidValueError,
    InvariantRefused,
    PermissionRefused,
    UnknownMemberError,
)
from routing.hierarchy.changes import (
    AddActor,
    Admit,
    Change,
    ChangeStuurgroep,
    CreateGemeentelijkeRegiegroep,
    CreateRegiegroep,
    CreateWijkgroep,
    Erase,
    EraseActor,
    FoundNeighbourhood,
    Leave,
    LoadMembers,
    Move,
    Remove,
    Retention,
    SplitWijkgroep,
    apply_change,
)
from routing.model import Hierarchy

FOUNDERS = [Applicant.registered(f"lid {i}", buurt="Oost") for i in range(3)]
SPLIT = {"West": "wg-west", "Oost": "wg"}
ANNA = Applicant(name="Anna", age=30, lives_in_area=True, accepted_rules=True, phone="06")

# (change, the same thing as a method call); applied in this order to two twins.
STEPS: list[tuple[Change, Callable[[Hierarchy], Any]]] = [
    (
        FoundNeighbourhood(
            gemeente="T", wijk="Z", wijkgroep="wg", stuurgroep="sg", founders=FOUNDERS
        ),
        lambda h: h.found_neighbourhood(
            gemeente="T", wijk="Z", wijkgroep="wg", stuurgroep="sg", founders=FOUNDERS
        ),
    ),
    (
        FoundNeighbourhood(
            gemeente="T", wijk="P", wijkgroep="wp", stuurgroep="sp", founders=FOUNDERS
        ),
        lambda h: h.found_neighbourhood(
            gemeente="T", wijk="P", wijkgroep="wp", stuurgroep="sp", founders=FOUNDERS
        ),
    ),
    (
        LoadMembers(wijkgroep="wg", names=[f"b{i}" for i in range(81)], buurt="West"),
        lambda h: h.load_members("wg", [f"b{i}" for i in range(81)], buurt="West"),
    ),
    (
        Admit(by=0, wijkgroep="wg", applicant=ANNA),
        lambda h: h.admit(0, "wg", ANNA),
    ),
    (
        CreateWijkgroep(by=0, stuurgroep="sg", wijkgroep="wg2", approvals=[1, 0, 0]),
        lambda h: h.create_wijkgroep(0, "sg", "wg2", approvals=[0, 1]),
    ),
    (Move(by=0, member=10, wijkgroep="wg2"), lambda h: h.move(0, 10, "wg2")),
    (
        Remove(by=0, member=11, reason="houdt zich niet aan de spelregels"),
        lambda h: h.remove(0, 11, reason="houdt zich niet aan de spelregels"),
    ),
    (Leave(member=12, by=12), lambda h: h.leave(12, by=12)),
    (
        SplitWijkgroep(by=0, wijkgroep="wg", buurten=SPLIT, approvals=[0, 1], rest="wg-rest"),
        lambda h: h.split_wijkgroep(0, "wg", buurten=SPLIT, approvals=[0, 1], rest="wg-rest"),
    ),
    (
        ChangeStuurgroep(stuurgroep="sg", members=[1, 2, 0], telefoonbeheerder=1, approvals=[0, 1]),
        lambda h: h.change_stuurgroep(
            "sg", members=[1, 2, 0], telefoonbeheerder=1, approvals=[0, 1]
        ),
    ),
    (CreateRegiegroep(wijk="Z", regiegroep="rg-z"), lambda h: h.create_regiegroep("Z", "rg-z")),
    (CreateRegiegroep(wijk="P", regiegroep="rg-p"), lambda h: h.create_regiegroep("P", "rg-p")),
    (
        CreateGemeentelijkeRegiegroep(gemeente="T", group="grg", delegates=[4, 0]),
        lambda h: h.create_gemeentelijke_regiegroep("T", "grg", delegates=[0, 4]),
    ),
    (
        AddActor(actor=Actor(id="wa", kind=ActorKind.WIJKAGENT, name="Jansen", wijken={"Z"})),
        lambda h: h.add_actor(
            Actor(id="wa", kind=ActorKind.WIJKAGENT, name="Jansen", wijken=frozenset({"Z"}))
        ),
    ),
    (Erase(member=87, by=87), lambda h: h.erase(87, by=87)),  # Anna
    (EraseActor(actor="wa", by="wa"), lambda h: h.erase_actor("wa", by="wa")),
]


def test_each_change_does_what_its_method_does() -> None:
    by_change, by_call = Hierarchy(), Hierarchy()
    for change, call in STEPS:
        result = apply_change(by_change, change)
        expected = call(by_call)
        assert result == expected, change
        assert by_change.export_state() == by_call.export_state(), change
        assert by_change.verify() == []
    assert by_change.name(87) == Hierarchy.pseudonym(87)
    assert by_change.phone(87) is None
    assert by_change.actor("wa").name == Hierarchy.actor_pseudonym("wa")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (Admit(by=1, wijkgroep="wg", applicant=ANNA), PermissionRefused),
        (CreateRegiegroep(wijk="Z", regiegroep="wg"), InvariantRefused),
        (Leave(member=999, by=999), UnknownMemberError),
        (Erase(member=999, by=999), UnknownMemberError),
        (
            ChangeStuurgroep(stuurgroep="sg", members=[0], telefoonbeheerder=0, approvals=[0, 1]),
            InvariantRefused,
        ),
    ],
)
def test_a_refused_change_leaves_the_hierarchy_as_it_was(change: Change, error: type) -> None:
    h = Hierarchy()
    apply_change(h, STEPS[0][0])
    before = h.export_state()
    with pytest.raises(error):
        apply_change(h, change)
    assert h.export_state() == before


def test_retention_without_a_relay_clears_nothing() -> None:
    assert apply_change(Hierarchy(), Retention(at=1e6)) == ()


def test_sets_become_sorted_tuples_so_equal_changes_are_equal() -> None:
    a = CreateWijkgroep(by=0, stuurgroep="s", wijkgroep="w", approvals={2, 0, 1})
    b = CreateWijkgroep(by=0, stuurgroep="s", wijkgroep="w", approvals=[1, 2, 0, 2])
    assert a == b
    assert a.approvals == (0, 1, 2)
    split = SplitWijkgroep(by=0, wijkgroep="w", buurten={"b": "x", "a": "y"}, approvals=[0])
    # ... but a split creates its wijkgroepen in the mapping's order: that is kept.
    assert split.buurten == (("b", "x"), ("a", "y"))
    # The order of a stuurgroep's members means something: it is kept.
    assert ChangeStuurgroep(
        stuurgroep="s", members=[2, 0, 1], telefoonbeheerder=2, approvals=[0]
    ).members == (2, 0, 1)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Remove(by=True, member=1, reason="houdt zich niet aan de spelregels"),
        lambda: Remove(by=0, member="1", reason="houdt zich niet aan de spelregels"),
        lambda: Leave(member=1.0, by=1.0),
        lambda: Move(by=0, member=1, wijkgroep=""),
        lambda: LoadMembers(wijkgroep="wg", names="Anna"),
        lambda: CreateWijkgroep(by=0, stuurgroep="s", wijkgroep="w", approvals=["0"]),
        lambda: SplitWijkgroep(by=0, wijkgroep="w", buurten={"a": 1}, approvals=[0]),
        lambda: Retention(at=float("nan")),
        lambda: EraseActor(actor="", by=""),
        lambda: EraseActor(actor=12, by=12),  # type: ignore[arg-type]
        lambda: Retention(at=0, older_than=0),
        lambda: FoundNeighbourhood(
            gemeente="T", wijk="Z", wijkgroep="w", stuurgroep="s", founders=["Anna"]
        ),
    ],
)
def test_malformed_changes_cannot_be_built(build: Callable[[], object]) -> None:
    with pytest.raises(InvalidValueError):
        build()


def test_apply_change_refuses_what_is_not_a_change() -> None:
    with pytest.raises(TypeError):
        apply_change(Hierarchy(), "Leave(1)")  # type: ignore[arg-type]
