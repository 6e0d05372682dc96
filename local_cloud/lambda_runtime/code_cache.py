"""Unpack each deployed zip once (per code sha) into a private temporary folder: the workers' task roots."""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
import tempfile
import zipfile
from pathlib import Path


class CodeCache:
    def __init__(self) -> None:
        self._root: Path | None = None
        self._unpacked: dict[str, Path] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="local-cloud-lambda-"))
        return self._root

    async def task_root(self, code_sha256: str, code_bytes: bytes) -> Path:
        """The folder holding this code, unpacked on first use; raises zipfile.BadZipFile for a broken zip."""
        if code_sha256 in self._unpacked:
            return self._unpacked[code_sha256]
        lock = self._locks.setdefault(code_sha256, asyncio.Lock())
        async with lock:  # several cold starts of one function unpack it once
            if code_sha256 not in self._unpacked:
                folder = self.root / hashlib.sha256(code_sha256.encode()).hexdigest()[:20]
                await asyncio.get_running_loop().run_in_executor(None, _unpack, code_bytes, folder)
                self._unpacked[code_sha256] = folder
        return self._unpacked[code_sha256]

    def clear(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
        self._root = None
        self._unpacked.clear()
        self._locks.clear()


def _unpack(code_bytes: bytes, folder: Path) -> None:
    if not code_bytes:
        raise zipfile.BadZipFile("the function has no code (an empty deployment package)")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(io.BytesIO(code_bytes)) as archive:
        archive.extractall(partial)  # extractall drops absolute paths and ".." parts
    partial.replace(folder)
