"""What an admission says about a group's growth (G2, G3), as frozen values.

An admission returns :class:`Admitted`: the new member's id and the
*signals* it raised. A signal is raised once, by the admission that
crosses a line, not by every admission past it, so an app can show each
one to the stuurgroep as it happens:

* :class:`CapacityWarning` (G3): the wijkgroep reached its platform's
  warning level (:attr:`Settings.nearly_full_ratio
  <routing.domain.settings.Settings.nearly_full_ratio>` of the member
  limit), or the limit itself;
* :class:`SplitProposal` (G2): a phase-1 wijkgroep (the only one its
  stuurgroep manages) now has more residents than
  :attr:`Settings.split_threshold
  <routing.domain.settings.Settings.split_threshold>`: the Zoomwijck then
  splits into wijkgroepen by buurt. It proposes, and counts the residents
  per buurt to plan with; the split itself is the stuurgroep's decision (S6).

:class:`SplitAnswer` is what :meth:`Hierarchy.may_split
<routing.model.Hierarchy.may_split>` says about a split before anyone tries it.
"""

from __future__ import annotations

import attrs

from .settings import Capacity
from .values import MemberId

__all__ = ["Admitted", "CapacityWarning", "Signal", "SplitAnswer", "SplitProposal"]


@attrs.frozen(kw_only=True)
class CapacityWarning:
    """The admission brought ``group`` to its warning level or its limit (G3).

    ``capacity.state`` is :attr:`~routing.domain.settings.CapacityState.NEARLY_FULL`
    or :attr:`~routing.domain.settings.CapacityState.FULL`. Plan a split (G2)
    or a new wijkgroep (T3) before the next admissions are refused.
    """

    group: str
    capacity: Capacity
    rule: str = "G3"


@attrs.frozen(kw_only=True)
class SplitProposal:
    """Phase 2 (G2): ``wijkgroep`` has passed ``threshold`` residents; split it by buurt.

    ``buurten`` counts its residents per buurt, largest first (ties by
    name); ``without_buurt`` residents have none recorded and need a rest
    group in the split (:meth:`Hierarchy.split_wijkgroep
    <routing.model.Hierarchy.split_wijkgroep>`, ``rest=``).
    """

    wijkgroep: str
    residents: int
    threshold: int
    buurten: tuple[tuple[str, int], ...]
    without_buurt: int
    rule: str = "G2"


Signal = CapacityWarning | SplitProposal
"""Anything :attr:`Admitted.signals` holds."""


@attrs.frozen(kw_only=True)
class Admitted:
    """What an admission returns (T1): the new member's id and the signals it raised."""

    member: MemberId
    signals: tuple[Signal, ...] = ()


@attrs.frozen(kw_only=True)
class SplitAnswer:
    """Whether a split of ``wijkgroep`` would be accepted now, and why (G2, S6, T3, G3).

    ``allowed`` is ``False`` with the ``reason`` and ``rule`` of the first
    check that fails, exactly as :meth:`Hierarchy.split_wijkgroep
    <routing.model.Hierarchy.split_wijkgroep>` would refuse it (``rule`` is
    ``None`` for a check without a rule ID, such as a group id already
    taken); ``True`` with ``rule=None``. The answer is true or false as
    ``allowed`` is. ``residents`` and ``threshold`` are the wijkgroep's count and
    the setting it is compared with.
    """

    wijkgroep: str
    allowed: bool
    reason: str
    rule: str | None
    residents: int
    threshold: int

    def __bool__(self) -> bool:
        return self.allowed
