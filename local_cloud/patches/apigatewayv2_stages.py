"""Fills moto's gaps in apigatewayv2 stages: DeploymentId (checked, stored, returned) and update_stage.

moto ignores a stage's DeploymentId, overwrites a stage created twice, and raises
NotImplementedError for update_stage.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from moto.apigatewayv2.exceptions import APIGatewayV2Error
from moto.apigatewayv2.models import Api, ApiGatewayV2Backend, Stage
from moto.apigatewayv2.responses import ApiGatewayV2Response

from .apigatewayv2_deployments import get_deployment_of
from .apigatewayv2_registry import add_apigatewayv2_operation
from .wrapping import replace_method


class StageAlreadyExists(APIGatewayV2Error):
    code = 409

    def __init__(self, stage_name: str) -> None:
        super().__init__(
            "ConflictException",
            f"Stage already exists: {stage_name}. Change it with update_stage, or delete it first.",
        )


def _stage_init_with_deployment(original: Any) -> Any:
    def __init__(self: Stage, api: Api, config: dict[str, Any]) -> None:
        original(self, api, config)
        self.deployment_id = config.get("deploymentId")

    return __init__


def _stage_to_json_with_deployment(original: Any) -> Any:
    def to_json(self: Stage) -> dict[str, Any]:
        body = original(self)
        if self.deployment_id:
            body["deploymentId"] = self.deployment_id
        return body

    return to_json


def _api_create_stage_checked(original: Any) -> Any:
    def create_stage(self: Api, config: dict[str, Any]) -> Stage:
        if config.get("stageName") in self.stages:
            raise StageAlreadyExists(config["stageName"])
        if config.get("deploymentId"):
            get_deployment_of(self, config["deploymentId"])  # NotFoundException like AWS
        return original(self, config)

    return create_stage


# Settings update_stage changes by merging (AWS keeps the keys a call leaves out) or replacing.
MERGED_SETTINGS = {"defaultRouteSettings": "default_route_settings", "stageVariables": "stage_variables",
                   "routeSettings": "route_settings"}
REPLACED_SETTINGS = {"accessLogSettings": "access_log_settings", "autoDeploy": "auto_deploy",
                     "clientCertificateId": "client_certificate_id", "description": "description"}


def update_stage(self: ApiGatewayV2Backend, api_id: str, stage_name: str, changes: dict[str, Any]) -> Stage:
    api = self.get_api(api_id)
    stage = api.get_stage(stage_name)
    if changes.get("deploymentId"):
        get_deployment_of(api, changes["deploymentId"])
        stage.deployment_id = changes["deploymentId"]
    for key, attribute in MERGED_SETTINGS.items():
        if changes.get(key) is not None:
            setattr(stage, attribute, {**(getattr(stage, attribute) or {}), **changes[key]})
    for key, attribute in REPLACED_SETTINGS.items():
        if key in changes:
            setattr(stage, attribute, changes[key])
    stage.updated = datetime.now()
    return stage


def respond_update_stage(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    parts = self.path.split("/")  # /v2/apis/{apiId}/stages/{stageName}
    stage = self.apigatewayv2_backend.update_stage(parts[-3], unquote(parts[-1]), json.loads(self.body or "{}"))
    return 200, {}, json.dumps(stage.to_json())


def respond_create_stage(self: ApiGatewayV2Response) -> tuple[int, dict[str, str], str]:
    """moto's create_stage, answering 201 Created like AWS."""
    api_id = self.path.split("/")[-2]
    stage = self.apigatewayv2_backend.create_stage(api_id, json.loads(self.body or "{}"))
    return 201, {"status": 201}, json.dumps(stage.to_json())


def apply() -> None:
    replace_method(Stage, "__init__", _stage_init_with_deployment)
    replace_method(Stage, "to_json", _stage_to_json_with_deployment)
    replace_method(Api, "create_stage", _api_create_stage_checked)
    ApiGatewayV2Backend.update_stage = update_stage
    add_apigatewayv2_operation("update_stage", respond_update_stage)
    add_apigatewayv2_operation("create_stage", respond_create_stage)
