"""Lambda worker: runs one function's handler in this process, told what to do by the local cloud over pipes.

Started by path (never imports local_cloud or moto, so it stays light). Protocol, one JSON object per line:
  parent -> worker on stdin:  {"op": "init", ...}, then {"op": "invoke", ..., "event": EVENT} as often as needed
  worker -> parent on a private copy of the original stdout: {"op": "ready"} once boto3 is imported,
  then {"op": "init", ...} and {"op": "result", ..., "payload_follows": true} followed by a line with the response's
  JSON (the JSON texts of the event and the response are never escaped into strings: no second encode/decode)
Handler output (print, logging, even C extensions) goes to stderr, which the parent reads as the log;
after each init and invocation the worker writes an end marker there so the parent knows the log is complete
(after an invocation right behind the reply, so that one wakeup of the parent usually finds both).
The main thread reads stdin itself between invocations (Linux; a reader thread elsewhere).
When stdin closes (the local cloud stopped or died) the worker exits at once, with every process it started
(it leads its own process group); on Linux it also dies with the local cloud's process (PR_SET_PDEATHSIG).
It reports its memory (resident size, and on Linux its exact peak) so the local cloud can enforce MemorySize.
With --forkserver FD (Linux) it is the fork server instead: it imports boto3 once, then forks a worker per
request on the socket FD (see forkserver.py), which starts from `_become_worker` already "ready".
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import decimal
import gc
import importlib
import json
import logging
import os
import queue
import re
import signal
import sys
import threading
import time
import traceback

# Running a file puts its folder first on sys.path; the handler's modules must not meet ours.
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)
# The project is installed in editable mode (pyproject.toml), and that install's import hook would let a handler
# import workshop or local_cloud, which no function on AWS can: drop the hook, so handlers see what AWS gives them.
sys.meta_path[:] = [finder for finder in sys.meta_path
                    if not getattr(finder, "__module__", "").startswith("__editable___serverless_chat_workshop")]

MARK_START = b"\x1eLOCAL_CLOUD_END "
MARK_END = b"\x1e\n"
EXECUTE_API_URL = re.compile(r"^https?://(?P<api>[A-Za-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?P<rest>/.*)?$")

_local_cloud_url = ""  # set by init: where the local cloud listens


# -- pipes ---------------------------------------------------------------------------------------

def _take_over_std_streams() -> tuple[object, object]:
    """Keep private copies of stdin/stdout for the protocol; the handler's fd 0 reads nothing, fd 1 is the log."""
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(encoding="utf-8", errors="backslashreplace", line_buffering=True)
    return proto_in, proto_out


class _Inbox:
    """The parent's messages, one per `get()`; a closed stdin ends the process, even while a handler is busy.

    On Linux the main thread reads stdin itself (no thread handoff per invocation: one wakeup fewer), and a
    thread blocked in poll() for nothing but the hang-up ends the process when stdin closes. Elsewhere a
    reader thread reads every message and hands it over through a queue.
    """

    def __init__(self, proto_in) -> None:
        self._proto_in = proto_in
        self._queue: queue.Queue | None = None
        if sys.platform.startswith("linux"):
            threading.Thread(target=self._wait_for_hang_up, daemon=True).start()
        else:
            self._queue = queue.Queue()
            threading.Thread(target=self._read_all, daemon=True).start()

    def get(self) -> dict:
        if self._queue is not None:
            return self._queue.get()
        line = self._proto_in.readline()
        if not line:
            _end_worker()
        return json.loads(line)

    def _wait_for_hang_up(self) -> None:
        import select

        hang_up = select.poll()
        hang_up.register(self._proto_in.fileno(), 0)  # no events asked: only POLLHUP (or an error) wakes it
        while not hang_up.poll():
            pass
        _end_worker()

    def _read_all(self) -> None:
        assert self._queue is not None
        for line in self._proto_in:
            self._queue.put(json.loads(line))
        _end_worker()


def _end_worker() -> None:
    """stdin closed (the local cloud stopped or died): end now, with every process the handler started."""
    _end_process_group()
    os._exit(0)


def _end_process_group() -> None:
    """Take every process the handler started along (this worker leads its own group; check, never kill another)."""
    if hasattr(os, "killpg") and os.getpgid(0) == os.getpid():
        sys.stderr.flush()
        os.killpg(os.getpid(), signal.SIGKILL)


def _die_with_the_local_cloud() -> None:
    """Linux: the kernel kills this worker when the local cloud's process ends, however it ends (even kill -9)."""
    parent = os.environ.pop("_LOCAL_CLOUD_PARENT", "")
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent and os.getppid() != int(parent):  # the cloud died before the line above ran
        os._exit(0)


def _send(proto_out, message: dict) -> None:
    proto_out.write(json.dumps(message).encode() + b"\n")
    proto_out.flush()


def _end_of_log(ident: str) -> None:
    """Flush what the handler wrote, then mark the end of this init's or invocation's log."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(2, b"\n" + MARK_START + ident.encode() + MARK_END)


# -- memory ---------------------------------------------------------------------------------------------

def _rss_bytes() -> int | None:
    """Resident size of this process now."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError, AttributeError):
        pass
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except Exception:  # noqa: BLE001 - no measure is better than a broken worker
        return None


def _reset_peak() -> None:
    """Linux: start VmHWM afresh (at init), so the peak it reports is this execution environment's own."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


_status: tuple[int, int] | None = None  # (pid, fd): /proc/self/status, open in the process that reads it


def _peak_bytes() -> int | None:
    """Linux: the highest resident size since _reset_peak (VmHWM), exact even for a spike between two samples.

    Read after every invocation, before the reply: the file stays open and is re-read from its start (the kernel
    writes it afresh on each read), a third of the cost of opening it each time.
    """
    global _status
    try:
        if _status is None or _status[0] != os.getpid():  # a forked worker must not read the fork server's
            _status = (os.getpid(), os.open("/proc/self/status", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)))
        data = os.pread(_status[1], 65536, 0)
        start = data.index(b"\nVmHWM:") + 7
        return int(data[start:data.index(b"\n", start)].split()[0]) * 1024
    except (OSError, IndexError, ValueError, AttributeError):
        _status = None  # a handler may have closed the file (or its number now names another): open it anew
        return None


class _Boto3Imports:
    """Notes whether the handler's code imports boto3 while it loads (already imported here, so free locally)."""

    def __init__(self) -> None:
        self.seen = False
        self._original = builtins.__import__

    def __enter__(self) -> _Boto3Imports:
        def tracking_import(name, *args, **kwargs):
            if name.startswith(("boto3", "botocore")):
                self.seen = True
            return self._original(name, *args, **kwargs)

        builtins.__import__ = tracking_import
        return self

    def __exit__(self, *exc: object) -> None:
        builtins.__import__ = self._original


# -- boto3 inside the worker ----------------------------------------------------------------------

def _rewrite_execute_api_url(request, **_kwargs) -> None:
    """https://{apiId}.execute-api.{region}.amazonaws.com/{stage}/... -> {local cloud}/{apiId}/{stage}/..."""
    match = EXECUTE_API_URL.match(request.url)
    if match and _local_cloud_url:
        request.url = f"{_local_cloud_url}/{match['api']}{match['rest'] or ''}"


class _WarmUpBody:
    """The body of a stubbed answer, as botocore reads a urllib3 response."""

    def stream(self, **_kwargs):
        yield b"{}"


def _answer_warm_up_request(request, **_kwargs):
    """Answer a warm-up request in the process: 200 with an empty JSON object."""
    from botocore.awsrequest import AWSResponse

    return AWSResponse(request.url, 200, {}, _WarmUpBody())


# Standard-library and boto3 modules the workshop's functions (and most handlers) import besides boto3 itself.
_COMMON_IMPORTS = ("boto3.dynamodb.conditions", "boto3.dynamodb.types", "botocore.config", "concurrent.futures",
                   "unicodedata", "gettext", "random", "datetime", "uuid", "base64", "hashlib", "urllib.parse")


def _prepare_boto3() -> None:
    """Import boto3 before any function is assigned (a spare worker does this while it waits) and hook it.

    The hook goes into botocore's built-in handlers, so every session - also the one the handler's own
    `import boto3` creates - sends @connections calls for execute-api hosts to the local cloud.
    """
    try:
        import botocore.handlers
    except ImportError:  # a function that does not use boto3 still runs
        return
    botocore.handlers.BUILTIN_HANDLERS.append(("before-send.apigatewaymanagementapi", _rewrite_execute_api_url))
    import boto3
    import botocore.loaders
    import botocore.session

    # Parse the data files a chat handler needs now (endpoint rules, service models, boto3's resource
    # models) and let every later session reuse them: each session gets its own loader, sharing one cache.
    warm = boto3.session.Session(region_name="us-east-1", aws_access_key_id="warm", aws_secret_access_key="warm")
    warm.events.register("before-send", _answer_warm_up_request)  # this session's requests never leave
    table = warm.resource("dynamodb", endpoint_url="http://127.0.0.1:9").Table("warm")
    management = warm.client("apigatewaymanagementapi", endpoint_url="http://127.0.0.1:9")
    # The chat's functions also invoke Lambda (clean-up, members list): its model is large, parse it once here.
    warm.client("lambda", endpoint_url="http://127.0.0.1:9")
    # One request of each kind a chat message makes, answered by the hook above: botocore's first request
    # builds what every later one reuses, and listing the paginators reads the data folder of every service
    # (about 8 ms). Paid once here, not in a learner's first message. A failure only means a slower first call.
    with contextlib.suppress(Exception):
        table.get_item(Key={"connectionId": "warm"}, ConsistentRead=True)
        list(table.meta.client.get_paginator("scan").paginate(TableName="warm", IndexName="warm"))
        management.post_to_connection(ConnectionId="warm", Data=b"warm")
    # What handlers commonly import next, imported once here: forked workers share these pages too.
    for module in _COMMON_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    shared_cache = warm._session.get_component("data_loader")._cache
    create_loader = botocore.loaders.create_loader

    def create_warm_loader(search_path_string=None):
        loader = create_loader(search_path_string)
        loader._cache = shared_cache
        return loader

    botocore.session.create_loader = create_warm_loader
    # The default session `boto3.client(...)` and `boto3.resource(...)` use, made now: it reads the region,
    # credentials and endpoint from the environment only when a client is created, i.e. with the function's.
    boto3.setup_default_session()
    # Everything imported so far lives as long as the process: keep the garbage collector from re-scanning it.
    gc.collect()
    gc.freeze()


# -- the Lambda context ----------------------------------------------------------------------------

class _Identity:
    cognito_identity_id = None
    cognito_identity_pool_id = None


class _ClientContext:
    def __init__(self, data: dict) -> None:
        self.client = data.get("client")
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    """The `context` argument, with the fields AWS's Python runtime provides."""

    def __init__(self, function: dict, request_id: str, deadline_ms: int, invoked_arn: str,
                 client_context: dict | None) -> None:
        self.aws_request_id = request_id
        self.function_name = function["function_name"]
        self.function_version = function["function_version"]
        self.invoked_function_arn = invoked_arn
        self.memory_limit_in_mb = str(function["memory_size"])
        self.log_group_name = function["log_group_name"]
        self.log_stream_name = function["log_stream_name"]
        self.identity = _Identity()
        self.client_context = _ClientContext(client_context) if client_context is not None else None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def __repr__(self) -> str:
        return f"LambdaContext(aws_request_id={self.aws_request_id!r}, function_name={self.function_name!r})"


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def _setup_logging() -> None:
    """The root logger AWS's Python runtime installs: tab-separated level, time, request id, message."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"))
    handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


# -- init and invoke --------------------------------------------------------------------------------

def _error(message: str, error_type: str, stack: list[str] | None = None, request_id: str = "") -> dict:
    error = {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack or []}
    return error


def _log_error(error: dict, exc: BaseException | None = None) -> None:
    text = f"[ERROR] {error['errorType']}: {error['errorMessage']}"
    if exc is not None:
        text += "\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
    print(text, file=sys.stderr)


def _load_handler(handler_name: str):
    """Import `module.function` the way AWS does; return (handler, None) or (None, AWS-shaped error)."""
    try:
        module_name, function_name = handler_name.rsplit(".", 1)
        if not module_name or not function_name:
            raise ValueError("not enough values to unpack (expected 2, got 1)")
    except ValueError as exc:
        return None, _error(f"Bad handler '{handler_name}': {exc}", "Runtime.MalformedHandlerName")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        error = _error(f"Syntax error in module '{module_name}': {exc}", "Runtime.UserCodeSyntaxError",
                       traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:]))
        _log_error(error)
        return None, error
    except ImportError as exc:
        error = _error(f"Unable to import module '{module_name}': {exc}", "Runtime.ImportModuleError")
        _log_error(error)
        return None, error
    except Exception as exc:  # noqa: BLE001 - module-level code failed: AWS reports the exception itself
        error = _error(str(exc), type(exc).__name__,
                       traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:]))
        _log_error(error, exc)
        return None, error
    handler = getattr(module, function_name, None)
    if not callable(handler):
        error = _error(f"Handler '{function_name}' missing on module '{module_name}'", "Runtime.HandlerNotFound")
        _log_error(error)
        return None, error
    return handler, None


def _init(message: dict):
    global _local_cloud_url
    _local_cloud_url = message["local_cloud_url"].rstrip("/")
    os.environ.update(message["environment"])
    if hasattr(time, "tzset"):
        time.tzset()
    os.chdir(message["task_root"])
    sys.path.insert(0, message["task_root"])
    _setup_logging()
    with _Boto3Imports() as imports:
        handler, error = _load_handler(message["handler"])
    return handler, error, imports.seen


def _json_default(value):
    """AWS's runtime also turns Decimals (what DynamoDB returns) into numbers."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _invoke(handler, function: dict, message: dict) -> dict:
    request_id = message["request_id"]
    _RequestIdFilter.request_id = request_id
    context = LambdaContext(function, request_id, message["deadline_ms"], message["invoked_function_arn"],
                            message.get("client_context"))
    started = time.perf_counter()
    try:
        # The event arrives decoded, inside the message (the local cloud splices its JSON in, unescaped).
        event = message["event"] if "event" in message else json.loads(message.get("payload") or "{}")
        result = handler(event, context)
    except Exception as exc:  # noqa: BLE001 - the handler's failure is reported, the worker carries on
        error = _error(str(exc), type(exc).__name__,
                       traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:]), request_id)
        _log_error(error, exc)
        outcome = {"ok": False, "error": error}
    else:
        try:
            outcome = {"ok": True, "payload": json.dumps(result, default=_json_default)}
        except (TypeError, ValueError) as exc:
            error = _error(f"Unable to marshal response: {exc}", "Runtime.MarshalError", [], request_id)
            _log_error(error)
            outcome = {"ok": False, "error": error}
    outcome["duration_ms"] = (time.perf_counter() - started) * 1000
    outcome["peak_bytes"] = _peak_bytes()
    # The resident size now is what the local cloud falls back on where there is no exact peak (not Linux).
    outcome["rss_bytes"] = _rss_bytes() if outcome["peak_bytes"] is None else None
    return outcome


def main() -> None:
    if sys.argv[1:2] == ["--forkserver"]:
        _serve_forks(int(sys.argv[2]))
        return
    proto_in, proto_out = _take_over_std_streams()
    _die_with_the_local_cloud()
    before = _rss_bytes()
    _prepare_boto3()
    after = _rss_bytes()
    boto3_bytes = after - before if before is not None and after is not None else None
    _serve_one_function(proto_in, proto_out, boto3_bytes)


def _serve_one_function(proto_in, proto_out, boto3_bytes: int | None) -> None:
    """Say ready, take one function (init), then run its invocations until stdin closes."""
    inbox = _Inbox(proto_in)
    _send(proto_out, {"op": "ready", "boto3_bytes": boto3_bytes})

    message = inbox.get()
    _reset_peak()
    started = time.perf_counter()
    handler, error, uses_boto3 = _init(message)
    init_ms = (time.perf_counter() - started) * 1000
    _end_of_log("init")
    _send(proto_out, {"op": "init", "ok": error is None, "error": error, "init_ms": init_ms,
                      "uses_boto3": uses_boto3, "peak_bytes": _peak_bytes()})
    if error is not None:
        inbox.get()  # the parent stops a worker whose init failed; wait for that
        return
    function = message["function"]
    while True:
        message = inbox.get()
        result = _invoke(handler, function, message)
        # The response's JSON goes on its own line after the result, as is: not escaped into a string of it.
        payload = result.pop("payload", None)
        result.update(op="result", request_id=message["request_id"], payload_follows=payload is not None)
        data = json.dumps(result).encode() + b"\n"
        if payload is not None:
            data += payload.encode() + b"\n"  # json.dumps escapes every newline and non-ASCII character
        sys.stdout.flush()
        sys.stderr.flush()
        # The reply first, the end of the log right behind it: by the time the local cloud has read the reply,
        # the marker is in the log pipe too, and one wakeup of its event loop usually serves both.
        proto_out.write(data)
        proto_out.flush()
        _end_of_log(message["request_id"])


# -- the fork server (Linux) -------------------------------------------------------------------------

def _serve_forks(control_fd: int) -> None:
    """Import boto3 once, then fork a new worker per request: it starts ready, sharing these pages.

    The local cloud sends {"environment": {...}} with the new worker's stdin, stdout and stderr (three pipe
    ends, over a SOCK_SEQPACKET socket); the answer is {"pid": n}, and {"exit": n, "code": c} when it ends.
    When the local cloud closes the socket (or dies) this server exits, and its workers die with it.
    """
    import select
    import socket

    control = socket.socket(fileno=control_fd)
    _die_with_the_local_cloud()
    before = _rss_bytes()
    _prepare_boto3()
    after = _rss_bytes()
    boto3_bytes = after - before if before is not None and after is not None else None
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)  # SIGCHLD wakes the select below
    signal.signal(signal.SIGCHLD, lambda *_: None)
    control.sendall(json.dumps({"ready": True, "boto3_bytes": boto3_bytes}).encode())
    while True:
        readable, _, _ = select.select([control, wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 4096)
        _report_exits(control)
        if control not in readable:
            continue
        data, fds, _flags, _address = socket.recv_fds(control, 1 << 20, 3)
        if not data:
            return
        request = json.loads(data)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _run_forked_worker(fds, request["environment"], boto3_bytes, (control.fileno(), wake_read, wake_write))
        for fd in fds:
            os.close(fd)
        control.sendall(json.dumps({"pid": pid}).encode())


def _report_exits(control) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        control.sendall(json.dumps({"exit": pid, "code": os.waitstatus_to_exitcode(status)}).encode())


def _run_forked_worker(fds: list[int], environment: dict, boto3_bytes: int | None, server_fds: tuple) -> None:
    """The forked child's whole life: it never returns into the server's loop, and exits as a script would.

    It exits inside the except clauses: leaving one frees the frames that hold the protocol pipe, and the
    local cloud, seeing that pipe close, would end the process group before the exit status is set.
    """
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in server_fds:
            os.close(fd)
        _become_worker(fds, environment, boto3_bytes)
    except SystemExit as exit_request:  # sys.exit() in a handler ends the worker with that status
        code = exit_request.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
        _exit_now(code if isinstance(code, int) else int(code is not None))
    except BaseException:  # noqa: BLE001 - reported like an uncaught exception in a script
        traceback.print_exc()
        _exit_now(1)
    _exit_now(0)


def _exit_now(code: int) -> None:
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _become_worker(fds: list[int], environment: dict, boto3_bytes: int | None) -> None:
    """In the forked child: its own session, the given pipes as fds 0-2, the given environment; then serve."""
    os.setsid()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.environ.clear()
    os.environ.update(environment)
    # The server's stream objects were opened on /dev/null (seekable); these are pipes now.
    sys.stdout = os.fdopen(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = os.fdopen(2, "w", encoding="utf-8", closefd=False)
    proto_in, proto_out = _take_over_std_streams()
    _die_with_the_local_cloud()
    _serve_one_function(proto_in, proto_out, boto3_bytes)


if __name__ == "__main__":
    main()
