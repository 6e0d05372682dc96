"""An Event invocation waits a moment for a busy worker of its function before it starts a new environment."""

from __future__ import annotations

import json
import re

import pytest

from local_cloud.lambda_runtime import pool
from tests.test_lambda_runtime import create_role, deploy, invoke, wait_for_log

# Invokes itself with InvocationType="Event" (as the chat's $connect does for its follow-up), then lingers.
SELF_INVOKING = """
    import json, os, time
    import boto3

    def handler(event, context):
        print(f"ran {event['mark']} in pid {os.getpid()}")
        if event.get("then"):
            boto3.client("lambda").invoke(FunctionName=context.invoked_function_arn, InvocationType="Event",
                                          Payload=json.dumps({"mark": event["then"]}))
            time.sleep(event.get("linger", 0))
        return {}
"""


@pytest.fixture(scope="module")
def role(thread_cloud):
    arn = create_role(thread_cloud)
    thread_cloud.client("iam").put_role_policy(RoleName=arn.rsplit("/", 1)[1], PolicyName="invoke-itself",
                                               PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                                   {"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                                    "Resource": "*"}]}))
    return arn


def pids(cloud, name: str, marks: list[str]) -> dict[str, int]:
    events = wait_for_log(cloud, name, "ran ", count=len(marks))
    found = dict(re.findall(r"ran (\S+) in pid (\d+)", "\n".join(event["message"] for event in events)))
    return {mark: int(found[mark]) for mark in marks}


def test_an_event_from_a_finishing_invocation_reuses_its_worker(thread_cloud, role, monkeypatch):
    monkeypatch.setattr(pool, "EVENT_PATIENCE_SECONDS", 5.0)  # room for a slow test machine; the default is 0.1
    name = deploy(thread_cloud, role, SELF_INVOKING, Timeout=10)
    response, _ = invoke(thread_cloud.client("lambda"), name, {"mark": "first", "then": "follow-up"})
    assert response["StatusCode"] == 200
    ran = pids(thread_cloud, name, ["first", "follow-up"])
    assert ran["follow-up"] == ran["first"]  # one environment: no second cold start


def test_an_event_does_not_wait_longer_than_its_patience(thread_cloud, role, monkeypatch):
    monkeypatch.setattr(pool, "EVENT_PATIENCE_SECONDS", 0.1)
    name = deploy(thread_cloud, role, SELF_INVOKING, Timeout=10)
    lam = thread_cloud.client("lambda")
    invoke(lam, name, {"mark": "warm-up"})  # one idle worker, then busy for 3 s below
    response, _ = invoke(lam, name, {"mark": "first", "then": "follow-up", "linger": 3})
    assert response["StatusCode"] == 200
    ran = pids(thread_cloud, name, ["first", "follow-up"])
    assert ran["follow-up"] != ran["first"]  # the busy worker stayed busy: a new environment ran it
