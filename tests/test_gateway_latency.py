"""LOCAL_CLOUD_CONNECTIONS_LATENCY_MS makes every @connections call wait like a network round trip on AWS."""

from __future__ import annotations

import time

import pytest

from local_cloud import LocalCloud
from local_cloud.config import Settings


def test_each_connections_call_waits_the_emulated_round_trip():
    with LocalCloud(env={"LOCAL_CLOUD_CONNECTIONS_LATENCY_MS": "300"}) as cloud:
        client = cloud.client("apigatewaymanagementapi")
        started = time.monotonic()
        with pytest.raises(client.exceptions.GoneException):
            client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"hello")
        # A lower bound only: the answer cannot come before the emulated latency (no upper bound on a
        # shared machine).
        assert time.monotonic() - started >= 0.3


def test_the_latency_is_opt_in(monkeypatch):
    monkeypatch.delenv("LOCAL_CLOUD_CONNECTIONS_LATENCY_MS", raising=False)
    assert Settings().connections_latency_ms == 0.0
    monkeypatch.setenv("LOCAL_CLOUD_CONNECTIONS_LATENCY_MS", "12.5")
    assert Settings().connections_latency_ms == 12.5
