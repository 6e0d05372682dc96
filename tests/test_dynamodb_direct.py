"""DynamoDB calls that skip moto's Flask app answer byte for byte as moto's own way does."""

from __future__ import annotations

import contextlib

import pytest

from local_cloud import LocalCloud, dynamodb_direct

TABLE = "direct-test"
# What differs between any two answers: the request id, and the second the server answered in.
VARYING_HEADERS = {"x-amzn-requestid", "x-amz-request-id", "date"}

# Reads and writes that leave the table as it was, so each runs once each way on the same data;
# successes and the errors a learner meets (no such table, a bad key, a failed condition, a bad expression).
CALLS = [
    ("get_item", {"TableName": TABLE, "Key": {"pk": {"S": "a"}}, "ConsistentRead": True}),
    ("get_item", {"TableName": TABLE, "Key": {"pk": {"S": "nobody"}}}),
    ("get_item", {"TableName": "no-such-table", "Key": {"pk": {"S": "a"}}}),
    ("get_item", {"TableName": TABLE, "Key": {"pk": {"N": "1"}}}),
    ("scan", {"TableName": TABLE, "IndexName": "by-name", "ProjectionExpression": "pk, #n",
              "ExpressionAttributeNames": {"#n": "name"}}),
    ("scan", {"TableName": TABLE, "Limit": 1}),
    ("query", {"TableName": TABLE, "KeyConditionExpression": "pk = :k", "ExpressionAttributeValues": {":k": {"S": "b"}}}),
    ("query", {"TableName": TABLE, "KeyConditionExpression": "pk = :missing", "ExpressionAttributeValues": {":k": {"S": "b"}}}),
    ("describe_table", {"TableName": TABLE}),
    ("list_tables", {}),
    ("batch_get_item", {"RequestItems": {TABLE: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}]}}}),
    ("put_item", {"TableName": TABLE, "Item": {"pk": {"S": "a"}, "name": {"S": "other"}},
                  "ConditionExpression": "attribute_not_exists(pk)"}),
    ("update_item", {"TableName": TABLE, "Key": {"pk": {"S": "b"}}, "UpdateExpression": "SET #n = :n",
                     "ExpressionAttributeNames": {"#n": "name"}, "ExpressionAttributeValues": {":n": {"S": "Bia"}},
                     "ReturnValues": "ALL_NEW"}),
    ("transact_get_items", {"TransactItems": [{"Get": {"TableName": TABLE, "Key": {"pk": {"S": "a"}}}}]}),
]


@pytest.fixture(scope="module")
def cloud():
    # In this process, so the test can switch the bridge's way of calling moto.
    with LocalCloud(mode="thread") as running:
        dynamodb = running.client("dynamodb")
        dynamodb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "name", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "by-name", "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "name": {"S": "Ana"}, "n": {"N": "1.50"},
                                                 "tags": {"SS": ["x", "y"]}, "bin": {"B": b"\x00\xff"}})
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "b"}, "name": {"S": "Bia"}})
        yield running


def raw_answers(cloud, direct: bool) -> list[tuple[int, dict[str, str], bytes]]:
    cloud._server.moto.direct_dynamodb = direct
    dynamodb = cloud.client("dynamodb")
    answers = []

    def keep(http_response, **_kwargs):
        headers = {name.lower(): value for name, value in http_response.headers.items()
                   if name.lower() not in VARYING_HEADERS}
        answers.append((http_response.status_code, headers, http_response.content))

    dynamodb.meta.events.register("after-call.dynamodb", keep)
    for operation, parameters in CALLS:
        with contextlib.suppress(dynamodb.exceptions.ClientError):
            getattr(dynamodb, operation)(**parameters)
    return answers


def test_every_call_answers_the_same_bytes_either_way(cloud):
    through_flask = raw_answers(cloud, direct=False)
    direct = raw_answers(cloud, direct=True)
    assert len(direct) == len(CALLS)
    assert {status for status, _, _ in direct} == {200, 400}  # errors were compared too
    for (operation, _), flask_answer, direct_answer in zip(CALLS, through_flask, direct, strict=True):
        assert direct_answer == flask_answer, operation


def environ(target: str = "DynamoDB_20120810.GetItem", service: str = "dynamodb", method: str = "POST",
            path: str = "/") -> dict[str, str]:
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_X_AMZ_TARGET": target,
            "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, "
                                  "SignedHeaders=host, Signature=0"}


def test_only_what_moto_would_route_to_dynamodb_is_taken_directly():
    assert dynamodb_direct.handles(environ())
    assert not dynamodb_direct.handles(environ(target="DynamoDBStreams_20120810.ListStreams"))
    assert not dynamodb_direct.handles(environ(service="s3"))  # moto routes by the signature's scope first
    assert not dynamodb_direct.handles(environ(method="GET"))
    assert not dynamodb_direct.handles(environ(path="/other"))
    assert not dynamodb_direct.handles({**environ(), "HTTP_AUTHORIZATION": ""})
