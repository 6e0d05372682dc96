"""The chat's wire protocol seen from a client (docs/chat-protocol.md): request builders, frame kinds, frame tests.

Every client in this repository — step 06's members, the checks, the demo, the terminal client, the
end-to-end tests and the benchmarks — builds its requests and reads its frames with these, so the
protocol is written down in code once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Frame = dict[str, Any]
FrameTest = Callable[[Frame], bool]

# The actions a client sends; API Gateway routes on "action" (step 04's RouteSelectionExpression).
ACTIONS = ("setName", "sendPublic", "sendPrivate", "sendBot")

# The front ends test the keys in this order and show only the first one present (chat-protocol.md).
FRAME_KEYS = ("members", "publicMessage", "privateMessage", "systemMessage")


# -- client → server ---------------------------------------------------------------------------------------

def set_name(name: str) -> dict[str, str]:
    """`{"action": "setName", "name": ...}`: join the chat, or change one's name."""
    return {"action": "setName", "name": name}


def send_public(message: str) -> dict[str, str]:
    """`{"action": "sendPublic", "message": ...}`: to everyone named, the sender included."""
    return {"action": "sendPublic", "message": message}


def send_private(to: str, message: str) -> dict[str, str]:
    """`{"action": "sendPrivate", "to": ..., "message": ...}`: to one member, no copy to the sender."""
    return {"action": "sendPrivate", "to": to, "message": message}


def send_bot(message: str) -> dict[str, str]:
    """`{"action": "sendBot", "message": ...}`: a public message the bot answers publicly."""
    return {"action": "sendBot", "message": message}


def encode(request: dict[str, Any] | str) -> str:
    """The text frame for a request; a string goes as it is (the way to send what is not JSON)."""
    return request if isinstance(request, str) else json.dumps(request)


# -- server → client ---------------------------------------------------------------------------------------

def decode(raw: str | bytes) -> Frame:
    """One received text frame as a dict; what is not a JSON object comes back as {"raw": text}."""
    try:
        frame = json.loads(raw)
    except ValueError:
        return {"raw": raw}
    return frame if isinstance(frame, dict) else {"raw": frame}


def frame_key(frame: Any) -> str | None:
    """The protocol key a frame carries (the first of FRAME_KEYS present), or None (e.g. API Gateway's own)."""
    if not isinstance(frame, dict):
        return None
    return next((key for key in FRAME_KEYS if key in frame), None)


def frame_kind(frame: Any) -> str:
    """Which kind of frame this is: members, public, private, system, error, gateway or unknown."""
    key = frame_key(frame)
    if key == "systemMessage":
        return "error" if frame.get("error") else "system"
    if key is not None:
        return {"members": "members", "publicMessage": "public", "privateMessage": "private"}[key]
    # API Gateway's own answers: {"message": "Forbidden" | "Internal server error", "connectionId": ...}
    if isinstance(frame, dict) and "message" in frame:
        return "gateway"
    return "unknown"


# -- tests on frames, for wait_for() ----------------------------------------------------------------------

def is_kind(key: str) -> FrameTest:
    """A frame carrying this protocol key: is_kind("publicMessage")."""
    return lambda frame: frame_key(frame) == key


def members_are(*names: str) -> FrameTest:
    """A members list with exactly these names, in the protocol's order (case-insensitive)."""
    expected = sorted(names, key=lambda name: (name.lower(), name))
    return lambda frame: isinstance(frame, dict) and frame.get("members") == expected


def has(key: str, text: str) -> FrameTest:
    """A frame whose `key` contains `text`: has("publicMessage", "Ana: hi")."""
    return lambda frame: isinstance(frame, dict) and text in str(frame.get(key, ""))


def is_refusal(frame: Any) -> bool:
    """An error systemMessage: chat-protocol.md sends refusals to the sender alone, with an "error" object."""
    return frame_kind(frame) == "error"


def error_code(code: str) -> FrameTest:
    """A refusal with this error code (name_taken, no_name, unknown_action, ...)."""
    return lambda frame: is_refusal(frame) and frame["error"].get("code") == code
