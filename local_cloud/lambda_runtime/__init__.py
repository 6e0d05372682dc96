"""Lambda runtime: runs each deployed function's real code in worker processes (see runtime.py)."""

from __future__ import annotations

from .functions import FunctionNotFound
from .runtime import InvalidRequestContent, InvokeError, InvokeResult, LambdaRuntime

__all__ = ["FunctionNotFound", "InvalidRequestContent", "InvokeError", "InvokeResult", "LambdaRuntime"]
