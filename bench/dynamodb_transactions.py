"""DynamoDB transactions on the local cloud: the cost of an accepted and a refused transaction, by table size.

Prints figures only. DynamoDB's own cost per transaction does not depend on how many items the table holds;
the local cloud's should not either (see local_cloud/patches/dynamodb_transactions.py).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from local_cloud import LocalCloud

SIZES = (0, 4000)
ROUNDS = 60


def fill(ddb: Any, table: str, count: int) -> None:
    for start in range(0, count, 25):
        ddb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": f"member-{i}"}, "pad": {"S": "x" * 150}}}}
            for i in range(start, min(start + 25, count))
        ]})


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(ddb: Any, table: str) -> tuple[list[float], list[float]]:
    accepted, refused = [], []
    for i in range(ROUNDS):
        accepted.append(timed(lambda i=i: ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": f"claim-{i}"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Delete": {"TableName": table, "Key": {"pk": {"S": f"gone-{i}"}}}},
        ])))

        def refuse(i: int = i) -> None:
            try:
                ddb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": table, "Item": {"pk": {"S": f"other-{i}"}}}},
                    {"Put": {"TableName": table, "Item": {"pk": {"S": f"claim-{i}"}},
                             "ConditionExpression": "attribute_not_exists(pk)"}},
                ])
            except ddb.exceptions.TransactionCanceledException:
                return
            raise AssertionError("the transaction should have been refused")

        refused.append(timed(refuse))
    return accepted, refused


def main() -> None:
    print("\n== DynamoDB transactions on the local cloud (ms per transaction, p50 / p95) ==")
    with LocalCloud(mode="subprocess") as cloud:
        ddb = cloud.client("dynamodb")
        for size in SIZES:
            table = f"bench-tx-{size}"
            ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            fill(ddb, table, size)
            accepted, refused = measure(ddb, table)
            print(f"  {size:>5} items: accepted {statistics.median(accepted):6.2f} / "
                  f"{statistics.quantiles(accepted, n=20)[18]:6.2f}   refused {statistics.median(refused):6.2f} / "
                  f"{statistics.quantiles(refused, n=20)[18]:6.2f}")


if __name__ == "__main__":
    main()
