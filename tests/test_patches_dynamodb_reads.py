"""The DynamoDB reads patch: Scan and Query without deep copies, quick top-level projections, Item.size without copies.

Each answers exactly what moto's own path answers; the stored items stay out of reach of any caller.
"""

from __future__ import annotations

import copy

import boto3
import moto.dynamodb.models.table as table_module
import pytest
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from local_cloud import Settings, patches
from local_cloud.patches import dynamodb_reads

ACCOUNT, REGION = "123456789012", "us-east-1"

ATTRIBUTES = {
    "text": {"S": "olá ☃"}, "blank": {"S": ""}, "n": {"N": "1.50"}, "exp": {"N": "1e5"}, "tiny": {"N": "0.0000001"},
    "big": {"N": "12345678901234567890123456789012345678"}, "yes": {"BOOL": True}, "nil": {"NULL": True},
    "bin": {"B": b"\x00\xff"}, "ss": {"SS": ["b", "a", "c"]}, "ns": {"NS": ["2", "1.0"]}, "bs": {"BS": [b"\x01"]},
    "lst": {"L": [{"S": "x"}, {"M": {"k": {"N": "01"}}}, {"L": []}]},
    "mp": {"M": {"inside": {"S": "ünï"}, "deep": {"M": {"l": {"L": [{"BOOL": False}]}}}, "e": {"M": {}}}},
}


@pytest.fixture(scope="module", autouse=True)
def patched():
    patches.apply(Settings(port=0))


@pytest.fixture
def ddb():
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        definitions = [{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "nameKey")]
        client.create_table(
            TableName="members", BillingMode="PAY_PER_REQUEST", AttributeDefinitions=definitions,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {"IndexName": "all", "KeySchema": [{"AttributeName": "nameKey", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "ALL"}},
                {"IndexName": "keys", "KeySchema": [{"AttributeName": "nameKey", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
                {"IndexName": "some", "KeySchema": [{"AttributeName": "nameKey", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["text", "mp"]}},
            ],
        )
        for i in range(6):
            client.put_item(TableName="members", Item={
                "pk": {"S": f"p{i % 2}"}, "sk": {"S": f"s{i}"}, **ATTRIBUTES,
                **({"nameKey": {"S": f"name {i}"}} if i != 3 else {}),  # one item outside the sparse indexes
            })
        yield client


def stored_items() -> list[Item]:
    return dynamodb_backends[ACCOUNT][REGION].get_table("members").all_items()


def snapshot() -> list:
    return [(repr(item.hash_key), repr(item.range_key), repr(item.attrs)) for item in stored_items()]


READS = [
    ("scan", {}),
    ("scan", {"Limit": 4}),
    ("scan", {"ProjectionExpression": "pk, #t, n, absent, ss", "ExpressionAttributeNames": {"#t": "text"}}),
    ("scan", {"ProjectionExpression": "mp.inside, lst[1].k, exp"}),
    ("scan", {"ProjectionExpression": "#a, #b", "ExpressionAttributeNames": {"#a": "text", "#b": "text"}}),
    ("scan", {"IndexName": "all", "ProjectionExpression": "pk, tiny, big, bin, bs, ns, yes, nil, lst, mp, blank"}),
    ("scan", {"IndexName": "keys"}),
    ("scan", {"IndexName": "some", "ProjectionExpression": "#t, mp, exp", "ExpressionAttributeNames": {"#t": "text"}}),
    ("scan", {"FilterExpression": "sk > :s", "ExpressionAttributeValues": {":s": {"S": "s2"}},
              "ProjectionExpression": "sk, n"}),
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}}}),
    ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p0"}},
               "ProjectionExpression": "sk, exp, tiny", "ScanIndexForward": False, "Limit": 2}),
    ("query", {"IndexName": "all", "KeyConditionExpression": "nameKey = :k",
               "ExpressionAttributeValues": {":k": {"S": "name 4"}}, "ProjectionExpression": "ss, ns, bs"}),
    ("query", {"IndexName": "some", "KeyConditionExpression": "nameKey = :k",
               "ExpressionAttributeValues": {":k": {"S": "name 2"}}}),
    ("get_item", {"Key": {"pk": {"S": "p0"}, "sk": {"S": "s2"}}, "ProjectionExpression": "#t, big, lst, mp", "ExpressionAttributeNames": {"#t": "text"}}),
    ("get_item", {"Key": {"pk": {"S": "p0"}, "sk": {"S": "s2"}}, "ProjectionExpression": "mp.deep.l[0]"}),
]


def responses(client) -> list[bytes]:
    bodies: list[bytes] = []

    def keep(response_dict, **_):
        bodies.append(response_dict["body"])

    client.meta.events.register("before-parse.dynamodb.*", keep)
    try:
        for operation, arguments in READS:
            getattr(client, operation)(TableName="members", **arguments)
        client.batch_get_item(RequestItems={"members": {
            "Keys": [{"pk": {"S": "p1"}, "sk": {"S": "s1"}}, {"pk": {"S": "p0"}, "sk": {"S": "s4"}}],
            "ProjectionExpression": "sk, #n, bs", "ExpressionAttributeNames": {"#n": "n"}}})
    finally:
        client.meta.events.unregister("before-parse.dynamodb.*", keep)
    return bodies


def test_reads_answer_exactly_what_moto_answers(ddb, monkeypatch):
    patched = responses(ddb)
    monkeypatch.setattr(table_module, "copy", copy)
    for cls, name in [(DynamoHandler, "scan"), (DynamoHandler, "query"), (Item, "project"), (Item, "size"),
                      (DynamoResult, "__init__"), (DynamoResult, "execute_result")]:
        monkeypatch.setattr(cls, name, getattr(cls, name).__wrapped__)
    reference = responses(ddb)
    assert len(patched) == len(READS) + 1
    assert patched == reference


def test_a_scan_or_query_request_copies_no_item_and_changes_none(ddb, monkeypatch):
    before = snapshot()
    copies = []
    original = Item.__deepcopy__
    monkeypatch.setattr(Item, "__deepcopy__", lambda self, memo: copies.append(self) or original(self, memo))
    responses(ddb)
    assert copies == []
    assert snapshot() == before


def test_what_a_caller_changes_in_its_results_never_reaches_the_table(ddb):
    before = snapshot()
    for item in ddb.scan(TableName="members")["Items"]:
        item["text"]["S"] = "changed"
        item["lst"]["L"].clear()
    # moto's Table.scan and Table.query, called other than by a request, still hand out copies.
    table = dynamodb_backends[ACCOUNT][REGION].get_table("members")
    scanned, _, _ = table.scan(filters={}, limit=None, exclusive_start_key=None)
    queried, _, _ = table.query(DynamoType({"S": "p0"}), None, [], None, None, True, None)
    for item in scanned + queried:
        assert all(item is not kept for kept in stored_items())
        item.attrs["text"] = DynamoType({"S": "changed"})
        item.attrs["mp"].value["inside"] = DynamoType({"S": "changed"})
    assert snapshot() == before


def test_a_refused_read_leaves_later_calls_copying(ddb):
    with pytest.raises(ddb.exceptions.ClientError):
        ddb.scan(TableName="members", IndexName="no-such-index")
    table = dynamodb_backends[ACCOUNT][REGION].get_table("members")
    scanned, _, _ = table.scan(filters={}, limit=None, exclusive_start_key=None)
    assert all(item is not kept for item in scanned for kept in stored_items())


def test_top_level_names_only_when_every_path_is_one_plain_name():
    assert dynamodb_reads.top_level_names([["a"], ["#b"], ["c d"]]) == ["a", "#b", "c d"]
    assert dynamodb_reads.top_level_names([["a", "b"]]) is None
    assert dynamodb_reads.top_level_names([["a[0]"]]) is None
    assert dynamodb_reads.top_level_names([["a"], ["a"]]) is None


def test_a_top_level_projection_is_moto_s_projection_without_converting_the_whole_item(monkeypatch):
    item = Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}, **ATTRIBUTES})
    paths = [[name] for name in ["absent", *ATTRIBUTES, "pk"]]
    for chosen in (paths, paths[:3], [["n"], ["tiny"], ["ss"]], []):
        ours, moto_s = item.project(chosen), Item.project.__wrapped__(item, chosen)
        assert (ours.hash_key, ours.range_key) == (moto_s.hash_key, moto_s.range_key)
        assert list(ours.attrs) == list(moto_s.attrs)
        assert repr(ours.attrs) == repr(moto_s.attrs)  # types, values, order of set members
    converted = []
    monkeypatch.setattr(Item, "to_regular_json", lambda self: converted.append(self))
    item.project([["text"], ["n"]])
    assert converted == []


def test_item_size_is_moto_s_without_copying_map_values(monkeypatch):
    item = Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}, **ATTRIBUTES, "flag": {"BOOL": False}})
    assert item.size() == Item.size.__wrapped__(item)
    for value in item.attrs.values():
        assert dynamodb_reads.value_size(value) == value.size()
    odd = Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}})
    odd.attrs["m"] = DynamoType({"M": {}})
    odd.attrs["m"].value["plain"] = {"S": "a plain dict inside a map"}
    odd.attrs["nil"] = DynamoType({"NULL": "odd"})
    assert odd.size() == Item.size.__wrapped__(odd)
    created = []
    original = DynamoType.__init__
    monkeypatch.setattr(DynamoType, "__init__", lambda self, value: created.append(value) or original(self, value))
    item.size()
    assert created == []
