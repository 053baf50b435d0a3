"""``python -m routing``: the command line of :mod:`routing.cli`."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
