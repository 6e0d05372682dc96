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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..deadline import within
from . import processes
from .forkserver import ForkedProcess, ForkServer
from .log_capture import LogCapture, LogPipe, pump
from .memory import MemoryAccount

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
# Invoke payloads reach 6 MB, and an init's or error's JSON may escape them into a protocol line.
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
# What a worker inherits from the local cloud's environment: enough to run Python, nothing AWS-specific.
# POSIX: the worker's stderr is a pipe of our own, read by the event loop's callback (LogPipe) and, when a reply
# is in, at once (Worker._read_log_now). Windows' proactor loop reads only the overlapped pipes asyncio makes
# itself, and a plain pipe would block there: asyncio's PIPE, read by a task, as before.
OWN_LOG_PIPE = os.name != "nt"
INHERITED_VARIABLES = ("PATH", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "TEMP", "TMP",
                       "TMPDIR", "HOME", "USERPROFILE", "LANG", "LC_ALL", "LC_CTYPE")


@dataclass
class Exchange:
    """What came back from one init or invocation: the reply (None if the worker died or timed out) and its log."""

    reply: dict[str, Any] | None
    log: str
    timed_out: bool = False
    exit_status: str | None = None


def worker_environment(marker: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in INHERITED_VARIABLES if name in os.environ}
    # Inherited by everything the handler starts: how those processes are found when the worker ends.
    env[processes.WORKER_MARKER] = marker
    env["_LOCAL_CLOUD_PARENT"] = str(os.getpid())
    env["PYTHONIOENCODING"] = "utf-8"
    # A learner's ~/.aws files (profiles, real credentials, endpoints) must never reach local function code.
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


class Worker:
    """A bootstrap process. Starts generic (boto3 imported, no function), then serves one function until stopped.

    It leads its own process group, and ending it (kill or stop) ends every process it started as well.
    """

    def __init__(self, process: Process | ForkedProcess, log_pipe: LogPipe, log_transport: asyncio.ReadTransport | None,
                 marker: str = "", on_end: Callable[[Worker], None] | None = None) -> None:
        self.process = process
        self.pid = process.pid
        self.marker = marker
        self.on_end = on_end
        self.memory: MemoryAccount | None = None  # set when it is given a function
        self.out_of_memory = False  # set by the memory watcher when it killed this worker
        self.boto3_bytes: int | None = None  # what importing boto3 cost it, as it measured
        self._ended = False
        self.config_key: str | None = None
        self.log_stream_name = ""
        self.last_used = time.monotonic()
        self.invocations = 0
        assert process.stdout is not None
        # The log is read as it arrives, so a chatty handler never blocks on a full pipe.
        self._log_pipe, self._log_transport = log_pipe, log_transport
        self._log_fd: int | None = None
        self._log_pump: asyncio.Future[None] | None = None
        if log_transport is not None:
            self._log_fd = log_transport.get_extra_info("pipe").fileno()
        else:  # asyncio's own stderr stream (Windows)
            assert process.stderr is not None
            self._log_pump = asyncio.ensure_future(pump(process.stderr, log_pipe))
        # The bootstrap says "ready" once boto3 is imported; until then it is a spare still warming up.
        self._ready_task = asyncio.ensure_future(process.stdout.readline())

    @classmethod
    async def spawn(cls, marker: str = "", on_end: Callable[[Worker], None] | None = None) -> Worker:
        # Spawned from the event loop's thread, which lives as long as the cloud: PR_SET_PDEATHSIG (set by the
        # bootstrap) fires when the thread that started the process ends, not only the process.
        if not OWN_LOG_PIPE:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(BOOTSTRAP), stdin=PIPE, stdout=PIPE, stderr=PIPE,
                env=worker_environment(marker), limit=MAX_MESSAGE_BYTES, **processes.new_session(),
            )
            return cls(process, LogPipe(LogCapture()), None, marker, on_end)
        # stderr is a pipe of our own (not asyncio's): its reads feed the log directly, see LogPipe.
        log_fd, child_end = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(BOOTSTRAP), stdin=PIPE, stdout=PIPE, stderr=child_end,
                env=worker_environment(marker), limit=MAX_MESSAGE_BYTES, **processes.new_session(),
            )
        except BaseException:
            os.close(log_fd)
            raise
        finally:
            os.close(child_end)
        return await cls._reading_log(process, log_fd, marker, on_end)

    @classmethod
    async def _reading_log(cls, process: Process | ForkedProcess, log_fd: int, marker: str,
                           on_end: Callable[[Worker], None] | None) -> Worker:
        capture = LogCapture()
        transport, log_pipe = await asyncio.get_running_loop().connect_read_pipe(lambda: LogPipe(capture),
                                                                                 os.fdopen(log_fd, "rb", 0))
        return cls(process, log_pipe, transport, marker, on_end)

    @classmethod
    async def fork(cls, server: ForkServer, marker: str = "", on_end: Callable[[Worker], None] | None = None) -> Worker:
        """A worker forked by the fork server: boto3 is already imported, so it is ready at once."""
        env = worker_environment(marker)
        env["_LOCAL_CLOUD_PARENT"] = str(server.pid)  # its parent is the server: it dies with it
        process = await server.fork(env)
        return await cls._reading_log(process, process.log_fd, marker, on_end)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    @property
    def ready(self) -> bool:
        return self.alive and self._ready_task.done()

    @property
    def capture(self) -> LogCapture:
        return self._log_pipe.capture

    def _read_log_now(self) -> None:
        """Read what is already in the log pipe, here and now, rather than on the event loop's next wakeup.

        The bootstrap writes a reply and the end of its log right after each other, so when the reply is in,
        the end of the log nearly always is too. It reads the pipe's descriptor just as the transport's own
        callback does, and feeds the same capture, so the order of the log is kept; whatever is not there yet
        arrives the usual way.
        """
        if self._log_fd is None or self._log_transport is None or self._log_transport.is_closing():
            return
        for _ in range(8):  # a handler's thread that keeps writing must not keep us here
            try:
                chunk = os.read(self._log_fd, 262144)
            except OSError:  # nothing there yet (BlockingIOError), or the pipe is gone
                return
            if not chunk:  # end of file: the transport sees it too and ends the log
                return
            self.capture.feed(chunk)

    async def wait_ready(self, timeout: float) -> None:
        """Wait until the bootstrap has imported boto3 (a spare may still be warming up)."""
        if not self._ready_task.done():
            await asyncio.wait_for(asyncio.shield(self._ready_task), timeout)
        self._read_ready()

    async def exchange(self, message: dict[str, Any], ident: str, timeout: float,
                       event_json: str | None = None) -> Exchange:
        """Send one message, wait for its reply and its complete log; kill the worker if it takes too long.

        `event_json` (an invocation's event, valid JSON text) is spliced into the message as its "event", unescaped;
        a reply with `payload_follows` brings the response's JSON on the next line, as bytes in reply["payload"].
        """
        log_future = self.capture.expect(ident)
        assert self.process.stdin is not None and self.process.stdout is not None
        data = json.dumps(message)
        if event_json is not None:
            # A raw newline in valid JSON text can only be whitespace; the message must stay one line.
            data = f'{data[:-1]}, "event": {event_json.replace(chr(10), " ")}}}'
        try:
            self.process.stdin.write(data.encode() + b"\n")
            await self.process.stdin.drain()
            if not self._ready_task.done():
                await asyncio.wait_for(asyncio.shield(self._ready_task), timeout)
            self._read_ready()
            line, reply = await within(self._read_reply(), timeout)
        except asyncio.TimeoutError:
            await self.kill()
            return Exchange(None, await self._log(log_future), timed_out=True)
        except (ConnectionError, BrokenPipeError):
            line = b""
        if not line:  # the process ended: the handler crashed it or called os._exit
            # Its execution environment goes with it, as on AWS; and until the processes the handler started
            # are gone they hold the log pipe open, so neither its exit status nor its log would arrive.
            await self._end_leftovers()
            status = await self._exit_status()
            return Exchange(None, await self._log(log_future), exit_status=status)
        if not log_future.done():
            self._read_log_now()
        return Exchange(reply, await self._log(log_future))

    async def _read_reply(self) -> tuple[bytes, dict[str, Any] | None]:
        """The reply's line (empty if the worker ended), decoded, with the response's line that may follow it."""
        stdout = self.process.stdout
        assert stdout is not None
        line = await stdout.readline()
        reply = json.loads(line) if line else None
        if reply is not None and reply.pop("payload_follows", False):
            payload = await stdout.readline()
            if not payload.endswith(b"\n"):  # the worker died while writing it
                line = b""
            reply["payload"] = payload[:-1]
        return line, reply

    def _read_ready(self) -> None:
        task = self._ready_task
        if self.boto3_bytes is None and task.done() and not task.cancelled() and task.exception() is None:
            with contextlib.suppress(ValueError, AttributeError):
                self.boto3_bytes = json.loads(task.result() or b"{}").get("boto3_bytes")

    async def _log(self, future: asyncio.Future[str]) -> str:
        # The marker follows the reply at once, so it is normally there already (see _read_log_now); a killed
        # worker delivers its log at end of file.
        if future.done() and not future.cancelled():
            return future.result()
        try:
            return await within(asyncio.shield(future), 5.0)
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

    async def _exited(self, timeout: float) -> None:
        """Wait for the process itself to end (not its pipes, which what it started may hold open)."""
        deadline = time.monotonic() + timeout
        while self.alive and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def _end_leftovers(self) -> None:
        """Kill the worker's process group and whatever carries its marker (those that left the group with setsid)."""
        processes.kill_group(self.pid)
        if self.marker:
            await asyncio.get_running_loop().run_in_executor(None, processes.kill_marked, self.marker)

    async def kill(self) -> None:
        """End the worker and every process it started: its process group, its descendants, anything marked as its."""
        if self.alive:
            descendants = processes.descendants(self.pid)
            processes.kill_group(self.pid)
            processes.kill([self.pid, *descendants])
        if not self._ended:
            # Before waiting: a process that left the group holds the pipes open, and asyncio's wait() waits for them.
            await self._end_leftovers()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.process.wait(), 5.0)
        if not self._ended:
            self._ended = True
            if self.on_end is not None:
                self.on_end(self)
        await self._finish_pipes()

    async def stop(self) -> None:
        """Close its stdin (the bootstrap exits at once); kill it if it does not."""
        if self.alive and self.process.stdin is not None:
            self.process.stdin.close()
            await self._exited(1.0)
        await self.kill()

    async def _finish_pipes(self) -> None:
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._log_pipe.closed), 1.0)
        # What the handler started may hold the pipe open: the log ends here.
        if self._log_transport is not None:
            self._log_transport.close()
        elif self._log_pump is not None and not self._log_pump.done():
            self._log_pump.cancel()
        if not self._ready_task.done():
            self._ready_task.cancel()
        if self.process.stdin is not None:
            self.process.stdin.close()
