"""The gateway's pure parts: ids, route selection, ARN wildcards, Lambda policies, the frame-size guard."""

from __future__ import annotations

import asyncio
import json
import struct

import pytest
from aiohttp import WSCloseCode
from aiohttp.http_websocket import WebSocketError

from local_cloud.gateway.arns import arn_like, execute_api_arn
from local_cloud.gateway.frames import MAX_DRAIN_BYTES, FrameSizeGuard
from local_cloud.gateway.ids import is_connection_id, iso_time, new_id
from local_cloud.gateway.permissions import allows_api_gateway
from local_cloud.gateway.routing import select_route, selection_value

ROUTES = {"$connect", "$disconnect", "$default", "sendMessage", "ping"}


def test_ids_look_like_api_gateways():
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 16 and i.endswith("=") and is_connection_id(i) for i in ids)
    assert not is_connection_id("BFHPhfCWIAMCKlQ")
    assert not is_connection_id("BFHPhfCW/AMCKlQ=")
    assert iso_time(0) == "1970-01-01T00:00:00.000Z"


@pytest.mark.parametrize(("body", "expected"), [
    ('{"action": "sendMessage"}', "sendMessage"),
    ('{"action": "sendmessage"}', "$default"),  # exact, case-sensitive
    ('{"action": "$connect"}', "$default"),  # never chosen by the expression
    ('{"action": ["ping"]}', "$default"),
    ('{"other": "ping"}', "$default"),
    ("not json", "$default"),
    ('"just a string"', "$default"),
])
def test_route_selection(body, expected):
    assert select_route("$request.body.action", body, ROUTES) == expected


def test_no_match_without_default_selects_nothing():
    assert select_route("$request.body.action", '{"action": "x"}', {"ping"}) is None


def test_dotted_paths_and_braced_expressions():
    assert selection_value("$request.body.meta.kind", json.dumps({"meta": {"kind": "ping"}})) == "ping"
    assert selection_value("${request.body.action}", '{"action": "ping"}') == "ping"
    assert selection_value("$request.body.meta.kind", '{"meta": "flat"}') is None


def test_arn_wildcards_match_component_by_component():
    arn = execute_api_arn("us-east-1", "123456789012", "abc123", "prod", "sendMessage")
    assert arn == "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/sendMessage"
    assert arn_like("arn:aws:execute-api:us-east-1:123456789012:abc123/*/sendMessage", arn)
    assert arn_like("arn:aws:execute-api:us-east-1:123456789012:abc123/*", arn)
    assert arn_like("arn:aws:execute-api:*:*:abc123/*/*", arn)
    assert arn_like("arn:aws:execute-api:us-east-1:123456789012:abc123/pro?/sendMessage", arn)
    assert not arn_like("arn:aws:execute-api:us-east-1:123456789012:abc123/*/sendmessage", arn)
    assert not arn_like("arn:aws:execute-api:us-east-1:123456789012:other/*", arn)
    assert not arn_like("arn:aws:execute-api:us-west-2:123456789012:abc123/*", arn)
    assert not arn_like("arn:aws:execute-api:us-east-1:123456789012", arn)


class ResourcePolicy:
    """A function's resource policy as moto keeps it (moto.awslambda.policy.Policy)."""

    def __init__(self, statements):
        self.revision = "1"
        self.statements = statements


def function_with(*statements):
    return ResourcePolicy(list(statements))


def statement(source_arn=None, principal=None, action="lambda:InvokeFunction"):
    # The shape moto stores for lambda.add_permission.
    result = {"Sid": "s", "Effect": "Allow", "Action": action,
              "Principal": principal or {"Service": "apigateway.amazonaws.com"}}
    if source_arn:
        result["Condition"] = {"ArnLike": {"AWS:SourceArn": source_arn}}
    return result


def test_permission_needs_the_service_principal_and_a_matching_source_arn():
    arn = execute_api_arn("us-east-1", "123456789012", "abc123", "test", "ping")
    base = "arn:aws:execute-api:us-east-1:123456789012:abc123"
    assert allows_api_gateway(function_with(statement(f"{base}/*/ping")), arn, "123456789012")
    assert allows_api_gateway(function_with(statement(f"{base}/*")), arn, "123456789012")
    assert allows_api_gateway(function_with(statement()), arn, "123456789012")  # no SourceArn: any API
    assert not allows_api_gateway(function_with(), arn, "123456789012")
    assert not allows_api_gateway(function_with(statement(f"{base}/*/other")), arn, "123456789012")
    assert not allows_api_gateway(function_with(statement(principal={"Service": "s3.amazonaws.com"})), arn,
                                  "123456789012")
    assert not allows_api_gateway(function_with(statement(action="lambda:GetFunction")), arn, "123456789012")


class RecordingReader:
    def __init__(self):
        self.fed = b""

    def feed_data(self, data):
        self.fed += data
        return False, b""

    def feed_eof(self):
        pass


class RecordingQueue:
    def __init__(self):
        self.error = None

    def set_exception(self, error):
        self.error = error


def frame(payload: bytes, opcode: int = 0x1, fin: bool = True) -> bytes:
    """A masked client frame (mask of zeros keeps the payload readable)."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", first, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", first, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, n)
    return header + b"\0\0\0\0" + payload


def test_frame_guard_passes_frames_up_to_32_kb_even_split_anywhere():
    reader, queue = RecordingReader(), RecordingQueue()
    guard = FrameSizeGuard(reader, queue)
    stream = frame(b"a" * 100) + frame(b"b" * 32 * 1024, fin=False) + frame(b"c" * 32 * 1024, 0x0) + frame(b"", 0x9)
    for i in range(0, len(stream), 777):  # arbitrary TCP chunking, also inside headers
        guard.feed_data(stream[i:i + 777])
    assert reader.fed == stream and queue.error is None


def test_frame_guard_fails_a_frame_over_32_kb_with_1009():
    reader, queue = RecordingReader(), RecordingQueue()
    guard = FrameSizeGuard(reader, queue)
    stream = frame(b"ok") + frame(b"x" * (32 * 1024 + 1), 0x0)
    assert guard.feed_data(stream[:10]) == (False, b"")
    assert guard.feed_data(stream[10:]) == (False, b"")  # the socket stays open to drain, not parse
    assert isinstance(queue.error, WebSocketError) and queue.error.code == WSCloseCode.MESSAGE_TOO_BIG
    assert guard.failed and not guard.client_done.is_set()
    assert guard.feed_data(frame(b"y" * 1000)) == (False, b"")  # nothing reaches the parser after the failure
    assert len(reader.fed) == 10 and not guard.client_done.is_set()
    close = frame(struct.pack("!H", 1000), 0x8)
    guard.feed_data(close[:3])
    assert not guard.client_done.is_set()
    guard.feed_data(close[3:])  # the client's close frame: now the socket can close without a reset
    assert guard.client_done.is_set() and len(reader.fed) == 10


def test_frame_guard_stops_draining_at_the_bound():
    guard = FrameSizeGuard(RecordingReader(), RecordingQueue())
    guard.feed_data(frame(b"x" * (MAX_DRAIN_BYTES + 10)))
    assert guard.failed and not guard.client_done.is_set()
    guard.feed_data(b"x" * MAX_DRAIN_BYTES)
    assert guard.client_done.is_set()


class RecordingSocket:
    """Stands in for the aiohttp WebSocketResponse a Connection writes to."""

    closed = False

    def __init__(self):
        self.frames = []

    async def send_str(self, text):
        self.frames.append(text)

    async def send_bytes(self, data):
        self.frames.append(data)


def test_a_route_reply_is_written_at_once_but_never_before_what_is_queued():
    from local_cloud.gateway.connection import Connection

    async def scenario():
        conn = Connection(new_id(), "abc123", "test", "us-east-1", "127.0.0.1", "pytest")
        socket = RecordingSocket()
        conn.attach(socket)
        await conn.reply(b"first reply")
        written_at_once = list(socket.frames)
        conn.send(b"a post")  # queued for the writer task, which has not run yet
        await conn.reply(b"second reply")  # so this one queues behind it
        await conn.flush(timeout=1.0)
        return written_at_once, socket.frames

    written_at_once, frames = asyncio.run(scenario())
    assert written_at_once == ["first reply"]
    assert frames == ["first reply", "a post", "second reply"]


class RecordingTransport(asyncio.WriteTransport):
    """Stands in for the socket's transport: how much it still buffers decides whether a post is written at once."""

    def __init__(self, buffered=0):
        super().__init__()
        self.buffered = buffered

    def get_write_buffer_size(self):
        return self.buffered

    def get_write_buffer_limits(self):
        return (16 * 1024, 64 * 1024)

    def is_closing(self):
        return False


async def post(conn, data: bytes) -> None:
    """What @connections does with a post's data (management._post), without the HTTP answer."""
    if conn.admit(data):
        await conn.write_now(data)


def test_a_post_is_written_at_once_when_the_socket_has_room_and_nothing_is_queued():
    from local_cloud.gateway.connection import Connection

    async def scenario():
        conn = Connection(new_id(), "abc123", "test", "us-east-1", "127.0.0.1", "pytest")
        socket, transport = RecordingSocket(), RecordingTransport()
        conn.attach(socket, transport)
        await post(conn, b"hello")
        at_once = list(socket.frames)
        await post(conn, bytes([0xFF]))  # not UTF-8: a binary frame, as before
        await conn.flush(timeout=1.0)
        return at_once, socket.frames

    at_once, frames = asyncio.run(scenario())
    assert at_once == ["hello"]  # no turn of the writer task was needed
    assert frames == ["hello", bytes([0xFF])]


def test_posts_stay_in_order_when_the_outbox_or_the_socket_is_busy():
    from local_cloud.gateway.connection import Connection, ConnectionGone

    async def scenario():
        conn = Connection(new_id(), "abc123", "test", "us-east-1", "127.0.0.1", "pytest")
        socket, transport = RecordingSocket(), RecordingTransport(buffered=100)
        conn.attach(socket, transport)
        await post(conn, b"1")  # the socket still holds bytes: queued
        transport.buffered = 0
        await post(conn, b"2")  # room again, but "1" waits in the outbox: queued behind it
        await post(conn, b"x" * (64 * 1024))  # over the high-water mark: queued too
        queued = list(socket.frames)
        await conn.flush(timeout=1.0)
        conn.server_close = (1000, "done")
        try:
            await post(conn, b"late")
        except ConnectionGone:
            gone = True
        else:
            gone = False
        return queued, socket.frames, gone

    queued, frames, gone = asyncio.run(scenario())
    assert queued == []
    assert frames == ["1", "2", "x" * (64 * 1024)]
    assert gone  # 410 GoneException, as before
