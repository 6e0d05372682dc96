"""Teaching hints: one line that says why AWS would fail and which boto3 call fixes it, not repeated for every message.

Every hint the gateway gives is written here, so its wording can be read (and reviewed) in one place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger("local_cloud.gateway")

REPEAT_AFTER_SECONDS = 60.0

# runtime_interface.FunctionRuntime.log_to_function: (function name, message) -> None
WriteToFunctionLog = Callable[[str, str], None]


class Hints:
    """Writes each hint to the console and to the function's log group, at most once a minute per cause."""

    def __init__(self, log_to_function: WriteToFunctionLog, repeat_after: float = REPEAT_AFTER_SECONDS) -> None:
        self.log_to_function = log_to_function
        self.repeat_after = repeat_after
        self._last_said: dict[str, float] = {}

    def say(self, cause: str, message: str, function_name: str | None = None) -> None:
        now = time.monotonic()
        last = self._last_said.get(cause)
        if last is not None and now - last < self.repeat_after:
            return
        if len(self._last_said) > 10_000:  # causes can include client-chosen paths: keep the memory bounded
            self._last_said.clear()
        self._last_said[cause] = now
        log.warning("HINT %s", message)
        if function_name is None:
            return
        try:
            self.log_to_function(function_name, f"[API Gateway] {message}")
        except Exception:  # noqa: BLE001 - a hint must never break the request it explains
            log.debug("could not write the hint to the log group of %s", function_name, exc_info=True)


# -- connecting ---------------------------------------------------------------------------------------------
def wrong_path(path: str, host: str) -> str:
    return (f"WebSocket connection to {path!r}: connect to ApiEndpoint + '/' + stage, i.e. "
            f"ws://{host}/<apiId>/<stage> (apigatewayv2.get_api(ApiId=...)['ApiEndpoint']).")


def no_such_api(api_id: str) -> str:
    return (f"WebSocket connection to API {api_id!r}: no such API; use the ApiEndpoint that "
            "apigatewayv2.create_api(...) or get_apis() returns, plus '/' + stage.")


def no_such_stage(api_id: str, stage_name: str) -> str:
    return (f"WebSocket connection to stage {stage_name!r} of API {api_id}: the stage does not exist, so AWS answers "
            f"403; create it with apigatewayv2.create_stage(ApiId={api_id!r}, StageName={stage_name!r}, "
            "DeploymentId=...) after apigatewayv2.create_deployment(ApiId=...).")


def connect_without_status(api_id: str, returned: str) -> str:
    return (f"the $connect function of API {api_id} returned {returned} without a statusCode, so AWS refuses the "
            "connection (502); return {'statusCode': 200} to accept it (another status rejects it).")


def undeployed_route(api_id: str, stage_name: str, route_key: str) -> str:
    return (f"route {route_key!r} of API {api_id} was created after the last deployment of stage {stage_name!r}, "
            f"so the stage does not serve it yet; deploy with apigatewayv2.create_deployment(ApiId={api_id!r}, "
            f"StageName={stage_name!r}).")


# -- invoking a route's function ----------------------------------------------------------------------------
def no_proxy_integration(api_id: str, route_key: str, integration_type: str | None) -> str:
    return (f"route {route_key!r} of API {api_id} has no Lambda proxy integration (type {integration_type!r}): the "
            "local cloud runs AWS_PROXY integrations; create one with apigatewayv2.create_integration(ApiId=..., "
            "IntegrationType='AWS_PROXY', IntegrationUri=...) and point the route at it with "
            "apigatewayv2.update_route(..., Target='integrations/<id>').")


def missing_function(api_id: str, route_key: str, integration_id: str | None, function_name: str,
                     function_arn: str) -> str:
    return (f"route {route_key!r} of API {api_id}: its integration URI names function {function_name!r}, which does "
            f"not exist ({function_arn}); create it with lambda.create_function(...) or fix the URI with "
            f"apigatewayv2.update_integration(ApiId={api_id!r}, IntegrationId={integration_id!r}, IntegrationUri=...).")


def no_invoke_permission(api_id: str, route_key: str, function_name: str, source_arn: str, region: str,
                         account_id: str) -> str:
    return (f"route {route_key!r} of API {api_id}: API Gateway may not invoke function {function_name} (no "
            f"lambda:InvokeFunction permission for apigateway.amazonaws.com matching {source_arn}), so AWS answers "
            f"'Internal server error'; fix: lambda.add_permission(FunctionName={function_name!r}, "
            f"StatementId='apigateway-{route_key.strip('$')}', Action='lambda:InvokeFunction', "
            f"Principal='apigateway.amazonaws.com', "
            f"SourceArn='arn:aws:execute-api:{region}:{account_id}:{api_id}/*/{route_key}').")


def integration_timeout(route_key: str, function_name: str, timeout: float) -> str:
    return (f"route {route_key!r}: function {function_name} did not answer within the integration timeout of "
            f"{timeout:g} s, so API Gateway gave up; make the handler faster (its own timeout is set with "
            f"lambda.update_function_configuration(FunctionName={function_name!r}, Timeout=...)).")


# -- @connections -------------------------------------------------------------------------------------------
def connections_without_stage(method: str, api_id: str, domain_name: str, stage: str) -> str:
    return (f"A @connections {method} for API {api_id} has no stage in its path, so AWS answers 403 Forbidden: the "
            f"management endpoint is https://{{domainName}}/{{stage}}, here https://{domain_name}/{stage}. Build the "
            "client with endpoint_url="
            "f\"https://{event['requestContext']['domainName']}/{event['requestContext']['stage']}\"")


def invalid_connection_id(connection_id: str) -> str:
    """AWS's BadRequestException message, with where a valid id comes from (the error itself carries it)."""
    return (f"Invalid connectionId: {connection_id!r} (expected an id like 'BFHPhfCWIAMCKlQ=' "
            "from event['requestContext']['connectionId'])")
