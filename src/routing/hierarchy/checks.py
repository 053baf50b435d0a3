"""The rules a request to the hierarchy is checked against on its own.

Each function checks one request against the settings, a platform or a
stuurgroep's vote, and raises the :class:`~routing.errors.Refused` that names
the rule; it changes nothing. :class:`~routing.model.Hierarchy` calls them
before it changes anything. The checks that need the hierarchy as it stands
(a group id already taken, who the telefoonbeheerder is, the room left in a
regiegroep) are the model's own methods.
"""

from __future__ import annotations

from collections.abc import Iterable

from routing.domain.settings import Platform, Settings
from routing.domain.values import Applicant
from routing.errors import (
    AdmissionHeld,
    AdmissionRefused,
    CapacityRefused,
    InvariantRefused,
    PermissionRefused,
)

from .records import GroupRecord

__all__ = [
    "check_admission",
    "check_fits",
    "check_spelregels",
    "check_stuurgroep_size",
    "require_majority",
]


def check_admission(settings: Settings, applicant: Applicant) -> None:
    """An applicant is an adult (H1) who lives or works in the area (H2) and
    accepted the house rules (H10).

    An unknown age is held, not refused (:class:`AdmissionHeld`): the people
    of the seeds sign up by e-mail or on a website and the beheerder adds
    them, so a missing age is a question for the telefoonbeheerder to ask,
    not a reason to turn a neighbour away; and until they ask, the rule has
    not been met.
    """
    if applicant.age is None:
        if not applicant.adult_confirmed:
            raise AdmissionHeld(
                f"the age of {applicant.name} is unknown: ask it, or confirm that they are "
                f"{settings.adult_age} or older, before adding them",
                rule="H1",
            )
    elif applicant.age < settings.adult_age:
        raise AdmissionRefused(f"{applicant.name} is under {settings.adult_age}", rule="H1")
    if not applicant.lives_in_area:
        raise AdmissionRefused(f"{applicant.name} does not live or work in the area", rule="H2")
    if not applicant.accepted_rules:
        raise AdmissionRefused(f"{applicant.name} has not accepted the house rules", rule="H10")


def check_spelregels(settings: Settings, applicant: Applicant) -> None:
    """The applicant accepted the version of the spelregels in force, if the
    settings name one (H10)."""
    wanted = settings.spelregels
    if wanted is None:
        return
    if applicant.rules is None:
        raise AdmissionRefused(
            f"{applicant.name} must accept spelregels {wanted!r}; no acceptance was recorded",
            rule="H10",
        )
    if applicant.rules.version != wanted:
        raise AdmissionRefused(
            f"{applicant.name} accepted spelregels {applicant.rules.version!r}; "
            f"the spelregels in force are {wanted!r}",
            rule="H10",
        )


def check_stuurgroep_size(settings: Settings, n: int) -> None:
    """A stuurgroep of ``n`` members has the size the settings allow (G4)."""
    low, high = settings.stuurgroep_size
    if not low <= n <= high:
        raise InvariantRefused(f"a stuurgroep has {low}-{high} members, not {n}", rule="G4")


def check_fits(gid: str, size: int, platform: Platform) -> None:
    """Group ``gid`` with ``size`` members fits its platform's member limit (G3)."""
    if size > platform.member_limit:
        raise CapacityRefused(
            f"{gid!r} would have {size} members; {platform.name} allows {platform.member_limit}",
            rule="G3",
        )


def require_majority(sg: GroupRecord, approvals: Iterable[int], action: str) -> None:
    """More than half of a stuurgroep's members approved ``action`` (S6)."""
    yes = set(approvals) & set(sg.members)
    if 2 * len(yes) <= len(sg.members):
        raise PermissionRefused(
            f"{sg.id!r} must agree to {action}: {len(yes)} of {len(sg.members)} "
            "members approved, a majority is needed",
            rule="S6",
        )
