"""The worker's pipes: messages read by the bootstrap, each invocation's complete log, a closed stdin ends it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_lambda_runtime import create_role, deploy, invoke

from local_cloud import LocalCloud
from local_cloud.lambda_runtime.worker import BOOTSTRAP

# Python's print, the logging module, and C-level writes to fd 1 and fd 2 (what an extension's printf does).
MIXED_OUTPUT = """
    import os, sys

    def handler(event, context):
        n = event["n"]
        print(f"print {n} one")
        os.write(1, f"fd1 {n}\\n".encode())
        sys.stderr.write(f"stderr {n}\\n")
        os.write(2, f"fd2 {n}\\n".encode())
        print(f"print {n} two", end="")  # no newline: still flushed before the log ends
        return n
"""


CRASH_AFTER_WRITING = """
    import os

    def handler(event, context):
        print("before the crash")
        os.write(2, b"fd2 before the crash\\n")
        os._exit(3)
"""


@pytest.fixture(scope="module", params=["forked", "spawned"])
def any_cloud(request, cloud):
    """The module's cloud (workers forked from the fork server), and one that spawns each worker."""
    if request.param == "forked":
        yield cloud
        return
    with LocalCloud(env={"LOCAL_CLOUD_LAMBDA_FORK": "0"}) as spawning:
        yield spawning


def test_every_write_is_in_its_own_invocations_log_in_order(any_cloud):
    cloud = any_cloud
    lam = cloud.client("lambda")
    name = deploy(cloud, create_role(cloud), MIXED_OUTPUT)
    for n in range(3):
        response, body = invoke(lam, name, {"n": n}, LogType="Tail")
        assert body == n
        lines = base64.b64decode(response["LogResult"]).decode().splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("START RequestId"))
        written = lines[start + 1:start + 6]
        assert written == [f"print {n} one", f"fd1 {n}", f"stderr {n}", f"fd2 {n}", f"print {n} two"], lines
        assert lines[start + 6].startswith("END RequestId") and lines[start + 7].startswith("REPORT RequestId")
        assert "Max Memory Used: " in lines[start + 7]


def test_a_crashed_worker_is_reported_with_what_it_wrote(any_cloud):
    lam = any_cloud.client("lambda")
    name = deploy(any_cloud, create_role(any_cloud), CRASH_AFTER_WRITING)
    response, body = invoke(lam, name, LogType="Tail")
    assert response["FunctionError"] == "Unhandled" and body["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in body["errorMessage"]
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "before the crash\nfd2 before the crash\n" in tail and "REPORT RequestId" in tail, tail


@pytest.mark.skipif(sys.platform == "win32", reason="process groups")
def test_a_closed_stdin_ends_a_worker_while_its_handler_is_busy():
    """The local cloud closing the pipe (stop, or its own death) ends the worker at once, not after the handler."""
    root = tempfile.mkdtemp(prefix="worker-pipes-")
    Path(root, "app.py").write_text("import time\n\ndef handler(event, context):\n    time.sleep(600)\n")
    worker = subprocess.Popen([sys.executable, str(BOOTSTRAP)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env={"PATH": os.environ.get("PATH", "")},
                              start_new_session=True)
    assert worker.stdin is not None and worker.stdout is not None
    try:
        assert json.loads(worker.stdout.readline())["op"] == "ready"
        function = {"function_name": "busy", "function_version": "$LATEST", "memory_size": 128,
                    "log_group_name": "/aws/lambda/busy", "log_stream_name": "busy"}
        send(worker, {"op": "init", "handler": "app.handler", "task_root": root,
                      "local_cloud_url": "http://127.0.0.1:9", "environment": {}, "function": function})
        assert json.loads(worker.stdout.readline())["ok"] is True
        send(worker, {"op": "invoke", "request_id": "busy-1", "deadline_ms": 0, "invoked_function_arn": "arn",
                      "client_context": None, "event": {}})
        worker.stdin.close()
        worker.wait(30)  # raises if the sleeping handler kept it alive
        assert worker.stdout.read() == b""  # no reply: it ended mid-invocation
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        worker.stdout.close()


def send(worker: subprocess.Popen, message: dict) -> None:
    assert worker.stdin is not None
    worker.stdin.write(json.dumps(message).encode() + b"\n")
    worker.stdin.flush()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_the_peak_memory_is_read_afresh_each_time_and_by_the_process_that_reads_it():
    """The worker keeps /proc/self/status open; every read is new, and a forked child opens its own."""
    from local_cloud.lambda_runtime import bootstrap

    bootstrap._reset_peak()  # this test process may have peaked higher before: start from its size now
    first = bootstrap._peak_bytes()
    assert first is not None
    block = bytearray(64 * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])  # touch every page: it is resident now
    assert bootstrap._peak_bytes() >= first + 48 * 1024 * 1024
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own status file, not the one its parent opened
        bootstrap._peak_bytes()
        os.write(write_end, str(bootstrap._status[0] if bootstrap._status else 0).encode())
        os._exit(0)
    os.close(write_end)
    reader = os.fdopen(read_end, "rb")
    try:
        assert int(reader.read()) == pid
    finally:
        reader.close()
        os.waitpid(pid, 0)
    del block


@pytest.mark.parametrize("own_log_pipe", [True, False], ids=["own pipe", "asyncio's stream (Windows)"])
def test_a_spawned_worker_gives_the_same_log_whichever_way_its_pipe_is_read(monkeypatch, tmp_path, own_log_pipe):
    """Windows' event loop cannot read a pipe of our own: there the log comes from asyncio's stream, by a task."""
    import asyncio
    import textwrap
    import time

    from local_cloud.lambda_runtime import worker as worker_module

    monkeypatch.setattr(worker_module, "OWN_LOG_PIPE", own_log_pipe)
    (tmp_path / "app.py").write_text(textwrap.dedent(MIXED_OUTPUT))
    function = {"function_name": "pipes", "function_version": "$LATEST", "memory_size": 128,
                "log_group_name": "/aws/lambda/pipes", "log_stream_name": "pipes"}

    async def run() -> list[tuple[bytes, str]]:
        worker = await worker_module.Worker.spawn()
        try:
            await worker.wait_ready(60)
            init = await worker.exchange({"op": "init", "handler": "app.handler", "task_root": str(tmp_path),
                                          "local_cloud_url": "http://127.0.0.1:9", "environment": {},
                                          "function": function}, "init", 60)
            assert init.reply is not None and init.reply["ok"], init
            results = []
            for n in range(3):
                message = {"op": "invoke", "request_id": f"r{n}", "deadline_ms": int(time.time() * 1000) + 60_000,
                           "invoked_function_arn": "arn", "client_context": None}
                exchange = await worker.exchange(message, f"r{n}", 60, event_json=json.dumps({"n": n}))
                assert exchange.reply is not None and exchange.reply["ok"], exchange
                results.append((exchange.reply["payload"], exchange.log))
            return results
        finally:
            await worker.stop()

    for n, (payload, log) in enumerate(asyncio.run(run())):
        assert payload == str(n).encode()
        assert log.splitlines() == [f"print {n} one", f"fd1 {n}", f"stderr {n}", f"fd2 {n}", f"print {n} two"], log
