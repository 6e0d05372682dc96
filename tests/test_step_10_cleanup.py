"""Step 10 on a fresh local cloud: a dry run deletes nothing, the clean-up leaves nothing, and re-runs are safe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop import check, setup
from workshop.cleanup import destroy_all, find_leftovers
from workshop.testing import run_steps_through, target

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def session(cloud):
    with target(cloud):
        run_steps_through("05")
        yield setup()


def test_a_dry_run_lists_everything_and_deletes_nothing(session):
    before = find_leftovers(session)
    kinds = [kind for kind, _, _ in before]
    assert kinds.count("api") == 1 and kinds.count("function") == 7 and kinds.count("table") == 1
    assert kinds.count("role") == 1 and kinds[0] == "api" and kinds[-1] == "log group"  # dependency order
    run = destroy_all(dry_run=True)
    assert "Dry run: nothing was deleted." in run.output
    assert "chat-lambda-role" in run.output
    assert find_leftovers(session) == before


def test_the_script_cleans_up_and_proves_nothing_is_left(session, cloud):
    environment = {**os.environ, **cloud.environ, "WORKSHOP_PREFIX": "chat"}
    result = subprocess.run([sys.executable, "steps/10_cleanup.py"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "✅ nothing with prefix 'chat' is left" in result.stdout
    assert find_leftovers(session) == []
    assert session.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/chat-")["logGroups"] == []


def test_rerunning_on_an_empty_target_is_fine(session):
    run = destroy_all()
    assert "0 resources of prefix 'chat'" in run.output
    assert check("10", session, quiet=True, raise_on_failure=False).ok


def test_the_check_notices_leftovers(session):
    session.client("dynamodb").create_table(
        TableName="chat-connections", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}])
    result = check("10", session, quiet=True, raise_on_failure=False)
    assert not result.ok and "table chat-connections" in result.failures[0].fix
    destroy_all()
    assert check("10", session, quiet=True, raise_on_failure=False).ok
