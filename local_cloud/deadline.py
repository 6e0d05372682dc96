"""`within(awaitable, seconds)`: asyncio.wait_for without the extra Task (and loop turns) on Python 3.11+."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")

# asyncio.timeout (3.11+) cancels the awaiting task itself when time is up; wait_for wraps the awaitable in a new
# Task, which costs loop turns on every message of a warm route. Both raise TimeoutError (asyncio's, on 3.10).
_timeout = getattr(asyncio, "timeout", None)


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """Await `awaitable`, or raise asyncio.TimeoutError (cancelling it) after `seconds`."""
    if _timeout is None:
        return await asyncio.wait_for(awaitable, seconds)
    async with _timeout(seconds):
        return await awaitable
