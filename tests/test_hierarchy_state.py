"""A hierarchy exported as plain data reads back exactly; bad data is a StateError."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import Applicant, GroupKind, Hierarchy, StateError
from routing.hierarchy.config import load_hierarchy
from strategies import hierarchies, snapshot

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def roundtrip(h: Hierarchy) -> Hierarchy:
    return Hierarchy.from_state(json.loads(json.dumps(h.export_state())))


@given(hierarchies())
def test_export_reads_back_exactly(h: Hierarchy) -> None:
    """Every observable fact, the version counters and the export itself survive JSON."""
    again = roundtrip(h)
    assert snapshot(again) == snapshot(h)
    assert again.export_state() == h.export_state()
    assert again.verify() == []


@given(hierarchies())
def test_restored_hierarchy_behaves_the_same(h: Hierarchy) -> None:
    """After a restore the next admission gets the same id, in the same group."""
    again = roundtrip(h)
    for gid in h.groups():
        if h.kind(gid) is GroupKind.WIJKGROEP and h.capacity(gid).free > 0:
            wg = gid
            break
    else:
        return
    tb = h.telefoonbeheerder(h.stuurgroep_of(wg))
    applicant = Applicant(name="nieuw", age=30, lives_in_area=True, accepted_rules=True)
    assert h.admit(tb, wg, applicant) == again.admit(tb, wg, applicant)
    assert snapshot(again) == snapshot(h)


def test_gaps_of_removed_members_are_kept() -> None:
    """Ids stay meaningful: a removed member's id is not given to anyone else."""
    h = load_hierarchy(EXAMPLES / "zoomwijck.toml")
    wg = next(g for g in h.groups() if h.kind(g) is GroupKind.WIJKGROEP)
    resident = next(m for m in h.residents(wg) if h.stuurgroep_membership(m) is None)
    h.leave(resident, by=resident)
    again = roundtrip(h)
    assert resident not in again
    assert len(again) == len(h)
    tb = h.telefoonbeheerder(h.stuurgroep_of(wg))
    new = again.admit(tb, wg, Applicant.registered("x")).member
    assert new != resident
    assert new == len(h.export_state()["names"])


def test_erased_member_stays_erased() -> None:
    """AVG art. 17: an erased name and phone number are not in the export."""
    h = load_hierarchy(EXAMPLES / "zoomwijck.toml")
    wg = next(g for g in h.groups() if h.kind(g) is GroupKind.WIJKGROEP)
    tb = h.telefoonbeheerder(h.stuurgroep_of(wg))
    m = h.admit(
        tb,
        wg,
        Applicant(
            name="Zeldzame Naam",
            age=50,
            lives_in_area=True,
            accepted_rules=True,
            phone="0698765432",
        ),
    ).member
    assert "Zeldzame Naam" in json.dumps(h.export_state())
    h.erase(m, by=m)
    text = json.dumps(h.export_state())
    assert "Zeldzame Naam" not in text
    assert "0698765432" not in text
    assert roundtrip(h).name(m) == Hierarchy.pseudonym(m)


def test_newer_schema_is_refused() -> None:
    state = load_hierarchy(EXAMPLES / "zoomwijck.toml").export_state()
    state["schema"] = 2
    with pytest.raises(StateError, match="newer"):
        Hierarchy.from_state(state)


@pytest.mark.parametrize("state", [None, [], "x", {}, {"kind": "routing.relay", "schema": 1}])
def test_foreign_data_is_refused(state: Any) -> None:
    with pytest.raises(StateError):
        Hierarchy.from_state(state)


def test_error_names_its_source() -> None:
    with pytest.raises(StateError) as info:
        Hierarchy.from_state({"kind": "routing.hierarchy"}, source="backup.json")
    assert info.value.source == "backup.json"
    assert "backup.json" in str(info.value)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.lists(st.integers(-1, 50), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(st.data())
def test_corrupted_state_is_refused_or_valid(data: st.DataObject) -> None:
    """Any single corruption gives a StateError, or a hierarchy that passes
    verify(): never another exception, never a broken hierarchy."""
    original = load_hierarchy(EXAMPLES / "zoomwijck-fase2.toml").export_state()
    state = copy.deepcopy(original)
    path = data.draw(st.sampled_from(_paths(state)))
    parent = state
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(_JUNK)
    try:
        h = Hierarchy.from_state(state)
    except StateError:
        return
    assert h.verify() == []


def test_a_stuurgroep_saved_without_its_wijk_is_refused() -> None:
    """Found by the corruption property: it raised KeyError, not StateError."""
    state = load_hierarchy(EXAMPLES / "zoomwijck-fase2.toml").export_state()
    kinds = [g.get("kind") for g in state["groups"]]
    k = next(i for i, kind in enumerate(kinds) if str(kind).lower() == "stuurgroep")
    state["groups"][k]["wijk"] = None
    with pytest.raises(StateError, match="not listed by its wijk"):
        Hierarchy.from_state(state)
