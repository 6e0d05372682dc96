"""MemorySize as AWS enforces it: what a function uses (REPORT's Max Memory Used) and a watcher that kills at the limit.

What a function "uses" is measured the way a learner would expect from AWS, not as the worker's raw size:
every worker starts with boto3 already imported (that makes cold starts fast), so its resident memory before
the handler's module is imported is its baseline. Used = a floor for the runtime itself (what AWS's Python
runtime reports for a trivial handler) + what importing boto3 cost, if the handler's code imports it
+ the peak growth over the baseline of the worker and every process it started.

The watcher is one thread: it samples each worker while it runs an init or an invocation (every 10 ms;
its children's list every 50 ms) and kills the worker's whole process group the moment the total goes past
MemorySize. On Linux the worker also reports its own exact peak (VmHWM), which catches a spike shorter than
a sample; so there the first sample of a busy spell comes one interval late, and an invocation shorter than that
costs the watcher nothing. Elsewhere only the samples count, and the first one is taken at once.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from . import processes

MB = 1024 * 1024
# Max Memory Used of a trivial Python handler on AWS (python3.12): the runtime's own share.
RUNTIME_FLOOR_MB = 30
# What importing boto3 costs when a worker cannot measure it (it reports the figure it measured at start).
BOTO3_IMPORT_BYTES = 35 * MB
SAMPLE_SECONDS = 0.01
CHILDREN_EVERY = 5  # samples between two looks for new child processes


@dataclass
class MemoryAccount:
    """One execution environment's memory: its baseline, its peak so far, and its limit."""

    limit_mb: int
    baseline: int  # bytes resident before the handler's module was imported
    boto3_bytes: int = BOTO3_IMPORT_BYTES
    uses_boto3: bool = False
    peak: int = 0  # bytes: the highest total (worker + its processes) seen
    children: list[int] = field(default_factory=list)

    def observe(self, total: int | None) -> None:
        if total:
            self.peak = max(self.peak, total)

    def used_mb(self, total: int | None = None) -> int:
        """Max Memory Used for REPORT (with `total`: what it would be at that size)."""
        peak = max(self.peak, total or 0)
        grown = max(peak - self.baseline, 0) + (self.boto3_bytes if self.uses_boto3 else 0)
        return RUNTIME_FLOOR_MB + math.ceil(grown / MB)

    def exceeded(self, total: int | None = None) -> bool:
        return self.used_mb(total) > self.limit_mb


class Watched(Protocol):
    pid: int
    memory: MemoryAccount | None
    out_of_memory: bool


class MemoryWatch:
    """Samples the workers it is told about (those busy with an init or an invocation) and kills at the limit."""

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        self.interval = interval
        # On Linux the worker reports its own exact peak after each invocation, so the first sample can wait one
        # interval: a warm invocation shorter than that is never sampled from here (no /proc reads competing with
        # the event loop for the GIL on every message); a longer one is sampled as before.
        self.first_sample_delay = interval if processes.LINUX_PROC else 0.0
        self._watched: dict[int, tuple[Watched, int]] = {}  # pid -> (worker, samples taken)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="lambda-memory-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def watch(self, worker: Watched) -> None:
        with self._lock:
            self._watched[worker.pid] = (worker, 0)
        self._wake.set()

    def unwatch(self, worker: Watched) -> None:
        with self._lock:
            self._watched.pop(worker.pid, None)

    def _run(self) -> None:
        while not self._stopping:
            with self._lock:
                busy = list(self._watched.items())
            if not busy:
                self._wake.wait()
                self._wake.clear()
                if self.first_sample_delay:
                    time.sleep(self.first_sample_delay)
                continue
            for pid, (worker, samples) in busy:
                sample(worker, look_for_children=samples % CHILDREN_EVERY == 0)
                with self._lock:
                    if pid in self._watched:
                        self._watched[pid] = (worker, samples + 1)
            time.sleep(self.interval)


def sample(worker: Watched, look_for_children: bool = True) -> int:
    """Measure the worker and its processes once; past the limit, mark it and kill it with everything it started."""
    account = worker.memory
    if account is None or worker.out_of_memory:
        return 0
    if look_for_children:
        account.children = processes.descendants(worker.pid)
    total = processes.rss(worker.pid) + sum(processes.rss(child) for child in account.children)
    if account.exceeded(total):
        worker.out_of_memory = True  # before the kill: whoever sees the worker die must know why
        account.peak = max(account.peak, total)
        processes.kill_group(worker.pid)
        processes.kill([worker.pid, *account.children])
    else:
        account.observe(total)
    return total
