"""The local cloud starts, serves every AWS API the workshop uses on one port, and stops cleanly."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from local_cloud import LocalCloud


def test_one_endpoint_serves_every_service(cloud):
    assert cloud.client("sts").get_caller_identity()["Account"]
    cloud.client("iam").list_roles()
    cloud.client("lambda").list_functions()
    cloud.client("dynamodb").list_tables()
    cloud.client("apigatewayv2").get_apis()
    cloud.client("logs").describe_log_groups()


def test_health_describes_the_endpoint(cloud):
    health = cloud.health()
    assert health["endpoint_url"] == cloud.endpoint_url
    assert health["websocket_base"] == cloud.ws_base


def test_unknown_control_action_is_a_clear_404(cloud):
    with pytest.raises(urllib.request.HTTPError) as error:
        urllib.request.urlopen(f"{cloud.endpoint_url}/_local_cloud/nothing")
    assert error.value.code == 404


def test_subprocess_cloud_stops_cleanly():
    cloud = LocalCloud(mode="subprocess").start()
    process = cloud._process
    cloud.client("dynamodb").list_tables()
    cloud.stop()
    assert process.returncode == 0


def test_thread_cloud_starts_and_stops_in_process():
    with LocalCloud(mode="thread") as cloud:
        assert cloud.port != 0
        assert cloud.client("sts").get_caller_identity()["Account"]
        with pytest.raises(RuntimeError):
            LocalCloud(mode="thread").start()
    # once stopped, a new one can start
    with LocalCloud(mode="thread") as again:
        assert again.client("dynamodb").list_tables()["TableNames"] == []


def test_cli_refuses_a_busy_port_with_a_hint(cloud):
    result = subprocess.run(
        [sys.executable, "-m", "local_cloud", "--port", str(cloud.port)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "--port" in result.stderr
