"""The learner's local cloud on 127.0.0.1:4566, started once in the background and shared by every step."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from local_cloud import control

from .errors import LocalCloudError
from .i18n import _

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOST = "127.0.0.1"
# WORKSHOP_LOCAL_PORT and WORKSHOP_STATE_DIR move the background cloud (tests use a free port and a temp dir).
DEFAULT_PORT = int(os.environ.get("WORKSHOP_LOCAL_PORT") or 4566)
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
STATE_DIR = Path(os.environ.get("WORKSHOP_STATE_DIR") or PROJECT_ROOT / ".workshop")
LOG_PATH = STATE_DIR / "local-cloud.log"
PID_PATH = STATE_DIR / "local-cloud.pid"


@dataclass
class CloudStatus:
    url: str
    running: bool
    pid: int | None
    log_path: Path
    health: dict[str, object] | None
    port_taken: bool = False  # not running, and something else holds the port

    def describe(self) -> str:
        if self.running:
            if self.pid:
                return _("local cloud running at {url} (pid {pid}); log: {log}").format(
                    url=self.url, pid=self.pid, log=self.log_path)
            return _("local cloud running at {url} (started outside the workshop); log: {log}").format(
                url=self.url, log=self.log_path)
        if self.port_taken:
            return port_taken_message()
        return _("local cloud not running at {url}; it starts by itself when a step needs it").format(url=self.url)


def port_taken_message() -> str:
    return _(
        "Port {port} is taken by something that is not the workshop's local cloud. Stop that "
        "program, or run your own cloud elsewhere (python -m local_cloud --port 4567) and point the "
        "workshop at it with AWS_ENDPOINT_URL=http://127.0.0.1:4567."
    ).format(port=DEFAULT_PORT)


def health(url: str = DEFAULT_URL, timeout: float = 2.0) -> dict[str, object] | None:
    """The local cloud's health document, or None when nothing (or something else) answers."""
    try:
        document = control.send(url, "health", timeout=timeout)
    except control.ControlError:
        return None
    return document if document.get("service") == "local_cloud" else None


def _port_is_taken(host: str, port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def _read_pid() -> int | None:
    try:
        return int(PID_PATH.read_text().strip())
    except (OSError, ValueError):
        return None


def status(url: str = DEFAULT_URL) -> CloudStatus:
    document = health(url)
    taken = document is None and url == DEFAULT_URL and _port_is_taken(DEFAULT_HOST, DEFAULT_PORT)
    return CloudStatus(url=url, running=document is not None, pid=_read_pid() if document else None,
                       log_path=LOG_PATH, health=document, port_taken=taken)


def ensure_running(startup_timeout: float = 90.0) -> CloudStatus:
    """Start `python -m local_cloud` detached (it outlives this kernel) unless one already answers."""
    current = status()
    if current.running:
        return current
    if current.port_taken:
        raise LocalCloudError(port_taken_message())
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)  # the cloud itself must not point at another cloud
    command = [sys.executable, "-m", "local_cloud", "--host", DEFAULT_HOST, "--port", str(DEFAULT_PORT)]
    # Detached: a notebook kernel restart or the end of a script must not stop the cloud.
    detach: dict[str, object] = (
        {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS}  # type: ignore[attr-defined]
        if sys.platform == "win32" else {"start_new_session": True}
    )
    with open(LOG_PATH, "ab") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, **detach)  # type: ignore[call-overload]
    PID_PATH.write_text(str(process.pid))
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if health(DEFAULT_URL) is not None:
            return status()
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise LocalCloudError(_(
        "The local cloud did not start (see {log}). Try it in the foreground to see why: python -m local_cloud"
    ).format(log=LOG_PATH))


def stop(timeout: float = 30.0) -> bool:
    """Ask the background local cloud to shut down (with its control secret); True if one was running."""
    if health(DEFAULT_URL) is None:
        return False
    try:
        control.send(DEFAULT_URL, "shutdown")
    except control.ControlError as error:
        if health(DEFAULT_URL, timeout=0.5) is not None:  # not just a connection closed while answering
            raise LocalCloudError(_("Could not stop the local cloud: {error}").format(error=error)) from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and health(DEFAULT_URL, timeout=0.5) is not None:
        time.sleep(0.2)
    PID_PATH.unlink(missing_ok=True)
    return True
