"""Lambda's rules for a .zip deployment package: a readable zip, at most 250 MB unzipped, unpacked inside its folder."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
import zlib
from pathlib import Path

# AWS's quota for a function's code, unzipped (and its error text, which names the number in bytes).
MAX_UNZIPPED_BYTES = 262_144_000
NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
TOO_BIG = f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes"
CHUNK = 1024 * 1024
# What a damaged, encrypted or oddly compressed entry raises while it is read.
UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError)


class PackageError(ValueError):
    """The package breaks one of Lambda's rules; the message is AWS's own."""


def check(code: bytes, limit: int = MAX_UNZIPPED_BYTES) -> None:
    """Refuse what Lambda refuses at create_function/update_function_code: read every entry, count what it unzips to."""
    with _open(code, limit) as archive:
        total = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            with _open_entry(archive, info) as entry:
                total = _drain(entry, total, limit)


def unpack(code: bytes, folder: Path, limit: int = MAX_UNZIPPED_BYTES) -> None:
    """Unpack into `folder` (replaced whole), never writing outside it and never more than `limit` bytes."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    root = partial.resolve()
    try:
        with _open(code, limit) as archive:
            total = 0
            for info in archive.infolist():
                target = _inside(root, info.filename)
                if target is None:
                    continue
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with _open_entry(archive, info) as entry, open(target, "wb") as out:
                    total = _drain(entry, total, limit, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    partial.replace(folder)


def _open(code: bytes, limit: int) -> zipfile.ZipFile:
    """The archive, once its directory is readable and its declared sizes fit the limit."""
    if not code:
        raise PackageError(NOT_A_ZIP)
    try:
        archive = zipfile.ZipFile(io.BytesIO(code))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise PackageError(NOT_A_ZIP) from None
    if sum(info.file_size for info in archive.infolist()) > limit:
        archive.close()
        raise PackageError(TOO_BIG)
    return archive


def _drain(entry, total: int, limit: int, out=None) -> int:
    """Read one entry to its end (zipfile checks its CRC there), counting bytes: a header that lies about
    sizes still cannot make more than `limit` bytes come out."""
    while True:
        try:
            chunk = entry.read(CHUNK)
        except UNREADABLE:
            raise PackageError(NOT_A_ZIP) from None
        if not chunk:
            return total
        total += len(chunk)
        if total > limit:
            raise PackageError(TOO_BIG)
        if out is not None:
            out.write(chunk)


def _open_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    try:
        return archive.open(info)
    except UNREADABLE:
        raise PackageError(NOT_A_ZIP) from None


def _inside(root: Path, name: str) -> Path | None:
    """Where an entry goes under root: absolute paths, drive letters and '..' parts are dropped (as unzip does);
    None for a name with nothing left, or one that would still resolve outside root (a symlinked folder)."""
    parts = [part for part in re.split(r"[\\/]+", name) if part not in ("", ".", "..")]
    if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
        parts = parts[1:]
    if not parts:
        return None
    target = root.joinpath(*parts)
    if not target.resolve().is_relative_to(root):
        return None
    return target
