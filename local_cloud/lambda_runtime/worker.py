"""One worker process as the local cloud sees it: start it, give it a function, invoke it, stop it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from asyncio.subprocess import PIPE, Process
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .log_capture import LogCapture

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
# Invoke payloads reach 6 MB, JSON-escaped inside a protocol line.
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
# What a worker inherits from the local cloud's environment: enough to run Python, nothing AWS-specific.
INHERITED_VARIABLES = ("PATH", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "TEMP", "TMP",
                       "TMPDIR", "HOME", "USERPROFILE", "LANG", "LC_ALL", "LC_CTYPE")


@dataclass
class Exchange:
    """What came back from one init or invocation: the reply (None if the worker died or timed out) and its log."""

    reply: dict[str, Any] | None
    log: str
    timed_out: bool = False
    exit_status: str | None = None


def worker_environment() -> dict[str, str]:
    env = {name: os.environ[name] for name in INHERITED_VARIABLES if name in os.environ}
    env["PYTHONIOENCODING"] = "utf-8"
    # A learner's ~/.aws files (profiles, real credentials, endpoints) must never reach local function code.
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


class Worker:
    """A bootstrap process. Starts generic (boto3 imported, no function), then serves one function until stopped."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.pid = process.pid
        self.capture = LogCapture()
        self.config_key: str | None = None
        self.log_stream_name = ""
        self.last_used = time.monotonic()
        self.invocations = 0
        assert process.stderr is not None and process.stdout is not None
        self._stderr_task = asyncio.ensure_future(self._pump_stderr(process.stderr))
        # The bootstrap says "ready" once boto3 is imported; until then it is a spare still warming up.
        self._ready_task = asyncio.ensure_future(process.stdout.readline())

    @classmethod
    async def spawn(cls) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(BOOTSTRAP), stdin=PIPE, stdout=PIPE, stderr=PIPE,
            env=worker_environment(), limit=MAX_MESSAGE_BYTES,
        )
        return cls(process)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    @property
    def ready(self) -> bool:
        return self.alive and self._ready_task.done()

    async def _pump_stderr(self, stderr: asyncio.StreamReader) -> None:
        """Read the log continuously, so a chatty handler never blocks on a full pipe."""
        while True:
            chunk = await stderr.read(65536)
            if not chunk:
                break
            self.capture.feed(chunk)
        self.capture.eof()

    async def exchange(self, message: dict[str, Any], ident: str, timeout: float) -> Exchange:
        """Send one message, wait for its reply and its complete log; kill the worker if it takes too long."""
        log_future = self.capture.expect(ident)
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            await self.process.stdin.drain()
            if not self._ready_task.done():
                await asyncio.wait_for(asyncio.shield(self._ready_task), timeout)
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        except asyncio.TimeoutError:
            await self.kill()
            return Exchange(None, await self._log(log_future), timed_out=True)
        except (ConnectionError, BrokenPipeError):
            line = b""
        if not line:  # the process ended: the handler crashed it or called os._exit
            status = await self._exit_status()
            return Exchange(None, await self._log(log_future), exit_status=status)
        return Exchange(json.loads(line), await self._log(log_future))

    async def _log(self, future: asyncio.Future[str]) -> str:
        # The marker is written before the reply, so it is normally there already; a killed worker
        # delivers its log at end of file.
        try:
            return await asyncio.wait_for(asyncio.shield(future), 5.0)
        except asyncio.TimeoutError:
            return ""

    async def _exit_status(self) -> str:
        try:
            code = await asyncio.wait_for(self.process.wait(), 5.0)
        except asyncio.TimeoutError:
            await self.kill()
            code = self.process.returncode
        if code is not None and code < 0:
            try:
                return "signal: " + signal.Signals(-code).name.removeprefix("SIG").lower().replace("kill", "killed")
            except ValueError:
                return f"signal: {-code}"
        return f"exit status {code}"

    async def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.process.wait(), 5.0)
        await self._finish_pipes()

    async def stop(self) -> None:
        """Close its stdin (the bootstrap exits at once); kill it if it does not."""
        if self.alive and self.process.stdin is not None:
            self.process.stdin.close()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.process.wait(), 1.0)
        await self.kill()

    async def _finish_pipes(self) -> None:
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._stderr_task), 1.0)
        for task in (self._stderr_task, self._ready_task):
            if not task.done():
                task.cancel()
        if self.process.stdin is not None:
            self.process.stdin.close()
