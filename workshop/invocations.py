"""Which Lambda function ran, how long it took and whether it started cold, from the REPORT lines of its log.

Lambda writes one REPORT line per invocation to the function's log group (on AWS and on the local cloud);
`Init Duration` appears only when the invocation started a new execution environment (a cold start).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from .i18n import _

REPORT = re.compile(r"^REPORT RequestId: (?P<request_id>\S+)\s+Duration: (?P<duration>[\d.]+) ms"
                    r"(?:.*?Init Duration: (?P<init>[\d.]+) ms)?")


@dataclass(frozen=True)
class Invocation:
    function: str
    request_id: str
    duration_ms: float
    init_ms: float | None
    timestamp: int  # ms since the epoch, when the log line was written

    @property
    def cold(self) -> bool:
        return self.init_ms is not None

    def describe(self) -> str:
        start = _("cold (init {ms:.0f} ms)").format(ms=self.init_ms) if self.cold else _("warm")
        return f"{self.function} {self.duration_ms:.0f} ms, {start}"


def parse_report(function: str, message: str, timestamp: int) -> Invocation | None:
    match = REPORT.match(message.strip())
    if not match:
        return None
    init = match.group("init")
    return Invocation(function, match.group("request_id"), float(match.group("duration")),
                      float(init) if init else None, timestamp)


class InvocationWatcher:
    """Reads the REPORT lines that appeared since the last look, for a fixed set of functions."""

    def __init__(self, logs_client: Any, functions: list[str]) -> None:
        self.logs = logs_client
        self.functions = functions
        self.since_ms = int(time.time() * 1000) - 60_000
        self._seen: set[str] = set()
        self.new(timeout=0)  # what ran before (e.g. a check's probe) is not news

    def _read(self, function: str) -> list[Invocation]:
        found = []
        try:
            pages = self.logs.get_paginator("filter_log_events").paginate(
                logGroupName=f"/aws/lambda/{function}", startTime=self.since_ms)
            for page in pages:
                for event in page["events"]:
                    invocation = parse_report(function, event["message"], event["timestamp"])
                    if invocation and invocation.request_id not in self._seen:
                        found.append(invocation)
        except self.logs.exceptions.ResourceNotFoundException:
            pass  # no log group yet: the function has not run
        return found

    def new(self, expected: set[str] | frozenset[str] = frozenset(), timeout: float = 3.0) -> list[Invocation]:
        """The invocations not shown yet, oldest first; waits up to `timeout` for one of each `expected` function
        (a REPORT is written when the invocation ends, which can be just after its messages arrived)."""
        found: list[Invocation] = []
        deadline = time.monotonic() + timeout
        while True:
            for function in self.functions:
                found += [i for i in self._read(function) if i.request_id not in {f.request_id for f in found}]
            if expected <= {i.function for i in found} or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        for invocation in found:
            self._seen.add(invocation.request_id)
        return sorted(found, key=lambda invocation: invocation.timestamp)
