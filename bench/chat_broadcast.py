"""Chat broadcast benchmark: how long one public message takes to reach 10, 100 and 500 members.

The deployed chat (the workshop's own steps, on a private local cloud) is measured twice per size:
with the handler's default (a thread pool when its first post waited on the network, a plain loop when
it did not) and one after the other (BROADCAST_WORKERS=1 on the function). Prints p50/p95 of the time until the LAST member received the
message, the handler's own posting time (fanOutMs from its log line: the part concurrency speeds up;
the rest is the gateway, the Lambda invoke and the member scan, which the local cloud's moto makes slow),
and the sequential/concurrent ratios: the teaching point for concurrency.

It runs in two regimes. As is, a post to the local gateway costs well under a millisecond of CPU and
waits on no network, so threads have nothing to overlap. Then with an emulated AWS network round trip of
LATENCY_MS per @connections call (LOCAL_CLOUD_CONNECTIONS_LATENCY_MS), where they do.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

import aiohttp
import boto3

from local_cloud import LocalCloud
from workshop import chat_protocol

SIZES = (10, 100, 500)
LATENCY_MS = 10  # a typical round trip of post_to_connection from a Lambda function on AWS
LATENCY_SIZES = (10, 100)  # sequential posting at 10 ms to 500 members would take 5 s per message
ROUNDS = {10: 5, 100: 4, 500: 2}  # batches per mode, alternating
PER_BATCH = 3  # measured messages per batch, after one warm-up message
MODES = {"concurrent": None, "sequential": "1"}  # BROADCAST_WORKERS for each mode (None: the default)
PREFIX = "bench"
DELIVERY_TIMEOUT = 120.0


class Member:
    """One WebSocket client that notes when each public message arrived."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, arrivals: dict[str, list[float]],
                 complete: dict[str, asyncio.Event], expected: dict[str, int]) -> None:
        self.ws = ws
        self.task = asyncio.create_task(self._read(arrivals, complete, expected))

    async def _read(self, arrivals: dict[str, list[float]], complete: dict[str, asyncio.Event],
                    expected: dict[str, int]) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frame = chat_protocol.decode(message.data)
            text = frame.get("text") if chat_protocol.frame_key(frame) == "publicMessage" else None
            if text in complete:
                arrivals[text].append(time.perf_counter())
                if len(arrivals[text]) == expected[text]:
                    complete[text].set()


class Crowd:
    """Many members on one event loop, and the bookkeeping to time a message to all of them."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url
        self.members: list[Member] = []
        self.arrivals: dict[str, list[float]] = {}
        self.complete: dict[str, asyncio.Event] = {}
        self.expected: dict[str, int] = {}

    async def grow_to(self, size: int) -> None:
        gate = asyncio.Semaphore(20)

        async def connect() -> Member:
            async with gate:
                ws = await self.session.ws_connect(self.url, max_msg_size=0, heartbeat=None)
                return Member(ws, self.arrivals, self.complete, self.expected)

        self.members += await asyncio.gather(*(connect() for _ in range(size - len(self.members))))

    async def time_message(self, text: str) -> tuple[float, list[float]]:
        """Send `text` publicly from the first member; (ms until the last member got it, per-member ms)."""
        self.arrivals[text], self.complete[text] = [], asyncio.Event()
        self.expected[text] = len(self.members)
        began = time.perf_counter()
        await self.members[0].ws.send_str(chat_protocol.encode(chat_protocol.send_public(text)))
        await asyncio.wait_for(self.complete[text].wait(), DELIVERY_TIMEOUT)
        per_member = [(arrived - began) * 1000 for arrived in self.arrivals[text]]
        return max(per_member), per_member

    async def close(self) -> None:
        for member in self.members:
            await member.ws.close()


def name_everyone(cloud: LocalCloud, prefix: str = PREFIX) -> None:
    """Give every unnamed connection of the chat deployed with `prefix` a name straight in its table (setup).

    Joining through setName would broadcast every join to everyone: 500 joins are 250,000 posts.
    """
    dynamodb = cloud.client("dynamodb")
    table = f"{prefix}-connections"
    items = [item for page in dynamodb.get_paginator("scan").paginate(TableName=table) for item in page["Items"]]
    unnamed = [item["connectionId"]["S"] for item in items
               if "nameKey" not in item and not item["connectionId"]["S"].startswith("name#")]
    start = sum(1 for item in items if "nameKey" in item)

    # A batch of plain puts: the members are new, so there is no race to guard against here.
    with boto3.resource("dynamodb", **cloud.client_kwargs).Table(table).batch_writer() as batch:
        for number, connection_id in enumerate(unnamed, start):
            member = f"Member{number:03d}"
            batch.put_item(Item={"connectionId": connection_id, "connectedAt": 0,
                                 "name": member, "nameKey": member.lower()})
            batch.put_item(Item={"connectionId": f"name#{member.lower()}", "owner": connection_id})


def set_broadcast_workers(cloud: LocalCloud, workers: str | None) -> None:
    """Switch the sendPublic function between concurrent and sequential posting (its environment)."""
    lam = cloud.client("lambda")
    function = f"{PREFIX}-sendPublic"
    variables = dict(lam.get_function_configuration(FunctionName=function)["Environment"]["Variables"])
    variables.pop("BROADCAST_WORKERS", None)
    if workers is not None:
        variables["BROADCAST_WORKERS"] = workers
    # 500 sequential posts can outlast the step's 10 s timeout on a busy laptop
    lam.update_function_configuration(FunctionName=function, Environment={"Variables": variables}, Timeout=120)
    lam.get_waiter("function_updated_v2").wait(FunctionName=function)


def fan_out_times(cloud: LocalCloud, since_ms: int, count: int) -> list[float]:
    """The handler's own posting time (fanOutMs of its log line) of the `count` sendPublic calls since
    `since_ms`, without the first (the warm-up). Log lines land just after the handler returns: wait for them.
    """
    logs = cloud.client("logs")
    deadline = time.monotonic() + 30
    while True:
        pages = logs.get_paginator("filter_log_events").paginate(
            logGroupName=f"/aws/lambda/{PREFIX}-sendPublic", startTime=since_ms)
        events = sorted((event for page in pages for event in page["events"] if event["message"].startswith("{")),
                        key=lambda event: event["timestamp"])
        records = [record for record in map(lambda event: json.loads(event["message"]), events) if "fanOutMs" in record]
        if len(records) >= count or time.monotonic() > deadline:
            return [record["fanOutMs"] for record in records[1:count]]
        time.sleep(0.2)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def measure(cloud: LocalCloud, url: str, sizes: tuple[int, ...]) -> None:
    # limit=0: every member keeps its connection open (the default pool stops at 100)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        crowd = Crowd(session, url)
        try:
            for size in sizes:
                await crowd.grow_to(size)
                await asyncio.to_thread(name_everyone, cloud)
                to_last: dict[str, list[float]] = {mode: [] for mode in MODES}
                posting: dict[str, list[float]] = {mode: [] for mode in MODES}
                # Modes alternate in short batches, so both see the same load on a shared machine.
                for batch in range(ROUNDS[size]):
                    for mode, workers in MODES.items():
                        await asyncio.to_thread(set_broadcast_workers, cloud, workers)
                        since_ms = int(time.time() * 1000)
                        await crowd.time_message(f"warm-up {mode} {size} {batch}")  # the new configuration's cold start
                        for index in range(PER_BATCH):
                            to_last[mode].append((await crowd.time_message(f"{mode} {size} {batch}.{index}"))[0])
                        posting[mode] += await asyncio.to_thread(fan_out_times, cloud, since_ms, PER_BATCH + 1)
                for mode in MODES:
                    print(f"  {size:>4} members  {mode:<10}  to the last member: p50 {statistics.median(to_last[mode]):7.1f}"
                          f" ms  p95 {p95(to_last[mode]):7.1f} ms   handler posting: p50 "
                          f"{statistics.median(posting[mode]):7.1f} ms  p95 {p95(posting[mode]):7.1f} ms"
                          f"   (n={len(to_last[mode])})", flush=True)
                print(f"  {size:>4} members  sequential / concurrent (p50): "
                      f"{ratio(to_last):.1f}x to the last member, {ratio(posting):.1f}x handler posting", flush=True)
        finally:
            await crowd.close()


def ratio(samples: dict[str, list[float]]) -> float:
    return statistics.median(samples["sequential"]) / statistics.median(samples["concurrent"])


def main() -> None:
    print("Chat broadcast: one sendPublic reaching every member of the deployed chat (private local cloud)")
    from workshop.deploy import deploy_all
    from workshop.temporary_environ import temporary_environ

    for latency_ms, sizes in ((0, SIZES), (LATENCY_MS, LATENCY_SIZES)):
        print(f"@connections latency {latency_ms} ms" + (" (no network: this machine as is)" if not latency_ms
                                                       else " (emulated AWS network round trip)"), flush=True)
        with LocalCloud(env={"LOCAL_CLOUD_CONNECTIONS_LATENCY_MS": str(latency_ms)}) as cloud:
            wanted: dict[str, Any] = {**cloud.environ, "WORKSHOP_PREFIX": PREFIX}
            with temporary_environ({**wanted, "WORKSHOP_TARGET": None}):
                url = deploy_all(quiet=True).url
            asyncio.run(measure(cloud, url, sizes))


if __name__ == "__main__":
    main()
