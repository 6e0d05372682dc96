"""One open WebSocket connection: its AWS-visible facts and an ordered outbox that a slow client cannot spill over."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import web

from .ids import now_ms

log = logging.getLogger("local_cloud.gateway")

# "The WebSocket client side buffer is full" (LimitExceededException): how much may wait for one slow client.
MAX_PENDING_BYTES = 8 * 1024 * 1024
MAX_PENDING_MESSAGES = 10_000
FRAME_HEADER_BYTES = 10  # the longest header a server's (unmasked) WebSocket frame has


class ConnectionGone(Exception):
    """The connection is closed (or closing): @connections answers GoneException."""


class OutboxFull(Exception):
    """The client reads slower than it is sent to: @connections answers LimitExceededException."""


class Connection:
    """What API Gateway knows about a connection, plus the one task that writes to its socket (so sends never interleave)."""

    def __init__(self, connection_id: str, api_id: str, stage: str, region: str, source_ip: str,
                 user_agent: str, connected_at: int | None = None) -> None:
        self.connection_id = connection_id
        self.api_id = api_id
        self.stage = stage
        self.domain_name = f"{api_id}.execute-api.{region}.amazonaws.com"
        self.source_ip = source_ip
        self.user_agent = user_agent
        self.connected_at = connected_at or now_ms()
        self.last_active_at = self.connected_at  # ms, for GetConnection
        self.started = time.monotonic()
        self.last_message = self.started  # monotonic, for the idle timeout
        self.ws: web.WebSocketResponse | None = None
        # Set when the gateway (not the client) ends the connection: the $disconnect status and reason.
        self.server_close: tuple[int, str] | None = None
        # Set when the client sent a close frame: its status and reason.
        self.client_close: tuple[int, str] | None = None
        self.dispatcher: asyncio.Task[None] | None = None  # routes this connection's messages, in order
        self._outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._pending_bytes = 0
        self._writer: asyncio.Task[None] | None = None
        self._transport: asyncio.WriteTransport | None = None  # the socket under ws: is there room to write now?

    @property
    def open(self) -> bool:
        return (self.ws is not None and self.server_close is None and self.client_close is None
                and not self.ws.closed)

    def attach(self, ws: web.WebSocketResponse, transport: asyncio.BaseTransport | None = None) -> None:
        """The handshake completed: start the writer. With the socket's transport, posts may be written at once."""
        self.ws = ws
        self._transport = transport if isinstance(transport, asyncio.WriteTransport) else None
        self._writer = asyncio.get_running_loop().create_task(self._write_loop(), name=f"ws-writer-{self.connection_id}")

    def touch(self) -> None:
        """A message arrived from the client (resets the idle timeout, updates lastActiveAt)."""
        self.last_message = time.monotonic()
        self.last_active_at = now_ms()

    def send(self, data: bytes) -> None:
        """Queue data for the client, in order; raises ConnectionGone or OutboxFull like PostToConnection."""
        if not self.open:
            raise ConnectionGone(self.connection_id)
        if self._pending_bytes + len(data) > MAX_PENDING_BYTES or self._outbox.qsize() >= MAX_PENDING_MESSAGES:
            raise OutboxFull(self.connection_id)
        self._pending_bytes += len(data)
        self.last_active_at = now_ms()
        self._outbox.put_nowait(data)

    def admit(self, data: bytes) -> bool:
        """Take PostToConnection's data. True: the caller writes it now (write_now); False: it was queued.

        It may be written at once when nothing waits in the outbox and the socket has room. That spares the
        writer task's turn of the event loop for every member of a broadcast. The write then never waits:
        the socket's buffer is empty and the frame is under its high-water mark, so asyncio takes it whole
        and aiohttp has no reason to pause. Otherwise (a slow reader, a big message, something queued) it
        goes the queued way, in order, with its limits. Raises ConnectionGone or OutboxFull like send.
        The caller must call write_now before anything else can run on the loop, or the order is lost.
        """
        if not self._outbox.empty() or not self._has_room(len(data)):
            self.send(data)
            return False
        if not self.open:
            raise ConnectionGone(self.connection_id)
        self.last_active_at = now_ms()
        return True

    async def write_now(self, data: bytes) -> None:
        """Write data that admit said is to be written now."""
        assert self.ws is not None
        await self._write(self.ws, data)

    def _has_room(self, size: int) -> bool:
        transport = self._transport
        if transport is None or transport.is_closing() or transport.get_write_buffer_size():
            return False
        return size + FRAME_HEADER_BYTES < transport.get_write_buffer_limits()[1]

    async def reply(self, data: bytes) -> None:
        """A route's response to the client: written at once when nothing waits in the outbox, else queued.

        Writing it here spares the writer task's turn of the event loop on every two-way message. The order
        holds: a frame is in the socket's buffer as soon as a write starts (only the wait for a slow client
        comes after), and anything already queued goes first. Gone or full: dropped, as API Gateway drops it.
        """
        if not self._outbox.empty() or not self.open:
            with contextlib.suppress(ConnectionGone, OutboxFull):
                self.send(data)
            return
        assert self.ws is not None
        self.last_active_at = now_ms()
        await self._write(self.ws, data)

    async def _write_loop(self) -> None:
        ws = self.ws
        assert ws is not None
        while True:
            data = await self._outbox.get()
            if data is None:
                return
            self._pending_bytes -= len(data)
            if not await self._write(ws, data):
                return  # a broken socket ends this writer, nothing else

    async def _write(self, ws: web.WebSocketResponse, data: bytes) -> bool:
        try:
            # API Gateway delivers posted data as a text frame; bytes that are not UTF-8 go as binary.
            try:
                text = data.decode()
            except UnicodeDecodeError:
                await ws.send_bytes(data)
            else:
                await ws.send_str(text)
        except Exception as error:  # noqa: BLE001 - the client is gone: the caller stops writing
            log.debug("connection %s: send failed (%s); the client is gone", self.connection_id, error)
            return False
        return True

    async def close_by_server(self, code: int, reason: str, disconnect_reason: str | None = None) -> None:
        """End the connection from the gateway's side (DeleteConnection, a timeout, a limit, shutdown)."""
        if not self.open:
            return  # already ending: the first reason is the one $disconnect reports
        self.server_close = (code, disconnect_reason or reason)
        await self.flush(timeout=1.0)
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, message=reason.encode())

    async def flush(self, timeout: float) -> None:
        """Let queued sends reach the socket (bounded), then stop the writer."""
        if self._writer is None:
            return
        self._outbox.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.shield(self._writer), timeout)
        except Exception:  # noqa: BLE001 - a timeout, or the socket is already gone
            self._writer.cancel()

    async def stop_writer(self) -> None:
        if self._writer is not None and not self._writer.done():
            await self.flush(timeout=1.0)
