"""A malformed KeyConditionExpression is refused as AWS refuses it: 400 ValidationException at once, with a hint."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from local_cloud import Settings, patches
from local_cloud.patches import dynamodb_key_conditions

REGION = "us-east-1"
VALUES = {":pk": {"S": "room"}, ":sk": {"S": "2026"}, ":or": {"S": "x"}}


@pytest.fixture
def ddb():
    patches.apply(Settings(port=0))
    with mock_aws():
        # No retries: a 500 would be retried and still fail; a 400 is never retried. Either way one call here.
        client = boto3.client("dynamodb", region_name=REGION, aws_access_key_id="testing",
                              aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1}))
        client.create_table(
            TableName="ranged", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
        client.put_item(TableName="ranged", Item={"pk": {"S": "room"}, "sk": {"S": "2026-12"}})
        yield client


def query(client, expression):
    return client.query(TableName="ranged", KeyConditionExpression=expression, ExpressionAttributeValues={
        name: value for name, value in VALUES.items() if name in expression})


@pytest.mark.parametrize(("expression", "message"), [
    ("pk = = :pk", 'Invalid KeyConditionExpression: Syntax error; near: "pk = = :pk"'),
    ("pk == :pk", 'Invalid KeyConditionExpression: Syntax error; near: "pk == :pk"'),
    ("pk = :pk AND AND sk = :sk", 'Invalid KeyConditionExpression: Syntax error; near: "pk = :pk AND AND sk = :sk"'),
    ("pk <> :pk", "Invalid operator used in KeyConditionExpression: <>"),
    ("pk = :pk OR sk = :sk", "Invalid operator used in KeyConditionExpression: OR"),
    ("pk = :pk AND", 'Invalid KeyConditionExpression: Syntax error; token: <EOF>, near: "AND"'),
])
def test_a_malformed_key_condition_is_a_validation_exception_with_a_hint(ddb, expression, message):
    with pytest.raises(ddb.exceptions.ClientError) as refused:
        query(ddb, expression)
    error = refused.value.response["Error"]
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(message)
    assert "Local cloud hint" in error["Message"] and "FilterExpression" in error["Message"]


@pytest.mark.parametrize("expression", [
    "pk = :pk", "pk = :pk AND begins_with(sk, :sk)", "pk = :pk AND sk >= :sk", "(pk = :pk) AND (sk > :sk)",
])
def test_well_formed_key_conditions_still_find_the_item(ddb, expression):
    assert query(ddb, expression)["Count"] == 1


def test_a_placeholder_that_spells_an_operator_is_not_one():
    assert "Syntax error" in str(dynamodb_key_conditions.refusal("pk = :or = x"))
    assert "operator" in str(dynamodb_key_conditions.refusal("pk = :pk OR x"))


def test_moto_alone_answers_500_for_what_the_patch_refuses(ddb):
    # The case the patch exists for: without it, moto's tokenizer asserts (a 500 on the wire).
    original = dynamodb_key_conditions.responses.parse_expression.__wrapped__
    with pytest.raises(AssertionError):
        original(key_condition_expression="pk = = :pk", expression_attribute_values=VALUES,
                 expression_attribute_names={}, schema=[{"AttributeName": "pk", "KeyType": "HASH"}])
