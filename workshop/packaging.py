"""Build each route's Lambda zip (its module + chat_shared.py at the root), byte-for-byte reproducible."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

from .i18n import _
from .naming import ROUTES

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "lambda_functions"
SHARED_MODULE = "chat_shared.py"
# A fixed timestamp makes the same source give the same zip, so CodeSha256 tells "changed" from "unchanged".
FIXED_DATE = (2020, 1, 1, 0, 0, 0)


class PackagingError(RuntimeError):
    """A handler file is missing."""


def source_files(route_key: str, functions_dir: Path = FUNCTIONS_DIR) -> list[Path]:
    files = [functions_dir / f"{ROUTES[route_key]}.py", functions_dir / SHARED_MODULE]
    for path in files:
        if not path.is_file():
            raise PackagingError(_("{path} is missing: the handler code of route {route!r} lives there. "
                                   "Restore it (git checkout -- lambda_functions) and re-run the step.").format(
                path=path, route=route_key))
    return files


def build_zip(route_key: str, functions_dir: Path = FUNCTIONS_DIR) -> bytes:
    """The deployment package of one route's function."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in source_files(route_key, functions_dir):
            info = zipfile.ZipInfo(path.name, date_time=FIXED_DATE)
            info.external_attr = 0o644 << 16  # readable by the Lambda runtime user
            info.compress_type = zipfile.ZIP_DEFLATED
            # Normalise line endings: a Windows checkout must not look like changed code.
            archive.writestr(info, path.read_bytes().replace(b"\r\n", b"\n"))
    return buffer.getvalue()


def code_sha256(zip_bytes: bytes) -> str:
    """What Lambda reports as CodeSha256: base64 of the zip's SHA-256."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
