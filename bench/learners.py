"""Where learners feel the local cloud: the workshop's own chat, cold starts under a burst, memory, a warm route.

Run with `python -m bench learners`. One fresh local cloud (a subprocess, as `python -m local_cloud` runs),
the workshop's chat deployed by its own steps, and in order:
- a warm route response (an echo Lambda behind a two-way route) p50/p95, first, on a quiet cloud;
- the first message after the first connect (a member joins with ?name=, then says something at once);
- the slowest of 10 simultaneous connects;
- the chat's fan-out p50/p95 (send until the LAST member has it) at 10, 50 and 100 members, the first
  member's latency, and the cost per recipient (the slope between 10 and 100 members) against the boto3
  floor: a plain sequential post_to_connection loop to an endpoint that only answers 200. A machine's speed
  can drift by tens of percent within minutes, so the slope's three figures are taken side by side: the
  100-member rounds alternate with the rounds of a second chat of 10 members, deployed beside the first, and
  a floor sample follows each pair;
- PSS (proportional set size: shared pages counted once) of the local cloud and all its workers after the
  50-member run, and again once the chat has been quiet for SETTLE_SECONDS.
Prints figures; nothing here passes or fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.chat_broadcast import name_everyone
from bench.gateway import HANDLER_SOURCE, Boto3Floor, start_bare
from local_cloud import LocalCloud
from local_cloud.learner_api import LearnerApi

PREFIX = "bench"  # the chat whose members grow to 100
BESIDE_PREFIX = "bench10"  # a second chat of 10 members, for the slope
SIZES = (10, 50, 100)
ROUNDS = {10: 20, 50: 15}
PAIRS = 30  # 100-member rounds alternated with 10-member rounds: the slope comes from two p50s, steadied by many
BURST = 10
ECHOES = 2000  # about a second of round trips: a p50 over a moment would be a p50 of whatever ran beside it then
SETTLE_SECONDS = 40
FLOOR_POSTS = 100  # posts in one floor sample
SETTLE_BEFORE_FLOOR = 0.2  # s: what the chat does after its last member has the message (log writes) is not the floor's
TIMEOUT = 60.0


def p(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def pss_mb(root: int) -> float:
    """PSS of a process and all its descendants (Linux); shared pages are split between their users."""
    return pss_breakdown(root)[0]


def pss_breakdown(root: int) -> tuple[float, float, int]:
    """(PSS of the process and all its descendants, PSS of the process alone, how many descendants), in MB."""
    total = own = 0
    count = -1
    queue = [root]
    while queue:
        pid = queue.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    own = own or total
            count += 1
            for task in os.listdir(f"/proc/{pid}/task"):
                queue += [int(kid) for kid in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            continue
    return total / 2**20, own / 2**20, count


class Member:
    """One chat member; public messages are time-stamped by their text."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.task = asyncio.create_task(self._read())

    def expect(self, text: str) -> asyncio.Future[float]:
        self.waiting[text] = asyncio.get_running_loop().create_future()
        return self.waiting[text]

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            future = self.waiting.pop(frame.get("text"), None) if "publicMessage" in frame else None
            if future is not None and not future.done():
                future.set_result(time.perf_counter())


async def say(members: list[Member], text: str) -> list[float]:
    """The first member says `text`; ms until each member got it."""
    futures = [member.expect(text) for member in members]
    began = time.perf_counter()
    await members[0].ws.send_str(json.dumps({"action": "sendPublic", "message": text}))
    arrivals = await asyncio.wait_for(asyncio.gather(*futures), TIMEOUT)
    return [(arrived - began) * 1000 for arrived in arrivals]


def summary(last: list[float], first_member: list[float]) -> dict[str, float]:
    return {"p50": p(last, 0.5), "p95": p(last, 0.95), "first": statistics.median(first_member), "best": min(last)}


async def rounds(members: list[Member], label: str, count: int) -> tuple[list[float], list[float]]:
    """`count` messages to `members`, one at a time: (ms until the last member had each, ms until the first)."""
    last, first_member = [], []
    for index in range(count):
        arrivals = await say(members, f"{label}.{index}")
        last.append(max(arrivals))
        first_member.append(min(arrivals))
    return last, first_member


async def chat(cloud: LocalCloud, url: str, pid: int, floor: Boto3Floor) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async def connect(query: str = "", to: str = url) -> Member:
            return Member(await session.ws_connect(to + query, max_msg_size=0, heartbeat=None))

        first = await connect("?name=Ada")
        figures["first_message"] = max(await say([first], "first"))

        async def timed_connect() -> tuple[float, Member]:
            began = time.perf_counter()
            member = await connect()
            return (time.perf_counter() - began) * 1000, member

        burst = await asyncio.gather(*(timed_connect() for _ in range(BURST)))
        figures["burst_slowest"] = max(elapsed for elapsed, _ in burst)
        members = [first, *(member for _, member in burst)]

        gate = asyncio.Semaphore(20)

        async def gated() -> Member:
            async with gate:
                return await connect()

        for size in (10, 50):
            members += await asyncio.gather(*(gated() for _ in range(size - len(members))))
            await asyncio.to_thread(name_everyone, cloud)
            await say(members, f"warm-up {size}")
            figures[size] = summary(*await rounds(members, str(size), ROUNDS[size]))
            if size == 50:
                await asyncio.sleep(1.0)  # the run's last log writes and replies settle
                figures["pss"], figures["pss_cloud"], figures["processes"] = pss_breakdown(pid)

        # The slope: 100-member rounds alternate with a 10-member chat's, a floor sample after each pair
        # (nothing is in flight then), so that a drift in the machine's speed moves all three alike. The order
        # alternates too: the round just after a floor sample finds cold caches, each chat half the time.
        beside_url = await asyncio.to_thread(deploy_chat, cloud, BESIDE_PREFIX)
        members += await asyncio.gather(*(gated() for _ in range(100 - len(members))))
        beside = [await connect(to=beside_url) for _ in range(10)]
        await asyncio.to_thread(name_everyone, cloud)
        await asyncio.to_thread(name_everyone, cloud, BESIDE_PREFIX)
        await say(members, "warm-up 100")
        await say(beside, "warm-up beside")
        big: tuple[list[float], list[float]] = ([], [])
        small: tuple[list[float], list[float]] = ([], [])
        floor_samples = []
        for index in range(PAIRS):
            for group, into in ((members, big), (beside, small))[:: 1 if index % 2 == 0 else -1]:
                last, first_member = await rounds(group, f"{len(group)}-{index}", 1)
                into[0].extend(last)
                into[1].extend(first_member)
            await asyncio.sleep(SETTLE_BEFORE_FLOOR)
            floor_samples.append(floor.sample(FLOOR_POSTS) * 1000)
        figures[100], figures["beside"] = summary(*big), summary(*small)
        await asyncio.gather(*(member.ws.close() for member in members + beside))
    figures["floor"], figures["floor_best"] = statistics.median(floor_samples), min(floor_samples)
    figures["floor_samples"] = len(floor_samples)
    # Idle workers beyond what recent traffic needs are retired after 30 s (the idle timeout is 300 s).
    await asyncio.sleep(SETTLE_SECONDS)
    figures["pss_settled"], figures["pss_cloud_settled"], figures["processes_settled"] = pss_breakdown(pid)
    return figures


def deploy_chat(cloud: LocalCloud, prefix: str) -> str:
    """The workshop's chat, deployed by its own steps under `prefix`; its URL."""
    from workshop.deploy import deploy_all
    from workshop.temporary_environ import temporary_environ

    with temporary_environ({**cloud.environ, "WORKSHOP_PREFIX": prefix, "WORKSHOP_TARGET": None}):
        return deploy_all(quiet=True).url


async def warm_route(url: str) -> list[float]:
    """Sequential echo round trips through a two-way route with a warm Lambda."""
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(url)
        times = []
        for n in range(ECHOES + 20):
            began = time.perf_counter()
            await ws.send_str(json.dumps({"action": "echo", "n": n}))
            await ws.receive()
            times.append((time.perf_counter() - began) * 1000)
        await ws.close()
    return times[20:]


def main() -> None:
    connections_server, connections_port = start_bare("connections")
    try:
        with LocalCloud() as cloud:
            assert cloud._process is not None
            pid = cloud._process.pid
            print(f"learners benchmark: local cloud pid {pid}, {os.cpu_count()} CPU(s)", flush=True)
            # The warm route first, on a quiet cloud (after the chat run, 100 $disconnects would still be busy).
            learner = LearnerApi(cloud, "echo")
            api = learner.api("echo")
            learner.route(api, "echo", learner.function("echo", HANDLER_SOURCE), two_way=True)
            echoes = asyncio.run(warm_route(learner.deploy(api)))
            url = deploy_chat(cloud, PREFIX)
            time.sleep(2.0)  # the spare worker the cloud starts is ready, as it would be for a learner
            figures = asyncio.run(chat(cloud, url, pid, Boto3Floor(connections_port)))
    finally:
        connections_server.terminate()

    print(f"  first message after the first connect   {figures['first_message']:7.1f} ms   (target <= 50)")
    print(f"  slowest of {BURST} simultaneous connects     {figures['burst_slowest']:7.1f} ms   (target <= 100)")
    print("  chat fan-out, send -> last member        p50 / p95       first member")
    for size in SIZES:
        row = figures[size]
        print(f"    {size:>4} members                     {row['p50']:7.1f} / {row['p95']:7.1f} ms   {row['first']:6.1f} ms")
    beside = figures["beside"]["p50"]
    slope = (figures[100]["p50"] - beside) / 90
    floor = figures["floor"]
    print(f"  cost per recipient (10 -> 100 members)   {slope:7.3f} ms; boto3 floor {floor:.3f} ms: "
          f"{slope / floor:.2f}x (target <= 1.3x)")
    print(f"    ({PAIRS} rounds at 100 members alternated with {PAIRS} of a 10-member chat beside it (p50 {beside:.1f} ms); "
          f"floor: median of {figures['floor_samples']} samples of {FLOOR_POSTS} posts, one after each pair; "
          f"best {figures['floor_best']:.3f} ms, {slope / figures['floor_best']:.2f}x)")
    print(f"  first member at 50 members (p50)        {figures[50]['first']:7.1f} ms   (target <= 5)")
    print(f"  PSS, cloud + workers after 50 members    {figures['pss']:7.0f} MB   (target <= 250); the cloud alone "
          f"{figures['pss_cloud']:.0f} MB, {figures['processes']} processes under it")
    print(f"  PSS {SETTLE_SECONDS} s after the last member left      {figures['pss_settled']:7.0f} MB; the cloud alone "
          f"{figures['pss_cloud_settled']:.0f} MB, {figures['processes_settled']} processes under it (both chats' workers)")
    print(f"  warm route response p50 / p95           {p(echoes, 0.5):7.2f} / {p(echoes, 0.95):.2f} ms"
          f"   (target <= 0.4 / 1.5)", flush=True)


if __name__ == "__main__":
    main()
