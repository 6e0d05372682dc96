"""Every command of `python -m workshop` (and of `python -m workshop class`) is documented in the READMEs, and every
`python -m workshop ...` command a document shows exists."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from workshop import cli
from workshop.classroom import cli as class_cli

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", ROOT / "README.pt-BR.md"]
DOCUMENTS = [*READMES, *sorted((ROOT / "docs").glob("*.md"))]

CODE = re.compile(r"```[^\n]*\n(.*?)```|`([^`\n]+)`", re.DOTALL)
# `python -m workshop` (not workshop.chat_catalog), then up to two command words before the first option or value
SHOWN = re.compile(r"python3?\s+-m\s+workshop(?![\w.])((?:\s+[a-z][a-z-]*){0,2})")


def subcommands(parser: argparse.ArgumentParser) -> list[str]:
    """The commands a parser knows: the choices of its subparsers action (argparse keeps them there)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


COMMANDS = subcommands(cli.build_parser())
CLASS_COMMANDS = subcommands(class_cli.build_parser())


def shown_commands(document: Path) -> set[tuple[str, ...]]:
    """The command words of each `python -m workshop ...` in the document's code: ("class", "sweep"), ("url",)."""
    shown: set[tuple[str, ...]] = set()
    for block, span in CODE.findall(document.read_text(encoding="utf-8")):
        for words in SHOWN.findall(block or span):
            words = tuple(words.split())
            shown.add(words[:2] if words[:1] == ("class",) else words[:1])
    return shown


SHOWN_IN_DOCUMENTS = sorted({(str(document.relative_to(ROOT)), words)
                             for document in DOCUMENTS for words in shown_commands(document) if words})


def test_the_commands_are_read_from_the_parsers():
    """Guards the reading itself: if it found nothing, the tests below would pass for nothing."""
    assert {"deploy", "destroy", "check", "status", "url", "lab", "demo", "chat", "class"} <= set(COMMANDS)
    assert {"policy", "status", "sweep"} <= set(CLASS_COMMANDS)
    assert ("README.md", ("deploy",)) in SHOWN_IN_DOCUMENTS


@pytest.mark.parametrize("readme", READMES, ids=lambda path: path.name)
@pytest.mark.parametrize("command", [(command,) for command in COMMANDS]
                         + [("class", command) for command in CLASS_COMMANDS], ids=" ".join)
def test_every_command_is_documented_in_the_readme(readme, command):
    assert any(shown[:len(command)] == command for shown in shown_commands(readme)), (
        f"`python -m workshop {' '.join(command)}` is not shown in {readme.name}: add it to its table of commands")


@pytest.mark.parametrize(("document", "command"), SHOWN_IN_DOCUMENTS, ids=lambda value: str(value))
def test_every_documented_command_exists(document, command):
    assert command[0] in COMMANDS, f"{document} shows `python -m workshop {command[0]}`, which is no command"
    if command[0] == "class" and len(command) > 1:
        assert command[1] in CLASS_COMMANDS, (
            f"{document} shows `python -m workshop class {command[1]}`, which is no command of `class`")
