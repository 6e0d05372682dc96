"""Lambda runtime benchmark: warm overhead, cold start, throughput, a burst of 60 simultaneous invocations,
and what enforcing MemorySize costs a warm invoke.

Prints figures only. The programmatic API is measured on a thread-mode local cloud (as the gateway calls it),
the HTTP path with boto3 against a local cloud in its own process (as a learner calls it).
`python -m bench.lambda_runtime memory` runs only the MemorySize part.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import statistics
import sys
import textwrap
import time
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local_cloud import LocalCloud

ECHO = """
    def handler(event, context):
        return event
"""
BOTO3_AT_IMPORT = """
    import boto3

    dynamodb = boto3.client("dynamodb")

    def handler(event, context):
        return {"ok": True}
"""
SHORT_WORK = """
    import os, time

    def handler(event, context):
        time.sleep(0.05)
        return {"pid": os.getpid()}
"""
SLEEPS_ONE_SECOND = """
    import time

    def handler(event, context):
        time.sleep(1.0)
"""
REPORT_DURATION = re.compile(r"REPORT RequestId: \S+\tDuration: ([\d.]+) ms")
INIT_DURATION = re.compile(r"Init Duration: ([\d.]+) ms")


# -- setup -------------------------------------------------------------------------------------------

def make_zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", textwrap.dedent(source))
    return buffer.getvalue()


def deploy(cloud: LocalCloud, source: str, role: str) -> str:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    cloud.client("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                           Handler="app.handler", Code={"ZipFile": make_zip(source)})
    return name


def create_role(cloud: LocalCloud) -> str:
    return cloud.client("iam").create_role(RoleName=f"bench-{uuid.uuid4().hex[:8]}",
                                           AssumeRolePolicyDocument="{}")["Role"]["Arn"]


def handler_ms(log_result: str) -> float:
    """The handler's own time, from the REPORT line of the Tail log."""
    match = REPORT_DURATION.search(base64.b64decode(log_result).decode())
    return float(match.group(1)) if match else 0.0


def init_ms(log_result: str) -> float | None:
    match = INIT_DURATION.search(base64.b64decode(log_result).decode())
    return float(match.group(1)) if match else None


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):6.2f} ms   p95 {p95:6.2f} ms   (n={len(ordered)})"


def show(label: str, value: str) -> None:
    print(f"  {label:<52} {value}")


# -- the programmatic API (thread-mode cloud) ----------------------------------------------------------

def bench_programmatic() -> None:
    print("Programmatic API: await runtime.invoke(...) on the local cloud's event loop")
    with LocalCloud(mode="thread") as cloud:
        runtime = cloud._server.runtime
        role = create_role(cloud)

        def run(coroutine: Any) -> Any:
            return asyncio.run_coroutine_threadsafe(coroutine, cloud._loop).result(300)

        async def timed_invoke(name: str) -> tuple[float, Any]:
            began = time.perf_counter()
            result = await runtime.invoke(name, b'{"n": 1}', log_type="Tail")
            return (time.perf_counter() - began) * 1000, result

        echo = deploy(cloud, ECHO, role)
        run(timed_invoke(echo))
        overheads = []
        for _ in range(300):
            total, result = run(timed_invoke(echo))
            overheads.append(total - handler_ms(result.log_result))
        show("warm invoke overhead over the handler's own time", percentiles(overheads))

        cold, inits = [], []
        for _ in range(5):
            wait_for_spare(runtime)
            total, result = run(timed_invoke(deploy(cloud, BOTO3_AT_IMPORT, role)))
            cold.append(total)
            inits.append(init_ms(result.log_result) or 0.0)
        show("cold start, module imports boto3 + creates a client", percentiles(cold))
        show("  of which Init Duration (REPORT)", percentiles(inits))

        for callers in (1, 4):
            count = 400
            run(callers_loop(lambda: runtime.invoke(echo, b"{}"), callers, callers * 5))  # start the workers first
            began = time.perf_counter()
            run(callers_loop(lambda: runtime.invoke(echo, b"{}"), callers, count))
            show(f"invocations/s, {callers} concurrent caller(s)", f"{count / (time.perf_counter() - began):8.0f}/s")

        burst(run, lambda name: runtime.invoke(name, b"{}"), deploy(cloud, SHORT_WORK, role),
              lambda result: (result.function_error, json.loads(result.payload)))


def wait_for_spare(runtime: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while runtime.spare_count < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # let the new spare finish importing boto3


async def callers_loop(call: Callable[[], Any], callers: int, count: int) -> None:
    remaining = iter(range(count))

    async def caller() -> None:
        for _ in remaining:
            await call()

    await asyncio.gather(*(caller() for _ in range(callers)))


def burst(run: Callable[[Any], Any], call: Callable[[str], Any], name: str,
          decode: Callable[[Any], tuple[Any, Any]]) -> None:
    async def sixty() -> list[Any]:
        return await asyncio.gather(*(call(name) for _ in range(60)))

    began = time.perf_counter()
    results = run(sixty())
    elapsed = time.perf_counter() - began
    report_burst(elapsed, [decode(result) for result in results])


def report_burst(elapsed: float, decoded: list[tuple[Any, Any]]) -> None:
    failed = [body for error, body in decoded if error]
    pids = {body["pid"] for error, body in decoded if not error}
    timeouts = sum(1 for body in failed if body.get("errorType") == "Sandbox.Timedout")
    show("60 simultaneous invocations (handler sleeps 50 ms)",
         f"{elapsed:6.2f} s, {60 - len(failed)} ok, {timeouts} timed out, {len(failed)} failed, "
         f"{len(pids)} workers")


# -- over HTTP with boto3 (subprocess cloud) --------------------------------------------------------------

def bench_http() -> None:
    print("HTTP: boto3 lambda.invoke against a local cloud in its own process")
    with LocalCloud() as cloud:
        lam = cloud.client("lambda")
        role = create_role(cloud)
        echo = deploy(cloud, ECHO, role)
        lam.invoke(FunctionName=echo, Payload=b"{}")
        overheads, totals = [], []
        for _ in range(300):
            began = time.perf_counter()
            response = lam.invoke(FunctionName=echo, Payload=b'{"n": 1}', LogType="Tail")
            response["Payload"].read()
            total = (time.perf_counter() - began) * 1000
            totals.append(total)
            overheads.append(total - handler_ms(response["LogResult"]))
        show("warm invoke, round trip seen by boto3", percentiles(totals))
        show("warm invoke overhead over the handler's own time", percentiles(overheads))
        dry_runs = []
        for _ in range(300):
            began = time.perf_counter()
            lam.invoke(FunctionName=echo, InvocationType="DryRun")
            dry_runs.append((time.perf_counter() - began) * 1000)
        show("  baseline: DryRun round trip (no worker)", percentiles(dry_runs))

        cold = []
        for _ in range(5):
            time.sleep(2.0)  # the spare worker taken by the last cold start is replaced meanwhile
            name = deploy(cloud, BOTO3_AT_IMPORT, role)
            began = time.perf_counter()
            lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
            cold.append((time.perf_counter() - began) * 1000)
        show("cold start, module imports boto3 + creates a client", percentiles(cold))

        for callers in (1, 4):
            http_rate(cloud, echo, callers, callers * 5)  # start the workers first
            show(f"invocations/s, {callers} concurrent caller(s)", f"{http_rate(cloud, echo, callers, 400):8.0f}/s")

        name = deploy(cloud, SHORT_WORK, role)
        clients = [cloud.client("lambda") for _ in range(60)]

        def one(i: int) -> tuple[Any, Any]:
            response = clients[i].invoke(FunctionName=name, Payload=b"{}")
            return response.get("FunctionError"), json.loads(response["Payload"].read())

        began = time.perf_counter()
        with ThreadPoolExecutor(60) as pool:
            decoded = list(pool.map(one, range(60)))
        report_burst(time.perf_counter() - began, decoded)

    print("HTTP, without a spare worker (LOCAL_CLOUD_LAMBDA_SPARE_WORKERS=0), for comparison")
    with LocalCloud(env={"LOCAL_CLOUD_LAMBDA_SPARE_WORKERS": "0"}) as cloud:
        lam, role = cloud.client("lambda"), create_role(cloud)
        cold = []
        for _ in range(3):
            name = deploy(cloud, BOTO3_AT_IMPORT, role)
            began = time.perf_counter()
            lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
            cold.append((time.perf_counter() - began) * 1000)
        show("cold start, module imports boto3 + creates a client", percentiles(cold))


def http_rate(cloud: LocalCloud, name: str, callers: int, count: int) -> float:
    """Invocations per second when `callers` threads, each with its own client, share `count` invokes."""
    def caller(client: Any) -> None:
        for _ in range(count // callers):
            client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()

    clients = [cloud.client("lambda") for _ in range(callers)]
    began = time.perf_counter()
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(caller, clients))
    return (count // callers * callers) / (time.perf_counter() - began)


# -- MemorySize enforcement: the same warm invokes with the memory watcher on and off ------------------------

def bench_memory_enforcement(rounds: int = 400) -> None:
    """Two local clouds, one enforcing MemorySize (the default) and one not, called in turn so both see the same
    machine load; the difference between them is what the watcher (and the peak check after each reply) costs."""
    print("MemorySize enforcement: warm boto3 invokes, watcher on (default) vs LOCAL_CLOUD_LAMBDA_ENFORCE_MEMORY=0")
    with LocalCloud() as enforcing, LocalCloud(env={"LOCAL_CLOUD_LAMBDA_ENFORCE_MEMORY": "0"}) as lenient:
        setups = []
        for cloud in (enforcing, lenient):
            role = create_role(cloud)
            lam = cloud.client("lambda")
            names = {"echo": deploy(cloud, ECHO, role), "50 ms": deploy(cloud, SHORT_WORK, role)}
            for name in names.values():
                lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()  # warm
            setups.append((lam, names))
        for label, count in (("echo", rounds), ("50 ms", rounds // 8)):
            totals: list[list[float]] = [[], []]
            for _ in range(count):
                for index, (lam, names) in enumerate(setups):
                    began = time.perf_counter()
                    lam.invoke(FunctionName=names[label], Payload=b"{}")["Payload"].read()
                    totals[index].append((time.perf_counter() - began) * 1000)
            on, off = totals
            show(f"warm invoke, handler {label}, enforcement on", percentiles(on))
            show(f"warm invoke, handler {label}, enforcement off", percentiles(off))
            show("  p50 difference (on - off)", f"{statistics.median(on) - statistics.median(off):+6.2f} ms")
        # The watcher samples a busy worker every 10 ms: what that costs the cloud's process while a handler runs.
        import psutil

        for label, cloud, (lam, _) in (("on", enforcing, setups[0]), ("off", lenient, setups[1])):
            slow = deploy(cloud, SLEEPS_ONE_SECOND, create_role(cloud))
            lam.invoke(FunctionName=slow, Payload=b"{}")["Payload"].read()
            assert cloud._process is not None
            cloud_process = psutil.Process(cloud._process.pid)
            before = sum(cloud_process.cpu_times()[:2])
            for _ in range(3):
                lam.invoke(FunctionName=slow, Payload=b"{}")["Payload"].read()
            used = (sum(cloud_process.cpu_times()[:2]) - before) / 3
            show(f"cloud CPU per 1 s invocation, enforcement {label}", f"{used * 1000:6.1f} ms")


def main() -> None:
    print("== Lambda runtime ==")
    if sys.argv[1:] != ["memory"]:
        bench_programmatic()
        bench_http()
    bench_memory_enforcement()


if __name__ == "__main__":
    main()
