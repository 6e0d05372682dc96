"""The least-privilege audit used by check 01/04: what counts as scoped, what is a wildcard."""

from __future__ import annotations

import pytest

from workshop.policy_audit import permission_problems, policy_problems

OWN = [":us-east-1:111122223333:table/chat-connections",
       ":us-east-1:111122223333:log-group:/aws/lambda/chat-connect:"]


def statement(action, resource):
    return {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


@pytest.mark.parametrize("resource", [
    "arn:aws:dynamodb:us-east-1:111122223333:table/chat-connections",
    "arn:aws:dynamodb:us-east-1:111122223333:table/chat-connections/index/by-name",
    "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/chat-connect:*",
])
def test_named_resources_are_scoped(resource):
    assert policy_problems(statement("dynamodb:GetItem", resource), OWN) == []


@pytest.mark.parametrize("resource", [
    "*",
    "arn:aws:dynamodb:*:*:table/chat-connections",
    "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/*",
    "arn:aws:dynamodb:us-east-1:111122223333:table/someone-elses-table",
])
def test_wildcards_and_foreign_resources_are_not(resource):
    [problem] = policy_problems(statement("dynamodb:GetItem", resource), OWN)
    assert "scope it" in problem


@pytest.mark.parametrize("action", ["*", "dynamodb:*", "dynamodb:Get*"])
def test_wildcard_actions_are_refused(action):
    problems = policy_problems(statement(action, "arn:aws:dynamodb:us-east-1:111122223333:table/chat-connections"), OWN)
    assert problems and "wildcard action" in problems[0]


def test_a_permission_without_source_arn_is_refused():
    expected = "arn:aws:execute-api:us-east-1:111122223333:abc123/*/sendPublic"
    with_arn = {"Sid": "ok", "Condition": {"ArnLike": {"AWS:SourceArn": expected}}}
    assert permission_problems([with_arn], expected) == []
    problems = permission_problems([with_arn, {"Sid": "open"}], expected)
    assert problems == ["permission 'open' has no SourceArn: any API could invoke the function"]
    assert permission_problems([], expected) == [f"no permission lets API Gateway invoke it from {expected}"]
