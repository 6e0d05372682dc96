"""The editions' code cells are the same: each translated step's code equals the English step's, comments aside."""

from __future__ import annotations

import argparse
import io
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import jupytext

from .language import EDITION_FOLDERS, PORTUGUESE
from .steps import PROJECT_ROOT, STEPS, Step, get_step

# Every edition but English's, which is the original.
TRANSLATIONS = tuple(EDITION_FOLDERS)


def code_lines(source: str) -> list[str]:
    """A code cell's lines with comments and blank lines removed: what must not differ between editions."""
    lines = source.splitlines()
    try:
        # tokenize knows a `#` inside a string from a comment; a comment always runs to the end of its line.
        for token in tokenize.generate_tokens(io.StringIO(source + "\n").readline):
            if token.type == tokenize.COMMENT:
                row, column = token.start
                lines[row - 1] = lines[row - 1][:column]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # Not Python (a magic, an unfinished cell): whole-line comments only, so the check still runs.
        lines = [line for line in lines if not line.lstrip().startswith("#")]
    return [line.rstrip() for line in lines if line.strip()]


def code_cells(script: Path) -> list[tuple[int, list[str]]]:
    """(notebook cell number from 1, code lines) of each code cell of a step script, as jupytext reads it."""
    notebook = jupytext.read(script, fmt="py:percent")
    return [(number, code_lines(cell.source)) for number, cell in enumerate(notebook.cells, start=1)
            if cell.cell_type == "code"]


@dataclass(frozen=True)
class Difference:
    """The first place where a translated step's code is not the English step's."""

    step: Step
    language: str
    text: str

    def __str__(self) -> str:
        return f"{self.step.script_in(self.language).relative_to(PROJECT_ROOT)}: {self.text}"


def _shown(lines: list[str]) -> str:
    return repr(lines[0]) if lines else "(no code)"


def compare_scripts(english_script: Path, twin_script: Path, language: str = PORTUGUESE) -> str | None:
    """None when the twin's code cells equal the English ones, comments and blank lines aside; else the first
    difference, with its code cell number (and its cell number in the notebook, as Jupyter counts them)."""
    english, twin = code_cells(english_script), code_cells(twin_script)
    for index, ((en_cell, en_lines), (tw_cell, tw_lines)) in enumerate(zip(english, twin, strict=False), start=1):
        if en_lines == tw_lines:
            continue
        where = f"code cell {index} (notebook cell {tw_cell}; cell {en_cell} in English)"
        for line_number, (en_line, tw_line) in enumerate(zip(en_lines, tw_lines, strict=False), start=1):
            if en_line != tw_line:
                return (f"{where}, code line {line_number} differs:\n  English:    {en_line.strip()}"
                        f"\n  {language + ':':<11} {tw_line.strip()}")
        longer, shorter = (language, "English") if len(tw_lines) > len(en_lines) else ("English", language)
        extra = (tw_lines if len(tw_lines) > len(en_lines) else en_lines)[min(len(en_lines), len(tw_lines))]
        return f"{where} has a line in {longer} that {shorter} lacks: {extra.strip()}"
    if len(english) > len(twin):
        en_cell, lines = english[len(twin)]
        return (f"has {len(twin)} code cells, English has {len(english)}: code cell {len(twin) + 1} "
                f"(notebook cell {en_cell} in English) is missing; it starts with {_shown(lines)}")
    if len(twin) > len(english):
        tw_cell, lines = twin[len(english)]
        return (f"has {len(twin)} code cells, English has {len(english)}: code cell {len(english) + 1} "
                f"(notebook cell {tw_cell}) is extra; it starts with {_shown(lines)}")
    return None


def first_difference(step: Step, language: str = PORTUGUESE) -> Difference | None:
    """None when the step's twin in `language` has the English code cells; a missing twin is a difference."""
    english_script, twin_script = step.script, step.script_in(language)
    if not twin_script.is_file():
        return Difference(step, language, f"missing: translate {english_script.relative_to(PROJECT_ROOT)} into it "
                                          f"(prose and comments only), then run `python -m workshop notebooks`")
    text = compare_scripts(english_script, twin_script, language)
    return None if text is None else Difference(step, language, text)


def differences(steps: list[Step] | None = None, languages: tuple[str, ...] = TRANSLATIONS) -> list[Difference]:
    """The first difference of every translated step that has one (a missing twin is one)."""
    found = []
    for language in languages:
        for step in steps or STEPS:
            difference = first_difference(step, language)
            if difference is not None:
                found.append(difference)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workshop.editions",
        description="Check that each translated step (steps/pt-BR/NN_topic.py) has the English step's code cells, "
                    "line for line; only comments, blank lines and markdown cells may differ.")
    parser.add_argument("steps", nargs="*", help="step numbers to check, e.g. 03 04 (default: every step)")
    parser.add_argument("--language", choices=TRANSLATIONS, default=PORTUGUESE, help="the edition to compare")
    args = parser.parse_args(argv)
    try:
        steps = [get_step(number) for number in args.steps] or list(STEPS)
    except ValueError as error:
        parser.error(str(error))
    found = differences(steps, (args.language,))
    for difference in found:
        print("❌", difference)
    if found:
        print(f"{len(found)} of {len(steps)} {args.language} steps are missing or differ from English: keep the code cells as they "
              f"are in English (translate prose and comments only).")
        return 1
    print(f"✅ the code of {len(steps)} {args.language} steps equals the English steps'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
