"""The local cloud starts, serves every AWS API the workshop uses on one port, and stops cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from local_cloud import LocalCloud, control


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
    with pytest.raises(control.ControlError, match=r"HTTP 404\): unknown control action 'nothing'"):
        cloud.send_control("nothing")


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


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie child of someone else counts as gone too
    try:
        with open(f"/proc/{pid}/status") as status:
            return "zombie" in status.read()
    except OSError:
        return True


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL and /proc")
def test_cloud_stops_itself_when_its_owner_is_killed():
    # An owner killed outright (a test run interrupted, a kernel killed) cannot stop its cloud;
    # the cloud must notice and stop, instead of lingering with its Lambda workers.
    owner = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from local_cloud import LocalCloud\n"
         "cloud = LocalCloud().start()\n"
         "print(cloud._process.pid, flush=True)\n"
         "time.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    with owner.stdout:
        cloud_pid = int(owner.stdout.readline())
        assert not _process_gone(cloud_pid)
        owner.kill()
        owner.wait(10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _process_gone(cloud_pid):
        time.sleep(0.2)
    assert _process_gone(cloud_pid), "the local cloud outlived its owner"
