"""Everything a worker starts dies with its execution environment, and a change retires workers at once."""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest
from test_lambda_runtime import create_role, deploy, invoke, make_zip
from test_lambda_runtime_limits import alive, wait_until_gone

from local_cloud import LocalCloud
from local_cloud.lambda_runtime import code_cache

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups and signals")

# Starts two `sleep 1000` children - one in the worker's process group, one that left it (its own session) -
# logs their pids, then returns, sleeps past its timeout, or crashes its worker, as the event says.
SPAWNER = """
    import os, shutil, subprocess, sys, time

    SLEEP = ["sleep", "1000"] if shutil.which("sleep") else [sys.executable, "-c", "import time; time.sleep(1000)"]

    def handler(event, context):
        children = [subprocess.Popen(SLEEP), subprocess.Popen(SLEEP, start_new_session=True)]
        print("children", *[child.pid for child in children], flush=True)
        if event.get("then") == "sleep":
            time.sleep(60)
        if event.get("then") == "crash":
            os._exit(1)
        return {"pid": os.getpid(), "children": [child.pid for child in children]}
"""
# Module state that survives warm invocations.
COUNTER = """
    count = 0

    def handler(event, context):
        global count
        count += 1
        return count
"""


@pytest.fixture(scope="module")
def lam(cloud):
    return cloud.client("lambda")


@pytest.fixture(scope="module")
def role(cloud):
    return create_role(cloud)


def logged_children(response) -> list[int]:
    match = re.search(r"children (\d+) (\d+)", base64.b64decode(response["LogResult"]).decode())
    assert match, "the handler did not log its children"
    return [int(match[1]), int(match[2])]


def spawn(lam, name: str, then: str = "return") -> tuple[dict, list[int]]:
    response, body = invoke(lam, name, {"then": then}, LogType="Tail")
    children = logged_children(response)
    assert all(alive(pid) for pid in children) or then != "return"
    return body, children


def test_children_outlive_an_invocation_but_not_a_timeout(cloud, lam, role):
    name = deploy(cloud, role, SPAWNER, Timeout=2)
    body, children = spawn(lam, name)
    time.sleep(0.5)
    assert all(alive(pid) for pid in [body["pid"], *children])  # warm, as on AWS: they wait for the next call
    _, more = spawn(lam, name, then="sleep")
    wait_until_gone([body["pid"], *children, *more], timeout=10)


def test_children_die_when_the_handler_crashes_its_worker(cloud, lam, role):
    name = deploy(cloud, role, SPAWNER)
    response, body = invoke(lam, name, {"then": "crash"}, LogType="Tail")
    assert body["errorType"] == "Runtime.ExitError"
    wait_until_gone(logged_children(response), timeout=10)


@pytest.mark.parametrize("change", ["delete", "code", "configuration"])
def test_a_change_retires_the_workers_at_once_with_their_children(cloud, lam, role, change):
    name = deploy(cloud, role, SPAWNER)
    body, children = spawn(lam, name)
    if change == "delete":
        lam.delete_function(FunctionName=name)
    elif change == "code":
        lam.update_function_code(FunctionName=name, ZipFile=make_zip({"app.py": COUNTER}))
    else:
        lam.update_function_configuration(FunctionName=name, Timeout=9)
    wait_until_gone([body["pid"], *children], timeout=10)  # no invocation needed: the change alone retires them


def test_a_function_created_again_under_its_name_starts_cold_with_fresh_state(cloud, lam, role):
    name = deploy(cloud, role, COUNTER)
    assert [invoke(lam, name)[1] for _ in range(3)] == [1, 2, 3]
    code = lam.get_function(FunctionName=name)["Configuration"]
    lam.delete_function(FunctionName=name)
    lam.create_function(FunctionName=name, Runtime=code["Runtime"], Role=role, Handler=code["Handler"],
                        Code={"ZipFile": make_zip({"app.py": COUNTER})})
    response, count = invoke(lam, name, LogType="Tail")
    assert count == 1
    assert "Init Duration" in base64.b64decode(response["LogResult"]).decode()


def test_idle_retirement_and_a_clean_stop_end_the_children_too():
    with LocalCloud(env={"LOCAL_CLOUD_LAMBDA_IDLE_SECONDS": "1"}) as cloud:
        lam, role = cloud.client("lambda"), create_role(cloud)
        body, children = spawn(lam, deploy(cloud, role, SPAWNER))
        wait_until_gone([body["pid"], *children], timeout=15)
        body, children = spawn(lam, deploy(cloud, role, SPAWNER))
    wait_until_gone([body["pid"], *children], timeout=15)


def test_a_killed_cloud_leaves_no_process_and_no_code_behind():
    cloud = LocalCloud().start()
    try:
        lam, role = cloud.client("lambda"), create_role(cloud)
        body, children = spawn(lam, deploy(cloud, role, SPAWNER))
        assert cloud._process is not None
        folders = owned_code_folders(cloud._process.pid)
        assert len(folders) == 1 and any(folders[0].iterdir())
    finally:
        assert cloud._process is not None
        os.kill(cloud._process.pid, signal.SIGKILL)
        cloud._process.wait(10)
        cloud.stop()  # it is dead already: this closes our end of its stdin
    wait_until_gone([body["pid"], *children], timeout=10)
    deadline = time.monotonic() + 10
    while folders[0].exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not folders[0].exists()


def owned_code_folders(pid: int) -> list[Path]:
    return [path for path in Path(tempfile.gettempdir()).glob(f"{code_cache.PREFIX}{pid}-*") if path.is_dir()]


def test_a_new_cloud_removes_the_code_a_dead_one_left_behind():
    left = Path(tempfile.gettempdir()) / f"{code_cache.PREFIX}999999999-{int(time.time())}-left"
    (left / "fn").mkdir(parents=True)
    (left / "fn" / "app.py").write_text("X = 1\n")
    try:
        with LocalCloud():
            assert not left.exists()
    finally:
        shutil.rmtree(left, ignore_errors=True)


def test_new_code_is_unpacked_and_compiled_before_its_first_call(cloud, lam, role):
    module = f"m{os.urandom(6).hex()}"
    name = deploy(cloud, role, "", handler=f"{module}.handler",
                  files={f"{module}.py": "def handler(event, context):\n    return 'ready'\n"})
    compiled: list[Path] = []
    deadline = time.monotonic() + 10
    while not compiled and time.monotonic() < deadline:  # done in the background, right after create_function
        compiled = [pyc for folder in owned_code_folders(cloud._process.pid)
                    for pyc in folder.glob(f"*/__pycache__/{module}.*.pyc")]
        time.sleep(0.05)
    assert compiled, "the code was not unpacked and compiled ahead of its first call"
    assert invoke(lam, name)[1] == "ready"
