"""The fork server (Linux): one process that has imported boto3 forks each new worker, ready in milliseconds.

A spawned worker spends most of a second importing boto3 before it can take a function; a forked one starts
with boto3 already in memory, and shares those pages with the server and every other forked worker. The
handler's own import still happens after the fork, so it is still what Init Duration measures.
The server is `bootstrap.py --forkserver FD`; this module is the local cloud's side of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from asyncio.subprocess import DEVNULL
from collections import deque
from typing import Any

# What one control message may hold (an environment of a few KB; AWS allows 4 KB of variables).
MAX_CONTROL_BYTES = 1 << 20
STARTUP_TIMEOUT_SECONDS = 60.0


def available() -> bool:
    """Forking needs Linux (fork, SCM_RIGHTS, PR_SET_PDEATHSIG); macOS and Windows spawn as before."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


class ForkedProcess:
    """The parts of asyncio.subprocess.Process a Worker uses, for a child of the fork server.

    Its exit status comes from the fork server (its parent), which reports it over the control socket.
    """

    def __init__(self, pid: int, stdin: asyncio.StreamWriter, stdout: asyncio.StreamReader, log_fd: int) -> None:
        self.pid = pid
        self.stdin, self.stdout = stdin, stdout
        self.log_fd = log_fd  # the read end of its stderr pipe: the Worker reads the log from it
        self.returncode: int | None = None
        self._exited = asyncio.get_running_loop().create_future()

    def exited(self, code: int) -> None:
        self.returncode = code
        if not self._exited.done():
            self._exited.set_result(code)

    async def wait(self) -> int:
        return await asyncio.shield(self._exited)


class ForkServer:
    """Starts the server process, asks it for workers, and routes the exit statuses it reports."""

    def __init__(self, bootstrap: str, environment: dict[str, str], stream_limit: int) -> None:
        self._bootstrap = bootstrap
        self._environment = environment
        self._limit = stream_limit
        self._process: asyncio.subprocess.Process | None = None
        self._socket: socket.socket | None = None
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._pending: deque[asyncio.Future[int]] = deque()  # fork requests, answered in order
        self._children: dict[int, ForkedProcess] = {}
        self._early_exits: dict[int, int] = {}  # a child that ended before its pid was handed out
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, self._bootstrap, "--forkserver", str(theirs.fileno()),
                stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL, pass_fds=(theirs.fileno(),),
                env=self._environment, start_new_session=True)
        finally:
            theirs.close()
        ours.setblocking(False)
        self._socket = ours
        loop.add_reader(ours.fileno(), self._receive)

    async def boto3_bytes(self) -> int | None:
        """Wait until the server has imported boto3; what that import cost it."""
        assert self._ready is not None
        ready = await asyncio.wait_for(asyncio.shield(self._ready), STARTUP_TIMEOUT_SECONDS)
        return ready.get("boto3_bytes")

    def _receive(self) -> None:
        assert self._socket is not None
        while True:
            try:
                data = self._socket.recv(MAX_CONTROL_BYTES)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._lost()
                return
            self._handle(json.loads(data))

    def _handle(self, message: dict[str, Any]) -> None:
        if "ready" in message and self._ready is not None and not self._ready.done():
            self._ready.set_result(message)
        elif "pid" in message and self._pending:
            future = self._pending.popleft()
            if not future.done():
                future.set_result(message["pid"])
        elif "exit" in message:
            child = self._children.pop(message["exit"], None)
            if child is None:
                self._early_exits[message["exit"]] = message["code"]
            else:
                child.exited(message["code"])

    def _lost(self) -> None:
        """The server is gone (it died, or close() ran): its children died with it (PR_SET_PDEATHSIG)."""
        if self._socket is not None:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(self._socket.fileno())
            self._socket.close()
            self._socket = None
        error = ConnectionError("the Lambda fork server ended")
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(error)
        while self._pending:
            future = self._pending.popleft()
            if not future.done():
                future.set_exception(error)
        for child in self._children.values():
            child.exited(-9)
        self._children.clear()

    @property
    def alive(self) -> bool:
        return self._socket is not None and self._process is not None and self._process.returncode is None

    async def fork(self, environment: dict[str, str]) -> ForkedProcess:
        """A new worker process with this environment, its stdin/stdout/stderr piped to us."""
        await self.boto3_bytes()
        loop = asyncio.get_running_loop()
        pipes = [os.pipe() for _ in range(3)]
        child_ends = [pipes[0][0], pipes[1][1], pipes[2][1]]
        try:
            async with self._lock:  # requests and their answers pair up in order
                if self._socket is None:
                    raise ConnectionError("the Lambda fork server ended")
                future: asyncio.Future[int] = loop.create_future()
                self._pending.append(future)
                socket.send_fds(self._socket, [json.dumps({"environment": environment}).encode()], child_ends)
            pid = await asyncio.wait_for(future, STARTUP_TIMEOUT_SECONDS)
        except BaseException:
            for read_end, write_end in pipes:
                os.close(read_end)
                os.close(write_end)
            raise
        for fd in child_ends:
            os.close(fd)
        stdin = await _writer(loop, pipes[0][1])
        stdout = await _reader(loop, pipes[1][0], self._limit)
        process = ForkedProcess(pid, stdin, stdout, pipes[2][0])
        if pid in self._early_exits:
            process.exited(self._early_exits.pop(pid))
        else:
            self._children[pid] = process
        return process

    async def close(self) -> None:
        """Stop the server (its workers, already stopped by their pools, would die with it)."""
        if self._socket is not None:
            self._lost()
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), 5.0)
            except asyncio.TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()


async def _reader(loop: asyncio.AbstractEventLoop, fd: int, limit: int) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=limit, loop=loop)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop), os.fdopen(fd, "rb", 0))
    return reader


async def _writer(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.StreamWriter:
    protocol = asyncio.StreamReaderProtocol(asyncio.StreamReader(loop=loop), loop=loop)
    transport, _ = await loop.connect_write_pipe(lambda: protocol, os.fdopen(fd, "wb", 0))
    return asyncio.StreamWriter(transport, protocol, None, loop)
