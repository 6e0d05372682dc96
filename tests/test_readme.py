"""Every command the README and the guides show exists: make targets, `python -m` commands and options, files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", ROOT / "docs" / "instructor-guide.md", ROOT / "docs" / "troubleshooting.md",
             ROOT / "docs" / "translating.md"]

CODE = re.compile(r"```[^\n]*\n(.*?)```|`([^`\n]+)`", re.DOTALL)
MAKE = re.compile(r"(?:^|[\s;(])make((?:\s+[A-Z_]+=\S+)*)\s+([a-z][\w-]*)")
# python, py, python3 or .venv\Scripts\python, then -m module [subcommand] [arguments]
PYTHON_M = re.compile(r"(?:^|[\s;])(?:\S*python3?|py)\s+-m\s+([A-Za-z_][\w.]*)((?:\s+[^\s;`]+)*)")
PYTHON_FILE = re.compile(r"(?:^|[\s;])(?:\S*python3?|py)\s+([\w/.-]+\.py)\b")
LINK = re.compile(r"\]\(([^)\s]+)\)")
# Tools of the learner's machine, not of this repository: their commands are not checked here.
EXTERNAL_MODULES = {"venv"}


def code_snippets(document: Path) -> list[str]:
    return [block or span for block, span in CODE.findall(document.read_text(encoding="utf-8"))]


def shown_commands() -> tuple[set[str], set[tuple[str, str, tuple[str, ...]]], set[str], set[tuple[str, str]]]:
    """(make targets, python -m (module, subcommand, options), python files, (document, link target))."""
    targets: set[str] = set()
    modules: set[tuple[str, str, tuple[str, ...]]] = set()
    files: set[str] = set()
    links: set[tuple[str, str]] = set()
    for document in DOCUMENTS:
        for snippet in code_snippets(document):
            for line in snippet.splitlines():
                targets.update(target for _, target in MAKE.findall(line))
                for module, rest in PYTHON_M.findall(line):
                    words = rest.split()
                    subcommand = words[0] if words and re.fullmatch(r"[a-z][a-z-]*", words[0]) else ""
                    options = tuple(sorted(word.split("=")[0] for word in words if word.startswith("--")))
                    modules.add((module, subcommand, options))
                files.update(PYTHON_FILE.findall(line))
        for target in LINK.findall(document.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+:", target):
                links.add((document.name, target))
    return targets, modules, files, links


TARGETS, MODULES, FILES, LINKS = shown_commands()


def options_by_command() -> list[tuple[str, str, tuple[str, ...]]]:
    """One entry per (module, subcommand) with every option the docs use with it: one --help run each."""
    merged: dict[tuple[str, str], set[str]] = {}
    for module, subcommand, options in MODULES:
        if module not in EXTERNAL_MODULES:
            merged.setdefault((module, subcommand), set()).update(options)
    return [(module, sub, tuple(sorted(options))) for (module, sub), options in sorted(merged.items())]


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][\w-]*):", text, re.MULTILINE))


def test_the_documents_show_the_main_commands():
    """Guards the extraction itself: if it found nothing, the other tests would pass for nothing."""
    assert {"demo", "test", "chat", "lab"} <= TARGETS
    assert ("workshop", "demo", ()) in MODULES
    assert any(module == "workshop" and sub == "check" for module, sub, _ in MODULES)
    assert any(module == "pytest" for module, _, _ in MODULES)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_make_target_exists(target):
    assert target in makefile_targets(), f"the docs show `make {target}`, but the Makefile has no such target"


@pytest.mark.parametrize(("module", "subcommand", "options"), options_by_command())
def test_python_module_command_answers_help(module, subcommand, options):
    command = [sys.executable, "-m", module, *([subcommand] if subcommand else []), "--help"]
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    shown = " ".join(command[1:])
    assert result.returncode == 0, f"`python {shown}` failed:\n{result.stdout}\n{result.stderr}"
    for option in options:
        assert option in result.stdout, f"the docs use {option} with `python -m {module} {subcommand}`, " \
                                        f"but its --help does not list it"


@pytest.mark.parametrize("path", sorted(FILES))
def test_python_file_exists(path):
    assert (ROOT / path).is_file(), f"the docs run `python {path}`, which does not exist"


@pytest.mark.parametrize(("document", "target"), sorted(LINKS))
def test_link_target_exists(document, target):
    base = ROOT if document == "README.md" else ROOT / "docs"
    path = (base / target.split("#")[0]).resolve()
    assert path.exists(), f"{document} links to {target}, which does not exist"


def test_readme_lists_every_notebook_with_its_minutes():
    from workshop.steps import STEPS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[`(\d\d_\w+)`\]\(notebooks/\1\.ipynb\) \| .+ \| (\d+) \|$", readme, re.MULTILINE)
    assert rows == [(step.label, str(step.minutes)) for step in STEPS], "README's notebook table is out of date"
