"""Every notebook runs top to bottom in its own kernel on a fresh local cloud, twice in a row, leaving nothing;
the Portuguese edition once, with its own prefix."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import workshop
from workshop import setup
from workshop.cleanup import find_leftovers
from workshop.language import ENGLISH, PORTUGUESE
from workshop.steps import NOTEBOOKS_DIR, PROJECT_ROOT, STEPS
from workshop.testing import target


def cell_text(cell) -> str:
    return "".join(output.get("text", "") or str(output.get("data", {}).get("text/plain", ""))
                   for output in cell.get("outputs", []))


def run_notebook(step, language: str = ENGLISH, extra_cells: tuple[str, ...] = ()) -> str:
    """Execute one notebook as Jupyter would (new kernel, cwd its edition's folder) and return its text output.

    extra_cells run after the notebook's own cells, in the same kernel."""
    path = step.notebook_in(language)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.extend(nbformat.v4.new_code_cell(source) for source in extra_cells)
    NotebookClient(notebook, kernel_name="python3", timeout=180,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return "".join(cell_text(cell) for cell in notebook.cells)


@pytest.mark.slow
def test_all_notebooks_twice_then_nothing_is_left(cloud, monkeypatch):
    """Round 1 builds, chats and measures (00–09); round 2 re-runs every notebook over it in new kernels, 10 last;
    10 again."""
    # Modest sizes for this 2-core test machine (the kernels inherit them); learners get 50 invokes, 10 and 100 members.
    monkeypatch.setenv("WORKSHOP_SCALE_INVOKES", "8")
    monkeypatch.setenv("WORKSHOP_FANOUT_SIZES", "3,12")
    with target(cloud, prefix="nb"):
        for round_number, steps in ((1, STEPS[:-1]), (2, STEPS), (3, STEPS[-1:])):
            outputs = {step.number: run_notebook(step) for step in steps}
            for number, text in outputs.items():
                assert f"Check {number}" in text, f"round {round_number}: notebook {number} did not reach its check"
                assert "❌" not in text, f"round {round_number}: notebook {number} failed its check:\n{text[-2000:]}"
                assert "<CheckResult" not in text, f"notebook {number}: the check cell printed its result twice"
            if round_number == 1:
                assert "Created role" in outputs["01"] and "Created API" in outputs["04"]
            if round_number == 2:  # re-run over what round 1 built: reused, nothing duplicated
                assert "The role already exists" in outputs["01"] and "Found API" in outputs["04"]
                assert "unchanged nb-connect" in outputs["03"]
            if "08" in outputs:  # a measured cold start, and the reordered message
                assert "Init Duration: " in outputs["08"] and "Cleo saw the second message first" in outputs["08"]
            if "09" in outputs:  # the second server really misses the first one's members
                assert "Bob (second server) got: nothing" in outputs["09"]
            if "10" in outputs:
                assert "✅ nothing with prefix 'nb' is left" in outputs["10"]
                assert find_leftovers(setup()) == []


@pytest.mark.slow
def test_the_portuguese_notebooks_run_then_nothing_is_left(cloud, monkeypatch):
    """One round of the pt-BR notebooks, 00 to 10, with prefix nbpt. Re-runs are the English run's part: the code
    cells are the same (tests/test_workshop_editions.py sees to it). The kernels run in notebooks/pt-BR/, so the
    learner's messages are Portuguese."""
    monkeypatch.setenv("WORKSHOP_SCALE_INVOKES", "8")
    monkeypatch.setenv("WORKSHOP_FANOUT_SIZES", "3,12")
    monkeypatch.delenv("WORKSHOP_LANG", raising=False)
    language_cell = "from workshop.language import current_language\nprint('language:', current_language())"
    with target(cloud, prefix="nbpt"):
        outputs = {step.number: run_notebook(step, PORTUGUESE, (language_cell,)) for step in STEPS}
        assert find_leftovers(setup()) == []
    for number, text in outputs.items():
        # The check's heading may be translated; its ✅ and ❌ are not.
        assert "✅" in text, f"notebook pt-BR/{number} did not reach its check:\n{text[-2000:]}"
        assert "❌" not in text, f"notebook pt-BR/{number} failed its check:\n{text[-2000:]}"
        assert "<CheckResult" not in text, f"notebook pt-BR/{number}: the check cell printed its result twice"
        assert f"language: {PORTUGUESE}" in text, f"notebook pt-BR/{number}'s kernel is not in Portuguese"
    assert "Created role" in outputs["01"] and "Created API" in outputs["04"]  # printed by code: not translated
    assert "Bob (second server) got: nothing" in outputs["09"]


def test_a_check_cell_shows_its_report_once(cloud):
    """The last line of a check cell is `check("NN")`: the report is printed, and its value adds nothing."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from workshop import check"),
        nbformat.v4.new_code_cell('result = check("00")\nresult'),
        nbformat.v4.new_code_cell("result"),
    ])
    with target(cloud, prefix="once"):
        NotebookClient(notebook, kernel_name="python3", timeout=120,
                       resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
    checked, again = notebook.cells[1].outputs, notebook.cells[2].outputs
    assert [output["output_type"] for output in checked] == ["stream"]
    assert checked[0]["text"].startswith("Check 00") and "<CheckResult" not in checked[0]["text"]
    assert "Check 00" in "".join(output.get("text", "") for output in again)  # asked for again: shown again


def test_a_kernel_in_notebooks_pt_br_imports_the_installed_workshop():
    """No notebook has a sys.path cell: its kernel is .venv's Python, where the project is installed (editable),
    so `import workshop` works from the Portuguese edition's folder, one level deeper than the English one."""
    folder = STEPS[0].notebook_in(PORTUGUESE).parent
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json, os, sys\nimport workshop\n"
        "print(json.dumps({'prefix': sys.prefix, 'workshop': workshop.__file__, 'cwd': os.getcwd(), 'path': sys.path}))")])
    NotebookClient(notebook, kernel_name="python3", timeout=60, resources={"metadata": {"path": str(folder)}}).execute()
    seen = json.loads(notebook.cells[0].outputs[0]["text"])
    assert Path(seen["cwd"]) == folder
    assert seen["prefix"] == sys.prefix, "the kernel runs another Python than this environment's"
    assert Path(seen["workshop"]) == Path(workshop.__file__)  # this repository's, through the editable install
    assert str(PROJECT_ROOT) not in seen["path"] and str(NOTEBOOKS_DIR) not in seen["path"]
