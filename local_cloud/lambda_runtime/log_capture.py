"""Split a worker's stderr stream into one log per init/invocation, using the end markers the bootstrap writes."""

from __future__ import annotations

import asyncio

from .bootstrap import MARK_END, MARK_START

# A handler printing megabytes must not exhaust the local cloud's memory: keep this much per invocation.
MAX_LOG_BYTES = 256 * 1024
# A marker's identifier is "init" or a request id; anything longer is handler output that looks alike.
MAX_MARKER_BYTES = len(MARK_START) + 64 + len(MARK_END)


class LogCapture:
    """Feed it the worker's stderr; `expect(ident)` gives a future for the log that ends with that marker."""

    def __init__(self, max_bytes: int = MAX_LOG_BYTES) -> None:
        self.max_bytes = max_bytes
        self._kept = bytearray()
        self._dropped = 0
        self._tail = b""
        self._waiting: dict[str, asyncio.Future[str]] = {}

    def expect(self, ident: str) -> asyncio.Future[str]:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        return future

    def feed(self, chunk: bytes) -> None:
        data = self._tail + chunk
        while True:
            start = data.find(MARK_START)
            if start < 0:
                break
            end = data.find(MARK_END, start)
            if end < 0:
                if len(data) - start < MAX_MARKER_BYTES:  # the rest of the marker is still on its way
                    self._keep(data[:start])
                    self._tail = data[start:]
                    return
                break
            self._keep(data[:start])
            self._finish(data[start + len(MARK_START):end].decode(errors="replace"))
            data = data[end + len(MARK_END):]
        # Hold back a few bytes: they may be the beginning of a marker split across two reads.
        hold = min(len(data), len(MARK_START) - 1)
        self._keep(data[:len(data) - hold])
        self._tail = data[len(data) - hold:]

    def eof(self) -> None:
        """The worker is gone (crash, timeout kill, stop): whatever it wrote is the log of what was running."""
        self._keep(self._tail)
        self._tail = b""
        text = self._take()
        for future in self._waiting.values():
            if not future.done():
                future.set_result(text)
        self._waiting.clear()

    def _keep(self, data: bytes) -> None:
        room = self.max_bytes - len(self._kept)
        if room > 0:
            self._kept += data[:room]
        self._dropped += max(len(data) - max(room, 0), 0)

    def _take(self) -> str:
        text = self._kept.decode("utf-8", errors="replace")
        if self._dropped:
            text += (f"\n[local cloud] log truncated: {self._dropped} more bytes were written in this invocation "
                     f"(only the first {self.max_bytes // 1024} KB are kept)")
        self._kept = bytearray()
        self._dropped = 0
        return text

    def _finish(self, ident: str) -> None:
        text = self._take()
        future = self._waiting.pop(ident, None)
        if future is not None and not future.done():
            future.set_result(text)


class LogPipe(asyncio.Protocol):
    """The worker's stderr pipe, fed into a LogCapture as it arrives: in the loop's own callback, with no task
    to wake (one loop turn fewer per invocation). `closed` is done once the pipe reached end of file or closed."""

    def __init__(self, capture: LogCapture) -> None:
        self.capture = capture
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.capture.feed(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.capture.eof()
        if not self.closed.done():
            self.closed.set_result(None)


async def pump(stream: asyncio.StreamReader, pipe: LogPipe) -> None:
    """Feed a LogPipe from a stream asyncio made (where the loop cannot read a pipe of our own: Windows)."""
    try:
        while chunk := await stream.read(65536):
            pipe.data_received(chunk)
    finally:
        pipe.connection_lost(None)
