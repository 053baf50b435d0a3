"""Whether two meldingen are plausibly about the same situation (H4).

A wijkgroep has one active casushouder per situation (H4): a second report
of what the group already knows joins the first, so that the police are not
called twice for it and the group reads one thread. But two reports of the
same kind within half an hour are not always one situation: a second
burglary in another street is a second burglary. :func:`compare` is the one
place that tells them apart, from what the meldingen say:

* **a shared kenteken** (H8): the same vehicle, so the same situation,
  wherever it is now;
* **kentekens that differ**: both name vehicles by kenteken and none is
  shared, so two vehicles and two situations;
* **the place**, for situations bound to one: an inbraak, a poging tot
  inbraak, an overval, a diefstal, a vernieling (:data:`FIXED_PLACE`). A
  house does not move, so another street (or another postcode area where
  neither names a street) is another situation. People and vehicles do move:
  a verdachte persoon seen in the next street is likely the same one;
* **the signalement**: both describe people whose sex is known, and no sex
  is in both (men against a woman), so other people. One reporter may see
  fewer of them than another, so a man against a man and a woman joins.

Where nothing in the meldingen tells them apart, the second joins: the
reporter, who was told why, can say it is a new situation
(:attr:`routing.engine.commands.Report.new_situation`) and report again.
The time window and the category are the caller's first test
(:attr:`routing.engine.tables.RelayConfig.duplicate_window`).
"""

from __future__ import annotations

from typing import Final

import attrs

from .melding import Category, Melding, Sex

__all__ = ["FIXED_PLACE", "Likeness", "compare"]

#: Situations bound to one place: another street is another situation.
FIXED_PLACE: Final = frozenset(
    {
        Category.INBRAAK,
        Category.POGING_TOT_INBRAAK,
        Category.OVERVAL,
        Category.DIEFSTAL,
        Category.VERNIELING,
    }
)


@attrs.frozen
class Likeness:
    """The answer of :func:`compare`: ``same`` or not, and ``reason`` in Dutch words
    a reporter can be shown."""

    same: bool
    reason: str


def _kentekens(m: Melding) -> frozenset[str]:
    return frozenset(str(v.kenteken) for v in m.vehicles if v.kenteken is not None)


def _street(m: Melding) -> str:
    return m.place.street.casefold() if m.place is not None else ""


def _area(m: Melding) -> int | None:
    if m.place is None or m.place.postcode is None:
        return None
    return m.place.postcode.number


def _sexes(m: Melding) -> frozenset[Sex]:
    return frozenset(p.sex for p in m.persons if p.sex is not Sex.ONBEKEND)


def compare(first: Melding, second: Melding) -> Likeness:
    """Whether ``second`` is plausibly about the situation of ``first`` (see above)."""
    if first.category is not second.category:
        return Likeness(False, "een ander soort melding")
    label = first.category.value
    ours, theirs = _kentekens(first), _kentekens(second)
    shared = ours & theirs
    if shared:
        return Likeness(True, f"zelfde kenteken ({', '.join(sorted(shared))})")
    if ours and theirs:
        return Likeness(False, "een ander kenteken")
    if first.category in FIXED_PLACE:
        a, b = _street(first), _street(second)
        if a and b:
            if a != b:
                return Likeness(False, f"een {label} in een andere straat")
            assert second.place is not None
            return Likeness(True, f"zelfde {label} in de {second.place.street}")
        x, y = _area(first), _area(second)
        if x is not None and y is not None and x != y:
            return Likeness(False, f"een {label} in een ander postcodegebied")
    s, t = _sexes(first), _sexes(second)
    if s and t and not s & t:
        return Likeness(False, "een ander signalement")
    return Likeness(True, f"zelfde soort melding ({label}); niets wijst op een andere situatie")
