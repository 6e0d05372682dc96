"""Step 00 on a fresh local cloud: the target is that local cloud, the environment check passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop import check, setup
from workshop.temporary_environ import temporary_environ
from workshop.testing import run_steps_through, target

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def session(cloud):
    with target(cloud):
        run_steps_through("00")
        yield setup()


def test_check_passes(session):
    assert check("00", session, quiet=True, raise_on_failure=False).ok


def test_the_fixture_takes_the_local_target_a_learner_takes(session, cloud):
    assert session.target == "local"
    assert session.endpoint_url == cloud.endpoint_url
    assert session.account_id == cloud.client("sts").get_caller_identity()["Account"]
    assert session.names.table == "chat-connections"
    assert session.describe().startswith(f"Target: the local cloud at {cloud.endpoint_url} ")


def test_aws_endpoint_url_set_by_a_learner_is_the_endpoint_target(cloud):
    with temporary_environ({**cloud.environ, "WORKSHOP_PREFIX": "mine", "WORKSHOP_TARGET": None}):
        session = setup()
    assert (session.target, session.endpoint_url, session.prefix) == ("endpoint", cloud.endpoint_url, "mine")
    assert "(AWS_ENDPOINT_URL)" in session.describe()


def test_the_script_runs_from_a_terminal_inside_steps(cloud):
    # (test_step_10 runs a script from the repository root)
    environment = {**os.environ, **cloud.environ, "WORKSHOP_PREFIX": "terminal"}
    result = subprocess.run([sys.executable, "00_setup.py"], cwd=ROOT / "steps", env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Check 00" in result.stdout and "❌" not in result.stdout
    assert "prefix 'terminal'" in result.stdout
