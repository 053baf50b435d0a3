"""A simulation's figures as a rich table, one row per measure."""

from __future__ import annotations

from rich.table import Table

from .config import SimResult

__all__ = ["simulation_table"]


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"


def simulation_table(result: SimResult) -> Table:
    """The figures of a :class:`~routing.sim.config.SimResult`, one row each."""
    r = result
    table = Table(title=f"Simulation: {r.weeks:g} weeks, seed {r.seed}", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("note", style="dim")
    n = len(r.incidents)
    police = sum(1 for i in r.incidents if i.police)
    table.add_row("members / groups", f"{r.members:,} / {r.groups:,}", "")
    table.add_row("incidents", f"{n:,}", f"{police:,} police notices (P1)")
    table.add_row(
        "reach beyond origin p50 / p95 / max",
        " / ".join(_duration(x) for x in (r.reach.p50, r.reach.p95, r.reach.max)),
        f"{r.reach.count:,} wijkgroepen reached after the origin",
    )
    table.add_row(
        "last wijkgroep reached p95",
        _duration(r.last_reach.p95),
        "per incident",
    )
    m = r.messages_per_member_week
    table.add_row(
        "messages per member per week",
        f"mean {m.mean:.2f} (p95 {m.p95:.2f}, max {m.max:.2f})",
        "alarm fatigue (H9)",
    )
    d, f = r.decisions_per_member_week, r.forwards_per_member_week
    table.add_row(
        "decisions per stuurgroep member per week",
        f"mean {d.mean:.2f} (max {d.max:.2f})",
        f"{r.decisions:,} decisions, {r.decisions_by_default:,} by deadline",
    )
    table.add_row(
        "forwards per stuurgroep member per week",
        f"mean {f.mean:.2f} (max {f.max:.2f})",
        "S2, S3, S5",
    )
    table.add_row(
        "duplicate 112 calls avoided / made",
        f"{r.duplicate_calls_avoided:,} / {r.duplicate_calls_made:,}",
        "H4",
    )
    table.add_row(
        "afloop: casushouder / after reminder / stuurgroep",
        f"{r.afloop_by_casushouder:,} / {r.afloop_after_reminder:,} / {r.afloop_by_stuurgroep:,}",
        f"{r.reminders:,} reminders (R8)",
    )
    table.add_row(
        "left without afloop",
        f"{r.without_afloop:,}",
        "still open when the run ended",
    )
    g = r.reading
    if g is not None:
        read, noise = g.read_per_member_week, g.irrelevant_per_member_week
        table.add_row(
            "messages read per member per week",
            f"mean {read.mean:.2f} (max {read.max:.2f})",
            f"with {g.chatter:,} chatter; {g.relevant_share:.0%} concerned the reader",
        )
        table.add_row(
            "... that did not concern the reader",
            f"mean {noise.mean:.2f} (max {noise.max:.2f})",
            "what makes members leave (H9)",
        )
        table.add_row(
            "members at the start / at the end",
            f"{g.members[0]:,} / {g.members[-1]:,}",
            f"{g.left:,} left; {g.unreported:,} situations went unreported",
        )
        table.add_row(
            "concerned residents an alarm reached",
            f"mean {g.concerned_reached.mean:.0%} (p50 {g.concerned_reached.p50:.0%})",
            f"mean {g.reached.mean:.1f} residents reached per alarm",
        )
    return table
