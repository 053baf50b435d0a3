"""Admission, royement and who may erase (H1, H10, T1, T2, G2, G3, AVG art. 17).

Each refusal is checked to leave the hierarchy exactly as it was (the
``refused`` helper compares a full snapshot); the Hypothesis tests do so for
any asker and any member of a generated hierarchy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import (
    Actor,
    ActorKind,
    AdmissionHeld,
    AdmissionRefused,
    Applicant,
    CapacityState,
    CapacityWarning,
    Hierarchy,
    InvalidValueError,
    InvariantRefused,
    MemberId,
    PermissionRefused,
    Platform,
    Refused,
    RulesAcceptance,
    Settings,
    SplitProposal,
    block_key,
    normalize_phone,
)
from routing.domain.codec import decode, encode
from routing.errors import CorruptStateError, UnknownIdError, UnknownMemberError
from routing.hierarchy.changes import (
    AddActor,
    Admit,
    Erase,
    EraseActor,
    Leave,
    Remove,
    Unblock,
    apply_change,
)
from routing.persist.journal import Journal
from strategies import hierarchies, snapshot

RULES = RulesAcceptance(version="2024-1", at=1_717_000_000.0)
WHY = "scheldt in de groep (H5) na twee waarschuwingen"
PHONE = "06 1234 5678"


def applicant(name: str = "Anna", **kw: Any) -> Applicant:
    fields: dict[str, Any] = {
        "name": name,
        "age": 40,
        "lives_in_area": True,
        "accepted_rules": True,
        "rules": RULES,
        **kw,
    }
    return Applicant(**fields)


def neighbourhood(
    settings: Settings | None = None, *, on: Platform | None = None
) -> tuple[Hierarchy, MemberId]:
    """Phase 1: wijkgroep "zoom" of stuurgroep "stuur"; returns the telefoonbeheerder."""
    h = Hierarchy(settings)
    ids = h.found_neighbourhood(
        gemeente="Tilburg",
        wijk="Zoomwijck",
        wijkgroep="zoom",
        stuurgroep="stuur",
        founders=[Applicant.registered(f"stichter {i}", buurt="noord") for i in range(3)],
        platform=on,
    )
    return h, ids[0]


@contextmanager
def refused(h: Hierarchy, error: type[Exception], rule: str | None = None) -> Iterator[Any]:
    before = snapshot(h)
    with pytest.raises(error) as info:
        yield info
    if rule is not None:
        assert getattr(info.value, "rule", None) == rule
    assert snapshot(h) == before
    assert h.verify() == []


# ------------------------------------------------------------------ H1


def test_H1_unknown_age_is_held_for_the_telefoonbeheerder() -> None:
    h, tb = neighbourhood()
    with refused(h, AdmissionHeld, "H1") as info:
        h.admit(tb, "zoom", applicant("Ruud", age=None))
    assert isinstance(info.value, AdmissionRefused)  # held is not admitted
    assert "age of Ruud is unknown" in info.value.reason


def test_H1_a_confirmed_adult_needs_no_age() -> None:
    h, tb = neighbourhood()
    admitted = h.admit(tb, "zoom", applicant("Ruud", age=None, adult_confirmed=True))
    assert h.name(admitted.member) == "Ruud"


def test_H1_a_confirmation_does_not_hide_a_known_minor() -> None:
    h, tb = neighbourhood()
    with refused(h, AdmissionRefused, "H1") as info:
        h.admit(tb, "zoom", applicant("Tim", age=16, adult_confirmed=True))
    assert not isinstance(info.value, AdmissionHeld)


def test_H1_the_journal_keeps_that_they_are_of_age_not_the_age(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.db") as j:
        j.execute(found_town())
        j.execute(Admit(by=0, wijkgroep="zoom", applicant=applicant(age=67)))
        [(_, event)] = [e for e in j.events() if isinstance(e[1], Admit)]
    assert isinstance(event, Admit)
    assert (event.applicant.age, event.applicant.adult_confirmed) == (None, True)
    with Journal.open(tmp_path / "j.db") as j:  # and it replays
        assert len(j.hierarchy) == 4


@given(h=hierarchies(max_residents=4), data=st.data())
def test_H1_T2_held_and_blocked_admissions_leave_the_hierarchy_unchanged(
    h: Hierarchy, data: Any
) -> None:
    wijkgroepen = [g for g in h.groups() if h.kind(g).value == "wijkgroep"]
    wg = data.draw(st.sampled_from(wijkgroepen))
    tb = h.telefoonbeheerder(h.stuurgroep_of(wg))
    before = snapshot(h)
    with pytest.raises(AdmissionHeld):
        h.admit(tb, wg, applicant(age=None, phone=data.draw(st.none() | st.just(PHONE))))
    assert snapshot(h) == before
    if h.capacity(wg).free >= 1:
        m = h.admit(tb, wg, applicant(phone=PHONE)).member
        h.remove(tb, m, reason=WHY, block=True)
        blocked = snapshot(h)
        other = data.draw(st.sampled_from(wijkgroepen))
        with pytest.raises(AdmissionRefused) as info:
            h.admit(h.telefoonbeheerder(h.stuurgroep_of(other)), other, applicant(phone=PHONE))
        assert info.value.rule == "T2"  # blocked in every wijkgroep, full or not
        assert snapshot(h) == blocked
    assert h.verify() == []


# ------------------------------------------------------------------ H10


def found_town() -> Any:
    from routing.hierarchy.changes import FoundNeighbourhood

    return FoundNeighbourhood(
        gemeente="Tilburg",
        wijk="Zoomwijck",
        wijkgroep="zoom",
        stuurgroep="stuur",
        founders=[Applicant.registered(f"stichter {i}", buurt="noord") for i in range(3)],
    )


def test_H10_the_spelregels_accepted_and_when_are_recorded() -> None:
    h, tb = neighbourhood()
    m = h.admit(tb, "zoom", applicant()).member
    assert h.rules_of(m) == RULES
    assert h.rules_of(tb) is None  # a register admitted the founders and keeps theirs
    again = Hierarchy.from_state(h.export_state())
    assert again.rules_of(m) == RULES


def test_H10_a_record_of_rules_needs_accepted_rules() -> None:
    with pytest.raises(InvalidValueError):
        applicant(accepted_rules=False)
    with pytest.raises(InvalidValueError):
        RulesAcceptance(version="", at=0.0)
    with pytest.raises(InvalidValueError):
        RulesAcceptance(version="2024-1", at=float("inf"))


def test_H10_the_version_in_force_must_be_the_one_accepted() -> None:
    h, tb = neighbourhood(Settings(spelregels="2025-1"))
    with refused(h, AdmissionRefused, "H10") as info:
        h.admit(tb, "zoom", applicant())
    assert "'2025-1'" in info.value.reason
    with refused(h, AdmissionRefused, "H10"):
        h.admit(tb, "zoom", applicant(rules=None))
    new = RulesAcceptance(version="2025-1", at=1.8e9)
    assert h.rules_of(h.admit(tb, "zoom", applicant(rules=new)).member) == new


def test_H10_the_record_survives_journal_replay_and_snapshot(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.db") as j:
        j.execute(found_town())
        m = j.execute(Admit(by=0, wijkgroep="zoom", applicant=applicant())).member
    with Journal.open(tmp_path / "j.db") as j:  # replay
        assert j.hierarchy.rules_of(m) == RULES
        j.snapshot()
    with Journal.open(tmp_path / "j.db") as j:  # snapshot
        assert j.hierarchy.rules_of(m) == RULES


def test_H10_erasure_drops_the_record_from_state_and_files(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    version = "spelregels-geheim-17"
    with Journal.open(path) as j:
        j.execute(found_town())
        rules = RulesAcceptance(version=version, at=1.7e9)
        m = j.execute(Admit(by=0, wijkgroep="zoom", applicant=applicant(rules=rules))).member
        assert version.encode() in raw(path)
        j.erase(m, by=m)
        assert j.hierarchy.rules_of(m) is None
    assert version.encode() not in raw(path)


def raw(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


# ------------------------------------------------------------------ T2


def test_T2_royement_needs_a_reason() -> None:
    with pytest.raises(InvalidValueError):
        Remove(by=0, member=3, reason=" ")
    h, tb = neighbourhood()
    m = h.admit(tb, "zoom", applicant()).member
    with refused(h, InvalidValueError):
        h.remove(tb, m, reason="")


def test_T2_a_blocked_phone_number_is_not_admitted_again_however_written() -> None:
    h, tb = neighbourhood()
    m = h.admit(tb, "zoom", applicant(phone=PHONE)).member
    h.remove(tb, m, reason=WHY, block=True)
    assert h.is_blocked("+31612345678")
    for written in ("0612345678", "+31 6 12 34 56 78", "0031-6-12345678"):
        with refused(h, AdmissionRefused, "T2"):
            h.admit(tb, "zoom", applicant("Andere naam", phone=written))
    h.admit(tb, "zoom", applicant(phone="0687654321"))  # another number is welcome


def test_T2_a_block_keeps_neither_the_number_nor_the_reason() -> None:
    h, tb = neighbourhood()
    m = h.admit(tb, "zoom", applicant("Piet Plaag", phone=PHONE)).member
    h.remove(tb, m, reason=WHY, block=True)
    text = str(h.export_state())
    for secret in ("12345678", "1234 5678", "Piet Plaag", WHY):
        assert secret not in text
    [block] = h.blocks()
    assert (block.key, block.stuurgroep) == (block_key(PHONE), "stuur")


def test_T2_a_member_without_a_phone_number_cannot_be_blocked() -> None:
    h, tb = neighbourhood()
    m = h.admit(tb, "zoom", applicant(phone=None)).member
    with refused(h, InvariantRefused, "T2"):
        h.remove(tb, m, reason=WHY, block=True)
    h.remove(tb, m, reason=WHY)


def test_T2_only_the_telefoonbeheerder_who_blocked_lifts_the_block() -> None:
    h, tb = neighbourhood()
    other = h.found_neighbourhood(
        gemeente="Tilburg",
        wijk="Zoomwijck",
        wijkgroep="poort",
        stuurgroep="stuur2",
        founders=[Applicant.registered(f"b{i}") for i in range(3)],
    )[0]
    m = h.admit(tb, "zoom", applicant(phone=PHONE)).member
    h.remove(tb, m, reason=WHY, block=True)
    with refused(h, PermissionRefused, "T2"):
        apply_change(h, Unblock.of_phone(by=other, phone=PHONE))
    apply_change(h, Unblock.of_phone(by=tb, phone="+31612345678"))
    assert h.blocks() == ()
    with refused(h, InvariantRefused, "T2"):
        h.unblock(tb, block_key(PHONE))
    h.admit(tb, "zoom", applicant(phone=PHONE))


def test_T2_block_and_reason_through_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal.open(path) as j:
        j.execute(found_town())
        m = j.execute(Admit(by=0, wijkgroep="zoom", applicant=applicant(phone=PHONE))).member
        j.execute(Remove(by=0, member=m, reason=WHY, block=True))
        assert WHY.encode() in raw(path)
        assert PHONE.encode() in raw(path)
    with Journal.open(path) as j:  # replayed: still blocked
        assert j.hierarchy.is_blocked(PHONE)
        # The member left; erasing them on their request takes the reason
        # with their name and number, but the block stays (docs/privacy.md).
        j.erase(m, by=m)
        assert j.hierarchy.is_blocked(PHONE)
    assert WHY.encode() not in raw(path)
    assert PHONE.encode() not in raw(path)
    with Journal.open(path) as j, pytest.raises(AdmissionRefused):
        j.execute(Admit(by=0, wijkgroep="zoom", applicant=applicant(phone=PHONE)))


def test_T2_phone_numbers_normalise_to_digits() -> None:
    assert normalize_phone("+31 6-1234 5678") == normalize_phone("0612345678") == "0612345678"
    with pytest.raises(InvalidValueError):
        applicant(phone="geen")


def test_T2_leaving_on_someone_elses_word_is_refused() -> None:
    h, tb = neighbourhood()
    a = h.admit(tb, "zoom", applicant("a")).member
    b = h.admit(tb, "zoom", applicant("b")).member
    with refused(h, PermissionRefused, "T2"):
        h.leave(a, by=b)
    h.leave(a, by=tb)  # the telefoonbeheerder signs them out on their request
    h.leave(b, by=b)
    assert a not in h
    assert b not in h


# ------------------------------------------------------------------ G2, G3


def test_G3_the_admission_that_reaches_the_warning_level_returns_a_warning() -> None:
    h, tb = neighbourhood(on=Platform(name="klein", member_limit=10))
    # 3 founders + 7 = 10, the limit.
    seen = [list(h.admit(tb, "zoom", applicant(f"r{i}")).signals) for i in range(7)]
    # 0.9 x 10 = 9 members: the 6th admission; the 7th fills the group.
    assert [len(s) for s in seen] == [0, 0, 0, 0, 0, 1, 1]
    nearly, full = seen[5][0], seen[6][0]
    assert isinstance(nearly, CapacityWarning)
    assert isinstance(full, CapacityWarning)
    assert (nearly.group, nearly.capacity.size, nearly.capacity.state) == (
        "zoom",
        9,
        CapacityState.NEARLY_FULL,
    )
    assert full.capacity.state is CapacityState.FULL
    assert full.rule == "G3"


def test_G2_the_admission_past_80_proposes_the_split_by_buurt() -> None:
    h, tb = neighbourhood()
    h.load_members("zoom", [f"oost {i}" for i in range(40)], buurt="oost")
    h.load_members("zoom", [f"west {i}" for i in range(36)], buurt="west")
    h.load_members("zoom", ["zonder buurt"])
    assert len(h.residents("zoom")) == 80
    first = h.admit(tb, "zoom", applicant(buurt="west"))
    [proposal] = first.signals
    assert isinstance(proposal, SplitProposal)
    assert (proposal.wijkgroep, proposal.residents, proposal.threshold) == ("zoom", 81, 80)
    assert proposal.buurten == (("oost", 40), ("west", 37), ("noord", 3))
    assert (proposal.without_buurt, proposal.rule) == (1, "G2")
    assert h.admit(tb, "zoom", applicant(buurt="west")).signals == ()  # once, not again


def test_G2_no_proposal_once_the_stuurgroep_has_split() -> None:
    h, tb = neighbourhood(Settings(split_threshold=5))
    h.load_members("zoom", [f"o{i}" for i in range(3)], buurt="oost")
    stuur = list(h.admins("stuur"))
    h.split_wijkgroep(tb, "zoom", buurten={"oost": "oost"}, approvals=stuur, rest="zoom")
    h.load_members("oost", ["o9", "o10"], buurt="oost")
    assert len(h.residents("oost")) == 5
    assert h.admit(tb, "oost", applicant(buurt="oost")).signals == ()


def test_G2_may_split_answers_without_trying() -> None:
    h, tb = neighbourhood()
    stuur = list(h.admins("stuur"))
    before = snapshot(h)
    answer = h.may_split("zoom")
    assert not answer
    assert (answer.rule, answer.residents, answer.threshold) == ("G2", 3, 80)
    h.load_members("zoom", [f"r{i}" for i in range(80)], buurt="oost")
    assert h.may_split("zoom").allowed
    assert "not checked" in h.may_split("zoom").reason
    assert h.may_split("zoom", by=next(m for m in stuur if m != tb)).rule == "T3"
    assert h.may_split("zoom", approvals=[tb]).rule == "S6"
    assert h.may_split("zoom", buurten={"oost": "oost"}).rule == "G2"  # the founders' noord
    full = h.may_split("zoom", by=tb, buurten={"oost": "oost"}, rest="zoom", approvals=stuur)
    assert full.allowed
    assert full.rule is None
    assert "not checked" not in full.reason
    assert snapshot(h) != before  # the load changed it ...
    settled = snapshot(h)
    h.may_split("zoom", by=tb, buurten={"oost": "oost"}, rest="zoom", approvals=stuur)
    assert snapshot(h) == settled  # ... asking did not


@given(
    h=hierarchies(settings=st.builds(Settings, split_threshold=st.integers(1, 8)), max_residents=6),
    data=st.data(),
)
def test_G2_may_split_agrees_with_trying_and_changes_nothing(h: Hierarchy, data: Any) -> None:
    wg = data.draw(st.sampled_from(sorted(h.groups())))
    if h.kind(wg).value != "wijkgroep":
        return
    sg = h.stuurgroep_of(wg)
    by = data.draw(st.sampled_from(sorted(h.admins(sg))))
    approvals = data.draw(st.lists(st.sampled_from(sorted(h.admins(sg))), unique=True))
    buurten = {"noord": f"{wg}-noord", "oost": f"{wg}-oost"}
    rest = data.draw(st.none() | st.just(wg))
    before = snapshot(h)
    answer = h.may_split(wg, by=by, buurten=buurten, approvals=approvals, rest=rest)
    assert snapshot(h) == before
    if answer.allowed:
        h.split_wijkgroep(by, wg, buurten=buurten, approvals=approvals, rest=rest)
        assert h.verify() == []
    else:
        with pytest.raises(Refused) as info:
            h.split_wijkgroep(by, wg, buurten=buurten, approvals=approvals, rest=rest)
        assert (info.value.rule, info.value.reason) == (answer.rule, answer.reason)
        assert snapshot(h) == before


# ------------------------------------------------------------ who may erase


def with_privacy_contact(h: Hierarchy) -> str:
    h.add_actor(Actor(id="fg", kind=ActorKind.PRIVACYCONTACT, name="Functionaris"))
    h.add_actor(Actor(id="wa", kind=ActorKind.WIJKAGENT, name="Jansen", wijken={"Zoomwijck"}))
    return "fg"


def test_AVG17_the_member_their_telefoonbeheerder_or_a_privacy_contact_may_erase() -> None:
    h, tb = neighbourhood()
    fg = with_privacy_contact(h)
    a, b, c = (h.admit(tb, "zoom", applicant(f"m{i}")).member for i in range(3))
    h.erase(a, by=a)
    h.erase(b, by=tb)
    h.erase(c, by=fg)
    assert {h.name(m) for m in (a, b, c)} == {Hierarchy.pseudonym(m) for m in (a, b, c)}


def test_AVG17_anyone_else_is_refused_with_the_rule() -> None:
    h, tb = neighbourhood()
    with_privacy_contact(h)
    a, b = (h.admit(tb, "zoom", applicant(f"m{i}")).member for i in range(2))
    stuurgroeplid = next(m for m in h.admins("stuur") if m != tb)
    for asker in (b, stuurgroeplid, "wa"):
        with refused(h, PermissionRefused, "AVG17"):
            h.erase(a, by=asker)
        with refused(h, PermissionRefused, "AVG17"):
            apply_change(h, Erase(member=a, by=asker))
    with refused(h, UnknownIdError):
        h.erase(a, by="niemand")
    with refused(h, UnknownMemberError):
        h.erase(a, by=9999)


def test_AVG17_who_may_erase_an_actor() -> None:
    h, tb = neighbourhood()
    fg = with_privacy_contact(h)
    h.add_actor(Actor(id="p", kind=ActorKind.PARTNER, name="Gemeente"))
    plain = h.admit(tb, "zoom", applicant()).member
    for asker in (plain, "p"):
        with refused(h, PermissionRefused, "AVG17"):
            apply_change(h, EraseActor(actor="wa", by=asker))
    assert apply_change(h, EraseActor(actor="wa", by=tb)) == "actor wa"  # S4: their wijk
    assert h.erase_actor("wa", by="wa") == "actor wa"
    assert h.erase_actor("p", by=fg) == "actor p"
    with refused(h, PermissionRefused, "AVG17"):
        h.erase_actor("p", by=tb)  # serves no wijk of the telefoonbeheerder


def test_AVG17_a_member_who_left_is_erased_on_their_word_or_a_privacy_contacts(
    tmp_path: Path,
) -> None:
    with Journal.open(tmp_path / "j.db") as j:
        j.execute(found_town())
        j.execute(AddActor(actor=Actor(id="fg", kind=ActorKind.PRIVACYCONTACT, name="FG")))
        a = j.execute(Admit(by=0, wijkgroep="zoom", applicant=applicant("a"))).member
        b = j.execute(Admit(by=0, wijkgroep="zoom", applicant=applicant("b"))).member
        j.execute(Leave(member=a, by=a))
        j.execute(Leave(member=b, by=0))
        seq = j.seq
        with pytest.raises(PermissionRefused):
            j.erase(a, by=0)  # their wijkgroep is no longer known: not the telefoonbeheerder's
        assert j.seq == seq  # refused, so nothing journaled
        j.erase(a, by=a)
        j.erase(b, by="fg")


@given(h=hierarchies(max_residents=4), data=st.data())
def test_AVG17_refused_erasures_leave_the_hierarchy_unchanged(h: Hierarchy, data: Any) -> None:
    members = sorted(
        m for wg in h.groups() if h.kind(wg).value == "wijkgroep" for m in h.residents(wg)
    )
    member = data.draw(st.sampled_from(members))
    asker = data.draw(st.sampled_from(members))
    tb = h.telefoonbeheerder(h.stuurgroep_of(h.wijkgroep_of(member)))
    before = snapshot(h)
    if asker in (member, tb):
        apply_change(h, Erase(member=member, by=asker))
        assert h.name(member) == Hierarchy.pseudonym(member)
    else:
        with pytest.raises(PermissionRefused) as info:
            apply_change(h, Erase(member=member, by=asker))
        assert info.value.rule == "AVG17"
        assert snapshot(h) == before
    assert h.verify() == []


# ------------------------------------------------------------------ codec


def test_who_asks_journals_as_a_member_id_or_an_actor_id() -> None:
    for by in (3, "fg"):
        change = Erase(member=3, by=by)
        assert decode(Erase, encode(change)) == change
    with pytest.raises(CorruptStateError):
        decode(Erase, {"member": 3, "by": True})
    with pytest.raises(InvalidValueError):
        Erase(member=3, by=True)
    with pytest.raises(InvalidValueError):
        Leave(member=3, by=3.0)  # type: ignore[arg-type]
