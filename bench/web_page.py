"""Web page benchmark: the S3 website endpoint's latency and throughput, and how soon a `?name=` join sees
the members list (the $connect follow-up).

Run with `python -m bench web`. It deploys steps 00-07 on a private local cloud, then prints figures
(nothing here is a pass/fail test). Load is bounded: a few thousand requests from at most 20 clients.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from local_cloud import LocalCloud  # noqa: E402
from workshop import lookup, setup  # noqa: E402
from workshop.testing import run_steps_through, target  # noqa: E402

FILES = ("", "chat.js", "style.css", "config.json")
SEQUENTIAL_REQUESTS = 400
CONCURRENT_CLIENTS = 20
CONCURRENT_REQUESTS = 2000
JOINS = 20


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms   max {ordered[-1]:6.1f} ms"


async def website(port: int, host: str) -> None:
    """GETs through the front door with the website's Host header, as a browser sends them."""
    headers = {"Host": host}
    async with aiohttp.ClientSession() as session:
        for path in FILES:
            samples = []
            for _ in range(SEQUENTIAL_REQUESTS // len(FILES)):
                started = time.perf_counter()
                async with session.get(f"http://127.0.0.1:{port}/{path}", headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status
                samples.append((time.perf_counter() - started) * 1000)
            print(f"  GET /{path:12} one at a time      {percentiles(samples)}")

        remaining = CONCURRENT_REQUESTS

        async def client() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.get(f"http://127.0.0.1:{port}/chat.js", headers=headers) as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CONCURRENT_CLIENTS)))
        seconds = time.perf_counter() - started
        print(f"  GET /chat.js with {CONCURRENT_CLIENTS} clients: {CONCURRENT_REQUESTS / seconds:,.0f} requests/s "
              f"({CONCURRENT_REQUESTS} requests in {seconds:.2f} s)")


async def members_after_join(url: str) -> None:
    """Open `?name=` connections one after the other; time from the handshake to the first `members` frame."""
    handshakes, follow_ups = [], []
    async with aiohttp.ClientSession() as session:
        sockets = []
        for number in range(JOINS):
            started = time.perf_counter()
            socket = await session.ws_connect(f"{url}?name=Bench{number}")
            opened = time.perf_counter()
            while True:
                frame = json.loads((await socket.receive(timeout=15)).data)
                if "members" in frame:
                    break
            handshakes.append((opened - started) * 1000)
            follow_ups.append((time.perf_counter() - opened) * 1000)
            sockets.append(socket)
        for socket in sockets:
            await socket.close()
    print(f"  ?name= handshake ($connect)              {percentiles(handshakes)}")
    print(f"  socket open -> members (the follow-up)   {percentiles(follow_ups)}")


def main() -> None:
    print(f"Web page: the S3 website endpoint and the ?name= follow-up ({JOINS} joins)")
    with LocalCloud(mode="subprocess") as cloud, target(cloud, prefix="bench"):
        run_steps_through("07")
        session = setup()
        page = lookup.deployed_website_url(session)
        host = page.split("//", 1)[1].rstrip("/")
        asyncio.run(website(cloud.port, host))
        asyncio.run(members_after_join(lookup.websocket_url(session)))


if __name__ == "__main__":
    main()
