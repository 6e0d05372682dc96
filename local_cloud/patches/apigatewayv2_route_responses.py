"""Fills moto's gap: apigatewayv2 get_route_responses, which moto answers with NotImplementedError."""

from __future__ import annotations

import json

from moto.apigatewayv2.models import ApiGatewayV2Backend, RouteResponse
from moto.apigatewayv2.responses import ApiGatewayV2Response

from .apigatewayv2_registry import add_apigatewayv2_operation


def get_route_responses(self: ApiGatewayV2Backend, api_id: str, route_id: str) -> list[RouteResponse]:
    route = self.get_api(api_id).get_route(route_id)  # NotFoundException for an unknown API or route
    return list(route.route_responses.values())


def respond_get_route_responses(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    parts = self.path.split("/")  # /v2/apis/{apiId}/routes/{routeId}/routeresponses
    route_responses = self.apigatewayv2_backend.get_route_responses(parts[-4], parts[-2])
    return 200, {}, json.dumps({"items": [response.to_json() for response in route_responses]})


def apply() -> None:
    ApiGatewayV2Backend.get_route_responses = get_route_responses
    add_apigatewayv2_operation("get_route_responses", respond_get_route_responses)
