"""Draw with rich: a hierarchy (:func:`hierarchy_tree`, :func:`hierarchy_table`),
an incident's propagation (:func:`incident_tree`) and a simulation's summary
(:func:`simulation_table`).

The tree follows the Zoomwijck's diagrams of its group system: gemeente, its gemeentelijke
regiegroep, the wijken, each wijk's regiegroep (grey), its stuurgroepen
(yellow) and their wijkgroepen (green), in the colours of
:attr:`~routing.domain.values.GroupKind.colour`. Every group shows its size against
its platform's limit (G3, "63/1024"); a group that is nearly full or full is
flagged in a style of its own, because that is when a stuurgroep must split
(G2) or open a new wijkgroep (T3).

Markers: ``☎`` the telefoonbeheerder (T1-T3), ``★`` another stuurgroep member,
who is an admin of every wijkgroep the stuurgroep manages (G4).

The functions are pure: they return renderables and never print. Print them
with a :class:`rich.console.Console` of your choosing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from routing.domain.settings import CapacityState
from routing.domain.values import GroupKind, MemberId
from routing.engine.incident import DeliveryStatus, IncidentView
from routing.engine.outputs import (
    CasushouderChanged,
    Decision,
    DecisionMade,
    Deliveries,
    Delivery,
    DeliveryKind,
    IncidentClosed,
    IncidentOpened,
    Joined,
    Output,
    PendingDecision,
    Step,
)
from routing.model import Hierarchy

from .labels import DEFAULT_LANG, Lang, label, plural

__all__ = [
    "ADMIN_MARK",
    "CAPACITY_STYLES",
    "CASUSHOUDER_MARK",
    "POLICE_MARK",
    "TELEFOONBEHEERDER_MARK",
    "hierarchy_table",
    "hierarchy_tree",
    "incident_tree",
    "reason_text",
    "step_label",
]

#: Marks the telefoonbeheerder in a hierarchy tree (T1).
TELEFOONBEHEERDER_MARK: Final = "☎"
#: Marks the other stuurgroep members, admins of their wijkgroepen (G4).
ADMIN_MARK: Final = "★"
#: Marks the casushouder of a wijkgroep in an incident tree (R3, P2).
CASUSHOUDER_MARK: Final = "◆"
#: Marks a police notice, which apps show before anything else (P1).
POLICE_MARK: Final = "POLITIE"

#: How a group's size is drawn in each capacity state; the flags must stand out
#: from the kind colours (green, yellow, grey), so they use orange and red.
CAPACITY_STYLES: Final[Mapping[CapacityState, str]] = {
    CapacityState.OK: "",
    CapacityState.NEARLY_FULL: "bold dark_orange",
    CapacityState.FULL: "bold white on red",
}

#: The mark before a group's capacity state in a tree, where it needs a flag.
_FLAG_MARKS: Final[Mapping[CapacityState, str]] = {
    CapacityState.NEARLY_FULL: "⚠",
    CapacityState.FULL: "✖",
}

#: A wijkgroep label names its buurten up to this many, then only counts them.
_MAX_BUURTEN = 3


def capacity_label(state: CapacityState, lang: Lang = DEFAULT_LANG) -> str:
    """A capacity state in words ("nearly full", "bijna vol")."""
    return label(f"capacity.{state.name.lower()}", lang)


def step_label(step: Step, lang: Lang = DEFAULT_LANG) -> str:
    """A step of the routing path in words; in English its ``Step.label``."""
    return label(f"step.{step.name.lower()}", lang)


def hierarchy_tree(h: Hierarchy, *, members: bool = False, lang: Lang = DEFAULT_LANG) -> Tree:
    """The hierarchy as a :class:`rich.tree.Tree`, its labels in ``lang``.

    With ``members=True`` every wijkgroep also lists its residents, and the
    admins who live in a sibling wijkgroep, marked ``☎``/``★``.
    """
    root = Tree(
        Text.assemble(
            (label("tree.members", lang, n=len(h)), "bold"),
            (label("tree.legend", lang, phone=TELEFOONBEHEERDER_MARK, admin=ADMIN_MARK), "dim"),
        ),
        guide_style="dim",
    )
    for gemeente in h.gemeenten():
        g_node = root.add(Text.assemble((label("tree.gemeente", lang), "dim"), (gemeente, "bold")))
        gem_rg = h.gemeentelijke_regiegroep_of(gemeente)
        # Wijken with a regiegroep hang under the gemeentelijke regiegroep they
        # sit in; the others are not linked to it (yet) and stay beside it.
        linked = g_node.add(_group_label(h, gem_rg, lang)) if gem_rg is not None else g_node
        for wijk in h.wijken_of(gemeente):
            rg = h.regiegroep_of(wijk)
            parent = linked if rg is not None else g_node
            w_node = parent.add(Text.assemble((label("tree.wijk", lang), "dim"), (wijk, "bold")))
            sg_parent = w_node.add(_group_label(h, rg, lang)) if rg is not None else w_node
            for sg in h.stuurgroepen_of(wijk):
                s_node = sg_parent.add(_group_label(h, sg, lang))
                for wg in h.managed_wijkgroepen(sg):
                    wg_node = s_node.add(_group_label(h, wg, lang))
                    if members:
                        _add_residents(h, wg_node, wg, lang)
    return root


def hierarchy_table(h: Hierarchy, *, lang: Lang = DEFAULT_LANG) -> Table:
    """One row per group: kind, wijk, size, limit and capacity state (G3)."""
    table = Table(title=label("table.groups", lang), title_justify="left")
    table.add_column(label("table.group", lang))
    table.add_column(label("table.kind", lang))
    table.add_column(label("table.wijk", lang))
    table.add_column(label("table.size", lang), justify="right")
    table.add_column(label("table.limit", lang), justify="right")
    table.add_column(label("table.state", lang))
    for gid in h.groups():
        kind = h.kind(gid)
        cap = h.capacity(gid)
        style = CAPACITY_STYLES[cap.state]
        table.add_row(
            Text(gid, style=kind.colour),
            Text(kind.value, style=kind.colour),
            h.wijk_of(gid) or "-",
            Text(str(cap.size), style=style),
            str(cap.limit),
            Text(capacity_label(cap.state, lang), style=style),
        )
    return table


def _group_label(h: Hierarchy, gid: str, lang: Lang) -> Text:
    kind = h.kind(gid)
    cap = h.capacity(gid)
    text = Text.assemble(
        (gid, f"bold {kind.colour}"),
        (f"  {kind.value}  ", kind.colour),
        (f"{cap.size}/{cap.limit}", CAPACITY_STYLES[cap.state] or kind.colour),
    )
    if cap.state is not CapacityState.OK:
        flag = f"{_FLAG_MARKS[cap.state]} {capacity_label(cap.state, lang)}"
        text.append(f" {flag}", style=CAPACITY_STYLES[cap.state])
    # People go on a line of their own, so the label stays readable in the
    # 80 columns of a plain terminal.
    if kind is GroupKind.STUURGROEP:
        tfb = h.telefoonbeheerder(gid)
        text.append("\n")
        text.append_text(_names(h, sorted(h.admins(gid), key=lambda m: (m != tfb, m))))
    elif kind is GroupKind.GEMEENTELIJKE_REGIEGROEP:
        text.append("\n" + label("tree.delegates", lang), style="dim")
        text.append_text(_names(h, sorted(h.admins(gid))))
    elif kind is GroupKind.WIJKGROEP:
        buurten = _buurten(h, gid, lang)
        if buurten:
            text.append(f"  {buurten}", style="dim")
    return text


def _names(h: Hierarchy, mids: Iterable[MemberId]) -> Text:
    return Text("  ").join(Text(_marked(h, m)) for m in mids)


def _marked(h: Hierarchy, mid: MemberId) -> str:
    """A member's name after their mark: ``☎`` telefoonbeheerder, ``★`` other
    stuurgroep member (T1-T3, G4), a space for a resident."""
    sg = h.stuurgroep_membership(mid)
    if sg is None:
        mark = " "
    elif h.telefoonbeheerder(sg) == mid:
        mark = TELEFOONBEHEERDER_MARK
    else:
        mark = ADMIN_MARK
    return f"{mark} {h.name(mid)}"


def _buurten(h: Hierarchy, wg: str, lang: Lang) -> str:
    counts = Counter(b for m in h.residents(wg) if (b := h.member(m).buurt) is not None)
    if not counts:
        return ""
    if len(counts) == 1:
        buurt = next(iter(counts))
        # "Wijkgroep Vlinderbuurt  buurt Vlinderbuurt" says nothing twice.
        return "" if buurt in wg else label("tree.buurt", lang, buurt=buurt)
    if len(counts) <= _MAX_BUURTEN:
        listed = ", ".join(f"{b} {n}" for b, n in counts.items())
        return label("tree.buurten", lang, buurten=listed)
    return label("tree.buurten_count", lang, n=len(counts))


def _add_residents(h: Hierarchy, node: Tree, wg: str, lang: Lang) -> None:
    residents = h.residents(wg)
    for mid in residents:
        buurt = h.member(mid).buurt
        style = "bold" if h.stuurgroep_membership(mid) is not None else ""
        node.add(
            Text.assemble(
                (_marked(h, mid), style),
                (f"  {buurt}" if buurt else "", "dim"),
            )
        )
    # Admins who live in a sibling wijkgroep are in this chat group too (G4);
    # listing them makes the lines add up to the group's size.
    here = set(residents)
    for mid in sorted(h.admins(wg) - here):
        node.add(
            Text.assemble(
                (_marked(h, mid), "bold"),
                (label("tree.admin_elsewhere", lang, wijkgroep=h.wijkgroep_of(mid)), "dim"),
            )
        )


# ------------------------------------------------------------------ incidents


class _Story:
    """What an incident tree shows, gathered from a view or from raw outputs."""

    def __init__(self) -> None:
        self.id = ""
        self.origin = ""
        self.police = False
        self.sender: str | None = None
        self.category = ""
        self.opened_at = 0.0
        self.deliveries: list[Delivery] = []
        self.posted: dict[int, tuple[MemberId | None, float]] = {}  # confirmed deliveries
        self.skipped: list[Decision] = []
        self.pending: list[PendingDecision] = []
        self.casus: dict[str, MemberId] = {}
        self.joined: list[tuple[MemberId, float, tuple[MemberId, ...]]] = []
        self.closed: tuple[MemberId, float, int] | None = None


def _story_of_view(view: IncidentView) -> _Story:
    story = _Story()
    story.id, story.origin, story.police = view.id, view.origin, view.police
    story.sender = view.sender
    story.category = view.melding.category.label_nl
    story.opened_at = view.opened_at
    afloop: list[Delivery] = []
    for record in view.deliveries:
        d = record.delivery
        if d.kind is DeliveryKind.MELDING:
            story.deliveries.append(d)
            if record.status is DeliveryStatus.CONFIRMED and record.at is not None:
                story.posted[d.id] = (record.by, record.at)
        elif d.kind is DeliveryKind.AFLOOP:
            afloop.append(d)
    reached = set(view.reached)
    # A failed delivery leaves the group unreached: draw only what still holds.
    story.deliveries = [d for d in story.deliveries if d.group in reached]
    story.skipped = [d for d in view.decisions if not d.forward]
    story.pending = list(view.pending)
    story.casus = dict(view.casushouders)
    called = view.called_112_by
    story.joined = [(m, at, called) for m, at in view.reports[1:]]
    if view.closed_at is not None and afloop:
        by = afloop[0].poster
        closer = by if by is not None else (view.casushouders[0][1] if view.casushouders else None)
        if closer is not None:
            story.closed = (closer, view.closed_at, len(afloop))
    return story


def _story_of_outputs(outputs: Sequence[Output]) -> _Story:
    story = _Story()
    answered: set[int] = set()
    for o in outputs:
        if isinstance(o, IncidentOpened) and not story.id:
            story.id, story.origin, story.police = o.incident, o.origin, o.police
            story.opened_at = o.at
            if o.casushouder is not None:
                story.casus[o.origin] = o.casushouder
        elif isinstance(o, Deliveries) and o.kind is DeliveryKind.MELDING:
            # The tree hangs each group under the one it came from, so it
            # needs the routes: the Delivery values are made here.
            for d in o:
                story.deliveries.append(d)
                decision = d.route[-1].decision
                if decision is not None and decision.step.rule == "P2" and decision.by is not None:
                    story.casus.setdefault(d.group, decision.by)
        elif isinstance(o, PendingDecision):
            story.pending.append(o)
        elif isinstance(o, DecisionMade):
            answered.add(o.pending)
            if not o.decision.forward:
                story.skipped.append(o.decision)
        elif isinstance(o, CasushouderChanged):
            if o.current is None:  # the one who left had nobody to pass it to
                story.casus.pop(o.wijkgroep, None)
            else:
                story.casus[o.wijkgroep] = o.current
        elif isinstance(o, Joined):
            story.joined.append((o.reporter, o.at, o.called_112_by))
        elif isinstance(o, IncidentClosed):
            story.closed = (o.by, o.at, len(o.groups))
    story.pending = [p for p in story.pending if p.id not in answered]
    if not story.id and story.deliveries:
        first = story.deliveries[0]
        story.id, story.origin, story.police = first.incident, first.group, first.police
        story.opened_at = first.route[0].at
    if story.deliveries:
        # The melding text names the category on its first line, after the
        # police header if there is one (chattext).
        lines = story.deliveries[0].text.split("\n")
        story.category = lines[1 if story.police and len(lines) > 1 else 0].lower()
    return story


def reason_text(rule: str, reason: str) -> str:
    """A decision's reason without the rule it starts with, when it does
    ("P2: politiebericht" under rule P2): the label names the rule already."""
    prefix = f"{rule}: "
    return reason[len(prefix) :] if reason.startswith(prefix) else reason


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"+{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _who(h: Hierarchy, member: MemberId | None, lang: Lang) -> str:
    if member is None:
        return label("incident.police", lang)
    return h.name(member) if member in h else Hierarchy.pseudonym(member)


def _kind_style(h: Hierarchy, gid: str) -> str:
    try:
        return h.kind(gid).colour
    except LookupError:
        return ""


def incident_tree(
    source: IncidentView | Sequence[Output],
    hierarchy: Hierarchy,
    *,
    decisions: bool = True,
    lang: Lang = DEFAULT_LANG,
) -> Tree:
    """An incident's propagation as a :class:`rich.tree.Tree`, its labels in ``lang``.

    ``source`` is a :class:`~routing.engine.incident.IncidentView` (everything the
    relay knows) or the outputs of the commands that made the incident (for
    example those of one :meth:`~routing.relay.Relay.handle` call). The root
    names the incident, marked ``POLITIE`` first when it is a police notice
    (P1); each reached group hangs under the group it came from, with the
    time after the start (``+h:mm:ss``), who carried it over and the decision
    that allowed the step. ``◆`` marks the casushouder of a wijkgroep (R3,
    P2). With ``decisions=True`` the steps that were not taken and the
    questions still open are shown where they arose. The last line is the
    afloop (R8), or says that there is none yet.
    """
    h = hierarchy
    story = (
        _story_of_view(source) if isinstance(source, IncidentView) else _story_of_outputs(source)
    )

    def who(member: MemberId | None) -> str:
        return _who(h, member, lang)

    title = Text()
    if story.police:
        title.append(f"{POLICE_MARK} ", style="bold white on blue")
    title.append(story.id or label("incident.title", lang), style="bold")
    if story.category:
        title.append(f"  {story.category}")
    if story.sender:
        title.append(f"  ({story.sender})", style="dim")
    root = Tree(title, guide_style="dim")
    nodes: dict[str, Tree] = {}
    t0 = story.opened_at
    for d in story.deliveries:
        hop = d.route[-1]
        parent = nodes.get(hop.source, root) if hop.source is not None else root
        text = Text.assemble((_clock(hop.at - t0), "cyan"), "  ")
        text.append(d.group, style=f"bold {_kind_style(h, d.group)}")
        if d.police and hop.source is None:
            text.append(f"  {POLICE_MARK}", style="bold blue")
        carrier = who(hop.by) if hop.by is not None or d.police else None
        decision = hop.decision
        if hop.source is None:
            if not d.police:
                text.append(label("incident.reported_by", lang, who=carrier), style="")
        else:
            text.append(label("incident.via", lang, who=carrier or label("incident.bot", lang)))
            if decision is not None:
                why = label("incident.by_deadline", lang) if decision.default_applied else ""
                step = decision.step
                text.append(
                    f"  [{step.rule} {step_label(step, lang)}: {why}"
                    f"{reason_text(step.rule, decision.reason)}]",
                    style="dim",
                )
        casus = story.casus.get(d.group)
        if casus is not None:
            text.append(
                label("incident.casushouder", lang, mark=CASUSHOUDER_MARK, who=who(casus)),
                style="bold",
            )
        posted = story.posted.get(d.id)
        if posted is not None:
            text.append(label("incident.posted", lang, clock=_clock(posted[1] - t0)), style="green")
        nodes[d.group] = parent.add(text)
    if story.police and not story.casus:
        root.add(Text(label("incident.no_casushouder", lang), style="dim"))
    if decisions:
        for dec in story.skipped:
            where = nodes.get(dec.source, root)
            judge = who(dec.by) if dec.by is not None else label("incident.policy", lang)
            if dec.default_applied:
                judge = label("incident.deadline", lang)
            skipped = label(
                "incident.skipped",
                lang,
                clock=_clock(dec.at - t0),
                targets=", ".join(dec.targets),
                rule=dec.step.rule,
                who=judge,
                reason=dec.reason,
            )
            where.add(Text(skipped, style="dim"))
        for p in story.pending:
            where = nodes.get(p.source, root)
            pending = label(
                "incident.pending",
                lang,
                decider=p.decider,
                targets=", ".join(p.targets),
                rule=p.step.rule,
                step=step_label(p.step, lang),
                clock=_clock(p.deadline - t0),
            )
            where.add(Text(pending, style="yellow"))
    origin = nodes.get(story.origin, root)
    for member, at, called in story.joined:
        already = ", ".join(who(m) for m in called) or label("incident.nobody", lang)
        joined = label(
            "incident.joined", lang, clock=_clock(at - t0), who=who(member), called=already
        )
        origin.add(Text(joined, style="dim"))
    if story.closed is not None:
        by, at, groups = story.closed
        afloop = plural("incident.afloop", groups, lang, clock=_clock(at - t0), who=who(by))
        root.add(Text(afloop, style="bold green"))
    else:
        root.add(Text(label("incident.no_afloop", lang), style="bold red"))
    return root
