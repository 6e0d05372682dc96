"""Test helpers for the WebSocket gateway: talk to a learner's API (local_cloud.learner_api builds it)."""

from __future__ import annotations

import json
from typing import Any

import websocket

from local_cloud.learner_api import LearnerApi

# Every WebSocket opened through connect() is closed when its test ends (tests/conftest.py), also when the test
# failed before its own close: strict pytest turns a socket left to the garbage collector into an error.
OPENED: list[websocket.WebSocket] = []


def connect(url: str, timeout: float = 30.0, **kwargs: Any) -> websocket.WebSocket:
    ws = websocket.create_connection(url, timeout=timeout, **kwargs)
    OPENED.append(ws)
    return ws


def close_opened() -> None:
    """Close the sockets connect() opened (no closing handshake: as the garbage collector would, without waiting)."""
    while OPENED:
        OPENED.pop().shutdown()


def ask(ws: websocket.WebSocket, message: dict[str, Any] | str) -> Any:
    """Send one message and return the next text frame, parsed as JSON when it is JSON."""
    ws.send(message if isinstance(message, str) else json.dumps(message))
    reply = ws.recv()
    try:
        return json.loads(reply)
    except ValueError:
        return reply


def connection_id_of(api: LearnerApi, ws: websocket.WebSocket, api_id: str) -> str:
    """Ask the API who we are (the probe's echo carries the event's requestId, its record the connectionId)."""
    reply = ask(ws, {"action": "whoami"})
    items = api._scan()
    for item in items:
        if item["requestId"]["S"] == reply["requestId"]:
            return item["connectionId"]["S"]
    raise AssertionError("the probe did not record the message")


def close_frame(ws: websocket.WebSocket, timeout: float = 10.0) -> tuple[int, str]:
    """Read until the server's close frame; return its status code and reason."""
    ws.settimeout(timeout)
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
            return code, data[2:].decode(errors="replace")
