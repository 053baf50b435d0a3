"""Reading load and attrition in the simulation (routing.sim.reading, H9).

The seeds say only alarming messages belong in the groups and that members
leave (*afhaken*) when the groups fill with other talk. These tests hold the
model to what it claims: no noise, nobody leaves; no attrition, the
membership stays; a flat group reads more that does not concern its readers
than the phase-2 hierarchy does for the same rates; a seed gives one result.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from routing import Applicant, Hierarchy, React, Report
from routing.domain.values import GroupKind
from routing.errors import InvalidValueError
from routing.hierarchy.config import load_hierarchy
from routing.sim.config import Reading, SimConfig
from routing.sim.simulate import simulate

PHASE_2 = Path(__file__).resolve().parent.parent / "examples" / "zoomwijck-fase2.toml"

# Busy enough that a few weeks of 92 residents hold dozens of alarms.
BUSY = SimConfig(rates={"inbraak": 3000.0, "verdachte persoon": 2000.0}, police_rate=1.0)


def phased() -> Hierarchy:
    return load_hierarchy(PHASE_2)


def flat(tiered: Hierarchy) -> Hierarchy:
    """The same residents, each with their buurt, in one wijkgroep."""
    h = Hierarchy(tiered.settings)
    wijkgroepen = tiered.groups(GroupKind.WIJKGROEP)
    people = [tiered.member(m) for w in wijkgroepen for m in tiered.residents(w)]
    founders = people[:3]
    h.found_neighbourhood(
        gemeente="Voorbeeldstad", wijk="Zoomwijck", wijkgroep="wg", stuurgroep="sg",
        founders=[Applicant.registered(p.name, buurt=p.buurt) for p in founders],
    )  # fmt: skip
    for p in people[3:]:
        h.load_members("wg", [p.name], buurt=p.buurt)
    return h


def reading(**changes: float) -> SimConfig:
    return attrs.evolve(BUSY, reading=Reading(**changes))


def test_the_reading_model_is_off_by_default() -> None:
    result = simulate(phased(), BUSY, seed=1, weeks=2)
    assert SimConfig().reading is None
    assert result.reading is None
    assert "reading" not in result.to_dict()


def test_H9_without_attrition_the_membership_stays() -> None:
    result = simulate(phased(), reading(leave_per_message=0.0), seed=3, weeks=8)
    assert result.reading is not None
    assert result.reading.left == 0
    assert result.reading.members == (92,) * 9
    assert result.reading.unreported == 0
    assert result.reading.chatter > 0  # there was noise to leave over


def test_H9_without_noise_nobody_leaves() -> None:
    """No chatter, and every alarm concerns the whole wijk: nothing a member reads
    is beside the point, so even a harsh attrition rate lets nobody go."""
    config = reading(chatter=0.0, wide=1.0, leave_per_message=0.5)
    for h in (phased(), flat(phased())):
        result = simulate(h, config, seed=5, weeks=8)
        r = result.reading
        assert r is not None
        assert len(result.incidents) > 20
        assert r.left == 0
        assert r.relevant_share == 1.0
        assert r.irrelevant_per_member_week.max == 0.0


def test_H9_noise_makes_residents_leave_the_hierarchy_for_real() -> None:
    h = flat(phased())
    result = simulate(h, reading(chatter=0.2, leave_per_message=0.02), seed=5, weeks=8)
    r = result.reading
    assert r is not None
    assert r.left > 0
    assert r.members[0] == 92
    assert r.members[-1] == 92 - r.left
    assert list(r.members) == sorted(r.members, reverse=True)
    # Those who left stop taking part: the relay refused no command of a leaver.
    assert result.refused == 0
    # The run left its own copy of the hierarchy; the caller's is as it was.
    assert len(h) == 92
    assert h.verify() == []


def test_H9_a_resident_who_left_reports_and_reacts_no_more() -> None:
    config = attrs.evolve(reading(chatter=0.5, leave_per_message=0.05), keep_log=True)
    result = simulate(flat(phased()), config, seed=2, weeks=6)
    r = result.reading
    assert r is not None
    assert r.left > 10
    gone = dict(r.departures)
    assert len(gone) == r.left
    acted = 0
    for command, _ in result.log:
        if isinstance(command, Report | React):
            who = command.reporter if isinstance(command, Report) else command.member
            assert who not in gone or command.at < gone[who]
            acted += who in gone
    assert acted > 0  # some of them did take part before they left
    assert r.unreported > 0  # situations seen by residents who had gone
    assert result.refused == 0


def test_H9_flat_group_reads_more_that_does_not_concern_its_readers() -> None:
    config = reading()
    tiered = phased()
    a = simulate(flat(tiered), config, seed=8, weeks=8).reading
    b = simulate(tiered, config, seed=8, weeks=8).reading
    assert a is not None
    assert b is not None
    assert a.irrelevant_per_member_week.mean > 2 * b.irrelevant_per_member_week.mean
    assert a.relevant_share < b.relevant_share
    # The stuurgroep members of phase 2 read all five groups: the busiest reader
    # there reads at least as much as anyone in the flat group.
    assert b.read_per_member_week.max >= a.read_per_member_week.mean


def test_R5_R6_local_alarms_stay_in_their_buurt_when_nobody_misjudges() -> None:
    """With ``misjudge`` 0 and no alarm wider than its buurt, the stuurgroep
    forwards none of them: each reaches only the residents of its own wijkgroep."""
    config = attrs.evolve(reading(wide=0.0, misjudge=0.0), police_rate=0.0)
    result = simulate(phased(), config, seed=4, weeks=4)
    assert result.incidents
    assert all(len(i.reach) == 1 for i in result.incidents)
    assert result.reading is not None
    assert result.reading.reached.max <= 21
    assert result.reading.concerned_reached.p50 == 1.0


def test_the_same_seed_gives_the_same_reading() -> None:
    config = reading(chatter=0.1, leave_per_message=0.01)
    a = simulate(flat(phased()), config, seed=11, weeks=6)
    b = simulate(flat(phased()), config, seed=11, weeks=6)
    assert a == b
    assert a.reading is not None
    assert a.reading.left > 0
    c = simulate(flat(phased()), config, seed=12, weeks=6)
    assert c.reading != a.reading


def test_chatter_does_not_change_which_incidents_happen() -> None:
    """Chatter draws from a stream of its own: without attrition the incidents stay."""
    quiet = simulate(phased(), reading(chatter=0.0, leave_per_message=0.0), seed=6, weeks=4)
    loud = simulate(phased(), reading(chatter=1.0, leave_per_message=0.0), seed=6, weeks=4)
    assert quiet.incidents == loud.incidents
    assert quiet.reading is not None
    assert loud.reading is not None
    assert loud.reading.chatter > quiet.reading.chatter == 0


def test_reading_to_dict_is_plain_data() -> None:
    import json

    result = simulate(phased(), reading(), seed=1, weeks=2)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["reading"]["members"][0] == 92
    assert 0 <= data["reading"]["relevant_share"] <= 1


def test_bad_reading_parameters_are_refused() -> None:
    with pytest.raises(InvalidValueError):
        Reading(chatter=-1.0)
    with pytest.raises(InvalidValueError):
        Reading(leave_per_message=1.5)
    with pytest.raises(InvalidValueError):
        Reading(wide=2.0)
