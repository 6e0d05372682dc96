"""The Portuguese steps have the English steps' code, cell for cell: the check passes for the twins, catches drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workshop.editions import code_lines, compare_scripts, first_difference
from workshop.language import PORTUGUESE
from workshop.steps import PROJECT_ROOT, STEPS, get_step

TWINS = [step for step in STEPS if step.script_in(PORTUGUESE).is_file()]


def test_every_english_step_has_a_portuguese_twin():
    missing = [str(step.script_in(PORTUGUESE).relative_to(PROJECT_ROOT)) for step in STEPS
               if not step.script_in(PORTUGUESE).is_file()]
    assert missing == [], f"translate these steps (prose and comments only): {', '.join(missing)}"


@pytest.mark.parametrize("step", TWINS, ids=lambda step: step.label)
def test_the_twin_has_the_english_code(step):
    assert first_difference(step) is None, str(first_difference(step))


@pytest.fixture
def twins(tmp_path):
    """Copies of the English step 01 and its twin, to change one of them."""
    step = get_step("01")
    english, twin = tmp_path / "en.py", tmp_path / "pt.py"
    english.write_text(step.script.read_text(encoding="utf-8"), encoding="utf-8")
    twin.write_text(step.script_in(PORTUGUESE).read_text(encoding="utf-8"), encoding="utf-8")
    assert compare_scripts(english, twin) is None
    return english, twin


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_changed_code_line_is_named_with_its_cell(twins):
    english, twin = twins
    edit(twin, 'print("Created role", role["Arn"])', 'print("Função do IAM criada", role["Arn"])')
    difference = compare_scripts(english, twin)
    assert difference is not None and difference.startswith("code cell 2 (notebook cell 4; cell 4 in English), code line 16")
    assert 'English:    print("Created role", role["Arn"])' in difference
    assert 'pt-BR:      print("Função do IAM criada", role["Arn"])' in difference


def test_comments_and_blank_lines_may_differ_but_a_hash_inside_a_string_is_code(twins):
    english, twin = twins
    edit(twin, "import json\n", "import json  # para as políticas\n\n\n")
    edit(twin, "    print(\"Created role\"", "    # a função do IAM é nova\n    print(\"Created role\"")
    assert compare_scripts(english, twin) is None
    edit(twin, '"Sid": "OwnLogGroups"', '"Sid": "OwnLogGroups#"')
    assert "code line" in (compare_scripts(english, twin) or "")


def test_a_line_added_at_the_end_of_a_cell_is_caught(twins):
    english, twin = twins
    edit(twin, 'iam = session.client("iam")\n', 'iam = session.client("iam")\nprint(iam)\n')
    difference = compare_scripts(english, twin) or ""
    assert "code cell 1 (notebook cell 2" in difference and "a line in pt-BR that English lacks: print(iam)" in difference


def test_a_missing_code_cell_is_caught(twins):
    english, twin = twins
    text = twin.read_text(encoding="utf-8")
    twin.write_text(text[:text.rindex("# %%\ncheck(")], encoding="utf-8")
    difference = compare_scripts(english, twin) or ""
    assert difference.startswith("has 3 code cells, English has 4: code cell 4 (notebook cell 9 in English)")
    assert "is missing; it starts with 'check(\"01\")'" in difference


def test_an_extra_code_cell_is_caught(twins):
    english, twin = twins
    twin.write_text(twin.read_text(encoding="utf-8") + "\n# %%\nprint(names.role)\n", encoding="utf-8")
    difference = compare_scripts(english, twin) or ""
    assert "has 5 code cells, English has 4: code cell 5 (notebook cell 10)" in difference and "is extra" in difference


def test_a_markdown_cell_more_or_less_changes_nothing(twins):
    english, twin = twins
    edit(twin, "# %% [markdown]\n# ## Verificação\n", "# %% [markdown]\n# ## Verificação\n\n# %% [markdown]\n# Pronto?\n")
    assert compare_scripts(english, twin) is None


def test_code_lines_drop_comments_and_keep_strings():
    source = "!pip install x  # instala\n  # só comentário\n\ny = '#'  # fim\nz = \"\"\"a\n# b\n\"\"\"\n"
    assert code_lines(source) == ["!pip install x", "y = '#'", 'z = """a', "# b", '"""']


def test_the_command_reports_the_twins():
    numbers = [step.number for step in TWINS[:2]] or ["00"]
    result = subprocess.run([sys.executable, "-m", "workshop.editions", *numbers], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"✅ the code of {len(numbers)} pt-BR steps equals the English steps'" in result.stdout
    wrong = subprocess.run([sys.executable, "-m", "workshop.editions", "42"], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=120)
    assert wrong.returncode == 2 and "there is no step '42'" in wrong.stderr
