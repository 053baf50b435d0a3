"""A gemeente with three wijken, a gemeentelijke regiegroep and a police notice.

Run from anywhere after ``pip install .``::

    python3 examples/gemeente.py

Criminals cross wijk borders, so the regiegroepen of the wijken are linked
through a gemeentelijke regiegroep. The wijkagent sends a notice to
the regiegroep of Poortwijk (P1); each stuurgroep there carries it into its
wijkgroepen and becomes casushouder (P2); whether it goes on to the other
wijken is for people to decide (P4, P5).
"""

from __future__ import annotations

import sys

from neighbourhood import console, hierarchy, incident, year

from routing import Melding, Vehicle
from routing.testing import build_town

LAYOUT = {
    "Zoomwijck": {"sg-zoom-noord": ["wg-vlinder", "wg-bomen"], "sg-zoom-zuid": ["wg-vogel"]},
    "Poortwijk": {"sg-poort": ["wg-poort-oost", "wg-poort-west"]},
    "Stadskern": {"sg-kern": ["wg-markt", "wg-haven", "wg-kerk"]},
}

NOTICE = Melding(
    category="verdacht voertuig",
    called_112=True,
    vehicles=[Vehicle(kind="auto", colour="grijs", make="Volkswagen", kenteken="12-BDN-3")],
    direction="richting Stadskern",
    text="Let op: deze auto is gezien bij woninginbraken in de regio.",
)


def main() -> int:
    out = console()
    h = build_town(LAYOUT, gemeente="Voorbeeldstad", gemeentelijke="grg-voorbeeldstad",
                   residents=40).hierarchy  # fmt: skip
    hierarchy(out, h, "Voorbeeldstad: three wijken and a gemeentelijke regiegroep")
    incident(out, h, "rg-poortwijk", NOTICE, seed=5)
    year(out, h, seed=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
