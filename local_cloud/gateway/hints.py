"""Teaching hints: one line that says why AWS would fail and which boto3 call fixes it, not repeated for every message."""

from __future__ import annotations

import inspect
import logging
import time
from typing import Any

log = logging.getLogger("local_cloud.gateway")

REPEAT_AFTER_SECONDS = 60.0


class Hints:
    """Writes each hint to the console and to the function's log group, at most once a minute per cause."""

    def __init__(self, runtime: Any, repeat_after: float = REPEAT_AFTER_SECONDS) -> None:
        self.runtime = runtime
        self.repeat_after = repeat_after
        self._last_said: dict[str, float] = {}

    async def say(self, cause: str, message: str, function_name: str | None = None) -> None:
        now = time.monotonic()
        last = self._last_said.get(cause)
        if last is not None and now - last < self.repeat_after:
            return
        if len(self._last_said) > 10_000:  # causes can include client-chosen paths: keep the memory bounded
            self._last_said.clear()
        self._last_said[cause] = now
        log.warning("HINT %s", message)
        if function_name is None:
            return
        write = getattr(self.runtime, "log_to_function", None)
        if write is None:
            return
        try:
            written = write(function_name, f"[API Gateway] {message}")
            if inspect.isawaitable(written):
                await written
        except Exception:  # noqa: BLE001 - a hint must never break the request it explains
            log.debug("could not write the hint to the log group of %s", function_name, exc_info=True)
