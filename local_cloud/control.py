"""The control secret of a local cloud, and the one client for its control API (`/_local_cloud/...`).

Every control action but `health` changes state (shutdown, settings), so it needs the per-instance
secret a cloud writes at start to a file only its user can read, sent in the X-Local-Cloud-Secret
header. A web page cannot read that file, nor send the header without a CORS preflight (refused):

    from local_cloud import control
    control.send("http://127.0.0.1:4566", "health")      # open, read-only
    control.send("http://127.0.0.1:4566", "shutdown")    # finds the secret itself
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .config import default_state_dir

SECRET_HEADER = "X-Local-Cloud-Secret"
CONTROL_PREFIX = "/_local_cloud/"
OPEN_ACTIONS = frozenset({"health"})  # read-only: everything else needs the secret

# Never through a proxy: the secret must not leave this machine, and loopback needs none.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ControlError(RuntimeError):
    """A control call failed; the message says why and what to do."""


def secret_path(port: int, state_dir: str | os.PathLike[str] | None = None) -> Path:
    return Path(state_dir or default_state_dir()) / f"local-cloud-{port}.secret"


def create_secret(port: int, state_dir: str | os.PathLike[str] | None = None) -> tuple[str, Path]:
    """A fresh secret for the cloud on `port`, written where only this user can read it (mode 0600)."""
    path = secret_path(port, state_dir)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    # Written under a fresh name with O_EXCL (no symlink or pre-made file to follow), then renamed over
    # whatever a dead cloud on this port left: a reader sees the old secret or the new one, never half.
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(6)}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        os.write(handle, secret.encode("ascii"))
    finally:
        os.close(handle)
    os.replace(temporary, path)
    return secret, path


def remove_secret(path: Path, secret: str) -> None:
    """Delete the secret file at a clean stop, unless a newer cloud on the same port has replaced it."""
    with contextlib.suppress(OSError):
        if path.read_text(encoding="ascii").strip() == secret:
            path.unlink()


def secret_matches(given: str | None, secret: str) -> bool:
    """Constant-time comparison: the answer's timing tells a guesser nothing."""
    return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode("ascii"))


def read_secret(port: int, state_dir: str | os.PathLike[str] | None = None) -> str:
    """The secret of the local cloud on `port`, as its own user sees it; ControlError when it cannot."""
    path = secret_path(port, state_dir)
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise ControlError(
            f"No control secret for a local cloud on port {port} at {path}. Is it running, and was it started "
            "by you? A cloud started with --state-dir or LOCAL_CLOUD_STATE_DIR keeps it in that folder: pass "
            "the same state_dir (or set the same variable)."
        ) from None
    except OSError as error:
        raise ControlError(f"Cannot read the local cloud's control secret {path}: {error.strerror}. "
                           "Only the user who started the cloud can control it.") from None


def send(endpoint_url: str, action: str, payload: dict[str, Any] | None = None, *,
         state_dir: str | os.PathLike[str] | None = None, timeout: float = 5.0) -> dict[str, Any]:
    """Call a control action of the local cloud at `endpoint_url` and return its JSON answer.

    `health` is a GET with no secret; every other action is a POST carrying `payload` as JSON and the
    secret read from the state folder. Raises ControlError with the reason when it fails.
    """
    url = f"{endpoint_url.rstrip('/')}{CONTROL_PREFIX}{action}"
    if action in OPEN_ACTIONS:
        request = urllib.request.Request(url, method="GET")
    else:
        port = urlsplit(endpoint_url).port or 80
        body = json.dumps(payload or {}).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            SECRET_HEADER: read_secret(port, state_dir), "Content-Type": "application/json"})
    try:
        with _opener.open(request, timeout=timeout) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        with error:  # the error holds the open answer (and its socket) until closed
            reason = _message(error.read())
        raise ControlError(f"The local cloud at {endpoint_url} refused {action!r} (HTTP {error.code}): {reason}") from None
    except (OSError, ValueError) as error:
        raise ControlError(f"No local cloud answered {action!r} at {endpoint_url}: {error}") from None
    if not isinstance(answer, dict):
        raise ControlError(f"Unexpected answer to {action!r} from {endpoint_url}: {answer!r}")
    return answer


def _message(body: bytes) -> str:
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return str(json.loads(body)["message"])
    return body.decode(errors="replace").strip() or "no reason given"
