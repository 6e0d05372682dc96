"""patches.apply() patches once per process, and the ApiEndpoint follows the settings of its latest call."""

from __future__ import annotations

from moto.apigatewayv2.models import apigatewayv2_backends
from moto.apigatewayv2.responses import ApiGatewayV2Response

from local_cloud import Settings, patches
from local_cloud.patches import apigatewayv2_endpoint


def test_apply_patches_once_and_follows_the_latest_settings():
    patches.apply(Settings(port=0))
    patched = (ApiGatewayV2Response.get_apis, ApiGatewayV2Response.create_deployment)
    backend = apigatewayv2_backends["123456789012"]["us-east-1"]
    api = backend.create_api(
        api_key_selection_expression=None, cors_configuration=None, description=None,
        disable_schema_validation=None, disable_execute_api_endpoint=None, name="chat-apply",
        protocol_type="WEBSOCKET", route_selection_expression="$request.body.action", tags={}, version=None,
    )
    previous = apigatewayv2_endpoint._settings
    try:
        # The server calls apply() again once the port it got is known.
        patches.apply(Settings(host="0.0.0.0", port=45678))
        assert (ApiGatewayV2Response.get_apis, ApiGatewayV2Response.create_deployment) == patched
        assert api.to_json()["apiEndpoint"] == f"ws://127.0.0.1:45678/{api.api_id}"
    finally:
        apigatewayv2_endpoint.use_settings(previous)
        backend.delete_api(api.api_id)
