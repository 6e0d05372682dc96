"""Many clients at once: 200 connect together, each gets every broadcast exactly once, and shutdown disconnects all."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import websocket

from local_cloud import LocalCloud
from local_cloud.learner_api import LearnerApi
from tests.helpers.gateway import connect

CLIENTS = 200
BROADCASTS = 3

# The chat's pattern: $connect stores the id, a broadcast lists the table (paginated) and posts to each
# (concurrently, as the workshop teaches), $disconnect appends to a file outside the cloud, so the test can
# still read it after the local cloud has stopped.
CHAT_SOURCE = '''
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import boto3

table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])


def handler(event, context):
    ctx = event["requestContext"]
    if ctx["eventType"] == "CONNECT":
        table.put_item(Item={"connectionId": ctx["connectionId"]})
        return {"statusCode": 200}
    if ctx["eventType"] == "DISCONNECT":
        with open(os.environ["SINK_FILE"], "a") as sink:
            sink.write(json.dumps(ctx) + "\\n")
        return {"statusCode": 200}
    if json.loads(event["body"]).get("n") == "hang":
        time.sleep(120)  # still running when the local cloud shuts down
    ids, scan = [], {}
    while True:
        page = table.scan(**scan)
        ids += [item["connectionId"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        scan = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
    data = event["body"].encode()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: client.post_to_connection(ConnectionId=i, Data=data), ids))
    return {"statusCode": 200}
'''


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    sink = tmp_path_factory.mktemp("load") / "disconnects.jsonl"
    sink.touch()
    cloud = LocalCloud(mode="subprocess").start()
    try:
        learner = LearnerApi(cloud, "load")
        learner.dynamodb.create_table(
            TableName="load-connections", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        )
        function = learner.function("chat", CHAT_SOURCE, environment={
            "CONNECTIONS_TABLE": "load-connections", "SINK_FILE": str(sink)})
        api_id = learner.api("chat")
        for key in ("$connect", "$disconnect", "broadcast"):
            learner.route(api_id, key, function)
        yield cloud, learner.deploy(api_id), sink
    finally:
        cloud.stop()


def test_200_clients_each_get_every_broadcast_once_and_shutdown_disconnects_all(setup):
    cloud, url, sink = setup
    start = threading.Barrier(CLIENTS)

    def join(_: int) -> websocket.WebSocket:
        start.wait()
        return connect(url, timeout=60)

    with ThreadPoolExecutor(CLIENTS) as pool:
        clients = list(pool.map(join, range(CLIENTS)))
    for n in range(BROADCASTS):  # from different senders, at the same time
        clients[n * 7].send(json.dumps({"action": "broadcast", "n": n}))
    with ThreadPoolExecutor(32) as pool:
        received = list(pool.map(lambda ws: sorted(json.loads(ws.recv())["n"] for _ in range(BROADCASTS)), clients))
    assert received == [list(range(BROADCASTS))] * CLIENTS
    # One more broadcast: for every client it must be the very next frame (no duplicate came before it).
    clients[1].send(json.dumps({"action": "broadcast", "n": "end"}))
    with ThreadPoolExecutor(32) as pool:
        after = list(pool.map(lambda ws: json.loads(ws.recv())["n"], clients))
    assert after == ["end"] * CLIENTS

    clients[2].send(json.dumps({"action": "broadcast", "n": "hang"}))
    time.sleep(0.5)
    # Shutdown closes every socket and runs every $disconnect before the process exits, in bounded time,
    # even with a handler hanging (LocalCloud.stop kills the process if it takes more than 30 s).
    process = cloud._process
    cloud.stop()
    assert process.returncode == 0
    lines = [json.loads(line) for line in sink.read_text().splitlines()]
    assert len({line["connectionId"] for line in lines}) == CLIENTS
    assert {line["disconnectStatusCode"] for line in lines} == {1001}
