"""Lambda runtime: runs each deployed function's real code in worker processes (see runtime.py)."""

from __future__ import annotations

from .errors import FunctionNotFound, InvalidRequestContent, InvokeError
from .runtime import InvokeResult, LambdaRuntime

__all__ = ["FunctionNotFound", "InvalidRequestContent", "InvokeError", "InvokeResult", "LambdaRuntime"]
