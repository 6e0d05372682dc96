"""The bridge to moto keeps DynamoDB's per-request atomicity under concurrent callers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from botocore.config import Config


def test_refused_transactions_do_not_undo_concurrent_writes(cloud):
    # moto rolls a refused transaction back by restoring a copy of the whole table; without the
    # bridge's lock, writes made meanwhile by other callers vanish. No retries: every error shows.
    ddb = cloud.client("dynamodb", config=Config(retries={"max_attempts": 1}, max_pool_connections=16))
    ddb.create_table(
        TableName="claims", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    # A table of some size makes moto's copy slow enough for writes to land during it.
    for i in range(300):
        ddb.put_item(TableName="claims", Item={"pk": {"S": f"existing-{i}"}, "pad": {"S": "x" * 200}})

    def refused_claim(i: int) -> str:
        try:
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "claims", "Item": {"pk": {"S": f"tx-{i}"}}}},
                {"Put": {"TableName": "claims", "Item": {"pk": {"S": "existing-0"}},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
            ])
            return "won"
        except ddb.exceptions.TransactionCanceledException:
            return "refused"

    def write(i: int) -> str:
        ddb.put_item(TableName="claims", Item={"pk": {"S": f"write-{i}"}})
        return "written"

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(refused_claim if i % 2 else write, i) for i in range(400)]
        outcomes = [future.result() for future in futures]

    assert outcomes.count("refused") == 200
    assert outcomes.count("written") == 200
    keys = set()
    for page in ddb.get_paginator("scan").paginate(TableName="claims"):
        keys.update(item["pk"]["S"] for item in page["Items"])
    assert sum(key.startswith("write-") for key in keys) == 200  # none undone by a rollback
    assert not any(key.startswith("tx-") for key in keys)  # refused transactions left nothing
