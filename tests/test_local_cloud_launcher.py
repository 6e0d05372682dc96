"""The one launcher (local_cloud/launcher.py): a detached cloud is started once, found again, and stopped;
its port is read when asked, and something else on the port is named, not fought."""

from __future__ import annotations

import contextlib
import os
import signal
import socket

import pytest

from local_cloud import launcher
from local_cloud.config import FAKE_CLIENT_CREDENTIALS, FAKE_CREDENTIALS, default_port
from tests.helpers.ports import free_port


def test_a_detached_cloud_is_started_once_found_again_and_stopped(tmp_path):
    background = launcher.BackgroundCloud(tmp_path / "state", port=free_port())
    assert not background.status().running and not background.status().port_taken
    try:
        started = background.ensure_running()
        pid = int(background.pid_path.read_text())
        assert started.running and started.pid == pid and started.url == background.url
        assert launcher.health(background.url)["service"] == "local_cloud"
        assert "Local cloud listening on" in background.log_path.read_text()
        # Another starter (a second kernel) finds it: the same instance, no second process.
        again = launcher.BackgroundCloud(tmp_path / "state", port=background.port).ensure_running()
        assert again.pid == pid and again.health["instance"] == started.health["instance"]
        assert background.stop() is True
        assert launcher.health(background.url, timeout=0.5) is None
        assert not background.pid_path.exists()
        assert background.stop() is False  # nothing left to stop
    finally:
        with contextlib.suppress(OSError, ValueError):  # never leave it behind when an assertion failed
            if background.pid_path.exists():
                os.kill(int(background.pid_path.read_text()), signal.SIGTERM)


def test_something_else_on_the_port_is_named_not_replaced(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        background = launcher.BackgroundCloud(tmp_path, port=port)
        assert background.status().port_taken
        with pytest.raises(launcher.PortTaken) as taken:
            background.ensure_running()
        assert taken.value.port == port and not background.pid_path.exists()


def test_the_default_port_is_read_when_asked(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKSHOP_LOCAL_PORT", raising=False)
    assert default_port() == 4566
    monkeypatch.setenv("WORKSHOP_LOCAL_PORT", "4999")
    assert default_port() == 4999 and launcher.BackgroundCloud(tmp_path).url == "http://127.0.0.1:4999"
    monkeypatch.setenv("WORKSHOP_LOCAL_PORT", "four")
    with pytest.raises(ValueError, match="WORKSHOP_LOCAL_PORT='four' is not a port"):
        default_port()


def test_the_workshop_explains_a_bad_port(monkeypatch):
    from workshop import background_cloud
    from workshop.errors import LocalCloudError

    monkeypatch.setenv("WORKSHOP_LOCAL_PORT", "99999")
    with pytest.raises(LocalCloudError) as bad:
        background_cloud.cloud()
    assert "WORKSHOP_LOCAL_PORT='99999' is not a port number" in str(bad.value)
    assert "unset it for the default 4566" in str(bad.value)


def test_the_fake_credentials_are_one_pair(cloud):
    as_variables = {"AWS_ACCESS_KEY_ID": FAKE_CLIENT_CREDENTIALS["aws_access_key_id"],
                    "AWS_SECRET_ACCESS_KEY": FAKE_CLIENT_CREDENTIALS["aws_secret_access_key"]}
    assert as_variables == FAKE_CREDENTIALS
    assert cloud.client_kwargs.items() >= FAKE_CLIENT_CREDENTIALS.items()
    assert cloud.environ.items() >= FAKE_CREDENTIALS.items()
