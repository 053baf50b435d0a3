"""The Zoomwijck group system, from phase 1 to phase 2.

Run from anywhere after ``pip install .``::

    python3 examples/zoomwijck.py

1. Load phase 1 from ``zoomwijck.toml``: one wijkgroep, one stuurgroep, no
   regiegroep (G1).
2. Try to split at 60 residents: refused, too early (G2).
3. The telefoonbeheerder admits 32 sign-ups (T1): 92 residents. The admissions
   say when the group passes 80 (a split by buurt is proposed, G2) and when it
   is nearly full on the 100-member WhatsApp of 2015 (G3).
4. Split by buurt into five wijkgroepen (G2, T3 after S6) and give the wijk its
   regiegroep (S5).
5. Check that the result has the shape of ``zoomwijck-fase2.toml``, and print it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from routing import (
    Applicant,
    CapacityWarning,
    Hierarchy,
    InvariantRefused,
    RulesAcceptance,
    Signal,
    SplitProposal,
)
from routing.hierarchy.config import load_hierarchy
from routing.present.render import hierarchy_table, hierarchy_tree

# Relative to this file, so the demo runs from any working directory.
HERE = Path(__file__).resolve().parent
PHASE_1 = HERE / "zoomwijck.toml"
PHASE_2 = HERE / "zoomwijck-fase2.toml"

WIJK = "Zoomwijck"
WIJKGROEP = "Wijkgroep Zoomwijck"
STUURGROEP = "Stuurgroep Zoomwijck"
REGIEGROEP = "Regiegroep Zoomwijck"

#: Sign-ups per buurt while phase 1 runs: 60 + 32 = 92, past the 80 of G2.
SIGN_UPS = {
    "Vlinderbuurt": 7,
    "Bomenbuurt": 6,
    "Vogelbuurt": 6,
    "Bloemenbuurt": 6,
    "Schildersbuurt": 7,
}

#: The version of the spelregels the sign-ups accept (H10).
SPELREGELS = "zoomwijck-2015"

#: Phase 2: one wijkgroep per buurt (the Zoomwijck chose five).
BY_BUURT = {buurt: f"Wijkgroep {buurt}" for buurt in SIGN_UPS}


def sign_up(h: Hierarchy) -> tuple[int, list[Signal]]:
    """The telefoonbeheerder adds each applicant who accepted the rules (T1, H10);
    how many, and the growth signals the admissions raised (G2, G3)."""
    tfb = h.telefoonbeheerder(STUURGROEP)
    n = 0
    signals: list[Signal] = []
    for buurt, count in SIGN_UPS.items():
        for _ in range(count):
            n += 1
            applicant = Applicant(
                name=f"aanmelding {n}",
                age=30 + n % 40,
                lives_in_area=True,
                accepted_rules=True,
                buurt=buurt,
                rules=RulesAcceptance(version=SPELREGELS, at=1_717_000_000.0 + 3600 * n),
            )
            signals.extend(h.admit(tfb, WIJKGROEP, applicant).signals)
    return n, signals


def split_by_buurt(h: Hierarchy) -> tuple[str, ...]:
    """Phase 2 (G2): the stuurgroep agrees (S6), its telefoonbeheerder splits (T3)."""
    tfb = h.telefoonbeheerder(STUURGROEP)
    everyone = h.admins(STUURGROEP)
    groups = h.split_wijkgroep(tfb, WIJKGROEP, buurten=BY_BUURT, approvals=everyone)
    h.create_regiegroep(WIJK, REGIEGROEP)
    return groups


def shape(h: Hierarchy) -> list[tuple[str, str, int]]:
    """Each group's id, kind and size: what two hierarchies must share to match."""
    return [(gid, h.kind(gid).value, h.size(gid)) for gid in h.groups()]


def main(console: Console) -> int:
    h = load_hierarchy(PHASE_1)
    console.print(Rule(f"Phase 1 (G1): {PHASE_1.name}"))
    console.print(hierarchy_tree(h))

    console.print(Rule("Splitting too early (G2)"))
    tfb = h.telefoonbeheerder(STUURGROEP)
    try:
        h.split_wijkgroep(tfb, WIJKGROEP, buurten=BY_BUURT, approvals=h.admins(STUURGROEP))
    except InvariantRefused as refusal:
        console.print(f"refused: {refusal}")

    console.print(Rule("Sign-ups (T1)"))
    added, signals = sign_up(h)
    cap = h.capacity(WIJKGROEP)
    console.print(f"{h.name(tfb)} admitted {added} residents.")
    for signal in signals:
        if isinstance(signal, SplitProposal):
            console.print(
                f"[{signal.rule}] {signal.wijkgroep} passed {signal.threshold} residents: "
                f"split by buurt ({len(signal.buurten)} buurten)"
            )
        elif isinstance(signal, CapacityWarning):
            console.print(
                f"[{signal.rule}] {signal.group}: {signal.capacity.size}/"
                f"{signal.capacity.limit}, {signal.capacity.state.value}"
            )
    console.print(f"{WIJKGROEP}: {cap.size}/{cap.limit} members, {cap.state.value}")
    console.print(hierarchy_tree(h))

    console.print(Rule("Phase 2 (G2): split by buurt"))
    groups = split_by_buurt(h)
    console.print(f"{WIJKGROEP} became {len(groups)} wijkgroepen; {WIJK} got {REGIEGROEP}.")
    console.print(hierarchy_tree(h))

    fase2 = load_hierarchy(PHASE_2)
    same = shape(h) == shape(fase2)
    console.print(Rule(f"Phase 2 as configured: {PHASE_2.name}"))
    console.print(hierarchy_table(fase2))
    verdict = "the same" if same else "NOT the same"
    console.print(f"The split hierarchy and {PHASE_2.name} have {verdict} groups and sizes.")
    problems = h.verify() + fase2.verify()
    for problem in problems:
        console.print(f"[red]invariant broken:[/red] {problem}")
    return 0 if same and not problems else 1


if __name__ == "__main__":
    sys.exit(main(Console()))
