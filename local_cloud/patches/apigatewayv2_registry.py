"""Register a URL route or an operation with moto's in-process apigatewayv2 service (patches that add operations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import moto.apigateway.urls
import moto.apigatewayv2.urls
from moto.apigatewayv2.responses import ApiGatewayV2Response


def add_apigatewayv2_url(pattern: str) -> None:
    """Route `pattern` (moto's "{0}/v2/..." form) to the apigatewayv2 responses.

    moto serves API Gateway v1 and v2 from one Flask app whose routes are read from
    moto.apigateway.urls (which copied v2's routes when it was imported), so both
    tables get the entry. The app is built on the first apigatewayv2 request: patches
    must run before it, which LocalCloudServer.start() guarantees.
    """
    for table in (moto.apigatewayv2.urls.url_paths, moto.apigateway.urls.url_paths):
        table.setdefault(pattern, ApiGatewayV2Response.dispatch)


def add_apigatewayv2_operation(name: str, method: Callable[[Any], Any]) -> None:
    """Serve the botocore operation `name` (snake_case, e.g. "get_deployments") with `method`.

    moto finds the operation from the request's method and URI through botocore's model,
    then calls the response method of that name.
    """
    setattr(ApiGatewayV2Response, name, method)
