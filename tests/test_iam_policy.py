"""The policy evaluation the local cloud's IAM uses: AWS's rules, checked without a cloud."""

from __future__ import annotations

import json

import pytest

from local_cloud.iam.policy import Effect, Policy, evaluate, resource_matches, trusts

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/chat-connections"
INDEX = f"{TABLE}/index/by-name"


def decide(statements, action, resource, context=None):
    policy = Policy({"Version": "2012-10-17", "Statement": statements}, "test-policy")
    match = evaluate([policy], action, resource, {k.lower(): v for k, v in (context or {}).items()})
    return None if match is None else match.effect


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_nothing_allows_it_is_an_implicit_deny():
    assert decide([allow("dynamodb:GetItem", TABLE)], "dynamodb:PutItem", TABLE) is None


def test_an_explicit_deny_beats_an_allow_in_any_order_and_policy():
    assert decide([allow("dynamodb:*", "*"), deny("dynamodb:PutItem", TABLE)], "dynamodb:PutItem", TABLE) is Effect.DENY
    assert decide([deny("dynamodb:PutItem", TABLE), allow("*", "*")], "dynamodb:PutItem", TABLE) is Effect.DENY
    allowing = Policy({"Statement": [allow("*")]}, "admin")
    denying = Policy({"Statement": deny("dynamodb:Put*", TABLE)}, "no-writes")  # a single statement, not a list
    assert evaluate([allowing, denying], "dynamodb:PutItem", TABLE, {}).effect is Effect.DENY
    assert evaluate([allowing, denying], "dynamodb:GetItem", TABLE, {}).effect is Effect.ALLOW


def test_actions_match_without_regard_to_case_and_with_wildcards():
    assert decide([allow("DynamoDB:putitem", TABLE)], "dynamodb:PutItem", TABLE) is Effect.ALLOW
    assert decide([allow("dynamodb:*Item", TABLE)], "dynamodb:PutItem", TABLE) is Effect.ALLOW
    assert decide([allow("dynamodb:?etItem", TABLE)], "dynamodb:GetItem", TABLE) is Effect.ALLOW
    assert decide([allow("dynamodb:?etItem", TABLE)], "dynamodb:PutItem", TABLE) is None
    assert decide([allow("dynamodb:Get*", TABLE)], "dynamodb:PutItem", TABLE) is None


def test_resources_match_with_wildcards_but_not_across_an_index():
    assert decide([allow("dynamodb:Query", "arn:aws:dynamodb:*:*:table/chat-*")], "dynamodb:Query", TABLE) is Effect.ALLOW
    # The index is its own resource: the table's ARN does not cover it, "table/NAME/index/*" does.
    assert decide([allow("dynamodb:Query", TABLE)], "dynamodb:Query", INDEX) is None
    assert decide([allow("dynamodb:Query", f"{TABLE}/index/*")], "dynamodb:Query", INDEX) is Effect.ALLOW
    # Resource ARNs are case-sensitive.
    assert decide([allow("dynamodb:Query", TABLE.upper())], "dynamodb:Query", TABLE) is None
    assert not resource_matches("arn:aws:dynamodb:us-east-1:123456789012:table/chat", TABLE)


def test_not_action_and_not_resource():
    everything_but_deletes = {"Effect": "Allow", "NotAction": ["dynamodb:Delete*"], "Resource": TABLE}
    assert decide([everything_but_deletes], "dynamodb:PutItem", TABLE) is Effect.ALLOW
    assert decide([everything_but_deletes], "dynamodb:DeleteItem", TABLE) is None
    other_tables = {"Effect": "Deny", "Action": "dynamodb:*", "NotResource": [TABLE, INDEX]}
    other = TABLE.replace("chat-connections", "payroll")
    assert decide([allow("dynamodb:*"), other_tables], "dynamodb:GetItem", other) is Effect.DENY
    assert decide([allow("dynamodb:*"), other_tables], "dynamodb:GetItem", TABLE) is Effect.ALLOW


@pytest.mark.parametrize(("operator", "policy_value", "request_value", "applies"), [
    ("StringEquals", "us-east-1", "us-east-1", True),
    ("StringEquals", "us-east-1", "eu-west-1", False),
    ("StringNotEquals", "us-east-1", "eu-west-1", True),
    ("StringEqualsIgnoreCase", "US-EAST-1", "us-east-1", True),
    ("StringLike", "us-*", "us-east-1", True),
    ("StringLike", "eu-*", "us-east-1", False),
    ("StringNotLike", "eu-*", "us-east-1", True),
    ("ArnLike", "arn:aws:iam::*:role/chat-*", "arn:aws:iam::123456789012:role/chat-lambda-role", True),
    ("ArnLike", "arn:aws:iam::*:role/chat-*", "arn:aws:iam::123456789012:role/other", False),
    ("ArnEquals", "arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/a", True),
    ("ArnNotEquals", "arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b", True),
    ("Bool", "true", "true", True),
    ("Bool", True, "false", False),
    ("NumericLessThan", "10", "3", True),
    ("IpAddress", "127.0.0.0/8", "127.0.0.1", True),
    ("NotIpAddress", "10.0.0.0/8", "127.0.0.1", True),
])
def test_condition_operators(operator, policy_value, request_value, applies):
    statement = allow("dynamodb:GetItem", TABLE, Condition={operator: {"test:Key": policy_value}})
    expected = Effect.ALLOW if applies else None
    assert decide([statement], "dynamodb:GetItem", TABLE, {"test:key": request_value}) is expected


def test_a_missing_condition_key_fails_the_condition_unless_if_exists_or_negated():
    needs = allow("dynamodb:GetItem", TABLE, Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})
    assert decide([needs], "dynamodb:GetItem", TABLE) is None
    if_exists = allow("dynamodb:GetItem", TABLE, Condition={"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}})
    assert decide([if_exists], "dynamodb:GetItem", TABLE) is Effect.ALLOW
    null = allow("dynamodb:GetItem", TABLE, Condition={"Null": {"aws:SourceVpc": "true"}})
    assert decide([null], "dynamodb:GetItem", TABLE) is Effect.ALLOW


def test_every_condition_must_hold_and_the_values_of_one_key_are_alternatives():
    statement = allow("dynamodb:GetItem", TABLE, Condition={
        "StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]},
        "Bool": {"aws:SecureTransport": "true"},
    })
    assert decide([statement], "dynamodb:GetItem", TABLE,
                  {"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "true"}) is Effect.ALLOW
    assert decide([statement], "dynamodb:GetItem", TABLE,
                  {"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "false"}) is None


def test_for_any_value_and_for_all_values():
    any_of = allow("dynamodb:GetItem", TABLE, Condition={"ForAnyValue:StringEquals": {"test:Tags": ["a", "b"]}})
    all_of = allow("dynamodb:GetItem", TABLE, Condition={"ForAllValues:StringEquals": {"test:Tags": ["a", "b"]}})
    assert decide([any_of], "dynamodb:GetItem", TABLE, {"test:tags": ["b", "z"]}) is Effect.ALLOW
    assert decide([all_of], "dynamodb:GetItem", TABLE, {"test:tags": ["b", "z"]}) is None
    assert decide([all_of], "dynamodb:GetItem", TABLE, {"test:tags": ["a", "b"]}) is Effect.ALLOW


def test_policy_variables_in_resources():
    own_items = allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/${aws:username}-*")
    assert decide([own_items], "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/alice-notes",
                  {"aws:username": "alice"}) is Effect.ALLOW
    assert decide([own_items], "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/bob-notes",
                  {"aws:username": "alice"}) is None


def test_documents_as_moto_stores_them_url_encoded_strings_too():
    text = json.dumps({"Statement": [allow("logs:PutLogEvents")]})
    from urllib.parse import quote

    assert evaluate([Policy(quote(text), "encoded")], "logs:PutLogEvents", "*", {}).effect is Effect.ALLOW


def test_trust_policies_name_the_service_that_may_assume_the_role():
    lambda_trust = Policy({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                          "Action": "sts:AssumeRole"}]}, "trust")
    ec2_trust = Policy({"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com"]},
                                       "Action": "sts:AssumeRole"}]}, "trust")
    assert trusts(lambda_trust, service="lambda.amazonaws.com")
    assert not trusts(ec2_trust, service="lambda.amazonaws.com")
    assert not trusts(Policy({"Statement": []}, "empty"), service="lambda.amazonaws.com")


def test_the_setting_is_on_or_off_and_says_so_otherwise():
    from local_cloud.iam import enabled_from

    assert enabled_from(None) and enabled_from("ON") and not enabled_from("off") and not enabled_from("0")
    with pytest.raises(ValueError, match="LOCAL_CLOUD_IAM must be 'on' or 'off'"):
        enabled_from("maybe")


# -- decisions remembered per principal ------------------------------------------------------------------------

ACCOUNT = "123456789012"


def principal_with(*statements, name: str = "ada"):
    from local_cloud.iam.principals import Principal

    policy = Policy({"Version": "2012-10-17", "Statement": list(statements)}, "inline")
    return Principal("user", f"arn:aws:iam::{ACCOUNT}:user/{name}", ACCOUNT, name, policies=[policy])


def test_a_remembered_decision_is_the_same_and_builds_no_request_context(monkeypatch):
    import local_cloud.iam as iam_module

    iam = iam_module.IAM(enabled=True)
    principal = principal_with(allow("dynamodb:*", TABLE), deny("dynamodb:DeleteItem", TABLE))
    asked = [("dynamodb:GetItem", TABLE), ("dynamodb:DeleteItem", TABLE), ("dynamodb:GetItem", INDEX)]
    first = [iam.decide(principal, action, resource) for action, resource in asked]
    assert [m and m.effect for m in first] == [Effect.ALLOW, Effect.DENY, None]
    assert len(principal.decisions) == 3

    def no_context(*_args):
        raise AssertionError("a remembered decision must not build the request context")

    monkeypatch.setattr(iam_module, "request_context", no_context)
    assert [iam.decide(principal, action, resource, {"aws:requestedregion": "eu-west-1"}, "10.0.0.1")
            for action, resource in asked] == first


def test_decisions_under_a_condition_or_a_variable_are_never_remembered():
    from local_cloud.iam import IAM

    iam = IAM(enabled=True)
    from_localhost = principal_with(allow("dynamodb:GetItem", TABLE,
                                          Condition={"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}))
    assert iam.decide(from_localhost, "dynamodb:GetItem", TABLE, None, "127.0.0.1").effect is Effect.ALLOW
    assert iam.decide(from_localhost, "dynamodb:GetItem", TABLE, None, "10.0.0.1") is None
    assert iam.decide(from_localhost, "dynamodb:GetItem", TABLE, None, "127.0.0.1").effect is Effect.ALLOW
    assert len(from_localhost.decisions) == 0
    # One conditional statement among plain ones: the whole set is left alone (a Deny may hang on a condition).
    mixed = principal_with(allow("dynamodb:*", TABLE), deny("dynamodb:GetItem", TABLE,
                                                            Condition={"Bool": {"aws:SecureTransport": "false"}}))
    assert iam.decide(mixed, "dynamodb:GetItem", TABLE).effect is Effect.ALLOW
    assert len(mixed.decisions) == 0
    own = principal_with(allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/${aws:username}-*"))
    assert iam.decide(own, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/ada-notes").effect is Effect.ALLOW
    assert len(own.decisions) == 0


def test_a_policy_change_after_a_remembered_allow_denies():
    """An IAM write through the cloud (here: put_user_policy signed by the learner) forgets what was decided."""
    import asyncio

    import boto3
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request
    from moto import mock_aws

    from local_cloud.iam import IAM

    with mock_aws():
        admin = boto3.client("iam", region_name="us-east-1", aws_access_key_id="testing",
                             aws_secret_access_key="testing")
        admin.create_user(UserName="ada")
        key = admin.create_access_key(UserName="ada")["AccessKey"]["AccessKeyId"]
        admin.put_user_policy(UserName="ada", PolicyName="chat",
                              PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow("dynamodb:*", TABLE)]}))
        iam = IAM(enabled=True)
        ada = iam.principals.find(key)
        assert iam.decide(ada, "dynamodb:PutItem", TABLE).effect is Effect.ALLOW
        assert len(ada.decisions) == 1

        deny_writes = json.dumps({"Version": "2012-10-17", "Statement": [deny("dynamodb:PutItem", TABLE)]})

        async def handler(_request):  # what moto would do with the request: the write itself
            admin.put_user_policy(UserName="ada", PolicyName="no-writes", PolicyDocument=deny_writes)
            return web.Response(text="<PutUserPolicyResponse/>")

        body = b"Action=PutUserPolicy&Version=2010-05-08&UserName=ada&PolicyName=no-writes"
        request = make_mocked_request(
            "POST", "/", headers={"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/"
                                                    "aws4_request, SignedHeaders=host, Signature=x",
                                  "Content-Type": "application/x-www-form-urlencoded"})
        request._read_bytes = body  # the body as aiohttp would have read it
        asyncio.run(iam.guard(request, handler))

        ada = iam.principals.find(key)
        match = iam.decide(ada, "dynamodb:PutItem", TABLE)
        assert match is not None and match.effect is Effect.DENY and match.policy == "no-writes"
