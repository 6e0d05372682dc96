"""The CLI: every command has --help, and deploy/status/check/destroy work end to end on a local cloud."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ["deploy", "destroy", "check", "status", "stop", "lab", "notebooks", "url"]


def workshop(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workshop", *args], cwd=ROOT, env={**os.environ, **(env or {})},
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)


def test_main_help_lists_every_command():
    result = workshop("--help")
    assert result.returncode == 0
    for command in [*COMMANDS, "demo", "chat"]:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command):
    result = workshop(command, "--help")
    assert result.returncode == 0 and f"python -m workshop {command}" in result.stdout


def test_deploy_status_check_destroy_on_a_local_cloud(cloud):
    env = {**cloud.environ, "WORKSHOP_PREFIX": "cli"}
    before = workshop("check", "02", env=env)
    assert before.returncode == 1
    assert "❌ DynamoDB table cli-connections exists" in before.stdout and "fix: run step 02_dynamodb_table" in before.stdout

    deployed = workshop("deploy", env=env)
    assert deployed.returncode == 0, deployed.stderr
    assert f"Connect to: {cloud.ws_base}/" in deployed.stdout

    status = workshop("status", env=env)
    assert "function  cli-sendPublic" in status.stdout and f"Chat URL: {cloud.ws_base}/" in status.stdout

    checked = workshop("check", env=env)
    assert checked.returncode == 0, checked.stdout
    assert "Summary: 00 ✅  01 ✅  02 ✅  03 ✅  04 ✅  05 ✅  06 ✅" in checked.stdout

    dry = workshop("destroy", "--dry-run", env=env)
    assert dry.returncode == 0 and "Dry run: nothing was deleted." in dry.stdout
    assert "cli-lambda-role" in workshop("status", env=env).stdout

    destroyed = workshop("destroy", env=env)
    assert destroyed.returncode == 0 and "✅ nothing with prefix 'cli' is left" in destroyed.stdout
    assert "Nothing of prefix 'cli' is deployed." in workshop("status", env=env).stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_default_target_starts_a_background_local_cloud_once(tmp_path):
    port = free_port()
    env = {"WORKSHOP_LOCAL_PORT": str(port), "WORKSHOP_STATE_DIR": str(tmp_path), "WORKSHOP_PREFIX": "bg"}
    env_without_endpoint = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    os_env = {**env_without_endpoint, **env}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "workshop", *args], cwd=ROOT, env=os_env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)

    try:
        assert "local cloud not running" in run("status").stdout
        first = run("check", "00")
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"Target: the local cloud at http://127.0.0.1:{port}" in first.stdout
        pid = int((tmp_path / "local-cloud.pid").read_text())
        assert (tmp_path / "local-cloud.log").exists()
        status = run("status")
        assert f"local cloud running at http://127.0.0.1:{port} (pid {pid})" in status.stdout
        assert run("check", "00").returncode == 0
        assert int((tmp_path / "local-cloud.pid").read_text()) == pid  # reused, not started twice
        assert "The local cloud stopped." in run("stop").stdout
        assert "local cloud not running" in run("status").stdout
    finally:
        # Never leave the background cloud this test started behind, even when an assertion failed.
        pid_file = tmp_path / "local-cloud.pid"
        with contextlib.suppress(OSError, ValueError):
            if pid_file.exists():
                os.kill(int(pid_file.read_text()), signal.SIGTERM)


def background_env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    """The default target (the background cloud) on `port`, with its state in tmp_path."""
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "WORKSHOP_TARGET")}
    return {**env, "WORKSHOP_LOCAL_PORT": str(port), "WORKSHOP_STATE_DIR": str(tmp_path), **extra}


def run_default(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workshop", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def test_status_agrees_with_the_port_error_when_something_else_holds_the_port(tmp_path):
    with socket.socket() as squatter:  # another program on the port, not speaking the local cloud's health
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = background_env(tmp_path, port)
        status = run_default(env, "status")
        assert status.returncode == 1
        assert f"Port {port} is taken by something that is not the workshop's local cloud" in status.stdout
        assert "local cloud not running" not in status.stdout
        chat = run_default(env, "chat", "--name", "Ana")
        assert chat.returncode == 1
        assert f"Port {port} is taken by something that is not the workshop's local cloud" in chat.stderr


def test_chat_without_a_cloud_says_what_to_run_and_starts_nothing(tmp_path):
    port = free_port()
    chat = run_default(background_env(tmp_path, port), "chat", "--name", "Ana")
    assert chat.returncode == 1
    assert f"No local cloud is running at http://127.0.0.1:{port}, so there is no chat to join" in chat.stderr
    assert "make demo ARGS=--keep" in chat.stderr
    assert not (tmp_path / "local-cloud.pid").exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "a local cloud was started only to report an error"


def test_lab_as_root_allows_it_with_a_note(capsys):
    from workshop.cli import lab_command

    as_root = lab_command(["--no-browser"], as_root=True)
    assert as_root[-2:] == ["--no-browser", "--allow-root"]
    assert "running as root" in capsys.readouterr().out
    assert "--allow-root" not in lab_command(["--no-browser"], as_root=False)
    assert lab_command(["--allow-root"], as_root=True).count("--allow-root") == 1
