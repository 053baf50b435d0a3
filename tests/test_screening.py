"""S1, H3, H4, H5, H9: screening as data, and the stuurgroep's decisions."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.domain.melding import Melding, Person
from routing.domain.screening import (
    DUTCH_ABUSE,
    Finding,
    RulingKind,
    Screener,
    ScreeningQueue,
    ScreeningVerdict,
    WordList,
    screen,
)
from routing.domain.values import MemberId
from routing.errors import (
    InvalidValueError,
    Refused,
    ScreeningRefused,
    UnknownIdError,
    UnknownMessageError,
)
from strategies.melding import meldingen

T0 = dt.datetime(2024, 3, 12, 21, 40, tzinfo=dt.UTC)
ANNA = MemberId(7)
BERT = MemberId(8)


@pytest.mark.parametrize(
    "text",
    [
        "Inbraak Dorpsstraat 12, 112 gebeld",
        "Verdachte man bij nr 4, politie is gebeld, loopt richting Parklaan",
        "Ik heb de politie gebeld: verdacht busje bij de school",
        "Suspicious man at no. 4, police has been called",
        "Gebeld met 112: insluiper in de tuin van nr 8",
    ],
)
def test_S1_report_with_112_statement_passes(text: str) -> None:
    """S1: a report that says 112 was called goes out unchanged."""
    verdict = screen(text)
    assert verdict.passed
    assert verdict.rule is None
    assert verdict.reason is None
    assert verdict.message == text


def test_H4_report_without_112_statement_is_held() -> None:
    """H4: the group must know whether 112 was called."""
    verdict = screen("Verdachte man bij nummer 4, kijkt in auto's")
    assert verdict.held
    assert verdict.rule == "H4"
    assert "112" in (verdict.reason or "")


@pytest.mark.parametrize(
    "text", ["Inbreker gezien, 112 nog niet gebeld", "Verdacht busje, politie niet gebeld"]
)
def test_H3_report_saying_112_was_not_called_is_held(text: str) -> None:
    """H3: 112 first; a report that has not called is held with that reason."""
    verdict = screen(text)
    assert verdict.rule == "H3"
    assert "call 112 first" in (verdict.reason or "")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Bedankt allemaal!", "thanks"),
        ("Goedemorgen iedereen", "chit-chat"),
        ("👍👍", "emoji"),
        ("!!", "emoji"),
        ("", "empty"),
        ("   ", "empty"),
        ("@Piet heb je morgen tijd?", "private"),
        ("Kan iemand mij privé appen over de barbecue", "private"),
        ("Wie heeft er een ladder te leen?", "no suspicious situation"),
    ],
)
def test_H9_messages_that_are_not_reports_are_held(text: str, fragment: str) -> None:
    """H9: chit-chat, thanks, emoji-only and private messages are held, with the reason."""
    verdict = screen(text)
    assert verdict.held
    assert verdict.rule == "H9"
    assert fragment in (verdict.reason or "")


@given(st.text(alphabet="👍🙏😀❤️🚨!?. ", max_size=12))
def test_H9_emoji_and_punctuation_only_is_always_held(text: str) -> None:
    """H9: a message without a letter or digit is never a report."""
    assert screen(text).rule == "H9"


@pytest.mark.parametrize(
    "text",
    [
        "Verdachte kerel, godverdomme, 112 gebeld",
        "Die KLOOTZAKKEN hebben ingebroken, politie is gebeld",
        "Inbraak door een stel nikkers, 112 gebeld",
    ],
)
def test_H5_abusive_or_discriminatory_language_is_held(text: str) -> None:
    """H5: swearing, abuse and discrimination are held even in a real report."""
    verdict = screen(text)
    assert verdict.rule == "H5"
    assert "respectful" in (verdict.reason or "")


def test_H5_and_H4_are_both_reported_most_serious_first() -> None:
    """H5, H4: every broken rule is listed; the first is the main one."""
    verdict = screen("Die klootzak breekt in bij nr 3")
    assert [f.rule for f in verdict.findings] == ["H5", "H4"]


def test_H5_word_list_is_extendable_and_is_a_value() -> None:
    """H5: a group extends the list; the default list does not change."""
    mine = DUTCH_ABUSE.extend("Schurk", "rot*")
    text = "Inbraak door een schurk, 112 gebeld"
    assert screen(text).passed
    assert screen(text, words=mine).rule == "H5"
    assert screen("Rotjochies vernielen auto, 112 gebeld", words=mine).rule == "H5"
    assert "schurk" not in DUTCH_ABUSE.words
    assert screen(text, words=mine.without("schurk")).passed
    assert Screener(words=mine).screen(text) == screen(text, words=mine)


def test_H5_words_match_whole_words_accent_and_case_insensitively() -> None:
    """H5: 'lul' is held, 'lullig' is not (whole words); accents and case ignored."""
    words = WordList(words=["lul", "débiel", "vuile dief"])
    assert words.find("LUL! debiel") == ("lul", "debiel")
    assert words.find("wat lullig") == ()
    assert words.find("een vuile   dief") == ("vuile dief",)
    with pytest.raises(InvalidValueError):
        WordList(words=["ok", "  "])


@given(st.sampled_from(sorted(DUTCH_ABUSE.words)), st.sampled_from(["", "Inbraak! ", "hoi "]))
def test_H5_any_listed_word_holds_the_message(word: str, prefix: str) -> None:
    """H5: every entry in the default list is found wherever it stands."""
    verdict = screen(f"{prefix}{word.upper()}, 112 gebeld")
    assert verdict.findings[0] == Finding(rule="H5", reason=verdict.findings[0].reason)
    assert word in (verdict.reason or "")


def test_R4_reaction_in_open_incident_needs_no_new_112_statement() -> None:
    """R4: extra information in an open incident passes; thanks still do not."""
    assert screen("Ik zie ze ook, lopen nu richting station", reaction=True).passed
    assert screen("Ik zie ze ook, lopen nu richting station").rule == "H9"
    assert screen("Bedankt!", reaction=True).rule == "H9"
    assert screen("Die eikel rent weg", reaction=True).rule == "H5"


def test_R8_afloop_message_passes() -> None:
    """R8: a closing message belongs in the group and needs no 112 statement."""
    assert screen("Afloop: de politie heeft twee personen aangehouden.").passed


def test_S1_melding_is_screened_for_112_and_language() -> None:
    """S1, H3, H5: a structured melding is held when 112 was not called or text abuses."""
    assert screen(Melding(category="inbraak", called_112=True)).passed
    assert screen(Melding(category="inbraak", called_112=False)).rule == "H3"
    rude = Melding(category="inbraak", called_112=True, persons=[Person(face="lelijke hufter")])
    assert screen(rude).rule == "H5"


@given(meldingen)
def test_S1_screening_a_melding_is_pure(melding: Melding) -> None:
    """S1: the same melding always gets the same verdict; 112 decides H3."""
    first, second = screen(melding), screen(melding)
    assert first == second
    assert ("H3" in [f.rule for f in first.findings]) is (not melding.called_112)


@given(st.text(max_size=80))
def test_S1_screening_text_is_pure_and_total(text: str) -> None:
    """S1: any text gets a verdict (never an exception, never a silent drop)."""
    verdict = screen(text)
    assert verdict == screen(text)
    assert verdict.message == text
    assert verdict.held == (verdict.rule is not None)


def test_S1_screen_refuses_other_types() -> None:
    """S1: screening takes text or a Melding; anything else is a caller bug."""
    with pytest.raises(InvalidValueError):
        screen(42)  # type: ignore[arg-type]


def _queue_with(*texts: str) -> ScreeningQueue:
    queue = ScreeningQueue()
    for number, text in enumerate(texts):
        queue = queue.hold(f"m{number}", screen(text), at=T0)
    return queue


def test_S1_stuurgroep_releases_a_held_message_and_it_is_recorded() -> None:
    """S1: release records who, when and why; the old queue is unchanged."""
    queue = _queue_with("Verdachte man bij nummer 4", "Bedankt!")
    later = T0 + dt.timedelta(minutes=3)
    after = queue.release("m0", by=ANNA, at=later, reason="Anna belde: 112 is gebeld")
    assert [h.message_id for h in queue.pending] == ["m0", "m1"]
    assert [h.message_id for h in after.pending] == ["m1"]
    ruling = after.ruling("m0")
    assert ruling.decision is RulingKind.RELEASED
    assert (ruling.by, ruling.at, ruling.reason) == (ANNA, later, "Anna belde: 112 is gebeld")
    assert ruling.held.verdict.rule == "H4"
    assert after.released == (ruling,)


def test_S1_stuurgroep_rejects_a_held_message() -> None:
    """S1: rejection is recorded and the message does not count as released."""
    queue = _queue_with("Bedankt!").reject("m0", by=BERT, at=T0, reason="geen melding")
    assert queue.pending == ()
    assert queue.ruling("m0").decision is RulingKind.REJECTED
    assert queue.released == ()


def test_S1_second_decision_is_refused_and_first_stands() -> None:
    """S1: two members deciding the same message: the second is refused, typed."""
    queue = _queue_with("Bedankt!").reject("m0", by=BERT, at=T0, reason="geen melding")
    with pytest.raises(ScreeningRefused) as caught:
        queue.release("m0", by=ANNA, at=T0, reason="toch doorsturen")
    assert isinstance(caught.value, Refused)
    assert caught.value.rule == "S1"
    assert "rejected" in caught.value.reason
    assert queue.ruling("m0").by == BERT


def test_S1_unknown_message_id() -> None:
    """S1: deciding on a message that was never held is a caller error."""
    with pytest.raises(UnknownMessageError) as caught:
        ScreeningQueue().release("nope", by=ANNA, at=T0, reason="x")
    assert isinstance(caught.value, UnknownIdError)
    assert isinstance(caught.value, LookupError)
    assert caught.value.key == "nope"


def test_S1_queue_contract() -> None:
    """S1: only held verdicts queue, ids are unique, decisions need a reason and a sane time."""
    queue = _queue_with("Bedankt!")
    with pytest.raises(InvalidValueError, match="passed"):
        queue.hold("ok", screen("Inbraak, 112 gebeld"), at=T0)
    with pytest.raises(InvalidValueError, match="twice"):
        queue.hold("m0", screen("Hoi"), at=T0)
    with pytest.raises(InvalidValueError, match="reason"):
        queue.reject("m0", by=ANNA, at=T0, reason="  ")
    with pytest.raises(InvalidValueError, match="before"):
        queue.reject("m0", by=ANNA, at=T0 - dt.timedelta(seconds=1), reason="nee")
    with pytest.raises(InvalidValueError, match="naive"):
        queue.reject("m0", by=ANNA, at=dt.datetime(2024, 3, 12, 22), reason="nee")
    with pytest.raises(InvalidValueError, match="MemberId"):
        queue.reject("m0", by="anna", at=T0, reason="nee")  # type: ignore[arg-type]
    # Each failed call left the queue as it was.
    assert [h.message_id for h in queue.pending] == ["m0"]
    assert queue.rulings == ()


def test_S1_verdicts_and_queues_are_frozen_values() -> None:
    """S1: verdicts and queues are hashable values, never live state."""
    verdict = screen("Bedankt!")
    assert isinstance(verdict, ScreeningVerdict)
    assert hash(verdict) == hash(screen("Bedankt!"))
    queue = _queue_with("Bedankt!")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        queue.pending = ()  # type: ignore[misc]
    assert hash(queue) == hash(_queue_with("Bedankt!"))


@pytest.mark.parametrize(
    "text",
    [
        "Als hij terugkomt pakken we hem",
        "Tijd om eigen rechter te spelen",
        "Die moeten ze gewoon in elkaar slaan",
        "Ik ga er met een knuppel heen",
    ],
)
def test_H6_proposing_to_take_the_law_into_ones_own_hands_is_held(text: str) -> None:
    """H6: no vigilantism; leave it to the police (000, 001, 004)."""
    for reaction in (False, True):
        verdict = screen(text, reaction=reaction)
        assert verdict.rule == "H6"
        assert "eigen rechter" in (verdict.reason or "")


def test_H6_a_melding_whose_action_is_vigilantism_is_held_first() -> None:
    m = Melding(category="inbraak", called_112=False, action="ik ga eigen rechter spelen")
    verdict = screen(m)
    assert [f.rule for f in verdict.findings] == ["H6", "H3"]


@pytest.mark.parametrize("text", ["bbq zaterdag?", "Fijne verjaardag buurman!", "Koffie morgen?"])
def test_H9_chit_chat_as_a_reaction_is_held(text: str) -> None:
    """H9: a reaction about a bbq is not additional information (R4)."""
    verdict = screen(text, reaction=True)
    assert verdict.rule == "H9"


@pytest.mark.parametrize(
    "text", ["zaterdag zag ik hem ook bij de bakker", "ze lopen nu richting station"]
)
def test_H9_R4_a_reaction_about_the_situation_passes(text: str) -> None:
    assert screen(text, reaction=True).passed
