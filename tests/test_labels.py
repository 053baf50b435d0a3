"""The one table of the text output's words (routing.present.labels): both
languages for every phrase, with the same placeholders, and an English that
is what the output always said."""

from __future__ import annotations

import string

import pytest

from routing.domain.settings import CapacityState
from routing.engine.incident import Phase
from routing.engine.outputs import Step
from routing.present.labels import DEFAULT_LANG, LABELS, LANGS, as_lang, label, plural


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(LABELS))
def test_every_phrase_has_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = LABELS[key]
    assert set(entry) == set(LANGS), key
    assert all(entry[lang] for lang in LANGS), key
    assert placeholders(entry["en"]) == placeholders(entry["nl"]), key


def test_a_plural_has_both_forms_and_counts_with_n() -> None:
    for key in LABELS:
        stem, _, form = key.rpartition(".")
        if form in ("one", "other"):
            sibling = f"{stem}.{'other' if form == 'one' else 'one'}"
            assert sibling in LABELS, key
            assert "n" in placeholders(LABELS[key]["en"]), key
    assert plural("out.afloop", 1, "nl", incident="I1", who="Anna").endswith("naar 1 groep")
    assert plural("out.afloop", 3, "en", incident="I1", who="Anna").endswith("to 3 groups")


def test_english_names_the_engines_values_as_they_are() -> None:
    """The English column is the output as it was: the engine's own words."""
    for step in Step:
        assert label(f"step.{step.name.lower()}", "en") == step.label
    for phase in Phase:
        assert label(f"phase.{phase.value}", "en") == phase.value
    for state in CapacityState:
        assert label(f"capacity.{state.name.lower()}", "en") == state.value
    assert all(f"step.{s.name.lower()}" in LABELS for s in Step)


def test_english_is_the_default_and_only_two_languages_exist() -> None:
    assert DEFAULT_LANG == "en"
    assert label("table.groups") == "Groups"
    assert as_lang("nl") == "nl"
    with pytest.raises(ValueError, match="nl or en"):
        as_lang("de")
