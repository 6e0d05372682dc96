"""Give the memory a burst freed back to the OS: glibc's malloc_trim every few seconds (Linux/glibc; elsewhere nothing).

glibc keeps what Python frees in its arenas for reuse, so after a burst (a hundred connects, an IAM backend
parsing AWS's managed policies) the cloud's resident size stays at its peak. malloc_trim(0) returns the
free pages of every arena to the OS; it costs a few milliseconds, runs in a thread (ctypes lets go of the
GIL), and only after the interpreter's allocations changed since the last look, so an idle cloud does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import sys
from collections.abc import Callable

TRIM_EVERY_SECONDS = 5.0

log = logging.getLogger("local_cloud.heap")


def _load_malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (macOS, Windows, musl: nothing to call)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


malloc_trim = _load_malloc_trim()


def trim() -> bool:
    """Return free heap pages to the OS now; False where there is no malloc_trim."""
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True


class HeapTrimmer:
    """Every `interval` seconds, trims the heap if the interpreter allocated or freed anything since last time."""

    def __init__(self, interval: float = TRIM_EVERY_SECONDS,
                 allocated: Callable[[], int] = sys.getallocatedblocks) -> None:
        self.interval = interval
        self._allocated = allocated
        self._task: asyncio.Task[None] | None = None
        self.trims = 0

    def start(self) -> None:
        if malloc_trim is not None and self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        last = self._allocated()
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.interval)
            now = self._allocated()
            if now != last:  # a burst came and went (or is going on): its freed pages can go back
                last = now
                await self.trim_once(loop)

    async def trim_once(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            await loop.run_in_executor(None, trim)
            self.trims += 1
        except Exception as error:  # noqa: BLE001 - trimming is an optimisation: never stop the cloud for it
            log.debug("malloc_trim failed: %s", error)
