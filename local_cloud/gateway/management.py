"""The @connections API (apigatewaymanagementapi): PostToConnection, GetConnection, DeleteConnection."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from aiohttp import web

from ..boundary import seal
from . import hints
from .connection import Connection, ConnectionGone, OutboxFull
from .frames import MAX_MESSAGE_BYTES
from .ids import is_connection_id, iso_time

if TYPE_CHECKING:
    from . import Gateway

# /{apiId}/{stage}/@connections/{id} (from a Lambda), /{stage}/@connections/{id} or /@connections/{id}.
PATH = re.compile(r"^(?:/(?P<first>[^/]+))?(?:/(?P<second>[^/]+))?/@connections/(?P<id>[^/]*)/?$")


def aws_error(status: int, error_type: str, message: str | None = None) -> web.Response:
    """An error botocore turns into client.exceptions.<error_type> (it reads the header and __type)."""
    body: dict[str, object] = {"__type": error_type, "message": message}
    return web.json_response(body, status=status, headers={"x-amzn-ErrorType": error_type})


async def handle(gateway: Gateway, request: web.Request) -> web.StreamResponse:
    """The front door's handler for every @connections path (after the boundary)."""
    if gateway.settings.connections_latency_ms > 0:
        await asyncio.sleep(gateway.settings.connections_latency_ms / 1000)  # the network AWS would add
    match = PATH.match(request.path)
    if match is None:
        return aws_error(404, "NotFoundException", f"No @connections operation at {request.path}")
    connection_id = match.group("id")
    if "authorization" not in request.headers:
        # AWS refuses unsigned calls; boto3 always signs (any key works locally).
        return aws_error(403, "ForbiddenException", "Missing Authentication Token")
    if not is_connection_id(connection_id):
        return aws_error(400, "BadRequestException", hints.invalid_connection_id(connection_id))
    conn = gateway.connections.get(connection_id)
    first, second = match.group("first"), match.group("second")
    if conn is not None and first == conn.api_id and second is None and first != conn.stage:
        return _without_stage(gateway, request, conn)
    if gateway.iam is not None:
        api_id, stage = (first, second) if first and second else (
            (conn.api_id, conn.stage) if conn is not None else (None, None))
        if api_id and stage:
            refusal = gateway.iam.authorize_connections(request, api_id, stage, connection_id)
            if refusal is not None:
                return refusal
    if conn is None or not conn.open or not _same_api(conn, first, second):
        return aws_error(410, "GoneException")
    if request.method == "POST":
        return await _post(conn, request)
    if request.method == "GET":
        return web.json_response({
            "connectedAt": iso_time(conn.connected_at),
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
            "lastActiveAt": iso_time(conn.last_active_at),
        })
    if request.method == "DELETE":
        # Answer at once (as AWS does); the close and its $disconnect follow on their own.
        gateway.spawn(conn.close_by_server(1000, "", "Connection deleted with DeleteConnection"))
        return web.Response(status=204)
    return aws_error(405, "MethodNotAllowedException", f"{request.method} is not an @connections operation")


def _without_stage(gateway: Gateway, request: web.Request, conn: Connection) -> web.Response:
    """https://{domainName}/@connections/{id}: AWS reads "@connections" as the stage and answers 403 Forbidden."""
    function_name = None
    if gateway.iam is not None:
        function_name = gateway.iam.function_of(request)
    gateway.hints.say(f"no-stage|{conn.api_id}",
                      hints.connections_without_stage(request.method, conn.api_id, conn.domain_name, conn.stage),
                      function_name)
    return aws_error(403, "ForbiddenException", "Forbidden")


async def _post(conn: Connection, request: web.Request) -> web.Response:
    if (request.content_length or 0) > MAX_MESSAGE_BYTES:
        return aws_error(413, "PayloadTooLargeException", "Message too long; the limit is 128 KB")
    data = await request.read()
    if len(data) > MAX_MESSAGE_BYTES:
        return aws_error(413, "PayloadTooLargeException", "Message too long; the limit is 128 KB")
    try:
        write_now = conn.admit(data)  # at once when the socket has room, else queued: in order either way
    except ConnectionGone:
        return aws_error(410, "GoneException")
    except OutboxFull:
        return aws_error(429, "LimitExceededException", "The WebSocket client side buffer is full")
    response = web.Response(status=200)
    if write_now:
        if _answers_without_waiting(request):
            # Answer first, then write the frame: the function posting to many members prepares its next post
            # (boto3's own work, most of a post's cost) while this frame goes out. Neither write can wait
            # (both sockets' buffers are empty), so nothing else runs in between and the frames keep their order.
            # Sent from here, the answer gets the boundary's headers here (the front door seals the others).
            await seal(response).prepare(request)
            await response.write_eof()
        await conn.write_now(data)
    return response


def _answers_without_waiting(request: web.Request) -> bool:
    """Whether a short answer goes straight into the caller's socket (nothing is buffered for it yet)."""
    transport = request.transport
    return transport is not None and not transport.is_closing() and transport.get_write_buffer_size() == 0


def _same_api(conn: Connection, first: str | None, second: str | None) -> bool:
    """Path prefixes must name this connection's API and stage when given (ids are unique across APIs)."""
    if first and second:
        return first == conn.api_id and second == conn.stage
    if first:
        return first in (conn.api_id, conn.stage)
    return True
