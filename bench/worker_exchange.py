"""One worker process alone: the round trip of a warm invocation over its pipes, without the gateway or asyncio.

Run with `python -m bench worker` (or `python bench/worker_exchange.py [BOOTSTRAP.py ...]` to compare versions of
the bootstrap side by side). A plain parent writes the invoke line, waits in select() until the reply and the
end-of-log marker are in, and counts how often select() woke it. Prints p50/p95 of the round trip, the worker's
CPU per invocation (from /proc), and the parent's wakeups per invocation. Nothing here passes or fails.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BOOTSTRAP = Path(__file__).resolve().parent.parent / "local_cloud" / "lambda_runtime" / "bootstrap.py"
MARKER = b"\x1eLOCAL_CLOUD_END "
ROUND_TRIPS = 3000
WARM_UP = 100
HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': event['body']}\n"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(bootstrap: Path) -> tuple[list[float], float, float]:
    """(round trip ms, worker CPU ms per invocation, parent wakeups per invocation) for one bootstrap file."""
    root = tempfile.mkdtemp(prefix="worker-bench-")
    Path(root, "app.py").write_text(HANDLER)
    worker = subprocess.Popen([sys.executable, str(bootstrap)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env={"PATH": os.environ.get("PATH", "")})
    assert worker.stdin and worker.stdout and worker.stderr
    out, err = worker.stdout.fileno(), worker.stderr.fileno()
    buffers = {out: b"", err: b""}
    selector = selectors.DefaultSelector()
    selector.register(out, selectors.EVENT_READ)
    selector.register(err, selectors.EVENT_READ)
    wakeups = 0

    def wait_for(reply_lines: int, marker: bool) -> None:
        nonlocal wakeups
        while buffers[out].count(b"\n") < reply_lines or (marker and MARKER not in buffers[err]):
            wakeups += 1
            for key, _ in selector.select():
                buffers[key.fd] += os.read(key.fd, 1 << 20)

    def send(message: dict) -> None:
        worker.stdin.write(json.dumps(message).encode() + b"\n")  # type: ignore[union-attr]
        worker.stdin.flush()  # type: ignore[union-attr]

    wait_for(1, False)
    buffers[out] = b""
    function = {"function_name": "bench", "function_version": "$LATEST", "memory_size": 128,
                "log_group_name": "/aws/lambda/bench", "log_stream_name": "bench"}
    send({"op": "init", "handler": "app.handler", "task_root": root, "local_cloud_url": "http://127.0.0.1:9",
          "environment": {}, "function": function})
    wait_for(1, True)
    times, cpu_start = [], 0.0
    for n in range(WARM_UP + ROUND_TRIPS):
        if n == WARM_UP:
            cpu_start, wakeups = _cpu_seconds(worker.pid), 0
        buffers[out] = buffers[err] = b""
        began = time.perf_counter()
        send({"op": "invoke", "request_id": f"r{n}", "deadline_ms": int(time.time() * 1000) + 60_000,
              "invoked_function_arn": "arn", "client_context": None, "event": {"body": "x" * 40}})
        wait_for(2, True)
        times.append((time.perf_counter() - began) * 1000)
    cpu = (_cpu_seconds(worker.pid) - cpu_start) / ROUND_TRIPS * 1000
    worker.stdin.close()
    worker.wait(10)
    return times[WARM_UP:], cpu, wakeups / ROUND_TRIPS


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main(paths: list[str] | None = None) -> None:
    for path in paths or [str(BOOTSTRAP)]:
        times, cpu, wakeups = measure(Path(path))
        print(f"worker round trip ({path}): p50 {percentile(times, 0.5):.3f} ms, p95 {percentile(times, 0.95):.3f} ms; "
              f"worker CPU {cpu:.3f} ms per invocation; parent wakeups {wakeups:.2f} per invocation")


if __name__ == "__main__":
    main(sys.argv[1:])
