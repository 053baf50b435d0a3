"""Who comes in, who goes, and who may have a member forgotten (T1, T2, H1, H2, H10).

:class:`Membership` holds the operations on members: admission (T1, with
the house rules H1, H2 and H10 and the growth signals of G2 and G3),
royement with its reason and an optional block (T2), leaving, moving, and
erasure (AVG art. 17) with the rule of who may ask for it.
:class:`~routing.model.Hierarchy` adds the operations on groups.

Who may erase or sign out a member (``by``): the member themself, the
telefoonbeheerder of the stuurgroep that manages their wijkgroep (T1, T2:
the one who added them), or a *privacy contact*: an actor of kind
:attr:`~routing.domain.values.ActorKind.PRIVACYCONTACT`, registered with
:meth:`~routing.model.Hierarchy.add_actor` like the wijkagent. An actor's
data may be erased by the actor, a privacy contact, or the telefoonbeheerder
of a stuurgroep in one of the actor's wijken (they keep the contact, S4).
Anyone else is refused with :class:`~routing.errors.PermissionRefused`.
``by`` is a member id (an ``int``) or an actor id (a ``str``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import attrs

from routing.domain.blocks import Block, block_key
from routing.domain.checks import check_text
from routing.domain.growth import Admitted
from routing.domain.values import ActorKind, Applicant, GroupKind, MemberId
from routing.errors import (
    AdmissionRefused,
    InvalidValueError,
    InvariantRefused,
    PermissionRefused,
)

from .checks import check_admission, check_fits, check_spelregels
from .planning import Planner
from .records import GroupRecord

__all__ = ["Asker", "Membership"]

Asker = int | str
"""Who asks for an erasure or a departure: a member id, or an actor id."""


class Membership(Planner):
    """The read side and the operations on members; use :class:`~routing.model.Hierarchy`."""

    # -------------------------------------------------------- membership (T1-T2)

    def admit(self, by: int, wijkgroep: str, applicant: Applicant) -> Admitted:
        """Add a resident to a wijkgroep (T1, H1, H2, H10, G3).

        An applicant whose age is unknown is held (:class:`~routing.errors.AdmissionHeld`,
        H1); a phone number blocked at a royement is refused (T2). Returns the
        new member's id and the growth signals the admission raised: the
        wijkgroep reached its warning level or limit (G3), or a phase-1
        wijkgroep passed :attr:`Settings.split_threshold
        <routing.domain.settings.Settings.split_threshold>` (G2).
        """
        wg = self._rec(wijkgroep, GroupKind.WIJKGROEP)
        self._require_telefoonbeheerder(by, self.stuurgroep_of(wijkgroep), "T1", "add members")
        check_admission(self.settings, applicant)
        check_spelregels(self.settings, applicant)
        self._check_not_blocked(applicant)
        before = self.capacity(wijkgroep)
        check_fits(wijkgroep, before.size + 1, wg.platform)
        mid = self._add_member(wg, applicant)
        return Admitted(member=mid, signals=self._growth_signals(wg, before))

    def load_members(
        self, wijkgroep: str, names: Iterable[str], *, buurt: str | None = None
    ) -> range:
        """Register residents who were admitted elsewhere (a member register, a file).

        The bulk path for large hierarchies and restores: the member limit (G3)
        is checked for the whole batch; the admission rules (H1, H2, H10) are
        the register's responsibility. Returns the new members' ids.
        """
        wg = self._rec(wijkgroep, GroupKind.WIJKGROEP)
        if isinstance(names, str):
            raise InvalidValueError(names, "expected several names, not one string")
        batch = names if isinstance(names, Collection) else list(names)
        if any(not n for n in batch):
            raise AdmissionRefused("every member needs a non-empty name", rule="H10")
        check_fits(wijkgroep, self.size(wijkgroep) + len(batch), wg.platform)
        start = len(self._names)
        self._names.extend(batch)
        n = len(self._names) - start
        self._home.extend([wg] * n)
        self._buurt.extend([buurt] * n)
        wg.residents.extend(range(start, start + n))
        self._live += n
        if n:
            self._version += 1
        return range(start, start + n)

    def remove(self, by: int, member: int, *, reason: str, block: bool = False) -> None:
        """Royeren: remove a member (T2), saying why.

        ``reason`` is for the stuurgroep's record (the journal keeps it as the
        removed member's personal data; the hierarchy does not). With
        ``block``, the member's phone number may not be admitted again
        (:mod:`routing.domain.blocks`); a member without one cannot be
        blocked. A stuurgroep member must leave the stuurgroep first
        (:meth:`~routing.model.Hierarchy.change_stuurgroep`).
        """
        if not check_text(reason, "reason").strip():
            raise InvalidValueError(reason, "a royement needs a reason")
        home = self._home_of(member)
        sg = self.stuurgroep_of(home.id)
        self._require_telefoonbeheerder(by, sg, "T2", "remove members")
        key = None
        if block:
            phone = self._phones.get(member)
            if phone is None:
                raise InvariantRefused(
                    f"member {member} has no phone number to block; remove without a block",
                    rule="T2",
                )
            key = block_key(phone)
        self._drop(member)
        if key is not None:
            self._blocks[key] = Block(key=key, stuurgroep=sg)

    def unblock(self, by: int, key: str) -> None:
        """Lift a block (T2): the telefoonbeheerder of the stuurgroep that set it.

        ``key`` is the block's :func:`~routing.domain.blocks.block_key`, from
        :meth:`blocks` or of the phone number the person gives again.
        """
        block = self._blocks.get(key)
        if block is None:
            raise InvariantRefused("this phone number is not blocked", rule="T2")
        self._require_telefoonbeheerder(by, block.stuurgroep, "T2", "lift this block")
        del self._blocks[key]
        self._version += 1

    def leave(self, member: int, *, by: Asker) -> None:
        """A resident leaves of their own accord: asked by them, by their
        telefoonbeheerder on their behalf, or by a privacy contact."""
        self._home_of(member)
        self.require_erase_right(by, member, "sign out", rule="T2")
        self._drop(member)

    def move(self, by: int, member: int, wijkgroep: str) -> None:
        """Move a member to another wijkgroep (for example after moving house).

        The telefoonbeheerder of the receiving wijkgroep adds them (T1). A
        stuurgroep member can only move within the wijkgroepen their stuurgroep
        manages, since they must live in one of them.
        """
        home = self._home_of(member)
        dest = self._rec(wijkgroep, GroupKind.WIJKGROEP)
        dest_sg = self.stuurgroep_of(wijkgroep)
        self._require_telefoonbeheerder(by, dest_sg, "T1", "add members")
        if dest is home:
            raise InvariantRefused(f"member {member} already lives in {wijkgroep!r}")
        sg = self._stuurgroep_of.get(member)
        if sg is not None and sg.id != dest_sg:
            raise InvariantRefused(
                f"stuurgroep member {member} must live in a wijkgroep of {sg.id!r}", rule="S1"
            )
        # A stuurgroep member is already in every managed wijkgroep as an admin,
        # so moving them there does not grow it.
        growth = 0 if sg is not None else 1
        check_fits(wijkgroep, self.size(wijkgroep) + growth, dest.platform)
        home.residents.remove(member)
        dest.residents.append(member)
        self._home[member] = dest
        self._version += 1

    # ------------------------------------------------------------ privacy (AVG)

    def require_erase_right(
        self, by: Asker, member: int, action: str = "erase", *, rule: str = "AVG17"
    ) -> None:
        """Refuse (:class:`~routing.errors.PermissionRefused`) unless ``by`` may
        erase or sign out ``member``: the member, their telefoonbeheerder, or a
        privacy contact. For a member who already left, only they themself and a
        privacy contact may (their wijkgroep is no longer known).

        An unknown ``by`` raises :class:`~routing.errors.UnknownIdError`; nothing changes.
        """
        if self._is_privacy_contact(by) or by == member:
            return
        if not isinstance(by, int):
            raise PermissionRefused(
                f"actor {by!r} is no privacy contact and may not {action} member {member}",
                rule=rule,
            )
        self._home_of(by)
        if member in self:
            sg = self.stuurgroep_of(self._home_of(member).id)
            if self._recs[sg].telefoonbeheerder == by:
                return
        raise PermissionRefused(
            f"only member {member}, the telefoonbeheerder of their wijkgroep or a privacy "
            f"contact may {action} them",
            rule=rule,
        )

    def require_actor_erase_right(self, by: Asker, actor_id: str) -> None:
        """Refuse unless ``by`` may erase actor ``actor_id``: the actor, a privacy
        contact, or the telefoonbeheerder of a stuurgroep in one of the actor's
        wijken (S4)."""
        actor = self.actor(actor_id)
        if by == actor.id or self._is_privacy_contact(by):
            return
        if isinstance(by, int):
            self._home_of(by)
            sg = self._stuurgroep_of.get(by)
            if sg is not None and sg.telefoonbeheerder == by and sg.wijk in actor.wijken:
                return
        raise PermissionRefused(
            f"only actor {actor_id!r}, a privacy contact or the telefoonbeheerder of a "
            "stuurgroep in their wijken may erase them",
            rule="AVG17",
        )

    @staticmethod
    def pseudonym(mid: int) -> str:
        """The name an erased member is shown by: stable, and no personal data."""
        return f"lid {mid}"

    def erase(self, member: int, *, by: Asker) -> str:
        """Erase a member's personal data (AVG art. 17) and keep them as a pseudonym.

        ``by`` must have the right (:meth:`require_erase_right`). The display
        name becomes :meth:`pseudonym`, and the phone number and the record of
        accepted spelregels are dropped; the id, home wijkgroep, buurt and
        roles stay, so routes and counts remain consistent. A block set on the
        member's number stays (see ``docs/privacy.md``). Members who left are
        already erased here: their data went when they left. Returns the
        pseudonym.
        """
        self._home_of(member)
        self.require_erase_right(by, member)
        pseudonym = self._names[member] = self.pseudonym(member)
        self._phones.pop(member, None)
        self._rules.pop(member, None)
        self._version += 1
        return pseudonym

    @staticmethod
    def actor_pseudonym(actor_id: str) -> str:
        """The name an erased actor is shown by: their id, which the app chose as a key."""
        return f"actor {actor_id}"

    def erase_actor(self, actor_id: str, *, by: Asker) -> str:
        """Erase an actor's name and organisation (AVG art. 17); returns the pseudonym.

        ``by`` must have the right (:meth:`require_actor_erase_right`). The
        name becomes :meth:`actor_pseudonym` and the organisation empty; the
        id, kind and wijken stay, so the wijkagent of a wijk is still found
        (S4) and anything that refers to the id still resolves.
        :class:`~routing.errors.UnknownIdError` for an id that was never added.
        """
        actor = self.actor(actor_id)
        self.require_actor_erase_right(by, actor_id)
        pseudonym = self.actor_pseudonym(actor.id)
        self._actors[actor.id] = attrs.evolve(actor, name=pseudonym, organisation="")
        self._version += 1
        return pseudonym

    # ---------------------------------------------------------------- internals

    def _is_privacy_contact(self, by: Asker) -> bool:
        if not isinstance(by, str):
            return False
        return self.actor(by).kind is ActorKind.PRIVACYCONTACT

    def _check_not_blocked(self, applicant: Applicant) -> None:
        block = None if applicant.phone is None else self._blocks.get(block_key(applicant.phone))
        if block is not None:
            stuurgroep = block.stuurgroep
            raise AdmissionRefused(
                f"the phone number of {applicant.name} was blocked at a royement by "
                f"{stuurgroep!r}; its telefoonbeheerder may lift the block",
                rule="T2",
            )

    def _add_member(self, wg: GroupRecord, applicant: Applicant) -> MemberId:
        mid = len(self._names)
        self._names.append(applicant.name)
        self._home.append(wg)
        self._buurt.append(applicant.buurt)
        if applicant.phone:
            self._phones[mid] = applicant.phone
        if applicant.rules is not None:
            self._rules[mid] = applicant.rules
        wg.residents.append(mid)
        self._live += 1
        self._version += 1
        return MemberId(mid)

    def _drop(self, mid: int) -> None:
        if mid in self._stuurgroep_of:
            raise InvariantRefused(
                f"member {mid} sits in stuurgroep {self._stuurgroep_of[mid].id!r}; "
                "change the stuurgroep first",
                rule="G4",
            )
        home = self._home_of(mid)
        home.residents.remove(mid)
        self._home[mid] = None
        self._names[mid] = None
        self._buurt[mid] = None
        self._phones.pop(mid, None)
        self._rules.pop(mid, None)
        self._live -= 1
        self._version += 1
