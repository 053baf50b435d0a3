"""The journal's JSON codec: every change and command round-trips, and decoding is strict."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.checks import MAX_SECONDS
from routing.domain.codec import decode, decode_trusted_value, encode
from routing.domain.melding import Melding, Person, Photo, Vehicle
from routing.domain.place import Place
from routing.domain.settings import PLATFORMS, Settings
from routing.domain.values import Actor, ActorKind, Applicant, MemberId, RulesAcceptance
from routing.engine.commands import (
    Address,
    Afloop,
    BurgernetAlert,
    Confirm,
    Decide,
    Fail,
    Forward,
    HandOver,
    PartnerMessage,
    PoliceNotice,
    React,
    Report,
    Screen,
    Tick,
)
from routing.errors import CorruptStateError, StateError
from routing.hierarchy.changes import (
    AddActor,
    Admit,
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
    Unblock,
)
from routing.persist.events import (
    EVENT_TYPES,
    decode_event,
    decode_trusted,
    encode_event,
    event_tag,
)
from strategies import meldingen

FULL_MELDING = Melding(
    category="inbraak",
    called_112=True,
    persons=[Person(sex="man", age=(20, 25), height_cm=180, skin="licht", particulars=["tas"])],
    vehicles=[Vehicle(kind="scooter", colour="rood", kenteken="GB-123-X")],
    place=Place(street="Dorpsstraat", buurt="Centrum", postcode="5038ab"),
    direction="richting Parklaan",
    heading="noord",
    transport="fiets",
    seen_at=dt.datetime(2024, 3, 1, 22, 15),
    action="Ik blijf binnen.",
    text="Twee mannen bij de achterdeur",
    photos=[Photo(reference="foto/1.jpg", reason="gezicht zichtbaar")],
)

APPLICANT = Applicant(
    name="Anna",
    age=30,
    lives_in_area=True,
    accepted_rules=True,
    buurt="Oost",
    phone="0612",
    rules=RulesAcceptance(version="2024-1", at=1.7e9),
)

EXAMPLES: list[Any] = [
    FoundNeighbourhood(
        gemeente="Tilburg",
        wijk="Zoomwijck",
        wijkgroep="wg",
        stuurgroep="sg",
        founders=[APPLICANT, Applicant.registered("Bert"), Applicant.registered("Cor")],
        telefoonbeheerder=1,
        platform=PLATFORMS["whatsapp-100"],
    ),
    CreateRegiegroep(wijk="Zoomwijck", regiegroep="rg"),
    CreateGemeentelijkeRegiegroep(gemeente="Tilburg", group="grg", delegates=[3, 1]),
    Admit(by=0, wijkgroep="wg", applicant=APPLICANT),
    LoadMembers(wijkgroep="wg", names=["a", "b"], buurt="Oost"),
    Remove(by=0, member=4, reason="houdt zich niet aan de spelregels", block=True),
    Leave(member=5, by="fg"),
    Move(by=0, member=4, wijkgroep="wg2"),
    CreateWijkgroep(by=0, stuurgroep="sg", wijkgroep="wg2", approvals=[0, 1]),
    SplitWijkgroep(by=0, wijkgroep="wg", buurten={"Oost": "wg-o", "West": "wg"}, approvals=[0, 1]),
    ChangeStuurgroep(stuurgroep="sg", members=[2, 0, 1], telefoonbeheerder=2, approvals=[0, 1]),
    AddActor(
        actor=Actor(id="wa", kind=ActorKind.WIJKAGENT, name="Jansen", wijken={"b", "a"}),
    ),
    Erase(member=3, by="fg"),
    Retention(at=1e9),
    Report(at=1.5, reporter=MemberId(3), melding=FULL_MELDING, joins="I1"),
    React(at=2, member=MemberId(3), incident="I1", text="nog daar"),
    Forward(at=3, by=MemberId(0), incident="I1", source="wg", target="rg", reason="ja"),
    Decide(at=4, by=MemberId(0), decision=2, forward=False),
    PoliceNotice(at=5, sender="wijkagent", melding=FULL_MELDING, stuurgroepen=["sg", "sa"]),
    Screen(at=6, by=MemberId(0), incident="I1", release=True),
    Screen(at=6, by=MemberId(0), incident="I1", release=False, reason="chat", reaction=2),
    Address(at=6, by=MemberId(0), incident="I1", text="bel eerst 112", reaction=None),
    BurgernetAlert(at=6, melding=FULL_MELDING, wijken=["Zoomwijck"], postcodes=["5038 AB"]),
    PartnerMessage(at=6, actor="jw", gemeente="Tilburg", text="voorlichting zaterdag"),
    Confirm(at=7, delivery=3),
    Fail(at=8, delivery=4, reason="groep vol"),
    HandOver(at=9, by=MemberId(0), incident="I1", wijkgroep="wg", to=MemberId(1)),
    Afloop(at=10, by=MemberId(0), incident="I1", text="politie ter plaatse"),
    Tick(at=11),
    Unblock.of_phone(by=0, phone="06 1234 5678"),
    EraseActor(actor="wa", by="wa"),  # last: some tests pick examples by position
]


def through_json(value: Any) -> Any:
    tag, payload = encode_event(value)
    return decode_event(tag, json.loads(json.dumps(payload)))


def test_every_event_type_has_an_example() -> None:
    assert {type(e).__name__ for e in EXAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda v: type(v).__name__)
def test_round_trip(value: Any) -> None:
    assert through_json(value) == value


@given(meldingen, st.floats(-MAX_SECONDS, MAX_SECONDS), st.integers(0, 10**9))
def test_round_trip_of_any_melding(melding: Melding, at: float, reporter: int) -> None:
    report = Report(at=at, reporter=MemberId(reporter), melding=melding)
    assert through_json(report) == report


def test_equal_values_encode_to_equal_json() -> None:
    a = Actor(id="p", kind=ActorKind.POLITIE, name="x", wijken=frozenset(["b", "a", "c"]))
    b = Actor(id="p", kind=ActorKind.POLITIE, name="x", wijken=frozenset(["c", "a", "b"]))
    assert json.dumps(encode(a)) == json.dumps(encode(b))
    assert encode(a)["wijken"] == ["a", "b", "c"]


def test_settings_round_trip() -> None:
    settings = Settings(platform=PLATFORMS["signal"], stuurgroep_size=(2, 5), split_threshold=9)
    assert decode(Settings, json.loads(json.dumps(encode(settings)))) == settings


def report_payload() -> dict[str, Any]:
    return json.loads(json.dumps(encode(EXAMPLES[14])))


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda p: p.update(reporter=True), "Report.reporter: expected an integer"),
        (lambda p: p.update(reporter="3"), "Report.reporter: expected an integer"),
        (lambda p: p.update(at="noon"), "Report.at: expected a number"),
        (lambda p: p.update(extra=1), "unknown field 'extra'"),
        (lambda p: p.pop("reporter"), "missing field 'reporter'"),
        (lambda p: p["melding"].update(category="brand"), "Report.melding"),
        (lambda p: p["melding"].update(persons={}), "Report.melding.persons: expected a list"),
        (lambda p: p["melding"]["vehicles"][0]["kenteken"].update(value="GB-123-Q"), "kenteken"),
        (lambda p: p["melding"]["place"]["postcode"].update(letters="SS"), "postcode"),
        (lambda p: p["melding"]["photos"][0].update(reason=""), "photos"),
        (lambda p: p["melding"].update(seen_at="gisteren"), "not an ISO 8601 time"),
        (lambda p: p["melding"].update(heading="boven"), "Report.melding.heading"),
    ],
)
def test_decoding_is_strict_and_reruns_validators(mutate: Any, where: str) -> None:
    payload = report_payload()
    mutate(payload)
    with pytest.raises(CorruptStateError) as info:
        decode_event("Report", payload, where="event 7")
    assert str(info.value).startswith("event 7: ")
    assert where in str(info.value)


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(CorruptStateError, match="expected an object"):
        decode_event("Tick", [1.0])


def test_an_unknown_tag_is_refused() -> None:
    with pytest.raises(CorruptStateError, match="unknown event type 'Explode'"):
        decode_event("Explode", {})


def test_corrupt_state_is_a_state_error() -> None:
    assert issubclass(CorruptStateError, StateError)
    assert issubclass(CorruptStateError, ValueError)


def test_only_changes_and_commands_are_events() -> None:
    with pytest.raises(TypeError):
        event_tag(FULL_MELDING)
    with pytest.raises(TypeError):
        encode(object())


def test_non_finite_numbers_are_not_journaled() -> None:
    # Commands refuse them at construction; a value built around that is still refused.
    tick = Tick(at=1.0)
    object.__setattr__(tick, "at", float("inf"))
    with pytest.raises(ValueError):
        encode(tick)


# ------------------------------------------------------------------ trusted decoding


def shape(value: Any) -> Any:
    """The types a value is built of, all the way down."""
    kind = type(value)
    if attrs.has(kind):
        return kind, tuple(shape(getattr(value, f.name)) for f in attrs.fields(kind))
    if isinstance(value, tuple | list):
        return kind, tuple(shape(x) for x in value)
    if isinstance(value, frozenset | set):
        return kind, frozenset(shape(x) for x in value)
    if isinstance(value, dict):
        return kind, tuple((k, shape(x)) for k, x in value.items())
    return kind


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types: == alone lets 2 pass for 2.0 and a list for a tuple."""
    return bool(a == b) and shape(a) == shape(b)


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda v: type(v).__name__)
def test_the_trusted_decoder_builds_what_the_strict_one_builds(value: Any) -> None:
    tag, payload = encode_event(value)
    data = json.loads(json.dumps(payload))
    trusted = decode_trusted(tag, data)
    assert same(trusted, decode_event(tag, data))
    assert same(trusted, value)
    assert hash(trusted) == hash(value)


@given(meldingen, st.floats(-MAX_SECONDS, MAX_SECONDS), st.integers(0, 10**9))
def test_the_trusted_decoder_agrees_on_any_melding(
    melding: Melding, at: float, reporter: int
) -> None:
    for value in (
        Report(at=at, reporter=MemberId(reporter), melding=melding),
        PoliceNotice(at=at, sender="wijkagent", melding=melding, regiegroep="rg"),
    ):
        tag, payload = encode_event(value)
        data = json.loads(json.dumps(payload))
        assert same(decode_trusted(tag, data), decode_event(tag, data))
    # One value on its own, as the journal rebuilds a melding to redact it.
    alone = encode(melding)
    assert same(decode_trusted_value(Melding, alone), decode(Melding, alone))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p.pop("joins"),  # written before a field with a default existed
        lambda p: p.update(extra=1),
        lambda p: p.pop("reporter") and p.update(extra=1),  # same count, other keys
        lambda p: p["melding"].update(category="brand"),
        lambda p: p["melding"].update(persons=None),
    ],
)
def test_the_trusted_decoder_raises_on_what_it_does_not_expect(mutate: Any) -> None:
    """It never guesses: the journal then decodes strictly, which accepts or names the field."""
    payload = report_payload()
    mutate(payload)
    with pytest.raises((KeyError, TypeError, ValueError)):
        decode_trusted("Report", payload)


def test_the_strict_decoder_still_reruns_validators_after_the_trusted_one_is_compiled() -> None:
    payload = report_payload()
    payload["melding"]["vehicles"][0]["kenteken"]["value"] = "GB-123-Q"
    decode_trusted("Report", payload)  # trusted: the checksum vouched for it, no checks
    with pytest.raises(CorruptStateError, match="kenteken"):
        decode_event("Report", payload)  # import_json and anything unverified: checked


@given(st.datetimes(timezones=st.none() | st.timezones()))
def test_H8_seen_at_in_any_zone_comes_back_equal_and_at_the_same_instant(when: dt.datetime) -> None:
    # Zones with clock changes included: a local time in the gap or the
    # repeated hour is pinned to its offset, so the journal's ISO text reads
    # back equal (Python never counts such a time equal across zones).
    made = Melding(category="inbraak", called_112=True, seen_at=when)
    assert decode(Melding, json.loads(json.dumps(encode(made)))) == made
    assert made.seen_at is not None
    if when.utcoffset() is not None:
        assert made.seen_at.utcoffset() == when.utcoffset()
        assert made.seen_at - when == dt.timedelta(0)
    else:
        assert made.seen_at == when


def test_H8_seen_at_in_a_clock_change_gap_round_trips() -> None:
    from zoneinfo import ZoneInfo

    gap = dt.datetime(2016, 3, 13, 2, 0, tzinfo=ZoneInfo("America/Shiprock"))
    made = Melding(category="inbraak", called_112=True, seen_at=gap)
    assert decode(Melding, encode(made)) == made
    assert made.seen_at is not None
    assert made.seen_at.timestamp() == gap.timestamp()
