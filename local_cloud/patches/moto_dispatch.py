"""Speeds up moto's request dispatch: what it recomputed for every request is computed once.

For every request moto's server lists its own package folder (twice: listdir plus an isdir per entry, ~57
entries) to see whether the host names a service, and its handler lists every method of its class with
inspect.getmembers to see whether the action is one. Together that was about a third of moto's own CPU for a
GetItem. The folder does not change while the process runs; a class's methods are cached per class, and an
action not found in the cache is looked up afresh (a method added later by a patch is still found).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import moto.backends as backends
import moto.core.responses as core_responses

_method_names: dict[type, frozenset[str]] = {}


class _MethodNames:
    """The names of a class's methods, as moto's list; `in` falls back to a fresh look-up on a miss."""

    def __init__(self, cls: type, compute: Callable[[object], list[str]]) -> None:
        self.cls, self.compute = cls, compute

    def __contains__(self, name: object) -> bool:
        names = _method_names.get(self.cls)
        if names is None or name not in names:
            names = _method_names[self.cls] = frozenset(self.compute(self.cls))
        return name in names

    def __iter__(self) -> Iterator[str]:
        return iter(self.compute(self.cls))


def apply() -> None:
    listed = backends.list_of_moto_modules
    backends.list_of_moto_modules = functools.cache(lambda: tuple(listed()))  # type: ignore[assignment]
    compute = core_responses.method_names_from_class
    core_responses.method_names_from_class = lambda cls: _MethodNames(cls, compute)  # type: ignore[assignment]
