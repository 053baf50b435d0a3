"""Hierarchies and incidents as plain JSON-ready data, for ``--json``.

Each document carries a ``"schema"`` key (``"routing.show/1"``,
``"routing.trace/1"``): the number goes up when a key changes meaning or
goes away, so a script that reads the output can tell.
"""

from __future__ import annotations

from typing import Any, Final

from routing.engine.incident import IncidentView
from routing.engine.outputs import Decision, PendingDecision
from routing.engine.route import Hop
from routing.model import Hierarchy

__all__ = ["SHOW_SCHEMA", "TRACE_SCHEMA", "hierarchy_dict", "incident_dict"]

SHOW_SCHEMA: Final = "routing.show/1"
TRACE_SCHEMA: Final = "routing.trace/1"


def hierarchy_dict(h: Hierarchy, *, members: bool = False) -> dict[str, Any]:
    """Gemeenten, their wijken and groups with sizes and limits (G3); with
    ``members=True`` each group lists its members by id and name."""

    def group(gid: str) -> dict[str, Any]:
        cap = h.capacity(gid)
        data: dict[str, Any] = {
            "id": gid,
            "kind": h.kind(gid).value,
            "size": cap.size,
            "limit": cap.limit,
            "state": cap.state.value,
        }
        if members:
            data["members"] = [
                {"id": int(m), "name": h.name(m), "roles": sorted(r.value for r in h.roles(m))}
                for m in sorted(h.members(gid))
            ]
        return data

    gemeenten = []
    for gemeente in h.gemeenten():
        wijken = []
        for wijk in h.wijken_of(gemeente):
            rg = h.regiegroep_of(wijk)
            wijken.append(
                {
                    "name": wijk,
                    "regiegroep": group(rg) if rg is not None else None,
                    "stuurgroepen": [
                        {
                            **group(sg),
                            "telefoonbeheerder": int(h.telefoonbeheerder(sg)),
                            "wijkgroepen": [group(wg) for wg in h.managed_wijkgroepen(sg)],
                        }
                        for sg in h.stuurgroepen_of(wijk)
                    ],
                }
            )
        grg = h.gemeentelijke_regiegroep_of(gemeente)
        gemeenten.append(
            {
                "name": gemeente,
                "gemeentelijke_regiegroep": group(grg) if grg is not None else None,
                "wijken": wijken,
            }
        )
    return {
        "schema": SHOW_SCHEMA,
        "members": len(h),
        "groups": sum(1 for _ in h.groups()),
        "gemeenten": gemeenten,
    }


def _decision(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "id": d.id,
        "rule": d.step.rule,
        "step": d.step.label,
        "decider": d.decider,
        "source": d.source,
        "targets": list(d.targets),
        "forward": d.forward,
        "by": None if d.by is None else int(d.by),
        "at": d.at,
        "reason": d.reason,
        "default_applied": d.default_applied,
    }


def _hop(hop: Hop) -> dict[str, Any]:
    return {
        "from": hop.source,
        "to": hop.target,
        "by": None if hop.by is None else int(hop.by),
        "at": hop.at,
        "decision": _decision(hop.decision),
    }


def _pending(p: PendingDecision) -> dict[str, Any]:
    return {
        "id": p.id,
        "rule": p.step.rule,
        "step": p.step.label,
        "decider": p.decider,
        "source": p.source,
        "targets": list(p.targets),
        "deadline": p.deadline,
    }


def incident_dict(view: IncidentView) -> dict[str, Any]:
    """The whole incident: every delivery with its text, status, route hops and
    their decisions, the decisions, the questions still open, the
    casushouders (R3, P2), the afloop (R8) and the incidents it is linked
    with (H4). ``trace --json`` prints it, and ``audit --json`` under its
    own schema."""
    return {
        "schema": TRACE_SCHEMA,
        "id": view.id,
        "phase": view.phase.value,
        "origin": view.origin,
        "police": view.police,
        "sender": view.sender,
        "category": view.melding.category.label_nl,
        "opened_at": view.opened_at,
        "closed_at": view.closed_at,
        "reached": list(view.reached),
        "casushouders": [{"wijkgroep": g, "member": int(m)} for g, m in view.casushouders],
        "called_112_by": [int(m) for m in view.called_112_by],
        "reports": [{"member": int(m), "at": at} for m, at in view.reports],
        "deliveries": [
            {
                "id": r.delivery.id,
                "kind": r.delivery.kind.value,
                "group": r.delivery.group,
                "poster": None if r.delivery.poster is None else int(r.delivery.poster),
                "bot": r.delivery.bot,
                "police": r.delivery.police,
                "text": r.delivery.text,
                "status": r.status.value,
                "posted_by": None if r.by is None else int(r.by),
                "posted_at": r.at,
                "reason": r.reason,
                "route": [_hop(h) for h in r.delivery.route],
            }
            for r in view.deliveries
        ],
        "decisions": [_decision(d) for d in view.decisions],
        "pending": [_pending(p) for p in view.pending],
        "afloop": view.closed_at is not None,
        "linked_to": view.linked_to,
        "linked": list(view.linked),
    }
