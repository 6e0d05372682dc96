"""When something is missing, the learner is told exactly what, and why: a step skipped, a mistyped prefix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop import NotReady, check, run_step, setup
from workshop.testing import run_steps_through, target

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def deployed(cloud):
    """Prefix `real` deployed through step 05; prefix `half` through step 04 only."""
    with target(cloud, prefix="real"):
        run_steps_through("05", first="01")
    with target(cloud, prefix="half"):
        run_steps_through("04", first="01")
    return cloud


def test_a_mistyped_prefix_lists_the_prefixes_that_have_something(deployed):
    with target(deployed, prefix="reel"):
        with pytest.raises(NotReady) as raised:
            run_step("06", quiet=True)
        message = str(raised.value)
        assert "Step 06 needs the API reel-websocket-api and the stage dev of reel-websocket-api" in message
        assert "Nothing of prefix 'reel' is here, while half, real have something" in message
        assert "WORKSHOP_PREFIX=half" in message

        result = check("05", quiet=True, raise_on_failure=False)
        first = result.failures[0]
        assert first.what == "Nothing of prefix 'reel' is here, while half, real have something"
        assert "a typo in WORKSHOP_PREFIX?" in first.fix


def test_06_before_05_names_the_missing_stage_and_notebook_05(deployed):
    with target(deployed, prefix="half"), pytest.raises(NotReady) as raised:
        run_step("06", quiet=True)
    assert str(raised.value) == ("Step 06 needs the stage dev of half-websocket-api, which is not there: "
                                 "run notebook 05_deploy_stage first.")


def test_a_capitalised_prefix_is_lower_cased_with_a_note(deployed):
    with target(deployed, prefix="Real"):
        session = setup()
        assert session.prefix == "real"
        assert "note: WORKSHOP_PREFIX=Real is used as 'real' (prefixes are lower-case)" in session.describe()
        assert check("05", session, quiet=True, raise_on_failure=False).ok


def test_status_explains_an_empty_prefix(deployed):
    env = {**os.environ, **deployed.environ, "WORKSHOP_PREFIX": "chta"}
    status = subprocess.run([sys.executable, "-m", "workshop", "status"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert status.returncode == 0, status.stderr
    assert "Nothing of prefix 'chta' is deployed." in status.stdout
    assert "while half, real have something" in status.stdout
