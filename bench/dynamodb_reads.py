"""DynamoDB reads on the local cloud: GetItem, Scan of 10 and 100 items, the chat's projected index scan, Query.

Run with `python -m bench reads`. One fresh local cloud (a subprocess, as `python -m local_cloud` runs), a
table shaped like the chat's (connectionId key, a name index), filled with chat-like members. Each operation
is timed through boto3: p50/p95 of the round trip, and the local cloud's own CPU per call (its process's
user+system time over the run, Linux only) — the part the patches in local_cloud/patches/dynamodb_*.py cut.
Prints figures; nothing here passes or fails.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local_cloud import LocalCloud

ROUNDS = 200
WARM_UP = 20
INDEX = "name-index"


def p(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of one process so far (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def create_table(ddb: Any, name: str, members: int) -> None:
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"},
                              {"AttributeName": "nameKey", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": INDEX, "KeySchema": [{"AttributeName": "nameKey", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
    )
    for start in range(0, members, 25):
        ddb.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {
                "connectionId": {"S": f"Conn{i:04d}AbCdEfG="}, "name": {"S": f"Member {i}"},
                "nameKey": {"S": f"member {i}"}, "connectedAt": {"N": str(1764960000 + i)},
                "lang": {"S": "en"}, "seen": {"L": [{"N": "1"}, {"BOOL": True}]},
            }}} for i in range(start, min(start + 25, members))
        ]})


def measure(call: Callable[[], Any], pid: int | None) -> tuple[float, float, float | None]:
    """(p50 ms, p95 ms, the cloud's CPU ms per call) over ROUNDS calls after WARM_UP."""
    for _ in range(WARM_UP):
        call()
    cpu_before = cpu_seconds(pid) if pid else None
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    cpu_after = cpu_seconds(pid) if pid else None
    cpu = (cpu_after - cpu_before) * 1000 / ROUNDS if cpu_before is not None and cpu_after is not None else None
    return p(times, 0.5), p(times, 0.95), cpu


def main() -> None:
    print("\n== DynamoDB reads on the local cloud (ms per call: p50 / p95, and the cloud's CPU per call) ==")
    with LocalCloud(mode="subprocess") as cloud:
        ddb = cloud.client("dynamodb")
        create_table(ddb, "reads-10", 10)
        create_table(ddb, "reads-100", 100)
        pid = cloud._process.pid if cloud._process is not None else None
        operations: dict[str, Callable[[], Any]] = {
            "GetItem": lambda: ddb.get_item(TableName="reads-100", Key={"connectionId": {"S": "Conn0042AbCdEfG="}},
                                            ConsistentRead=True),
            "Scan 10": lambda: ddb.scan(TableName="reads-10"),
            "Scan 100": lambda: ddb.scan(TableName="reads-100"),
            "Scan 100 (chat: index, projection)": lambda: ddb.scan(
                TableName="reads-100", IndexName=INDEX, ProjectionExpression="connectionId, #name, connectedAt",
                ExpressionAttributeNames={"#name": "name"}),
            "Query (index, 1 item)": lambda: ddb.query(
                TableName="reads-100", IndexName=INDEX, KeyConditionExpression="nameKey = :k",
                ExpressionAttributeValues={":k": {"S": "member 42"}}),
        }
        for label, call in operations.items():
            p50, p95, cpu = measure(call, pid)
            cpu_text = f"   cloud CPU {cpu:6.2f}" if cpu is not None else ""
            print(f"  {label:<36} {p50:6.2f} / {p95:6.2f}{cpu_text}")


if __name__ == "__main__":
    main()
