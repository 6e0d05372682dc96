"""A private local cloud from Python (tests, notebooks, the demo), in a thread or a subprocess (see launcher.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import control
from .config import FAKE_CLIENT_CREDENTIALS, FAKE_CREDENTIALS, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class LocalCloud:
    """A local cloud you own: `with LocalCloud() as cloud: boto3.client("lambda", **cloud.client_kwargs)`.

    mode="subprocess" (default) gives a fresh, isolated cloud in its own process; mode="thread" runs it
    inside this process (moto's state is per process, so only one thread-mode cloud at a time).
    """

    _thread_cloud_running = False

    def __init__(self, port: int = 0, host: str = "127.0.0.1", mode: str = "subprocess",
                 env: dict[str, str] | None = None, log_path: str | os.PathLike[str] | None = None,
                 startup_timeout: float = 60.0, state_dir: str | os.PathLike[str] | None = None,
                 allow_remote: bool = False) -> None:
        if mode not in ("subprocess", "thread"):
            raise ValueError("mode must be 'subprocess' or 'thread'")
        self.host, self.port, self.mode = host, port, mode
        self.env = dict(env or {})
        self.log_path = Path(log_path) if log_path else None
        self.startup_timeout = startup_timeout
        # Where the cloud writes its control secret (None: LOCAL_CLOUD_STATE_DIR or the per-user default).
        self.state_dir = Path(state_dir) if state_dir else None
        self.allow_remote = allow_remote
        self.region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None

    # -- where it is ---------------------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def client_kwargs(self) -> dict[str, str]:
        """Keyword arguments for boto3.client(...) that reach this cloud."""
        return {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            **FAKE_CLIENT_CREDENTIALS,
        }

    def client(self, service: str, **kwargs: Any) -> Any:
        import boto3

        return boto3.client(service, **{**self.client_kwargs, **kwargs})

    @property
    def environ(self) -> dict[str, str]:
        """Environment variables that point boto3 (and child processes) at this cloud."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region, **FAKE_CREDENTIALS}

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> LocalCloud:
        if self.mode == "subprocess":
            self._start_subprocess()
        else:
            self._start_thread()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        if self.mode == "subprocess":
            self._stop_subprocess(timeout)
        else:
            self._stop_thread(timeout)

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def health(self) -> dict[str, Any]:
        return control.send(self.endpoint_url, "health")

    def send_control(self, action: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a control action with this cloud's secret (see local_cloud.control)."""
        return control.send(self.endpoint_url, action, payload, state_dir=self.state_dir)

    # -- subprocess mode ------------------------------------------------------------------------
    def _start_subprocess(self) -> None:
        from .__main__ import READY_MARKER

        env = {**os.environ, **FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": self.region, **self.env,
               "PYTHONUNBUFFERED": "1"}
        env.pop("AWS_ENDPOINT_URL", None)  # the cloud itself must not point at another cloud
        command = [sys.executable, "-m", "local_cloud", "--host", self.host, "--port", str(self.port),
                   "--stop-with-stdin"]
        if self.state_dir:
            command += ["--state-dir", str(self.state_dir)]
        if self.allow_remote:
            command.append("--allow-remote")
        log_file = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115 - closed by _drain
        # Its own process group: a Ctrl-C in the terminal interrupts the owner (which then cleans up and
        # stops the cloud) instead of killing the cloud under it (the demo's --keep relies on this).
        group = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if sys.platform == "win32"
                 else {"start_new_session": True})
        self._process = subprocess.Popen(
            # Its stdin is a pipe only we hold: if this process dies without stopping it, the pipe
            # closes and the cloud stops itself (no orphans).
            command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=log_file or subprocess.STDOUT, **group,
        )
        deadline = time.monotonic() + self.startup_timeout
        seen: list[str] = []
        assert self._process.stdout is not None
        while time.monotonic() < deadline:
            raw = self._process.stdout.readline()
            if not raw:
                break
            line = raw.decode(errors="replace").rstrip()
            seen.append(line)
            if log_file:
                log_file.write(raw)
                log_file.flush()
            if line.startswith(READY_MARKER):
                self.port = int(line.rsplit(":", 1)[1])
                # Keep draining its output so the child never blocks on a full pipe.
                threading.Thread(target=self._drain, args=(log_file,), daemon=True).start()
                return
        self._process.kill()
        self._process.wait(5)
        self._process.stdout.close()
        if log_file:
            log_file.close()
        raise RuntimeError("the local cloud did not start:\n" + "\n".join(seen[-30:]))

    def _drain(self, log_file: Any) -> None:
        assert self._process is not None and self._process.stdout is not None
        for raw in self._process.stdout:
            if log_file:
                log_file.write(raw)
                log_file.flush()
        self._process.stdout.close()  # the cloud has exited: its output ended
        if log_file:
            log_file.close()

    def _stop_subprocess(self, timeout: float) -> None:
        if self._process is None:
            return
        if self._process.poll() is not None:  # it died (killed, crashed): only our end of its stdin is left
            if self._process.stdin is not None:
                with contextlib.suppress(OSError):
                    self._process.stdin.close()
            return
        try:  # a clean shutdown over HTTP also works on Windows, where there is no SIGTERM
            self.send_control("shutdown")
        except control.ControlError:
            self._process.terminate()
        if self._process.stdin is not None:
            self._process.stdin.close()  # the cloud also stops when this pipe closes
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)

    # -- thread mode ----------------------------------------------------------------------------
    def _start_thread(self) -> None:
        from .server import LocalCloudServer

        if LocalCloud._thread_cloud_running:
            raise RuntimeError("a thread-mode local cloud is already running in this process")
        reset_moto_state()
        settings = Settings(host=self.host, port=self.port, region=self.region, allow_remote=self.allow_remote,
                            state_dir=self.state_dir)
        self._server = LocalCloudServer(settings)
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._server.start())
            except BaseException as error:  # noqa: BLE001 - reported to the starting thread
                errors.append(error)
                loop.close()
                ready.set()
                return
            ready.set()
            loop.run_until_complete(self._server.stopped.wait())
            loop.run_until_complete(self._server.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="local-cloud", daemon=True)
        self._thread.start()
        ready.wait(self.startup_timeout)
        if errors:
            raise RuntimeError(f"the local cloud did not start: {errors[0]}") from errors[0]
        self.port = settings.port
        LocalCloud._thread_cloud_running = True

    def _stop_thread(self, timeout: float) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._server.stopped.set)
        self._thread.join(timeout)
        self._thread = None
        LocalCloud._thread_cloud_running = False


def reset_moto_state() -> None:
    """Forget every resource moto holds in this process (thread mode starts clean)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
