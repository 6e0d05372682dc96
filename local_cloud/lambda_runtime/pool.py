"""The workers of one function: warm reuse, a bound on how many run at once, replacement after a change."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..deadline import within
from . import cloudwatch
from .functions import FunctionSpec
from .memory import MemoryWatch
from .worker import Worker

# AWS's limit on what a synchronous invocation may return.
MAX_RESPONSE_BYTES = 6291556
# Idle workers beyond the most that ran at once in this many recent seconds are retired this soon:
# a burst's extra workers do not hold their memory for the whole idle timeout.
SURPLUS_IDLE_SECONDS = 30.0
# An Event invocation waits this long for a busy worker of its function to come free before it starts a new
# one. AWS queues such events too; without the wait, a function that invokes itself (the chat's $connect
# follow-up) would start a second environment while the first is finishing, and on a laptop that cold start
# competes with the next message's.
EVENT_PATIENCE_SECONDS = 0.1


@dataclass
class Invocation:
    request_id: str
    payload: str  # the event, as JSON text
    invoked_arn: str
    client_context: dict[str, Any] | None = None


@dataclass
class Completed:
    """One finished invocation: the response payload, whether the function failed, and its log lines.

    The log lines (START, output, END, REPORT) may be given as a function that formats them: then they are
    formatted only when first asked for, after the reply went back to the caller (see _run).
    """

    payload: bytes
    failed: bool
    lines: list[str] | Callable[[], list[str]] = field(repr=False)

    @functools.cached_property
    def log_lines(self) -> list[str]:
        return self.lines() if callable(self.lines) else self.lines


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

    def __init__(self, start_worker: StartWorker, max_workers: int, memory_watch: MemoryWatch | None = None) -> None:
        self._start_worker = start_worker
        self._slots = asyncio.Semaphore(max(1, max_workers))
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._config_key: str | None = None
        self._memory_watch = memory_watch  # None: MemorySize is reported, not enforced
        self._retired = False
        self._peaks: deque[tuple[int, int]] = deque()  # (second, most invocations running at once in it)
        self._freed = asyncio.Event()  # set and cleared at once each time a worker comes back idle

    @property
    def workers(self) -> list[Worker]:
        return [*self._idle, *self._busy]

    async def invoke(self, spec: FunctionSpec, invocation: Invocation, patient: bool = False) -> Completed:
        """Run one invocation; a `patient` one (an Event) first waits a moment for a busy worker to come free."""
        if patient and not self._idle and self._busy:
            with contextlib.suppress(asyncio.TimeoutError):
                await within(self._freed.wait(), EVENT_PATIENCE_SECONDS)
        async with self._slots:
            config_key = spec.config_key
            if config_key != self._config_key:  # new code or configuration: old workers go
                self._config_key = config_key
                stale, self._idle = self._idle, []
                await asyncio.gather(*(worker.stop() for worker in stale))
            started: Started | None = None
            worker = self._idle.pop() if self._idle else None
            if worker is None:
                started = await self._start_worker(spec)
                if started.worker is None:
                    return _init_failed(spec, invocation, started)
                worker = started.worker
                worker.config_key = config_key
            self._busy.add(worker)
            self._note_busy()
            try:
                completed = await _run(worker, spec, invocation, started, self._memory_watch)
            except BaseException:
                await worker.kill()  # cancelled mid-invocation: its reply would confuse the next caller
                raise
            finally:
                self._busy.discard(worker)
            if worker.alive and worker.config_key == self._config_key and not self._retired:
                worker.last_used = time.monotonic()
                self._idle.append(worker)
                self._freed.set()  # wakes the patient invocations waiting now; later ones wait for the next
                self._freed.clear()
            else:
                await worker.stop()
            return completed

    def _note_busy(self) -> None:
        second = int(time.monotonic())
        if self._peaks and self._peaks[-1][0] == second:
            self._peaks[-1] = (second, max(self._peaks[-1][1], len(self._busy)))
        else:
            self._peaks.append((second, len(self._busy)))
        while self._peaks and self._peaks[0][0] < second - SURPLUS_IDLE_SECONDS:
            self._peaks.popleft()

    def recent_peak(self, now: float | None = None) -> int:
        """The most invocations that ran at once in the last SURPLUS_IDLE_SECONDS."""
        since = (time.monotonic() if now is None else now) - SURPLUS_IDLE_SECONDS
        return max((count for second, count in self._peaks if second >= since), default=0)

    async def retire_idle(self, idle_seconds: float, surplus_seconds: float = SURPLUS_IDLE_SECONDS) -> None:
        """Stop workers idle for `idle_seconds`, and sooner (`surplus_seconds`) those recent traffic did not need."""
        now = time.monotonic()
        old = [worker for worker in self._idle if worker.last_used < now - idle_seconds]
        keep = [worker for worker in self._idle if worker not in old]
        # Reuse is newest-first, so the surplus are the least recently used (the front of the list).
        needed = max(self.recent_peak(now) - len(self._busy), 0)
        while len(keep) > max(needed, 1) and keep[0].last_used < now - surplus_seconds:
            old.append(keep.pop(0))
        self._idle = keep
        await asyncio.gather(*(worker.stop() for worker in old))

    async def retire(self) -> None:
        """The function was deleted or changed: idle workers stop now, busy ones when their invocation ends."""
        self._retired = True
        idle, self._idle = self._idle, []
        await asyncio.gather(*(worker.stop() for worker in idle))

    async def close(self) -> None:
        workers, self._idle = self.workers, []
        await asyncio.gather(*(worker.stop() for worker in workers))


async def _run(worker: Worker, spec: FunctionSpec, invocation: Invocation, started: Started | None,
               memory_watch: MemoryWatch | None) -> Completed:
    """Send the event to the worker and turn whatever happens into AWS's response and log lines."""
    request_id = invocation.request_id
    message = {
        "op": "invoke", "request_id": request_id,
        "deadline_ms": int(time.time() * 1000 + spec.timeout * 1000),
        "invoked_function_arn": invocation.invoked_arn, "client_context": invocation.client_context,
    }
    began = time.perf_counter()
    if memory_watch is not None:
        memory_watch.watch(worker)
    try:
        exchange = await worker.exchange(message, request_id, spec.timeout, event_json=invocation.payload or "{}")
    finally:
        if memory_watch is not None:
            memory_watch.unwatch(worker)
    elapsed_ms = (time.perf_counter() - began) * 1000
    worker.invocations += 1
    output, reply = exchange.log, exchange.reply
    account = worker.memory
    if account is not None and reply is not None:
        account.observe(reply.get("peak_bytes") or reply.get("rss_bytes"))
        # The worker's own peak (Linux) also sees a spike shorter than the watcher's sampling: AWS kills that too.
        if memory_watch is not None and account.exceeded() and not worker.out_of_memory:
            worker.out_of_memory = True
            await worker.kill()
    max_memory = account.used_mb() if account is not None else None
    status = None
    if worker.out_of_memory:
        text = f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
        payload = error_payload(text, "Runtime.OutOfMemory")
        output, failed, duration = f"{output}\n{text}\nRuntime.OutOfMemory\n{memory_hint(spec)}", True, elapsed_ms
        max_memory, status = spec.memory_size, "Status: error\tError Type: Runtime.OutOfMemory"
    elif exchange.timed_out:
        text = f"{cloudwatch.aws_timestamp()} {request_id} Task timed out after {spec.timeout:.2f} seconds"
        payload = json.dumps({"errorMessage": text, "errorType": "Sandbox.Timedout"}).encode()
        output, failed, duration = f"{output}\n{text}", True, spec.timeout * 1000
        status = "Status: timeout"
    elif reply is None:
        text = f"RequestId: {request_id} Error: Runtime exited with error: {exchange.exit_status}"
        payload = error_payload(text, "Runtime.ExitError")
        output, failed, duration = f"{output}\n{text}\nRuntime.ExitError", True, elapsed_ms
    elif reply["ok"] and len(reply["payload"]) > MAX_RESPONSE_BYTES:
        payload = error_payload(f"Response payload size exceeded maximum allowed payload size "
                                f"({MAX_RESPONSE_BYTES} bytes).", "Function.ResponseSizeTooLarge")
        failed, duration = True, reply["duration_ms"]
    elif reply["ok"]:
        payload, failed, duration = reply["payload"], False, reply["duration_ms"]
    else:
        payload, failed, duration = json.dumps(reply["error"]).encode(), True, reply["duration_ms"]
    init_ms = started.init_ms if started else None
    init_log = started.init_log if started else ""

    # The REPORT line and the others are formatted when they are written (a moment later) or read (Tail),
    # not here: the reply goes back to the caller first. Both use the one formatted copy (a plain list as
    # the cache: functools.cache would build a wrapper on every invocation).
    formatted: list[str] = []

    def lines() -> list[str]:
        if not formatted:  # never empty once formatted: START, END and REPORT at least
            report = cloudwatch.report_line(request_id, duration, spec.memory_size, max_memory, init_ms, status)
            formatted.extend(cloudwatch.invocation_lines(request_id, spec.version, output, report, init_log))
        return formatted

    cloudwatch.write_lines_soon(spec.account, spec.region, spec.log_group_name, worker.log_stream_name, lines)
    return Completed(payload, failed, lines)


def memory_hint(spec: FunctionSpec) -> str:
    """The local cloud's word to the learner after an out-of-memory kill (AWS's own log says only the above)."""
    return (f"[local cloud] {spec.name} used more than its MemorySize of {spec.memory_size} MB, so it was stopped "
            f"as AWS stops it. Use less memory (read large data in parts), or give the function more: "
            f"lambda.update_function_configuration(FunctionName={spec.name!r}, MemorySize={spec.memory_size * 2})")


def _init_failed(spec: FunctionSpec, invocation: Invocation, started: Started) -> Completed:
    """Import failed (or the code could not be unpacked): the invocation fails with the init error."""
    error = dict(started.error or {})
    output, status = "", None
    if error.get("errorType") == "Runtime.OutOfMemory":
        error["errorMessage"] = f"RequestId: {invocation.request_id} Error: Runtime exited with error: signal: killed"
        output = f"{error['errorMessage']}\nRuntime.OutOfMemory\n{memory_hint(spec)}"
        status = "Status: error\tError Type: Runtime.OutOfMemory"
    report = cloudwatch.report_line(invocation.request_id, started.init_ms, spec.memory_size,
                                    spec.memory_size if status else None, None, status)
    lines = cloudwatch.invocation_lines(invocation.request_id, spec.version, output, report, started.init_log)
    stream = cloudwatch.new_log_stream_name(spec.version)
    cloudwatch.write_lines(spec.account, spec.region, spec.log_group_name, stream, lines)
    return Completed(json.dumps(error).encode(), True, lines)
