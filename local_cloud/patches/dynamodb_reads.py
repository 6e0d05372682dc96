"""Speeds up moto's Scan and Query: no deep copy of items that are only written out, and a quick top-level projection.

moto's Table.scan and Table.query deep-copy every item they return, so that a caller may change the results
without changing the table. A Scan or Query request never changes them: the handler hands the items straight
to the response serializer, which only reads them (see dynamodb_responses), so while a request's Scan or Query
runs in this thread, table.py's deepcopy hands the stored item back as it is. Anything else calling
Table.scan/query (in any thread) still gets copies.

moto projects an item (ProjectionExpression) by converting the WHOLE item to Python values once per projected
path, then back. For the common case, a list of top-level attribute names ("connectionId, #name, connectedAt",
the chat's member list), only the named attributes make that round trip: the result is the same Item.

Scan and Query also weigh every item twice against the 1 MB page limit (Item.size), and moto's size copies
each map value into a new DynamoType first: the same sum is computed here without the copies.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import moto.dynamodb.models.table as table_module
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict, deserializer, serializer
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.responses import DynamoHandler

from .wrapping import replace_method

_reading = threading.local()  # .active: this thread runs a Scan or Query request whose items are only serialized


class _CopyModuleForReads:
    """Stands in for the copy module inside moto's table.py; deepcopy is the identity during a read request."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if getattr(_reading, "active", False):
            return value
        return copy.deepcopy(value, memo)


def _only_serialized(original: Any) -> Any:
    def read(self: DynamoHandler) -> Any:
        _reading.active = True
        try:
            return original(self)
        finally:
            _reading.active = False

    return read


def top_level_names(projection_expressions: list[list[str]]) -> list[str] | None:
    """The attribute names when every path is one plain top-level name, each named once; otherwise None."""
    names = []
    for path in projection_expressions:
        # moto reads "a[0]" as an index into a list, and merges a name projected twice: its own path does both.
        if len(path) != 1 or "[" in path[0] or path[0] in names:
            return None
        names.append(path[0])
    return names


def _round_trip(value: DynamoType) -> dict[str, Any]:
    """What moto's project makes of one attribute: to Python (Decimal, set, ...) and back."""
    if type(value.value) is str and value.type == "S" or type(value.value) is bool and value.type == "BOOL":
        return {value.type: value.value}  # the round trip returns these unchanged
    return serializer.serialize(deserializer.deserialize(value.to_regular_json()))


def _projected_quickly(original: Any) -> Any:
    def project(self: Item, projection_expressions: list[list[str]]) -> Item:
        names = top_level_names(projection_expressions)
        if names is None:
            return original(self, projection_expressions)
        projected = Item.__new__(Item)
        projected.hash_key, projected.range_key = self.hash_key, self.range_key
        # Built as moto's own __deepcopy__ builds an item: without re-weighing it against the 400 KB limit at
        # every attribute (a subset of a stored item's attributes, which passed that check when written).
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        for name in names:
            if name in self.attrs:
                dict.__setitem__(attrs, name, DynamoType(_round_trip(self.attrs[name])))
        projected.attrs = attrs
        return projected

    return project


class _Unusual(Exception):
    """A value moto's own DynamoType.size should weigh."""


def value_size(value: DynamoType) -> int:
    """DynamoType.size, branch for branch, without its copy of every map value and set member."""
    if type(value) is not DynamoType:
        raise _Unusual(value)
    kind, inner = value.type, value.value
    if kind == "S" and type(inner) is str:  # the most common first
        return len(inner.encode("utf-8"))
    if kind == "N":
        return len(str(inner))
    if kind in ("SS", "NS", "BS"):
        return sum(_scalar_size(kind[0], member) for member in inner)
    if kind == "L":
        return sum(value_size(element) for element in inner)
    if kind == "M":
        return sum(bytesize(key) + value_size(element) for key, element in inner.items())
    return _scalar_size(kind, inner)


def _scalar_size(kind: str, inner: Any) -> int:
    if kind == "N":
        return len(str(inner))
    return 1 if isinstance(inner, bool) else bytesize(inner)


def _sized_quickly(original: Any) -> Any:
    def size(self: Item) -> int:
        try:
            return sum(bytesize(key) + value_size(value) for key, value in self.attrs.items())
        except _Unusual:
            return original(self)

    return size


def apply() -> None:
    table_module.copy = _CopyModuleForReads()  # type: ignore[assignment]
    replace_method(DynamoHandler, "scan", _only_serialized)
    replace_method(DynamoHandler, "query", _only_serialized)
    replace_method(Item, "project", _projected_quickly)
    replace_method(Item, "size", _sized_quickly)
