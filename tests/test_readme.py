"""Every command the READMEs and the guides show, in both editions, exists: make targets, `python -m` commands and
options, files, links."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workshop.language import PORTUGUESE
from workshop.steps import STEPS

ROOT = Path(__file__).resolve().parent.parent
# Each document in English and in Portuguese. A missing one is skipped by name (see test_the_document_exists),
# never silently: while a translation is being written on its branch, the others are still checked.
DOCUMENTS = [ROOT / name for name in (
    "README.md", "README.pt-BR.md",
    "docs/instructor-guide.md", "docs/instructor-guide.pt-BR.md",
    "docs/troubleshooting.md", "docs/troubleshooting.pt-BR.md",
    "docs/translating.md",
)]
WRITTEN = [document for document in DOCUMENTS if document.is_file()]

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
    for document in WRITTEN:
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
                links.add((str(document.relative_to(ROOT)), target))
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


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: str(document.relative_to(ROOT)))
def test_the_document_exists(document):
    if not document.is_file():
        pytest.skip(f"{document.relative_to(ROOT)} is not written yet (a translation on another branch): "
                    f"its commands and links are not checked until it exists")


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


def not_translated_yet(path: Path) -> str | None:
    """Why a missing link target may be missing for now: a document or pt-BR notebook still being translated."""
    if path in DOCUMENTS:
        return f"{path.relative_to(ROOT)} is not written yet (a translation on another branch)"
    if path.parent.name == PORTUGUESE and (path.parent.parent / path.name).exists():
        return f"{path.relative_to(ROOT)} is not translated yet (tests/test_workshop_editions.py lists what is missing)"
    return None


@pytest.mark.parametrize(("document", "target"), sorted(LINKS))
def test_link_target_exists(document, target):
    path = ((ROOT / document).parent / target.split("#")[0]).resolve()
    if not path.exists() and not_translated_yet(path):
        pytest.skip(f"{document} links to {target}: {not_translated_yet(path)}")
    assert path.exists(), f"{document} links to {target}, which does not exist"


@pytest.mark.parametrize(("readme", "folder"), [("README.md", "notebooks/"), ("README.pt-BR.md", "notebooks/pt-BR/")])
def test_readme_lists_every_notebook_with_its_minutes(readme, folder):
    text = (ROOT / readme).read_text(encoding="utf-8")
    row = r"^\| \[`(\d\d_\w+)`\]\(" + re.escape(folder) + r"\1\.ipynb\) \| .+ \| (\d+) \|$"
    rows = re.findall(row, text, re.MULTILINE)
    assert rows == [(step.label, str(step.minutes)) for step in STEPS], f"{readme}'s notebook table is out of date"


def test_each_readme_links_to_the_other_at_its_top():
    english = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    portuguese = (ROOT / "README.pt-BR.md").read_text(encoding="utf-8").splitlines()
    assert "Português: [README.pt-BR.md](README.pt-BR.md)" in english[:5]
    assert "English: [README.md](README.md)" in portuguese[:5]
