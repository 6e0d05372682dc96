"""The one launcher of the local cloud: in this process, as a child process, or detached; and finding one.

    from local_cloud.launcher import LocalCloud, BackgroundCloud, health
    with LocalCloud(mode="thread") as cloud: ...          # in this process (tests that read moto's state)
    with LocalCloud() as cloud: ...                       # a child process that stops with its owner
    BackgroundCloud(state_dir).ensure_running()           # detached: outlives the kernel that started it
    health("http://127.0.0.1:4566")                       # a running cloud's health document, or None

Where it listens by default and the fake credentials its clients use live in config.py; the control
paths (health, shutdown, settings) and their secret in control.py.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import control
from .config import DEFAULT_HOST, FAKE_CREDENTIALS, default_port
from .embedded import PROJECT_ROOT, LocalCloud

__all__ = ["BackgroundCloud", "CloudStatus", "CouldNotStop", "DidNotStart", "LauncherError", "LocalCloud",
           "PortTaken", "health", "port_is_taken", "shutdown"]

PID_FILE = "local-cloud.pid"
LOG_FILE = "local-cloud.log"
# Detached clouds this process started: held so that Python does not warn about (or forget) a child that is
# meant to outlive it, and reaped when they stop while we still run.
_started: list[subprocess.Popen[bytes]] = []


class LauncherError(RuntimeError):
    """Starting or stopping a local cloud failed; subclasses say which way."""


class PortTaken(LauncherError):
    """Something that is not a local cloud holds the port."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} is taken by something that is not a local cloud")
        self.port = port


class DidNotStart(LauncherError):
    """The detached cloud exited, or did not answer in time; its log says why."""

    def __init__(self, log_path: Path) -> None:
        super().__init__(f"the local cloud did not start (see {log_path})")
        self.log_path = log_path


class CouldNotStop(LauncherError):
    """The cloud refused to shut down (e.g. its control secret is not ours)."""


def health(url: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """The local cloud's health document at `url`, or None when nothing (or something else) answers."""
    try:
        document = control.send(url, "health", timeout=timeout)
    except control.ControlError:
        return None
    return document if document.get("service") == "local_cloud" else None


def port_is_taken(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def shutdown(url: str, *, state_dir: str | os.PathLike[str] | None = None, timeout: float = 30.0) -> bool:
    """Ask the cloud at `url` to shut down (with its control secret) and wait until it is gone.

    False when no cloud answered; CouldNotStop when one answers but refuses.
    """
    if health(url) is None:
        return False
    try:
        control.send(url, "shutdown", state_dir=state_dir)
    except control.ControlError as error:
        if health(url, timeout=0.5) is not None:  # not just a connection closed while it answered
            raise CouldNotStop(str(error)) from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and health(url, timeout=0.5) is not None:
        time.sleep(0.2)
    return True


@dataclass
class CloudStatus:
    """What answers at a background cloud's address."""

    url: str
    running: bool
    pid: int | None  # from the pid file, when the running cloud is one this state folder started
    log_path: Path
    health: dict[str, Any] | None
    port_taken: bool = False  # not running, and something else holds the port


class BackgroundCloud:
    """`python -m local_cloud` detached from its starter, its pid and log in `state_dir`.

    A notebook kernel's restart or the end of a script does not stop it; `stop()` (any process of the same
    user) does. Port: WORKSHOP_LOCAL_PORT or 4566, read when this object is made.
    """

    def __init__(self, state_dir: str | os.PathLike[str], port: int | None = None, host: str = DEFAULT_HOST,
                 secret_dir: str | os.PathLike[str] | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.host = host
        self.port = default_port() if port is None else port
        # Where the cloud writes its control secret (None: LOCAL_CLOUD_STATE_DIR or the per-user default).
        self.secret_dir = Path(secret_dir) if secret_dir else None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_path(self) -> Path:
        return self.state_dir / PID_FILE

    @property
    def log_path(self) -> Path:
        return self.state_dir / LOG_FILE

    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def status(self) -> CloudStatus:
        document = health(self.url)
        taken = document is None and port_is_taken(self.host, self.port)
        return CloudStatus(url=self.url, running=document is not None, pid=self._read_pid() if document else None,
                           log_path=self.log_path, health=document, port_taken=taken)

    def ensure_running(self, startup_timeout: float = 90.0) -> CloudStatus:
        """Start it unless a local cloud already answers on the port; PortTaken or DidNotStart otherwise."""
        current = self.status()
        if current.running:
            return current
        if current.port_taken:
            raise PortTaken(self.port)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **FAKE_CREDENTIALS, "PYTHONUNBUFFERED": "1"}
        env.pop("AWS_ENDPOINT_URL", None)  # the cloud itself must not point at another cloud
        command = [sys.executable, "-m", "local_cloud", "--host", self.host, "--port", str(self.port)]
        if self.secret_dir:
            command += ["--state-dir", str(self.secret_dir)]
        # Detached: a notebook kernel restart or the end of a script must not stop the cloud.
        detach: dict[str, object] = (
            {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS}  # type: ignore[attr-defined]
            if sys.platform == "win32" else {"start_new_session": True}
        )
        with open(self.log_path, "ab") as log:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT, **detach)  # type: ignore[call-overload]
        _started.append(process)
        self.pid_path.write_text(str(process.pid))
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if health(self.url) is not None:
                return self.status()
            if process.poll() is not None:
                break
            time.sleep(0.2)
        raise DidNotStart(self.log_path)

    def stop(self, timeout: float = 30.0) -> bool:
        """Shut down the cloud on this port; True if one was running."""
        pid = self._read_pid()
        stopped = shutdown(self.url, state_dir=self.secret_dir, timeout=timeout)
        if stopped:
            self.pid_path.unlink(missing_ok=True)
        for process in [started for started in _started if started.pid == pid]:
            # It stopped answering a moment before it exits: reap it, or it outlives this call as a zombie.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        for process in [started for started in _started if started.poll() is not None]:
            _started.remove(process)  # ended (this one or another): reaped by poll(), no zombie left
        return stopped
