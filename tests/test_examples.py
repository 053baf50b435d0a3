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


# ------------------------------------------- the terminal tutorial, run as a reader runs it

_CONSOLE = re.compile(r"^```console\n(.*?)\n^```$", re.MULTILINE | re.DOTALL)


def console_steps(page: str) -> list[tuple[str, str]]:
    """The ``$ command`` lines of a page's ```console blocks, each with what it shows.

    A command continues on the next line after a trailing backslash, as in a shell.
    """
    steps: list[tuple[str, list[str]]] = []
    text = (DOCS / page).read_text(encoding="utf-8")
    for block in _CONSOLE.findall(text):
        going_on = False
        for line in block.splitlines():
            if going_on:
                steps[-1] = (steps[-1][0] + "\n" + line, steps[-1][1])
            elif line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                assert steps, f"{page}: output before any command: {line!r}"
                steps[-1][1].append(line)
            going_on = line.endswith("\\") and not steps[-1][1]
    return [(command, "\n".join(out)) for command, out in steps]


def run_console(page: str, cwd: Path) -> list[tuple[str, str, str]]:
    """Run every command of ``page`` in order in one directory: (command, shown, printed).

    Like the page was made: 100 columns, no colour, Dutch time, ``buurtrouting`` on
    the PATH, and the repository's ``examples`` beside the state file.
    """
    (cwd / "examples").mkdir()
    (cwd / "examples" / "zoomwijck-fase2.toml").write_bytes(
        (EXAMPLES / "zoomwijck-fase2.toml").read_bytes()
    )
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "buurtrouting").exists():  # an uninstalled checkout: the module
        bin_dir = cwd / "bin"
        bin_dir.mkdir()
        wrapper = bin_dir / "buurtrouting"
        wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m routing "$@"\n')
        wrapper.chmod(0o755)
    env = {
        **os.environ,
        "COLUMNS": "100",
        "NO_COLOR": "1",
        "TZ": "Europe/Amsterdam",
        "PYTHONIOENCODING": "utf-8",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for name in ("FORCE_COLOR", "BUURTROUTING_STATE", "BUURTROUTING_LANG"):
        env.pop(name, None)
    done = []
    for command, shown_out in console_steps(page):
        if command.startswith("export "):
            name, _, value = command.removeprefix("export ").partition("=")
            env[name] = value
            printed = ""
        else:
            ran = subprocess.run(
                ["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, encoding="utf-8", timeout=120, check=False,
            )  # fmt: skip
            printed = "\n".join(line.rstrip() for line in ran.stdout.splitlines())
        done.append((command, shown_out, printed))
    return done


@pytest.mark.skipif(os.name != "posix", reason="the tutorial's shell is POSIX")
def test_R3_S2_S3_R8_the_terminal_tutorial_shows_what_its_commands_print(
    tmp_path: Path,
) -> None:
    steps = run_console("tutorial-terminal.md", tmp_path)
    assert len(steps) >= 20
    for command, shown_out, printed in steps:
        assert printed == shown_out, command
    # The afloop reached exactly the groups the melding reached, each once (R8).
    afloops = [out for c, _, out in steps if c.startswith("buurtrouting afloop")]
    assert len(afloops) == 2
    assert "afloop by Farid el Amrani (#4) to 3 groups" in afloops[0]
    posted = re.findall(r"^task \d+: .* posts in (.*)$", afloops[0], re.MULTILINE)
    assert posted == ["Wijkgroep Vlinderbuurt", "Wijkgroep Bomenbuurt", "Regiegroep Zoomwijck"]
    # The same command with the same intake key made no second command.
    assert afloops[1].startswith("already done: key 'afloop-1'")
    audit = next(out for c, _, out in steps if c.startswith("buurtrouting audit I1 --json"))
    for group in ("Wijkgroep Vlinderbuurt", "Wijkgroep Bomenbuurt", "Regiegroep Zoomwijck"):
        assert f'"{group}"' in audit
    assert "Vogelbuurt" not in audit


def test_R8_the_chat_bot_example_posts_the_afloop_where_the_melding_went(tmp_path: Path) -> None:
    out = run_plain(str(EXAMPLES / "chatbot.py"), cwd=tmp_path)
    posts = re.findall(r"^  bot posts (p\d+) in (.*?): (.*)$", out, re.MULTILINE)
    melding = [group for _, group, text in posts if "INBRAAK" in text or "Doorgestuurd" in text]
    afloop = [group for _, group, text in posts if text.startswith("AFLOOP")]
    # Anna said no to the siblings, Bram yes to the regiegroep (S2, S3) ...
    assert melding == ["Wijkgroep Vlinderbuurt", "Regiegroep Zoomwijck"]
    # ... and the afloop went to exactly those groups, once each (R8).
    assert afloop == melding
    assert "I1 closed in Wijkgroep Vlinderbuurt, Regiegroep Zoomwijck" in out
    # The redelivered message m1 made no second report.
    assert out.count("m1 was taken in before (event 1): nothing done") == 1
    assert len(re.findall(r"^\s+bot posts p\d+ in Wijkgroep Vlinderbuurt: INBRAAK", out, re.M)) == 1
    # The erasure redacted every post that carried Farid's data, and unlinked his account.
    redacted = re.findall(r"^  bot redacts (p\d+)$", out, re.MULTILINE)
    assert redacted == [ref for ref, group, text in posts if group != "Stuurgroep Zoomwijck"]
    assert "account still linked: False" in out
