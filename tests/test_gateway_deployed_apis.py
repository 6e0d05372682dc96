"""The gateway's view of stages (local_cloud.gateway.deployed_apis) reflects what a learner created and deployed with boto3."""

from __future__ import annotations

import pytest

from local_cloud.gateway.deployed_apis import DeployedRoute, api_exists, find_stage, function_arn_from_integration_uri

ACCOUNT = "123456789012"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:chat-default"
INTEGRATION_URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"


@pytest.fixture(scope="module")
def apigw(thread_cloud):
    return thread_cloud.client("apigatewayv2")


def new_api(apigw) -> tuple[str, str]:
    """A WEBSOCKET API with one Lambda proxy integration; returns (api id, integration id)."""
    api_id = apigw.create_api(Name="chat", ProtocolType="WEBSOCKET",
                              RouteSelectionExpression="$request.body.action")["ApiId"]
    integration_id = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                              IntegrationUri=INTEGRATION_URI)["IntegrationId"]
    return api_id, integration_id


def add_route(apigw, api_id: str, integration_id: str, route_key: str) -> str:
    return apigw.create_route(ApiId=api_id, RouteKey=route_key, Target=f"integrations/{integration_id}")["RouteId"]


def test_a_deployed_stage_serves_the_routes_of_its_deployment(apigw):
    api_id, integration_id = new_api(apigw)
    default_id = add_route(apigw, api_id, integration_id, "$default")
    send_id = add_route(apigw, api_id, integration_id, "sendPublic")
    apigw.create_route_response(ApiId=api_id, RouteId=send_id, RouteResponseKey="$default")
    deployment_id = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    apigw.create_stage(ApiId=api_id, StageName="production", DeploymentId=deployment_id)

    view = find_stage(api_id, "production")
    assert view is not None
    assert (view.api_id, view.stage_name, view.account_id, view.region) == (api_id, "production", ACCOUNT, "us-east-1")
    assert view.route_selection_expression == "$request.body.action"
    assert view.deployment_id == deployment_id and view.auto_deploy is False
    assert view.routes["$default"] == DeployedRoute(
        route_key="$default", route_id=default_id, integration_id=integration_id, integration_type="AWS_PROXY",
        integration_uri=INTEGRATION_URI, has_route_response=False,
    )
    assert view.routes["sendPublic"].has_route_response is True
    assert view.undeployed_route_keys == ()


def test_routes_created_after_the_deployment_wait_for_the_next_one(apigw):
    api_id, integration_id = new_api(apigw)
    add_route(apigw, api_id, integration_id, "$default")
    deployment_id = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    apigw.create_stage(ApiId=api_id, StageName="production", DeploymentId=deployment_id)
    add_route(apigw, api_id, integration_id, "setName")

    view = find_stage(api_id, "production")
    assert set(view.routes) == {"$default"}
    assert view.undeployed_route_keys == ("setName",)

    redeployed = apigw.create_deployment(ApiId=api_id, StageName="production")["DeploymentId"]
    view = find_stage(api_id, "production")
    assert view.deployment_id == redeployed
    assert set(view.routes) == {"$default", "setName"} and view.undeployed_route_keys == ()


def test_a_deployment_keeps_the_integration_it_was_made_with(apigw):
    api_id, integration_id = new_api(apigw)
    add_route(apigw, api_id, integration_id, "$default")
    apigw.create_stage(ApiId=api_id, StageName="production",
                       DeploymentId=apigw.create_deployment(ApiId=api_id)["DeploymentId"])
    other_uri = INTEGRATION_URI.replace("chat-default", "chat-other")
    apigw.update_integration(ApiId=api_id, IntegrationId=integration_id, IntegrationUri=other_uri)
    assert apigw.get_integration(ApiId=api_id, IntegrationId=integration_id)["IntegrationUri"] == other_uri

    assert find_stage(api_id, "production").routes["$default"].integration_uri == INTEGRATION_URI


def test_an_auto_deploy_stage_serves_the_current_routes(apigw):
    api_id, integration_id = new_api(apigw)
    apigw.create_stage(ApiId=api_id, StageName="dev", AutoDeploy=True)
    assert find_stage(api_id, "dev").routes == {}
    add_route(apigw, api_id, integration_id, "$connect")

    view = find_stage(api_id, "dev")
    assert view.auto_deploy is True
    assert set(view.routes) == {"$connect"} and view.undeployed_route_keys == ()


def test_a_stage_without_deployment_serves_nothing(apigw):
    api_id, integration_id = new_api(apigw)
    add_route(apigw, api_id, integration_id, "$default")
    apigw.create_stage(ApiId=api_id, StageName="production")
    view = find_stage(api_id, "production")
    assert view.routes == {} and view.deployment_id is None
    assert view.undeployed_route_keys == ("$default",)


def test_apis_in_other_regions_are_found(thread_cloud):
    apigw = thread_cloud.client("apigatewayv2", region_name="eu-west-1")
    api_id = apigw.create_api(Name="chat", ProtocolType="WEBSOCKET",
                              RouteSelectionExpression="$request.body.action")["ApiId"]
    apigw.create_stage(ApiId=api_id, StageName="production", AutoDeploy=True)
    assert find_stage(api_id, "production").region == "eu-west-1"


def test_unknown_apis_and_stages_are_none(apigw):
    api_id, _ = new_api(apigw)
    assert api_exists(api_id) is True
    assert api_exists("nosuchapi") is False
    assert find_stage("nosuchapi", "production") is None
    assert find_stage(api_id, "nosuchstage") is None
    apigw.delete_api(ApiId=api_id)
    assert api_exists(api_id) is False


@pytest.mark.parametrize(("uri", "expected"), [
    (INTEGRATION_URI, FUNCTION_ARN),
    (INTEGRATION_URI.replace("chat-default", "chat-default:live"), FUNCTION_ARN + ":live"),
    (FUNCTION_ARN, FUNCTION_ARN),
    ("https://example.com/hook", None),
    ("", None),
])
def test_function_arn_from_integration_uri(uri, expected):
    assert function_arn_from_integration_uri(uri) == expected
