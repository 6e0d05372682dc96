"""Lambda runtime: runs deployed function code in worker processes (placeholder until built)."""

from __future__ import annotations

from aiohttp import web

from ..config import Settings


class LambdaRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def handle_invoke_http(self, request: web.Request) -> web.Response:
        return web.json_response({"message": "lambda invoke is not built yet"}, status=501)
