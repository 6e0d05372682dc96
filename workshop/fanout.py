"""Time how long one public message takes to reach every member of a chat: real WebSocket clients, any chat URL."""

from __future__ import annotations

import asyncio
import json
import secrets
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import aiohttp

from .i18n import _

JOIN_AT_ONCE = 10  # members connecting at the same moment (a class arriving, not a flood)
DELIVERY_TIMEOUT = 120.0


@dataclass
class FanOut:
    """What one run measured: ms from sending to the last member (per message) and to each member."""

    members: int
    join_seconds: float
    to_last_ms: list[float] = field(default_factory=list)
    to_each_ms: list[float] = field(default_factory=list)

    @property
    def median_to_last_ms(self) -> float:
        return statistics.median(self.to_last_ms)

    @property
    def median_to_each_ms(self) -> float:
        return statistics.median(self.to_each_ms)

    def line(self, label: str) -> str:
        return f"{label:<12} " + _("{members:>4} members: a message reaches a member after {each:7.1f} ms (median), the "
                                   "last member after {last:7.1f} ms (median of {count})").format(
            members=self.members, each=self.median_to_each_ms, last=self.median_to_last_ms, count=len(self.to_last_ms))


def measure(url: str, members: int, messages: int = 5) -> FanOut:
    """Connect `members` clients named m000-xxxx…, send `messages` public messages one after the other
    from the first, and time each one's arrival at every member (the sender included). Then disconnect all."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_measure(url, members, messages))
    # A notebook kernel already runs an event loop in this thread: measure on a thread of our own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _measure(url, members, messages)).result()


async def _measure(url: str, size: int, messages: int) -> FanOut:
    tag = secrets.token_hex(2)  # unique names, so a re-run or another learner's members never clash
    arrivals: dict[str, list[float]] = {}
    done: dict[str, asyncio.Event] = {}
    gate = asyncio.Semaphore(JOIN_AT_ONCE)

    async def reader(ws: aiohttp.ClientWebSocketResponse, name: str, joined: asyncio.Event) -> None:
        async for frame in ws:
            if frame.type is not aiohttp.WSMsgType.TEXT:
                break
            message = json.loads(frame.data)
            # its own name in a members list, not the "joined" notice: that one is in the chat's language
            if name in message.get("members", []):
                joined.set()
            text = message.get("text")
            if text in arrivals:
                arrivals[text].append(time.perf_counter())
                if len(arrivals[text]) == size:
                    done[text].set()

    async def timed(sender: aiohttp.ClientWebSocketResponse, text: str) -> list[float]:
        arrivals[text], done[text] = [], asyncio.Event()
        began = time.perf_counter()
        await sender.send_str(json.dumps({"action": "sendPublic", "message": text}))
        try:
            await asyncio.wait_for(done[text].wait(), DELIVERY_TIMEOUT)
        except asyncio.TimeoutError:
            raise RuntimeError(_("only {arrived} of {size} members got the message within {seconds:.0f} s").format(
                arrived=len(arrivals[text]), size=size, seconds=DELIVERY_TIMEOUT)) from None
        return [(arrived - began) * 1000 for arrived in arrivals[text]]

    # limit=0: every member keeps its own connection open (aiohttp's default pool stops at 100)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets: list[aiohttp.ClientWebSocketResponse] = []
        readers: list[asyncio.Task[None]] = []

        async def join(number: int) -> None:
            # Connect, then setName: each member is in the chat once it reads a members list that has it.
            name, joined = f"m{number:03d}-{tag}", asyncio.Event()
            async with gate:
                ws = await session.ws_connect(url, heartbeat=None, max_msg_size=0)
                sockets.append(ws)
                readers.append(asyncio.create_task(reader(ws, name, joined)))
                await ws.send_str(json.dumps({"action": "setName", "name": name}))
                await asyncio.wait_for(joined.wait(), DELIVERY_TIMEOUT)

        try:
            began = time.perf_counter()
            await asyncio.gather(*(join(number) for number in range(size)))
            await timed(sockets[0], f"warm-up {tag}")  # not measured: the first message may meet a cold start
            result = FanOut(size, time.perf_counter() - began)
            for index in range(messages):
                per_member = await timed(sockets[0], f"message {index} {tag}")
                result.to_last_ms.append(max(per_member))
                result.to_each_ms += per_member
            return result
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
            for task in readers:
                task.cancel()
