"""Speeds up moto: DynamoDB items are written to JSON by hand, byte for byte as moto's generic serializer writes them.

moto turns every response into JSON by walking botocore's shapes, looking each value up through a chain of
alias providers; for DynamoDB that walk reaches every AttributeValue of every item (about 90% of a 100-item
Scan's time, ~0.3 ms per item), after first copying the items into plain dicts (dynamo_to_dict). Here moto's
serializer still writes the response's envelope (Count, ConsumedCapacity, ...), but a map of AttributeValues
(an item, a key) is handed to a small recursive function that builds the very dict moto's walk would build;
json.dumps then writes the same bytes. Anything the function does not expect (a type it does not know, a value
of the wrong Python type, an empty attribute name) goes back to moto's own path, unchanged.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from typing import Any

from moto.core.responses import ActionContext
from moto.core.serialize import JSONSerializer
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.utilities import dynamo_to_dict
from moto.dynamodb.responses import DynamoResult

from .wrapping import replace_method

# Operations whose results hold nothing but plain values and AttributeValue maps: their DynamoResult keeps the
# stored DynamoTypes as they are (no dynamo_to_dict copy) and the serializer below reads them directly.
DIRECT_OPERATIONS = frozenset({"GetItem", "Scan", "Query", "BatchGetItem"})


class NotPlain(Exception):
    """A value the hand-written serializer does not expect: moto's generic path serializes it instead."""


def attribute_map(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """A map of attribute name -> AttributeValue (DynamoType, or its {type: value} dict), as moto writes it."""
    out = {}
    for name, value in attrs.items():
        # moto's walk writes an empty name's members into the enclosing map: leave that oddity to moto.
        if type(name) is not str or not name:
            raise NotPlain(name)
        out[name] = attribute_value(value)
    return out


def attribute_value(value: Any) -> dict[str, Any]:
    """One AttributeValue as the dict moto's serializer builds for it (B and BS as base64 text)."""
    if type(value) is DynamoType:
        kind, inner, stored = value.type, value.value, True
    elif type(value) is dict and len(value) == 1:
        ((kind, inner),) = value.items()
        stored = False
    else:
        raise NotPlain(value)
    if kind == "S" or kind == "N":
        if type(inner) is str:
            return {kind: inner}
    elif kind == "M":
        if type(inner) is dict:
            return {"M": attribute_map(inner)}
    elif kind == "L":
        if type(inner) is list:
            return {"L": [attribute_value(element) for element in inner]}
    elif kind == "BOOL" or kind == "NULL":
        if type(inner) is bool:
            return {kind: inner}
    elif kind == "SS" or kind == "NS":
        if type(inner) is list and all(type(element) is str for element in inner):
            return {kind: list(inner)}
    elif kind == "B":
        return {"B": _base64(inner, stored)}
    elif kind == "BS" and type(inner) is list:
        return {"BS": [_base64(element, stored) for element in inner]}
    raise NotPlain(value)


def _base64(value: Any, stored: bool) -> str:
    # A stored DynamoType may hold base64 text (dynamo_to_dict decodes it to bytes first); a plain dict's
    # text is encoded as it is, as moto's blob serializer does.
    if type(value) is str:
        value = base64.b64decode(value) if stored else value.encode("utf-8")
    elif type(value) is not bytes:
        raise NotPlain(value)
    return base64.b64encode(value).decode("utf-8")


class AttributeValueJSONSerializer(JSONSerializer):
    """moto's JSON serializer, except that maps of AttributeValues (AttributeMap, Key) are written directly."""

    def _serialize_type_map(self, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.value.name == "AttributeValue" and isinstance(value, Mapping):
            try:
                serialized[self.get_serialized_name(shape, key)] = attribute_map(value)
                return
            except NotPlain:
                value = dynamo_to_dict(value)  # what moto had made of it before serializing
        super()._serialize_type_map(serialized, value, shape, key)


def _keeping_stored_values(original: Any) -> Any:
    def __init__(self: DynamoResult, result: object) -> None:
        # execute_result below converts (dynamo_to_dict) what the direct serializer does not read itself.
        self._result = result

    return __init__


def _serialized_directly(original: Any) -> Any:
    def execute_result(self: DynamoResult, context: ActionContext) -> Any:
        # Another protocol, or transformers that may rewrite any key path: moto's own walk, on moto's dicts.
        direct = context.serializer_class is JSONSerializer and not getattr(
            context.response, "RESPONSE_KEY_PATH_TO_TRANSFORMER", None)
        if not direct or context.operation_model.name not in DIRECT_OPERATIONS:
            self._result = dynamo_to_dict(self._result)
        if direct:
            context = dataclasses.replace(context, serializer_class=AttributeValueJSONSerializer)
        return original(self, context)

    return execute_result


def apply() -> None:
    replace_method(DynamoResult, "__init__", _keeping_stored_values)
    replace_method(DynamoResult, "execute_result", _serialized_directly)
