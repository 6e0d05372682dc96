"""LambdaRuntime: runs deployed functions in worker processes; `invoke` is what the HTTP API and the gateway call."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import time
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..config import Settings
from . import cloudwatch
from .code_cache import CodeCache
from .errors import FunctionNotFound, InvalidRequestContent, InvokeError
from .functions import FunctionSpec, find_function
from .http_api import handle_invoke
from .pool import Completed, FunctionPool, Invocation, Started, error_payload
from .worker import BOOTSTRAP, Worker

log = logging.getLogger("local_cloud.lambda")

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
# AWS limits the module import (init) to 10 s; a worker started without a spare also imports boto3 first,
# which on a busy laptop can take a while.
INIT_TIMEOUT_SECONDS = 30.0
TAIL_BYTES = 4096
# Fake credentials inside workers: moto accepts any, and they make sure nothing reaches a real account.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "test"}


@dataclass
class InvokeResult:
    status_code: int
    payload: bytes
    function_error: str | None
    log_result: str | None  # base64 of the last 4 KB of the log, when LogType is "Tail"
    executed_version: str | None
    request_id: str


class LambdaRuntime:
    """Owns every worker process of one local cloud. Safe to call `invoke` from many asyncio tasks at once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.spare_workers = int(os.environ.get("LOCAL_CLOUD_LAMBDA_SPARE_WORKERS", "1"))
        self._pools: dict[tuple[str, str, str], FunctionPool] = {}
        self._spares: list[Worker] = []
        self._spawning_spares = 0
        self._code = CodeCache()
        self._background: set[asyncio.Task[Any]] = set()
        self._reaper: asyncio.Task[None] | None = None
        self._closing = False

    # -- life cycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        self._closing = False
        self._refill_spares()
        self._reaper = asyncio.ensure_future(self._retire_idle_workers())

    async def close(self) -> None:
        """Stop every worker (running invocations end) and delete the unpacked code."""
        self._closing = True
        tasks = [*self._background, *([self._reaper] if self._reaper else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._background.clear()
        pools, self._pools = list(self._pools.values()), {}
        spares, self._spares = self._spares, []
        await asyncio.gather(*(pool.close() for pool in pools), *(worker.stop() for worker in spares),
                             return_exceptions=True)
        self._code.clear()

    def worker_pids(self) -> list[int]:
        """Every worker process alive now (spares included): for tests and the benchmark."""
        workers = [*self._spares, *(w for pool in self._pools.values() for w in pool.workers)]
        return [worker.pid for worker in workers if worker.alive]

    async def set_spare_workers(self, count: int) -> None:
        """Keep `count` spare workers from now on; 0 stops the ones waiting, so every cold start is a full one."""
        self.spare_workers = max(0, count)
        extra = len(self._spares) - self.spare_workers
        if extra > 0:
            stopped, self._spares = self._spares[:extra], self._spares[extra:]
            await asyncio.gather(*(worker.stop() for worker in stopped), return_exceptions=True)
        self._refill_spares()

    @property
    def spare_count(self) -> int:
        """Spare workers ready (boto3 imported) and waiting for a function: the next cold start takes one."""
        return sum(worker.ready for worker in self._spares)

    # -- the programmatic API -------------------------------------------------------------------------
    async def invoke(self, function: str, payload: bytes, invocation_type: str = "RequestResponse",
                     log_type: str = "None", qualifier: str | None = None,
                     client_context: dict[str, Any] | None = None, region: str | None = None) -> InvokeResult:
        """Invoke like lambda.invoke; `function` is a name, partial ARN or ARN. Raises FunctionNotFound."""
        if invocation_type not in INVOCATION_TYPES:
            raise InvokeError(f"InvocationType must be one of {', '.join(INVOCATION_TYPES)}, not {invocation_type!r}")
        spec = find_function(function, region or self.settings.region, qualifier)
        text = _event_text(payload)
        request_id = str(uuid.uuid4())
        if invocation_type == "DryRun":
            return InvokeResult(204, b"", None, None, None, request_id)
        invoked_arn = spec.arn if qualifier is None else f"{spec.arn}:{qualifier}"
        invocation = Invocation(request_id, text, invoked_arn, client_context)
        if invocation_type == "Event":
            task = asyncio.ensure_future(self._run_in_background(spec, invocation))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return InvokeResult(202, b"", None, None, None, request_id)
        completed = await self._run(spec, invocation)
        log_result = _tail(completed.log_lines) if log_type == "Tail" else None
        return InvokeResult(200, completed.payload, "Unhandled" if completed.failed else None, log_result,
                            spec.version, request_id)

    def log_to_function(self, function: str, message: str) -> None:
        """Append a line to a function's log group (the gateway uses it for hints such as a missing permission)."""
        try:
            spec = find_function(function, self.settings.region)
        except FunctionNotFound:
            return
        stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[local-cloud]gateway"
        cloudwatch.write_lines(spec.account, spec.region, spec.log_group_name, stream, message.splitlines())

    async def handle_invoke_http(self, request: web.Request) -> web.Response:
        return await handle_invoke(self, request)

    # -- running ------------------------------------------------------------------------------------
    async def _run(self, spec: FunctionSpec, invocation: Invocation) -> Completed:
        if not spec.is_python:
            return _unsupported_runtime(spec, invocation)
        pool = self._pools.get(spec.pool_key)
        if pool is None:
            pool = self._pools[spec.pool_key] = FunctionPool(self._start_worker, self.settings.lambda_max_workers)
        return await pool.invoke(spec, invocation)

    async def _run_in_background(self, spec: FunctionSpec, invocation: Invocation) -> None:
        """An Event invocation: nobody waits for it, so a failure of the runtime itself is logged here."""
        try:
            await self._run(spec, invocation)
        except Exception:  # noqa: BLE001 - the caller already got its 202
            log.exception("the Event invocation %s of %s could not run", invocation.request_id, spec.name)

    async def _start_worker(self, spec: FunctionSpec) -> Started:
        """Take a spare worker (boto3 already imported) or start one, and give it this function."""
        began = time.perf_counter()
        try:
            task_root = await self._code.task_root(spec.code_sha256, spec.code_bytes)
        except (zipfile.BadZipFile, OSError) as error:
            message = (f"Could not unpack the deployment package: {error}. Deploy a .zip file with your "
                       f"handler's module at its root (e.g. app.py for handler app.handler).")
            return Started(None, 0.0, "", {"errorMessage": message, "errorType": "InvalidZipFileException"})
        worker = self._take_spare() or await Worker.spawn()
        worker.log_stream_name = cloudwatch.new_log_stream_name(spec.version)
        message = {
            "op": "init", "handler": spec.handler, "task_root": str(task_root),
            "local_cloud_url": self.settings.http_url,
            "environment": self._environment(spec, str(task_root), worker.log_stream_name),
            "function": {"function_name": spec.name, "function_version": spec.version,
                         "memory_size": spec.memory_size, "log_group_name": spec.log_group_name,
                         "log_stream_name": worker.log_stream_name},
        }
        try:
            exchange = await worker.exchange(message, "init", INIT_TIMEOUT_SECONDS)
        except BaseException:
            await worker.kill()  # cancelled (e.g. the gateway gave up): nobody else knows this worker
            raise
        init_ms = (time.perf_counter() - began) * 1000
        self._refill_spares()  # now, not earlier: a spare starting up would slow this cold start down
        reply = exchange.reply
        if reply is None or not reply.get("ok"):
            await worker.stop()
            error = (reply or {}).get("error") or {
                "errorMessage": f"The runtime stopped while importing the handler ({exchange.exit_status or 'timed out'})",
                "errorType": "Runtime.ExitError"}
            return Started(None, init_ms, exchange.log, error)
        return Started(worker, init_ms, exchange.log)

    def _environment(self, spec: FunctionSpec, task_root: str, log_stream: str) -> dict[str, str]:
        """The function's variables plus the ones Lambda reserves (these win, as on AWS)."""
        return {
            **spec.environment,
            **FAKE_CREDENTIALS,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_ENDPOINT_URL": self.settings.http_url,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
            "_HANDLER": spec.handler,
            "TZ": "UTC" if os.name == "nt" else ":UTC",
        }

    # -- spare workers and idle retirement -------------------------------------------------------------
    def _take_spare(self) -> Worker | None:
        while self._spares:
            worker = self._spares.pop()
            if worker.alive:
                return worker
        return None

    def _refill_spares(self) -> None:
        missing = self.spare_workers - len(self._spares) - self._spawning_spares
        for _ in range(max(missing, 0)):
            if self._closing:
                return
            self._spawning_spares += 1
            task = asyncio.ensure_future(self._spawn_spare())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _spawn_spare(self) -> None:
        try:
            worker = await Worker.spawn()
        finally:
            self._spawning_spares -= 1
        if self._closing:
            await worker.stop()
        else:
            self._spares.append(worker)

    async def _retire_idle_workers(self) -> None:
        idle_seconds = self.settings.lambda_idle_seconds
        while True:
            await asyncio.sleep(min(max(idle_seconds / 4, 0.1), 10.0))
            for pool in list(self._pools.values()):
                with contextlib.suppress(Exception):
                    await pool.retire_idle(idle_seconds)


def _event_text(payload: bytes) -> str:
    """The payload as JSON text; Lambda refuses anything that is not JSON."""
    if not payload or not payload.strip():
        return "{}"
    try:
        text = payload.decode("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidRequestContent(
            f"Could not parse request body into json: {error}. The payload must be a JSON document, "
            f"e.g. Payload=json.dumps(event)") from None
    return text


def _tail(lines: list[str]) -> str:
    data = ("\n".join(lines) + "\n").encode()
    return base64.b64encode(data[-TAIL_BYTES:]).decode()


def _unsupported_runtime(spec: FunctionSpec, invocation: Invocation) -> Completed:
    message = (f"The local cloud runs Python functions only, and {spec.name} uses the runtime "
               f"{spec.runtime or '(none)'}. Create it with a Python runtime, e.g. Runtime='python3.12'.")
    report = cloudwatch.report_line(invocation.request_id, 0.0, spec.memory_size, None, None)
    lines = cloudwatch.invocation_lines(invocation.request_id, spec.version, f"[ERROR] {message}", report)
    cloudwatch.write_lines(spec.account, spec.region, spec.log_group_name,
                           cloudwatch.new_log_stream_name(spec.version), lines)
    return Completed(error_payload(message, "Runtime.InvalidRuntime"), True, lines)
