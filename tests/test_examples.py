"""The demo of the README's Quick start, run as a user runs it."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from routing import Hierarchy
from routing.domain.values import GroupKind
from routing.hierarchy.config import load_hierarchy

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
        timeout=600,  # a hang guard only: a loaded machine is slow, not wrong
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


def test_G2_G3_demo_prints_the_signals_of_the_admissions(output: str) -> None:
    assert "[G2] Wijkgroep Zoomwijck passed 80 residents: split by buurt (5 buurten)" in output
    assert "[G3] Wijkgroep Zoomwijck: 90/100, nearly full" in output
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


# ------------------------------------------------------- the incident examples (issue 5)

EXAMPLES = DEMO.parent
DOCS = EXAMPLES.parent / "docs"
SCRIPTS = {
    "zoomwijck_incident": "howto-zoomwijck-incident.md",
    "gemeente": "howto-gemeente.md",
    "dorst": "howto-dorst.md",
    "flat_vs_hierarchy": "howto-flat-vs-hierarchy.md",
}


def run_plain(*argv: str, cwd: Path) -> str:
    """Run like the docs were made: 100 columns, no colour, from another directory."""
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run(
        [sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True,
        encoding="utf-8", timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return "\n".join(line.rstrip() for line in done.stdout.splitlines())


def shown(page: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(r"^```text\n(.*?)\n^```$", text, re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize(("script", "page"), SCRIPTS.items(), ids=list(SCRIPTS))
def test_example_output_is_what_its_how_to_shows(script: str, page: str, tmp_path: Path) -> None:
    out = run_plain(str(EXAMPLES / f"{script}.py"), cwd=tmp_path)
    # Each prints the hierarchy, an incident tree with its afloop, and a summary table.
    assert "members" in out
    assert "afloop" in out
    assert "messages per member per week" in out
    assert shown(page) == [out]


def test_the_cli_how_to_shows_real_output(tmp_path: Path) -> None:
    out = run_plain(
        "-m", "routing", "explain", str(EXAMPLES / "zoomwijck-fase2.toml"),
        "--from", "Wijkgroep Vlinderbuurt", "--category", "inbraak",
        "--direction", "richting Bomenbuurt", "--plain", "--width", "100", cwd=tmp_path,
    )  # fmt: skip
    assert shown("howto-cli.md") == [out]


def test_dorst_has_the_shape_of_seed_004() -> None:
    spec = importlib.util.spec_from_file_location("dorst", EXAMPLES / "dorst.py")
    assert spec is not None
    assert spec.loader is not None
    sys.path.insert(0, str(EXAMPLES))
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(EXAMPLES))
    h = module.build()
    wijkgroepen = [g for g in h.groups() if h.kind(g).value == "wijkgroep"]
    assert len(wijkgroepen) == 17
    assert 550 <= len(h) <= 650
    assert 95 <= max(len(h.residents(g)) for g in wijkgroepen) <= 105
    assert h.verify() == []


# ------------------------------------------- flat against hierarchy, with reading (H9)


def _flat_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "flat_vs_hierarchy", EXAMPLES / "flat_vs_hierarchy.py"
    )
    assert spec is not None
    assert spec.loader is not None
    sys.path.insert(0, str(EXAMPLES))
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(EXAMPLES))
    return module


def test_the_flat_group_holds_the_phase_2_residents_with_their_buurten() -> None:
    module = _flat_example()
    tiered = load_hierarchy(module.PHASE_2)
    one = module.flat(tiered)

    def buurten(h: Hierarchy) -> dict[str, str | None]:
        people = [h.member(m) for w in h.groups(GroupKind.WIJKGROEP) for m in h.residents(w)]
        return {p.name: p.buurt for p in people}

    assert len(one) == len(tiered)
    assert buurten(one) == buurten(tiered)
    assert one.verify() == []


def test_the_flat_vs_hierarchy_sweep_is_what_its_how_to_shows(tmp_path: Path) -> None:
    out = run_plain(str(EXAMPLES / "flat_vs_hierarchy.py"), "--seeds", "5", cwd=tmp_path)
    text = (DOCS / "howto-flat-vs-hierarchy.md").read_text(encoding="utf-8")
    shown_sweep = re.findall(r"^```console\n(.*?)\n^```$", text, re.MULTILINE | re.DOTALL)
    assert shown_sweep == [out]
    assert "defaults" in out
