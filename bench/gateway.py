"""WebSocket gateway benchmark: fan-out, messages/s, connect latency, idle connections, a connect burst.

Run with `python -m bench gateway`. It prints figures (nothing here is a pass/fail test), and measures in the
same run the two references the gateway is judged against:
- the limit: a bare aiohttp WebSocket server that broadcasts in-process (no Lambda, no HTTP);
- the boto3 floor: the same sequential Lambda handler posting to a bare aiohttp @connections endpoint
  that only answers 200, i.e. what boto3's post_to_connection costs per recipient before any gateway work.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import sys
import time
import types
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from local_cloud import LocalCloud  # noqa: E402
from local_cloud.config import FAKE_CREDENTIALS  # noqa: E402
from local_cloud.learner_api import LearnerApi  # noqa: E402

SIZES = (10, 100, 500)
ROUNDS = {10: 20, 100: 8, 500: 4}
IDLE_CONNECTIONS = 1000
BURST = 200
DELIVERY_TIMEOUT = 60.0

# One handler for every measurement: echo, or post a message to the ids it is given, one after the other or
# with a thread pool. BENCH_ENDPOINT (set only for the boto3 floor) replaces the endpoint built from the event.
HANDLER_SOURCE = '''
import json
import os
from concurrent.futures import ThreadPoolExecutor

import boto3

_clients = {}


def _client(endpoint):
    if endpoint not in _clients:
        _clients[endpoint] = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    return _clients[endpoint]


def handler(event, context):
    ctx = event["requestContext"]
    if ctx["eventType"] != "MESSAGE":
        return {"statusCode": 200}
    message = json.loads(event["body"])
    if message["action"] in ("echo", "whoami"):
        return {"statusCode": 200, "body": json.dumps({"connectionId": ctx["connectionId"], "n": message.get("n")})}
    client = _client(os.environ.get("BENCH_ENDPOINT") or f"https://{ctx['domainName']}/{ctx['stage']}")
    data = json.dumps({"round": message["round"]}).encode()
    if message["action"] == "sequential":
        for connection_id in message["ids"]:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
    else:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: client.post_to_connection(ConnectionId=i, Data=data), message["ids"]))
    return {"statusCode": 200}
'''


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


# -- bare reference servers (child processes, like the local cloud) -------------------------------------


def run_bare_server(kind: str, ports: Any) -> None:
    """kind "broadcast": a WebSocket server that sends each message to every client; "connections": POST -> 200."""

    async def main() -> None:
        sockets: set[web.WebSocketResponse] = set()

        async def websocket_handler(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            sockets.add(ws)
            try:
                async for msg in ws:
                    payload = json.loads(msg.data)
                    if payload.get("action") == "whoami":
                        await ws.send_str(json.dumps({"connectionId": str(id(ws))}))
                        continue
                    data = json.dumps({"round": payload["round"]})
                    for peer in list(sockets):
                        await peer.send_str(data)
            finally:
                sockets.discard(ws)
            return ws

        async def post(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(status=200)

        app = web.Application()
        if kind == "broadcast":
            app.router.add_get("/", websocket_handler)
        else:
            app.router.add_post("/{tail:.*}", post)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        ports.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


def start_bare(kind: str) -> tuple[multiprocessing.Process, int]:
    ports: Any = multiprocessing.Queue()
    process = multiprocessing.Process(target=run_bare_server, args=(kind, ports), daemon=True)
    process.start()
    return process, ports.get(timeout=30)


# -- WebSocket clients ---------------------------------------------------------------------------------


class Crowd:
    """N WebSocket clients in this process; every frame they get is time-stamped."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []
        self.ids: list[str] = []
        self.inboxes: list[asyncio.Queue[tuple[float, str]]] = []
        self._readers: list[asyncio.Task[None]] = []

    async def open(self, n: int, batch: int = 100) -> None:
        for start in range(0, n, batch):
            opened = await asyncio.gather(*(self.session.ws_connect(self.url) for _ in range(min(batch, n - start))))
            for ws in opened:
                inbox: asyncio.Queue[tuple[float, str]] = asyncio.Queue()
                self.sockets.append(ws)
                self.inboxes.append(inbox)
                self._readers.append(asyncio.create_task(self._read(ws, inbox)))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, inbox: asyncio.Queue[tuple[float, str]]) -> None:
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                inbox.put_nowait((time.perf_counter(), msg.data))

    async def learn_ids(self) -> None:
        """Each client asks the API for its connection id (the broadcast handler is told whom to post to)."""
        for ws in self.sockets:
            await ws.send_str(json.dumps({"action": "whoami"}))
        answers = await asyncio.gather(*(inbox.get() for inbox in self.inboxes))
        self.ids = [json.loads(data)["connectionId"] for _, data in answers]

    async def fan_out(self, action: str, rounds: int) -> tuple[list[float], list[float]]:
        """Per-recipient latencies, and the spread first->last delivery per round, for `rounds` broadcasts."""
        latencies: list[float] = []
        spreads: list[float] = []
        for n in range(rounds):
            sent = time.perf_counter()
            await self.sockets[0].send_str(json.dumps({"action": action, "round": n, "ids": self.ids}))
            arrivals = await asyncio.wait_for(
                asyncio.gather(*(inbox.get() for inbox in self.inboxes)), DELIVERY_TIMEOUT)
            times = [t for t, _ in arrivals]
            latencies += [t - sent for t in times]
            spreads.append(max(times) - min(times))
        return latencies, spreads

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for reader in self._readers:
            reader.cancel()


def connector() -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(limit=0)


# -- measurements --------------------------------------------------------------------------------------


async def measure_fan_out(url: str, actions: list[str]) -> dict[tuple[str, int], dict[str, float]]:
    results: dict[tuple[str, int], dict[str, float]] = {}
    async with aiohttp.ClientSession(connector=connector()) as session:
        for size in SIZES:
            crowd = Crowd(session, url)
            await crowd.open(size)
            await crowd.learn_ids()
            for action in actions:
                await crowd.fan_out(action, 1)  # warm-up: workers, boto3 clients, connection pools
                latencies, spreads = await crowd.fan_out(action, ROUNDS[size])
                results[(action, size)] = {
                    "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
                    # least-disturbed round: the machine is shared, and the floor is taken the same way
                    "per_recipient": min(spreads) / max(1, size - 1),
                }
            await crowd.close()
    return results


class Boto3Floor:
    """The sequential handler, run in this process, posting to an endpoint that does nothing: boto3's own cost."""

    def __init__(self, port: int) -> None:
        for name, value in FAKE_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        self.endpoint = f"http://127.0.0.1:{port}/bench"
        self.module = types.ModuleType("bench_handler")
        exec(compile(HANDLER_SOURCE, "handler.py", "exec"), self.module.__dict__)  # noqa: S102 - our own source
        self.sample(20)  # warm-up: the client and its connection

    def sample(self, size: int) -> float:
        """Seconds per recipient for one sequential post to `size` ids."""
        ids = [f"AAAAAAAAAAAA{n:03d}=" for n in range(size)]
        event = {"requestContext": {"eventType": "MESSAGE", "domainName": "x", "stage": "bench", "connectionId": "x"},
                 "body": json.dumps({"action": "sequential", "round": 0, "ids": ids})}
        os.environ["BENCH_ENDPOINT"] = self.endpoint  # the handler posts here instead of the event's endpoint
        try:
            started = time.perf_counter()
            self.module.handler(event, None)
            return (time.perf_counter() - started) / size
        finally:
            del os.environ["BENCH_ENDPOINT"]


def measure_boto3_floor(port: int, size: int = 500, rounds: int = 3) -> float:
    """Seconds per recipient when the sequential handler posts to an endpoint that does nothing (best of rounds)."""
    floor = Boto3Floor(port)
    return min(floor.sample(size) for _ in range(rounds))


async def measure_messages_per_second(url: str) -> dict[str, float]:
    """Echo round trips through a two-way route: one client pipelining, then 10 clients at once."""
    results = {}
    async with aiohttp.ClientSession(connector=connector()) as session:
        for clients, per_client in ((1, 300), (10, 60)):
            crowd = Crowd(session, url)
            await crowd.open(clients)
            started = time.perf_counter()
            for ws in crowd.sockets:
                for n in range(per_client):
                    await ws.send_str(json.dumps({"action": "echo", "n": n}))
            await asyncio.gather(*(inbox.get() for inbox in crowd.inboxes for _ in range(per_client)))
            results[f"{clients} client(s)"] = clients * per_client / (time.perf_counter() - started)
            await crowd.close()
    return results


async def measure_connect(url: str, samples: int = 30) -> dict[str, float]:
    """The first connect runs a cold $connect worker; later ones are warm."""
    times = []
    async with aiohttp.ClientSession(connector=connector()) as session:
        for _ in range(samples + 1):
            started = time.perf_counter()
            ws = await session.ws_connect(url)
            times.append(time.perf_counter() - started)
            await ws.close()
    return {"cold": times[0], "warm_p50": percentile(times[1:], 0.5), "warm_p95": percentile(times[1:], 0.95)}


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


async def measure_idle(url: str, pid: int) -> dict[str, float]:
    async with aiohttp.ClientSession(connector=connector()) as session:
        crowd = Crowd(session, url)
        before = rss_bytes(pid)
        await crowd.open(IDLE_CONNECTIONS)
        await asyncio.sleep(3)
        after = rss_bytes(pid)
        still_open = sum(not ws.closed for ws in crowd.sockets)
        await crowd.close()
    return {"open": still_open, "rss_before_mb": before / 2**20, "rss_mb": after / 2**20,
            "connections_mb": (after - before) / 2**20, "per_connection_kb": (after - before) / IDLE_CONNECTIONS / 1024}


async def measure_burst(url: str) -> dict[str, float]:
    """BURST clients connect at the same moment (each runs $connect), then all disconnect at once."""
    async with aiohttp.ClientSession(connector=connector(), timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        opened = await asyncio.gather(*(session.ws_connect(url) for _ in range(BURST)), return_exceptions=True)
        connect_seconds = time.perf_counter() - started
        sockets = [ws for ws in opened if not isinstance(ws, BaseException)]
        started = time.perf_counter()
        closed = await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        close_seconds = time.perf_counter() - started
    return {"connected": len(sockets), "errors": len(opened) - len(sockets) + sum(isinstance(c, BaseException) for c in closed),
            "connect_s": connect_seconds, "close_s": close_seconds}


def build_api(cloud: LocalCloud) -> dict[str, str]:
    """Two APIs, built as a learner would: one with $connect/$disconnect Lambdas, one with message routes only."""
    learner = LearnerApi(cloud, "bench")
    function = learner.function("gateway", HANDLER_SOURCE)
    full = learner.api("full")
    for key in ("$connect", "$disconnect", "whoami", "echo", "sequential", "concurrent"):
        learner.route(full, key, function, two_way=key in ("whoami", "echo"))
    bare = learner.api("bare")
    learner.route(bare, "whoami", function, two_way=True)
    return {"full": learner.deploy(full), "bare": learner.deploy(bare)}


async def run_all() -> None:
    broadcast_server, broadcast_port = start_bare("broadcast")
    connections_server, connections_port = start_bare("connections")
    cloud = LocalCloud(mode="subprocess").start()
    try:
        urls = build_api(cloud)
        assert cloud._process is not None
        print(f"gateway benchmark: local cloud pid {cloud._process.pid}, {os.cpu_count()} CPU(s)\n")

        connect = await measure_connect(urls["full"])
        connect_bare = await measure_connect(urls["bare"])
        print("connect latency (handshake done; with a $connect Lambda / without one)")
        print(f"  cold (first $connect)   {ms(connect['cold'])}")
        print(f"  warm p50 / p95          {ms(connect['warm_p50'])} / {ms(connect['warm_p95'])}")
        print(f"  no $connect p50 / p95   {ms(connect_bare['warm_p50'])} / {ms(connect_bare['warm_p95'])}\n")

        # The machine is shared: measure the floor before and after the gateway's fan-out and keep the best.
        floors = [measure_boto3_floor(connections_port)]
        gateway = await measure_fan_out(urls["full"], ["sequential", "concurrent"])
        floors.append(measure_boto3_floor(connections_port))
        floor = min(floors)
        limit = await measure_fan_out(f"ws://127.0.0.1:{broadcast_port}/", ["broadcast"])
        print("fan-out: one message to N clients, latency from send to each client (p50 / p95)")
        print(f"  {'N':>4}  {'sequential Lambda':>24}  {'concurrent Lambda':>24}  {'bare aiohttp (limit)':>24}")
        for size in SIZES:
            row = [gateway[("sequential", size)], gateway[("concurrent", size)], limit[("broadcast", size)]]
            cells = [f"{r['p50'] * 1000:9.1f} / {r['p95'] * 1000:7.1f} ms" for r in row]
            print(f"  {size:>4}  " + "  ".join(f"{c:>24}" for c in cells))
        per_recipient = gateway[("sequential", 500)]["per_recipient"]
        print(f"\n  boto3 floor (sequential post_to_connection to a bare endpoint): {floor * 1000:.2f} ms per recipient "
              f"(best of 3 runs, before / after: {floors[0] * 1000:.2f} / {floors[1] * 1000:.2f})")
        print(f"  gateway, sequential handler, N=500 (best round):             {per_recipient * 1000:.2f} ms per recipient")
        print(f"  ratio gateway / floor: {per_recipient / floor:.2f}x (target <= 1.3x)")
        for size in SIZES:
            seq, conc = gateway[("sequential", size)]["p95"], gateway[("concurrent", size)]["p95"]
            bare = limit[("broadcast", size)]["p95"]
            print(f"  N={size:<4} p95 sequential/concurrent {seq / conc:5.2f}x, concurrent/bare {conc / bare:6.1f}x")

        rates = await measure_messages_per_second(urls["full"])
        print("\nmessages/s (echo through a two-way route: gateway + Lambda worker + route response)")
        for label, rate in rates.items():
            print(f"  {label:<12} {rate:8.0f} msg/s")

        idle = await measure_idle(urls["bare"], cloud._process.pid)
        print(f"\n{IDLE_CONNECTIONS} idle connections: {int(idle['open'])} open after 3 s; local cloud RSS "
              f"{idle['rss_before_mb']:.0f} -> {idle['rss_mb']:.0f} MB: the connections take {idle['connections_mb']:.1f} MB, "
              f"{idle['per_connection_kb']:.1f} KB each (target: 1,000 under 200 MB)")

        burst = await measure_burst(urls["full"])
        print(f"\nburst: {BURST} connects at once -> {int(burst['connected'])} connected in {burst['connect_s']:.2f} s, "
              f"then all closed in {burst['close_s']:.2f} s; errors/timeouts: {int(burst['errors'])}")
    finally:
        cloud.stop()
        broadcast_server.terminate()
        connections_server.terminate()


def main() -> None:
    asyncio.run(run_all())


if __name__ == "__main__":
    main()
