"""The Portuguese steps run like the English ones: through run_step(language="pt-BR"), and from steps/pt-BR/."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import workshop.steps
from workshop import check, lookup, setup
from workshop.language import PORTUGUESE
from workshop.steps import STEPS_DIR, run_step
from workshop.testing import run_steps_through, target


def test_the_portuguese_steps_00_and_01_build_the_role(cloud):
    with target(cloud, prefix="ptstep"):
        runs = run_steps_through("01", language=PORTUGUESE)
        session = setup()
        assert [(run.step.number, run.language) for run in runs] == [("00", PORTUGUESE), ("01", PORTUGUESE)]
        assert runs[1].namespace["role"]["RoleName"] == session.names.role == "ptstep-lambda-role"
        assert lookup.role(session) is not None
        assert check("01", session, quiet=True, raise_on_failure=False).ok
        for run in runs:  # each ran to its check (its last cell), which raises on failure
            assert "✅" in run.output and "❌" not in run.output
    assert "WORKSHOP_LANG" not in os.environ or os.environ["WORKSHOP_LANG"] != PORTUGUESE


def test_a_portuguese_script_runs_from_a_terminal_inside_steps_pt_br(cloud):
    # One folder deeper than the English scripts: `import workshop` works through the editable install.
    environment = {**os.environ, **cloud.environ, "WORKSHOP_PREFIX": "ptterminal"}
    environment.pop("WORKSHOP_LANG", None)
    folder = STEPS_DIR / PORTUGUESE
    result = subprocess.run([sys.executable, "00_setup.py"], cwd=folder, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "✅" in result.stdout and "❌" not in result.stdout
    assert "ptterminal" in result.stdout


def test_an_edition_that_does_not_exist_is_named(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="there is no 'fr' edition: editions are en, pt-BR"):
        run_step("00", language="fr")
    monkeypatch.setattr(workshop.steps, "STEPS_DIR", tmp_path)  # a twin nobody has written yet
    with pytest.raises(FileNotFoundError, match=r"step 00 has no pt-BR edition yet: .*00_setup\.py does not exist"):
        run_step("00", language=PORTUGUESE)
