"""The workers of one function: warm reuse, a bound on how many run at once, replacement after a change."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import cloudwatch
from .functions import FunctionSpec
from .worker import Worker

# AWS's limit on what a synchronous invocation may return.
MAX_RESPONSE_BYTES = 6291556


@dataclass
class Invocation:
    request_id: str
    payload: str  # the event, as JSON text
    invoked_arn: str
    client_context: dict[str, Any] | None = None


@dataclass
class Completed:
    """One finished invocation: the response payload, whether the function failed, and its log lines."""

    payload: bytes
    failed: bool
    log_lines: list[str]


@dataclass
class Started:
    """A worker that has been given a function (init ran), or the reason it could not be."""

    worker: Worker | None
    init_ms: float
    init_log: str
    error: dict[str, Any] | None = None


# Starts a worker for a function and runs its init (module import); supplied by the runtime.
StartWorker = Callable[[FunctionSpec], Awaitable[Started]]


def error_payload(message: str, error_type: str, request_id: str = "", stack: list[str] | None = None) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type, "requestId": request_id,
                       "stackTrace": stack or []}).encode()


class FunctionPool:
    """At most `max_workers` invocations of a function run at once; the others wait for a free slot.

    Waiting does not count toward the function's timeout. Warm workers are reused newest-first, so the
    ones left idle grow old and are retired by `retire_idle`.
    """

    def __init__(self, start_worker: StartWorker, max_workers: int) -> None:
        self._start_worker = start_worker
        self._slots = asyncio.Semaphore(max(1, max_workers))
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._config_key: str | None = None

    @property
    def workers(self) -> list[Worker]:
        return [*self._idle, *self._busy]

    async def invoke(self, spec: FunctionSpec, invocation: Invocation) -> Completed:
        async with self._slots:
            if spec.config_key != self._config_key:  # new code or configuration: old workers go
                self._config_key = spec.config_key
                stale, self._idle = self._idle, []
                await asyncio.gather(*(worker.stop() for worker in stale))
            started: Started | None = None
            worker = self._idle.pop() if self._idle else None
            if worker is None:
                started = await self._start_worker(spec)
                if started.worker is None:
                    return _init_failed(spec, invocation, started)
                worker = started.worker
                worker.config_key = spec.config_key
            self._busy.add(worker)
            try:
                completed = await _run(worker, spec, invocation, started)
            except BaseException:
                await worker.kill()  # cancelled mid-invocation: its reply would confuse the next caller
                raise
            finally:
                self._busy.discard(worker)
            if worker.alive and worker.config_key == self._config_key:
                worker.last_used = time.monotonic()
                self._idle.append(worker)
            else:
                await worker.stop()
            return completed

    async def retire_idle(self, idle_seconds: float) -> None:
        cutoff = time.monotonic() - idle_seconds
        old = [worker for worker in self._idle if worker.last_used < cutoff]
        self._idle = [worker for worker in self._idle if worker not in old]
        await asyncio.gather(*(worker.stop() for worker in old))

    async def close(self) -> None:
        workers, self._idle = self.workers, []
        await asyncio.gather(*(worker.stop() for worker in workers))


async def _run(worker: Worker, spec: FunctionSpec, invocation: Invocation, started: Started | None) -> Completed:
    """Send the event to the worker and turn whatever happens into AWS's response and log lines."""
    request_id = invocation.request_id
    message = {
        "op": "invoke", "request_id": request_id, "payload": invocation.payload,
        "deadline_ms": int(time.time() * 1000 + spec.timeout * 1000),
        "invoked_function_arn": invocation.invoked_arn, "client_context": invocation.client_context,
    }
    began = time.perf_counter()
    exchange = await worker.exchange(message, request_id, spec.timeout)
    elapsed_ms = (time.perf_counter() - began) * 1000
    worker.invocations += 1
    output, reply = exchange.log, exchange.reply
    max_memory = reply.get("max_memory_mb") if reply else None
    if exchange.timed_out:
        text = f"{cloudwatch.aws_timestamp()} {request_id} Task timed out after {spec.timeout:.2f} seconds"
        payload = json.dumps({"errorMessage": text, "errorType": "Sandbox.Timedout"}).encode()
        output, failed, duration = f"{output}\n{text}", True, spec.timeout * 1000
    elif reply is None:
        text = f"RequestId: {request_id} Error: Runtime exited with error: {exchange.exit_status}"
        payload = error_payload(text, "Runtime.ExitError")
        output, failed, duration = f"{output}\n{text}\nRuntime.ExitError", True, elapsed_ms
    elif reply["ok"] and len(reply["payload"]) > MAX_RESPONSE_BYTES:
        payload = error_payload(f"Response payload size exceeded maximum allowed payload size "
                                f"({MAX_RESPONSE_BYTES} bytes).", "Function.ResponseSizeTooLarge")
        failed, duration = True, reply["duration_ms"]
    elif reply["ok"]:
        payload, failed, duration = reply["payload"].encode(), False, reply["duration_ms"]
    else:
        payload, failed, duration = json.dumps(reply["error"]).encode(), True, reply["duration_ms"]
    init_ms = started.init_ms if started else None
    report = cloudwatch.report_line(request_id, duration, spec.memory_size, max_memory, init_ms)
    init_log = started.init_log if started else ""
    lines = cloudwatch.invocation_lines(request_id, spec.version, output, report, init_log)
    cloudwatch.write_lines(spec.account, spec.region, spec.log_group_name, worker.log_stream_name, lines)
    return Completed(payload, failed, lines)


def _init_failed(spec: FunctionSpec, invocation: Invocation, started: Started) -> Completed:
    """Import failed (or the code could not be unpacked): the invocation fails with the init error."""
    error = dict(started.error or {})
    report = cloudwatch.report_line(invocation.request_id, started.init_ms, spec.memory_size, None, None)
    lines = cloudwatch.invocation_lines(invocation.request_id, spec.version, "", report, started.init_log)
    stream = cloudwatch.new_log_stream_name(spec.version)
    cloudwatch.write_lines(spec.account, spec.region, spec.log_group_name, stream, lines)
    return Completed(json.dumps(error).encode(), True, lines)
