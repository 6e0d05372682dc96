"""Step 02 on a fresh local cloud: the connections table with its sparse name index; a re-run keeps the data."""

from __future__ import annotations

import pytest

from workshop import check, run_step, setup
from workshop.testing import run_steps_through, target


@pytest.fixture(scope="module")
def session(cloud):
    with target(cloud):
        run_steps_through("02")
        yield setup()


def test_checks_pass(session):
    for step in ("00", "01", "02"):
        assert check(step, session, quiet=True, raise_on_failure=False).ok


def test_table_and_index_follow_the_data_model(session):
    table = session.client("dynamodb").describe_table(TableName="chat-connections")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "connectionId", "KeyType": "HASH"}]
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-name"
    assert index["KeySchema"] == [{"AttributeName": "nameKey", "KeyType": "HASH"}]
    assert index["Projection"]["ProjectionType"] == "ALL"


def test_rerunning_keeps_the_table_and_its_items(session):
    dynamodb = session.client("dynamodb")
    dynamodb.put_item(TableName="chat-connections", Item={"connectionId": {"S": "kept"}})
    run_step("02", quiet=True)
    assert dynamodb.list_tables()["TableNames"].count("chat-connections") == 1
    assert "Item" in dynamodb.get_item(TableName="chat-connections", Key={"connectionId": {"S": "kept"}})
