"""An incident in the Zoomwijck, in phase 1 and in phase 2.

Run from anywhere after ``pip install .``::

    python3 examples/zoomwijck_incident.py

Phase 1 (G1): one wijkgroep; a report reaches everyone at once and goes no
further. Phase 2 (G2): five wijkgroepen by buurt and a regiegroep; the
stuurgroep decides whether the report is relevant for the other buurten
(S2). For each phase: the hierarchy, one burglary with its hops and afloop
(R1-R8), and a simulated year (H4, H9).
"""

from __future__ import annotations

import sys
from pathlib import Path

from neighbourhood import console, hierarchy, incident, year

from routing import Melding, Person
from routing.hierarchy.config import load_hierarchy

HERE = Path(__file__).resolve().parent

BURGLARY = Melding(
    category="inbraak",
    called_112=True,
    persons=[Person(sex="man", height_cm=(180, 190), clothing="donkere jas, capuchon")],
    direction="richting de Bomenbuurt",
    action="ik blijf binnen en houd de straat in de gaten",
)


def main() -> int:
    out = console()
    for title, file, origin in (
        ("Phase 1 (G1)", "zoomwijck.toml", "Wijkgroep Zoomwijck"),
        ("Phase 2 (G2)", "zoomwijck-fase2.toml", "Wijkgroep Vlinderbuurt"),
    ):
        h = load_hierarchy(HERE / file)
        hierarchy(out, h, f"{title}: {file}")
        incident(out, h, origin, BURGLARY, seed=2)
        year(out, h, seed=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
