"""API Gateway's frame limit: a data frame over 32 KB closes the socket with 1009, even inside a message.

aiohttp only limits whole (reassembled) messages, so a small guard reads the frame headers of the raw
stream before aiohttp's own parser sees the bytes. The 128 KB message limit stays aiohttp's (max_msg_size).
"""

from __future__ import annotations

from typing import Any

from aiohttp import WSCloseCode, web
from aiohttp._websocket.reader import WebSocketDataQueue, WebSocketReader
from aiohttp.helpers import DEFAULT_CHUNK_SIZE
from aiohttp.http_websocket import WebSocketError

MAX_FRAME_BYTES = 32 * 1024
MAX_MESSAGE_BYTES = 128 * 1024
DATA_OPCODES = (0x0, 0x1, 0x2)  # continuation, text, binary


class FrameSizeGuard:
    """Sits in front of aiohttp's WebSocketReader and fails the stream on a data frame over the limit."""

    def __init__(self, reader: WebSocketReader, queue: WebSocketDataQueue, max_frame: int = MAX_FRAME_BYTES) -> None:
        self.reader = reader
        self.queue = queue
        self.max_frame = max_frame
        self._header = bytearray()  # header bytes of the frame being read
        self._skip = 0  # payload bytes of the current frame still to pass
        self._failed = False

    def feed_eof(self) -> None:
        self.reader.feed_eof()

    def feed_data(self, data: bytes | bytearray | memoryview) -> tuple[bool, bytes]:
        if self._failed:
            return True, b""
        data = bytes(data)
        oversize = self._scan(data)
        if oversize is not None:
            self._failed = True
            self.queue.set_exception(
                WebSocketError(WSCloseCode.MESSAGE_TOO_BIG, f"Frame size {oversize} exceeds the 32 KB frame limit")
            )
            return True, b""
        return self.reader.feed_data(data)

    def _scan(self, data: bytes) -> int | None:
        """Walk frame boundaries in this chunk; return the size of an oversize data frame, if any."""
        position, end = 0, len(data)
        while position < end:
            if self._skip:
                step = min(self._skip, end - position)
                self._skip -= step
                position += step
                continue
            self._header.append(data[position])
            position += 1
            needed = _header_length(self._header)
            if needed is None or len(self._header) < needed:
                continue
            opcode, length = _opcode_and_length(self._header)
            self._header.clear()
            if opcode in DATA_OPCODES and length > self.max_frame:
                return length
            self._skip = length
        return None


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
        request.protocol.set_parser(FrameSizeGuard(self._parser, self._reader), data_received_cb=cb)
        request.protocol.keep_alive(False)
