"""One flat group against the phase-2 hierarchy, for the same 92 residents.

Run from anywhere after ``pip install .``::

    python3 examples/flat_vs_hierarchy.py

The trade-off of the Zoomwijck group system in numbers. In one flat group
every report reaches every resident at once, and every resident reads every
message: each buurt's alarms, the reactions, the afloops and everybody's
chatter. In the phase-2 hierarchy a report reaches the other buurten only
when a stuurgroep member judges it relevant, a few minutes later, and a
resident reads what concerns their own buurt, while the stuurgroep members
read all five groups. The seeds say that only alarming messages belong in
the groups and that members leave when they fill with other talk (H9); the
run models that with :class:`routing.sim.config.Reading` (its parameters are
assumptions: ``docs/howto-flat-vs-hierarchy.md``), and residents who have had
enough really leave the hierarchy. Same residents, same buurten, same rates
and seed, a year each.

``--seeds N`` prints instead the means over seeds 0 to N-1, for the default
model and for a few other assumptions, so one seed's luck can be told from
what the model does.

``--plot FILE.png`` also saves a figure of the two years side by side:
members week by week, and messages read per member per week (needs
matplotlib: ``pip install ".[plot]"``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from statistics import mean

from neighbourhood import console, hierarchy, incident, year
from rich.table import Table

from routing import Applicant, Hierarchy, Melding
from routing.domain.settings import Settings, platform
from routing.domain.values import GroupKind
from routing.hierarchy.config import load_hierarchy
from routing.sim.config import Reading, SimResult
from routing.sim.simulate import SimConfig, simulate

HERE = Path(__file__).resolve().parent
PHASE_2 = HERE / "zoomwijck-fase2.toml"

REPORT = Melding(
    category="poging tot inbraak",
    called_112=True,
    direction="richting het park",
    action="ik blijf binnen",
)


FOUNDERS = ("Anna de Wit", "Bram Jansen", "Cees Verhoef")
#: The reading model with its defaults: chatter, alarms that concern one
#: buurt or the whole wijk, and residents who leave (H9).
READING = SimConfig(reading=Reading())
SEED = 9
WEEKS = 52


def flat(tiered: Hierarchy) -> Hierarchy:
    """The residents of ``tiered``, each with their buurt, in one wijkgroep (a flat group),
    on the 100-member WhatsApp of 2015."""
    h = Hierarchy(Settings(platform=platform("whatsapp-100")))
    people = [
        tiered.member(m) for w in tiered.groups(GroupKind.WIJKGROEP) for m in tiered.residents(w)
    ]
    buurt = {p.name: p.buurt for p in people}
    founders = [Applicant.registered(n, buurt=buurt[n]) for n in FOUNDERS]
    h.found_neighbourhood(
        gemeente="Voorbeeldstad", wijk="Zoomwijck", wijkgroep="Wijkgroep Zoomwijck",
        stuurgroep="Stuurgroep Zoomwijck", founders=founders, telefoonbeheerder=2,
    )  # fmt: skip
    for w in tiered.groups(GroupKind.WIJKGROEP):
        names = [tiered.member(m).name for m in tiered.residents(w)]
        h.load_members(
            "Wijkgroep Zoomwijck",
            [n for n in names if n not in FOUNDERS],
            buurt=tiered.member(tiered.residents(w)[0]).buurt,
        )
    return h


def comparison(a: SimResult, b: SimResult) -> Table:
    """The two runs side by side: what they cost the residents, and what they reach."""
    ra, rb = a.reading, b.reading
    assert ra is not None
    assert rb is not None
    table = Table(
        title=f"Flat against hierarchy, {WEEKS} weeks, seed {SEED}, reading model on",
        title_justify="left",
    )
    table.add_column("measure")
    table.add_column("flat", justify="right")
    table.add_column("phase 2", justify="right")

    def row(label: str, f: object, g: object) -> None:
        table.add_row(label, str(f), str(g))

    row("incidents", len(a.incidents), len(b.incidents))
    row("messages read per member per week", f"{ra.read_per_member_week.mean:.2f}",
        f"{rb.read_per_member_week.mean:.2f}")  # fmt: skip
    row("... for the busiest reader", f"{ra.read_per_member_week.max:.2f}",
        f"{rb.read_per_member_week.max:.2f}")  # fmt: skip
    row("... that did not concern the reader", f"{ra.irrelevant_per_member_week.mean:.2f}",
        f"{rb.irrelevant_per_member_week.mean:.2f}")  # fmt: skip
    row("share that concerned the reader", f"{ra.relevant_share:.0%}", f"{rb.relevant_share:.0%}")
    row("members at the start", ra.members[0], rb.members[0])
    row(f"members after {WEEKS} weeks", ra.members[-1], rb.members[-1])
    row("situations unreported (the witness had left)", ra.unreported, rb.unreported)
    row("residents a resident's alarm reached", f"{ra.reached.mean:.1f}", f"{rb.reached.mean:.1f}")
    row("... of the residents it concerned", f"{ra.concerned_reached.mean:.0%}",
        f"{rb.concerned_reached.mean:.0%}")  # fmt: skip
    row("last wijkgroep reached, p95", f"{a.last_reach.p95:.0f} s", f"{b.last_reach.p95:.0f} s")
    row("decisions by people", a.decisions, b.decisions)
    return table


#: Other assumptions the sweep tries beside the defaults.
VARIANTS = {
    "defaults": Reading(),
    "no chatter": Reading(chatter=0.0),
    "all alarms wijk-wide": Reading(wide=1.0),
    "misjudge 0.5": Reading(misjudge=0.5),
}


def sweep(seeds: int) -> Table:
    """Means over ``seeds`` seeds: each assumption, each set-up."""
    tiered = load_hierarchy(PHASE_2)
    one = flat(tiered)
    table = Table(title=f"Means over seeds 0-{seeds - 1}, {WEEKS} weeks each", title_justify="left")
    table.add_column("assumption")
    table.add_column("set-up")
    for column in ("read/wk", "not theirs/wk", "left", "concerned reached", "last reach p95"):
        table.add_column(column, justify="right")
    for name, model in VARIANTS.items():
        for label, h in (("flat", one), ("phase 2", tiered)):
            runs = [
                simulate(h, SimConfig(reading=model), seed=s, weeks=WEEKS) for s in range(seeds)
            ]
            rs = [r.reading for r in runs if r.reading is not None]
            left = [r.left for r in rs]
            table.add_row(
                name if label == "flat" else "",
                label,
                f"{mean(r.read_per_member_week.mean for r in rs):.2f}",
                f"{mean(r.irrelevant_per_member_week.mean for r in rs):.2f}",
                f"{mean(left):.1f} ({min(left)}-{max(left)})",
                f"{mean(r.concerned_reached.mean for r in rs):.0%}",
                f"{mean(r.last_reach.p95 for r in runs):.0f} s",
            )
    return table


def figure(a: SimResult, b: SimResult, path: str) -> None:
    """The two years side by side: members week by week, and what each member reads."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ra, rb = a.reading, b.reading
    assert ra is not None
    assert rb is not None
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    for label, r in (("flat", ra), ("phase 2", rb)):
        left.plot(range(len(r.members)), r.members, label=label)
    left.set_title("members (reading model, H9)")
    left.set_xlabel("week")
    left.legend()
    bars = [
        ("read", ra.read_per_member_week.mean, rb.read_per_member_week.mean),
        ("not theirs", ra.irrelevant_per_member_week.mean, rb.irrelevant_per_member_week.mean),
    ]
    xs = range(len(bars))
    right.bar([x - 0.2 for x in xs], [f for _, f, _ in bars], width=0.4, label="flat")
    right.bar([x + 0.2 for x in xs], [g for _, _, g in bars], width=0.4, label="phase 2")
    right.set_xticks(list(xs), [name for name, _, _ in bars])
    right.set_title("messages per member per week, mean")
    right.legend()
    fig.suptitle(f"Flat against hierarchy, {WEEKS} weeks, seed {SEED}")
    fig.savefig(path, dpi=80)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=0, help="print means over this many seeds")
    parser.add_argument("--plot", metavar="FILE.png", help="also save a figure of the two years")
    args = parser.parse_args(argv)
    out = console()
    if args.seeds > 0:
        out.print(sweep(args.seeds))
        return 0
    tiered = load_hierarchy(PHASE_2)
    one = flat(tiered)
    hierarchy(out, one, f"One flat group: {len(one)} residents")
    incident(out, one, "Wijkgroep Zoomwijck", REPORT, seed=SEED)
    a = year(out, one, seed=SEED, config=READING, weeks=WEEKS)
    hierarchy(out, tiered, f"Phase 2: the same {len(tiered)} residents in five wijkgroepen")
    incident(out, tiered, "Wijkgroep Vogelbuurt", REPORT, seed=SEED)
    b = year(out, tiered, seed=SEED, config=READING, weeks=WEEKS)
    out.print(comparison(a, b))
    if args.plot:
        figure(a, b, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
