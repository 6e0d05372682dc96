"""Settings of one local cloud: where it listens and the limits it enforces."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"
# The port of the learner's shared (background) cloud moves with this variable (tests use a free port).
PORT_VARIABLE = "WORKSHOP_LOCAL_PORT"
# Any access key works locally; these are the ones every client of a local cloud uses unless told otherwise.
FAKE_ACCESS_KEY_ID = "test"
FAKE_SECRET_ACCESS_KEY = "test"
# The same pair as environment variables (child processes) and as boto3 keyword arguments.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY}
FAKE_CLIENT_CREDENTIALS = {"aws_access_key_id": FAKE_ACCESS_KEY_ID, "aws_secret_access_key": FAKE_SECRET_ACCESS_KEY}


def default_port() -> int:
    """The shared cloud's port: WORKSHOP_LOCAL_PORT when set (read now, not at import), else 4566."""
    value = os.environ.get(PORT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_PORT
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise ValueError(f"{PORT_VARIABLE}={value!r} is not a port: set it to a number from 1 to 65535, "
                         "or unset it for the default 4566.")
    return port


def default_url(host: str = DEFAULT_HOST) -> str:
    """Where the shared cloud answers: http://127.0.0.1:4566 unless WORKSHOP_LOCAL_PORT moves it."""
    return f"http://{host}:{default_port()}"


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


def default_state_dir() -> Path:
    """Where a local cloud keeps what only its user may read (the control secret): a per-user folder."""
    configured = os.environ.get("LOCAL_CLOUD_STATE_DIR")
    if configured:
        return Path(configured)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "local-cloud"
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "local-cloud"


@dataclass
class Settings:
    """Everything configurable; defaults follow AWS, environment variables override them."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    region: str = field(default_factory=lambda: os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION))
    # Lambda runtime: workers per function run invocations in parallel; more callers wait.
    lambda_max_workers: int = field(default_factory=lambda: _env_int("LOCAL_CLOUD_LAMBDA_MAX_WORKERS", 4))
    lambda_idle_seconds: float = field(default_factory=lambda: _env_float("LOCAL_CLOUD_LAMBDA_IDLE_SECONDS", 300.0))
    # WebSocket gateway limits (API Gateway quotas): idle 10 min, at most 2 h per connection.
    ws_idle_timeout: float = field(default_factory=lambda: _env_float("LOCAL_CLOUD_WS_IDLE_TIMEOUT", 600.0))
    ws_max_duration: float = field(default_factory=lambda: _env_float("LOCAL_CLOUD_WS_MAX_DURATION", 7200.0))
    integration_timeout: float = field(default_factory=lambda: _env_float("LOCAL_CLOUD_INTEGRATION_TIMEOUT", 29.0))
    # Emulated network round trip of each @connections call. Locally a post costs well under a millisecond
    # of CPU, so posting concurrently gains nothing; on AWS each post waits 5-20 ms on the network, which is
    # why the chat posts from a thread pool. Set it (e.g. 10) to see that difference on the local cloud.
    connections_latency_ms: float = field(
        default_factory=lambda: _env_float("LOCAL_CLOUD_CONNECTIONS_LATENCY_MS", 0.0))
    # The network boundary (boundary.py): a non-loopback bind needs allow_remote; web pages at these
    # origins (exact "scheme://host:port" strings) may call the API, besides the cloud's own origin.
    allow_remote: bool = False
    allowed_origins: tuple[str, ...] = field(default_factory=lambda: _env_list("LOCAL_CLOUD_ALLOWED_ORIGINS"))
    # The control secret's folder (control.py); None: default_state_dir().
    state_dir: Path | None = None
    # IAM enforced like AWS (functions run as their role and are held to its policies); "off" turns it off.
    iam: str = field(default_factory=lambda: os.environ.get("LOCAL_CLOUD_IAM", "on"))

    @property
    def advertised_host(self) -> str:
        """The host clients should use: a wildcard bind address is not connectable."""
        return "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host

    @property
    def http_url(self) -> str:
        return f"http://{self.advertised_host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.advertised_host}:{self.port}"
