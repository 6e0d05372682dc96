"""Lambda runtime: runs each deployed function's real code in worker processes (see runtime.py)."""

from __future__ import annotations

from ..runtime_interface import FunctionNotFound, InvalidRequestContent, InvokeError, InvokeResult
from .runtime import LambdaRuntime

__all__ = ["FunctionNotFound", "InvalidRequestContent", "InvokeError", "InvokeResult", "LambdaRuntime"]
