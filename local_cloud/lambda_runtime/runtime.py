"""LambdaRuntime: runs deployed functions in worker processes; `invoke` is what the HTTP API and the gateway call."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import secrets
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..runtime_interface import (
    FunctionNotFound,
    FunctionSpec,
    InvalidRequestContent,
    InvokeError,
    InvokeResult,
    ResolvedFunction,
    unqualified_arn,
)
from . import cloudwatch, forkserver, processes, zip_package
from .code_cache import CodeCache, remove_abandoned
from .functions import find_function, resolve
from .memory import BOTO3_IMPORT_BYTES, MemoryAccount, MemoryWatch
from .pool import Completed, FunctionPool, Invocation, Started, error_payload
from .worker import BOOTSTRAP, MAX_MESSAGE_BYTES, Worker, worker_environment

REAPER = BOOTSTRAP.with_name("reaper.py")

log = logging.getLogger("local_cloud.lambda")

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
# AWS limits the module import (init) to 10 s; a worker started without a spare also imports boto3 first,
# which on a busy laptop can take a while.
INIT_TIMEOUT_SECONDS = 30.0
TAIL_BYTES = 4096
# Credentials inside workers when IAM is off (or the role cannot be assumed): moto accepts any, and they make
# sure nothing reaches a real account. With IAM on, each function gets its role's temporary credentials instead.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "test"}

if TYPE_CHECKING:
    from ..iam import IAM


class LambdaRuntime:
    """Owns every worker process of one local cloud. Safe to call `invoke` from many asyncio tasks at once.

    It is the gateway's runtime_interface.FunctionRuntime: `resolve`, `invoke_resolved`, `log_to_function`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.iam: IAM | None = None  # set by the server: issues each function's role credentials
        self.spare_workers = int(os.environ.get("LOCAL_CLOUD_LAMBDA_SPARE_WORKERS", "1"))
        # New workers are forked from a process that has imported boto3 (Linux): ready in milliseconds, sharing
        # its memory. LOCAL_CLOUD_LAMBDA_FORK=0, or no spare workers, spawns each one fresh (honest cold starts).
        self.fork_workers = forkserver.available() and os.environ.get("LOCAL_CLOUD_LAMBDA_FORK", "1").strip().lower() \
            not in ("0", "false", "no", "off")
        self._fork_server: forkserver.ForkServer | None = None
        # MemorySize enforced (a watcher kills a worker past it); 0 turns the kill off, REPORT still tells the use.
        self.enforce_memory = os.environ.get("LOCAL_CLOUD_LAMBDA_ENFORCE_MEMORY", "1").strip().lower() not in (
            "0", "false", "no", "off")
        self._memory_watch = MemoryWatch() if self.enforce_memory else None
        # Marks every worker of this cloud (and, by inheritance, every process they start).
        self._instance = secrets.token_hex(8)
        self._spawned = 0
        self._reaper: subprocess.Popen[bytes] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pools: dict[tuple[str, str, str], FunctionPool] = {}
        self._spares: list[Worker] = []
        self._spawning_spares = 0
        self._code = CodeCache()
        self._background: set[asyncio.Task[Any]] = set()
        self._idle_sweep: asyncio.Task[None] | None = None
        self._closing = False

    # -- life cycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        from ..patches import lambda_lifecycle

        self._closing = False
        self._loop = asyncio.get_running_loop()
        await self._loop.run_in_executor(None, remove_abandoned)
        self._start_reaper()
        await self._start_fork_server()
        if self._memory_watch is not None:
            self._memory_watch.start()
        lambda_lifecycle.subscribe(self._function_changed)
        self._refill_spares()
        self._idle_sweep = asyncio.ensure_future(self._retire_idle_workers())

    async def close(self) -> None:
        """Stop every worker (running invocations end) with what they started, and delete the unpacked code."""
        from ..patches import lambda_lifecycle

        self._closing = True
        lambda_lifecycle.unsubscribe(self._function_changed)
        tasks = [*self._background, *([self._idle_sweep] if self._idle_sweep else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._background.clear()
        pools, self._pools = list(self._pools.values()), {}
        spares, self._spares = self._spares, []
        await asyncio.gather(*(pool.close() for pool in pools), *(worker.stop() for worker in spares),
                             return_exceptions=True)
        if self._memory_watch is not None:
            self._memory_watch.stop()
        cloudwatch.flush_pending()
        self._code.clear()
        if self._fork_server is not None:
            await self._fork_server.close()
            self._fork_server = None
        await self._stop_reaper()

    async def _start_fork_server(self) -> None:
        """Start the fork server when workers are to be forked (not with 0 spare workers: honest cold starts)."""
        if not self.fork_workers or self.spare_workers <= 0 or self._fork_server is not None:
            return
        server = forkserver.ForkServer(str(BOOTSTRAP), worker_environment(f"{self._instance}/forkserver"),
                                       MAX_MESSAGE_BYTES)
        try:
            await server.start()
        except OSError as error:
            log.warning("could not start the Lambda fork server (%s): workers are spawned instead", error)
            return
        self._fork_server = server

    def _start_reaper(self) -> None:
        """The orphan watchdog: if this process dies without close(), it ends what the workers left behind."""
        try:
            self._reaper = subprocess.Popen(
                [sys.executable, str(REAPER), f"{self._instance}/", str(self._code.root)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=worker_free_environment(), **processes.new_session())
        except OSError as error:  # the cloud still works; only a kill -9 would leave processes behind
            log.warning("could not start the orphan watchdog (%s): if this process is killed, the processes "
                        "its functions started may outlive it", error)

    def _tell_reaper(self, line: str) -> None:
        if self._reaper is not None and self._reaper.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                self._reaper.stdin.write(line.encode() + b"\n")
                self._reaper.stdin.flush()

    async def _stop_reaper(self) -> None:
        reaper, self._reaper = self._reaper, None
        if reaper is None:
            return
        with contextlib.suppress(OSError, ValueError):
            reaper.stdin.close()  # type: ignore[union-attr]
        try:
            await asyncio.get_running_loop().run_in_executor(None, reaper.wait, 10)
        except subprocess.TimeoutExpired:
            reaper.kill()

    def worker_pids(self) -> list[int]:
        """Every worker process alive now (spares included): for tests and the benchmark."""
        workers = [*self._spares, *(w for pool in self._pools.values() for w in pool.workers)]
        return [worker.pid for worker in workers if worker.alive]

    async def set_spare_workers(self, count: int) -> None:
        """Keep `count` spare workers from now on; 0 stops the ones waiting, so every cold start is a full one."""
        self.spare_workers = max(0, count)
        if not self._closing:
            await self._start_fork_server()
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
            self._in_background(self._run_in_background(spec, invocation))
            return InvokeResult(202, b"", None, None, None, request_id)
        completed = await self._run(spec, invocation)
        log_result = _tail(completed.log_lines) if log_type == "Tail" else None
        return InvokeResult(200, completed.payload, "Unhandled" if completed.failed else None, log_result,
                            spec.version, request_id)

    # -- the gateway's interface (runtime_interface.FunctionRuntime) ---------------------------------------
    def resolve(self, function_arn: str) -> ResolvedFunction:
        """The function a full ARN names, with its resource policy; raises FunctionNotFound."""
        return resolve(function_arn)

    async def invoke_resolved(self, function: ResolvedFunction, event_json: str) -> InvokeResult:
        """A synchronous invoke of a function already looked up, with an event the caller wrote as JSON text.

        Nothing is looked up, parsed or encoded again: the text goes to the worker as it is.
        """
        request_id = str(uuid.uuid4())
        spec = function.spec
        completed = await self._run(spec, Invocation(request_id, event_json, function.invoked_arn))
        return InvokeResult(200, completed.payload, "Unhandled" if completed.failed else None, None,
                            spec.version, request_id)

    def log_to_function(self, function_name: str, message: str) -> None:
        """Append a line to a function's log group (the gateway uses it for hints such as a missing permission)."""
        try:
            spec = find_function(function_name, self.settings.region)
        except FunctionNotFound:
            return
        stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[local-cloud]gateway"
        cloudwatch.write_lines(spec.account, spec.region, spec.log_group_name, stream, message.splitlines())

    # -- running ------------------------------------------------------------------------------------
    async def _run(self, spec: FunctionSpec, invocation: Invocation, patient: bool = False) -> Completed:
        if not spec.is_python:
            return _unsupported_runtime(spec, invocation)
        pool = self._pools.get(spec.pool_key)
        if pool is None:
            pool = self._pools[spec.pool_key] = FunctionPool(self._start_worker, self.settings.lambda_max_workers,
                                                             self._memory_watch)
        return await pool.invoke(spec, invocation, patient)

    async def _run_in_background(self, spec: FunctionSpec, invocation: Invocation) -> None:
        """An Event invocation: nobody waits for it, so a failure of the runtime itself is logged here."""
        try:
            await self._run(spec, invocation, patient=True)
        except Exception:  # noqa: BLE001 - the caller already got its 202
            log.exception("the Event invocation %s of %s could not run", invocation.request_id, spec.name)

    async def _spawn(self) -> Worker:
        self._spawned += 1
        marker = f"{self._instance}/{self._spawned}"
        server = self._fork_server
        worker = None
        # With no spare workers (notebook 08 measures real cold starts) every worker imports boto3 itself.
        if server is not None and server.alive and self.spare_workers > 0:
            try:
                worker = await Worker.fork(server, marker, on_end=self._worker_ended)
            except (ConnectionError, OSError, asyncio.TimeoutError) as error:
                log.warning("the Lambda fork server failed (%s): spawning workers instead", error)
                self._fork_server = None
        if worker is None:
            worker = await Worker.spawn(marker, on_end=self._worker_ended)
        self._tell_reaper(str(worker.pid))
        return worker

    def _worker_ended(self, worker: Worker) -> None:
        self._tell_reaper(f"-{worker.pid}")

    async def _start_worker(self, spec: FunctionSpec) -> Started:
        """Take a spare worker (boto3 already imported) or start one, and give it this function."""
        began = time.perf_counter()
        try:
            task_root = await self._code.task_root(spec.code_sha256, spec.code_bytes)
        except (zip_package.PackageError, OSError) as error:
            message = (f"Could not unpack the deployment package: {error}. Deploy a .zip file with your "
                       f"handler's module at its root (e.g. app.py for handler app.handler).")
            return Started(None, 0.0, "", {"errorMessage": message, "errorType": "InvalidZipFileException"})
        worker = self._take_spare()
        if worker is not None and self._fork_server is not None and self._fork_server.alive:
            # A forked spare costs the fork server a few milliseconds: start the next one now, so that another
            # cold start right behind this one (a function's first calls often come in twos) finds it ready.
            self._refill_spares()
        worker = worker or await self._spawn()
        try:
            await worker.wait_ready(INIT_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            pass  # the init below times out too, and says so
        except BaseException:
            await worker.kill()  # cancelled: nobody else knows this worker
            raise
        # Measured now, before the handler's module is imported: what the function uses is counted from here.
        worker.memory = MemoryAccount(spec.memory_size, processes.rss(worker.pid),
                                      worker.boto3_bytes or BOTO3_IMPORT_BYTES)
        worker.log_stream_name = cloudwatch.new_log_stream_name(spec.version)
        message = {
            "op": "init", "handler": spec.handler, "task_root": str(task_root),
            "local_cloud_url": self.settings.http_url,
            "environment": self._environment(spec, str(task_root), worker.log_stream_name),
            "function": {"function_name": spec.name, "function_version": spec.version,
                         "memory_size": spec.memory_size, "log_group_name": spec.log_group_name,
                         "log_stream_name": worker.log_stream_name},
        }
        if self._memory_watch is not None:
            self._memory_watch.watch(worker)
        try:
            exchange = await worker.exchange(message, "init", INIT_TIMEOUT_SECONDS)
        except BaseException:
            await worker.kill()  # cancelled (e.g. the gateway gave up): nobody else knows this worker
            raise
        finally:
            if self._memory_watch is not None:
                self._memory_watch.unwatch(worker)
        init_ms = (time.perf_counter() - began) * 1000
        self._refill_spares()  # spawned spares start now, not earlier: importing boto3 would slow this cold start
        reply = exchange.reply
        if reply is not None:
            worker.memory.uses_boto3 = bool(reply.get("uses_boto3"))
            worker.memory.observe(reply.get("peak_bytes"))
        if worker.out_of_memory:
            await worker.stop()
            return Started(None, init_ms, exchange.log, {"errorMessage": "Runtime exited with error: signal: killed",
                                                         "errorType": "Runtime.OutOfMemory"})
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
            **self._credentials(spec),
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

    def _credentials(self, spec: FunctionSpec) -> dict[str, str]:
        """The role's temporary credentials (as Lambda gives each execution environment), else fake ones."""
        if self.iam is None or not spec.role:
            return FAKE_CREDENTIALS
        try:
            return self.iam.function_credentials(spec.role, spec.name, spec.region) or FAKE_CREDENTIALS
        except Exception:  # noqa: BLE001 - a function must still start; it then acts with the fake credentials
            log.exception("could not issue credentials for the role of %s", spec.name)
            return FAKE_CREDENTIALS

    # -- retirement on change ---------------------------------------------------------------------------
    def _function_changed(self, account: str, region: str, name: str) -> None:
        """Called on moto's thread after a create, a delete or a code/configuration change: retire that
        function's workers, and have its new code ready for the next cold start."""
        loop = self._loop
        if loop is not None and not self._closing:
            loop.call_soon_threadsafe(self._retire_function, account, region, name)

    def _retire_function(self, account: str, region: str, name: str) -> None:
        for key in [key for key in self._pools if key[:2] == (account, region) and key[2].rsplit(":", 1)[0] == name]:
            pool = self._pools.pop(key)
            self._in_background(pool.retire())
        self._in_background(self._unpack_ahead(account, region, name))

    def _in_background(self, work: Any) -> None:
        # Held until done: the event loop keeps only a weak reference to a task.
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _unpack_ahead(self, account: str, region: str, name: str) -> None:
        """Unpack (and compile) a function's new code now, while nobody waits: its first call finds it ready."""
        try:
            spec = find_function(unqualified_arn(account, region, name), region)
        except FunctionNotFound:
            return  # deleted
        if spec.is_python and spec.code_bytes:
            # A package that cannot be unpacked fails its invocation, which says why (see _start_worker).
            with contextlib.suppress(zip_package.PackageError, OSError):
                await self._code.task_root(spec.code_sha256, spec.code_bytes)

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
            worker = await self._spawn()
        finally:
            self._spawning_spares -= 1
        if self._closing or len(self._spares) >= self.spare_workers:  # closing, or spares were turned down meanwhile
            await worker.stop()
        else:
            self._spares.append(worker)

    async def _retire_idle_workers(self) -> None:
        idle_seconds = self.settings.lambda_idle_seconds
        while True:
            await asyncio.sleep(min(max(idle_seconds / 4, 0.1), 5.0))
            for pool in list(self._pools.values()):
                with contextlib.suppress(Exception):
                    await pool.retire_idle(idle_seconds)


def worker_free_environment() -> dict[str, str]:
    """The watchdog's environment: this process's, minus a worker marker it must never carry (it would sweep itself)."""
    return {name: value for name, value in os.environ.items() if name != processes.WORKER_MARKER}


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
