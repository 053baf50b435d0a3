"""Screening of messages by the stuurgroep (S1), as data.

The stuurgroep screens what residents post in its wijkgroepen (S1). Four
house rules decide most cases: nobody plays "eigen rechter", the police act
(H6); a message must be business-like, without swearing, abuse or
discrimination (H5); only alarming messages belong in the group, no
chit-chat (a bbq, a birthday), thanks or private messages, because noise
makes members leave (H9); and a report says that 112 was called, because
the chat never replaces the call (H3) and the group must know not to flood
112 (H4). The relay screens every report and every reaction this way
(:mod:`routing.engine.screening`).

Nothing is ever dropped silently. :func:`screen` returns a frozen
:class:`ScreeningVerdict`: passed, or held with the rule and a reason a person can
read. Held messages wait in a :class:`ScreeningQueue` until a stuurgroep
member releases or rejects them; each decision is kept as a :class:`Ruling`
saying who decided, when and why. Times are values from the caller; the
queue never reads a clock. Who may decide (a stuurgroep member of the
wijkgroep, S1) is the relay's check; the queue records the decision.

The recognisers below are deliberately simple word lists: they are meant to
put a message in front of a person, not to judge it. A false alarm costs a
stuurgroep member one tap; a missed insult costs members. So when in doubt,
a message is held, with the reason, and the person decides.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence

import attrs

from routing.errors import InvalidValueError, ScreeningRefused, UnknownMessageError

from .labels import Labelled
from .melding import Melding
from .values import MemberId

__all__ = [
    "DUTCH_ABUSE",
    "Finding",
    "HeldMessage",
    "Ruling",
    "RulingKind",
    "Screener",
    "ScreeningQueue",
    "ScreeningVerdict",
    "WordList",
    "screen",
]


def _fold(text: str) -> str:
    # Casefold and strip accents so "privé" and "prive", "Godverdomme" and
    # "godverdomme" match the same entry.
    folded = text.casefold()
    if folded.isascii():  # most messages: nothing to strip, and this runs on every one
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_TOKEN = re.compile(r"[\w@]+(?:[-'][\w]+)*")


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(_fold(text)))


def _entries(words: Iterable[str]) -> frozenset[str]:
    if isinstance(words, str):
        words = [words]
    folded = {" ".join(_fold(word).split()) for word in words}
    if "" in folded or "*" in folded:
        raise InvalidValueError(tuple(words), "a word list entry cannot be empty")
    return frozenset(folded)


@attrs.frozen(kw_only=True)
class WordList:
    """Words that break H5 (swearing, abuse, discrimination).

    Entries match whole words, case- and accent-insensitive. An entry with a
    space matches that sequence of words; an entry ending in ``*`` matches
    every word that starts with it (``"kut*"`` catches ``"kutbuurt"``).
    Extend the default list with :meth:`extend`; the list is a value, so a
    group's own list never changes another group's.
    """

    words: frozenset[str] = attrs.field(converter=_entries)

    def extend(self, *words: str) -> WordList:
        """A new list with ``words`` added."""
        return WordList(words=self.words | _entries(words))

    def without(self, *words: str) -> WordList:
        """A new list with ``words`` removed (for a word a group uses neutrally)."""
        return WordList(words=self.words - _entries(words))

    def find(self, text: str) -> tuple[str, ...]:
        """The entries that occur in ``text``, in order of first occurrence."""
        return _find(self.words, _tokens(text))


def _find(words: frozenset[str], tokens: Sequence[str]) -> tuple[str, ...]:
    """:meth:`WordList.find` on a text's tokens (folded), for a caller that has them already."""
    if not tokens:
        return ()
    exact, stems, phrases = _parts(words)
    found: dict[str, int] = {}
    # Every message of every report and reaction passes here: look the
    # tokens up in a set rather than each entry in the tokens.
    for i, token in enumerate(tokens):
        if token in exact and token not in found:
            found[token] = i
    for entry, stem in stems:
        at = next((i for i, token in enumerate(tokens) if token.startswith(stem)), None)
        if at is not None:
            found[entry] = at
    if phrases:
        joined = " " + " ".join(tokens) + " "
        for entry in phrases:
            at = joined.find(f" {entry} ")
            if at >= 0:
                found[entry] = joined[:at].count(" ")
    return tuple(sorted(found, key=lambda entry: (found[entry], entry)))


# A word list's entries by how they match, worked out once per list (a
# frozenset caches its hash, so the look-up is cheap): whole words, stems
# (``"kut*"``) with their entry, phrases.
_Parts = tuple[frozenset[str], tuple[tuple[str, str], ...], tuple[str, ...]]
_PARTS: dict[frozenset[str], _Parts] = {}


def _parts(words: frozenset[str]) -> _Parts:
    parts = _PARTS.get(words)
    if parts is None:
        stems = tuple(sorted((w, w[:-1]) for w in words if w.endswith("*")))
        phrases = tuple(sorted(w for w in words if " " in w and not w.endswith("*")))
        exact = frozenset(w for w in words if not w.endswith("*") and " " not in w)
        parts = (exact, stems, phrases)
        if len(_PARTS) < 64:  # a handful of lists per process; never grow without end
            _PARTS[words] = parts
    return parts


#: The default Dutch list: common curses, insults and slurs seen in
#: neighbourhood chats. Not complete by design; groups extend it.
DUTCH_ABUSE = WordList(
    words={
        # vloeken (swearing)
        "godverdomme", "godverdomse", "gvd", "verdomme", "kut", "kutzooi", "shit",
        "fuck", "fucking", "tering", "tyfus", "kanker", "klere", "kolere", "pleuris",
        # schelden (abuse)
        "klootzak", "klootzakken", "lul", "eikel", "hufter", "hufters", "idioot",
        "debiel", "debielen", "mongool", "sukkel", "kankerlijer", "kankerlijers",
        "teringlijer", "tyfuslijer", "klerelijer", "hoer", "slet", "schoft", "rotzak",
        "tuig", "gajes", "schorem", "kutwijf", "randdebiel", "kankerhoer",
        # discriminatie (discrimination): slurs, never descriptions
        "nikker", "nikkers", "neger", "negers", "bosneger", "flikker", "flikkers",
        "makak", "makakken", "spleetoog", "geitenneuker", "geitenneukers",
        "kankermarokkaan", "kutmarokkaan", "kutmarokkanen", "kankerjood",
        "zigeunertuig",
    }
)  # fmt: skip

# Words that show a message is about a situation the groups handle. A message
# with none of them is not a report (H9); with one, it needs the 112 statement.
_INCIDENT_WORDS = frozenset(
    {
        "inbraak", "inbreker", "inbrekers", "ingebroken", "inbreken", "inbreekt",
        "breekt", "insluiper",
        "insluipers", "verdacht", "verdachte", "verdachten", "vernield", "vernieling",
        "vernielingen", "vandalisme", "straatroof", "beroofd", "beroving", "overval",
        "overvallen", "bedreigd", "bedreiging", "bedreigt", "mishandeld",
        "mishandeling", "vermist", "vermissing", "babbeltruc", "oplichter",
        "oplichters", "dief", "dieven", "diefstal", "gestolen", "stelen", "steelt",
        "politie", "112", "signalement", "kenteken", "looprichting", "alarm",
        "burglary", "burglar", "suspicious", "robbery", "stolen", "police", "missing",
        "threat", "assault", "vandalism",
    }
)  # fmt: skip

# "112 gebeld", "politie is gebeld", "police called": the statement of H4.
_CALLED = re.compile(
    r"\b(?:112|politie|0900[- ]?8844)\b[^.!?\n]{0,30}?"
    r"\b(?:gebeld|ingelicht|gewaarschuwd|gemeld|onderweg|ter plaatse)\b"
    r"|\b(?:gebeld|belde|bel(?:de)?)\s+(?:met\s+)?(?:112|de politie|0900[- ]?8844)\b"
    r"|\b(?:called|phoned|rang|notified)\s+(?:the\s+)?(?:112|police)\b"
    r"|\b(?:112|police)\s+(?:has\s+been\s+|have\s+been\s+|was\s+|were\s+)?"
    r"(?:called|notified|on (?:the|their) way)\b"
)
# A statement that 112 was NOT called (H3), which must not count as H4.
_NOT_CALLED = re.compile(
    r"\b(?:niet|nog niet|geen)\b[^.!?\n]{0,20}\b(?:gebeld|ingelicht|gewaarschuwd|gemeld)\b"
    r"|\bnot\s+(?:yet\s+)?(?:been\s+)?(?:called|notified)\b"
    r"|\b(?:haven't|have not|didn't|did not)\s+(?:yet\s+)?(?:called|phoned)\b"
)
_THANKS = frozenset(
    {
        "dank", "bedankt", "dankjewel", "dankuwel", "dankje", "thanks",
        "thank", "thx", "top", "super", "mooi", "fijn", "goed", "gezellig", "haha",
        "hahaha", "lol", "goedemorgen", "goedemiddag", "goedenavond", "welterusten",
        "hoi", "hallo", "hey", "doei", "groetjes", "ok", "oke", "prima", "ja", "nee",
        "fijne", "avond", "dag", "weekend", "iedereen", "allemaal", "you", "hello",
    }
)  # fmt: skip
_PRIVATE = re.compile(
    r"\b(?:prive|pb|dm|pm|privebericht|onder vier ogen|stuur (?:me|mij) een (?:berichtje|appje)"
    r"|app (?:me|mij) (?:even|maar)|bel (?:me|mij) even|private message)\b"
)
_AFLOOP = re.compile(r"^\s*(?:afloop|afloopbericht|update afloop|closed|all clear)\b")
# Social talk that is not about the situation: a reaction with one of these
# and none of the incident words is chit-chat (H9), however short.
_CHATTER = frozenset(
    {
        "bbq", "barbecue", "borrel", "borrelen", "feest", "feestje", "buurtfeest",
        "verjaardag", "jarig", "gefeliciteerd", "proost", "koffie", "taart", "etentje",
        "voetbal", "wedstrijd", "vakantie", "recept", "oppas", "te koop", "verkoop",
        "party", "birthday", "coffee",
    }
)  # fmt: skip
# Its single words are looked up among a message's tokens as a set; its
# phrases ("te koop") are searched in the folded text.
_CHATTER_WORDS = frozenset(w for w in _CHATTER if " " not in w)
_CHATTER_PHRASES = tuple(sorted(w for w in _CHATTER if " " in w))
# Taking the law into one's own hands (H6): the house rules say leave it to
# the police. A message that proposes it is put in front of a person.
_VIGILANTE = re.compile(
    r"\beigen rechter\b"
    r"|\bin elkaar (?:slaan|trappen|timmeren|rammen)\b"
    r"|\b(?:een )?(?:lesje|pak slaag) (?:leren|geven)\b"
    r"|\b(?:we|ik) (?:pakken|grijpen|slaan|meppen) (?:hem|ze|die)\b"
    r"|\b(?:pakken|grijpen|slaan) (?:we|ik) (?:hem|ze|die)\b"
    r"|\b(?:pak|grijp|sla) (?:hem|ze)\b"
    r"|\bmet (?:een )?(?:knuppel|honkbalknuppel|stok)\b"
    r"|\btake the law into\b|\bbeat (?:him|them) up\b"
)


@attrs.frozen(kw_only=True)
class Finding:
    """One reason to hold a message: the rule broken and why, in words."""

    rule: str
    reason: str


def _findings(values: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class ScreeningVerdict:
    """What screening decided about one message: passed, or held.

    ``findings`` is empty for a message that passes; otherwise it lists
    every rule the message breaks, the most serious first, and ``rule`` and
    ``reason`` are those of the first.
    """

    message: str | Melding
    findings: tuple[Finding, ...] = attrs.field(default=(), converter=_findings)

    @property
    def held(self) -> bool:
        """True if a stuurgroep member must decide before the message goes out."""
        return bool(self.findings)

    @property
    def passed(self) -> bool:
        """True if the message may go out as it is."""
        return not self.findings

    @property
    def rule(self) -> str | None:
        """The rule ID of the main finding (``"H5"``, ``"H9"``...), or ``None``."""
        return self.findings[0].rule if self.findings else None

    @property
    def reason(self) -> str | None:
        """Why the message is held, for the stuurgroep member, or ``None``."""
        return self.findings[0].reason if self.findings else None


#: H6: the message proposes to act against a suspect rather than call the police.
_VIGILANTE_FINDING = Finding(
    rule="H6", reason="no vigilantism (eigen rechter): leave it to the police and keep safe"
)


def _vigilante(texts: Iterable[str]) -> list[Finding]:
    """The H6 finding if any of ``texts`` proposes taking the law into one's own hands."""
    # One search over all the parts, a line each: the pattern's words are
    # separated by spaces, so no match runs from one part into the next.
    joined = "\n".join(" ".join(_fold(text).split()) for text in texts)
    return [_VIGILANTE_FINDING] if _VIGILANTE.search(joined) else []


def _abuse(bad: Sequence[str]) -> list[Finding]:
    """The H5 finding for the word-list entries in ``bad``, if there are any."""
    if not bad:
        return []
    return [
        Finding(rule="H5", reason=f"unbusinesslike language ({', '.join(bad)}); keep it respectful")
    ]


#: H3: the report says, or the melding records, that 112 was not called.
_NOT_CALLED_FINDING = Finding(
    rule="H3", reason="112 has not been called: call 112 first, then report"
)


def _screen_text(text: str, words: WordList, *, reaction: bool) -> list[Finding]:
    # Every reaction and text report passes here: the text is folded and
    # split into tokens once, and every word list is a set its tokens are
    # looked up in. A simulated reaction took 34-36 us here when each check
    # folded the text again, 14-22 us now (docs/performance.md).
    raw = _fold(text)
    tokens = tuple(_TOKEN.findall(raw))
    vocabulary = frozenset(tokens)
    folded = " ".join(raw.split())
    findings = ([_VIGILANTE_FINDING] if _VIGILANTE.search(folded) else []) + _abuse(
        _find(words.words, tokens)
    )
    if not text.strip():
        findings.append(Finding(rule="H9", reason="empty message"))
    elif not any(c.isalnum() for c in text):
        findings.append(Finding(rule="H9", reason="only emoji or punctuation; not a report"))
    elif _AFLOOP.match(folded):
        pass  # a closing message (R8) belongs in the group; only H5 applies
    elif (tokens and tokens[0].startswith("@")) or _PRIVATE.search(folded):
        findings.append(
            Finding(rule="H9", reason="a private message; send it to the person directly")
        )
    elif tokens and vocabulary <= _THANKS:
        findings.append(
            Finding(rule="H9", reason="thanks or chit-chat; only alarming messages belong here")
        )
    elif _chatter(vocabulary, folded):
        findings.append(
            Finding(rule="H9", reason="chit-chat, not about the situation; only alarming messages")
        )
    elif reaction:
        # Extra information in an open incident (R4) is on topic by context
        # ("ze lopen nu richting station") and needs no new 112 call.
        pass
    elif _INCIDENT_WORDS.isdisjoint(vocabulary):
        findings.append(
            Finding(
                rule="H9",
                reason="no suspicious situation described; only alarming messages belong here",
            )
        )
    elif _NOT_CALLED.search(folded):
        findings.append(_NOT_CALLED_FINDING)
    elif not _CALLED.search(folded):
        findings.append(Finding(rule="H4", reason="the report does not say whether 112 was called"))
    return findings


def _chatter(vocabulary: frozenset[str], folded: str) -> bool:
    """Social talk (a bbq, a birthday) and nothing about a situation (H9).

    ``vocabulary`` is the set of the message's tokens, ``folded`` its folded text.
    """
    if not _INCIDENT_WORDS.isdisjoint(vocabulary):
        return False
    return not _CHATTER_WORDS.isdisjoint(vocabulary) or any(
        phrase in folded for phrase in _CHATTER_PHRASES
    )


def _screen_melding(melding: Melding, words: WordList) -> list[Finding]:
    bad: list[str] = []
    for part in melding.texts():
        bad += [word for word in words.find(part) if word not in bad]
    findings = _vigilante(melding.texts()) + _abuse(bad)
    if not melding.called_112:
        findings.append(_NOT_CALLED_FINDING)
    return findings


@attrs.frozen(kw_only=True)
class Screener:
    """A screening policy: the word list a stuurgroep uses (H5).

    ``Screener().screen(message)`` is :func:`screen` with this policy. Keep
    one per stuurgroep if groups extend the list differently.
    """

    words: WordList = DUTCH_ABUSE

    def screen(self, message: str | Melding, *, reaction: bool = False) -> ScreeningVerdict:
        """Screen one message; see :func:`screen`."""
        if isinstance(message, Melding):
            findings = _screen_melding(message, self.words)
        elif isinstance(message, str):
            findings = _screen_text(message, self.words, reaction=reaction)
        else:
            raise InvalidValueError(message, "screening takes a text message or a Melding")
        return ScreeningVerdict(message=message, findings=tuple(findings))


def screen(
    message: str | Melding, *, words: WordList = DUTCH_ABUSE, reaction: bool = False
) -> ScreeningVerdict:
    """Screen one message as the stuurgroep would (S1).

    A text is held when it proposes taking the law into one's own hands
    (H6); when it uses words from ``words`` (H5); when it is not a
    report: empty, only emoji, thanks or chit-chat (social talk such as a bbq
    with nothing about a situation, in a reaction too), a private message (H9);
    or when it reports a situation without saying that 112 was called (H4)
    or saying that it was not (H3). Pass ``reaction=True`` for extra
    information in an incident that is already open (R4): it needs no new
    112 statement. A closing message (starting "Afloop", R8) passes H9.

    A :class:`~routing.domain.melding.Melding` is a report by construction; it is
    held for H6 and H5 in any of its free text, and for H3 when ``called_112`` is
    false. Pure: the same input gives the same verdict.
    """
    return Screener(words=words).screen(message, reaction=reaction)


class RulingKind(Labelled):
    """What a stuurgroep member decided about a held message."""

    RELEASED = ("vrijgegeven", "released")
    REJECTED = ("afgewezen", "rejected")


def _check_time(_: object, attribute: attrs.Attribute[dt.datetime], value: object) -> None:
    if not isinstance(value, dt.datetime):
        raise InvalidValueError(value, f"{attribute.name} must be a datetime given by the caller")


def _check_member(_: object, attribute: attrs.Attribute[MemberId], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(value, f"{attribute.name} must be a MemberId")


def _check_reason(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(value, "a decision needs a reason that the resident can be told")


@attrs.frozen(kw_only=True)
class HeldMessage:
    """A message waiting for a stuurgroep member, with why it is held."""

    message_id: Hashable
    verdict: ScreeningVerdict = attrs.field()
    held_at: dt.datetime = attrs.field(validator=_check_time)

    @verdict.validator
    def _check_verdict(self, _: attrs.Attribute[ScreeningVerdict], value: ScreeningVerdict) -> None:
        if not value.held:
            raise InvalidValueError(value, "a message that passed screening is not held")


@attrs.frozen(kw_only=True)
class Ruling:
    """A stuurgroep member's decision on a held message: who, when, why (S1)."""

    held: HeldMessage
    decision: RulingKind
    by: MemberId = attrs.field(validator=_check_member)
    at: dt.datetime = attrs.field(validator=_check_time)
    reason: str = attrs.field(validator=_check_reason)

    @property
    def message_id(self) -> Hashable:
        """The id of the message decided on."""
        return self.held.message_id

    def __attrs_post_init__(self) -> None:
        try:
            early = self.at < self.held.held_at
        except TypeError:
            raise InvalidValueError(
                self.at, "mixes a timezone-aware and a naive time with held_at"
            ) from None
        if early:
            raise InvalidValueError(self.at, "a message cannot be decided before it was held")


def _pending(values: Iterable[HeldMessage]) -> tuple[HeldMessage, ...]:
    return tuple(values)


def _rulings(values: Iterable[Ruling]) -> tuple[Ruling, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class ScreeningQueue:
    """The messages a stuurgroep holds, and what it decided about them.

    A value: :meth:`hold`, :meth:`release` and :meth:`reject` return a new
    queue and leave this one as it was, so an app can keep history or undo.
    """

    pending: tuple[HeldMessage, ...] = attrs.field(default=(), converter=_pending)
    rulings: tuple[Ruling, ...] = attrs.field(default=(), converter=_rulings)

    def __attrs_post_init__(self) -> None:
        ids = [held.message_id for held in self.pending]
        ids += [ruling.message_id for ruling in self.rulings]
        if len(ids) != len(set(ids)):
            raise InvalidValueError(ids, "a message id occurs twice in the queue")

    def hold(
        self, message_id: Hashable, verdict: ScreeningVerdict, *, at: dt.datetime
    ) -> ScreeningQueue:
        """Put a held message in the queue. Raises
        :class:`~routing.errors.InvalidValueError` if the verdict passed or
        the id is already in the queue."""
        held = HeldMessage(message_id=message_id, verdict=verdict, held_at=at)
        return attrs.evolve(self, pending=(*self.pending, held))

    def get(self, message_id: Hashable) -> HeldMessage:
        """The pending message with this id; raises
        :class:`~routing.errors.UnknownMessageError` if none is pending."""
        for held in self.pending:
            if held.message_id == message_id:
                return held
        raise UnknownMessageError(message_id)

    def ruling(self, message_id: Hashable) -> Ruling:
        """The decision on this message; raises
        :class:`~routing.errors.UnknownMessageError` if it was never decided."""
        for ruling in self.rulings:
            if ruling.message_id == message_id:
                return ruling
        raise UnknownMessageError(message_id)

    @property
    def released(self) -> tuple[Ruling, ...]:
        """Rulings that let a message go out, oldest first."""
        return tuple(r for r in self.rulings if r.decision is RulingKind.RELEASED)

    def release(
        self, message_id: Hashable, *, by: MemberId, at: dt.datetime, reason: str
    ) -> ScreeningQueue:
        """Let a held message go out after all; records who, when and why."""
        return self._decide(message_id, RulingKind.RELEASED, by=by, at=at, reason=reason)

    def reject(
        self, message_id: Hashable, *, by: MemberId, at: dt.datetime, reason: str
    ) -> ScreeningQueue:
        """Keep a held message out of the group; the ``reason`` is what the
        stuurgroep tells the resident (S1)."""
        return self._decide(message_id, RulingKind.REJECTED, by=by, at=at, reason=reason)

    def _decide(
        self,
        message_id: Hashable,
        decision: RulingKind,
        *,
        by: MemberId,
        at: dt.datetime,
        reason: str,
    ) -> ScreeningQueue:
        for earlier in self.rulings:
            if earlier.message_id == message_id:
                raise ScreeningRefused(
                    f"this message was already {earlier.decision.label_en} by member "
                    f"{earlier.by} at {earlier.at.isoformat()}",
                    command=(decision, message_id),
                )
        held = self.get(message_id)
        ruling = Ruling(held=held, decision=decision, by=by, at=at, reason=reason)
        pending = tuple(h for h in self.pending if h.message_id != message_id)
        return ScreeningQueue(pending=pending, rulings=(*self.rulings, ruling))
