"""The chat server: every connection and name lives in this process's memory, and it posts to members itself."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timezone
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from . import protocol

log = logging.getLogger("server_way")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class ChatServer:
    """One room: who is connected (`members`: socket -> name or None) and which socket holds which name."""

    def __init__(self) -> None:
        self.members: dict[web.WebSocketResponse, str | None] = {}
        self.holders: dict[str, web.WebSocketResponse] = {}  # name key -> socket

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self.handle)
        return app

    # -- who may connect ---------------------------------------------------------------------------
    def refusal(self, request: web.Request) -> web.Response | None:
        """Only this machine's programs may connect: a web page elsewhere is refused (its Origin header says so),
        and so is a request for another host name (a DNS rebinding attack)."""
        if request.host.rsplit(":", 1)[0] not in LOOPBACK_NAMES:
            return web.Response(status=403, text="this chat server answers requests for 127.0.0.1 only")
        origin = request.headers.get("Origin")
        if origin is not None and (urlsplit(origin).hostname or "") not in ("127.0.0.1", "localhost", "::1"):
            return web.Response(status=403, text="web pages from other sites may not connect to this chat server")
        return None

    # -- one connection ----------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        name = None
        if "name" in request.query:  # ?name=Alice joins at once, like the serverless chat's $connect
            try:
                name = self.free_name(protocol.valid_name(request.query["name"]), None)
            except protocol.ChatError as refusal:
                return web.Response(status=refusal.status, text=refusal.message)
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=128 * 1024)
        await ws.prepare(request)
        self.members[ws] = None
        if name is not None:
            await self.take_name(ws, name)
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self.on_message(ws, message.data)
                elif message.type is WSMsgType.BINARY:
                    await ws.close(code=1003, message=b"Binary frames are not supported")
        finally:
            left = self.members.pop(ws, None)
            if left is not None:
                self.holders.pop(protocol.name_key(left), None)
                await self.broadcast([protocol.system_message(f"{left} left the chat"), self.members_message()])
        return ws

    async def on_message(self, ws: web.WebSocketResponse, text: str) -> None:
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        action = body.get("action") if isinstance(body, dict) else None
        try:
            if action == "setName":
                await self.set_name(ws, body.get("name"))
            elif action in ("sendPublic", "sendBot"):
                sender = self.require_name(ws)
                message = protocol.valid_message(body.get("message"))
                messages = [protocol.public_message(sender, message)]
                if action == "sendBot":
                    answer = protocol.bot_reply(message, self.names(), datetime.now(timezone.utc))
                    messages.append(protocol.public_message(protocol.BOT_NAME, answer))
                await self.broadcast(messages)
            elif action == "sendPrivate":
                sender = self.require_name(ws)
                message = protocol.valid_message(body.get("message"))
                to = protocol.valid_recipient(body.get("to"))
                recipient = self.holders.get(protocol.name_key(to))
                if recipient is None:
                    raise protocol.ChatError("unknown_recipient", f"Nobody called {to} is in the chat. "
                                                                  "The members list shows who is here.")
                await send(recipient, [protocol.private_message(sender, self.members[recipient] or to, message)])
            else:
                problem = "Messages must be JSON." if body is None else f"Unknown action {action!r}."
                raise protocol.ChatError("unknown_action", f"{problem} {protocol.HELP}")
        except protocol.ChatError as refusal:
            await send(ws, [protocol.error_message(refusal)])

    # -- names -------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return [name for name in self.members.values() if name is not None]

    def members_message(self) -> dict[str, list[str]]:
        return protocol.members_message(self.names())

    def require_name(self, ws: web.WebSocketResponse) -> str:
        name = self.members.get(ws)
        if name is None:
            raise protocol.ChatError("no_name", 'Choose a name first, for example {"action": "setName", "name": "Alice"}.')
        return name

    def free_name(self, name: str, ws: web.WebSocketResponse | None) -> str:
        holder = self.holders.get(protocol.name_key(name))
        if holder is not None and holder is not ws:
            raise protocol.ChatError("name_taken", f"The name {name} is taken. Choose another one.", 409)
        return name

    async def set_name(self, ws: web.WebSocketResponse, wanted: object) -> None:
        name = self.free_name(protocol.valid_name(wanted), ws)
        old = self.members.get(ws)
        if old == name:
            await send(ws, [protocol.system_message(f"You are {name}."), self.members_message()])
            return
        if old is not None:
            self.holders.pop(protocol.name_key(old), None)
        await self.take_name(ws, name, old)

    async def take_name(self, ws: web.WebSocketResponse, name: str, old: str | None = None) -> None:
        self.members[ws] = name
        self.holders[protocol.name_key(name)] = ws
        news = f"{name} joined the chat" if old is None else f"{old} is now known as {name}"
        await self.broadcast([protocol.system_message(news), self.members_message()])

    # -- sending -------------------------------------------------------------------------------------
    async def broadcast(self, messages: list[dict[str, object]]) -> None:
        """Every named member gets the messages, in order; all members at once (each send may wait on its socket)."""
        await asyncio.gather(*(send(ws, messages) for ws, name in list(self.members.items()) if name is not None))


async def send(ws: web.WebSocketResponse, messages: list[dict[str, object]]) -> None:
    for message in messages:
        if ws.closed:
            return
        try:
            await ws.send_str(json.dumps(message, ensure_ascii=False))
        except (ConnectionError, RuntimeError):
            return  # the member is going; its own handler removes it
