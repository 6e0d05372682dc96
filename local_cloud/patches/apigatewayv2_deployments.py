"""Fills moto's gap: apigatewayv2 deployments (create/get/list/update/delete), which moto answers with 404.

A deployment snapshots the API's routes at that moment (see gateway/deployed_apis.current_routes); a stage serves
the snapshot of the deployment it points at. Deployments live on moto's Api object, so
delete_api and moto's reset remove them too.
"""

from __future__ import annotations

import json
import string
from datetime import datetime, timezone
from typing import Any

from moto.apigatewayv2.exceptions import APIGatewayV2Error, BadRequestException
from moto.apigatewayv2.models import Api, ApiGatewayV2Backend
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.utils import iso_8601_datetime_without_milliseconds
from moto.moto_api._internal import mock_random as random

from ..gateway.deployed_apis import DeployedRoute, current_routes
from .apigatewayv2_registry import add_apigatewayv2_operation, add_apigatewayv2_url
from .wrapping import replace_method


class DeploymentNotFound(APIGatewayV2Error):
    code = 404

    def __init__(self, deployment_id: str) -> None:
        super().__init__("NotFoundException", f"Invalid Deployment identifier specified {deployment_id}")


class Deployment:
    """One deployment of an API: the routes it serves, frozen when it was created."""

    def __init__(self, description: str | None, routes: dict[str, DeployedRoute], auto_deployed: bool = False):
        # AWS deployment ids are 6 lowercase letters and digits, e.g. "k2b7vx".
        self.deployment_id = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(6))
        self.description = description
        self.routes = routes
        self.auto_deployed = auto_deployed
        self.created = datetime.now(timezone.utc)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "autoDeployed": self.auto_deployed,
            "createdDate": iso_8601_datetime_without_milliseconds(self.created),
            "deploymentId": self.deployment_id,
            "deploymentStatus": "DEPLOYED",
        }
        if self.description:
            body["description"] = self.description
        return body


# -- model: methods added to moto's backend ------------------------------------------------------

def get_deployment_of(api: Api, deployment_id: str) -> Deployment:
    deployment = api.deployments.get(deployment_id)
    if deployment is None:
        raise DeploymentNotFound(deployment_id)
    return deployment


def create_deployment(self: ApiGatewayV2Backend, api_id: str, description: str | None,
                      stage_name: str | None) -> Deployment:
    api = self.get_api(api_id)
    stage = api.get_stage(stage_name) if stage_name else None  # NotFoundException like AWS
    if not api.routes:
        raise BadRequestException("Unable to deploy API because no routes exist in this API")
    deployment = Deployment(description, current_routes(api))
    api.deployments[deployment.deployment_id] = deployment
    if stage is not None:
        # AWS points the named stage at the new deployment.
        stage.deployment_id = deployment.deployment_id
        stage.updated = datetime.now()
    return deployment


def get_deployment(self: ApiGatewayV2Backend, api_id: str, deployment_id: str) -> Deployment:
    return get_deployment_of(self.get_api(api_id), deployment_id)


def get_deployments(self: ApiGatewayV2Backend, api_id: str) -> list[Deployment]:
    return sorted(self.get_api(api_id).deployments.values(), key=lambda deployment: deployment.created)


def update_deployment(self: ApiGatewayV2Backend, api_id: str, deployment_id: str,
                      description: str | None) -> Deployment:
    deployment = get_deployment_of(self.get_api(api_id), deployment_id)
    if description is not None:
        deployment.description = description
    return deployment


def delete_deployment(self: ApiGatewayV2Backend, api_id: str, deployment_id: str) -> None:
    api = self.get_api(api_id)
    get_deployment_of(api, deployment_id)
    in_use = sorted(name for name, stage in api.stages.items() if stage.deployment_id == deployment_id)
    if in_use:
        raise BadRequestException(
            "Active stages pointing to this deployment must be moved or deleted "
            f"(stages: {', '.join(in_use)}). Point them at another deployment with update_stage, or delete them."
        )
    del api.deployments[deployment_id]


# -- responses: one method per botocore operation ------------------------------------------------

def _api_and_deployment_ids(response: ApiGatewayV2Response) -> tuple[str, str]:
    parts = response.path.split("/")  # /v2/apis/{apiId}/deployments/{deploymentId}
    return parts[-3], parts[-1]


def respond_create_deployment(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    api_id = self.path.split("/")[-2]
    params = json.loads(self.body or "{}")
    deployment = self.apigatewayv2_backend.create_deployment(
        api_id, description=params.get("description"), stage_name=params.get("stageName")
    )
    return 201, {"status": 201}, json.dumps(deployment.to_json())


def respond_get_deployments(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    api_id = self.path.split("/")[-2]
    deployments = self.apigatewayv2_backend.get_deployments(api_id)
    return 200, {}, json.dumps({"items": [deployment.to_json() for deployment in deployments]})


def respond_get_deployment(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    api_id, deployment_id = _api_and_deployment_ids(self)
    deployment = self.apigatewayv2_backend.get_deployment(api_id, deployment_id)
    return 200, {}, json.dumps(deployment.to_json())


def respond_update_deployment(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    api_id, deployment_id = _api_and_deployment_ids(self)
    params = json.loads(self.body or "{}")
    deployment = self.apigatewayv2_backend.update_deployment(api_id, deployment_id, params.get("description"))
    return 200, {}, json.dumps(deployment.to_json())


def respond_delete_deployment(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    api_id, deployment_id = _api_and_deployment_ids(self)
    self.apigatewayv2_backend.delete_deployment(api_id, deployment_id)
    return 204, {"status": 204}, ""


def _api_init_with_deployments(original: Any) -> Any:
    def __init__(self: Api, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.deployments: dict[str, Deployment] = {}

    return __init__


def apply() -> None:
    replace_method(Api, "__init__", _api_init_with_deployments)
    for name, method in {
        "create_deployment": create_deployment,
        "get_deployment": get_deployment,
        "get_deployments": get_deployments,
        "update_deployment": update_deployment,
        "delete_deployment": delete_deployment,
    }.items():
        setattr(ApiGatewayV2Backend, name, method)
    add_apigatewayv2_url("{0}/v2/apis/(?P<api_id>[^/]+)/deployments$")
    add_apigatewayv2_url("{0}/v2/apis/(?P<api_id>[^/]+)/deployments/(?P<deployment_id>[^/]+)$")
    add_apigatewayv2_operation("create_deployment", respond_create_deployment)
    add_apigatewayv2_operation("get_deployments", respond_get_deployments)
    add_apigatewayv2_operation("get_deployment", respond_get_deployment)
    add_apigatewayv2_operation("update_deployment", respond_update_deployment)
    add_apigatewayv2_operation("delete_deployment", respond_delete_deployment)
