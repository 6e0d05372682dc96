"""Orphan watchdog: when the local cloud that started it ends - even by kill -9 - end what its workers left.

Started by path (imports only `processes`, beside it), in its own session, with a pipe from the cloud on stdin.
The cloud writes the process group of each worker it starts; end of file means the cloud has stopped or died.
Then every such group, and every process still carrying the cloud's worker marker, is killed, and the folder
of unpacked code is deleted. Workers also die on their own (stdin closes; on Linux PR_SET_PDEATHSIG), but the
processes a handler started do not: this is what ends them.
It lives as long as the cloud, so it imports only what reading its pipe needs; `processes` (psutil) and
shutil are imported when the sweep begins, keeping the waiting process a few MB smaller.
"""

from __future__ import annotations

import os
import signal
import sys


def main() -> None:
    marker_prefix, code_root = sys.argv[1], sys.argv[2]
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C meant for the cloud must not skip the sweep
    groups: set[int] = set()
    for line in sys.stdin.buffer:
        text = line.strip().decode(errors="replace")
        if text.lstrip("-").isdigit():
            pgid = int(text)
            if pgid < 0:
                groups.discard(-pgid)
            else:
                groups.add(pgid)
    sweep(marker_prefix, code_root, groups)


def sweep(marker_prefix: str, code_root: str, groups: set[int]) -> None:
    """Kill every group and marked process, delete the unpacked code (imports only now: see above)."""
    import shutil

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import processes

    for pgid in groups:
        processes.kill_group(pgid)
    processes.kill_marked(marker_prefix, prefix=True)
    shutil.rmtree(code_root, ignore_errors=True)


if __name__ == "__main__":
    main()
