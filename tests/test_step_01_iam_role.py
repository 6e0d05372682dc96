"""Step 01 on a fresh local cloud: a role Lambda can assume, with a least-privilege inline policy; re-runnable."""

from __future__ import annotations

import json

import pytest

from workshop import check, lookup, run_step, setup
from workshop.policy_audit import policy_problems
from workshop.testing import run_steps_through, target


@pytest.fixture(scope="module")
def session(cloud):
    with target(cloud):
        run_steps_through("01")
        yield setup()


def test_checks_pass(session):
    for step in ("00", "01"):
        assert check(step, session, quiet=True, raise_on_failure=False).ok


def test_the_policy_is_least_privilege(session):
    document = lookup.role_policies(session)[session.names.role_policy]
    actions = [action for statement in document["Statement"] for action in statement["Action"]]
    resources = [resource for statement in document["Statement"] for resource in statement["Resource"]]
    assert all("*" not in action for action in actions)
    connect_function = f":function:{session.names.function('$connect')}"
    disconnect_function = f":function:{session.names.function('$disconnect')}"
    assert all(session.names.table in r or f"/aws/lambda/{session.prefix}-" in r
               or r.endswith((connect_function, disconnect_function)) for r in resources)
    assert policy_problems(document, [session.names.table, "/aws/lambda/", connect_function, disconnect_function]) == []
    # The $connect follow-up and the stale members' clean-up: the role may invoke those two functions, nothing else.
    [invoke] = [s for s in document["Statement"] if "lambda:InvokeFunction" in s["Action"]]
    assert invoke["Action"] == ["lambda:InvokeFunction"]
    assert [resource.rsplit(":", 1)[-1] for resource in invoke["Resource"]] == ["chat-connect", "chat-disconnect"]
    # Removing stale members in batches; TransactWriteItems is checked as its Put/Update/Delete/ConditionCheck.
    [table_statement] = [s for s in document["Statement"] if "dynamodb:GetItem" in s["Action"]]
    assert {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"} <= set(table_statement["Action"])


def test_rerunning_keeps_one_role_and_repairs_its_trust_policy(session):
    iam = session.client("iam")
    iam.update_assume_role_policy(RoleName=session.names.role, PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    assert not check("01", session, quiet=True, raise_on_failure=False).ok  # the check notices
    run_step("01", quiet=True)
    roles = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]]
    assert roles.count(session.names.role) == 1
    assert check("01", session, quiet=True, raise_on_failure=False).ok


def test_a_wildcard_policy_fails_the_check(session):
    iam = session.client("iam")
    original = lookup.role_policies(session)[session.names.role_policy]
    iam.put_role_policy(RoleName=session.names.role, PolicyName=session.names.role_policy, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))
    try:
        result = check("01", session, quiet=True, raise_on_failure=False)
        assert not result.ok
        assert any("wildcard action" in item.fix for item in result.failures)
    finally:
        iam.put_role_policy(RoleName=session.names.role, PolicyName=session.names.role_policy,
                            PolicyDocument=json.dumps(original))
