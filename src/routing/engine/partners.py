"""The beheerdersgroep: partners and the admins of the groups (G5; 000).

Theory of operation
-------------------

Where a gemeente has many groups, one admin of each sits in a separate
*beheerdersgroep*, where partners (the municipality, a youth worker, a
housing corporation) post messages of interest to all groups (000). The
wijkagent is not in it and informs the admins from outside, by phone or
through Burgernet: that is a police notice (:class:`~routing.engine.commands.PoliceNotice`,
:class:`~routing.engine.commands.BurgernetAlert`), which only the police and
the wijkagent send (:data:`~routing.engine.tables.ACTOR_POSTS`).

The relay models it as what follows from the hierarchy rather than as one
more group to keep: its members are one admin per stuurgroep (the member on
duty; a stuurgroep's members administer all its wijkgroepen) and the
partners serving a wijk of the gemeente (:meth:`Tables.beheerders
<routing.engine.tables.Tables.beheerders>`). A partner's message is not a
report of a situation and opens no incident: :meth:`Partners.message` checks
who may post it and hands back a :class:`~routing.engine.outputs.PartnerPosted`
naming where it goes; each admin then judges whether their own groups need
it. It changes no state, so a replayed journal gives the same output.
"""

from __future__ import annotations

from routing.errors import PermissionRefused

from .commands import PartnerMessage
from .outputs import Output, PartnerPosted
from .router import Router
from .tables import Post, require_post

__all__ = ["Partners"]


class Partners:
    """The handler of :class:`~routing.engine.commands.PartnerMessage`."""

    __slots__ = ("router",)

    def __init__(self, router: Router) -> None:
        self.router = router

    def message(self, cmd: PartnerMessage) -> tuple[Output, ...]:
        actor = self.router.hierarchy.actor(cmd.actor)  # UnknownIdError
        require_post(actor, Post.BEHEERDERSGROEP, cmd)
        admins, partners = self.router.tables.beheerders(cmd.gemeente)  # UnknownGroupError
        if actor.id not in partners:
            raise PermissionRefused(
                f"{actor.name or actor.id} serves no wijk of {cmd.gemeente}, so is not in "
                "its beheerdersgroep",
                command=cmd,
                rule="G5",
            )
        return (
            PartnerPosted(
                gemeente=cmd.gemeente,
                actor=actor.id,
                sender=actor.name,
                text=cmd.text,
                admins=admins,
                partners=partners,
                at=cmd.at,
            ),
        )
