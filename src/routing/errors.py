"""Every error that ``routing`` raises, in one tree.

Errors are split by who is at fault:

* the **app** broke the contract: it named a group or member that does not
  exist, passed a malformed value, or loaded a broken configuration file. These
  are bugs or bad input to fix in the calling code or the file;
* a **person** asked for something the process forbids: a resident who is not
  the telefoonbeheerder adds a member, a group is full, an applicant is under
  18. These are :class:`Refused` errors; apps show their ``reason`` to people.

Every operation that raises leaves the state exactly as it was. ::

    RoutingError
    ├── ConfigError                 (also ValueError)  bad TOML file or setting
    ├── StateError                  (also ValueError)  saved state is corrupt, foreign or too new
    │   ├── ForeignStateError       not something ``routing`` wrote
    │   │   └── UnexpectedSchemaError   a journal file with a table, trigger, ... of someone else's
    │   ├── NewerSchemaError        written by a newer schema version
    │   └── CorruptStateError       damaged, truncated, or fails validation on replay
    │       └── LostCommandsError   acknowledged commands are missing (a damaged -wal file)
    ├── JournalWriteError           (also OSError)  the journal could not record a command
    ├── DuplicateIntakeError        (also ValueError)  this platform message was taken in before
    ├── UnknownIdError              (also LookupError)
    │   ├── UnknownGroupError
    │   ├── UnknownMemberError
    │   ├── UnknownIncidentError
    │   ├── UnknownMessageError     no held message has this id (S1)
    │   ├── UnknownDeliveryError    the relay never handed out this delivery
    │   └── UnknownDecisionError    the relay never asked this pending decision
    ├── InvalidValueError           (also ValueError)  a field failed validation
    │   ├── KentekenError
    │   ├── PostcodeError
    │   ├── OutOfScopeError         fire, traffic accidents: call 112 only
    │   └── PhotoError              bytes instead of a reference, or no reason (H7)
    └── Refused                     the process forbids it; show .reason to people
        ├── PermissionRefused       the actor does not hold the duty (T1-T3, S2-S5)
        ├── CapacityRefused         the group would pass its member limit (G3)
        ├── AdmissionRefused        H1, H2, H10 not met, or blocked at a royement (T2)
        │   └── AdmissionHeld       a fact is missing (the age): the telefoonbeheerder asks
        ├── InvariantRefused        the change would break the structure (G1-G5, S-rules)
        ├── IncidentRefused         the incident does not allow this (closed, not reached)
        │   └── TimeRefused         the command is dated before the incident it acts on
        ├── ScreeningRefused        the held message was already released or rejected (S1)
        └── RouteRefused            no step of the routing path leads from source to target
"""

from __future__ import annotations

__all__ = [
    "AdmissionHeld",
    "AdmissionRefused",
    "CapacityRefused",
    "ConfigError",
    "CorruptStateError",
    "DuplicateIntakeError",
    "ForeignStateError",
    "IncidentRefused",
    "InvalidValueError",
    "InvariantRefused",
    "JournalWriteError",
    "KentekenError",
    "LostCommandsError",
    "NewerSchemaError",
    "OutOfScopeError",
    "PermissionRefused",
    "PhotoError",
    "PostcodeError",
    "Refused",
    "RouteRefused",
    "RoutingError",
    "ScreeningRefused",
    "StateError",
    "TimeRefused",
    "UnexpectedSchemaError",
    "UnknownDecisionError",
    "UnknownDeliveryError",
    "UnknownGroupError",
    "UnknownIdError",
    "UnknownIncidentError",
    "UnknownMemberError",
    "UnknownMessageError",
    "shown",
]


def shown(value: object, limit: int = 200) -> str:
    """``repr(value)`` for a message: shortened past ``limit`` characters, and never
    failing (an int of more than 4300 digits has no repr)."""
    try:
        text = repr(value)
    except Exception:  # a repr that fails must not hide the error being reported
        return f"<{type(value).__name__}>"
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1]}"


class RoutingError(Exception):
    """Base of every error raised by ``routing``.

    Catch this to handle anything the library refuses; catch a subclass to
    handle one kind.
    """


class ConfigError(RoutingError, ValueError):
    """A configuration file or setting is malformed.

    Raised when loading a neighbourhood from TOML, or when a setting (a
    platform limit, a threshold) is out of range. ``path`` names the file (or
    ``None`` for an in-memory mapping), ``entry`` the dotted key of the
    offending entry, ``problem`` what is wrong. Fix the file; nothing was loaded.
    """

    def __init__(self, problem: str, *, path: str | None = None, entry: str | None = None):
        self.problem = problem
        self.path = path
        self.entry = entry
        where = ": ".join(part for part in (path, entry) if part)
        super().__init__(f"{where}: {problem}" if where else problem)


class UnknownIdError(RoutingError, LookupError):
    """The app named something that does not exist (any more).

    ``key`` is the identifier that was looked up. This is a bug in the caller
    or a stale identifier; the state is unchanged.
    """

    kind = "object"

    def __init__(self, key: object):
        self.key = key
        super().__init__(f"unknown {self.kind}: {shown(key)}")


class UnknownGroupError(UnknownIdError):
    """No group has this id in the hierarchy."""

    kind = "group"


class UnknownMemberError(UnknownIdError):
    """No current member has this id (never admitted, or removed)."""

    kind = "member"


class UnknownIncidentError(UnknownIdError):
    """No incident has this id in the relay."""

    kind = "incident"


class InvalidValueError(RoutingError, ValueError):
    """A value does not pass validation (a kenteken, a postcode, a field).

    ``value`` is the offending input as given, ``reason`` says what is wrong in
    words a person can act on. Correct the value and try again.
    """

    def __init__(self, value: object, reason: str):
        self.value = value
        self.reason = reason
        super().__init__(f"{shown(value)}: {reason}")


class KentekenError(InvalidValueError):
    """A Dutch licence plate (kenteken) matches no sidecode, or uses letters
    or combinations the RDW never issues."""


class PostcodeError(InvalidValueError):
    """A Dutch postcode is not four digits (first not 0) and two letters, or
    uses a letter pair that is never issued (SA, SD, SS)."""


class OutOfScopeError(InvalidValueError):
    """The situation is not for the neighbourhood groups (fire, a traffic
    accident): call 112; the groups do not handle it."""


class Refused(RoutingError):
    """The process forbids what a person asked for.

    ``reason`` is a sentence that an app can show the person; ``command`` is
    the refused request (or ``None``). Nothing was changed.
    """

    rule: str = ""

    def __init__(self, reason: str, *, command: object = None, rule: str | None = None):
        self.reason = reason
        self.command = command
        if rule is not None:
            self.rule = rule
        super().__init__(f"[{self.rule}] {reason}" if self.rule else reason)


class PermissionRefused(Refused):
    """The actor does not hold the duty that the action needs.

    For example only the telefoonbeheerder of the managing stuurgroep adds and
    removes members (T1, T2) or creates a wijkgroep (T3, after S6), and only a
    stuurgroep member who administers the source group may forward (S2-S5).
    Ask the person who holds the duty.
    """


class CapacityRefused(Refused):
    """The group would pass its platform's member limit (G3).

    Split the wijkgroep (G2) or create a new one (T3) before adding members.
    """


class AdmissionRefused(Refused):
    """The applicant does not meet the house rules for membership: 18 or
    older (H1), living or working in the area (H2), and having accepted the
    rules (H10), the version in force if the hierarchy names one; or their
    phone number was blocked when a member was royeerd (T2)."""


class AdmissionHeld(AdmissionRefused):
    """The applicant may well be admissible, but a fact the rule needs is
    missing: their age is unknown (H1).

    Nothing was changed and nothing about the applicant was kept. The
    telefoonbeheerder asks the applicant (or checks the sign-up) and admits
    again with the age, or with ``adult_confirmed=True`` once they have seen
    that the applicant is of age. An app shows ``reason`` to the
    telefoonbeheerder as a sign-up to follow up, not as a rejection.
    """


class InvariantRefused(Refused):
    """The change would break the structure of the group system.

    For example a stuurgroep left with fewer than 3 members, a resident in two
    wijkgroepen, or a split that leaves a member without a wijkgroep. Change
    the request so that the structure stays valid.
    """


class IncidentRefused(Refused):
    """The incident does not allow this command: it is closed (R8), or the
    actor's group was never reached by it (R4)."""


class TimeRefused(IncidentRefused):
    """The command is dated before the incident it acts on opened: an afloop,
    a reaction or a decision cannot come before the report. The clock of the
    app that sent it is off, or the command belongs to another incident."""


class PhotoError(InvalidValueError):
    """A photo in a melding breaks H7.

    Raised when the photo is given as bytes (a melding stores a reference
    such as a file name or URI, never the image), when the reference is
    empty, or when a photo of a person has no stated reason. State why the
    photo adds to the signalement, or describe the person in words instead.
    """


class UnknownMessageError(UnknownIdError):
    """No message with this id is held for the stuurgroep (S1).

    The id was never held, or the caller mixed up queues. The queue is
    unchanged.
    """

    kind = "held message"


class ScreeningRefused(Refused):
    """A stuurgroep member tried to release, reject or address the sender of
    a message that was already decided (S1).

    Another member got there first; the earlier decision stands. Show
    ``reason`` to the member; the queue is unchanged.
    """

    rule = "S1"


class RouteRefused(Refused):
    """A forward asks for a step that the routing path does not have.

    The path only knows the steps S2 (wijkgroep to a sibling wijkgroep), S3
    and R5 (wijkgroep up to its regiegroep), S5 and R6 (regiegroep down into
    the wijk's wijkgroepen), the same two steps through the gemeentelijke
    regiegroep, and P2 (an addressed stuurgroep into its wijkgroepen). A
    wijkgroep of one stuurgroep never posts straight into another
    stuurgroep's wijkgroep: forward to the regiegroep instead. ``source`` and
    ``target`` name the groups asked for.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str,
        target: str,
        command: object = None,
        rule: str | None = None,
    ):
        self.source = source
        self.target = target
        super().__init__(reason, command=command, rule=rule)


class UnknownDeliveryError(UnknownIdError):
    """The app confirmed or failed a delivery id that the relay never handed out.

    A stale or mistyped id in the calling code; nothing was changed.
    """

    kind = "delivery"


class UnknownDecisionError(UnknownIdError):
    """The app answered a pending decision id that the relay never asked.

    A stale or mistyped id in the calling code; nothing was changed. (A
    decision that was already answered is refused instead, with who answered.)
    """

    kind = "pending decision"


class StateError(RoutingError, ValueError):
    """Saved state (an export, a snapshot, a journal) cannot be read back.

    Raised when the data is corrupt or truncated, comes from something else
    than ``routing``, was written by a newer schema version, or fails
    validation on replay. ``source`` names where it came from (a file path, or
    ``None``), ``problem`` what is wrong. Nothing was loaded or overwritten;
    restore from a backup or an older snapshot.
    """

    def __init__(self, problem: str, *, source: str | None = None):
        self.problem = problem
        self.source = source
        super().__init__(f"{source}: {problem}" if source else problem)


class ForeignStateError(StateError):
    """The file or data was not written by ``routing``: another program's
    SQLite database, a JSON document of another kind, or not a database at all.

    Check the path; the file was not changed.
    """


class UnexpectedSchemaError(ForeignStateError):
    """A journal file holds a table, index, trigger or view that the journal
    does not create, defines one of the journal's own differently, or lacks one.

    Not a file the journal wrote as it stands: it was edited by hand or by a
    hostile program (a trigger on the personal-data table could copy every
    erased row into a hidden table while erasure reports success). ``kind``
    (``"trigger"``, ``"view"``, ``"table"``, ``"index"``) and ``name`` name
    the first such object, triggers first; the message names them all. The
    file was not changed. Do not use it as it is: restore a backup.
    """

    def __init__(self, problem: str, *, kind: str, name: str, source: str | None = None):
        self.kind = kind
        self.name = name
        super().__init__(problem, source=source)


class NewerSchemaError(StateError):
    """The saved state was written by a newer version of ``routing`` whose
    schema this version cannot read. ``found`` and ``supported`` are the two
    schema versions. Upgrade the library; the file was not changed.
    """

    def __init__(self, problem: str, *, found: int, supported: int, source: str | None = None):
        self.found = found
        self.supported = supported
        super().__init__(problem, source=source)


class CorruptStateError(StateError):
    """The saved state is damaged: a checksum does not match, the file is
    truncated or malformed, events have a gap, or an event fails validation
    on replay. ``seq`` is the sequence number of the offending event or
    snapshot, if one is known. Nothing was loaded or overwritten; restore
    the file from a backup.
    """

    def __init__(self, problem: str, *, source: str | None = None, seq: int | None = None):
        self.seq = seq
        super().__init__(problem, source=source)


class LostCommandsError(CorruptStateError):
    """The journal file holds fewer commands than its writer acknowledged with
    ``durability="full"``.

    After each commit the journal records the sequence number of the
    acknowledged command in a small side file, ``<journal>-ack``, where
    damage to the SQLite ``-wal`` file cannot take it; this is raised when
    the journal and its ``-wal`` end before the last one that ``"full"``
    acknowledged: the ``-wal`` file was deleted, truncated or damaged after
    the writer stopped, or the journal was replaced by an older copy.
    ``acknowledged`` is the recorded number, ``found`` the last event the
    files hold, ``missing`` how many acknowledged commands are gone, ``seq``
    the first of them. Nothing was loaded or changed. Restore the ``-wal``
    file or the journal from a backup; to accept the loss and go on from
    ``found``, delete the ``-ack`` file (see docs/persistence.md).
    """

    def __init__(self, problem: str, *, acknowledged: int, found: int, source: str | None = None):
        self.acknowledged = acknowledged
        self.found = found
        self.missing = acknowledged - found
        super().__init__(problem, source=source, seq=found + 1)


class JournalWriteError(RoutingError, OSError):
    """The journal could not record an accepted command (the disk is full,
    the file went away, another process wrote to it), or it is closed.

    The command was *not* accepted: the journal rebuilt its live state from
    what it had committed, so state and file agree. Fix the cause and send
    the command again. ``command`` is the command that was not recorded.
    """

    def __init__(self, problem: str, *, command: object = None):
        self.problem = problem
        self.command = command
        super().__init__(problem)


class DuplicateIntakeError(RoutingError, ValueError):
    """The platform message with intake key ``key`` already became event ``seq``.

    Feeding the same message twice (a chat server that delivers it again, a
    command line run again after a crash) must make one command, so the
    second is refused with nothing changed. :class:`routing.runtime.Runtime`
    asks first and answers such a message with what it already did.
    """

    def __init__(self, key: str, seq: int):
        self.key = key
        self.seq = seq
        super().__init__(f"the message {shown(key)} was taken in before, as event {seq}")
