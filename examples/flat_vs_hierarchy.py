"""One flat group against the phase-2 hierarchy, for the same 92 residents.

Run from anywhere after ``pip install .``::

    python3 examples/flat_vs_hierarchy.py

The trade-off of the Zoomwijck group system in numbers: in one flat group every report reaches
every resident at once, and every resident reads every report (H9: noise
makes members leave). In the phase-2 hierarchy a report reaches the other
buurten only when a stuurgroep member judges it relevant, a few minutes
later, and each resident reads fewer messages, while the stuurgroep
members carry the load. Same residents, same rates and seed, a year each.
"""

from __future__ import annotations

import sys
from pathlib import Path

from neighbourhood import console, hierarchy, incident, year
from rich.table import Table

from routing import Applicant, Hierarchy, Melding
from routing.domain.settings import Settings, platform
from routing.hierarchy.config import load_hierarchy

HERE = Path(__file__).resolve().parent
PHASE_2 = HERE / "zoomwijck-fase2.toml"

REPORT = Melding(
    category="poging tot inbraak",
    called_112=True,
    direction="richting het park",
    action="ik blijf binnen",
)


def flat(residents: int) -> Hierarchy:
    """Everyone in one wijkgroep (a flat group), on the 100-member WhatsApp of 2015."""
    h = Hierarchy(Settings(platform=platform("whatsapp-100")))
    founders = [Applicant.registered(n) for n in ("Anna de Wit", "Bram Jansen", "Cees Verhoef")]
    h.found_neighbourhood(
        gemeente="Voorbeeldstad", wijk="Zoomwijck", wijkgroep="Wijkgroep Zoomwijck",
        stuurgroep="Stuurgroep Zoomwijck", founders=founders, telefoonbeheerder=2,
    )  # fmt: skip
    h.load_members("Wijkgroep Zoomwijck", [f"bewoner {i + 1}" for i in range(residents - 3)])
    return h


def main() -> int:
    out = console()
    tiered = load_hierarchy(PHASE_2)
    one = flat(len(tiered))
    hierarchy(out, one, f"One flat group: {len(one)} residents")
    incident(out, one, "Wijkgroep Zoomwijck", REPORT, seed=9)
    a = year(out, one, seed=9)
    hierarchy(out, tiered, f"Phase 2: the same {len(tiered)} residents in five wijkgroepen")
    incident(out, tiered, "Wijkgroep Vogelbuurt", REPORT, seed=9)
    b = year(out, tiered, seed=9)

    table = Table(title="Flat against hierarchy, one year, seed 9", title_justify="left")
    table.add_column("measure")
    table.add_column("flat", justify="right")
    table.add_column("phase 2", justify="right")
    table.add_row("members", str(a.members), str(b.members))
    table.add_row("incidents", str(len(a.incidents)), str(len(b.incidents)))
    table.add_row(
        "last wijkgroep reached, p95", f"{a.last_reach.p95:.0f} s", f"{b.last_reach.p95:.0f} s"
    )
    m, n = a.messages_per_member_week, b.messages_per_member_week
    table.add_row("messages per member per week", f"{m.mean:.2f}", f"{n.mean:.2f}")
    table.add_row("... for the busiest member", f"{m.max:.2f}", f"{n.max:.2f}")
    table.add_row("decisions by people", str(a.decisions), str(b.decisions))
    out.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
