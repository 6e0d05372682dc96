"""Target rules: real AWS only after showing account and region and an explicit yes; bad settings explain the fix.

"Real AWS" is played here by the local cloud through boto3's per-service endpoint variables
(AWS_ENDPOINT_URL_IAM, ...), so that a step which ignored the refusal would visibly create something.
"""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop import session as session_module
from workshop.session import TargetError, TargetNotConfirmed, setup

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("STS", "IAM", "DYNAMODB", "LAMBDA", "APIGATEWAYV2", "LOGS", "S3")  # S3: the ownership check looks at the bucket


@pytest.fixture
def aws_played_by(cloud, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("WORKSHOP_CONFIRM", raising=False)
    monkeypatch.setenv("WORKSHOP_TARGET", "aws")
    monkeypatch.setenv("WORKSHOP_PREFIX", "careful")
    for service in SERVICES:
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", cloud.endpoint_url)
    monkeypatch.setattr(session_module, "_confirmed_aws", set())
    return cloud


def role_names(cloud):
    return [role["RoleName"] for role in cloud.client("iam").list_roles()["Roles"]]


def run_step_script(name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, f"steps/{name}.py"], cwd=ROOT, env=dict(os.environ),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def test_a_script_on_aws_without_confirmation_creates_nothing(aws_played_by):
    result = run_step_script("01_iam_role")
    assert result.returncode != 0
    assert "account 123456789012, region us-east-1" in result.stdout
    assert "WORKSHOP_CONFIRM=yes" in result.stderr and "nothing was created" in result.stderr
    assert "careful-lambda-role" not in role_names(aws_played_by)


def test_with_confirmation_the_same_script_acts(aws_played_by, monkeypatch):
    monkeypatch.setenv("WORKSHOP_CONFIRM", "yes")
    result = run_step_script("01_iam_role")
    assert result.returncode == 0, result.stderr
    assert "Target: real AWS" in result.stdout
    assert "careful-lambda-role" in role_names(aws_played_by)


def test_a_notebook_asks_and_only_yes_goes_ahead(aws_played_by, monkeypatch, capsys):
    monkeypatch.setattr(session_module, "_interactive", lambda: True)
    monkeypatch.setattr(builtins, "input", lambda prompt: "no")
    with pytest.raises(TargetNotConfirmed):
        setup()
    monkeypatch.setattr(builtins, "input", lambda prompt: "yes")
    session = setup()
    assert session.target == "aws" and session.account_id == "123456789012"
    assert "account 123456789012, region us-east-1" in capsys.readouterr().out


def test_without_a_terminal_there_is_no_prompt(aws_played_by, monkeypatch):
    monkeypatch.setattr(session_module, "_interactive", lambda: False)
    monkeypatch.setattr(builtins, "input", lambda prompt: pytest.fail("must not prompt"))
    with pytest.raises(TargetNotConfirmed, match="WORKSHOP_CONFIRM=yes"):
        setup()


def test_missing_aws_credentials_are_explained(monkeypatch, tmp_path):
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("WORKSHOP_TARGET", "aws")
    with pytest.raises(TargetError, match="aws configure"):
        setup()


def test_an_unknown_target_is_refused(monkeypatch):
    monkeypatch.setenv("WORKSHOP_TARGET", "azure")
    with pytest.raises(TargetError, match="WORKSHOP_TARGET=aws"):
        setup()


def test_the_cli_explains_a_bad_prefix_without_a_traceback():
    result = subprocess.run([sys.executable, "-m", "workshop", "check", "00", "--prefix", "My_Chat"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "WORKSHOP_PREFIX='My_Chat' cannot start resource names" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_profile_that_does_not_exist_is_explained(aws_played_by, monkeypatch, tmp_path):
    empty_config = tmp_path / "config"
    empty_config.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty_config))
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(TargetError, match="AWS_PROFILE='no-such-profile'.*list-profiles"):
        setup()


@pytest.fixture
def requests_sent(monkeypatch):
    """The operations every boto3 client made from now on sends over HTTP (a botocore event hook), and the
    control calls (health probes) to the local cloud."""
    import botocore.handlers

    from local_cloud import control

    sent: list[str] = []

    def count(event_name: str, **kwargs) -> None:
        sent.append(event_name.split(".", 1)[1])  # before-send.sts.GetCallerIdentity -> sts.GetCallerIdentity

    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS,
                                                                ("before-send", count)])
    real_send = control.send

    def counting_send(endpoint_url, action, *args, **kwargs):
        sent.append(f"control.{action}")
        return real_send(endpoint_url, action, *args, **kwargs)

    monkeypatch.setattr(control, "send", counting_send)
    return sent


@pytest.fixture
def default_target_on(cloud, monkeypatch, tmp_path):
    """The learner's default target (no AWS_ENDPOINT_URL, no WORKSHOP_TARGET), its port the module's cloud."""
    for name in ("AWS_ENDPOINT_URL", "WORKSHOP_TARGET", "WORKSHOP_CONFIRM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKSHOP_LOCAL_PORT", str(cloud.port))
    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("WORKSHOP_PREFIX", "once")
    session_module.forget_sessions()
    yield cloud
    session_module.forget_sessions()


def test_the_second_setup_in_a_process_asks_nothing(default_target_on, requests_sent):
    first = setup()
    assert first.target == "local" and first.endpoint_url == default_target_on.endpoint_url
    assert "sts.GetCallerIdentity" in requests_sent and "control.health" in requests_sent  # found, and asked once
    requests_sent.clear()
    second = setup()
    assert second is first
    assert requests_sent == []  # no STS call, no health probe
    # Another prefix is another session: resolved again.
    os.environ["WORKSHOP_PREFIX"] = "twice"
    assert setup().prefix == "twice" and "sts.GetCallerIdentity" in requests_sent


def test_the_ownership_check_looks_once_per_session(default_target_on, requests_sent):
    from workshop import ownership

    session = setup()
    session.client("iam").create_role(RoleName="once-lambda-role", AssumeRolePolicyDocument="{}",
                                      Tags=[{"Key": "learner", "Value": "once"}])
    try:
        requests_sent.clear()
        ownership.refuse_if_taken(session)
        assert "iam.ListRoleTags" in requests_sent and len(requests_sent) >= 10
        requests_sent.clear()
        ownership.refuse_if_taken(session)
        assert requests_sent == []
    finally:
        session.client("iam").delete_role(RoleName="once-lambda-role")


def test_the_test_fixture_is_the_local_target_and_yields_to_a_changed_environment(cloud):
    from workshop.testing import target

    with target(cloud, "fixture") as installed:
        assert setup() is installed and installed.target == "local" and installed.prefix == "fixture"
        assert session_module.chosen_target() == "local"
        assert os.environ["WORKSHOP_LOCAL_PORT"] == str(cloud.port)  # a child process finds the same cloud
        # As a learner would: setup() follows it. Set directly, not with monkeypatch, whose teardown would put back
        # the block's "fixture" after target() restored the environment.
        os.environ["WORKSHOP_PREFIX"] = "changed"
        changed = setup()
        assert (changed.target, changed.prefix, changed.endpoint_url) == ("local", "changed", cloud.endpoint_url)
    assert "WORKSHOP_LOCAL_PORT" not in os.environ and os.environ.get("WORKSHOP_PREFIX") != "changed"


def test_a_remembered_local_cloud_that_was_stopped_is_started_again(monkeypatch, tmp_path):
    """After `python -m workshop stop` a kernel's next step gets a running cloud, not "connection refused"."""
    from tests.helpers.ports import free_port
    from workshop import background_cloud

    port = free_port()
    for name in ("AWS_ENDPOINT_URL", "WORKSHOP_TARGET", "WORKSHOP_CONFIRM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKSHOP_LOCAL_PORT", str(port))
    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(tmp_path))
    session_module.forget_sessions()
    try:
        first = setup()
        first_instance = background_cloud.status().health["instance"]
        assert setup() is first  # remembered while it runs
        assert background_cloud.stop() is True
        again = setup()
        assert again is not first and again.endpoint_url == first.endpoint_url
        assert background_cloud.status().health["instance"] != first_instance  # a new cloud answers
        assert again.client("sts").get_caller_identity()["Account"] == first.account_id
    finally:
        background_cloud.stop()
        session_module.forget_sessions()
