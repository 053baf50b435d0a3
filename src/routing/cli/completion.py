"""``buurtrouting completion bash|zsh|tcsh``: a shell completion script (shtab)."""

from __future__ import annotations

import argparse
from typing import Any

import shtab
from rich.console import Console

from .common import Handler

__all__ = ["SHELLS", "register"]

SHELLS = ("bash", "zsh", "tcsh")


def register(sub: Any, parser: argparse.ArgumentParser) -> dict[str, Handler]:
    """Add ``completion`` to the subparsers ``sub`` of ``parser``, whose
    commands it completes."""
    co = sub.add_parser("completion", help="print a shell completion script")
    co.add_argument("shell", choices=SHELLS, help="the shell to complete in")

    def _completion(args: argparse.Namespace, out: Console) -> int:
        script = shtab.complete(parser, shell=args.shell)
        out.file.write(script if script.endswith("\n") else script + "\n")
        return 0

    return {"completion": _completion}
