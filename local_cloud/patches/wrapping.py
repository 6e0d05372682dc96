"""replace_method: how every patch changes one of moto's methods, keeping the original for the wrapper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def replace_method(cls: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Wrap cls.name with make(original); the original stays reachable for the wrapper, and as __wrapped__.

    __wrapped__ (functools.wraps' convention) lets a test run moto's unpatched method next to the patched one.
    """
    original = getattr(cls, name)
    replacement = make(original)
    if not hasattr(replacement, "__wrapped__"):
        replacement.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(cls, name, replacement)
