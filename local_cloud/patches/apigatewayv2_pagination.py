"""Fills moto's gap: apigatewayv2 list operations honour MaxResults and NextToken (moto returns everything).

boto3's paginators (get_paginator("get_apis") ...) and learners' own NextToken loops then
behave as on AWS, where a page holds at most MaxResults items.
"""

from __future__ import annotations

import json
from typing import Any

from moto.apigatewayv2.exceptions import BadRequestException
from moto.apigatewayv2.responses import ApiGatewayV2Response

from .wrapping import replace_method

PAGINATED_OPERATIONS = ("get_apis", "get_routes", "get_integrations", "get_stages", "get_deployments",
                        "get_route_responses")


def _query_value(response: ApiGatewayV2Response, name: str) -> str | None:
    values = response.querystring.get(name)
    return values[0] if values else None


def page_of(items: list[Any], max_results: str | None, next_token: str | None) -> tuple[list[Any], str | None]:
    """The page starting at next_token (an offset) with at most max_results items, and the next token."""
    try:
        start = int(next_token) if next_token else 0
        size = int(max_results) if max_results else None
    except ValueError:
        raise BadRequestException("Invalid MaxResults or NextToken: pass the NextToken of the previous page.") from None
    if start < 0 or (size is not None and size < 1):
        raise BadRequestException("MaxResults must be at least 1 and NextToken must come from a previous page.")
    end = len(items) if size is None else start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _paginated(original: Any) -> Any:
    def operation(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
        status, headers, body = original(self)
        if status != 200:
            return status, headers, body
        result = json.loads(body)
        items, next_token = page_of(result.get("items", []), _query_value(self, "maxResults"),
                                    _query_value(self, "nextToken"))
        result["items"] = items
        if next_token:
            result["nextToken"] = next_token
        return status, headers, json.dumps(result)

    return operation


def apply() -> None:
    """Run after the patches that add list operations, so their methods are wrapped too."""
    for name in PAGINATED_OPERATIONS:
        replace_method(ApiGatewayV2Response, name, _paginated)
