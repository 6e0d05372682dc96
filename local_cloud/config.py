"""Settings of one local cloud: where it listens and the limits it enforces."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"


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
