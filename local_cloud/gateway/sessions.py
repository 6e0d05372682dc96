"""One WebSocket session from handshake to $disconnect: $connect, ordered message routing, limits, closing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web
from aiohttp.http_websocket import WebSocketError

from . import hints
from .connection import Connection, ConnectionGone, OutboxFull
from .deployed_apis import StageView, api_exists, find_stage, function_arn_from_integration_uri
from .events import connect_event, disconnect_event, message_event
from .frames import GatewayWebSocketResponse
from .ids import new_id
from .integration import function_name
from .responses import (
    error_frame,
    failure_message,
    failure_status,
    json_error,
    proxy_body,
    proxy_status,
    route_response_body,
)
from .routing import choose_route, selection_value

if TYPE_CHECKING:
    from . import Gateway  # the front door passes it in; nothing here calls back into the server

log = logging.getLogger("local_cloud.gateway")

# A flooding client is slowed down (TCP back-pressure) once this many of its messages wait for their route.
INBOX_LIMIT = 100
# How long aiohttp waits for the client's close frame after sending ours.
CLOSE_HANDSHAKE_SECONDS = 2.0

# disconnectStatusCode / disconnectReason for the ways a socket can end.
ABNORMAL = (1006, "Connection was closed abnormally")
NO_STATUS = (1005, "Client-side close frame status not set")


async def serve(gateway: Gateway, request: web.Request) -> web.StreamResponse:
    """Answer a WebSocket handshake on /{apiId}/{stage} and serve the connection until it ends."""
    parts = request.path.strip("/").split("/")
    if len(parts) != 2 or not all(parts):
        gateway.hints.say(f"path:{request.path}", hints.wrong_path(request.path, request.host))
        return json_error(404, "Not Found")
    api_id, stage_name = parts
    if gateway.closing:
        return json_error(503, "Service Unavailable")
    stage = find_stage(api_id, stage_name)
    if stage is None:
        return _unknown_stage(gateway, api_id, stage_name)

    probe = GatewayWebSocketResponse()
    if not probe.can_prepare(request).ok:
        return json_error(400, "Bad Request: not a WebSocket handshake")

    conn = Connection(new_id(), api_id, stage_name, stage.region, request.remote or "127.0.0.1",
                      request.headers.get("User-Agent", ""))
    protocols: tuple[str, ...] = ()
    connect_route = stage.routes.get("$connect")
    if connect_route is None and "$connect" in stage.undeployed_route_keys:
        _say_undeployed(gateway, stage, "$connect")
    if connect_route is not None:
        event = connect_event(conn, _handshake_headers(request, conn), list(request.query.items()), new_id())
        outcome = await gateway.integrations.invoke(stage, connect_route, event)
        if outcome.failure:
            return json_error(failure_status(outcome), "Internal server error")
        status = proxy_status(outcome.result)
        if status is None:
            gateway.hints.say(f"connect-status:{api_id}", hints.connect_without_status(api_id, _preview(outcome.raw)),
                              _function_name(connect_route.integration_uri))
            return json_error(502, "Internal server error")
        if not 200 <= status < 300:
            return web.Response(status=status, text=proxy_body(outcome.result))
        protocols = _chosen_subprotocol(outcome.result)

    ws = GatewayWebSocketResponse(protocols=protocols, timeout=CLOSE_HANDSHAKE_SECONDS, autoping=True)
    try:
        await ws.prepare(request)
    except (ConnectionError, RuntimeError) as error:
        log.info("handshake of %s failed after $connect: %s", conn.connection_id, error)
        await _run_disconnect(gateway, conn, *ABNORMAL)
        return ws
    conn.attach(ws, request.transport)
    gateway.register(conn)
    if gateway.closing:  # shutdown began while $connect ran
        gateway.spawn(conn.close_by_server(1001, "Going away", "The local cloud is shutting down"))
    try:
        await _receive_until_closed(gateway, conn, ws)
    finally:
        gateway.unregister(conn)
        await conn.stop_writer()
        status, reason = conn.server_close or conn.client_close or ABNORMAL
        await _run_disconnect(gateway, conn, status, reason)
        gateway.finished(conn)
    return ws


async def _receive_until_closed(gateway: Gateway, conn: Connection, ws: web.WebSocketResponse) -> None:
    """Read frames; hand text messages, in order, to this connection's dispatcher task."""
    inbox: asyncio.Queue[str | None] = asyncio.Queue(maxsize=INBOX_LIMIT)
    dispatcher = asyncio.get_running_loop().create_task(
        _dispatch(gateway, conn, inbox), name=f"ws-dispatch-{conn.connection_id}"
    )
    conn.dispatcher = dispatcher
    try:
        while True:
            msg = await ws.receive()
            if msg.type is WSMsgType.TEXT:
                conn.touch()
                await inbox.put(msg.data)
            elif msg.type is WSMsgType.BINARY:
                await conn.close_by_server(1003, "Binary frames are not supported",
                                           "Binary frames are not supported")
                return
            elif msg.type is WSMsgType.CLOSE:
                code = msg.data or 1005
                conn.client_close = NO_STATUS if code == 1005 else (code, msg.extra or "")
                return
            elif msg.type is WSMsgType.ERROR:
                if isinstance(msg.data, WebSocketError) and conn.server_close is None:
                    # aiohttp already answered with this code (1009 too big, 1007 bad UTF-8...).
                    conn.server_close = (msg.data.code, str(msg.data))
                return
            else:  # CLOSING (we are closing it) or CLOSED (the peer vanished)
                return
    finally:
        # Messages already received are still routed (AWS invoked them as they arrived), then the task ends.
        # asyncio.wait (not await) so a dispatcher cancelled at shutdown does not cancel this session too.
        while not dispatcher.done():
            try:
                inbox.put_nowait(None)
                break
            except asyncio.QueueFull:
                await asyncio.wait([dispatcher], timeout=0.1)
        await asyncio.wait([dispatcher])


async def _dispatch(gateway: Gateway, conn: Connection, inbox: asyncio.Queue[str | None]) -> None:
    while True:
        body = await inbox.get()
        if body is None:
            return
        try:
            await _route_message(gateway, conn, body)
        except Exception:  # noqa: BLE001 - one bad message must not end the connection
            log.exception("connection %s: routing a message failed", conn.connection_id)


async def _route_message(gateway: Gateway, conn: Connection, body: str) -> None:
    """Pick the route, run its integration, and answer the client like API Gateway."""
    request_id = new_id()
    stage = find_stage(conn.api_id, conn.stage)
    if stage is None:  # the stage or API was deleted under a live connection
        _reply(conn, error_frame("Forbidden", conn.connection_id, request_id))
        return
    value = selection_value(stage.route_selection_expression, body)  # the body is parsed once
    route_key = choose_route(value, stage.routes)
    if stage.undeployed_route_keys:
        wanted = choose_route(value, set(stage.routes) | set(stage.undeployed_route_keys))
        if wanted != route_key and wanted in stage.undeployed_route_keys:
            _say_undeployed(gateway, stage, wanted)
    if route_key is None:
        _reply(conn, error_frame("Forbidden", conn.connection_id, request_id))
        return
    route = stage.routes[route_key]
    outcome = await gateway.integrations.invoke(stage, route, message_event(conn, route_key, body, request_id))
    if outcome.failure:
        _reply(conn, error_frame(failure_message(outcome), conn.connection_id, request_id))
        return
    if route.has_route_response:
        answer = route_response_body(outcome)
        if answer is not None:
            await conn.reply(answer)


def _reply(conn: Connection, data: bytes) -> None:
    with contextlib.suppress(ConnectionGone, OutboxFull):
        conn.send(data)


async def _run_disconnect(gateway: Gateway, conn: Connection, status: int, reason: str) -> None:
    """Invoke $disconnect (best effort, as on AWS) with why the socket ended."""
    try:
        stage = find_stage(conn.api_id, conn.stage)
        route = stage.routes.get("$disconnect") if stage else None
        if stage is None or route is None:
            if stage is not None and "$disconnect" in stage.undeployed_route_keys:
                _say_undeployed(gateway, stage, "$disconnect")
            return
        event = disconnect_event(conn, status, reason, new_id())
        outcome = await gateway.integrations.invoke(stage, route, event)
        if outcome.failure:
            log.info("connection %s: $disconnect failed (%s)", conn.connection_id, outcome.failure)
    except Exception:  # noqa: BLE001 - a failing $disconnect must not disturb anything else
        log.exception("connection %s: $disconnect could not run", conn.connection_id)


def _unknown_stage(gateway: Gateway, api_id: str, stage_name: str) -> web.Response:
    if not api_exists(api_id):
        gateway.hints.say(f"no-api:{api_id}", hints.no_such_api(api_id))
        return json_error(404, "Not Found")
    gateway.hints.say(f"no-stage:{api_id}:{stage_name}", hints.no_such_stage(api_id, stage_name))
    return json_error(403, "Forbidden")


def _say_undeployed(gateway: Gateway, stage: StageView, route_key: str) -> None:
    gateway.hints.say(f"undeployed:{stage.api_id}:{stage.stage_name}:{route_key}",
                      hints.undeployed_route(stage.api_id, stage.stage_name, route_key))


def _handshake_headers(request: web.Request, conn: Connection) -> list[tuple[str, str]]:
    """The handshake's headers as the $connect Lambda sees them behind API Gateway."""
    headers = [(name, value) for name, value in request.headers.items() if name.lower() != "host"]
    headers.insert(0, ("Host", conn.domain_name))
    headers += [("X-Forwarded-For", conn.source_ip), ("X-Forwarded-Port", "443"), ("X-Forwarded-Proto", "https")]
    return headers


def _chosen_subprotocol(result: object) -> tuple[str, ...]:
    """A $connect function picks a subprotocol by returning the Sec-WebSocket-Protocol header."""
    headers = result.get("headers") if isinstance(result, dict) else None
    if not isinstance(headers, dict):
        return ()
    for name, value in headers.items():
        if name.lower() == "sec-websocket-protocol" and isinstance(value, str):
            return (value,)
    return ()


def _function_name(integration_uri: str | None) -> str | None:
    arn = function_arn_from_integration_uri(integration_uri or "")
    return function_name(arn) if arn else None


def _preview(raw: bytes) -> str:
    text = raw.decode(errors="replace") if raw else "nothing"
    return text if len(text) <= 60 else text[:57] + "..."
