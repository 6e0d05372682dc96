"""Fills moto's gap: a route key is unique in an API (moto adds a second route with the same key).

AWS answers ConflictException; without it a re-run notebook would silently double its routes.
"""

from __future__ import annotations

from typing import Any

from moto.apigatewayv2.exceptions import APIGatewayV2Error
from moto.apigatewayv2.models import Api, Route

from .wrapping import replace_method


class RouteKeyTaken(APIGatewayV2Error):
    code = 409

    def __init__(self, route_key: str) -> None:
        super().__init__(
            "ConflictException",
            f"Route with key {route_key} already exists for this API. "
            "Look it up with get_routes and change it with update_route, or delete it first.",
        )


def _create_route_once_per_key(original: Any) -> Any:
    def create_route(self: Api, *args: Any, **kwargs: Any) -> Route:
        route_key = kwargs.get("route_key")
        if any(route.route_key == route_key for route in list(self.routes.values())):
            raise RouteKeyTaken(route_key)
        return original(self, *args, **kwargs)

    return create_route


def apply() -> None:
    replace_method(Api, "create_route", _create_route_once_per_key)
