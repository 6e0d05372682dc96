"""The terminal chat client, driven as a user would: a real process, scripted input, real WebSocket servers."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import socket
import sys
import threading

import pytest
import websocket
from aiohttp import WSMsgType, web

from tests.helpers.processes import DrivenClient
from workshop.chat_client import UsageError, join_url, parse_line
from workshop.terminal import Palette, colors_enabled, render_frame


class FakeChatServer:
    """A real WebSocket server (aiohttp, own thread, free port) with the chat's protocol, kept in memory.

    It stands in for the deployed chat in client-side tests; it records what it received and can drop
    every connection, as the gateway does on an idle timeout.
    """

    def __init__(self, port: int = 0) -> None:
        self.received: list[tuple[str, dict]] = []
        self.joins: list[str] = []
        self._names: dict[web.WebSocketResponse, str] = {}
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = port

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/test"

    def start(self) -> FakeChatServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/test", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self.drop_everyone()  # aiohttp's clean-up would wait for open WebSockets to end
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()  # its self-pipe sockets too (strict pytest fails on an unclosed loop)

    def drop_everyone(self) -> None:
        """Close every connection from the server side with 1001 Going away."""
        async def drop() -> None:
            for ws in list(self._names):
                await ws.close(code=1001, message=b"Going away")
        asyncio.run_coroutine_threadsafe(drop(), self._loop).result(10)

    async def _broadcast(self, frame: dict, exclude: web.WebSocketResponse | None = None) -> None:
        for ws in list(self._names):
            if self._names[ws] and ws is not exclude:
                await ws.send_json(frame)

    def _member_list(self) -> dict:
        return {"members": sorted(name for name in self._names.values() if name)}

    async def _members(self) -> None:
        await self._broadcast(self._member_list())

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        name = request.query.get("name", "")
        self._names[ws] = name
        if name:  # like $connect: the joiner's socket is not open yet, so only the others hear of it
            self.joins.append(name)
            await self._broadcast({"systemMessage": f"{name} joined the chat"}, exclude=ws)
            await self._broadcast(self._member_list(), exclude=ws)
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            self.received.append((self._names[ws], frame))
            await self._answer(ws, frame)
        del self._names[ws]
        if name:
            await self._members()
        return ws

    async def _answer(self, ws: web.WebSocketResponse, frame: dict) -> None:
        sender = self._names[ws]
        action = frame.get("action")
        if action == "setName" and frame["name"] == sender:
            await ws.send_json({"systemMessage": f"You are {sender}."})
            await ws.send_json(self._member_list())
        elif action == "setName":
            self._names[ws] = frame["name"]
            await self._members()
        elif action == "sendPublic":
            await self._broadcast({"publicMessage": f"{sender}: {frame['message']}"})
        elif action == "sendBot":
            await self._broadcast({"publicMessage": f"{sender}: {frame['message']}"})
            await self._broadcast({"publicMessage": f"Bot: you said {frame['message']}"})
        elif action == "sendPrivate":
            targets = [other for other, other_name in self._names.items() if other_name == frame["to"]]
            if not targets:
                await ws.send_json({"systemMessage": f"{frame['to']} is not in the chat", "error": {"code": "x"}})
            for target in targets:
                await target.send_json({"privateMessage": f"{sender}: {frame['message']}"})
        else:
            await ws.send_json({"systemMessage": "Unknown action."})


# -- what a typed line becomes ------------------------------------------------------------------

def test_plain_text_is_a_public_message():
    assert parse_line("  hello all ", []).payload == {"action": "sendPublic", "message": "hello all"}


def test_private_message_to_a_name_with_spaces():
    members = ["Ana", "Ana Maria", "Bob"]
    assert parse_line("/to Ana Maria see you", members).payload == {
        "action": "sendPrivate", "to": "Ana Maria", "message": "see you"}
    assert parse_line('/to "Zoe X" hi', members).payload["to"] == "Zoe X"
    assert parse_line("/to bob hi there", members).payload == {
        "action": "sendPrivate", "to": "Bob", "message": "hi there"}


@pytest.mark.parametrize("line", ["/to", "/to Bob", "/bot", "/name", "/dance", '/to "Bob hi'])
def test_incomplete_commands_say_how_to_write_them(line):
    with pytest.raises(UsageError, match=r"/"):
        parse_line(line, ["Bob"])


def test_local_commands():
    assert [parse_line(line, []).kind for line in ("/who", "/help", "/quit", "/QUIT", "", "   ")] == [
        "who", "help", "quit", "quit", "nothing", "nothing"]


def test_join_url_adds_the_name_once():
    assert join_url("ws://h:1/api/dev", "Ana Maria") == "ws://h:1/api/dev?name=Ana+Maria"
    assert join_url("ws://h:1/api/dev?name=Old&x=1", "New") == "ws://h:1/api/dev?x=1&name=New"


def test_rendering_keeps_other_peoples_text_harmless():
    plain = Palette(False)
    assert render_frame({"publicMessage": "Eve: \x1b[2Jgotcha"}, plain) == "Eve: \\x1b[2Jgotcha"
    # The front ends show only the first key in protocol order.
    assert render_frame({"members": ["A", "B"], "systemMessage": "x"}, plain) == "· in the chat: A, B"
    assert render_frame({"systemMessage": "name taken", "error": {"code": "NameTaken"}}, plain) == "! name taken"
    assert "\x1b[" in render_frame({"publicMessage": "Bot: hi"}, Palette(True))


# -- the client in a real process against a real WebSocket server --------------------------------

@pytest.fixture
def fake_chat():
    server = FakeChatServer().start()
    yield server
    server.stop()


def test_chat_session_public_private_bot_and_bad_input(fake_chat):
    alice = DrivenClient("--url", fake_chat.url, "--name", "Alice")
    try:
        alice.expect(r"connected to .* as Alice")
        alice.expect(r"\* You are Alice\.")  # joined with ?name=, then asked for the members list
        alice.expect(r"in the chat: Alice$")
        bob = websocket.create_connection(fake_chat.url + "?name=Bob", timeout=10)
        alice.expect(r"\* Bob joined the chat")
        alice.expect(r"in the chat: Alice, Bob")

        alice.type("hello everyone")
        alice.expect(r"^Alice: hello everyone$")
        alice.type("/to Bob psst")
        bob_frames = [json.loads(bob.recv()) for _ in range(2)]
        assert bob_frames == [{"publicMessage": "Alice: hello everyone"}, {"privateMessage": "Alice: psst"}]
        bob.send(json.dumps({"action": "sendPrivate", "to": "Alice", "message": "hi back"}))
        alice.expect(r"^\[private\] Bob: hi back$")
        alice.type("/bot what time is it")
        alice.expect(r"^Bot: you said what time is it$")
        alice.type("/who")
        alice.expect(r"^in the chat: Alice, Bob$")

        sent_before = len(fake_chat.received)
        alice.type("/to Bob")
        alice.expect(r"write /to NAME message")
        alice.type("/frobnicate")
        alice.expect(r"unknown command /frobnicate; type /help")
        alice.type("/to Nobody are you there")
        alice.expect(r"! Nobody is not in the chat")
        assert len(fake_chat.received) == sent_before + 1  # the two bad lines never left the client
        alice.type("/help")
        alice.expect(r"/quit")
        alice.type("/quit")
        code, stderr = alice.finish()
        assert code == 0, stderr
        assert alice.lines[-1].endswith("bye")
        bob.close()
    finally:
        alice.kill()
    assert [(sender, frame["action"]) for sender, frame in fake_chat.received] == [
        ("Alice", "setName"), ("Alice", "sendPublic"), ("Alice", "sendPrivate"), ("Bob", "sendPrivate"), ("Alice", "sendBot"),
        ("Alice", "sendPrivate")]


def test_reconnects_with_its_name_after_the_server_drops_it(fake_chat):
    alice = DrivenClient("--url", fake_chat.url, "--name", "Alice")
    try:
        alice.expect(r"in the chat: Alice$")
        fake_chat.drop_everyone()
        alice.expect(r"connection lost \(closed by the server with code 1001: Going away\)")
        alice.expect(r"reconnected as Alice")
        alice.expect(r"in the chat: Alice$")
        alice.type("still here")
        alice.expect(r"^Alice: still here$")
        assert fake_chat.joins == ["Alice", "Alice"]
        alice.type("/quit")
        assert alice.finish()[0] == 0
    finally:
        alice.kill()


def test_keeps_what_was_typed_while_the_server_is_away():
    server = FakeChatServer().start()
    alice = DrivenClient("--url", server.url, "--name", "Alice")
    try:
        alice.expect(r"in the chat: Alice$")
        port = server.port
        server.drop_everyone()
        server.stop()
        alice.expect(r"connection lost")
        alice.type("typed while offline")
        alice.expect(r"not connected right now")
        alice.expect(r"could not reconnect")
        server = FakeChatServer(port).start()  # back on the same port, as a restarted cloud would be
        alice.expect(r"reconnected as Alice", timeout=30)
        alice.expect(r"^Alice: typed while offline$")
        alice.type("/quit")
        assert alice.finish()[0] == 0
    finally:
        alice.kill()
        server.stop()


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is sent as SIGINT, which Windows lacks")
def test_ctrl_c_leaves_cleanly(fake_chat):
    alice = DrivenClient("--url", fake_chat.url, "--name", "Alice")
    try:
        alice.expect(r"in the chat: Alice$")
        alice.process.send_signal(signal.SIGINT)
        code, stderr = alice.finish()
        assert code == 0
        assert "Traceback" not in stderr
        assert alice.lines[-1].endswith("bye")
    finally:
        alice.kill()


def test_nothing_listening_is_a_clear_error():
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = DrivenClient("--url", f"ws://127.0.0.1:{port}/nothing", "--name", "Alice")
    code, stderr = client.finish()
    assert code == 1
    assert f"Could not connect to ws://127.0.0.1:{port}/nothing" in stderr
    assert "python -m workshop status" in stderr


def test_a_new_name_is_kept_for_the_next_reconnect(fake_chat):
    alice = DrivenClient("--url", fake_chat.url, "--name", "Alice")
    try:
        alice.expect(r"in the chat: Alice$")
        alice.type("/name Alicia")
        alice.expect(r"in the chat: Alicia$")
        fake_chat.drop_everyone()
        alice.expect(r"reconnected as Alicia")
        alice.type("/quit")
        assert alice.finish()[0] == 0
    finally:
        alice.kill()
    assert fake_chat.joins == ["Alice", "Alicia"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("environment", "stream", "expected"), [
    ({}, _Terminal(), sys.platform != "win32"),  # on Windows it depends on the console; checked there by hand
    ({"NO_COLOR": "1"}, _Terminal(), False),
    ({}, io.StringIO(), False),  # piped or redirected: plain text
    ({"TERM": "dumb"}, _Terminal(), False),
    ({"FORCE_COLOR": "1"}, io.StringIO(), True),
])
def test_colors_only_on_a_terminal_and_never_with_no_color(monkeypatch, environment, stream, expected):
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert colors_enabled(stream) is expected


def test_gives_up_after_a_bounded_time_and_shows_what_was_not_sent():
    server = FakeChatServer().start()
    alice = DrivenClient("--url", server.url, "--name", "Alice", env={"WORKSHOP_CHAT_GIVE_UP_SECONDS": "3"})
    try:
        alice.expect(r"in the chat: Alice$")
        server.drop_everyone()
        server.stop()
        alice.expect(r"connection lost")
        alice.type("hello, anyone?")
        alice.expect(r"not connected right now")
        line = alice.expect(r"gave up: the chat could not be reached for 3 s", timeout=30)
        assert "python -m workshop status shows the new one" in line  # --url: the user must find the new URL
        alice.expect(r"not sent \(copy what you need\): hello, anyone\?$")
        alice.expect(r"press Enter to leave")
        alice.type("")
        code, stderr = alice.finish()
        assert code == 1 and "Traceback" not in stderr
    finally:
        alice.kill()
        server.stop()
