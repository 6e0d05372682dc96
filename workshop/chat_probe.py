"""Small websocket-client helpers: read a chat's frames, and probe that a deployed chat works."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import websocket

from .i18n import _

FRAME_KEYS = ("members", "publicMessage", "privateMessage", "systemMessage")


def receive_all(client: websocket.WebSocket, quiet_seconds: float = 1.0) -> list[dict[str, Any]]:
    """Every frame that arrives until none came for `quiet_seconds` (JSON decoded when possible)."""
    frames = []
    client.settimeout(quiet_seconds)
    while True:
        try:
            raw = client.recv()
        except websocket.WebSocketTimeoutException:
            return frames
        frames.append(_decode(raw))


def wait_for(client: websocket.WebSocket, matches: Callable[[dict[str, Any]], bool],
             timeout: float = 10.0) -> dict[str, Any] | None:
    """The first frame for which `matches` is true, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        client.settimeout(left)
        try:
            frame = _decode(client.recv())
        except websocket.WebSocketTimeoutException:
            return None
        if matches(frame):
            return frame
    return None


def _decode(raw: str | bytes) -> dict[str, Any]:
    try:
        frame = json.loads(raw)
    except ValueError:
        return {"raw": raw}
    return frame if isinstance(frame, dict) else {"raw": frame}


def show(frame: dict[str, Any]) -> str:
    """One frame as a learner reads it: which kind, and its text."""
    for key in FRAME_KEYS:
        if key in frame:
            return f"{key}: {frame[key]}"
    return json.dumps(frame)


def can_connect(url: str, timeout: float = 10.0) -> str | None:
    """None when a WebSocket handshake with `url` succeeds, else what went wrong."""
    try:
        client = websocket.create_connection(url, timeout=timeout)
    except websocket.WebSocketBadStatusException as error:
        return _("the handshake was refused with HTTP {status}").format(status=error.status_code)
    except (OSError, websocket.WebSocketException) as error:
        return _("cannot connect: {error}").format(error=error)
    client.close()
    return None


def probe_chat(url: str, timeout: float = 10.0) -> list[tuple[str, str | None]]:
    """Two throw-away members join, talk publicly and privately, then leave: (what, error or None) per item."""
    tag = uuid.uuid4().hex[:6]
    first, second = f"check-{tag}-a", f"check-{tag}-b"
    results: list[tuple[str, str | None]] = []
    clients: list[websocket.WebSocket] = []
    try:
        a = websocket.create_connection(f"{url}?name={first}", timeout=timeout)
        clients.append(a)
        b = websocket.create_connection(url, timeout=timeout)
        clients.append(b)
        b.send(json.dumps({"action": "setName", "name": second}))
        joined = wait_for(a, lambda f: second in f.get("members", []), timeout)
        results.append((_("{second} joined and {first} got the members list").format(second=second, first=first),
                        None if joined else _("no members update")))
        a.send(json.dumps({"action": "sendPublic", "message": f"ping {tag}"}))
        public = wait_for(b, lambda f: f"ping {tag}" in str(f.get("publicMessage", "")), timeout)
        results.append((_("a public message reached the other member"), None if public else _("nothing arrived")))
        a.send(json.dumps({"action": "sendPrivate", "to": second, "message": f"psst {tag}"}))
        private = wait_for(b, lambda f: f"psst {tag}" in str(f.get("privateMessage", "")), timeout)
        results.append((_("a private message reached its recipient"), None if private else _("nothing arrived")))
    except websocket.WebSocketBadStatusException as error:
        results.append((_("members can connect"),
                        _("the handshake was refused with HTTP {status}").format(status=error.status_code)))
    except (OSError, websocket.WebSocketException) as error:
        results.append((_("the chat answered"), f"{type(error).__name__}: {error}"))
    finally:
        for client in clients:
            client.close()
    return results
