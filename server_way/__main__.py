"""`python -m server_way [--host 127.0.0.1] [--port 0]`: run the server-way chat until Ctrl-C.

It prints one line, `listening on ws://HOST:PORT`, once it accepts connections (port 0 picks a free one).
With --exit-with-stdin it also stops when its standard input closes: the notebook that started it is gone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading

from aiohttp import web

from .chat import ChatServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server_way", description="The chat as one WebSocket server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument("--exit-with-stdin", action="store_true", help="stop when standard input closes")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.exit_with_stdin))
    return 0


async def serve(host: str, port: int, exit_with_stdin: bool) -> None:
    runner = web.AppRunner(ChatServer().build_app(), access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        print(f"Could not listen on {host}:{port}: {error}. Use --port 0 for a free port.", file=sys.stderr)
        raise SystemExit(1) from None
    bound_port = runner.addresses[0][1]
    print(f"listening on ws://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{bound_port}", flush=True)
    stop = asyncio.Event()
    if exit_with_stdin:
        loop = asyncio.get_running_loop()

        def wait_for_stdin_to_close() -> None:
            with contextlib.suppress(Exception):
                while sys.stdin.buffer.read(1024):
                    pass
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    sys.exit(main())
