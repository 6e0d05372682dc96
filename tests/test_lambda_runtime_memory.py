"""MemorySize is enforced as on AWS, and REPORT's Max Memory Used tells what the handler used (real workers)."""

from __future__ import annotations

import base64
import re
import sys

import pytest
from test_lambda_runtime import create_role, deploy, invoke, wait_for_log
from test_lambda_runtime_limits import alive, wait_until_gone

from local_cloud import LocalCloud

MAX_MEMORY_USED = re.compile(r"Memory Size: (\d+) MB\tMax Memory Used: (\d+) MB")
OOM_MESSAGE = re.compile(r"^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$")
# Allocates `mb` megabytes and touches every page, so they are really resident.
HOG = """
    import os

    kept = []

    def handler(event, context):
        block = bytearray(event.get("mb", 0) * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        if event.get("keep"):
            kept.append(block)
        return {"pid": os.getpid()}
"""
# Starts a child process that allocates `mb` megabytes and waits.
CHILD_HOG = """
    import os, subprocess, sys, time

    def handler(event, context):
        code = ("b = bytearray(%d * 1024 * 1024)\\n"
                "for i in range(0, len(b), 4096): b[i] = 1\\n"
                "import time; time.sleep(1000)") % event["mb"]
        child = subprocess.Popen([sys.executable, "-c", code])
        print("started child", child.pid, flush=True)
        time.sleep(event.get("wait", 3))
        return {"pid": os.getpid(), "child": child.pid}
"""


def report(response) -> tuple[int, int, str]:
    """(Memory Size, Max Memory Used, the whole REPORT line) from a LogType=Tail response."""
    line = [text for text in base64.b64decode(response["LogResult"]).decode().splitlines()
            if text.startswith("REPORT")][-1]
    match = MAX_MEMORY_USED.search(line)
    assert match, line
    return int(match[1]), int(match[2]), line


@pytest.fixture(scope="module")
def lam(cloud):
    return cloud.client("lambda")


@pytest.fixture(scope="module")
def role(cloud):
    return create_role(cloud)


def test_max_memory_used_is_what_the_handler_used_not_the_worker(cloud, lam, role):
    trivial = deploy(cloud, role, "def handler(event, context):\n    return 1\n")
    response, _ = invoke(lam, trivial, LogType="Tail")
    size, used, _ = report(response)
    assert size == 128
    assert 25 <= used <= 50, used  # AWS shows about 30 MB for a trivial Python handler; the worker holds ~3x that

    with_boto3 = deploy(cloud, role, """
        import boto3

        table = boto3.resource("dynamodb").Table("anything")

        def handler(event, context):
            return 1
    """)
    _, boto3_used, _ = report(invoke(lam, with_boto3, LogType="Tail")[0])
    assert boto3_used > used + 15  # importing boto3 costs memory on AWS; the worker had it already

    hog = deploy(cloud, role, HOG, MemorySize=256)
    _, hog_used, line = report(invoke(lam, hog, {"mb": 80}, LogType="Tail")[0])
    assert used + 75 <= hog_used <= used + 110, line


def test_a_handler_past_memory_size_fails_as_on_aws_and_its_worker_is_replaced(cloud, lam, role):
    name = deploy(cloud, role, HOG, MemorySize=128)
    response, first = invoke(lam, name, {"mb": 10})
    assert "FunctionError" not in response

    response, body = invoke(lam, name, {"mb": 400}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.OutOfMemory"
    assert OOM_MESSAGE.match(body["errorMessage"]), body
    size, used, line = report(response)
    assert used == size == 128
    assert line.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"{body['errorMessage']}\nRuntime.OutOfMemory" in tail
    assert "MemorySize=256" in tail  # the hint: what to change
    wait_until_gone([first["pid"]], timeout=10)

    response, again = invoke(lam, name, {"mb": 10})
    assert "FunctionError" not in response and again["pid"] != first["pid"]
    wait_for_log(cloud, name, "Error Type: Runtime.OutOfMemory")

    lam.update_function_configuration(FunctionName=name, MemorySize=1024)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    response, _ = invoke(lam, name, {"mb": 400})
    assert "FunctionError" not in response


def test_memory_kept_across_invocations_counts(cloud, lam, role):
    """Max Memory Used is the execution environment's peak: a module-level cache that grows ends in a kill."""
    name = deploy(cloud, role, HOG, MemorySize=128)
    used = []
    for _ in range(6):
        response, body = invoke(lam, name, {"mb": 20, "keep": True}, LogType="Tail")
        used.append(report(response)[1])
        if response.get("FunctionError"):
            break
    assert body["errorType"] == "Runtime.OutOfMemory", used
    assert used == sorted(used) and len(used) >= 3


def test_memory_at_import_time_counts_too(cloud, lam, role):
    name = deploy(cloud, role, """
        block = bytearray(400 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1

        def handler(event, context):
            return 1
    """)
    response, body = invoke(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.OutOfMemory" and OOM_MESSAGE.match(body["errorMessage"])


@pytest.mark.skipif(sys.platform == "win32", reason="the handler's child is found through the process tree")
def test_memory_of_the_processes_a_handler_starts_counts_and_they_die_with_it(cloud, lam, role):
    name = deploy(cloud, role, CHILD_HOG, MemorySize=128, Timeout=30)
    response, body = invoke(lam, name, {"mb": 300, "wait": 10}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled" and body["errorType"] == "Runtime.OutOfMemory", body
    child = re.search(r"started child (\d+)", base64.b64decode(response["LogResult"]).decode())
    assert child, "the handler did not log its child"
    wait_until_gone([int(child[1])], timeout=10)


def test_without_enforcement_the_use_is_still_reported():
    with LocalCloud(env={"LOCAL_CLOUD_LAMBDA_ENFORCE_MEMORY": "0"}) as cloud:
        lam = cloud.client("lambda")
        name = deploy(cloud, create_role(cloud), HOG, MemorySize=128)
        response, body = invoke(lam, name, {"mb": 200}, LogType="Tail")
        assert "FunctionError" not in response, body
        size, used, _ = report(response)
        assert used > size
        assert alive(body["pid"])
