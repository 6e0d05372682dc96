"""free_port: a loopback port nothing listens on (free a moment ago), for a cloud a test starts itself."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
