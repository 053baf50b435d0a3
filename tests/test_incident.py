"""The incident transition table: every phase x event is legal or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.engine.incident import TRANSITIONS, Event, Phase, next_phase, transition_diagram
from routing.errors import IncidentRefused

DOCS = Path(__file__).parent.parent / "docs" / "incidents.md"


@pytest.mark.parametrize("phase", [None, *Phase])
@pytest.mark.parametrize("event", list(Event))
def test_every_phase_and_event_is_a_transition_or_a_refusal(
    phase: Phase | None, event: Event
) -> None:
    if (phase, event) in TRANSITIONS:
        assert next_phase(phase, event) is TRANSITIONS[phase, event]
    else:
        with pytest.raises(IncidentRefused) as info:
            next_phase(phase, event, incident="I7")
        assert info.value.rule


def test_R8_closed_and_rejected_are_final() -> None:
    for (phase, _), target in TRANSITIONS.items():
        if phase in (Phase.CLOSED, Phase.REJECTED):
            assert target is phase
    assert next_phase(Phase.OPEN, Event.AFLOOP) is Phase.CLOSED
    with pytest.raises(IncidentRefused, match="closed") as info:
        next_phase(Phase.CLOSED, Event.FORWARD)
    assert info.value.rule == "R8"


def test_every_phase_is_reachable_from_the_start() -> None:
    seen: set[Phase | None] = {None}
    changed = True
    while changed:
        changed = False
        for (source, _), target in TRANSITIONS.items():
            if source in seen and target not in seen:
                seen.add(target)
                changed = True
    assert seen == {None, *Phase}


def test_diagram_names_every_transition() -> None:
    diagram = transition_diagram()
    assert diagram.startswith("stateDiagram-v2\n")
    for _, event in TRANSITIONS:
        assert event.label in diagram


def test_docs_incidents_md_holds_exactly_the_generated_diagram() -> None:
    """docs/incidents.md is drawn from the engine's own table, not by hand."""
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("```mermaid\n") + len("```mermaid\n")
    end = text.index("```", start)
    assert text[start:end] == transition_diagram()
