"""The choices a person picks from in an app, and the text people type.

Every enum a resident picks from (a melding's category, a heading, a means of
transport, a screening's ruling, ...) is a :class:`Labelled`: its value is
its Dutch label, with an English label beside, and it parses from either
label or its name, however it is capitalised or hyphenated.

Two rules for typed text are shared by the domain's values and written here
once: :func:`clean_text` is how a free-text field is stored, and
:func:`match_key` is the form in which typed text is compared to a label or
a known word.
"""

from __future__ import annotations

import enum
from typing import Self

from routing.errors import InvalidValueError

from .checks import check_text

__all__ = ["Labelled", "clean_text", "match_key"]


def clean_text(value: str) -> str:
    """A free-text field as stored: runs of whitespace (newlines too) become one
    space, and the ends are trimmed. :class:`~routing.errors.InvalidValueError`
    for anything that is not text a file can store (:func:`~.checks.check_text`)."""
    return " ".join(check_text(value).split())


def match_key(text: str) -> str:
    """The form typed text is matched in: case-folded, letters and digits only.

    People write "zuid-oost", "zuid oost" and "ZUIDOOST" for the same thing;
    all three give ``"zuidoost"``.
    """
    return "".join(filter(str.isalnum, text.casefold()))


class Labelled(enum.Enum):
    """An enum whose value is its Dutch label, with an English label beside.

    The base of every enum a person picks from in an app (category, heading,
    transport, ...): the Dutch label is what the chat shows by default, so it
    is the value that gets stored and compared. A member is declared as
    ``NAME = ("dutch label", "english label")``.
    """

    _value_: str
    #: The Dutch label (also the value).
    label_nl: str
    #: The English label.
    label_en: str

    def __new__(cls, label_nl: str, label_en: str) -> Self:
        member = object.__new__(cls)
        member._value_ = label_nl
        member.label_nl = label_nl
        member.label_en = label_en
        return member

    def label(self, lang: str = "nl") -> str:
        """The label in ``lang`` ("nl" or "en")."""
        return self.label_en if lang == "en" else self.label_nl

    @classmethod
    def parse(cls, text: object) -> Self:
        """Find a member by its name, Dutch label or English label (any case).

        Raises :class:`~routing.errors.InvalidValueError` if nothing matches.
        """
        if isinstance(text, cls):
            return text
        if not isinstance(text, str):
            raise InvalidValueError(text, f"a {cls.__name__.lower()} is given as text")
        member = cls._lookup(text)
        if member is None:
            choices = ", ".join(m.label_nl for m in cls)
            raise InvalidValueError(text, f"not a known {cls.__name__.lower()}; one of: {choices}")
        return member

    @classmethod
    def _lookup(cls, text: str) -> Self | None:
        keys = _KEYS.get(cls)
        if keys is None:
            # Every melding parses its category and enums: the keys of the
            # members are worked out once per class, not per parse. The
            # first member in definition order wins, as a scan would find it.
            keys = {}
            for member in cls:
                for word in (member.name, member.label_nl, member.label_en):
                    keys.setdefault(match_key(word), member)
            _KEYS[cls] = keys
        return keys.get(match_key(text))  # type: ignore[return-value]


_KEYS: dict[type[Labelled], dict[str, Labelled]] = {}
