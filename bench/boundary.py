"""Network boundary benchmark: what the front door's checks cost per request (target: p50 < 0.05 ms added).

Prints figures only. Two measurements:
- the check itself (Boundary.refuse + seal) on requests shaped like boto3's invoke and post_to_connection,
  timed in batches, so the figure is the check's own cost without the network's noise;
- end to end, on a thread-mode local cloud, the p50 of a warm boto3 invoke and an @connections post with
  the boundary on and off (swapped in place between rounds, interleaved, so machine noise hits both alike).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import websocket
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from bench.lambda_runtime import ECHO, create_role, deploy
from local_cloud import LocalCloud, boundary
from local_cloud.config import Settings

BATCHES, PER_BATCH = 200, 1000
ROUNDS, CALLS_PER_ROUND = 12, 150


def boto3_headers(port: int, service: str, extra: dict[str, str]) -> CIMultiDict[str]:
    """The headers botocore sends (values of the right shape and length)."""
    return CIMultiDict({
        "Host": f"127.0.0.1:{port}",
        "Accept-Encoding": "identity",
        "User-Agent": "Boto3/1.44.5 md/Botocore#1.44.5 ua/2.1 os/linux#6.8 md/arch#x86_64 lang/python#3.11.7 "
                      "md/pyimpl#CPython m/Z,D,b cfg/retry-mode#legacy Botocore/1.44.5",
        "X-Amz-Date": "20261204T171500Z",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20261204/us-east-1/{service}/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=" + "3f" * 32,
        "amz-sdk-invocation-id": str(uuid.uuid4()),
        "amz-sdk-request": "attempt=1; max=5",
        "Content-Length": "9",
        **extra,
    })


def time_check(check: Callable[[web.Request], object], request: web.Request) -> list[float]:
    """Microseconds per call, one figure per batch of PER_BATCH calls."""
    figures = []
    for _ in range(BATCHES):
        began = time.perf_counter()
        for _ in range(PER_BATCH):
            check(request)
        figures.append((time.perf_counter() - began) / PER_BATCH * 1e6)
    return figures


def measure_check() -> None:
    settings = Settings(port=4566)
    door = boundary.Boundary(settings)

    def check_and_seal(request: web.Request) -> None:
        if door.refuse(request) is None:
            boundary.seal(web.Response(status=200))

    def seal_only(request: web.Request) -> None:
        boundary.seal(web.Response(status=200))

    def response_only(request: web.Request) -> None:
        web.Response(status=200)  # the baseline both include: the answer the handler makes anyway

    invoke = make_mocked_request("POST", "/2015-03-31/functions/chat-sendPublic/invocations", headers=boto3_headers(
        4566, "lambda", {"X-Amz-Invocation-Type": "RequestResponse", "X-Amz-Log-Type": "None"}))
    post = make_mocked_request("POST", "/abc123/dev/@connections/BFHPhfCWIAMCKlQ%3D", headers=boto3_headers(
        4566, "execute-api", {}))
    refused = make_mocked_request("POST", "/", headers=CIMultiDict({
        "Host": "127.0.0.1:4566", "Origin": "http://evil.example", "Content-Type": "text/plain"}))
    print("the check itself (Boundary.refuse + seal), microseconds per request (p50 / p95 of 200 batches of 1000)")
    time_check(check_and_seal, invoke)  # warm-up: caches, CPU clock; otherwise the first figure pays for it
    baseline = statistics.median(time_check(response_only, invoke))
    for label, request in (("boto3 invoke", invoke), ("boto3 post_to_connection", post)):
        figures = [value - baseline for value in time_check(check_and_seal, request)]
        print(f"  {label:28} {statistics.median(figures):6.2f} / {percentile(figures, 0.95):6.2f} us"
              f"   = {statistics.median(figures) / 1000:.4f} ms (target < 0.05 ms)")
    figures = [value - baseline for value in time_check(seal_only, invoke)]
    print(f"  {'of which seal (2 headers)':28} {statistics.median(figures):6.2f} us")
    figures = time_check(door.refuse, refused)
    print(f"  {'refusing a cross-origin POST':28} {statistics.median(figures):6.2f} us (builds the error answer)")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Switch:
    """Turns the server's boundary off (a no-op check and seal) and on again, in place."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.refuse, self.seal = server.boundary.refuse, boundary.seal

    def set(self, on: bool) -> None:
        self.server.boundary.refuse = self.refuse if on else (lambda request: None)
        boundary.seal = self.seal if on else (lambda response: response)


def timed(call: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def measure_end_to_end() -> None:
    print(f"end to end on a thread-mode local cloud, ms (p50 of {ROUNDS // 2} interleaved rounds of "
          f"{CALLS_PER_ROUND} calls per mode)")
    with LocalCloud(mode="thread") as cloud:
        server = cloud._server
        switch = Switch(server)
        lam = cloud.client("lambda")
        name = deploy(cloud, ECHO, create_role(cloud))
        lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()  # warm worker

        api = cloud.client("apigatewayv2")
        api_id = api.create_api(Name="bench-boundary", ProtocolType="WEBSOCKET",
                                RouteSelectionExpression="$request.body.action")["ApiId"]
        api.create_stage(ApiId=api_id, StageName="dev", AutoDeploy=True)
        ws = websocket.create_connection(f"{cloud.ws_base}/{api_id}/dev", timeout=10)
        threading.Thread(target=drain, args=(ws,), daemon=True).start()
        deadline = time.monotonic() + 10
        while not server.gateway.connections and time.monotonic() < deadline:
            time.sleep(0.01)  # the gateway registers the socket just after the handshake
        connection_id = next(iter(server.gateway.connections))
        management = cloud.client("apigatewaymanagementapi", endpoint_url=f"{cloud.endpoint_url}/{api_id}/dev")

        calls = {
            "warm invoke (echo handler)": lambda: lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read(),
            "@connections post (64 bytes)": lambda: management.post_to_connection(
                ConnectionId=connection_id, Data=b"x" * 64),
        }
        for label, call in calls.items():
            timed(call, 50)  # warm-up: connection pools, code paths
            samples: dict[bool, list[float]] = {True: [], False: []}
            for round_ in range(ROUNDS):
                on = round_ % 4 in (0, 3)  # on, off, off, on, ...: a drift (warming up) favours neither
                switch.set(on)
                samples[on] += timed(call, CALLS_PER_ROUND)
            switch.set(True)
            with_p50, without_p50 = statistics.median(samples[True]), statistics.median(samples[False])
            print(f"  {label:30} on {with_p50:6.3f}   off {without_p50:6.3f}   added {with_p50 - without_p50:+.3f}")
        ws.close()


def drain(ws: websocket.WebSocket) -> None:
    try:
        while True:
            ws.recv()
    except Exception:  # noqa: BLE001 - the socket closed: the benchmark is over
        return


def main() -> None:
    print("boundary benchmark")
    measure_check()
    measure_end_to_end()


if __name__ == "__main__":
    main()
