"""Unpack each deployed zip once (per code sha) into this cloud's own temporary folder: the workers' task roots.

The folder's name carries the owning process's pid and start time, so a later cloud can tell the folders
of clouds that died without cleaning up (kill -9, a power cut) and delete them.
"""

from __future__ import annotations

import asyncio
import compileall
import hashlib
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from . import processes, zip_package

log = logging.getLogger("local_cloud.lambda")
PREFIX = "local-cloud-lambda-"
OWNED_FOLDER = re.compile(rf"^{PREFIX}(?P<pid>\d+)-(?P<started>\d+)-")


class CodeCache:
    def __init__(self) -> None:
        self._root: Path | None = None
        self._unpacked: dict[str, Path] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def root(self) -> Path:
        if self._root is None:
            owner = processes.process_identity(os.getpid()) or f"{os.getpid()}-0"
            self._root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{owner}-"))
        return self._root

    async def task_root(self, code_sha256: str, code_bytes: bytes) -> Path:
        """The folder holding this code, unpacked on first use; raises zip_package.PackageError for a bad zip."""
        if code_sha256 in self._unpacked:
            return self._unpacked[code_sha256]
        lock = self._locks.setdefault(code_sha256, asyncio.Lock())
        async with lock:  # several cold starts of one function unpack it once
            if code_sha256 not in self._unpacked:
                folder = self.root / hashlib.sha256(code_sha256.encode()).hexdigest()[:20]
                await asyncio.get_running_loop().run_in_executor(None, unpack_and_compile, code_bytes, folder)
                self._unpacked[code_sha256] = folder
        return self._unpacked[code_sha256]

    def clear(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
        self._root = None
        self._unpacked.clear()
        self._locks.clear()


def unpack_and_compile(code: bytes, folder: Path) -> None:
    """Unpack the code, and compile the modules at its top (the handler's own) to bytecode once, here.

    Otherwise every cold start compiles them again while it imports the handler (most of a small
    function's Init Duration). Packages deeper in the zip are left as they are: a big dependency would take
    long to compile whole, and its first import writes its own bytecode. A module that does not compile is
    skipped here; its import reports the error, as on AWS.
    """
    zip_package.unpack(code, folder)
    compileall.compile_dir(folder, maxlevels=0, quiet=2, workers=1)


def remove_abandoned(temp_dir: str | None = None) -> list[Path]:
    """Delete the code folders of local clouds that are no longer running; return what was deleted."""
    removed = []
    base = Path(temp_dir or tempfile.gettempdir())
    try:
        candidates = [path for path in base.iterdir() if path.name.startswith(PREFIX)]
    except OSError:
        return removed
    for path in candidates:
        match = OWNED_FOLDER.match(path.name)
        if match is None or not path.is_dir():
            continue
        if processes.process_identity(int(match["pid"])) == f"{match['pid']}-{match['started']}":
            continue  # its cloud is still running
        try:
            if path.stat().st_uid != os.getuid():
                continue
        except (OSError, AttributeError):  # AttributeError: no getuid on Windows, where the temp folder is per user
            pass
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    if removed:
        log.info("removed the unpacked code of %d local cloud(s) that stopped without cleaning up", len(removed))
    return removed
