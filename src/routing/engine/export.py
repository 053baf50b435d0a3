"""Writing the relay's state as plain data: :func:`export_state`.

The layout, and why it is shaped so, is described in :mod:`routing.engine.state`,
which reads it back.
"""

from __future__ import annotations

from typing import Any

from routing.domain.plain import melding_to_plain

from .incident import DeliveryStatus, HoldRec, IncidentState
from .ledger import DECISION_DUE
from .records import KINDS, STEPS, BatchRec, DecisionRec, HopRec, batch_route
from .router import Router
from .tables import RelayConfig

__all__ = ["KIND", "SCHEMA", "export_state"]

#: The version of the layout written by :func:`export_state`. Raise it when
#: the layout changes; :func:`load_state` refuses versions newer than its own.
#: 2 added what screening holds (an incident's ``hold``, ``held_reactions``
#: and ``addressed``) and ``config.postcodes``; a version 1 state, which has
#: none of them, reads as holding nothing.
SCHEMA = 2
#: The ``kind`` of the document :func:`export_state` writes.
KIND = "routing.relay"


# ------------------------------------------------------------------ writing


def _hop_out(hop: HopRec) -> dict[str, Any]:
    source, target, by, decision, at = hop
    return {"source": source, "target": target, "by": by, "decision": decision, "at": at}


def _decision_out(d: DecisionRec) -> dict[str, Any]:
    did, _, step, decider, source, targets, forward, by, at, reason, default = d
    return {
        "id": did,
        "step": STEPS[step].name,
        "decider": decider,
        "source": source,
        "targets": list(targets),
        "forward": forward,
        "by": by,
        "at": at,
        "reason": reason,
        "default_applied": default,
    }


def _delivery_out(r: Router, batch: BatchRec, i: int) -> dict[str, Any]:
    did = batch[4] + i
    record = r.ledger.status.get(did)
    status = DeliveryStatus.PENDING if record is None else DeliveryStatus(record[0])
    return {
        "id": did,
        "kind": KINDS[batch[1]].name,
        "group": batch[5][i],
        "text": batch[6][i],
        "poster": batch[7][i],
        "bot": batch[8][i],
        "route": [_hop_out(h) for h in batch_route(batch, i)],
        "status": status.name,
        "by": None if record is None else record[1],
        "at": None if record is None else record[2],
        "reason": "" if record is None else record[3],
    }


def _incident_out(r: Router, inc: IncidentState) -> dict[str, Any]:
    screening = inc.screening
    return {
        "id": inc.id,
        "origin": inc.origin,
        "origin_wijk": inc.origin_wijk,
        "melding": melding_to_plain(inc.melding),
        "opened_at": inc.opened_at,
        "closed_at": inc.closed_at,
        "phase": inc.phase.name,
        "police": inc.police,
        "sender": inc.sender,
        "sender_actor": inc.sender_actor,
        "text": inc.text,
        "fwd_text": inc.fwd_text,
        "reach": [[group, did] for group, did in inc.reach.items()],
        "casushouders": [[group, m] for group, m in inc.casus.items()],
        "considered": sorted([d, t] for d, t in inc.considered),
        "failed": sorted(inc.failed),
        "deliveries": [
            _delivery_out(r, batch, i) for batch in inc.deliveries for i in range(len(batch[5]))
        ],
        "decisions": [_decision_out(d) for d in inc.decisions],
        "pending": list(inc.pending),
        "called_112_by": list(inc.called),
        "reports": [[m, at] for m, at in inc.reports],
        "linked_to": inc.linked_to,
        "linked": list(inc.linked),
        "police_contact": inc.police_contact,
        "reminder_seq": inc.reminder_seq,
        "reactions": [[did, m, text] for did, m, text in inc.reactions],
        "afloop": None if inc.afloop is None else [inc.afloop[0], inc.afloop[1]],
        "screening": None
        if screening is None
        else {
            "by": screening[0],
            "release": screening[1],
            "reason": screening[2],
            "at": screening[3],
        },
        "authored": [[did, m] for did, m in inc.authored],
        "stripped": inc.stripped,
        "hold": None if inc.hold is None else _hold_out(inc.hold),
        "held_reactions": [
            {
                "reaction": n,
                "member": member,
                "group": group,
                "stuurgroep": stuurgroep,
                "text": text,
                "hold": _hold_out(hold),
                "at": at,
                "status": status,
                "by": by,
                "reason": why,
                "decided_at": decided_at,
            }
            for n, member, group, stuurgroep, text, hold, at, status, by, why, decided_at in (
                inc.held
            )
        ],
        "addressed": [
            {"reaction": n, "by": by, "to": to, "text": text, "at": at}
            for n, by, to, text, at in inc.addressed
        ],
    }


def _hold_out(hold: HoldRec) -> dict[str, Any]:
    return {"rule": hold[0], "reason": hold[1], "findings": [list(f) for f in hold[2]]}


def _config_out(c: RelayConfig) -> dict[str, Any]:
    return {
        "decision_timeout": float(c.decision_timeout),
        "decision_default": c.decision_default,
        "reminder_after": float(c.reminder_after),
        "duplicate_window": float(c.duplicate_window),
        "bot_groups": sorted(c.bot_groups),
        "bot_platforms": sorted(c.bot_platforms),
        "on_duty": [[sg, m] for sg, m in c.on_duty],
        "postcodes": [[pc, wijk] for pc, wijk in c.postcodes],
        "lang": c.lang,
    }


def export_state(r: Router) -> dict[str, Any]:
    """Everything ``r`` holds, as JSON-able plain data (see the module docstring)."""
    pending = [
        {
            "id": pid,
            "incident": iid,
            "step": STEPS[step].name,
            "decider": decider,
            "source": source,
            "targets": list(targets),
            "deadline": deadline,
            "question": question,
            "route": [_hop_out(h) for h in r.parent_route(route, r.ledger.incidents[iid])],
            "seq": seq,
        }
        for pid, iid, step, decider, source, targets, deadline, question, route, seq in (
            r.ledger.pending.values()
        )
    ]
    live = sorted(entry for entry in r.ledger.heap if not r.ledger.stale(entry))
    return {
        "schema": SCHEMA,
        "kind": KIND,
        "config": _config_out(r.config),
        "counters": {
            "incidents": r.ledger.counts[0],
            "deliveries": r.ledger.counts[1],
            "decisions": r.ledger.counts[2],
            "pending": r.ledger.counts[3],
            "sequence": r.ledger.seq,
        },
        "incidents": [_incident_out(r, inc) for inc in r.ledger.incidents.values()],
        "pending": pending,
        "resolved": [[pid, None if d is None else d[0]] for pid, d in r.ledger.resolved.items()],
        # Sorted: the index's order means nothing, and an entry that emptied
        # and filled again would otherwise move depending on the history.
        "recent": sorted(
            [group, category, list(ids)]
            for (group, category), ids in r.ledger.recent.items()
            if ids
        ),
        "reassigned": [[did, m] for did, m in sorted(r.ledger.reassigned.items())],
        "deadlines": [
            [deadline, seq, "decision" if kind == DECISION_DUE else "reminder", ref]
            for deadline, seq, kind, ref in live
        ],
    }
