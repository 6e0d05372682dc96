"""What the workshop remembers between commands, in the state folder: the demo's running cloud, and which
local cloud instance each prefix deployed to (so a restart that forgot everything can be named)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_cloud import launcher

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_FILE = "demo-cloud.json"
DEPLOYED_FILE = "deployed.json"
MAX_ENDPOINTS = 20  # tests and demos use fresh ports: keep the file small


def state_dir() -> Path:
    """The workshop's state folder: WORKSHOP_STATE_DIR (read now: tests move it), else .workshop/ in the project."""
    return Path(os.environ.get("WORKSHOP_STATE_DIR") or PROJECT_ROOT / ".workshop")


def _path(name: str) -> Path:
    return state_dir() / name


def _read(name: str) -> dict[str, Any]:
    try:
        document = json.loads(_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _write(name: str, document: dict[str, Any]) -> None:
    """Write via a temporary file and a rename: two kernels writing at once never leave half a file."""
    path = _path(name)
    with contextlib.suppress(OSError):  # a read-only folder only costs the hint, never the step
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(document, indent=1), encoding="utf-8")
        os.replace(temporary, path)


# -- the demo's private cloud ----------------------------------------------------------------------

@dataclass
class DemoCloud:
    """A `demo --keep` that is still running: where its cloud is and the chat's URL."""

    endpoint_url: str
    prefix: str
    url: str
    pid: int


def record_demo(endpoint_url: str, prefix: str, url: str) -> None:
    _write(DEMO_FILE, {"endpoint_url": endpoint_url, "prefix": prefix, "url": url, "pid": os.getpid()})


def clear_demo() -> None:
    document = _read(DEMO_FILE)
    if document.get("pid") in (None, os.getpid()):  # never remove another demo's record
        _path(DEMO_FILE).unlink(missing_ok=True)


def running_demo() -> DemoCloud | None:
    """The demo kept running with --keep, if its cloud still answers (a stale record is removed)."""
    document = _read(DEMO_FILE)
    try:
        demo = DemoCloud(str(document["endpoint_url"]), str(document["prefix"]), str(document["url"]),
                         int(document["pid"]))
    except (KeyError, TypeError, ValueError):
        return None
    if launcher.health(demo.endpoint_url, timeout=1.0) is None:
        _path(DEMO_FILE).unlink(missing_ok=True)
        return None
    return demo


# -- which cloud instance a prefix deployed to ---------------------------------------------------------

def cloud_instance(endpoint_url: str | None) -> dict[str, Any] | None:
    """The health document of the local cloud at this endpoint (it names its instance), or None."""
    if not endpoint_url:
        return None
    document = launcher.health(endpoint_url, timeout=1.0)
    return document if document and document.get("instance") else None


def remember_deployed(endpoint_url: str | None, prefix: str) -> None:
    """A step of `prefix` passed its check on this local cloud: remember the cloud's instance."""
    health = cloud_instance(endpoint_url)
    if health is None:
        return
    document = _read(DEPLOYED_FILE)
    entry = document.get(endpoint_url) or {}
    if entry.get("instance") != health["instance"]:
        entry = {"instance": health["instance"], "prefixes": []}
    if prefix not in entry["prefixes"]:
        entry["prefixes"].append(prefix)
    entry["seen"] = time.time()
    document[endpoint_url] = entry
    newest = sorted(document.items(), key=lambda item: item[1].get("seen", 0), reverse=True)[:MAX_ENDPOINTS]
    _write(DEPLOYED_FILE, dict(newest))


def forget_deployed(endpoint_url: str | None, prefix: str) -> None:
    """Step 10 left nothing of `prefix`: a later empty cloud is no surprise."""
    document = _read(DEPLOYED_FILE)
    entry = document.get(endpoint_url or "")
    if entry and prefix in entry.get("prefixes", []):
        entry["prefixes"].remove(prefix)
        _write(DEPLOYED_FILE, document)


def restarted_since_deploy(endpoint_url: str | None, prefix: str) -> float | None:
    """When `prefix` had deployed to an earlier instance of the local cloud at this endpoint, which has
    restarted since (its state is gone): the new instance's start time. Otherwise None."""
    health = cloud_instance(endpoint_url)
    if health is None:
        return None
    entry = _read(DEPLOYED_FILE).get(endpoint_url or "") or {}
    if prefix in entry.get("prefixes", []) and entry.get("instance") != health["instance"]:
        return float(health.get("started_at") or 0) or time.time()
    return None
