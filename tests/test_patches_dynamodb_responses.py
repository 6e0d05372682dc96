"""The DynamoDB response patch: items are written byte for byte as moto's generic serializer writes them."""

from __future__ import annotations

import base64
from decimal import Decimal

import boto3
import pytest
from moto import mock_aws
from moto.core.responses import ActionContext, ActionResult, get_service_model
from moto.core.serialize import AttributePicker, JSONSerializer
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.utilities import dynamo_to_dict
from moto.dynamodb.responses import DynamoResult

from local_cloud import Settings, patches
from local_cloud.patches import dynamodb_responses

REGION = "us-east-1"

# Every attribute type, nested, empty, binary, big and small numbers, unicode in names and values.
EVERY_TYPE = {
    "pk": {"S": "member-1"},
    "text": {"S": "olá, 世界 \u2603 \"quoted\" \\ back\nslash"},
    "empty_text": {"S": ""},
    "big": {"N": "123456789012345678901234567890123456.78"},
    "small": {"N": "-0.000000000000000000000000000000000001"},
    "int": {"N": "42"},
    "exp": {"N": "1E+5"},
    "bin": {"B": b"\x00\x01\xffbinary\x80"},
    "empty_bin": {"B": b""},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "nothing": {"NULL": True},
    "strings": {"SS": ["b", "a", "ç"]},
    "numbers": {"NS": ["3", "1.5", "-2"]},
    "blobs": {"BS": [b"\x01", b"\x02\x03"]},
    "empty_list": {"L": []},
    "empty_map": {"M": {}},
    "empty_strings": {"SS": []},
    "list": {"L": [{"S": "x"}, {"N": "1"}, {"BOOL": False}, {"NULL": True}, {"B": b"\xfe"},
                   {"L": [{"M": {"deep": {"SS": ["q"]}}}]}, {"M": {}}]},
    "map": {"M": {"name": {"S": "Ana"}, "ünï": {"N": "7"}, "nested": {"M": {"l": {"L": [{"NS": ["1"]}]}}},
                  "bin": {"BS": [b"\x00"]}}},
    "ключ": {"S": "значение"},
}


@pytest.fixture(scope="module", autouse=True)
def patched():
    patches.apply(Settings(port=0))


def context(operation: str, **changes) -> ActionContext:
    from moto.dynamodb.responses import DynamoHandler

    service_model = get_service_model("dynamodb")
    fields = {"service_model": service_model, "operation_model": service_model.operation_model(operation),
              "serializer_class": JSONSerializer, "response": DynamoHandler()}
    return ActionContext(**{**fields, **changes})


def both(operation: str, result: dict, **changes) -> tuple[tuple, tuple]:
    """(the patched DynamoResult's response, moto's generic serializer's response) for one result."""
    reference = ActionResult(dynamo_to_dict(result)).execute_result(context(operation, **changes))
    return DynamoResult(result).execute_result(context(operation, **changes)), reference


def outcome(make) -> tuple:
    """A response, or the error it raised (moto fails on some values: so must the patch)."""
    try:
        return make()
    except Exception as error:  # noqa: BLE001
        return type(error), str(error)


def stored(attrs: dict) -> Item:
    return Item(DynamoType(attrs["pk"]), None, attrs)


def test_every_attribute_type_is_written_byte_for_byte_as_moto_writes_it():
    item = stored(EVERY_TYPE)
    dynamodb_responses.attribute_map(item.attrs)  # all of it on the fast path, none left to moto
    for operation, result in [
        ("GetItem", {"Item": item.attrs}),
        ("Scan", {"Items": [item.attrs, item.attrs], "Count": 2, "ScannedCount": 3,
                  "LastEvaluatedKey": {"pk": item.hash_key}}),
        ("Query", {"Items": [item.attrs], "Count": 1, "ScannedCount": 1,
                   "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 1.0}}),
        ("BatchGetItem", {"Responses": {"t": [item.attrs]}, "ConsumedCapacity": [{"CapacityUnits": 1, "TableName": "t"}],
                          "UnprocessedKeys": {"t": {"Keys": [{"pk": {"S": "a"}, "b": {"B": b"\x01"}}]}}}),
        ("UpdateItem", {"Attributes": item.attrs}),  # converted first, as moto does, then written directly
        ("TransactGetItems", {"Responses": [{"Item": item.attrs}, {}]}),
    ]:
        patched, reference = both(operation, result)
        assert patched == reference, operation
        assert isinstance(patched[2], str) and '"big": {"N": "123456789012345678901234567890123456.78"}' in patched[2]


def test_values_the_fast_path_does_not_expect_are_left_to_moto():
    odd = {
        "pk": DynamoType({"S": "k"}),
        "int_as_string": DynamoType({"S": 5}),               # moto writes str(5)
        "stored_base64": DynamoType({"B": base64.b64encode(b"raw").decode()}),  # decoded first by moto
        "bytearray": DynamoType({"B": bytearray(b"xy")}),
        "a_set": DynamoType({"SS": {"only"}}),
        "decimal": DynamoType({"N": Decimal("1.5")}),
        "truthy_null": DynamoType({"NULL": 1}),
        "plain": {"S": "a plain dict"},
        "plain_text_blob": {"B": "text"},                    # a plain dict's text is encoded as it is
        "two_types": {"S": "a", "N": "1"},
        "unknown": {"X": "?"},
        "nested_odd": DynamoType({"M": {"": {"S": "empty name"}}}),
    }
    for name, value in odd.items():
        result = {"Items": [{"pk": odd["pk"], name: value}], "Count": 1, "ScannedCount": 1}
        reference = outcome(lambda result=result: ActionResult(dynamo_to_dict(result)).execute_result(context("Scan")))
        assert outcome(lambda result=result: DynamoResult(result).execute_result(context("Scan"))) == reference, name
    patched, reference = both("GetItem", {"Item": {"": DynamoType({"S": "empty name"})}})
    assert patched == reference


def test_pretty_printed_and_transformed_responses_match_moto(monkeypatch):
    import moto.settings

    item = stored(EVERY_TYPE)
    monkeypatch.setattr(moto.settings, "PRETTIFY_RESPONSES", True)
    patched, reference = both("Scan", {"Items": [item.attrs], "Count": 1, "ScannedCount": 1})
    assert patched == reference and "\n    " in patched[2]
    monkeypatch.setattr(moto.settings, "PRETTIFY_RESPONSES", False)

    class Transforming:
        RESPONSE_KEY_PATH_TO_TRANSFORMER = {"text.S": lambda value: "changed"}

    patched, reference = both("GetItem", {"Item": item.attrs}, response=Transforming())
    assert patched == reference and '"changed"' in patched[2]


def test_moto_looks_items_up_a_bounded_number_of_times_whatever_their_count(monkeypatch):
    """The generic walk looks every member of every AttributeValue up; with the patch, only the envelope."""
    looked_up = []
    original = AttributePicker.__call__
    monkeypatch.setattr(AttributePicker, "__call__", lambda self, ctx: looked_up.append(ctx.key) or original(self, ctx))
    items = [stored({"pk": {"S": f"m{i}"}, "name": {"S": "x"}, "l": {"L": [{"N": "1"}]}}).attrs for i in range(50)]
    DynamoResult({"Items": items, "Count": 50, "ScannedCount": 50}).execute_result(context("Scan"))
    assert len(looked_up) < 10


def test_a_direct_result_keeps_the_stored_values_until_it_is_written():
    attrs = stored(EVERY_TYPE).attrs
    result = {"Item": attrs}
    assert DynamoResult(result).result is result  # no dynamo_to_dict copy of every item up front


def test_responses_through_boto3_are_the_bytes_moto_writes(monkeypatch):
    """The same calls, against the same data, with the patch and with moto's own DynamoResult."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName="every", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "text", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[{"IndexName": "by-text", "KeySchema": [{"AttributeName": "text", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
        )
        for i in range(5):
            item = {name: value for name, value in EVERY_TYPE.items() if name not in ("empty_strings",)}
            client.put_item(TableName="every", Item={**item, "pk": {"S": f"member-{i}"}})
        bodies: list[bytes] = []
        client.meta.events.register("before-parse.dynamodb.*",
                                    lambda response_dict, **_: bodies.append(response_dict["body"]))

        def calls() -> list[bytes]:
            bodies.clear()
            client.get_item(TableName="every", Key={"pk": {"S": "member-1"}})
            client.get_item(TableName="every", Key={"pk": {"S": "member-1"}}, ReturnConsumedCapacity="TOTAL")
            client.get_item(TableName="every", Key={"pk": {"S": "nobody"}})
            client.scan(TableName="every")
            client.scan(TableName="every", Limit=2, ReturnConsumedCapacity="INDEXES")
            client.query(TableName="every", KeyConditionExpression="pk = :k",
                         ExpressionAttributeValues={":k": {"S": "member-3"}})
            client.query(TableName="every", IndexName="by-text", KeyConditionExpression="#t = :t",
                         ExpressionAttributeNames={"#t": "text"}, ExpressionAttributeValues={":t": EVERY_TYPE["text"]})
            client.batch_get_item(RequestItems={"every": {"Keys": [{"pk": {"S": "member-0"}}, {"pk": {"S": "none"}}]}})
            client.update_item(TableName="every", Key={"pk": {"S": "member-4"}}, UpdateExpression="SET #i = :n",
                               ExpressionAttributeNames={"#i": "int"}, ExpressionAttributeValues={":n": {"N": "42"}}, ReturnValues="ALL_NEW")
            client.transact_get_items(TransactItems=[{"Get": {"TableName": "every", "Key": {"pk": {"S": "member-2"}}}}])
            with pytest.raises(client.exceptions.ResourceNotFoundException):
                client.get_item(TableName="missing", Key={"pk": {"S": "x"}})
            return list(bodies)

        patched = calls()
        monkeypatch.setattr(DynamoResult, "__init__", DynamoResult.__init__.__wrapped__)
        monkeypatch.setattr(DynamoResult, "execute_result", DynamoResult.execute_result.__wrapped__)
        reference = calls()
    assert len(patched) == 11
    assert patched == reference


def test_attribute_value_refuses_what_it_does_not_know():
    with pytest.raises(dynamodb_responses.NotPlain):
        dynamodb_responses.attribute_value({"S": None})
    with pytest.raises(dynamodb_responses.NotPlain):
        dynamodb_responses.attribute_map({"": {"S": "x"}})
    assert dynamodb_responses.attribute_value(DynamoType({"B": base64.b64encode(b"\x00").decode()})) == {"B": "AA=="}
    assert dynamodb_responses.attribute_value({"B": "AA=="}) == {"B": base64.b64encode(b"AA==").decode()}
