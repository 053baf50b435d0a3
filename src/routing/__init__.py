"""routing: the group system of Dutch neighbourhood-watch chat groups, and its routing path.

The public names are re-exported here; see ``docs/reference.md``.
"""

from __future__ import annotations

from .errors import (
    AdmissionRefused,
    CapacityRefused,
    ConfigError,
    IncidentRefused,
    InvalidValueError,
    InvariantRefused,
    KentekenError,
    OutOfScopeError,
    PermissionRefused,
    PostcodeError,
    Refused,
    RoutingError,
    UnknownGroupError,
    UnknownIdError,
    UnknownIncidentError,
    UnknownMemberError,
)
from .model import Hierarchy
from .settings import PLATFORMS, Capacity, CapacityState, Platform, Settings, platform
from .values import Actor, ActorKind, Applicant, Group, GroupKind, Member, MemberId, Relation, Role

__version__ = "0.1.0.dev0"

__all__ = [
    "PLATFORMS",
    "Actor",
    "ActorKind",
    "AdmissionRefused",
    "Applicant",
    "Capacity",
    "CapacityRefused",
    "CapacityState",
    "ConfigError",
    "Group",
    "GroupKind",
    "Hierarchy",
    "IncidentRefused",
    "InvalidValueError",
    "InvariantRefused",
    "KentekenError",
    "Member",
    "MemberId",
    "OutOfScopeError",
    "PermissionRefused",
    "Platform",
    "PostcodeError",
    "Refused",
    "Relation",
    "Role",
    "RoutingError",
    "Settings",
    "UnknownGroupError",
    "UnknownIdError",
    "UnknownIncidentError",
    "UnknownMemberError",
    "__version__",
    "platform",
]
