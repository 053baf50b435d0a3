"""Privacy for the relay's records: erasure (AVG art. 17) and retention (art. 5).

Theory of operation
-------------------

A member's free text lives in many places at once: a reaction is a record
and the text of its delivery; a decision's reason sits in the decision and,
through the hops of every route it allowed, in deliveries, pending questions
and the answers already given. Frozen values cannot be edited in place, and
rewriting each of those places by hand would be one bug per place. So both
operations work on the plain data of :func:`~routing.engine.state.export_state`,
where every shared record is written once and referred to by id, change it
there, and build the relay's ledger again with
:func:`~routing.engine.state.load_state`. Only when that succeeded does the
relay take the new ledger over: atomic, and deterministic because the
export is.

What counts as text a member *wrote* is recorded when it is written (see
:class:`~routing.engine.incident.IncidentState`): the reaction texts, the afloop,
the reason of a forward, a decision or a screening when the member typed
one, a reaction screening held and what a stuurgroep member sent its
sender, and the melding they reported: its free text, action and looprichting,
and the signalementen, vehicles, place and photos they described, which
:meth:`~routing.domain.melding.Melding.redacted` reduces to counts, as the journal
does with the same method. Texts the
relay made up itself (default reasons, a policy's reason) are nobody's.
Member ids in routes stay: the name behind an id is the hierarchy's to
erase (:meth:`~routing.model.Hierarchy.erase`).
"""

from __future__ import annotations

from typing import Any

from routing.domain.melding import REDACTED, REDACTED_FIELDS
from routing.domain.plain import melding_from_plain, melding_to_plain
from routing.domain.texts import render_afloop, render_melding
from routing.model import Hierarchy

from .incident import forwarded_text, police_text, reaction_text
from .router import Router
from .state import export_state, load_state

__all__ = ["ERASED", "EXPIRED", "apply_retention", "erase_actor", "erase_member"]

#: What replaces a text its author had erased (AVG art. 17).
ERASED = REDACTED
#: What replaces a description whose retention period passed (AVG art. 5).
EXPIRED = "[bewaartermijn verstreken]"


def _melding_texts(router: Router, inc: dict[str, Any], melding: dict[str, Any]) -> dict[str, str]:
    """Render the incident's melding again; old delivery text -> new one."""
    m = melding_from_plain(melding)
    text = render_melding(m, lang=router.config.lang)
    if inc["police"]:
        text = police_text(inc["sender"], text)
    fwd = inc["fwd_text"]
    if fwd and not inc["police"]:
        fwd = forwarded_text(inc["origin"], text)
    elif fwd:
        fwd = text
    changes = {inc["text"]: text, inc["fwd_text"]: fwd}
    changes.pop("", None)
    inc["melding"], inc["text"], inc["fwd_text"] = melding, text, fwd
    return changes


def _erase_in(router: Router, inc: dict[str, Any], member: int) -> int:
    count = 0
    deliveries = {d["id"]: d for d in inc["deliveries"]}
    reporter = inc["reports"][0][0] if inc["reports"] else None
    if not inc["police"] and reporter == member and not inc["stripped"]:
        old = melding_from_plain(inc["melding"])
        new = old.redacted(ERASED)
        erased = sum(getattr(old, f) != getattr(new, f) for f in REDACTED_FIELDS)
        if erased:
            count += erased
            changes = _melding_texts(router, inc, melding_to_plain(new))
            for d in inc["deliveries"]:
                if d["kind"] == "MELDING":
                    d["text"] = changes.get(d["text"], d["text"])
    for reaction in inc["reactions"]:
        did, author, text = reaction
        if author == member and text not in (ERASED, EXPIRED):
            reaction[2] = ERASED
            if deliveries[did]["text"] != EXPIRED:
                deliveries[did]["text"] = reaction_text(inc["id"], ERASED)
            count += 1
    afloop = inc["afloop"]
    if afloop is not None and afloop[0] == member and afloop[1] not in (ERASED, EXPIRED):
        afloop[1] = ERASED
        count += 1
        text = render_afloop(
            ERASED,
            lang=router.config.lang,
            melding=melding_from_plain(inc["melding"]),
            by=router.name(member),
        )
        for d in inc["deliveries"]:
            if d["kind"] == "AFLOOP" and d["text"] != EXPIRED:
                d["text"] = text
    authored = {did for did, author in inc["authored"] if author == member}
    for decision in inc["decisions"]:
        if decision["id"] in authored and decision["reason"] not in (ERASED, EXPIRED):
            decision["reason"] = ERASED
            count += 1
    screening = inc["screening"]
    if (
        screening is not None
        and screening["by"] == member
        and screening["reason"] not in ("", ERASED, EXPIRED)
    ):
        screening["reason"] = ERASED
        count += 1
    return count + _erase_screened(inc, member)


def _erase_screened(inc: dict[str, Any], member: int) -> int:
    """A held reaction the member wrote, the reason they gave deciding one,
    and what they sent the sender of a held message (S1)."""
    count = 0
    reporter = inc["reports"][0][0] if inc["reports"] else None
    if reporter == member and inc["hold"] is not None:
        count += _blank_hold(inc["hold"], ERASED)
    for held in inc["held_reactions"]:
        if held["member"] == member and held["text"] not in (ERASED, EXPIRED):
            held["text"] = ERASED
            count += 1
            _blank_hold(held["hold"], ERASED)
        if held["by"] == member and held["reason"] not in ("", ERASED, EXPIRED):
            held["reason"] = ERASED
            count += 1
    for addressed in inc["addressed"]:
        if addressed["by"] == member and addressed["text"] not in (ERASED, EXPIRED):
            addressed["text"] = ERASED
            count += 1
    return count


def _blank_hold(hold: dict[str, Any], mark: str) -> int:
    """A hold's reasons quote what the sender wrote (the words H5 found):
    keep the rules, replace the reasons. Returns 1 if anything changed."""
    if hold["reason"] in (ERASED, EXPIRED):
        return 0
    hold["reason"] = mark
    hold["findings"] = [[rule, mark] for rule, _ in hold["findings"]]
    return 1


def erase_member(router: Router, member: int) -> int:
    """See :meth:`routing.relay.Relay.erase_member`."""
    state = export_state(router)
    count = sum(_erase_in(router, inc, member) for inc in state["incidents"])
    if count:
        _, router.ledger = load_state(router.hierarchy, state, config=router.config)
    return count


def erase_actor(router: Router, actor: str) -> int:
    """See :meth:`routing.relay.Relay.erase_actor`."""
    state = export_state(router)
    pseudonym = Hierarchy.actor_pseudonym(actor)
    count = 0
    for inc in state["incidents"]:
        if inc["sender_actor"] != actor or inc["stripped"] or inc["sender"] == pseudonym:
            continue
        inc["sender"] = pseudonym
        changes = _melding_texts(router, inc, inc["melding"])
        for d in inc["deliveries"]:
            if d["kind"] == "MELDING":
                d["text"] = changes.get(d["text"], d["text"])
        count += 1
    if count:
        _, router.ledger = load_state(router.hierarchy, state, config=router.config)
    return count


def _strip(inc: dict[str, Any]) -> None:
    # What stays of the melding is what stays when its reporter is erased
    # (Melding.redacted): the statistics, including how many persons,
    # vehicles and photos there were; every description and free text goes.
    inc["melding"] = melding_to_plain(melding_from_plain(inc["melding"]).redacted())
    if inc["sender"] is not None:
        inc["sender"] = EXPIRED  # a police officer's name
    for key in ("text", "fwd_text"):
        if inc[key]:
            inc[key] = EXPIRED
    for d in inc["deliveries"]:
        d["text"] = EXPIRED
        if d["reason"]:
            d["reason"] = EXPIRED
    for reaction in inc["reactions"]:
        reaction[2] = EXPIRED
    if inc["afloop"] is not None:
        inc["afloop"][1] = EXPIRED
    authored = {did for did, _ in inc["authored"]}
    for decision in inc["decisions"]:
        if decision["id"] in authored:
            decision["reason"] = EXPIRED
    if inc["screening"] is not None and inc["screening"]["reason"]:
        inc["screening"]["reason"] = EXPIRED
    if inc["hold"] is not None:
        _blank_hold(inc["hold"], EXPIRED)
    for held in inc["held_reactions"]:
        held["text"] = EXPIRED
        _blank_hold(held["hold"], EXPIRED)
        if held["reason"]:
            held["reason"] = EXPIRED
    for addressed in inc["addressed"]:
        addressed["text"] = EXPIRED
    inc["stripped"] = True


def apply_retention(router: Router, now: float, older_than: float) -> tuple[str, ...]:
    """See :meth:`routing.relay.Relay.apply_retention`."""
    cutoff = now - older_than
    state = export_state(router)
    stripped: list[str] = []
    for inc in state["incidents"]:
        closed = inc["closed_at"]
        if (
            not inc["stripped"]
            and inc["phase"] in ("CLOSED", "REJECTED")
            and closed is not None
            and closed <= cutoff
        ):
            _strip(inc)
            stripped.append(inc["id"])
    if stripped:
        _, router.ledger = load_state(router.hierarchy, state, config=router.config)
    return tuple(stripped)
