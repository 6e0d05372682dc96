"""Build each route's Lambda zip (its module + the shared chat_*.py at the root, the catalogs in locale/), reproducibly."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

from .errors import PackagingError
from .i18n import _
from .naming import ROUTES

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "lambda_functions"
# The modules every handler imports, bundled into every zip: a function's zip is all the code it can import.
SHARED_MODULES = ("chat_events.py", "chat_text.py", "chat_table.py", "chat_connections.py")
# The compiled translations chat_text._ reads (locale/pt_BR/LC_MESSAGES/chat.mo), next to their .po sources.
CATALOGS = "locale/*/LC_MESSAGES/chat.po"
# A fixed timestamp makes the same source give the same zip, so CodeSha256 tells "changed" from "unchanged".
FIXED_DATE = (2020, 1, 1, 0, 0, 0)


def source_files(route_key: str, functions_dir: Path = FUNCTIONS_DIR) -> list[Path]:
    files = [functions_dir / f"{ROUTES[route_key]}.py", *(functions_dir / module for module in SHARED_MODULES)]
    for path in files:
        if not path.is_file():
            raise PackagingError(_("{path} is missing: the handler code of route {route!r} lives there. "
                                   "Restore it (git checkout -- lambda_functions) and re-run the step.").format(
                path=path, route=route_key))
    return files + catalog_files(functions_dir)


def catalog_files(functions_dir: Path = FUNCTIONS_DIR) -> list[Path]:
    """The compiled catalogs, one per language besides English: every function speaks the deployed language."""
    compiled = [po.with_suffix(".mo") for po in sorted(functions_dir.glob(CATALOGS))]
    for path in compiled:
        if not path.is_file():
            raise PackagingError(_("{path} is missing: the chat functions read their translations there. "
                                   "Compile it with `python -m workshop.chat_catalog` "
                                   "(or git checkout -- lambda_functions).").format(path=path))
    return compiled


def build_zip(route_key: str, functions_dir: Path = FUNCTIONS_DIR) -> bytes:
    """The deployment package of one route's function."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in source_files(route_key, functions_dir):
            info = zipfile.ZipInfo(path.relative_to(functions_dir).as_posix(), date_time=FIXED_DATE)
            info.external_attr = 0o644 << 16  # readable by the Lambda runtime user
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            if path.suffix == ".py":  # a Windows checkout must not look like changed code
                data = data.replace(b"\r\n", b"\n")
            archive.writestr(info, data)
    return buffer.getvalue()


def code_sha256(zip_bytes: bytes) -> str:
    """What Lambda reports as CodeSha256: base64 of the zip's SHA-256."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
