"""Figures of simulations with matplotlib (``pip install ".[plot]"``), saved as files.

matplotlib is imported only when a figure is drawn, and only its
object-oriented API with the Agg canvas is used: no window, no global
backend state, so it works on a server and beside any other plotting.

* :func:`simulation_figure`: one run. How long a melding took to reach the
  wijkgroepen beyond its origin, for residents' reports and police notices
  apart (the run records posting times in wijkgroepen only); the message
  load per member per week beside the stuurgroep members' decisions and
  forwards; and, when the reading model is on, the members week by week
  (attrition, H9).
* :func:`sweep_figure`: a sweep. Per structure and policy, the mean over
  seeds (and each seed as a dot) of messages per member per week, reach
  p95, and members who left when the reading model is on.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from routing.errors import InvalidValueError

from .config import SimResult
from .sweep import Sweep

__all__ = ["simulation_figure", "sweep_figure"]


def _figure(panels: int) -> tuple[Any, list[Any]]:
    try:
        figure = importlib.import_module("matplotlib.figure")
        agg = importlib.import_module("matplotlib.backends.backend_agg")
    except ImportError as err:
        raise InvalidValueError(
            "matplotlib", 'plots need matplotlib: pip install "buurtpreventie-routing[plot]"'
        ) from err
    fig = figure.Figure(figsize=(4.2 * panels, 3.6), layout="constrained")
    agg.FigureCanvasAgg(fig)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    return fig, list(axes)


def _save(fig: Any, path: str | Path) -> Path:
    target = Path(path)
    fig.savefig(target, dpi=80)
    return target


def simulation_figure(result: SimResult, path: str | Path, *, title: str | None = None) -> Path:
    """Draw one run's figures (see the module docstring) into ``path`` (PNG, SVG, PDF)."""
    reading = result.reading
    fig, axes = _figure(3 if reading is not None else 2)
    fig.suptitle(title or f"{result.weeks:g} weeks, seed {result.seed}, {result.members:,} members")

    reach, ax = _reach_by_origin(result), axes[0]
    drawn = False
    for label, minutes in reach.items():
        if minutes:
            ax.hist(minutes, bins=30, alpha=0.6, label=f"{label} ({len(minutes):,})")
            drawn = True
    ax.set_title("reach beyond the origin")
    ax.set_xlabel("minutes after the report, per wijkgroep reached")
    ax.set_ylabel("wijkgroepen reached")
    if drawn:
        ax.legend(fontsize="small")

    ax = axes[1]
    names = (
        "messages seen\nper member",
        "decisions per\nstuurgroep member",
        "forwards per\nstuurgroep member",
    )
    summaries = (
        result.messages_per_member_week,
        result.decisions_per_member_week,
        result.forwards_per_member_week,
    )
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], [s.mean for s in summaries], width=0.4, label="mean")
    ax.bar([x + 0.2 for x in xs], [s.p95 for s in summaries], width=0.4, label="p95")
    ax.set_xticks(list(xs), names, fontsize="small")
    ax.set_title("load per week")
    ax.set_ylabel("per week")
    ax.legend(fontsize="small")

    if reading is not None:
        ax = axes[2]
        ax.plot(range(len(reading.members)), reading.members, marker=".")
        ax.set_title("members (reading model, H9)")
        ax.set_xlabel("week")
        ax.set_ylabel("members")
    return _save(fig, path)


def _reach_by_origin(result: SimResult) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"resident's report": [], "police notice": []}
    for inc in result.incidents:
        key = "police notice" if inc.police else "resident's report"
        out[key].extend(t / 60 for g, t in inc.reach if g != inc.origin)
    return out


def sweep_figure(result: Sweep, path: str | Path) -> Path:
    """Draw a sweep's figures (see the module docstring) into ``path``."""
    rows = result.rows()
    measures = ["messages_per_member_week_mean", "reach_p95_s"]
    titles = {
        "messages_per_member_week_mean": "messages per member per week",
        "reach_p95_s": "reach beyond the origin, p95 (min)",
        "members_left": "members who left (H9)",
    }
    if any(r.measure == "members_left" for r in rows):
        measures.append("members_left")
    keys: list[tuple[str, str]] = []
    for cell, _ in result.results:
        if (cell.structure, cell.policy) not in keys:
            keys.append((cell.structure, cell.policy))
    fig, axes = _figure(len(measures))
    fig.suptitle(f"Sweep: {len(result.results)} runs of {result.weeks:g} weeks")
    labels = [f"{s}\n{p}" for s, p in keys]
    for ax, measure in zip(axes, measures, strict=True):
        scale = 60.0 if measure.endswith("_s") else 1.0
        per_key: list[Sequence[float]] = [
            [
                r.value / scale
                for r in rows
                if r.measure == measure and (r.structure, r.policy) == key
            ]
            for key in keys
        ]
        means = [sum(v) / len(v) if v else 0.0 for v in per_key]
        ax.bar(range(len(keys)), means, color="tab:blue", alpha=0.7)
        for i, values in enumerate(per_key):
            ax.plot([i] * len(values), values, "k.", markersize=4)
        ax.set_xticks(range(len(keys)), labels, fontsize="x-small", rotation=30, ha="right")
        ax.set_title(titles[measure], fontsize="medium")
    return _save(fig, path)
