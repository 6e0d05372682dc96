"""Processes a worker started: find them, measure their memory, and end them all with the worker.

Linux reads /proc directly (cheap enough to sample every few milliseconds); elsewhere psutil does the work.
Every worker carries an environment variable naming it (WORKER_MARKER); its children inherit it, so even a
process that left the worker's process group (setsid) or was orphaned by a crash can still be found.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

import psutil

WORKER_MARKER = "_LOCAL_CLOUD_WORKER"
LINUX_PROC = sys.platform.startswith("linux") and Path("/proc/self/task").is_dir()
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss(pid: int) -> int:
    """Resident memory of one process in bytes (0 once it has gone)."""
    if LINUX_PROC:
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            return 0
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def descendants(pid: int) -> list[int]:
    """Every process below pid (children, grandchildren...), found while pid is alive."""
    if not LINUX_PROC:
        try:
            return [child.pid for child in psutil.Process(pid).children(recursive=True)]
        except psutil.Error:
            return []
    found: list[int] = []
    queue = [pid]
    while queue:
        parent = queue.pop()
        try:
            threads = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for thread in threads:
            try:
                with open(f"/proc/{parent}/task/{thread}/children", "rb") as children:
                    kids = [int(kid) for kid in children.read().split()]
            except (OSError, ValueError):
                continue
            found.extend(kids)
            queue.extend(kids)
    return found


def kill_group(pgid: int) -> None:
    """SIGKILL a process group (a worker is the leader of its own); nothing on Windows."""
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(psutil.Error, OSError):
            if hasattr(signal, "SIGKILL"):
                os.kill(pid, signal.SIGKILL)
            else:
                psutil.Process(pid).kill()


def kill_marked(value: str, prefix: bool = False) -> list[int]:
    """SIGKILL every process of this user whose WORKER_MARKER is `value` (or starts with it); return their pids."""
    me = os.getpid()
    marked = []
    for process in psutil.process_iter():
        if process.pid == me:
            continue
        try:
            found = process.environ().get(WORKER_MARKER)
        except (psutil.Error, OSError):
            continue
        if found is not None and (found.startswith(value) if prefix else found == value):
            marked.append(process.pid)
    kill(marked)
    return marked


def process_identity(pid: int) -> str | None:
    """pid plus its start time: tells a live owner from a later process that got the same pid."""
    try:
        return f"{pid}-{int(psutil.Process(pid).create_time())}"
    except psutil.Error:
        return None


def new_session() -> dict[str, object]:
    """Popen keywords that start a process in its own session / process group (its children join it)."""
    if sys.platform == "win32":
        import subprocess

        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}
