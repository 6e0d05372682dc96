"""Splitting a worker's stderr into per-invocation logs: markers split across reads, and the size cap."""

from __future__ import annotations

import asyncio

from local_cloud.lambda_runtime.bootstrap import MARK_END, MARK_START
from local_cloud.lambda_runtime.log_capture import LogCapture


def marker(ident: str) -> bytes:
    return b"\n" + MARK_START + ident.encode() + MARK_END


def test_marker_split_across_reads_ends_the_right_log():
    async def scenario():
        capture = LogCapture()
        first, second = capture.expect("r1"), capture.expect("r2")
        stream = b"line one\nline two" + marker("r1") + b"next" + marker("r2")
        for index in range(0, len(stream), 3):  # three bytes per read: every marker is cut somewhere
            capture.feed(stream[index:index + 3])
        return await first, await second

    first, second = asyncio.run(scenario())
    assert first == "line one\nline two\n"
    assert second == "next\n"


def test_log_is_capped_and_says_so():
    async def scenario():
        capture = LogCapture(max_bytes=100)
        done = capture.expect("r1")
        for _ in range(50):
            capture.feed(b"x" * 99 + b"\n")
        capture.feed(marker("r1"))
        return await done

    text = asyncio.run(scenario())
    assert text.startswith("x" * 99 + "\n")
    assert "log truncated: 4901 more bytes" in text


def test_end_of_file_delivers_what_was_written():
    async def scenario():
        capture = LogCapture()
        pending = capture.expect("r1")
        capture.feed(b"before the crash")
        capture.eof()
        return await pending

    assert asyncio.run(scenario()) == "before the crash"
