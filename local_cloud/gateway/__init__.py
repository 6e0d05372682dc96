"""WebSocket gateway: API Gateway's data plane for WEBSOCKET APIs (placeholder until built)."""

from __future__ import annotations

from aiohttp import web

from ..config import Settings
from ..lambda_runtime import LambdaRuntime


class Gateway:
    def __init__(self, settings: Settings, runtime: LambdaRuntime) -> None:
        self.settings = settings
        self.runtime = runtime

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"message": "the WebSocket gateway is not built yet"}, status=501)

    async def handle_management(self, request: web.Request) -> web.Response:
        return web.json_response({"message": "the @connections API is not built yet"}, status=501)

    async def close(self) -> None:
        pass
