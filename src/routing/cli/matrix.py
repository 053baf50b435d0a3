"""The Matrix commands: ``buurtrouting matrix provision`` and ``buurtrouting matrix bridge``.

matrix-nio is imported only when one of them runs, so a bare install keeps
every other command; without the extra they say in one line what to install.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
from typing import Any

from rich.console import Console

from .common import Handler, UsageError

__all__ = ["register"]

_EXTRA = 'the matrix commands need matrix-nio: pip install "buurtpreventie-routing[matrix]"'


def register(sub: Any) -> dict[str, Handler]:
    """Add ``matrix provision`` and ``matrix bridge`` to the subparsers ``sub``."""
    from .common import Parser

    matrix = sub.add_parser("matrix", help="run the hierarchy on a Matrix homeserver")
    verbs = matrix.add_subparsers(
        dest="matrix_command", required=True, parser_class=Parser, help="what to do"
    )
    login = Parser(add_help=False)
    login.add_argument("file", help="the neighbourhood in TOML")
    login.add_argument("--homeserver", required=True, help="e.g. https://matrix.buurt.example")
    login.add_argument("--user", required=True, help="the bot's Matrix ID, @bot:server")
    login.add_argument(
        "--token", default=None, help="the bot's access token (or MATRIX_TOKEN in the environment)"
    )
    login.add_argument(
        "--password",
        default=None,
        help="the bot's password (or MATRIX_PASSWORD in the environment)",
    )
    login.add_argument(
        "--accounts",
        default=None,
        help="TOML file mapping members to Matrix IDs (docs/howto-matrix.md)",
    )

    prov = verbs.add_parser(
        "provision", parents=[login], help="make spaces and rooms mirror the hierarchy"
    )
    prov.add_argument("--dry-run", action="store_true", help="only print what would change")
    prov.add_argument(
        "--alias-prefix", default="buurt", help="start of every room alias (default: buurt)"
    )

    bridge = verbs.add_parser(
        "bridge", parents=[login], help="run the routing path on the provisioned rooms"
    )
    bridge.add_argument("--journal", required=True, help="the journal file (SQLite)")
    bridge.add_argument(
        "--delivery",
        choices=("bot", "human"),
        default="bot",
        help="bot: the bridge posts; human: a task to the forwarder",
    )
    bridge.add_argument("--policy", default="ask", help="relevance policy (default: ask)")
    bridge.add_argument(
        "--give-up",
        type=float,
        default=600.0,
        help="seconds without the homeserver before exiting (default 600)",
    )
    return {"matrix": _matrix}


def _secrets(args: argparse.Namespace) -> tuple[str | None, str | None]:
    token = args.token or os.environ.get("MATRIX_TOKEN")
    password = args.password or os.environ.get("MATRIX_PASSWORD")
    if not token and not password:
        raise UsageError("give --token or --password (or MATRIX_TOKEN / MATRIX_PASSWORD)")
    return token, password


def _matrix(args: argparse.Namespace, out: Console) -> int:
    if importlib.util.find_spec("nio") is None:
        raise UsageError(_EXTRA)
    if args.matrix_command == "provision":
        return _provision(args, out)
    return _bridge(args, out)


def _load(args: argparse.Namespace) -> tuple[Any, dict[Any, str]]:
    from routing.adapters.matrix.accounts import check_matrix_id, load_accounts
    from routing.hierarchy.config import load_hierarchy

    try:
        check_matrix_id(args.user)
    except ValueError as e:
        raise UsageError(f"--user: {e}") from None
    h = load_hierarchy(args.file)
    accounts = dict(load_accounts(args.accounts, h)) if args.accounts else {}
    return h, accounts


def _provision(args: argparse.Namespace, out: Console) -> int:
    from routing.adapters.matrix.provision import MatrixError, connect, provision

    h, accounts = _load(args)
    token, password = _secrets(args)

    async def run() -> list[Any]:
        client = await connect(args.homeserver, args.user, token=token, password=password)
        try:
            return await provision(
                client, h, accounts, dry_run=args.dry_run, prefix=args.alias_prefix
            )
        finally:
            await client.close()

    try:
        actions = asyncio.run(run())
    except (MatrixError, OSError) as e:
        raise UsageError(f"{args.homeserver}: {e}") from None
    for action in actions:
        out.print(("would: " if args.dry_run else "") + repr(action), markup=False)
    out.print(f"{len(actions)} change(s)" + (" planned" if args.dry_run else ""), markup=False)
    return 0


def _bridge(args: argparse.Namespace, out: Console) -> int:
    from routing.adapters.matrix.bridge import BridgeSettings, run_bridge

    from .common import POLICIES

    if args.policy not in POLICIES:
        raise UsageError(f"unknown policy {args.policy!r} (known: {', '.join(POLICIES)})")
    h, accounts = _load(args)
    token, password = _secrets(args)
    settings = BridgeSettings(
        homeserver=args.homeserver,
        user=args.user,
        token=token,
        password=password,
        journal=args.journal,
        delivery=args.delivery,
        policy=args.policy,
        give_up=args.give_up,
    )
    return run_bridge(settings, h, accounts, out, policy=POLICIES[args.policy]())
