"""The gateway's read-only view of the WebSocket APIs held by the control plane (moto, in this process)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto.apigatewayv2.models import apigatewayv2_backends

# arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations
LAMBDA_INTEGRATION_URI = re.compile(
    r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<function>.+?)/invocations/?$"
)
TARGET_PREFIX = "integrations/"


@dataclass(frozen=True)
class DeployedRoute:
    """One route as a stage serves it, with the integration it pointed at when deployed."""

    route_key: str
    route_id: str
    integration_id: str | None
    integration_type: str | None  # e.g. "AWS_PROXY"
    integration_uri: str | None  # arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations
    has_route_response: bool


@dataclass(frozen=True)
class StageView:
    """What one stage of one API serves right now."""

    api_id: str
    stage_name: str
    account_id: str
    region: str
    route_selection_expression: str  # e.g. "$request.body.action"
    routes: dict[str, DeployedRoute]  # by route key: the deployment's snapshot, or live routes if AutoDeploy
    deployment_id: str | None
    auto_deploy: bool
    undeployed_route_keys: tuple[str, ...]  # routes on the API that this stage does not serve


def current_routes(api: Any) -> dict[str, DeployedRoute]:
    """The routes of a moto Api as they are now, keyed by route key (what a deployment snapshots)."""
    integrations = api.integrations
    routes: dict[str, DeployedRoute] = {}
    # list() copies in one step: moto's threads may add routes while the gateway reads.
    for route in list(api.routes.values()):
        target = route.target or ""
        integration_id = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else None
        integration = integrations.get(integration_id) if integration_id else None
        routes[route.route_key] = DeployedRoute(
            route_key=route.route_key,
            route_id=route.route_id,
            integration_id=integration_id,
            integration_type=integration.integration_type if integration else None,
            integration_uri=integration.integration_uri if integration else None,
            has_route_response=bool(route.route_responses),
        )
    return routes


def _backends() -> Iterator[tuple[str, str, Any]]:
    """Every apigatewayv2 backend moto has created so far: (account id, region, backend)."""
    for account_id, regions in list(apigatewayv2_backends.items()):
        for region, backend in list(regions.items()):
            yield account_id, region, backend


def _find_api(api_id: str) -> tuple[str, str, Any] | None:
    for account_id, region, backend in _backends():
        api = backend.apis.get(api_id)
        if api is not None:
            return account_id, region, api
    return None


def api_exists(api_id: str) -> bool:
    """True when some account/region holds an API with this id."""
    return _find_api(api_id) is not None


def find_stage(api_id: str, stage_name: str) -> StageView | None:
    """The stage `stage_name` of API `api_id`, in whichever account/region holds it; None if either is missing."""
    found = _find_api(api_id)
    if found is None:
        return None
    account_id, region, api = found
    stage = api.stages.get(stage_name)
    if stage is None:
        return None
    auto_deploy = bool(stage.auto_deploy)
    deployment_id = getattr(stage, "deployment_id", None)
    if auto_deploy:
        served = current_routes(api)
    else:
        deployment = getattr(api, "deployments", {}).get(deployment_id) if deployment_id else None
        served = dict(deployment.routes) if deployment is not None else {}
    route_keys = {route.route_key for route in list(api.routes.values())}
    return StageView(
        api_id=api_id,
        stage_name=stage_name,
        account_id=account_id,
        region=region,
        route_selection_expression=api.route_selection_expression,
        routes=served,
        deployment_id=deployment_id,
        auto_deploy=auto_deploy,
        undeployed_route_keys=tuple(sorted(route_keys - served.keys())),
    )


def function_arn_from_integration_uri(uri: str) -> str | None:
    """The Lambda function ARN inside an AWS_PROXY integration URI; None for any other URI.

    A plain function ARN (which the console accepts for HTTP APIs) is returned unchanged.
    """
    if not uri:
        return None
    match = LAMBDA_INTEGRATION_URI.match(uri)
    if match:
        return match.group("function")
    if uri.startswith("arn:") and ":lambda:" in uri and ":function:" in uri:
        return uri
    return None
