"""The commands that operate a neighbourhood day to day, over a state file.

The state file is the journal of :mod:`routing.runtime` (SQLite, one
file): ``init`` makes it from a neighbourhood's TOML file, and every other
command opens it, does one thing and closes it. A command that changes
anything is journaled before it prints; a refused one changes nothing.

People are named by name (``--as "Anna de Vries"``) or id (``--as '#3'``),
groups by id; typos get a "did you mean". ``--key`` gives a command an
intake key, so a script that runs the same command again after a crash
makes one command, not two. ``--at`` runs a command as if at that time
(epoch seconds or ISO 8601), for replaying a log or a rehearsal; time never
runs back before the last command's.
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console

from routing.domain.values import Applicant, MemberId
from routing.engine.commands import (
    Afloop,
    Confirm,
    Decide,
    Fail,
    Forward,
    React,
    Report,
    Screen,
    Tick,
)
from routing.hierarchy.changes import Admit, Change, Erase, Leave
from routing.hierarchy.config import load_hierarchy
from routing.present.labels import label
from routing.present.render import incident_tree
from routing.runtime import Clock, FakeClock, Runtime, Submitted, SystemClock

from .common import Handler, UsageError, lang_of, output_parent
from .lines import (
    audit_json,
    describe,
    document,
    incidents_json,
    incidents_table,
    output_json,
    tasks_json,
    tasks_view,
)
from .names import former_member, group_named, member_named
from .saar import add_melding_flags, ask_melding, melding_of
from .thin import STATE_ENV, default_state

__all__ = ["RESIDENT", "STATE_ENV", "NeedsTerminal", "OnState", "register"]

#: The runtime a server (:mod:`routing.cli.resident`) holds open: the
#: commands it answers use it instead of opening the state file themselves.
RESIDENT: contextvars.ContextVar[Runtime | None] = contextvars.ContextVar("RESIDENT", default=None)


def _time(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is no time: give epoch seconds or ISO 8601 (2026-12-03T21:15)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.timestamp()


def _state_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--state",
        default=default_state(os.environ),
        help=f"the state file (also: {STATE_ENV})",
    )
    p.add_argument(
        "--at", type=_time, default=None, help="act as if at this time (epoch seconds or ISO)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    return p


def _key_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--key",
        default=None,
        help="an intake key: the same key again makes no second command",
    )
    return p


def register(sub: Any) -> dict[str, Handler]:
    """Add the operating commands to the subparsers ``sub``."""
    out, state, key = output_parent(), _state_parent(), _key_parent()
    op = [out, state]
    change = [out, state, key]

    def add(name: str, help: str, parents: list[argparse.ArgumentParser]) -> Any:
        return sub.add_parser(name, parents=parents, help=help, description=help)

    p = add("init", "make a state file from a neighbourhood's TOML file", op)
    p.add_argument("file", help="the neighbourhood (docs/configuration.md)")

    p = add("admit", "admit a resident to a wijkgroep (T1)", change)
    p.add_argument("name", help="the new member's name")
    p.add_argument("--wijkgroep", required=True, help="the wijkgroep they join")
    p.add_argument("--by", required=True, help="the telefoonbeheerder who admits them")
    p.add_argument("--age", type=int, default=None, help="their age (H1); or --adult")
    p.add_argument("--adult", action="store_true", help="seen to be 18 or over (H1)")
    p.add_argument("--phone", default=None, help="their phone number")
    p.add_argument("--buurt", default=None, help="their buurt, where the wijkgroep has several")
    p.add_argument(
        "--lives-in-area",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="they live in the area (H2)",
    )
    p.add_argument(
        "--accepted-rules",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="they accepted the spelregels (H10)",
    )

    p = add("leave", "a member leaves (or is taken out by their telefoonbeheerder)", change)
    p.add_argument("member", help="who leaves")
    p.add_argument("--by", default=None, help="who asks; default: the member")

    p = add("report", "a resident reports a situation in their wijkgroep (SAAR, R1-R3)", change)
    p.add_argument("--as", dest="actor", required=True, help="the reporter")
    add_melding_flags(p)
    p.add_argument("--joins", default=None, help="the incident this sighting is about (R7)")
    p.add_argument(
        "--new-situation", action="store_true", help="not the same situation as a live one (H4)"
    )

    p = add("react", "add information in a group the incident reached (R4)", change)
    p.add_argument("incident", help="the incident, e.g. I1")
    p.add_argument("text", help="what you add")
    p.add_argument("--as", dest="actor", required=True, help="who reacts")
    p.add_argument("--group", default=None, help="where, if you are in several reached groups")
    p.add_argument(
        "--police-contact", action="store_true", help="you spoke to the police about it (R8)"
    )

    p = add("tasks", "what one member has to do: texts to paste, questions, screening", op)
    p.add_argument("--as", dest="actor", required=True, help="the member")

    p = add("confirm", "a task was posted", change)
    p.add_argument("delivery", type=int, help="the task's number")
    p.add_argument("--as", dest="actor", default=None, help="who posted it; default: its poster")

    p = add("fail", "a task could not be posted", change)
    p.add_argument("delivery", type=int, help="the task's number")
    p.add_argument("--reason", required=True, help="why not")

    p = add("decide", "answer a relevance question (S2, S3, R5, R6)", change)
    p.add_argument("question", type=int, help="the question's number")
    p.add_argument("answer", choices=("yes", "no"), help="forward or not")
    p.add_argument("--as", dest="actor", required=True, help="who answers")
    p.add_argument("--reason", default="", help="why, for the record")

    p = add("forward", "forward an incident to another group on your own decision", change)
    p.add_argument("incident", help="the incident")
    p.add_argument("--to", dest="target", required=True, help="the group it goes to")
    p.add_argument("--from", dest="source", default=None, help="where from; default: its origin")
    p.add_argument("--as", dest="actor", required=True, help="who forwards")
    p.add_argument("--reason", default="", help="why, for the record")

    p = add("screen", "release or reject what screening held (S1)", change)
    p.add_argument("incident", help="the incident")
    p.add_argument("verdict", choices=("release", "reject"), help="what becomes of it")
    p.add_argument("--as", dest="actor", required=True, help="the stuurgroep member")
    p.add_argument("--reaction", type=int, default=None, help="a held reaction's number")
    p.add_argument("--reason", default="", help="why; told to the sender on a rejection")

    p = add("afloop", "close an incident everywhere it reached (R8, P7)", change)
    p.add_argument("incident", help="the incident")
    p.add_argument("text", help="the closing message")
    p.add_argument("--as", dest="actor", required=True, help="the casushouder")

    add("tick", "apply the deadlines that are due (unanswered questions, reminders)", op)

    p = add("incidents", "the open incidents", op)
    p.add_argument("--all", dest="every", action="store_true", help="closed ones too")

    p = add("audit", "an incident's route and the decision behind every delivery", op)
    p.add_argument("incident", help="the incident")

    p = add("erase", "erase a member's personal data everywhere (AVG art. 17)", change)
    p.add_argument("member", help="whose data")
    p.add_argument(
        "--by",
        required=True,
        help="who asks: the member, their telefoonbeheerder, or a privacy contact's actor id",
    )

    return {
        "init": _init,
        "admit": _changing(_admit),
        "leave": _changing(_leave),
        "report": _changing(_report),
        "react": _changing(_react),
        "tasks": _reading(_tasks),
        "confirm": _changing(_confirm),
        "fail": _changing(_fail),
        "decide": _changing(_decide),
        "forward": _changing(_forward),
        "screen": _changing(_screen),
        "afloop": _changing(_afloop),
        "tick": _changing(_tick),
        "incidents": _reading(_incidents),
        "audit": _reading(_audit),
        "erase": _changing(_erase),
    }


# ------------------------------------------------------------------ plumbing


def _clock(args: argparse.Namespace) -> Clock:
    return SystemClock() if args.at is None else FakeClock(args.at)


class NeedsTerminal(Exception):
    """The command asks its questions at the terminal, which a server has not:
    the command runs in the caller's own process instead."""


@contextlib.contextmanager
def _open(args: argparse.Namespace) -> Iterator[Runtime]:
    """The runtime over ``--state``: the server's, if one holds it, else opened
    here and closed after the command."""
    resident = RESIDENT.get()
    if resident is not None:
        resident.refresh()
        yield resident
        return
    path = args.state
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise UsageError(f"no state file {path!r}: make one with 'buurtrouting init FILE.toml'")
    with Runtime.open(path, clock=_clock(args)) as rt:
        yield rt


def _print_json(out: Console, data: dict[str, Any]) -> None:
    # Not print_json: it re-indents and colours; scripts want the plain text.
    out.print(
        json.dumps(data, ensure_ascii=False, indent=2),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


#: What a changing command does: the runtime and its arguments in, what to submit out.
Make = Callable[[Runtime, argparse.Namespace, Console], Any]


class OnState:
    """A command that does its work on the runtime over the state file, so
    that a server holding that file can answer it."""

    def __init__(self, work: Callable[[Runtime, argparse.Namespace, Console], None]) -> None:
        self.work = work

    def __call__(self, args: argparse.Namespace, out: Console) -> int:
        with _open(args) as rt:
            self.work(rt, args, out)
        return 0


def _changing(make: Make) -> Handler:
    """A command that submits one command or change and prints what came of it."""

    def work(rt: Runtime, args: argparse.Namespace, out: Console) -> None:
        item = make(rt, args, out)
        done: Submitted = rt.submit(item, key=getattr(args, "key", None))
        _report_done(rt, args, out, done)

    return OnState(work)


def _reading(show: Callable[[Runtime, argparse.Namespace, Console], None]) -> Handler:
    return OnState(show)


def _report_done(rt: Runtime, args: argparse.Namespace, out: Console, done: Submitted) -> None:
    lang = lang_of(args)
    if args.json:
        _print_json(
            out,
            document(
                args.command,
                seq=done.seq,
                at=done.at,
                duplicate=done.duplicate,
                result=_result_json(done.result),
                outputs=[output_json(o) for o in done.outputs],
            ),
        )
        return
    if done.duplicate:
        duplicate = label("out.duplicate", lang, key=repr(done.key), seq=done.seq)
        out.print(duplicate, markup=False)
        return
    lines = [line for o in done.outputs for line in describe(o, rt.hierarchy, lang=lang)]
    for line in lines or [label("out.done", lang, seq=done.seq)]:
        out.print(line, markup=False)


def _result_json(result: Any) -> Any:
    if isinstance(result, tuple):
        return None  # a command's outputs: printed as outputs
    member = getattr(result, "member", None)
    if member is not None:
        return {"member": member}
    return result if isinstance(result, str | int | float | type(None)) else str(result)


def _who(rt: Runtime, text: str, what: str = "member") -> MemberId:
    return member_named(rt.hierarchy, text, what)


# ------------------------------------------------------------------ commands


def _init(args: argparse.Namespace, out: Console) -> int:
    path = args.state
    if os.path.exists(path) and os.path.getsize(path) > 0:
        raise UsageError(f"{path!r} exists; init makes a new state file only")
    h = load_hierarchy(args.file)
    with Runtime.open(path, hierarchy=h, clock=_clock(args)) as rt:
        groups = sum(1 for _ in rt.hierarchy.groups())
        if args.json:
            _print_json(out, document("init", state=path, members=len(rt.hierarchy), groups=groups))
        else:
            members = len(rt.hierarchy)
            line = label("out.init", lang_of(args), state=path, members=members, groups=groups)
            out.print(line, markup=False)
    return 0


def _admit(rt: Runtime, args: argparse.Namespace, out: Console) -> Change:
    h = rt.hierarchy
    if args.age is None and not args.adult:
        raise UsageError("give --age N or --adult (H1: members are 18 or over)")
    applicant = Applicant(
        name=args.name,
        age=args.age,
        lives_in_area=args.lives_in_area,
        accepted_rules=args.accepted_rules,
        buurt=args.buurt,
        phone=args.phone,
        adult_confirmed=args.adult,
    )
    return Admit(
        by=_who(rt, args.by, "telefoonbeheerder"),
        wijkgroep=group_named(h, args.wijkgroep),
        applicant=applicant,
    )


def _leave(rt: Runtime, args: argparse.Namespace, out: Console) -> Change:
    member = _who(rt, args.member)
    by = member if args.by is None else _who(rt, args.by)
    return Leave(member=member, by=by)


def _report(rt: Runtime, args: argparse.Namespace, out: Console) -> Any:
    reporter = _who(rt, args.actor, "reporter")
    form = args.form or (args.category is None and sys.stdin.isatty())
    if form and RESIDENT.get() is not None:
        raise NeedsTerminal("report --form")
    melding = ask_melding(args, out) if form else melding_of(args)
    return lambda at: Report(
        at=at,
        reporter=reporter,
        melding=melding,
        joins=args.joins,
        new_situation=args.new_situation,
    )


def _react(rt: Runtime, args: argparse.Namespace, out: Console) -> Any:
    member = _who(rt, args.actor)
    group = None if args.group is None else group_named(rt.hierarchy, args.group)
    return lambda at: React(
        at=at,
        member=member,
        incident=args.incident,
        text=args.text,
        group=group,
        police_contact=args.police_contact,
    )


def _tasks(rt: Runtime, args: argparse.Namespace, out: Console) -> None:
    member = _who(rt, args.actor)
    mine = rt.outbox(poster=member)
    if args.json:
        _print_json(out, tasks_json(rt.relay, rt.hierarchy, member, mine))
    else:
        out.print(tasks_view(rt.relay, rt.hierarchy, member, mine, lang=lang_of(args)))


def _task(rt: Runtime, delivery: int) -> Any:
    for task in rt.outbox():
        if task.id == delivery:
            return task
    return None


def _confirm(rt: Runtime, args: argparse.Namespace, out: Console) -> Any:
    task = _task(rt, args.delivery)
    if args.actor is not None:
        by: MemberId | None = _who(rt, args.actor)
    else:
        by = None if task is None else task.poster
    return lambda at: Confirm(at=at, delivery=args.delivery, by=by)


def _fail(rt: Runtime, args: argparse.Namespace, out: Console) -> Any:
    return lambda at: Fail(at=at, delivery=args.delivery, reason=args.reason)


def _decide(rt: Runtime, args: argparse.Namespace, out: Console) -> Any:
    by = _who(rt, args.actor)
    forward = args.answer == "yes"
    return lambda at: Decide(
        at=at, by=by, decision=args.question, forward=forward, reason=args.reason
    )


def _forward(rt: Runtime, args: argparse.Namespace, out: Console) -> Any:
    h = rt.hierarchy
    by = _who(rt, args.actor)
    target = group_named(h, args.target)
    source = (
        rt.relay.incident(args.incident).origin
        if args.source is None
        else group_named(h, args.source)
    )
    return lambda at: Forward(
        at=at, by=by, incident=args.incident, source=source, target=target, reason=args.reason
    )


def _screen(rt: Runtime, args: argparse.Namespace, out: Console) -> Any:
    by = _who(rt, args.actor)
    release = args.verdict == "release"
    return lambda at: Screen(
        at=at,
        by=by,
        incident=args.incident,
        release=release,
        reason=args.reason,
        reaction=args.reaction,
    )


def _afloop(rt: Runtime, args: argparse.Namespace, out: Console) -> Any:
    by = _who(rt, args.actor, "casushouder")
    return lambda at: Afloop(at=at, by=by, incident=args.incident, text=args.text)


def _tick(rt: Runtime, args: argparse.Namespace, out: Console) -> Any:
    return lambda at: Tick(at=at)


def _incidents(rt: Runtime, args: argparse.Namespace, out: Console) -> None:
    if args.json:
        _print_json(out, incidents_json(rt.relay, every=args.every))
    else:
        out.print(incidents_table(rt.relay, rt.hierarchy, every=args.every, lang=lang_of(args)))


def _audit(rt: Runtime, args: argparse.Namespace, out: Console) -> None:
    view = rt.relay.incident(args.incident)
    if args.json:
        _print_json(out, audit_json(view))
    else:
        out.print(incident_tree(view, rt.hierarchy, lang=lang_of(args)))


def _erase(rt: Runtime, args: argparse.Namespace, out: Console) -> Change:
    # A member who left is named by id: their data may still be kept.
    member = former_member(args.member)
    if member is None:
        member = _who(rt, args.member)
    asker = former_member(args.by) if args.by == args.member else None
    try:
        by: int | str = asker if asker is not None else _who(rt, args.by)
    except UsageError:
        if not any(a.id == args.by for a in rt.hierarchy.actors()):
            raise
        by = args.by  # a privacy contact's actor id
    return Erase(member=member, by=by)
