"""Worker limits: the per-function bound, idle retirement, and no worker left behind when the cloud stops."""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_lambda_runtime import PID_HANDLER, create_role, deploy, invoke

from local_cloud import LocalCloud

LIMITS = {"LOCAL_CLOUD_LAMBDA_MAX_WORKERS": "2", "LOCAL_CLOUD_LAMBDA_IDLE_SECONDS": "1"}


@pytest.fixture(scope="module")
def small_cloud():
    with LocalCloud(env=LIMITS) as running:
        yield running


def test_overlapping_invocations_never_exceed_the_bound(small_cloud):
    lam = small_cloud.client("lambda")
    name = deploy(small_cloud, create_role(small_cloud), PID_HANDLER)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: invoke(lam, name, {"sleep": 1.0}), range(6)))
    assert all("FunctionError" not in response for response, _ in results)
    assert len({body["pid"] for _, body in results}) == 2  # six callers, two workers: the rest waited


def test_waiting_for_a_worker_does_not_count_toward_the_timeout(small_cloud):
    """Six 0.6 s invocations on two workers: the last ones wait over a second, yet the 1 s timeout never fires."""
    lam = small_cloud.client("lambda")
    name = deploy(small_cloud, create_role(small_cloud), PID_HANDLER, Timeout=1)
    invoke(lam, name)  # a warm worker first, so no cold start is waited for either
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: invoke(lam, name, {"sleep": 0.6}), range(6)))
    assert len({body.get("pid") for _, body in results}) <= 2  # so four of them queued behind others
    assert [response.get("FunctionError") for response, _ in results] == [None] * 6, results


def test_idle_workers_are_retired(small_cloud):
    lam = small_cloud.client("lambda")
    name = deploy(small_cloud, create_role(small_cloud), PID_HANDLER)
    _, first = invoke(lam, name)
    wait_until_gone([first["pid"]], timeout=15)
    _, second = invoke(lam, name)
    assert second["pid"] != first["pid"]


def test_stopping_the_cloud_stops_every_worker():
    cloud = LocalCloud().start()
    try:
        pids = start_some_workers(cloud)
    finally:
        cloud.stop()
    wait_until_gone(pids, timeout=15)


@pytest.mark.skipif(sys.platform == "win32", reason="kills the cloud with a signal")
def test_workers_exit_when_the_cloud_dies():
    """A worker whose stdin closes exits: no orphans even if the cloud is killed outright."""
    cloud = LocalCloud().start()
    try:
        pids = start_some_workers(cloud)
    finally:
        assert cloud._process is not None
        cloud._process.kill()
        cloud._process.wait(10)
        cloud.stop()  # it is dead already: this closes our end of its stdin
    wait_until_gone(pids, timeout=15)


def start_some_workers(cloud: LocalCloud) -> list[int]:
    """Run two functions, one of them on two workers; return every worker pid (spares included where visible)."""
    lam, role = cloud.client("lambda"), create_role(cloud)
    names = [deploy(cloud, role, PID_HANDLER), deploy(cloud, role, PID_HANDLER)]
    with ThreadPoolExecutor(3) as pool:
        jobs = [(names[0], 0.5), (names[0], 0.5), (names[1], 0)]
        results = list(pool.map(lambda job: invoke(lam, job[0], {"sleep": job[1]}), jobs))
    pids = {body["pid"] for _, body in results}
    assert len(pids) == 3
    assert cloud._process is not None
    pids |= set(child_pids(cloud._process.pid))  # the spare worker, where /proc shows it
    return sorted(pids)


def child_pids(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def alive(pid: int) -> bool:
    if sys.platform == "win32":
        import subprocess

        listing = subprocess.run(["tasklist", "/FI", f"PID eq {pid}"], capture_output=True, text=True).stdout
        return str(pid) in listing
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie waiting for its parent to read its status has already ended
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def wait_until_gone(pids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            pytest.fail(f"worker processes still running: {[pid for pid in pids if alive(pid)]}")
        time.sleep(0.1)
