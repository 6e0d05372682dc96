"""Run moto's WSGI application for an aiohttp request, so one port serves every AWS API."""

from __future__ import annotations

import asyncio
import io
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

# moto's server application: it picks the service from the signed Authorization header.
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from . import dynamodb_direct
from .iam.operations import credential_scope
from .lambda_runtime import cloudwatch

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


def reads_logs(request: web.Request) -> bool:
    """A CloudWatch Logs request (JSON protocol: X-Amz-Target "Logs_20140328.*", signed for "logs").

    Only those can see the log lines still queued, so only they wait for them to be written: a DynamoDB read
    right after an invocation (the next chat message's get_item) does not pay for the last one's log.
    """
    scope = credential_scope(request.headers.get("Authorization", ""))
    return request.headers.get("X-Amz-Target", "").startswith("Logs_") or (scope is not None and scope[2] == "logs")


class MotoBridge:
    """Calls moto in worker threads: moto's backends are synchronous and may block briefly."""

    def __init__(self, threads: int = 8, app: WsgiApp | None = None) -> None:
        self.app = app or DomainDispatcherApplication(create_backend_app)
        disable_moto_recorder()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="moto")
        # moto's DynamoDB is not thread-safe: concurrent transact_write_items answer 500 or, rolling
        # back, overwrite each other's writes. DynamoDB itself is atomic per request, so serialise them.
        self._dynamodb_lock = threading.Lock()
        # DynamoDB calls skip moto's Flask app (see dynamodb_direct); off, they take moto's own way, and an app
        # given here sees every call.
        self.direct_dynamodb = app is None

    async def handle(self, request: web.Request) -> web.Response:
        if reads_logs(request):  # function logs queued off the response path are there for whoever reads them
            cloudwatch.flush_pending()
        body = await request.read()
        environ = wsgi_environ(request, body)
        loop = asyncio.get_running_loop()
        status, headers, payload = await loop.run_in_executor(self._pool, self.call, environ)
        response = web.Response(status=status, body=payload)
        for name, value in headers:
            # aiohttp computes the first three itself from the body it sends. moto (flask-cors) reflects any
            # Origin in Access-Control-Allow-*: the local cloud's API is not for web pages, so never pass those.
            lowered = name.lower()
            if lowered in ("content-length", "transfer-encoding", "connection") or lowered.startswith("access-control-"):
                continue
            response.headers.add(name, value)
        return response

    def call(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run the WSGI app to completion and return status, headers and body."""
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = headers

        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with self._dynamodb_lock:
                if self.direct_dynamodb and dynamodb_direct.handles(environ):
                    payload = dynamodb_direct.call(environ, start_response)
                else:
                    payload = self._run(environ, start_response)
        else:
            payload = self._run(environ, start_response)
        return captured["status"], captured["headers"], payload

    def _run(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> bytes:
        app = self.app
        if isinstance(app, DomainDispatcherApplication):
            app = app.get_application(environ)
            # moto's own API (recorder, reset, state dump) whatever path or header led there: never served.
            if getattr(app, "service", None) == "moto_api":
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return b"Local cloud: moto's /moto-api is not served.\n"
        chunks = app(environ, start_response)
        try:
            return b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def disable_moto_recorder() -> None:
    """moto's recorder appends every request to ./moto_recording when MOTO_ENABLE_RECORDING is set: never here."""
    from moto.moto_api import recorder

    recorder._os_enabled = recorder._user_enabled = False


def wsgi_environ(request: web.Request, body: bytes) -> dict[str, Any]:
    """The PEP 3333 environ werkzeug's own server would build for this request."""
    host, _, port = (request.host or "127.0.0.1").partition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        # werkzeug expects the raw path decoded as latin-1, like its own server does.
        "PATH_INFO": request.raw_path.split("?", 1)[0].encode().decode("latin-1"),
        "QUERY_STRING": request.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": port or "80",
        "SERVER_PROTOCOL": f"HTTP/{request.version.major}.{request.version.minor}",
        "REMOTE_ADDR": request.remote or "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    if request.content_type and "Content-Type" in request.headers:
        environ["CONTENT_TYPE"] = request.headers["Content-Type"]
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            continue
        key = f"HTTP_{key}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
