"""The local cloud's single HTTP server: one port for boto3, Lambda invokes, WebSockets and @connections."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from functools import partial
from pathlib import Path

from aiohttp import web

from . import boundary, control, patches
from .config import Settings
from .gateway import Gateway, management, sessions
from .heap import HeapTrimmer
from .iam import IAM, enabled_from
from .lambda_runtime import LambdaRuntime, http_api
from .moto_bridge import MotoBridge
from .s3_website import S3WebsiteEndpoint, website_host, website_url

log = logging.getLogger("local_cloud")

CONTROL_PREFIX = control.CONTROL_PREFIX
# Lambda zips arrive base64-encoded inside create_function's JSON body (AWS allows 50 MB).
MAX_REQUEST_BYTES = 80 * 1024 * 1024


class SecretNotWritten(RuntimeError):
    """The control secret could not be stored: the cloud does not start without one."""


class LocalCloudServer:
    """Owns the three parts (control plane, Lambda runtime, gateway) and their life cycle."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.moto = MotoBridge()
        self.heap = HeapTrimmer()  # after a burst, what the cloud freed goes back to the OS
        self.runtime = LambdaRuntime(self.settings)
        self.iam = IAM(enabled_from(self.settings.iam), self.runtime.log_to_function)
        self.runtime.iam = self.iam
        self.gateway = Gateway(self.settings, self.runtime, self.iam)
        self._invoke = partial(http_api.handle_invoke, self.runtime)  # for IAM.guard, which passes the request
        self.websites = S3WebsiteEndpoint()
        self.stopped = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # Built again in start() once the port is known (port 0: a free one, chosen at bind).
        self.boundary = boundary.Boundary(self.settings)
        self.secret: str | None = None
        self.secret_path: Path | None = None
        # Its state lives in memory: a client that remembers the instance can tell a restart (state gone).
        self.instance = uuid.uuid4().hex
        self.started_at = time.time()

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/{tail:.*}", self.front_door)
        return app

    async def front_door(self, request: web.Request) -> web.StreamResponse:
        """Check the request at the boundary, then send it to the part that owns it; the rest is moto's.

        Each part's handler is called here, directly: the gateway's sessions and @connections, the runtime's
        invoke API, the control API, moto's bridge. None of them calls back into another.
        """
        # A website host (BUCKET.s3-website.localhost:PORT) reaches S3's website endpoint and nothing else,
        # like a host of its own: anonymous GET/HEAD of public objects, on any path. So a page served from a
        # bucket gains nothing on the API, invoke, @connections or control paths, which stay behind the boundary.
        bucket = website_host(request.headers.get("Host", ""), self.settings.port)
        if bucket is not None:
            return await self.websites.handle(request, bucket)
        refusal = self.boundary.refuse(request)
        if refusal is not None:
            return boundary.seal(refusal)
        path = request.path
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await sessions.serve(self.gateway, request)
        if "/@connections/" in path or path.startswith("/@connections"):
            response = await management.handle(self.gateway, request)
        elif request.method == "POST" and http_api.INVOKE_PATH.match(path):
            response = await self.iam.guard(request, self._invoke)
        elif path.startswith(CONTROL_PREFIX):
            response = await self.control(request)
        else:
            response = await self.iam.guard(request, self.moto.handle)
        return boundary.seal(response)

    async def control(self, request: web.Request) -> web.Response:
        """Tiny admin API: health (open, read-only) and actions that need the secret (shutdown, settings)."""
        action = request.path[len(CONTROL_PREFIX):]
        if action in control.OPEN_ACTIONS:
            if request.method not in ("GET", "HEAD"):
                return web.json_response({"message": f"{action} is read-only: use GET"}, status=405)
            return web.json_response(self.describe())
        if self.secret is None or not control.secret_matches(request.headers.get(control.SECRET_HEADER), self.secret):
            return web.json_response({"message": (
                f"control action {action!r} needs this cloud's secret in the {control.SECRET_HEADER} header; only "
                f"the user who started the cloud can read it ({self.secret_path}). "
                "Use local_cloud.control.send(endpoint_url, action).")}, status=403)
        if action == "shutdown" and request.method == "POST":
            asyncio.get_running_loop().call_soon(self.stopped.set)
            return web.json_response({"stopping": True})
        if action == "settings":
            return await self.change_settings(request)
        return web.json_response({"message": f"unknown control action {action!r}"}, status=404)

    async def change_settings(self, request: web.Request) -> web.Response:
        """GET or POST {}: the settings that can change while running; POST {"lambda_spare_workers": 0}: change them."""
        if request.method == "POST":
            try:
                wanted = await request.json()
            except ValueError:
                wanted = None
            if wanted == {}:
                return web.json_response({"lambda_spare_workers": self.runtime.spare_workers})
            valid = isinstance(wanted, dict) and set(wanted) == {"lambda_spare_workers"}
            count = wanted["lambda_spare_workers"] if valid else None
            if type(count) is not int or not 0 <= count <= 8:
                return web.json_response({"message": 'send a JSON object {"lambda_spare_workers": N}, N from 0 to 8 '
                                          "(0: no spare worker, every cold start is a full one)"}, status=400)
            await self.runtime.set_spare_workers(count)
        elif request.method != "GET":
            return web.json_response({"message": "use GET to read the settings, POST to change them"}, status=405)
        return web.json_response({"lambda_spare_workers": self.runtime.spare_workers})

    def describe(self) -> dict[str, object]:
        return {
            "service": "local_cloud",
            "endpoint_url": self.settings.http_url,
            "websocket_base": self.settings.ws_url,
            "region": self.settings.region,
            "website_url_pattern": website_url("{bucket}", self.settings.port),
            "instance": self.instance,
            "started_at": self.started_at,
        }

    async def start(self) -> None:
        """Bind the port (a free one when port is 0) and get every part ready."""
        boundary.check_bind(self.settings.host, self.settings.allow_remote)
        patches.apply(self.settings)
        self.iam.install()
        await self.runtime.start()
        self.heap.start()
        self._runner = web.AppRunner(
            self.build_app(), access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        try:
            await site.start()
        except OSError:
            # The port is taken: stop what already runs (spare Lambda workers) so the process can exit.
            await self.stop()
            raise
        if self.settings.port == 0:
            sockets = self._runner.addresses
            self.settings.port = int(sockets[0][1])
        self.boundary = boundary.Boundary(self.settings)
        try:
            self.secret, self.secret_path = control.create_secret(self.settings.port, self.settings.state_dir)
        except OSError as error:
            await self.stop()
            raise SecretNotWritten(
                f"Cannot write the control secret in {control.secret_path(self.settings.port, self.settings.state_dir).parent}: "
                f"{error.strerror or error}. Pick a folder you can write with --state-dir or LOCAL_CLOUD_STATE_DIR."
            ) from error
        patches.apply(self.settings)  # again, now that the real port is known
        log.info("local cloud ready: %s", json.dumps(self.describe()))

    async def stop(self) -> None:
        """Close every WebSocket first (their $disconnect functions still run), then the workers."""
        await self.gateway.close()
        await self.runtime.close()
        await self.heap.stop()
        if self.secret is not None and self.secret_path is not None:
            control.remove_secret(self.secret_path, self.secret)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.moto.close()

    async def serve_until_stopped(self) -> None:
        await self.start()
        try:
            await self.stopped.wait()
        finally:
            await self.stop()
