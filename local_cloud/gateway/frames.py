"""API Gateway's frame limit: a data frame over 32 KB closes the socket with 1009, even inside a message.

aiohttp only limits whole (reassembled) messages, so a small guard reads the frame headers of the raw
stream before aiohttp's own parser sees the bytes. The 128 KB message limit stays aiohttp's (max_msg_size).

After a refusal (1009, or aiohttp's 1007 for invalid UTF-8) the guard keeps reading and discarding what the
client still sends until its close frame, within bounds: closing the socket with unread bytes makes the
kernel answer with a TCP reset, and the client would never read the close frame that says why.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import WSCloseCode, web
from aiohttp._websocket.reader import WebSocketDataQueue, WebSocketReader
from aiohttp.helpers import DEFAULT_CHUNK_SIZE
from aiohttp.http_websocket import WebSocketError

MAX_FRAME_BYTES = 32 * 1024
MAX_MESSAGE_BYTES = 128 * 1024
DATA_OPCODES = (0x0, 0x1, 0x2)  # continuation, text, binary
CLOSE_OPCODE = 0x8
# After a refusal, at most this much more is read (and dropped) while waiting for the client's close frame.
MAX_DRAIN_BYTES = 1024 * 1024


class FrameSizeGuard:
    """Sits in front of aiohttp's WebSocketReader and fails the stream on a data frame over the limit."""

    def __init__(self, reader: WebSocketReader, queue: WebSocketDataQueue, max_frame: int = MAX_FRAME_BYTES) -> None:
        self.reader = reader
        self.queue = queue
        self.max_frame = max_frame
        self._header = bytearray()  # header bytes of the frame being read
        self._skip = 0  # payload bytes of the current frame still to pass
        self._in_close_frame = False
        self.failed = False  # refused: from now on bytes are drained, not parsed
        self._drained = 0
        # Set once nothing more needs reading before the socket can close: the client's close frame, its EOF,
        # or the drain bound.
        self.client_done = asyncio.Event()

    def feed_eof(self) -> None:
        self.client_done.set()
        self.reader.feed_eof()

    def feed_data(self, data: bytes | bytearray | memoryview) -> tuple[bool, bytes]:
        data = bytes(data)
        if self.failed:
            self._drain(data)
            return False, b""
        oversize = self._scan(data)
        if oversize is not None:
            self.failed = True
            self._drained = len(data)
            self.queue.set_exception(
                WebSocketError(WSCloseCode.MESSAGE_TOO_BIG, f"Frame size {oversize} exceeds the 32 KB frame limit")
            )
            return False, b""
        eof, tail = self.reader.feed_data(data)
        if eof:  # aiohttp's parser refused the stream (1007, 1009): drain from here on
            self.failed = True
            return False, b""
        return eof, tail

    def _drain(self, data: bytes) -> None:
        self._drained += len(data)
        self._scan(data)
        if self._drained > MAX_DRAIN_BYTES:
            self.client_done.set()

    def _scan(self, data: bytes) -> int | None:
        """Walk frame boundaries in this chunk; return the size of an oversize data frame, if any."""
        oversize: int | None = None
        position, end = 0, len(data)
        while position < end:
            if self._skip:
                step = min(self._skip, end - position)
                self._skip -= step
                position += step
                if not self._skip and self._in_close_frame:
                    self.client_done.set()
                continue
            self._header.append(data[position])
            position += 1
            needed = _header_length(self._header)
            if needed is None or len(self._header) < needed:
                continue
            opcode, length = _opcode_and_length(self._header)
            self._header.clear()
            if opcode in DATA_OPCODES and length > self.max_frame and oversize is None and not self.failed:
                oversize = length  # the rest of this chunk is still walked: it is drained, not parsed
            self._skip = length
            if opcode == CLOSE_OPCODE:
                self._in_close_frame = True
                if not length:
                    self.client_done.set()
        return oversize


def _header_length(header: bytearray) -> int | None:
    """Total header length (2-14 bytes) once the first two bytes are known."""
    if len(header) < 2:
        return None
    length7 = header[1] & 0x7F
    extended = 2 if length7 == 126 else 8 if length7 == 127 else 0
    mask = 4 if header[1] & 0x80 else 0
    return 2 + extended + mask


def _opcode_and_length(header: bytearray) -> tuple[int, int]:
    opcode = header[0] & 0x0F
    length7 = header[1] & 0x7F
    if length7 == 126:
        return opcode, int.from_bytes(header[2:4], "big")
    if length7 == 127:
        return opcode, int.from_bytes(header[2:10], "big")
    return opcode, length7


class GatewayWebSocketResponse(web.WebSocketResponse):
    """aiohttp's server WebSocket with API Gateway's limits: 32 KB frames and 128 KB messages (1009)."""

    def __init__(self, **kwargs: Any) -> None:
        # aiohttp rejects messages of max_msg_size bytes or more; API Gateway accepts exactly 128 KB.
        kwargs.setdefault("max_msg_size", MAX_MESSAGE_BYTES + 1)
        kwargs.setdefault("compress", False)  # API Gateway negotiates no permessage-deflate
        super().__init__(**kwargs)
        self._guard: FrameSizeGuard | None = None
        self._transport_close_deferred = False

    async def close(self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True) -> bool:
        """aiohttp's close, except that after a refused stream the socket closes only once the client is done."""
        closed = await super().close(code=code, message=message, drain=drain)
        if self._transport_close_deferred:
            self._transport_close_deferred = False
            assert self._guard is not None
            with contextlib.suppress(asyncio.TimeoutError):  # the client never closed: close anyway
                await asyncio.wait_for(self._guard.client_done.wait(), self._timeout)
            super()._close_transport()
        return closed

    def _close_transport(self) -> None:
        # aiohttp closes at once when its reader has failed; the guard still has bytes to drain then.
        if self._guard is not None and self._guard.failed and not self._guard.client_done.is_set():
            self._transport_close_deferred = True
            return
        super()._close_transport()

    def _post_start(self, request: Any, protocol: str | None, writer: Any) -> None:
        # Same as aiohttp 3.14's _post_start (pinned), with the guard placed before the parser.
        self._ws_protocol = protocol
        self._writer = writer
        self._reset_heartbeat()
        assert self._loop is not None
        self._reader = WebSocketDataQueue(request._protocol, DEFAULT_CHUNK_SIZE, loop=self._loop)
        self._parser = WebSocketReader(
            self._reader, self._max_msg_size, compress=bool(self._compress), decode_text=self._decode_text
        )
        cb = None if self._heartbeat is None else self._on_data_received
        self._guard = FrameSizeGuard(self._parser, self._reader)
        request.protocol.set_parser(self._guard, data_received_cb=cb)
        request.protocol.keep_alive(False)
