"""The demo of the README's Quick start, run as a user runs it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from routing.config import load_hierarchy

DEMO = Path(__file__).resolve().parent.parent / "examples" / "zoomwijck.py"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> str:
    # From another directory: the demo must find its TOML files by itself.
    env = {**os.environ, "COLUMNS": "100", "PYTHONIOENCODING": "utf-8"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run(
        [sys.executable, str(DEMO)],
        cwd=tmp_path_factory.mktemp("elsewhere"),
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr or done.stdout
    assert done.stderr == ""
    return done.stdout


@pytest.fixture
def demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zoomwijck_demo", DEMO)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_G1_demo_prints_phase_1(output: str) -> None:
    assert "Phase 1 (G1): zoomwijck.toml" in output
    assert "Wijkgroep Zoomwijck  wijkgroep  60/100" in output
    assert "☎ Cees Verhoef" in output


def test_G2_demo_refuses_to_split_at_60(output: str) -> None:
    assert "refused: [G2] 'Wijkgroep Zoomwijck' has 60 residents" in output


def test_G3_demo_flags_the_wijkgroep_nearly_full_before_the_split(output: str) -> None:
    assert "admitted 32 residents" in output
    assert "92/100 ⚠ nearly full" in output


def test_G2_demo_splits_into_five_wijkgroepen_and_matches_the_phase_2_file(output: str) -> None:
    assert "Wijkgroep Zoomwijck became 5 wijkgroepen" in output
    for buurt in ("Vlinderbuurt", "Bomenbuurt", "Vogelbuurt", "Bloemenbuurt", "Schildersbuurt"):
        assert f"Wijkgroep {buurt}" in output
    assert "Regiegroep Zoomwijck  regiegroep  4/100" in output
    assert "have the same groups and sizes" in output


def test_demo_prints_no_colour_codes_into_a_pipe(output: str) -> None:
    assert "\x1b[" not in output


def test_G2_split_of_phase_1_has_the_shape_of_the_phase_2_file(demo: ModuleType) -> None:
    h = load_hierarchy(demo.PHASE_1)
    demo.sign_up(h)
    assert len(h) > h.settings.split_threshold
    groups = demo.split_by_buurt(h)
    fase2 = load_hierarchy(demo.PHASE_2)
    assert demo.shape(h) == demo.shape(fase2)
    assert h.verify() == []
    # Not only the sizes: each new wijkgroep holds exactly the residents of its buurt.
    for wg in groups:
        buurten = {h.member(m).buurt for m in h.residents(wg)}
        assert buurten == {wg.removeprefix("Wijkgroep ")}
    # The stuurgroep kept its members, who stay admins of every new wijkgroep (G4, S2).
    for wg in groups:
        assert h.admins(wg) == h.admins(demo.STUURGROEP)
