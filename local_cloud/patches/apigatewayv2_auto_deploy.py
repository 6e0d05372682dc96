"""Fills moto's gap: a stage with AutoDeploy gets automatic deployments (AutoDeployed=True), as on AWS.

AWS redeploys such a stage after every change to the API. Here that happens when someone
looks (get_stage(s), get_deployment(s), create/update_stage): a new automatic deployment is
made whenever the routes differ from the ones the stage's deployment holds, so DeploymentId
and get_deployments read as on AWS. The gateway serves an AutoDeploy stage's live routes
either way (gateway/deployed_apis.find_stage).
"""

from __future__ import annotations

from typing import Any

from moto.apigatewayv2.models import Api, ApiGatewayV2Backend

from ..gateway.deployed_apis import current_routes
from .apigatewayv2_deployments import Deployment
from .wrapping import replace_method

AUTO_DESCRIPTION = "Automatic deployment triggered by changes to the Api configuration"


def refresh_auto_deployments(api: Api) -> None:
    """Point every AutoDeploy stage of `api` at a deployment of the routes as they are now."""
    routes = current_routes(api)
    if not routes:
        return  # AWS cannot deploy an API without routes either
    for stage in list(api.stages.values()):
        if not stage.auto_deploy:
            continue
        served = api.deployments.get(stage.deployment_id) if stage.deployment_id else None
        if served is not None and served.routes == routes:
            continue
        deployment = Deployment(AUTO_DESCRIPTION, routes, auto_deployed=True)
        api.deployments[deployment.deployment_id] = deployment
        stage.deployment_id = deployment.deployment_id


def _refreshing_first(original: Any) -> Any:
    """For backend methods whose first argument after self is api_id."""
    def method(self: ApiGatewayV2Backend, api_id: str, *args: Any, **kwargs: Any) -> Any:
        refresh_auto_deployments(self.get_api(api_id))
        return original(self, api_id, *args, **kwargs)

    return method


def _refreshing_after(original: Any) -> Any:
    """For backend methods that create or change a stage: deploy it once it exists."""
    def method(self: ApiGatewayV2Backend, api_id: str, *args: Any, **kwargs: Any) -> Any:
        result = original(self, api_id, *args, **kwargs)
        refresh_auto_deployments(self.get_api(api_id))
        return result

    return method


def apply() -> None:
    """Run after the deployments and stages patches: it wraps methods they add."""
    for name in ("get_stage", "get_stages", "get_deployment", "get_deployments"):
        replace_method(ApiGatewayV2Backend, name, _refreshing_first)
    for name in ("create_stage", "update_stage"):
        replace_method(ApiGatewayV2Backend, name, _refreshing_after)
