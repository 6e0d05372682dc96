"""Generate notebooks/NN_topic.ipynb from steps/NN_topic.py (the source) with jupytext, outputs stripped."""

from __future__ import annotations

import jupytext
import nbformat

from .i18n import _
from .steps import STEPS, Step

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def build_notebook(step: Step) -> nbformat.NotebookNode:
    """The notebook of a step, built in memory from its script."""
    notebook = jupytext.read(step.script, fmt="py:percent")
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


def write_all() -> list[str]:
    """Regenerate every notebook; returns the paths written."""
    written = []
    for step in STEPS:
        step.notebook.parent.mkdir(exist_ok=True)
        jupytext.write(build_notebook(step), step.notebook, fmt="ipynb")
        written.append(str(step.notebook))
    return written


def main() -> int:
    for path in write_all():
        print(_("wrote {path}").format(path=path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
