"""A resident's melding from the command line: flags for scripts, or a form.

The form asks what the SAAR structure asks, in the order of the Waaksamen
app's form: what is going on (the category), was 112 called, the
signalement (persons and vehicles), which way they went, and what the
reporter will do. Every question is also a flag (``report --help``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import attrs
from rich.console import Console
from rich.prompt import Confirm, Prompt

from routing.domain.melding import Category, Melding, Person, Vehicle

from .common import UsageError

__all__ = ["add_melding_flags", "ask_melding", "melding_of"]

PERSON_KEYS = ("sex", "age", "height_cm", "build", "skin", "hair", "face", "clothing")
VEHICLE_KEYS = ("kind", "colour", "make", "model", "kenteken")


def add_melding_flags(p: argparse.ArgumentParser) -> None:
    """The SAAR fields of ``report``, each a flag."""
    p.add_argument(
        "--category",
        default=None,
        help="what is going on: " + ", ".join(c.value for c in Category),
    )
    p.add_argument(
        "--called-112",
        dest="called_112",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="whether 112 was called (H3); a melding without it is held for the stuurgroep",
    )
    p.add_argument(
        "--person",
        action="append",
        default=[],
        metavar="KEY=VALUE,...",
        help="a person seen, e.g. 'sex=man,age=30,clothing=zwarte jas' (keys: "
        + ", ".join(PERSON_KEYS)
        + "); repeat for more",
    )
    p.add_argument(
        "--vehicle",
        action="append",
        default=[],
        metavar="KEY=VALUE,...",
        help="a vehicle seen, e.g. 'kind=scooter,colour=rood' (keys: "
        + ", ".join(VEHICLE_KEYS)
        + ")",
    )
    p.add_argument("--direction", default=None, help="looprichting, e.g. 'richting park'")
    p.add_argument("--action", default=None, help="what you will do, e.g. 'ik blijf kijken'")
    p.add_argument("--text", default="", help="anything else")
    p.add_argument(
        "--form",
        action="store_true",
        help="ask every field in turn (the default when a terminal runs it without --category)",
    )


def _pairs(text: str, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip().replace("-", "_")
        if key == "height":
            key = "height_cm"
        if not sep or key not in keys:
            raise UsageError(f"--{what} {text!r}: give KEY=VALUE pairs with keys {', '.join(keys)}")
        value = value.strip()
        found[key] = int(value) if value.isdigit() else value
    return found


def melding_of(args: argparse.Namespace) -> Melding:
    """The melding the flags describe."""
    if args.category is None:
        raise UsageError("--category is required (or use --form)")
    if args.called_112 is None:
        raise UsageError("say whether 112 was called: --called-112 or --no-called-112")
    return Melding(
        category=args.category,
        called_112=args.called_112,
        persons=tuple(Person(**_pairs(t, PERSON_KEYS, "person")) for t in args.person),
        vehicles=tuple(Vehicle(**_pairs(t, VEHICLE_KEYS, "vehicle")) for t in args.vehicle),
        direction=args.direction,
        action=args.action or "",
        text=args.text,
    )


def ask_melding(args: argparse.Namespace, console: Console) -> Melding:
    """Fill in what the flags left open by asking, one field at a time."""

    def ask(question: str, default: str | None = None) -> str:
        try:
            return Prompt.ask(question, console=console, default=default or "") or ""
        except EOFError:
            raise UsageError("the form ended before it was filled in") from None

    def yes(question: str, default: bool) -> bool:
        try:
            return bool(Confirm.ask(question, console=console, default=default))
        except EOFError:
            raise UsageError("the form ended before it was filled in") from None

    def ask_until_valid(question: str, build: Callable[[str], Any]) -> Any:
        for _ in range(3):  # a typo is asked again, a bounded number of times
            answer = ask(question)
            try:
                return build(answer)
            except (ValueError, TypeError, UsageError) as exc:
                console.print(" ".join(str(exc).split()), style="red", markup=False)
        raise UsageError(f"no valid answer to {question!r}")

    console.print("[bold]Melding (SAAR)[/bold]")
    if args.category is None:
        choices = ", ".join(c.value for c in Category)
        args.category = ask(f"Wat is er aan de hand? ({choices})", "verdachte situatie")
    if args.called_112 is None:
        args.called_112 = yes("Is 112 gebeld?", True)
    persons: list[Person] = []
    while not args.person and len(persons) < 5 and yes("Een persoon gezien?", False):
        persons.append(
            ask_until_valid(
                f"Signalement ({', '.join(PERSON_KEYS)}; KEY=VALUE, ...)",
                lambda answer: Person(**_pairs(answer, PERSON_KEYS, "person")),
            )
        )
    vehicles: list[Vehicle] = []
    while not args.vehicle and len(vehicles) < 3 and yes("Een voertuig gezien?", False):
        vehicles.append(
            ask_until_valid(
                f"Voertuig ({', '.join(VEHICLE_KEYS)}; KEY=VALUE, ...)",
                lambda answer: Vehicle(**_pairs(answer, VEHICLE_KEYS, "vehicle")),
            )
        )
    if args.direction is None:
        args.direction = ask("Welke kant gingen ze op? (looprichting)") or None
    if args.action is None:
        args.action = ask("Wat ga je doen?", "ik houd de straat in de gaten")
    if not args.text:
        args.text = ask("Nog iets?")
    melding = melding_of(args)
    if persons or vehicles:
        melding = attrs.evolve(
            melding,
            persons=melding.persons + tuple(persons),
            vehicles=melding.vehicles + tuple(vehicles),
        )
    return melding
