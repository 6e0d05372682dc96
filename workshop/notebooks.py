"""Generate notebooks/NN_topic.ipynb from steps/NN_topic.py (the source) with jupytext, outputs stripped, per edition."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

from .i18n import _
from .language import ENGLISH
from .steps import EDITIONS, PROJECT_ROOT, STEPS, Step

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def build_notebook(step: Step, language: str = ENGLISH) -> nbformat.NotebookNode:
    """The notebook of a step in an edition, built in memory from that edition's script."""
    notebook = jupytext.read(step.script_in(language), fmt="py:percent")
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for number, cell in enumerate(notebook.cells):
        cell.id = f"{step.number}-{number:02d}"  # stable ids: regenerating changes nothing
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def cells_of(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(type, source) of each cell: what must match between a script and its notebook."""
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def write_all() -> tuple[list[str], list[str]]:
    """Regenerate every notebook of every edition; returns (paths written, notes on twins not written yet)."""
    written, skipped = [], []
    for language in EDITIONS:
        for step in STEPS:
            script, notebook = step.script_in(language), step.notebook_in(language)
            if not script.is_file():
                # A translation in progress: its other notebooks are still worth regenerating.
                skipped.append(_("{script} does not exist yet: {notebook} not written").format(
                    script=_shown(script), notebook=_shown(notebook)))
                continue
            notebook.parent.mkdir(parents=True, exist_ok=True)
            jupytext.write(build_notebook(step, language), notebook, fmt="ipynb")
            written.append(str(notebook))
    return written, skipped


def main() -> int:
    written, skipped = write_all()
    for path in written:
        print(_("wrote {path}").format(path=path))
    for note in skipped:
        print(_("skipped: {note}").format(note=note))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
