"""Write function logs into moto's CloudWatch Logs backend (same process), the way Lambda lays them out."""

from __future__ import annotations

import asyncio
import datetime
import logging
import math
import secrets
import time
from collections.abc import Callable

from moto.logs.models import logs_backends

log = logging.getLogger("local_cloud.lambda")

# (account, region, group, stream, group exists, stream exists) -> may the function's role write these logs?
WriteGuard = Callable[[str, str, str, str, bool, bool], bool]
_write_guard: WriteGuard | None = None


def set_write_guard(guard: WriteGuard | None) -> None:
    """Lambda writes a function's logs as its role: IAM decides whether that role may (None: always)."""
    global _write_guard
    _write_guard = guard


def new_log_stream_name(version: str = "$LATEST") -> str:
    """Lambda's naming: one stream per execution environment, `YYYY/MM/DD/[$LATEST]{32 hex}`."""
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{secrets.token_hex(16)}"


def aws_timestamp() -> str:
    """The ISO-8601 UTC time with milliseconds Lambda puts in its timeout message."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def report_line(request_id: str, duration_ms: float, memory_size: int, max_memory_mb: int | None,
                init_ms: float | None, status: str | None = None) -> str:
    """Lambda's REPORT line; `status` (e.g. "Status: timeout") ends it when the invocation did not succeed."""
    used = max_memory_mb if max_memory_mb is not None else 0
    line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(math.ceil(duration_ms), 1)} ms\tMemory Size: {memory_size} MB\t"
            f"Max Memory Used: {used} MB")
    if init_ms is not None:
        line += f"\tInit Duration: {init_ms:.2f} ms"
    if status:
        line += f"\t{status}"
    return line


def invocation_lines(request_id: str, version: str, output: str, report: str, init_output: str = "") -> list[str]:
    """START, what the function wrote, END and REPORT - also what `LogType=Tail` returns."""
    lines = _split(init_output)
    lines.append(f"START RequestId: {request_id} Version: {version}")
    lines.extend(_split(output))
    lines.append(f"END RequestId: {request_id}")
    lines.append(report)
    return lines


def _split(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


# Log lines waiting to be written: (account, region, group, stream) -> [(timestamp, lines)]; the lines may be a
# function that formats them, called only when they are written.
Lines = list[str] | Callable[[], list[str]]
_pending: dict[tuple[str, str, str, str], list[tuple[int, Lines]]] = {}
# How long they wait: long enough for the reply to reach its caller first (it takes a few loop turns),
# short enough that nobody notices. A request to moto writes them at once (moto_bridge), so none is missed.
FLUSH_DELAY_SECONDS = 0.01


def write_lines_soon(account: str, region: str, group: str, stream: str, lines: Lines) -> None:
    """Like write_lines, but off the response path: written a moment later, in one call per stream with
    whatever other invocations logged by then (the reply to the caller goes out first). `lines` may be a
    function that formats them: it is called then, not now. Their time stamp is now."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        write_lines(account, region, group, stream, lines() if callable(lines) else lines)
        return
    if not _pending:
        loop.call_later(FLUSH_DELAY_SECONDS, flush_pending)
    _pending.setdefault((account, region, group, stream), []).append((int(time.time() * 1000), lines))


def flush_pending() -> None:
    """Write every queued line now (also called before anything reads the logs)."""
    batches = list(_pending.items())
    _pending.clear()
    for (account, region, group, stream), entries in batches:
        events = [{"timestamp": at, "message": line} for at, lines in entries
                  for line in (lines() if callable(lines) else lines)]
        write_lines(account, region, group, stream, [], events)


def write_lines(account: str, region: str, group: str, stream: str, lines: list[str],
                events: list[dict[str, object]] | None = None) -> None:
    """Append lines as log events, creating the group and stream when missing (Lambda does that itself)."""
    if not lines and not events:
        return
    try:
        backend = logs_backends[account][region]
        if _write_guard is not None:
            existing = backend.groups.get(group)
            stream_exists = existing is not None and stream in existing.streams
            if not _write_guard(account, region, group, stream, existing is not None, stream_exists):
                return
        backend.ensure_log_group(group)
        log_group = backend.groups[group]
        if stream not in log_group.streams:
            backend.create_log_stream(group, stream)
        now = int(time.time() * 1000)
        backend.put_log_events(group, stream, events or [{"timestamp": now, "message": line} for line in lines])
    except Exception:  # noqa: BLE001 - a logging failure must never fail the invocation itself
        log.exception("could not write %d log lines to %s", len(events or lines), group)
