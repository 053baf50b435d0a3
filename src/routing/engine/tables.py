"""Routing tables: what the relay's hot path needs to know about each group.

The hierarchy answers structural questions through a networkx graph, which is
right for building and checking the structure and far too slow for routing a
report in microseconds. :class:`Tables` reads each group once and keeps a
:class:`Entry` with everything routing asks about it: its stuurgroep and
siblings, its regiegroep, the decision points that lead onward from it, who
holds the duty to forward and who is on duty to do it.

Entries are built lazily, one group at a time, the first time a command
touches the group; :meth:`Tables.prepare` builds them all at once, which the
relay does when it is created, so the first report from anywhere costs what
the next one does. :meth:`Tables.sync` compares
:attr:`Hierarchy.structure_version` once per command and drops the entries
when the structure changed; they are then rebuilt on demand, so one new
wijkgroep never stalls the relay for a rebuild of the whole country.
Admitting or removing residents leaves the structure version, and so the
tables, alone: membership of wijkgroepen is never cached here, it is asked
of the hierarchy, which answers in constant time.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from routing.domain.checks import check_text, duration, field
from routing.domain.values import Actor, ActorKind, GroupKind, MemberId
from routing.errors import InvalidValueError, PermissionRefused
from routing.model import Hierarchy

from .outputs import Step

__all__ = ["ACTOR_POSTS", "Entry", "Point", "Post", "RelayConfig", "Tables", "require_post"]

Point = tuple[Step, str, tuple[str, ...], str | None]
"""A decision point: (step, deciding group, targets, wijk of the targets)."""


class Post(enum.Enum):
    """What someone outside the chat groups can send into the group system (G5)."""

    POLICE_NOTICE = ("a police notice", "P1")  # PoliceNotice, BurgernetAlert
    BEHEERDERSGROEP = ("a message in the beheerdersgroep", "G5")  # PartnerMessage

    def __init__(self, label: str, rule: str) -> None:
        self.label = label
        self.rule = rule


#: Who outside the groups may post what: the one table of it (P1, G5). The
#: police and the wijkagent send notices (P1; 000: the wijkagent is not in
#: the groups and informs the admins, by Burgernet among others); partners
#: such as the municipality or a youth worker post in the beheerdersgroep
#: and nowhere else (G5).
ACTOR_POSTS: Final[Mapping[ActorKind, frozenset[Post]]] = {
    ActorKind.POLITIE: frozenset({Post.POLICE_NOTICE}),
    ActorKind.WIJKAGENT: frozenset({Post.POLICE_NOTICE}),
    ActorKind.PARTNER: frozenset({Post.BEHEERDERSGROEP}),
    # Acts on members' requests (erasure, signing out), and posts nothing.
    ActorKind.PRIVACYCONTACT: frozenset(),
}


def require_post(actor: Actor, post: Post, command: object = None) -> None:
    """:class:`~routing.errors.PermissionRefused` naming the rule unless
    :data:`ACTOR_POSTS` lets ``actor`` send ``post``."""
    if post not in ACTOR_POSTS[actor.kind]:
        allowed = " or ".join(
            sorted(kind.value for kind, posts in ACTOR_POSTS.items() if post in posts)
        )
        raise PermissionRefused(
            f"{actor.name or actor.id} is a {actor.kind.value}: "
            f"only a {allowed} sends {post.label}",
            command=command,
            rule=post.rule,
        )


class Entry:
    """What routing needs about one group. Private to the relay; never handed out."""

    __slots__ = (
        "bot",
        "duty",
        "gemeente",
        "gemeentelijke",
        "id",
        "kind",
        "managed",
        "members",
        "on_duty",
        "points",
        "regiegroep",
        "siblings",
        "stuurgroep",
        "stuurgroepen",
        "wijk",
    )

    def __init__(self, gid: str, kind: GroupKind) -> None:
        self.id = gid
        self.kind = kind
        self.wijk: str | None = None
        self.gemeente = ""
        self.bot = False
        self.stuurgroep: str | None = None  # wijkgroep: its manager; stuurgroep: itself
        self.siblings: tuple[str, ...] = ()  # wijkgroep
        self.managed: tuple[str, ...] = ()  # stuurgroep
        self.regiegroep: str | None = None  # the wijk's regiegroep
        self.gemeentelijke: str | None = None  # the gemeente's gemeentelijke regiegroep
        self.stuurgroepen: tuple[str, ...] = ()  # regiegroep: the wijk's stuurgroepen
        # stuurgroep: its members; regiegroep: every stuurgroep member of the wijk;
        # gemeentelijke regiegroep: its delegates. (A wijkgroep's residents are
        # asked of the hierarchy.)
        self.members: frozenset[MemberId] = frozenset()
        # The duty rule, the one place it is written (see Tables.duty): who may
        # forward and decide where this group is the deciding group. A stuurgroep:
        # its members (S2, S3, S5, P2). A regiegroep: its members who also sit
        # in the gemeentelijke regiegroep, the only ones who can carry a message
        # between the two (R5, R6 one level up). Other groups decide nothing.
        self.duty: frozenset[MemberId] = frozenset()
        # Of ``duty``, the one who forwards when a policy or a deadline decides
        # (None: nobody holds the duty).
        self.on_duty: MemberId | None = None
        self.points: tuple[Point, ...] = ()


class Tables:
    """Lazily built :class:`Entry` per group, kept in step with the hierarchy."""

    def __init__(
        self,
        hierarchy: Hierarchy,
        *,
        on_duty: Mapping[str, int],
        bot_groups: frozenset[str],
        bot_platforms: frozenset[str],
    ) -> None:
        self._h = hierarchy
        self._on_duty = dict(on_duty)
        self._bot_groups = bot_groups
        self._bot_platforms = bot_platforms
        self._entries: dict[str, Entry] = {}
        self.version = hierarchy.structure_version
        self.rebuilds = 0  # how often the structure changed under us; for tests

    def sync(self) -> None:
        """Drop every entry if the hierarchy's structure changed since they were built."""
        if self._h.structure_version != self.version:
            self._entries = {}
            self.version = self._h.structure_version
            self.rebuilds += 1

    def prepare(self) -> None:
        """Build the entry of every group now rather than on first use."""
        self.sync()
        for gid in self._h.groups():
            self.entry(gid)

    def entry(self, gid: str) -> Entry:
        """The entry of ``gid``; :class:`~routing.errors.UnknownGroupError` if none."""
        entry = self._entries.get(gid)
        if entry is None:
            entry = self._entries[gid] = self._build(gid)
        return entry

    # ------------------------------------------------------------ duties

    def step_between(self, source: str, target: str) -> tuple[Step, str] | None:
        """The step from ``source`` to ``target`` and its deciding group, if the path has one.

        S2 siblings, S3 up to the regiegroep, S5 down from it, R5/R6 one level
        up through the gemeentelijke regiegroep, P2 a stuurgroep into its own
        wijkgroepen.
        """
        src = self.entry(source)
        dst = self.entry(target)
        w, s, r, g = (
            GroupKind.WIJKGROEP,
            GroupKind.STUURGROEP,
            GroupKind.REGIEGROEP,
            GroupKind.GEMEENTELIJKE_REGIEGROEP,
        )
        if src.kind is w and dst.kind is w and target in src.siblings:
            return Step.SIBLINGS, src.stuurgroep or ""
        if src.kind is w and dst.kind is r and src.regiegroep == target:
            return Step.TO_REGIEGROEP, src.stuurgroep or ""
        if src.kind is r and dst.kind is w and dst.regiegroep == source:
            return Step.FROM_REGIEGROEP, dst.stuurgroep or ""
        if src.kind is r and dst.kind is g and src.gemeentelijke == target:
            return Step.TO_GEMEENTE, source
        if src.kind is g and dst.kind is r and dst.gemeentelijke == source:
            return Step.FROM_GEMEENTE, target
        if src.kind is s and dst.kind is w and dst.stuurgroep == source:
            return Step.POLICE_DOWN, source
        return None

    def duty(self, decider: str) -> frozenset[MemberId]:
        """Who may forward (and decide) for ``decider``: :attr:`Entry.duty`.

        A stuurgroep: its members, the admins of its wijkgroepen (S2, S3, S5,
        P2). A regiegroep deciding about the gemeentelijke regiegroep: its
        members who sit in both (R5, R6). Any other group: nobody.
        """
        return self.entry(decider).duty

    def on_duty(self, decider: str) -> MemberId | None:
        """The member of :meth:`duty` who forwards when a policy or deadline decides."""
        return self.entry(decider).on_duty

    def screens(self, member: int) -> str:
        """The stuurgroep that screens ``member``'s messages (S1).

        The one that manages their own wijkgroep: S1 gives each stuurgroep
        the messages of the residents in its wijkgroepen, and every member
        lives in one (a stuurgroep member's reaction in the regiegroep is
        screened by their own stuurgroep). Its members on duty are
        :meth:`duty` of it. :class:`~routing.errors.UnknownMemberError` for
        a member the hierarchy does not have.
        """
        return self.entry(self._h.wijkgroep_of(member)).stuurgroep or ""

    def area(self, wijken: Iterable[str]) -> tuple[str, ...]:
        """The groups a police alert for ``wijken`` goes to (P1): the
        regiegroep of each wijk that has one, then every stuurgroep of them.

        :class:`~routing.errors.UnknownGroupError` for a wijk the hierarchy
        does not have.
        """
        h = self._h
        regie: list[str] = []
        sturing: list[str] = []
        for wijk in dict.fromkeys(wijken):
            rg = h.regiegroep_of(wijk)
            if rg is not None:
                regie.append(rg)
            sturing += h.stuurgroepen_of(wijk)
        return (*regie, *sturing)

    def beheerders(self, gemeente: str) -> tuple[tuple[tuple[str, MemberId], ...], tuple[str, ...]]:
        """Who sits in the beheerdersgroep of ``gemeente`` (G5; 000).

        One admin per stuurgroep (its member on duty, :meth:`on_duty`; the
        stuurgroep's members are the admins of all its wijkgroepen) as
        ``(stuurgroep, member)``, and the ids of the partners serving a wijk
        of the gemeente (:data:`ACTOR_POSTS` says who posts what). The
        police and the wijkagent are not in it: they inform the admins from
        outside (000). :class:`~routing.errors.UnknownGroupError` for an
        unknown gemeente.
        """
        h = self._h
        wijken = h.wijken_of(gemeente)
        admins: list[tuple[str, MemberId]] = []
        for wijk in wijken:
            for sg in h.stuurgroepen_of(wijk):
                member = self.on_duty(sg)
                if member is not None:
                    admins.append((sg, member))
        partners = tuple(
            a.id
            for a in h.actors(ActorKind.PARTNER)
            if not a.wijken or any(w in a.wijken for w in wijken)
        )
        return tuple(admins), partners

    def is_member(self, member: int, gid: str) -> bool:
        """Whether ``member`` is in chat group ``gid`` (residents and admins)."""
        entry = self.entry(gid)
        if entry.kind is GroupKind.WIJKGROEP:
            if member in self.entry(entry.stuurgroep or "").members:
                return True
            return self._h.lives_in(member, gid)
        return member in entry.members

    # ------------------------------------------------------------ building

    def _build(self, gid: str) -> Entry:
        h = self._h
        kind = h.kind(gid)  # raises UnknownGroupError for the app
        entry = Entry(gid, kind)
        entry.wijk = h.wijk_of(gid)
        entry.gemeente = h.gemeente_of(gid)
        entry.bot = gid in self._bot_groups or h.group(gid).platform.name in self._bot_platforms
        entry.gemeentelijke = h.gemeentelijke_regiegroep_of(entry.gemeente)
        if entry.wijk is not None:
            entry.regiegroep = h.regiegroep_of(entry.wijk)
        if kind is GroupKind.WIJKGROEP:
            entry.stuurgroep = h.stuurgroep_of(gid)
            entry.siblings = h.sibling_wijkgroepen(gid)
            points: list[Point] = []
            if entry.siblings:
                points.append((Step.SIBLINGS, entry.stuurgroep, entry.siblings, entry.wijk))
            if entry.regiegroep is not None:
                points.append(
                    (Step.TO_REGIEGROEP, entry.stuurgroep, (entry.regiegroep,), entry.wijk)
                )
            entry.points = tuple(points)
        elif kind is GroupKind.STUURGROEP:
            entry.stuurgroep = gid
            entry.managed = h.managed_wijkgroepen(gid)
            entry.members = entry.duty = h.admins(gid)
            chosen = self._on_duty.get(gid)
            # A configured member who left the stuurgroep falls back to the
            # telefoonbeheerder, who always exists (T1).
            entry.on_duty = MemberId(chosen) if chosen in entry.duty else h.telefoonbeheerder(gid)
        elif kind is GroupKind.REGIEGROEP:
            wijk = entry.wijk or ""
            entry.stuurgroepen = h.stuurgroepen_of(wijk)
            entry.members = h.admins(gid)
            if entry.gemeentelijke is not None:
                entry.duty = entry.members & h.admins(entry.gemeentelijke)
            points = [
                (Step.FROM_REGIEGROEP, sg, h.managed_wijkgroepen(sg), wijk)
                for sg in entry.stuurgroepen
            ]
            if entry.duty and entry.gemeentelijke is not None:
                points.append((Step.TO_GEMEENTE, gid, (entry.gemeentelijke,), None))
                entry.on_duty = min(entry.duty)
            entry.points = tuple(points)
        else:
            entry.members = h.admins(gid)
            points = []
            for wijk in h.wijken_of(entry.gemeente):
                rg = h.regiegroep_of(wijk)
                # A regiegroep without a delegate cannot be reached from here:
                # nobody sits in both groups to carry the message (R6).
                if rg is not None and self.entry(rg).duty:
                    points.append((Step.FROM_GEMEENTE, rg, (rg,), wijk))
            entry.points = tuple(points)
        return entry


#: A timeout: a positive number of seconds within the bound on every time.
_duration = field(duration)


def _names(values: Iterable[str]) -> frozenset[str]:
    # A named converter: attrs' mypy plugin cannot type a bare frozenset().
    return frozenset(values)


def _on_duty(value: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(dict(value).items()))


_PC4 = re.compile(r"[1-9][0-9]{3}")


def pc4(value: object) -> str:
    """The four digits of a Dutch postcode (``"5038 AB"`` -> ``"5038"``), checked."""
    text = check_text(value, "a postcode").strip().upper()
    digits = text[:4]
    rest = text[4:].strip()
    if not _PC4.fullmatch(digits) or not re.fullmatch(r"(?:[A-Z]{2})?", rest):
        raise InvalidValueError(value, "a postcode is four digits (not 0 first), or six characters")
    return digits


def _postcodes(
    value: Mapping[str, str] | Iterable[tuple[str, str]],
) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted({pc4(pc): check_text(wijk, "a wijk") for pc, wijk in items}.items()))


@attrs.frozen(kw_only=True)
class RelayConfig:
    """The settings of one relay; the defaults suit an evening of buurtpreventie."""

    #: Seconds a pending decision waits for a member before the default applies.
    decision_timeout: float = attrs.field(default=600.0, validator=_duration)
    #: What an unanswered decision becomes: forward (True) or skip (False).
    decision_default: bool = False
    #: Seconds without an afloop after which the casushouders are reminded (R8);
    #: the reminder repeats at this interval until the afloop.
    reminder_after: float = attrs.field(default=3600.0, validator=_duration)
    #: A report of the same category in the same wijkgroep within this many
    #: seconds of an open incident joins it (H4).
    duplicate_window: float = attrs.field(default=1800.0, validator=_duration)
    #: Groups where a bot may post, so deliveries there need no person.
    bot_groups: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    #: Platforms (by :attr:`Platform.name`) where a bot may post in every group.
    bot_platforms: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    #: The member of each stuurgroep who forwards when a policy or deadline
    #: decides; the telefoonbeheerder where none is named or the named one left.
    on_duty: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_on_duty)
    #: Which wijk each postcode area (its four digits) belongs to, so that a
    #: Burgernet alert addressed by postcode reaches the right wijken (P1).
    postcodes: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_postcodes)
    #: Language of the texts to paste ("nl" or "en").
    lang: str = attrs.field(default="nl", validator=attrs.validators.in_(("nl", "en")))

    def wijken_of(self, postcodes: Iterable[str]) -> tuple[str, ...]:
        """The wijken :attr:`postcodes` puts ``postcodes`` in, in order, each once;
        postcodes outside every wijk are left out (an alert's area may reach
        beyond the groups)."""
        table = dict(self.postcodes)
        found = (table.get(pc4(pc)) for pc in postcodes)
        return tuple(dict.fromkeys(w for w in found if w is not None))
