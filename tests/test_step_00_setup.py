"""Step 00 on a fresh local cloud: the target is the given endpoint, the environment check passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop import check, setup
from workshop.testing import run_steps_through, target

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def session(cloud):
    with target(cloud):
        run_steps_through("00")
        yield setup()


def test_check_passes(session):
    assert check("00", session, quiet=True, raise_on_failure=False).ok


def test_the_target_is_the_endpoint_with_the_local_account(session, cloud):
    assert session.target == "endpoint"
    assert session.endpoint_url == cloud.endpoint_url
    assert session.account_id == cloud.client("sts").get_caller_identity()["Account"]
    assert session.names.table == "chat-connections"


def test_the_script_runs_from_a_terminal_inside_steps(cloud):
    # (test_step_10 runs a script from the repository root)
    environment = {**os.environ, **cloud.environ, "WORKSHOP_PREFIX": "terminal"}
    result = subprocess.run([sys.executable, "00_setup.py"], cwd=ROOT / "steps", env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Check 00" in result.stdout and "❌" not in result.stdout
    assert "prefix 'terminal'" in result.stdout
