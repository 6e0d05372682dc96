"""Commands in child processes, driven like a person at a terminal: type lines, wait for lines, press Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


class DrivenProcess:
    """A command in a child process: type lines into it, wait for lines out of it."""

    def __init__(self, *args: str, own_process_group: bool = False, env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, *args], start_new_session=own_process_group,
            cwd=PROJECT_ROOT, env=env, text=True, encoding="utf-8",
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def expect(self, pattern: str, timeout: float = 15.0) -> str:
        """The next output line matching the regular expression; fails with everything seen so far."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                line = None
                remaining = 0
            if line is not None:
                self.lines.append(line)
                if re.search(pattern, line):
                    return line
                continue
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError(f"no line matching {pattern!r}; output so far:\n" + "\n".join(self.lines))

    def finish(self, timeout: float = 15.0) -> tuple[int, str]:
        """Wait for the exit; returns the exit code and stderr."""
        code = self.process.wait(timeout)
        stderr = self.process.stderr.read() if self.process.stderr else ""
        while True:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        self._close_pipes()
        return code, stderr

    def press_ctrl_c(self) -> None:
        """What Ctrl-C in a terminal does: SIGINT to the whole foreground process group (children too)."""
        os.killpg(self.process.pid, signal.SIGINT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self._close_pipes()

    def _close_pipes(self) -> None:
        """Close our ends of the pipes once the reader has seen the end of the output (strict pytest fails on
        an unclosed file); a reader still blocked (a grandchild holding the pipe) keeps stdout open."""
        self._reader.join(5)
        for stream in (self.process.stdin, self.process.stderr, *([] if self._reader.is_alive() else
                                                                  [self.process.stdout])):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):  # stdin's buffered bytes to a process that is gone
                    stream.close()


def DrivenClient(*args: str, env: dict[str, str] | None = None) -> DrivenProcess:  # noqa: N802 - reads like a class
    """`python -m workshop chat ...`, exactly as a learner types it."""
    return DrivenProcess("-m", "workshop", "chat", *args, env=env)
