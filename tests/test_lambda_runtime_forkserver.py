"""Workers forked from the fork server: ready at once, the handler's import still its Init Duration; off when told."""

from __future__ import annotations

import asyncio
import base64
import re
import sys
import time
from pathlib import Path

import pytest
from test_lambda_runtime import create_role, deploy, invoke

from local_cloud import LocalCloud
from local_cloud.lambda_runtime.pool import FunctionPool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server runs on Linux only")

# Its import takes 0.3 s, which must show up as Init Duration; it answers with its pid.
SLOW_IMPORT = """
    import os, time

    time.sleep(0.3)

    def handler(event, context):
        if event.get("exit"):
            raise SystemExit(event["exit"])
        return {"pid": os.getpid()}
"""


@pytest.fixture(scope="module")
def lam(cloud):
    return cloud.client("lambda")


@pytest.fixture(scope="module")
def role(cloud):
    return create_role(cloud)


def parent_command(pid: int) -> str:
    ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return Path(f"/proc/{ppid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def init_duration(response) -> float | None:
    match = re.search(r"Init Duration: ([\d.]+) ms", base64.b64decode(response["LogResult"]).decode())
    return float(match[1]) if match else None


def test_a_forked_worker_reports_the_handlers_import_as_init_duration(cloud, lam, role):
    name = deploy(cloud, role, SLOW_IMPORT)
    response, body = invoke(lam, name, LogType="Tail")
    assert "--forkserver" in parent_command(body["pid"])
    assert init_duration(response) >= 300
    response, again = invoke(lam, name, LogType="Tail")
    assert again["pid"] == body["pid"] and init_duration(response) is None  # warm


def test_simultaneous_cold_starts_each_get_a_forked_worker(cloud, lam, role):
    name = deploy(cloud, role, SLOW_IMPORT.replace("return {", "time.sleep(0.5); return {"))
    lam.update_function_configuration(FunctionName=name, Timeout=30)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)

    async def burst():
        return await asyncio.gather(*(asyncio.to_thread(invoke, lam, name) for _ in range(4)))

    pids = {body["pid"] for _, body in asyncio.run(burst())}
    assert len(pids) == 4
    assert all("--forkserver" in parent_command(pid) for pid in pids)


def test_sys_exit_in_a_forked_worker_is_reported_with_its_status(cloud, lam, role):
    name = deploy(cloud, role, SLOW_IMPORT)
    response, body = invoke(lam, name, {"exit": 3})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorMessage"].endswith("Runtime exited with error: exit status 3")


def test_without_spare_workers_each_worker_imports_boto3_itself(cloud, lam, role):
    """Notebook 08 turns the spare worker off to show real cold starts: that turns forking off too."""
    assert cloud.send_control("settings", {"lambda_spare_workers": 0}) == {"lambda_spare_workers": 0}
    try:
        name = deploy(cloud, role, SLOW_IMPORT)
        _, body = invoke(lam, name)
        assert "--forkserver" not in parent_command(body["pid"])
        assert "local_cloud" in parent_command(body["pid"])  # a child of the cloud itself
    finally:
        cloud.send_control("settings", {"lambda_spare_workers": 1})


# Counts how often botocore reads the disk to find a paginator, then makes a request that must reach the cloud.
PAGINATOR_AND_REQUEST = """
    import os

    import boto3


    def handler(event, context):
        client = boto3.client("dynamodb")
        listed = []
        real_listdir = os.listdir
        os.listdir = lambda *args: listed.append(args) or real_listdir(*args)
        try:
            client.get_paginator("scan")
        finally:
            os.listdir = real_listdir
        try:
            answer = sorted(client.describe_table(TableName="runtime-test"))
        except client.exceptions.ResourceNotFoundException:
            answer = ["ResourceNotFoundException"]
        return {"listed": len(listed), "answer": answer}
"""


def test_a_spare_has_made_the_chats_requests_once_and_the_handlers_requests_still_go_out(cloud, lam, role):
    # The spare's warm-up requests were answered inside it; the paginators' models are listed already (no
    # disk reads in the handler), and the handler's own session is not stubbed: its request reaches the cloud.
    name = deploy(cloud, role, PAGINATOR_AND_REQUEST)
    _, body = invoke(lam, name)
    assert body["listed"] == 0, body
    assert body["answer"] in (["ResourceNotFoundException"], ["ResponseMetadata", "Table"]), body


def test_lambda_fork_0_spawns_every_worker():
    with LocalCloud(env={"LOCAL_CLOUD_LAMBDA_FORK": "0"}) as other:
        role = create_role(other)
        name = deploy(other, role, SLOW_IMPORT)
        response, body = invoke(other.client("lambda"), name, LogType="Tail")
        assert "--forkserver" not in parent_command(body["pid"])
        assert init_duration(response) >= 300


def test_a_cloud_started_without_spares_forks_once_they_are_turned_on():
    with LocalCloud(env={"LOCAL_CLOUD_LAMBDA_SPARE_WORKERS": "0"}) as other:
        assert other._process is not None
        assert not any("--forkserver" in command for command in child_commands(other._process.pid))
        role = create_role(other)
        first = deploy(other, role, SLOW_IMPORT)
        _, body = invoke(other.client("lambda"), first)
        assert "--forkserver" not in parent_command(body["pid"])
        other.send_control("settings", {"lambda_spare_workers": 1})
        second = deploy(other, role, SLOW_IMPORT)
        _, body = invoke(other.client("lambda"), second)
        assert "--forkserver" in parent_command(body["pid"])


def child_commands(pid: int) -> list[str]:
    children = [child for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()]
    return [Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode() for child in children]


class IdleWorker:
    def __init__(self, idle_for: float) -> None:
        self.last_used = time.monotonic() - idle_for
        self.stopped = False

    async def stop(self) -> None:
        self.stopped = True


def retire(pool: FunctionPool, idle_seconds: float = 300.0) -> None:
    asyncio.run(pool.retire_idle(idle_seconds))


def new_pool(workers: list[IdleWorker]) -> FunctionPool:
    pool = FunctionPool(None, 4)  # type: ignore[arg-type] - retirement never starts a worker
    pool._idle = list(workers)  # type: ignore[assignment]
    return pool


def test_idle_workers_beyond_recent_traffic_are_retired_after_30_seconds():
    workers = [IdleWorker(idle_for) for idle_for in (50, 45, 40, 35)]  # the last one was used most recently
    pool = new_pool(workers)
    retire(pool)
    assert [worker.stopped for worker in workers] == [True, True, True, False]  # one stays warm
    assert pool._idle == [workers[3]]


def test_idle_workers_that_recent_traffic_needed_stay():
    workers = [IdleWorker(40) for _ in range(4)]
    pool = new_pool(workers)
    pool._peaks.append((int(time.monotonic()), 3))  # three ran at once a moment ago
    retire(pool)
    assert [worker.stopped for worker in workers] == [True, False, False, False]


def test_recently_used_workers_and_the_idle_timeout():
    recent = [IdleWorker(10) for _ in range(3)]
    pool = new_pool(recent)
    retire(pool)
    assert not any(worker.stopped for worker in recent)  # idle for less than 30 s
    retire(pool, idle_seconds=5)
    assert all(worker.stopped for worker in recent) and pool._idle == []
