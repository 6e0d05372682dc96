"""apigatewayv2 as a learner calls it through boto3 on the local cloud: deployments, stages, route responses, URLs."""

from __future__ import annotations

import uuid

import pytest

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:chat-default"
INTEGRATION_URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"


@pytest.fixture(scope="module")
def apigw(cloud):
    return cloud.client("apigatewayv2")


def new_websocket_api(apigw, routes: tuple[str, ...] = ("$default",)) -> str:
    """A WEBSOCKET API whose routes all go to one Lambda proxy integration; returns its id."""
    api_id = apigw.create_api(
        Name=f"chat-{uuid.uuid4().hex[:6]}", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    if routes:
        integration_id = apigw.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationMethod="POST", IntegrationUri=INTEGRATION_URI
        )["IntegrationId"]
        for route_key in routes:
            apigw.create_route(ApiId=api_id, RouteKey=route_key, Target=f"integrations/{integration_id}")
    return api_id


def add_routes(apigw, api_id: str, routes: tuple[str, ...]) -> None:
    """Add routes to an existing API, each with its own Lambda proxy integration."""
    for route_key in routes:
        integration_id = apigw.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationMethod="POST", IntegrationUri=INTEGRATION_URI
        )["IntegrationId"]
        apigw.create_route(ApiId=api_id, RouteKey=route_key, Target=f"integrations/{integration_id}")


# -- ApiEndpoint -----------------------------------------------------------------------------------

def test_websocket_api_endpoint_is_the_local_gateway(cloud, apigw):
    created = apigw.create_api(Name="chat-endpoint", ProtocolType="WEBSOCKET",
                               RouteSelectionExpression="$request.body.action")
    expected = f"{cloud.ws_base}/{created['ApiId']}"
    assert created["ApiEndpoint"] == expected
    assert apigw.get_api(ApiId=created["ApiId"])["ApiEndpoint"] == expected
    listed = {api["ApiId"]: api["ApiEndpoint"] for api in apigw.get_apis()["Items"]}
    assert listed[created["ApiId"]] == expected


def test_http_api_endpoint_keeps_its_https_url(apigw):
    created = apigw.create_api(Name="chat-http", ProtocolType="HTTP")
    assert created["ApiEndpoint"].startswith("https://")


# -- deployments -----------------------------------------------------------------------------------

def test_deploying_an_api_without_routes_is_refused(apigw):
    api_id = new_websocket_api(apigw, routes=())
    with pytest.raises(apigw.exceptions.BadRequestException, match="no routes"):
        apigw.create_deployment(ApiId=api_id)
    assert apigw.get_deployments(ApiId=api_id)["Items"] == []


def test_deployment_life_cycle_has_aws_shapes(apigw):
    api_id = new_websocket_api(apigw)
    created = apigw.create_deployment(ApiId=api_id, Description="first")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["DeploymentStatus"] == "DEPLOYED"
    assert created["AutoDeployed"] is False
    assert created["Description"] == "first"
    assert created["CreatedDate"].year >= 2024
    deployment_id = created["DeploymentId"]

    fetched = apigw.get_deployment(ApiId=api_id, DeploymentId=deployment_id)
    assert fetched["DeploymentId"] == deployment_id and fetched["Description"] == "first"
    assert [item["DeploymentId"] for item in apigw.get_deployments(ApiId=api_id)["Items"]] == [deployment_id]
    assert apigw.update_deployment(ApiId=api_id, DeploymentId=deployment_id, Description="renamed")[
        "Description"] == "renamed"

    deleted = apigw.delete_deployment(ApiId=api_id, DeploymentId=deployment_id)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_deployment(ApiId=api_id, DeploymentId=deployment_id)
    assert apigw.get_deployments(ApiId=api_id)["Items"] == []


def test_deployments_of_an_unknown_api_are_not_found(apigw):
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.create_deployment(ApiId="nosuchapi")
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_deployments(ApiId="nosuchapi")


def test_create_deployment_with_stage_name_points_that_stage_at_it(apigw):
    api_id = new_websocket_api(apigw)
    first = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    apigw.create_stage(ApiId=api_id, StageName="production", DeploymentId=first)
    second = apigw.create_deployment(ApiId=api_id, StageName="production")["DeploymentId"]
    assert second != first
    assert apigw.get_stage(ApiId=api_id, StageName="production")["DeploymentId"] == second


def test_create_deployment_for_an_unknown_stage_is_not_found(apigw):
    api_id = new_websocket_api(apigw)
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.create_deployment(ApiId=api_id, StageName="nosuchstage")
    assert apigw.get_deployments(ApiId=api_id)["Items"] == []


def test_a_deployment_a_stage_uses_cannot_be_deleted(apigw):
    api_id = new_websocket_api(apigw)
    deployment_id = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    apigw.create_stage(ApiId=api_id, StageName="production", DeploymentId=deployment_id)
    with pytest.raises(apigw.exceptions.BadRequestException, match="production"):
        apigw.delete_deployment(ApiId=api_id, DeploymentId=deployment_id)
    assert apigw.get_deployment(ApiId=api_id, DeploymentId=deployment_id)["DeploymentId"] == deployment_id


def test_delete_api_removes_its_deployments_and_stages(apigw):
    api_id = new_websocket_api(apigw)
    deployment_id = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    apigw.create_stage(ApiId=api_id, StageName="production", DeploymentId=deployment_id)
    apigw.delete_api(ApiId=api_id)
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_deployment(ApiId=api_id, DeploymentId=deployment_id)
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_deployments(ApiId=api_id)
    assert api_id not in {api["ApiId"] for api in apigw.get_apis()["Items"]}


# -- stages ------------------------------------------------------------------------------------------

def test_stage_returns_its_deployment_id(apigw):
    api_id = new_websocket_api(apigw)
    deployment_id = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    created = apigw.create_stage(ApiId=api_id, StageName="production", DeploymentId=deployment_id)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["DeploymentId"] == deployment_id
    assert apigw.get_stage(ApiId=api_id, StageName="production")["DeploymentId"] == deployment_id
    assert [stage["DeploymentId"] for stage in apigw.get_stages(ApiId=api_id)["Items"]] == [deployment_id]


def test_stage_with_an_unknown_deployment_is_not_created(apigw):
    api_id = new_websocket_api(apigw)
    with pytest.raises(apigw.exceptions.NotFoundException, match="nosuch"):
        apigw.create_stage(ApiId=api_id, StageName="production", DeploymentId="nosuch")
    assert apigw.get_stages(ApiId=api_id)["Items"] == []


def test_a_stage_name_is_created_once(apigw):
    api_id = new_websocket_api(apigw)
    apigw.create_stage(ApiId=api_id, StageName="production", AutoDeploy=True)
    with pytest.raises(apigw.exceptions.ConflictException, match="update_stage"):
        apigw.create_stage(ApiId=api_id, StageName="production")
    assert apigw.get_stage(ApiId=api_id, StageName="production")["AutoDeploy"] is True


def test_update_stage_changes_what_it_is_given_and_keeps_the_rest(apigw):
    api_id = new_websocket_api(apigw)
    first = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    second = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    apigw.create_stage(ApiId=api_id, StageName="production", DeploymentId=first, Description="before",
                       StageVariables={"keep": "1"})

    updated = apigw.update_stage(
        ApiId=api_id, StageName="production", DeploymentId=second, AutoDeploy=True, Description="after",
        DefaultRouteSettings={"ThrottlingBurstLimit": 50, "ThrottlingRateLimit": 100.0},
        StageVariables={"added": "2"},
    )
    assert updated["DeploymentId"] == second
    assert updated["AutoDeploy"] is True
    assert updated["Description"] == "after"
    assert updated["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 50
    assert updated["DefaultRouteSettings"]["LoggingLevel"] == "OFF"  # untouched setting kept
    assert updated["StageVariables"] == {"keep": "1", "added": "2"}
    assert apigw.get_stage(ApiId=api_id, StageName="production")["Description"] == "after"


def test_update_stage_to_an_unknown_deployment_changes_nothing(apigw):
    api_id = new_websocket_api(apigw)
    deployment_id = apigw.create_deployment(ApiId=api_id)["DeploymentId"]
    apigw.create_stage(ApiId=api_id, StageName="production", DeploymentId=deployment_id)
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.update_stage(ApiId=api_id, StageName="production", DeploymentId="nosuch", Description="lost")
    stage = apigw.get_stage(ApiId=api_id, StageName="production")
    assert stage["DeploymentId"] == deployment_id
    assert "Description" not in stage
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.update_stage(ApiId=api_id, StageName="nosuchstage", Description="x")


def test_an_auto_deploy_stage_is_redeployed_after_route_changes(apigw):
    api_id = new_websocket_api(apigw, routes=())
    created = apigw.create_stage(ApiId=api_id, StageName="dev", AutoDeploy=True)
    assert "DeploymentId" not in created  # nothing to deploy yet: the API has no routes

    add_routes(apigw, api_id, ("$default",))
    first = apigw.get_stage(ApiId=api_id, StageName="dev")["DeploymentId"]
    deployment = apigw.get_deployment(ApiId=api_id, DeploymentId=first)
    assert deployment["AutoDeployed"] is True and deployment["DeploymentStatus"] == "DEPLOYED"
    assert apigw.get_stage(ApiId=api_id, StageName="dev")["DeploymentId"] == first  # no change, no new deployment

    add_routes(apigw, api_id, ("sendPublic",))
    second = apigw.get_stages(ApiId=api_id)["Items"][0]["DeploymentId"]
    assert second != first
    assert {item["DeploymentId"] for item in apigw.get_deployments(ApiId=api_id)["Items"]} == {first, second}


# -- routes ---------------------------------------------------------------------------------------------

def test_a_route_key_is_created_once_per_api(apigw):
    api_id = new_websocket_api(apigw, routes=("sendPublic",))
    with pytest.raises(apigw.exceptions.ConflictException, match="sendPublic"):
        apigw.create_route(ApiId=api_id, RouteKey="sendPublic")
    assert [route["RouteKey"] for route in apigw.get_routes(ApiId=api_id)["Items"]] == ["sendPublic"]
    other_api = new_websocket_api(apigw, routes=("sendPublic",))  # the same key in another API is fine
    assert len(apigw.get_routes(ApiId=other_api)["Items"]) == 1


# -- route responses ---------------------------------------------------------------------------------

def test_route_responses_can_be_created_listed_read_and_deleted(apigw):
    api_id = new_websocket_api(apigw, routes=("sendPublic",))
    route_id = apigw.get_routes(ApiId=api_id)["Items"][0]["RouteId"]
    assert apigw.get_route_responses(ApiId=api_id, RouteId=route_id)["Items"] == []

    created = apigw.create_route_response(ApiId=api_id, RouteId=route_id, RouteResponseKey="$default")
    response_id = created["RouteResponseId"]
    listed = apigw.get_route_responses(ApiId=api_id, RouteId=route_id)["Items"]
    assert [(item["RouteResponseId"], item["RouteResponseKey"]) for item in listed] == [(response_id, "$default")]
    assert apigw.get_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id)[
        "RouteResponseKey"] == "$default"

    apigw.delete_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id)
    assert apigw.get_route_responses(ApiId=api_id, RouteId=route_id)["Items"] == []
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id)


def test_route_responses_of_an_unknown_route_are_not_found(apigw):
    api_id = new_websocket_api(apigw)
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_route_responses(ApiId=api_id, RouteId="nosuchroute")


# -- pagination and tags ------------------------------------------------------------------------------

def test_list_operations_return_pages_of_max_results(apigw):
    api_id = new_websocket_api(apigw, routes=("$connect", "$disconnect", "$default"))
    first = apigw.get_routes(ApiId=api_id, MaxResults="2")
    assert len(first["Items"]) == 2 and first["NextToken"]
    second = apigw.get_routes(ApiId=api_id, MaxResults="2", NextToken=first["NextToken"])
    assert len(second["Items"]) == 1 and "NextToken" not in second
    keys = {route["RouteKey"] for route in first["Items"] + second["Items"]}
    assert keys == {"$connect", "$disconnect", "$default"}

    apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=INTEGRATION_URI)
    pages = list(apigw.get_paginator("get_integrations").paginate(ApiId=api_id, PaginationConfig={"PageSize": 1}))
    assert [len(page["Items"]) for page in pages] == [1, 1]


def test_get_apis_paginator_sees_every_api_once(apigw):
    for _ in range(3):
        new_websocket_api(apigw, routes=())
    everything = [api["ApiId"] for api in apigw.get_apis()["Items"]]
    pages = list(apigw.get_paginator("get_apis").paginate(PaginationConfig={"PageSize": 2}))
    paged = [api["ApiId"] for page in pages for api in page["Items"]]
    assert paged == everything
    assert all(len(page["Items"]) <= 2 for page in pages) and len(pages) >= 2


def test_a_bad_next_token_is_a_bad_request(apigw):
    with pytest.raises(apigw.exceptions.BadRequestException, match="NextToken"):
        apigw.get_apis(NextToken="not-a-token")


def test_tags_given_to_create_api_are_readable(apigw):
    tags = {"workshop": "serverless-chat", "learner": "chat"}
    api_id = apigw.create_api(Name="chat-tagged", ProtocolType="WEBSOCKET",
                              RouteSelectionExpression="$request.body.action", Tags=tags)["ApiId"]
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api_id}"
    assert apigw.get_tags(ResourceArn=arn)["Tags"] == tags
    assert apigw.get_api(ApiId=api_id)["Tags"] == tags
