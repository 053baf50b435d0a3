"""The dry run (routing.present.explain): who would receive a melding, and nothing changes."""

from __future__ import annotations

import io

from rich.console import Console

from routing import Always, ByStep, Never, Relay, Report, Step
from routing.present.explain import explain
from routing.testing import melding, relay_state, zoomwijck


def render(tree: object) -> str:
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(tree)
    return console.export_text()


def snapshot(relay: Relay) -> tuple[object, ...]:
    h = relay.hierarchy
    return (
        relay_state(relay),
        h.version,
        [(g, h.size(g)) for g in h.groups()],
    )


def test_R5_R6_assumed_forward_reaches_the_whole_gemeente_and_marks_each_question() -> None:
    town = zoomwijck()
    e = explain(town.hierarchy, "wg-noord-1", melding())
    assert set(e.reached) == {g for g in town.hierarchy.groups() if not g.startswith("sg-")}
    assert e.certain == ("wg-noord-1",)
    up = next(p for p in e.points if p.pending.step is Step.TO_REGIEGROEP)
    # A no at the regiegroep would cut off everything beyond the stuurgroep's own groups.
    assert set(up.only_through) == set(e.reached) - {"wg-noord-1", "wg-noord-2", "wg-noord-3"}
    text = render(e.tree(town.hierarchy))
    assert "6 decision points" in text
    assert "not reached on no" in text


def test_policy_answers_are_taken_and_skips_shown() -> None:
    town = zoomwijck()
    policy = ByStep({Step.SIBLINGS: Always(), Step.TO_GEMEENTE: Never()})
    e = explain(town.hierarchy, "wg-noord-1", melding(), policy=policy)
    assert "grg" not in e.reached
    assert [d.targets for d in e.skipped] == [("grg",)]
    assert all(p.pending.step is not Step.SIBLINGS for p in e.points)
    assert "the policy does not forward" in render(e.tree(town.hierarchy))


def test_stop_at_questions() -> None:
    e = explain(zoomwijck().hierarchy, "wg-noord-1", melding(), assume_forward=False)
    assert e.reached == ("wg-noord-1",)
    assert all(p.decision is None for p in e.points)
    assert len(e.points) == 2


def test_P1_police_notice_from_a_regiegroep() -> None:
    e = explain(zoomwijck().hierarchy, "rg-poortwijk", melding(), assume_forward=False)
    assert set(e.reached) == {"rg-poortwijk", "wg-poort-1", "wg-poort-2"}
    assert "POLITIE" in render(e.tree(zoomwijck().hierarchy))


def test_H3_a_report_without_112_is_held_then_assumed_released() -> None:
    town = zoomwijck()
    e = explain(town.hierarchy, "wg-zuid-1", melding(called_112=False))
    assert e.held is not None
    assert "wg-zuid-1" in e.reached
    assert "112 not called" in render(e.tree(town.hierarchy))


def test_S1_H5_an_abusive_report_is_explained_as_held_by_screening() -> None:
    town = zoomwijck()
    e = explain(town.hierarchy, "wg-zuid-1", melding(text="die klootzak breekt in"))
    assert e.held is not None
    assert e.held.rule == "H5"
    text = render(e.tree(town.hierarchy))
    assert "held by screening" in text
    assert "klootzak" in text


def test_the_dry_run_changes_no_state() -> None:
    """A relay with an open incident: the dry run works on a copy (snapshot comparison)."""
    town = zoomwijck()
    relay = Relay(town.hierarchy)
    relay.handle(Report(at=0, reporter=town.resident("wg-noord-1"), melding=melding()))
    before = snapshot(relay)
    e = explain(town.hierarchy, "wg-noord-1", melding(), relay=relay, at=10)
    assert e.joined == "I1"  # H4: it would join the open incident
    e = explain(town.hierarchy, "wg-zuid-1", melding(), relay=relay, at=10)
    assert e.reached
    assert snapshot(relay) == before


def test_without_a_relay_the_hierarchy_stays_as_it_was() -> None:
    town = zoomwijck()
    h = town.hierarchy
    before = (h.version, [(g, h.size(g)) for g in h.groups()])
    explain(h, "wg-noord-2", melding())
    assert (h.version, [(g, h.size(g)) for g in h.groups()]) == before


def test_to_dict_names_hops_and_points() -> None:
    e = explain(zoomwijck().hierarchy, "wg-noord-1", melding())
    data = e.to_dict()
    assert data["origin"] == "wg-noord-1"
    first = data["reached"][1]["hops"][-1]
    assert first["assumed"] is True
    assert len(data["decision_points"]) == len(e.points)
