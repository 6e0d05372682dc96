"""Route selection: evaluate the API's RouteSelectionExpression on a message, as API Gateway does."""

from __future__ import annotations

import json
import re
from typing import Any

# "$request.body.action", also written "${request.body.action}"; dotted paths reach nested fields.
BODY_EXPRESSION = re.compile(r"^\$\{?request\.body\.(?P<path>[^}]+)\}?$")


def selection_value(expression: str, body: str) -> str | None:
    """The route key the expression picks for this body, or None (not JSON, no such field)."""
    match = BODY_EXPRESSION.match((expression or "").strip())
    if match is None:
        return None
    try:
        value: Any = json.loads(body)
    except ValueError:
        return None
    for name in match.group("path").split("."):
        if not isinstance(value, dict) or name not in value:
            return None
        value = value[name]
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def select_route(expression: str, body: str, route_keys: Any) -> str | None:
    """The route key to serve: the exact match, else $default, else None (the caller answers Forbidden)."""
    return choose_route(selection_value(expression, body), route_keys)


def choose_route(value: str | None, route_keys: Any) -> str | None:
    """select_route for a selection value already read from the body (read it once, choose among several sets)."""
    # $connect and $disconnect are never chosen by the expression.
    if value is not None and value in route_keys and value not in ("$connect", "$disconnect"):
        return value
    return "$default" if "$default" in route_keys else None
