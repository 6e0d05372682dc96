"""Every notebook is its step script, cell for cell, with outputs stripped, in each edition; the kernel is this venv's."""

from __future__ import annotations

import sys

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

import workshop.steps
from workshop.language import PORTUGUESE
from workshop.notebooks import build_notebook, cells_of, write_all
from workshop.steps import NOTEBOOKS_DIR, STEPS, STEPS_DIR, edition_folder

# The pt-BR twins written so far (tests/test_workshop_editions.py fails while any is missing).
EDITIONS = [(step, "en") for step in STEPS] + [
    (step, PORTUGUESE) for step in STEPS if step.script_in(PORTUGUESE).is_file()]
# What each edition's first and last cells say: the title with its minutes, the "what could go wrong" note.
WORDS = {"en": ("minutes", "What could go wrong"), PORTUGUESE: ("minutos", "O que pode dar errado")}


def edition_id(pair) -> str:
    step, language = pair
    return step.label if language == "en" else f"{language}/{step.label}"


def test_every_step_has_a_notebook_and_nothing_else_is_there():
    assert sorted(p.stem for p in STEPS_DIR.glob("*.py")) == [step.label for step in STEPS]
    assert sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")) == [step.label for step in STEPS]


def test_every_portuguese_step_is_a_twin_and_has_its_notebook():
    labels = [step.label for step in STEPS]
    scripts = sorted(p.stem for p in edition_folder(STEPS_DIR, PORTUGUESE).glob("*.py"))
    notebooks = sorted(p.stem for p in edition_folder(NOTEBOOKS_DIR, PORTUGUESE).glob("*.ipynb"))
    assert scripts, "steps/pt-BR/ holds no step"
    assert [label for label in scripts if label not in labels] == [], "a pt-BR step must keep its English name"
    assert notebooks == scripts, "run `python -m workshop notebooks`: notebooks/pt-BR/ must mirror steps/pt-BR/"


@pytest.mark.parametrize("pair", EDITIONS, ids=edition_id)
def test_notebook_equals_its_script(pair):
    step, language = pair
    path = step.notebook_in(language)
    notebook = nbformat.read(path, as_version=4)
    assert cells_of(notebook) == cells_of(build_notebook(step, language)), (
        f"{path.name} differs from {step.script_in(language).name}: run `python -m workshop notebooks`")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "outputs must be stripped"
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("pair", EDITIONS, ids=edition_id)
def test_each_notebook_opens_with_its_title_and_minutes_a_what_could_go_wrong_note_and_its_check(pair):
    step, language = pair
    minutes, what_could_go_wrong = WORDS[language]
    notebook = build_notebook(step, language)
    assert notebook.cells[0].cell_type == "markdown"
    assert notebook.cells[0].source.startswith(f"# {step.number} · ")
    assert f"{step.minutes} {minutes}" in notebook.cells[0].source.splitlines()[0]
    assert f'check("{step.number}")' in notebook.cells[-1].source
    assert any(what_could_go_wrong in cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def test_regenerating_writes_both_editions_and_names_a_twin_not_written_yet(monkeypatch, tmp_path):
    steps, notebooks = tmp_path / "steps", tmp_path / "notebooks"
    (steps / PORTUGUESE).mkdir(parents=True)
    for step in STEPS[:2]:
        (steps / step.script.name).write_bytes(step.script.read_bytes())
    (steps / PORTUGUESE / STEPS[0].script.name).write_bytes(STEPS[0].script_in(PORTUGUESE).read_bytes())
    monkeypatch.setattr(workshop.steps, "STEPS_DIR", steps)
    monkeypatch.setattr(workshop.steps, "NOTEBOOKS_DIR", notebooks)
    written, skipped = write_all()
    assert written == [str(notebooks / "00_setup.ipynb"), str(notebooks / "01_iam_role.ipynb"),
                       str(notebooks / PORTUGUESE / "00_setup.ipynb")]
    assert f"{steps / PORTUGUESE / '01_iam_role.py'} does not exist yet: " \
           f"{notebooks / PORTUGUESE / '01_iam_role.ipynb'} not written" in skipped
    written_notebook = nbformat.read(notebooks / PORTUGUESE / "00_setup.ipynb", as_version=4)
    assert cells_of(written_notebook) == cells_of(build_notebook(STEPS[0], PORTUGUESE))
    assert written_notebook.cells[0].source.startswith("# 00 · Preparação")


def test_the_python3_kernel_runs_this_venvs_python():
    assert "python3" in KernelSpecManager().find_kernel_specs()
    command = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert command[0] == sys.executable
