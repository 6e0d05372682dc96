"""The DynamoDB transaction patch: a refused transaction is undone item by item, never by copying the table."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends

from local_cloud import Settings, patches

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def ddb():
    patches.apply(Settings(port=0))
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION, aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        client.create_table(
            TableName="flat", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        client.create_table(
            TableName="ranged", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
        yield client


def everything(client, table):
    return sorted((str(item)) for item in client.scan(TableName=table)["Items"])


def test_a_refused_transaction_undoes_its_earlier_writes_and_keeps_the_table_object(ddb):
    ddb.put_item(TableName="flat", Item={"pk": {"S": "taken"}, "n": {"N": "1"}})
    ddb.put_item(TableName="flat", Item={"pk": {"S": "counter"}, "n": {"N": "5"}})
    ddb.put_item(TableName="ranged", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"S": "old"}})
    tables = dynamodb_backends[ACCOUNT][REGION].tables
    flat, ranged = tables["flat"], tables["ranged"]
    before = everything(ddb, "flat"), everything(ddb, "ranged")

    with pytest.raises(ddb.exceptions.TransactionCanceledException) as refused:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "flat", "Item": {"pk": {"S": "new"}}}},
            {"Update": {"TableName": "flat", "Key": {"pk": {"S": "counter"}},
                        "UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": "ranged", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}}},
            {"Put": {"TableName": "ranged", "Item": {"pk": {"S": "b"}, "sk": {"S": "9"}}}},
            {"Put": {"TableName": "flat", "Item": {"pk": {"S": "taken"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    reasons = [reason["Code"] for reason in refused.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "None", "ConditionalCheckFailed"]
    assert (everything(ddb, "flat"), everything(ddb, "ranged")) == before
    assert tables["flat"] is flat and tables["ranged"] is ranged  # no copy of the table was made


def test_an_accepted_transaction_writes_everything(ddb):
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "flat", "Item": {"pk": {"S": "x"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Put": {"TableName": "ranged", "Item": {"pk": {"S": "x"}, "sk": {"S": "1"}}}},
    ])
    assert len(ddb.scan(TableName="flat")["Items"]) == 1 and len(ddb.scan(TableName="ranged")["Items"]) == 1


def test_a_transaction_naming_one_item_twice_is_refused_and_changes_nothing(ddb):
    with pytest.raises(ddb.exceptions.ClientError, match="multiple operations"):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "flat", "Item": {"pk": {"S": "same"}}}},
            {"Delete": {"TableName": "flat", "Key": {"pk": {"S": "same"}}}},
        ])
    assert ddb.scan(TableName="flat")["Items"] == []
