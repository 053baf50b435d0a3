"""Drawing an incident's propagation and a simulation's summary (routing.present.render)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from routing import Afloop, Always, Decide, PendingDecision, Relay, Report
from routing.present.render import CASUSHOUDER_MARK, POLICE_MARK, incident_tree
from routing.sim.report import simulation_table
from routing.sim.simulate import SimConfig, simulate
from routing.testing import Harness, melding, zoomwijck


def render(renderable: Tree | Table) -> str:
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_R3_R8_tree_from_a_view_shows_hops_casushouder_and_afloop() -> None:
    town = zoomwijck()
    relay = Relay(town.hierarchy, policy=Always())
    reporter = town.resident("wg-noord-1")
    relay.handle(Report(at=0, reporter=reporter, melding=melding()))
    relay.handle(Afloop(at=3725, by=reporter, incident="I1", text="klaar"))
    text = render(incident_tree(relay.incident("I1"), town.hierarchy))
    name = town.hierarchy.name(reporter)
    assert f"{CASUSHOUDER_MARK} casushouder {name}" in text
    assert "+0:00:00  wg-noord-2  via sg-noord lid 1  [S2 siblings" in text
    assert f"■ +1:02:05  afloop by {name}" in text
    # Hops hang under the group they came from.
    lines = text.splitlines()
    rg = next(i for i, line in enumerate(lines) if "rg-zoomwijck" in line)
    zuid = next(i for i, line in enumerate(lines) if "wg-zuid-1" in line)
    assert lines[zuid].index("wg-zuid-1") > lines[rg].index("rg-zoomwijck")


def test_tree_from_outputs_shows_open_questions_and_no_afloop() -> None:
    town = zoomwijck()
    relay = Relay(town.hierarchy)
    outputs = relay.handle(Report(at=0, reporter=town.resident("wg-noord-1"), melding=melding()))
    text = render(incident_tree(outputs, town.hierarchy))
    assert "? sg-noord decides on wg-noord-2, wg-noord-3" in text
    assert "no afloop yet" in text


def test_answered_and_refused_questions() -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy))
    outs = list(h.report(town.resident("wg-noord-1"), melding(), at=0))
    pending = [o for o in outs if isinstance(o, PendingDecision)]
    for p in pending:
        outs += h.run(
            Decide(at=60, by=town.member("sg-noord"), decision=p.id, forward=p.step.rule == "S2")
        )
    text = render(incident_tree(outs, town.hierarchy))
    assert "+0:01:00  wg-noord-3" in text
    assert "✗ +0:01:00  not to rg-zoomwijck" in text


def test_P1_police_notices_are_marked_first() -> None:
    town = zoomwijck()
    h = Harness(Relay(town.hierarchy, policy=Always()))
    outs = h.police(melding(), regiegroep="rg-poortwijk", at=0)
    text = render(incident_tree(outs, town.hierarchy))
    assert text.startswith(f"{POLICE_MARK} I1")
    assert "casushouder sg-poort lid 1" in text


def test_simulation_table_lists_the_figures() -> None:
    result = simulate(zoomwijck().hierarchy, SimConfig(rates={"inbraak": 5000.0}), seed=1, weeks=1)
    text = render(simulation_table(result))
    for label in (
        "messages per member per week",
        "duplicate 112 calls avoided",
        "left without afloop",
        "reach beyond origin",
    ):
        assert label in text
    assert f"{len(result.incidents)}" in text
