"""Where a warm route's time goes inside the local cloud: cProfile of the cloud's event loop during echo round trips.

Run with `python -m bench profile`. A thread-mode local cloud (so its event loop can be profiled in this process),
an echo Lambda behind a two-way route, ECHOES sequential round trips; prints the round trip's p50/p95, the cloud's
own CPU per invocation (the profiled loop thread's CPU time, divided by the invocations), and the functions
with the most cumulative time. The worker process is not profiled: its side is the handler's own time.
Prints figures; nothing here passes or fails.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import pstats
import threading
import time

import websocket

from bench.gateway import HANDLER_SOURCE
from local_cloud import LocalCloud
from local_cloud.learner_api import LearnerApi

ECHOES = 2000
WARM_UP = 50
TOP = 40


def p(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _round_trips(ws: websocket.WebSocket, loop: asyncio.AbstractEventLoop,
                 profiler: cProfile.Profile | None) -> tuple[list[float], float]:
    """ECHOES round trips; (their ms, the loop thread's CPU ms per invocation), profiled when given a profiler."""
    cpu: dict[str, float] = {}
    toggled = threading.Event()

    def start() -> None:  # runs on the cloud's loop thread: cProfile and thread_time see that thread only
        cpu["start"] = time.thread_time()
        if profiler is not None:
            profiler.enable()
        toggled.set()

    def stop() -> None:
        if profiler is not None:
            profiler.disable()
        cpu["stop"] = time.thread_time()
        toggled.set()

    loop.call_soon_threadsafe(start)
    toggled.wait()
    toggled.clear()
    times = []
    for n in range(ECHOES):
        began = time.perf_counter()
        ws.send(json.dumps({"action": "echo", "n": n}))
        ws.recv()
        times.append((time.perf_counter() - began) * 1000)
    loop.call_soon_threadsafe(stop)
    toggled.wait()
    return times, (cpu["stop"] - cpu["start"]) / ECHOES * 1000


def main() -> None:
    with LocalCloud(mode="thread") as cloud:
        learner = LearnerApi(cloud, "prof")
        api = learner.api("prof")
        learner.route(api, "echo", learner.function("echo", HANDLER_SOURCE), two_way=True)
        url = learner.deploy(api)
        ws = websocket.create_connection(url)
        for n in range(WARM_UP):
            ws.send(json.dumps({"action": "echo", "n": n}))
            ws.recv()
        loop = cloud._loop
        assert loop is not None
        plain_times, plain_cpu = _round_trips(ws, loop, None)
        profiler = cProfile.Profile()
        times, cpu = _round_trips(ws, loop, profiler)
        ws.close()
    print(f"warm route, this process as the client: p50 {p(plain_times, 0.5):.2f} ms, p95 {p(plain_times, 0.95):.2f} ms; "
          f"the cloud's loop thread CPU per invocation {plain_cpu:.3f} ms")
    print(f"profiled (slower): p50 {p(times, 0.5):.2f} ms, p95 {p(times, 0.95):.2f} ms; CPU per invocation {cpu:.3f} ms")
    iterations = sum(calls for (_file, _line, name), (calls, *_rest) in pstats.Stats(profiler).stats.items()  # type: ignore[attr-defined]
                     if name == "_run_once")
    print(f"event loop iterations per round trip (profiled run): {iterations / ECHOES:.2f}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(TOP)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(TOP)
    print(out.getvalue())


if __name__ == "__main__":
    main()
