"""Every notebook is its step script, cell for cell, with outputs stripped; the kernel is this venv's Python."""

from __future__ import annotations

import sys

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from workshop.notebooks import build_notebook, cells_of
from workshop.steps import NOTEBOOKS_DIR, STEPS, STEPS_DIR


def test_every_step_has_a_notebook_and_nothing_else_is_there():
    assert sorted(p.stem for p in STEPS_DIR.glob("*.py")) == [step.label for step in STEPS]
    assert sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")) == [step.label for step in STEPS]


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.label)
def test_notebook_equals_its_script(step):
    notebook = nbformat.read(step.notebook, as_version=4)
    assert cells_of(notebook) == cells_of(build_notebook(step)), (
        f"{step.notebook.name} differs from {step.script.name}: run `python -m workshop notebooks`")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "outputs must be stripped"
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.label)
def test_each_notebook_opens_with_its_title_and_minutes_a_what_could_go_wrong_note_and_its_check(step):
    notebook = build_notebook(step)
    assert notebook.cells[0].cell_type == "markdown"
    assert notebook.cells[0].source.startswith(f"# {step.number} · ") and "minutes" in notebook.cells[0].source
    assert f'check("{step.number}")' in notebook.cells[-1].source
    assert any("What could go wrong" in cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def test_the_python3_kernel_runs_this_venvs_python():
    assert "python3" in KernelSpecManager().find_kernel_specs()
    command = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert command[0] == sys.executable
