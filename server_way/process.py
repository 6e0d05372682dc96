"""Start the server-way chat as a real subprocess on a free loopback port, and stop it again."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ServerProcess:
    """A running `python -m server_way`: its URL, its process id, and `stop()` (also on `with ... as`)."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process, self.url = process, url

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> int:
        """Stop the process (its members are disconnected, everything it knew is gone); return its exit code."""
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        return self.process.returncode

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<server-way chat pid {self.pid} at {self.url}{'' if self.running else ' (stopped)'}>"


def launch(port: int = 0, timeout: float = 30.0) -> ServerProcess:
    """Run `python -m server_way --port PORT --exit-with-stdin` and wait for its `listening on ws://...` line.

    Port 0 picks a free one. The pipe on its standard input ties it to this Python process: if this one
    dies, the server stops too.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "server_way", "--port", str(port), "--exit-with-stdin"],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    first_line: list[str] = []
    reader = threading.Thread(target=lambda: first_line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    line = first_line[0].strip() if first_line else ""
    if not line.startswith("listening on "):
        process.kill()
        process.wait()
        raise RuntimeError(f"The server-way chat did not start (it printed {line!r}); run `python -m server_way` "
                           "in a terminal to see why.")
    return ServerProcess(process, line.removeprefix("listening on "))
