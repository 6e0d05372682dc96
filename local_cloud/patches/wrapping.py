"""replace_method: how every patch changes one of moto's methods, keeping the original for the wrapper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def replace_method(cls: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Wrap cls.name with make(original); the original stays reachable for the wrapper."""
    original = getattr(cls, name)
    setattr(cls, name, make(original))
