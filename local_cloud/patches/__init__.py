"""Small, tested patches that fill the gaps of moto the workshop needs (moto is pinned exactly)."""

from __future__ import annotations

import os

from ..config import Settings

_applied = False


def apply(settings: Settings) -> None:
    """Apply every patch once per process; settings (the gateway's URL) may change between calls."""
    global _applied
    # AWS managed policies (e.g. AWSLambdaBasicExecutionRole) must exist before the first IAM call.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    if _applied:
        return
    _applied = True
