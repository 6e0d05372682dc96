"""`python -m local_cloud`: run the local cloud in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from . import boundary
from .config import DEFAULT_HOST, DEFAULT_PORT, FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, Settings
from .server import LocalCloudServer, SecretNotWritten

READY_MARKER = "Local cloud listening on"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local_cloud",
        description="An embedded AWS for the workshop: IAM, STS, Lambda (running your code), DynamoDB, "
        "API Gateway WebSocket APIs and CloudWatch Logs on one local port. No account, no Docker, no cost.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default %(default)s: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to bind, 0 for a free one (default %(default)s)")
    parser.add_argument("--region", default=None, help="region reported to clients (default: AWS_DEFAULT_REGION or us-east-1)")
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a --host other machines can reach (a class on a network you trust); "
                        "without it only loopback addresses are accepted")
    parser.add_argument("--state-dir", default=None,
                        help="folder for the control secret, readable only by you (default: LOCAL_CLOUD_STATE_DIR, "
                        "else a per-user folder)")
    # Used by LocalCloud (embedded.py): stop when the owning process goes away, even if it was killed
    # before it could stop us, so no orphaned cloud (and its Lambda workers) outlives a test run.
    parser.add_argument("--stop-with-stdin", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def banner(server: LocalCloudServer) -> str:
    s = server.settings
    return "\n".join(
        [
            f"{READY_MARKER} {s.http_url}",
            f"  WebSocket APIs: ws://{s.advertised_host}:{s.port}/<apiId>/<stage>",
            "Point boto3 at it:",
            f"  export AWS_ENDPOINT_URL={s.http_url}        (Windows: set AWS_ENDPOINT_URL={s.http_url})",
            f'  or boto3.client("dynamodb", endpoint_url="{s.http_url}", region_name="{s.region}")',
            "  any access key works locally, e.g. "
            f"AWS_ACCESS_KEY_ID={FAKE_ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY={FAKE_SECRET_ACCESS_KEY}",
            f"  control secret (shutdown): {server.secret_path}, read by local_cloud.control.send",
            "Press Ctrl-C to stop.",
        ]
        + ([boundary.remote_warning(s)] if not boundary.is_loopback(s.host) else [])
    )


async def run(args: argparse.Namespace) -> None:
    settings = Settings(host=args.host, port=args.port, allow_remote=args.allow_remote,
                        state_dir=Path(args.state_dir) if args.state_dir else None)
    if args.region:
        settings.region = args.region
    server = LocalCloudServer(settings)
    loop = asyncio.get_running_loop()
    if sys.platform != "win32":
        # A parent process stops us with SIGTERM: shut down as cleanly as on Ctrl-C.
        loop.add_signal_handler(signal.SIGTERM, server.stopped.set)
    if args.stop_with_stdin:
        threading.Thread(target=_stop_at_stdin_eof, args=(loop, server.stopped), daemon=True).start()
    await server.start()
    # What the cloud has imported by now (moto, botocore's models: about 250,000 objects) lives as long as the
    # process: kept out of the cyclic GC's reach, a full collection scans only what came later, instead of
    # stalling the event loop for about 0.1 s (measured with a warm route on a cloud in a thread).
    gc.freeze()
    say(banner(server))
    try:
        await server.stopped.wait()
    finally:
        say("Stopping the local cloud: closing connections and workers...")
        await server.stop()
        say("Local cloud stopped.")


def say(text: str) -> None:
    """Print, even when nobody reads our output any more (an owner that died): shutdown must go on."""
    with contextlib.suppress(OSError, ValueError):
        print(text, flush=True)


def _stop_at_stdin_eof(loop: asyncio.AbstractEventLoop, stopped: asyncio.Event) -> None:
    """Block on stdin (a pipe from the owner) and ask for a clean stop when it closes."""
    try:
        # os.read, not sys.stdin.buffer: a daemon thread blocked inside the buffered reader's lock makes the
        # interpreter abort at exit ("could not acquire lock for <stdin>") after a shutdown over HTTP.
        fd = sys.stdin.fileno()
        while os.read(fd, 4096):
            pass
    except (OSError, ValueError):
        pass
    loop.call_soon_threadsafe(stopped.set)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        boundary.check_bind(args.host, args.allow_remote)
    except boundary.RemoteBindRefused as refused:
        print(refused, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
    )
    # Flask/werkzeug inside moto are chatty; the local cloud logs what matters itself.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass
    except SecretNotWritten as error:
        print(error, file=sys.stderr)
        return 1
    except OSError as error:
        print(f"Could not start the local cloud on {args.host}:{args.port}: {error}.", file=sys.stderr)
        print("Is another local cloud already running? Stop it, or pick another port with --port.", file=sys.stderr)
        return 1
    except ValueError as error:  # a setting with a value it cannot have (e.g. LOCAL_CLOUD_IAM=maybe)
        print(f"Could not start the local cloud: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
