"""WebSocket gateway: API Gateway's data plane for WEBSOCKET APIs, with its limits, errors and teaching hints."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..runtime_interface import FunctionRuntime
from .connection import Connection
from .hints import Hints
from .integration import Integrations

if TYPE_CHECKING:
    from ..iam import IAM

log = logging.getLogger("local_cloud.gateway")

# local cloud shutdown: how long every socket gets to close and run its $disconnect.
SHUTDOWN_SECONDS = 10.0
GOING_AWAY = 1001


class Gateway:
    """What every WebSocket session and @connections call shares: the open connections, hints, the integrations.

    The front door serves the sessions (sessions.serve, at /{apiId}/{stage}) and @connections (management.handle)
    with it; the gateway reaches the Lambda runtime only through runtime_interface.FunctionRuntime.
    """

    def __init__(self, settings: Settings, runtime: FunctionRuntime, iam: IAM | None = None) -> None:
        self.settings = settings
        self.iam = iam  # execute-api:ManageConnections for role and user signers
        self.hints = Hints(runtime.log_to_function)
        self.integrations = Integrations(runtime, self.hints, settings.integration_timeout)
        self.connections: dict[str, Connection] = {}
        self.closing = False
        self._live: dict[str, asyncio.Event] = {}  # set once a session ran its $disconnect
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    # -- bookkeeping used by sessions and @connections ------------------------------------------
    def register(self, conn: Connection) -> None:
        self.connections[conn.connection_id] = conn
        self._live[conn.connection_id] = asyncio.Event()
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_timeouts(), name="ws-timeouts")

    def unregister(self, conn: Connection) -> None:
        """From now on @connections answers GoneException for this id."""
        self.connections.pop(conn.connection_id, None)

    def finished(self, conn: Connection) -> None:
        done = self._live.pop(conn.connection_id, None)
        if done is not None:
            done.set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run a background job, keeping a reference so it is neither collected nor forgotten at shutdown."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sweep_timeouts(self) -> None:
        """Close connections idle too long (no message from the client) or open longer than the maximum."""
        idle, longest = self.settings.ws_idle_timeout, self.settings.ws_max_duration
        period = max(0.05, min(1.0, idle / 4, longest / 4))
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for conn in list(self.connections.values()):
                if conn.server_close is not None:
                    continue
                if now - conn.started >= longest:
                    self.spawn(conn.close_by_server(GOING_AWAY, "Going away", "Maximum connection duration reached"))
                elif now - conn.last_message >= idle:
                    self.spawn(conn.close_by_server(GOING_AWAY, "Going away", "Idle timeout"))

    # -- shutdown -------------------------------------------------------------------------------
    async def close(self) -> None:
        """Close every socket (1001) and run every $disconnect before returning, within SHUTDOWN_SECONDS."""
        self.closing = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        deadline = time.monotonic() + SHUTDOWN_SECONDS
        conns = list(self.connections.values())
        for conn in conns:
            self.spawn(conn.close_by_server(GOING_AWAY, "Going away", "The local cloud is shutting down"))
        # Messages still being routed get a moment, then stop: $disconnect matters more at shutdown.
        await self._wait_for_sessions(min(2.0, SHUTDOWN_SECONDS / 2))
        for conn in conns:
            if conn.dispatcher is not None and not conn.dispatcher.done():
                conn.dispatcher.cancel()
        await self._wait_for_sessions(max(0.1, deadline - time.monotonic()))
        if self._live:
            log.warning("%d connection(s) did not finish their $disconnect in time", len(self._live))
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _wait_for_sessions(self, timeout: float) -> None:
        """Wait until every session ran its $disconnect, or the timeout passed."""
        waiters = [asyncio.ensure_future(done.wait()) for done in self._live.values()]
        if not waiters:
            return
        _, pending = await asyncio.wait(waiters, timeout=timeout)
        for waiter in pending:
            waiter.cancel()
