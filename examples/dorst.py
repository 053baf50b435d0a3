"""Dorst: 17 groups, about 600 members, the largest about 100.

Run from anywhere after ``pip install .``::

    python3 examples/dorst.py

Buurtpreventie Dorst's own description counts 17 buurt WhatsApp groups in
Dorst, spread over the village and the outlying Seters and Steenoven, about
600 members in all, the largest about 100. Here they are wijkgroepen under six stuurgroepen and one
regiegroep; the sizes are made up to match those figures.
"""

from __future__ import annotations

import sys

from neighbourhood import console, hierarchy, incident, year

from routing import Applicant, Hierarchy, Melding, Person

#: stuurgroep -> its wijkgroepen with their sizes: 17 groups, 600 members.
GROUPS = {
    "Stuurgroep Centrum": {"Markt": 100, "Kerkstraat": 45, "Spoorstraat": 22},
    "Stuurgroep Noord": {"Ridderstraat": 48, "Molenstraat": 40, "Heikant": 30},
    "Stuurgroep Zuid": {"Bavelseweg": 52, "Lage Dorst": 35, "Oude Tilburgsebaan": 18},
    "Stuurgroep West": {"Boschstraat": 44, "Kerkhofstraat": 30, "Oranjestraat": 26},
    "Stuurgroep Oost": {"Hoge Ham": 38, "Sportlaan": 24, "Vinkenbergstraat": 20},
    "Stuurgroep Buitengebied": {"Seters": 16, "Steenoven": 12},
}


def build() -> Hierarchy:
    h = Hierarchy()
    for sg, groups in GROUPS.items():
        first, *rest = groups
        founders = [Applicant.registered(f"{first} beheerder {i + 1}") for i in range(3)]
        ids = h.found_neighbourhood(
            gemeente="Oosterhout", wijk="Dorst", wijkgroep=f"Wijkgroep {first}",
            stuurgroep=sg, founders=founders,
        )  # fmt: skip
        for name in rest:
            h.create_wijkgroep(ids[0], sg, f"Wijkgroep {name}", approvals=ids)
        for name, size in groups.items():
            taken = 3 if name == first else 0
            h.load_members(f"Wijkgroep {name}", [f"{name} {i + 1}" for i in range(size - taken)])
    h.create_regiegroep("Dorst", "Regiegroep Dorst")
    return h


SUSPECT = Melding(
    category="verdachte persoon",
    called_112=True,
    persons=[Person(sex="man", clothing="groene bodywarmer", particulars=["rugzak"])],
    direction="richting Seters",
    action="ik houd hem vanaf mijn oprit in de gaten",
)


def main() -> int:
    out = console()
    h = build()
    largest = max(h.size(g) for g in h.groups() if g.startswith("Wijkgroep"))
    hierarchy(out, h, f"Dorst: 17 wijkgroepen, {len(h)} members, the largest {largest}")
    incident(out, h, "Wijkgroep Markt", SUSPECT, seed=4)
    year(out, h, seed=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
