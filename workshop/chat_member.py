"""One chat member over a real WebSocket (websocket-client): connect, send each request, read frames, close.

    alice = ChatMember(f"{url}?name=Alice")
    alice.send_public("hi")                    # {"action": "sendPublic", "message": "hi"}
    frame = alice.wait_for("publicMessage")     # the next frame with that key, or None after the timeout
    alice.close()

Synchronous on purpose: frames wait in the socket until the member reads them, so a notebook, a check
or a test reads them in the order they came, when it is ready to.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from urllib.parse import quote

import websocket

from . import chat_protocol
from .chat_protocol import Frame, FrameTest

# The errors a member's connection can end with: refused handshake, timeout, reset, closed by the server.
CONNECTION_ERRORS = (OSError, websocket.WebSocketException)


class ChatMember:
    """A real WebSocket connection to the chat, and every frame it has read (`received`)."""

    def __init__(self, url: str, name: str | None = None, timeout: float = 10.0) -> None:
        """Connect to `url` (with ?name=... when `name` is given); raises websocket's errors if refused."""
        self.url = f"{url}{'&' if '?' in url else '?'}name={quote(name)}" if name else url
        self.timeout = timeout
        self.received: list[Frame] = []
        # Called with each frame as it is read, e.g. to print it while waiting for another one.
        self.on_frame: Callable[[Frame], None] | None = None
        self.ws = websocket.create_connection(self.url, timeout=timeout)

    # -- sending: one method per action of the protocol --------------------------------------------------

    def send(self, request: dict[str, str] | str) -> None:
        """One request as a JSON text frame; a string is sent as it is (e.g. text that is not JSON)."""
        self.ws.send(chat_protocol.encode(request))

    def set_name(self, name: str) -> None:
        self.send(chat_protocol.set_name(name))

    def send_public(self, message: str) -> None:
        self.send(chat_protocol.send_public(message))

    def send_private(self, to: str, message: str) -> None:
        self.send(chat_protocol.send_private(to, message))

    def send_bot(self, message: str) -> None:
        self.send(chat_protocol.send_bot(message))

    # -- reading -----------------------------------------------------------------------------------------

    def read(self, timeout: float | None = None) -> Frame | None:
        """The next frame, or None when none came within `timeout` seconds or the connection is closed."""
        self.ws.settimeout(self.timeout if timeout is None else timeout)
        try:
            raw = self.ws.recv()
        except CONNECTION_ERRORS:
            return None
        if not raw:  # a close frame
            return None
        frame = chat_protocol.decode(raw)
        self.received.append(frame)
        if self.on_frame is not None:
            self.on_frame(frame)
        return frame

    def wait_for(self, matches: str | FrameTest, timeout: float | None = None) -> Frame | None:
        """The next frame that matches (a protocol key such as "members", or a test), or None after `timeout`.

        Frames read on the way are kept in `received`.
        """
        test = chat_protocol.is_kind(matches) if isinstance(matches, str) else matches
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while (left := deadline - time.monotonic()) > 0:
            frame = self.read(left)
            if frame is None:
                return None
            if test(frame):
                return frame
        return None

    def wait_for_received(self, matches: str | FrameTest, count: int = 1,
                          timeout: float | None = None) -> list[Frame]:
        """Every frame received so far that matches, once there are `count` (fewer if `timeout` ran out)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(self.matching(matches)) < count and (left := deadline - time.monotonic()) > 0:
            if self.read(left) is None:
                break
        return self.matching(matches)

    def receive_all(self, quiet_seconds: float = 1.0) -> list[Frame]:
        """Every frame that arrives until none came for `quiet_seconds`."""
        frames = []
        while (frame := self.read(quiet_seconds)) is not None:
            frames.append(frame)
        return frames

    def matching(self, matches: str | FrameTest) -> list[Frame]:
        """The frames received so far that match (a protocol key or a test)."""
        test = chat_protocol.is_kind(matches) if isinstance(matches, str) else matches
        return [frame for frame in self.received if test(frame)]

    # -- leaving -----------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (API Gateway then runs $disconnect); closing twice is harmless."""
        with contextlib.suppress(*CONNECTION_ERRORS):  # already gone: closing is what we wanted
            self.ws.close()

    def __enter__(self) -> ChatMember:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
