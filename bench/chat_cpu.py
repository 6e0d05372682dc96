"""The local cloud's own CPU per chat message: what one public message to N members costs the cloud's event loop.

Run with `python -m bench chatcpu`. A thread-mode local cloud (so its event loop thread can be timed and
profiled from here), the workshop's chat deployed by its own steps, N members (SIZES) and ROUNDS public
messages each. Every message fans out as one PostToConnection per member, each checked by IAM and written
to a member's WebSocket: the cloud's hot path. The Lambda workers are processes of their own, not counted.

Prints, per size, the loop thread's CPU per message (time.thread_time on that thread; min / median / max over
the rounds). Then a second pass under cProfile (slower, so not where the CPU figures come from) prints the
share of the loop thread's profiled CPU time spent inside local_cloud/iam. cProfile's cost per Python call
inflates call-heavy pure-Python code such as policy evaluation: compare the share before and after a change,
do not read it as an absolute.
Prints figures; nothing here passes or fails.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import cProfile
import os
import pstats
import statistics
import time

import aiohttp

from bench.chat_broadcast import name_everyone
from bench.learners import PREFIX, Member, say
from local_cloud import LocalCloud

SIZES = (50, 100)
ROUNDS = 30
PROFILE_ROUNDS = 15
IAM_PACKAGE = os.path.join("local_cloud", "iam", "")


def on_loop(loop: asyncio.AbstractEventLoop, call):  # noqa: ANN001, ANN201 - a tiny bridge
    """Run `call` on the cloud's loop thread and return its result (thread_time and cProfile see that thread)."""
    done: concurrent.futures.Future = concurrent.futures.Future()

    def run() -> None:
        done.set_result(call())

    loop.call_soon_threadsafe(run)
    return done.result(10)


async def rounds(members: list[Member], label: str, count: int, loop: asyncio.AbstractEventLoop) -> list[float]:
    """The loop thread's CPU (ms) for each of `count` public messages, measured one at a time."""
    per_message = []
    for index in range(count):
        began = await asyncio.to_thread(on_loop, loop, time.thread_time)
        await say(members, f"{label}.{index}")
        await asyncio.sleep(0.05)  # the message's log writes and replies settle inside the measured window
        per_message.append((await asyncio.to_thread(on_loop, loop, time.thread_time) - began) * 1000)
    return per_message


def iam_share(profiler: cProfile.Profile) -> float:
    """Time inside local_cloud/iam over the profile's total time.

    Counted on the call edges that enter IAM's code from outside it, plus IAM.guard's own calls into IAM:
    guard is a middleware whose cumulative time also holds the AWS call it hands on, which is not IAM's.
    """
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values())

    def in_iam(func: tuple[str, int, str]) -> bool:
        return IAM_PACKAGE in func[0]

    def is_guard(func: tuple[str, int, str]) -> bool:
        return in_iam(func) and func[2] == "guard"

    iam = 0.0
    for func, (_cc, _nc, own, _cum, callers) in stats.items():
        if not in_iam(func):
            continue
        if is_guard(func):
            iam += own
            continue
        iam += sum(edge[3] for caller, edge in callers.items() if not in_iam(caller) or is_guard(caller))
    return iam / total if total else 0.0


async def run(url: str, cloud: LocalCloud, loop: asyncio.AbstractEventLoop) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        gate = asyncio.Semaphore(20)

        async def connect() -> Member:
            async with gate:
                return Member(await session.ws_connect(url, max_msg_size=0, heartbeat=None))

        members: list[Member] = []
        for size in SIZES:
            members += await asyncio.gather(*(connect() for _ in range(size - len(members))))
            await asyncio.to_thread(name_everyone, cloud)
            for warm in range(3):
                await say(members, f"warm-up {size}.{warm}")
            loop_ms = await rounds(members, f"cpu{size}", ROUNDS, loop)
            profiler = cProfile.Profile(time.thread_time)  # CPU, not the loop's idle wait in epoll
            await asyncio.to_thread(on_loop, loop, profiler.enable)
            await rounds(members, f"profiled{size}", PROFILE_ROUNDS, loop)
            await asyncio.to_thread(on_loop, loop, profiler.disable)
            print(f"  {size:>4} members: loop CPU per message {min(loop_ms):6.1f} / {statistics.median(loop_ms):6.1f}"
                  f" / {max(loop_ms):6.1f} ms (min / median / max of {ROUNDS}); IAM share of the loop "
                  f"{iam_share(profiler) * 100:4.1f}% (cProfile, {PROFILE_ROUNDS} messages)", flush=True)
        await asyncio.gather(*(member.ws.close() for member in members))


def main() -> None:
    from workshop.deploy import deploy_all
    from workshop.temporary_environ import temporary_environ

    with LocalCloud(mode="thread") as cloud:
        loop = cloud._loop
        assert loop is not None
        print(f"chat CPU benchmark: thread-mode local cloud, {os.cpu_count()} CPU(s)", flush=True)
        with temporary_environ({**cloud.environ, "WORKSHOP_PREFIX": PREFIX, "WORKSHOP_TARGET": None}):
            url = deploy_all(quiet=True).url
        asyncio.run(run(url, cloud, loop))


if __name__ == "__main__":
    main()
