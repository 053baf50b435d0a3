"""The README's Python blocks run, and the output it shows is what they print."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def test_readme_python_blocks_run_and_print_what_it_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(ROOT)  # the examples name files relative to the checkout
    out = io.StringIO()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, "README.md", "exec"), namespace)
    shown = re.search(r"This prints.*?```\n(.*?)```", README, re.S)
    assert shown is not None
    assert out.getvalue().strip() == shown.group(1).strip()


def test_quick_start_has_exactly_two_sh_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)```", quick, re.S)
    assert len(commands) == 2
    assert all(len(c.strip().splitlines()) == 1 for c in commands)
    assert "examples/zoomwijck.py" in commands[0]
    assert "pytest" in commands[1]
    assert os.path.exists(ROOT / "examples" / "zoomwijck.py")
