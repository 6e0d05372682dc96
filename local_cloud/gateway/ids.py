"""AWS-shaped identifiers and timestamps for WebSocket connections and their events."""

from __future__ import annotations

import base64
import re
import secrets
import time
from datetime import datetime, timezone
from functools import lru_cache

# API Gateway's connection, request and message ids are 12 random bytes in URL-safe base64
# with one character replaced by "=" at the end: 16 characters such as "BFHPhfCWIAMCKlQ=".
CONNECTION_ID = re.compile(r"^[A-Za-z0-9_-]{15}=$")


def new_id() -> str:
    """A fresh id shaped like API Gateway's: 15 URL-safe base64 characters and a trailing '='."""
    return base64.urlsafe_b64encode(secrets.token_bytes(12)).decode()[:15] + "="


def is_connection_id(value: str) -> bool:
    return bool(CONNECTION_ID.match(value))


def now_ms() -> int:
    return int(time.time() * 1000)


def clf_time(epoch_ms: int) -> str:
    """Common Log Format, as in requestContext.requestTime: 27/Nov/2026:05:05:13 +0000."""
    return _clf_second(epoch_ms // 1000)


@lru_cache(maxsize=4)
def _clf_second(epoch_seconds: int) -> str:
    # Every message's event carries it, and it changes once a second.
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")


def iso_time(epoch_ms: int) -> str:
    """ISO 8601 in UTC, as @connections GetConnection answers connectedAt and lastActiveAt."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
