"""The workshop's embedded AWS: moto's control plane, a Lambda runtime and a WebSocket gateway."""

import sys

from . import lazy_openapi

# Before anything below can import moto's API Gateway models (local_cloud/lazy_openapi.py says why).
lazy_openapi.install()

from .config import Settings  # noqa: E402
from .embedded import LocalCloud  # noqa: E402

# moto's API Gateway models import openapi_spec_validator, hence jsonschema, which builds an RFC 3987
# grammar at import time when the optional rfc3987_syntax package is installed (JupyterLab brings it):
# 1-4 s of every start-up for a format check the local cloud never makes. Mark it absent before moto loads.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

__all__ = ["LocalCloud", "Settings"]
