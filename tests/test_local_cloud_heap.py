"""local_cloud.heap: malloc_trim after a burst where glibc has it, nothing elsewhere."""

from __future__ import annotations

import asyncio
import sys

import pytest

from local_cloud import heap


def test_trim_calls_malloc_trim_with_zero(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "malloc_trim", lambda pad: calls.append(pad) or 1)
    assert heap.trim() is True
    assert calls == [0]


def test_without_malloc_trim_nothing_is_called_or_started(monkeypatch):
    monkeypatch.setattr(heap, "malloc_trim", None)
    assert heap.trim() is False

    async def run() -> heap.HeapTrimmer:
        trimmer = heap.HeapTrimmer(interval=0.01)
        trimmer.start()
        await asyncio.sleep(0.05)
        await trimmer.stop()
        return trimmer

    assert asyncio.run(run()).trims == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux only")
def test_glibc_malloc_trim_is_found_on_linux():
    assert heap.malloc_trim is not None
    assert heap.trim() is True


def test_trims_after_allocations_changed_and_not_when_idle(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "malloc_trim", lambda pad: calls.append(pad) or 1)
    counts = iter([100, 100, 5000, 5000, 5000, 120])  # first look, idle, burst, idle, idle, freed

    async def run() -> None:
        ticks = asyncio.Event()
        trimmer = heap.HeapTrimmer(interval=0, allocated=lambda: next(counts, 120))

        async def watch() -> None:
            while len(calls) < 2:
                await asyncio.sleep(0)
            ticks.set()

        trimmer.start()
        await asyncio.wait_for(asyncio.gather(watch(), ticks.wait()), 10)
        await trimmer.stop()

    asyncio.run(run())
    assert calls == [0, 0]  # once for the burst, once for what it freed; never while nothing changed
