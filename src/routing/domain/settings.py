"""Platforms, their member limits (G3), and the settings of a hierarchy.

A chat group cannot grow past its platform's member limit; that limit is what
forced the Zoomwijck group system in the first place. The sources quote limits
of 50, 100 (the Zoomwijck's) and 256 members; the platforms of today allow more.
Each limit is a named :class:`Platform` preset, and any group may use its own.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

from routing.errors import ConfigError

from .checks import check_int, check_list, check_number, check_text, field, instance_of, optional

__all__ = [
    "PLATFORMS",
    "Capacity",
    "CapacityState",
    "Platform",
    "Settings",
    "platform",
]


def _positive(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if check_int(value, attribute.name) < 1:
        raise ConfigError(f"{attribute.name} must be at least 1, not {value}")


@attrs.frozen(kw_only=True)
class Platform:
    """A chat platform and the most members one of its groups may hold (G3)."""

    name: str = attrs.field(validator=field(check_text))
    member_limit: int = attrs.field(validator=_positive)

    def with_limit(self, member_limit: int) -> Platform:
        """The same platform with another limit (a newer app version, a test)."""
        return attrs.evolve(self, member_limit=member_limit)


#: Named presets. The historical ones keep the limits that the sources quote, so a
#: simulation of 2015 behaves like 2015.
PLATFORMS: Final[dict[str, Platform]] = {
    p.name: p
    for p in (
        Platform(name="whatsapp", member_limit=1024),
        Platform(name="signal", member_limit=1000),
        Platform(name="telegram", member_limit=200_000),
        Platform(name="whatsapp-50", member_limit=50),
        Platform(name="whatsapp-100", member_limit=100),
        Platform(name="whatsapp-256", member_limit=256),
    )
}


def platform(name: str) -> Platform:
    """The preset called *name*; :class:`ConfigError` if there is none."""
    try:
        return PLATFORMS[name]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise ConfigError(f"unknown platform {name!r} (known: {known})") from None


def _ratio(instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if not 0.0 < check_number(value, attribute.name) <= 1.0:
        raise ConfigError(f"{attribute.name} must be in (0, 1], not {value}")


def _size_range(value: object) -> tuple[int, int]:
    pair = check_list(value, "stuurgroep_size")
    if len(pair) != 2:
        raise ConfigError("stuurgroep_size must be a pair (low, high)")
    low, high = (check_int(v, "stuurgroep_size") for v in pair)
    if not 1 <= low <= high:
        raise ConfigError("stuurgroep_size must be (low, high) with 1 <= low <= high")
    return low, high


def _version(value: object, what: str) -> str:
    if not check_text(value, what).strip():
        raise ConfigError(f"{what} must name a version, not {value!r}")
    return str(value)


@attrs.frozen(kw_only=True)
class Settings:
    """The tunable rules of one hierarchy.

    The defaults are the Zoomwijck's (3-4 stuurgroep members, phase 2 after
    80 residents) and rule H1's (18 years).
    """

    #: Platform of every group that does not name its own (G3).
    platform: Platform = attrs.field(default=PLATFORMS["whatsapp"], validator=instance_of(Platform))
    #: A wijkgroep may split by buurt only once it has more residents than this (G2).
    split_threshold: int = attrs.field(default=80, validator=_positive)
    #: A group at or above this share of its limit is flagged as nearly full.
    nearly_full_ratio: float = attrs.field(default=0.9, validator=_ratio)
    #: Smallest and largest stuurgroep (the Zoomwijck: "3 tot 4 personen").
    stuurgroep_size: tuple[int, int] = attrs.field(default=(3, 4), converter=_size_range)
    #: Minimum age of a member (H1).
    adult_age: int = attrs.field(default=18, validator=_positive)
    #: The version of the spelregels in force (H10), as the group publishes
    #: it; when set, :meth:`~routing.model.Hierarchy.admit` needs an applicant
    #: who accepted this version (:attr:`Applicant.rules
    #: <routing.domain.values.Applicant.rules>`). ``None``: any acceptance does.
    spelregels: str | None = attrs.field(default=None, validator=optional(_version))


class CapacityState(enum.Enum):
    """How full a group is, relative to its platform's limit."""

    OK = "ok"
    NEARLY_FULL = "nearly full"
    FULL = "full"


@attrs.frozen(kw_only=True)
class Capacity:
    """The size of one chat group against its limit."""

    size: int
    limit: int
    state: CapacityState

    @property
    def free(self) -> int:
        """Members that can still be added."""
        return self.limit - self.size

    @classmethod
    def of(cls, size: int, limit: int, nearly_full_ratio: float) -> Capacity:
        if size >= limit:
            state = CapacityState.FULL
        elif size >= limit * nearly_full_ratio:
            state = CapacityState.NEARLY_FULL
        else:
            state = CapacityState.OK
        return cls(size=size, limit=limit, state=state)
