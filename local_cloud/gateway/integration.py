"""Run a route's integration the way API Gateway does: check it may invoke the function, invoke, read the result."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from .. import apis
from ..deadline import within
from .arns import execute_api_arn
from .hints import Hints
from .permissions import allows_api_gateway, find_function, parse_function_arn

log = logging.getLogger("local_cloud.gateway")

# What went wrong, in the words API Gateway sends to the client (or uses to pick an HTTP status).
CONFIG_ERROR = "config"  # no permission, no such function, unsupported integration: 500
FUNCTION_ERROR = "function"  # the handler raised or the runtime failed: 502 / Internal server error
TIMEOUT = "timeout"  # the integration timed out: 504 / Endpoint request timed out


@dataclass
class Outcome:
    """The integration's answer: `result` is the decoded Lambda return value when `failure` is None."""

    failure: str | None = None
    result: Any = None
    raw: bytes = b""


class Integrations:
    """Invokes route integrations through the Lambda runtime, with AWS's checks and teaching hints."""

    def __init__(self, runtime: Any, hints: Hints, timeout: float) -> None:
        self.runtime = runtime
        self.hints = hints
        self.timeout = timeout

    async def invoke(self, stage: apis.StageView, route: apis.DeployedRoute, event: dict[str, Any]) -> Outcome:
        function_arn = self._function_arn(route)
        if function_arn is None:
            await self.hints.say(
                f"integration:{stage.api_id}:{route.route_key}",
                f"route {route.route_key!r} of API {stage.api_id} has no Lambda proxy integration "
                f"(type {route.integration_type!r}): the local cloud runs AWS_PROXY integrations; create one with "
                f"apigatewayv2.create_integration(ApiId=..., IntegrationType='AWS_PROXY', IntegrationUri=...) and point "
                f"the route at it with apigatewayv2.update_route(..., Target='integrations/<id>').",
            )
            return Outcome(failure=CONFIG_ERROR)
        function, problem = await self._check_invoke_allowed(stage, route, function_arn)
        if problem is not None:
            return Outcome(failure=CONFIG_ERROR)
        payload = json.dumps(event).encode()
        parsed = parse_function_arn(function_arn)
        # The function was just found for the permission check: the runtime need not look it up again
        # (only for an unqualified ARN, the one the check read).
        found = (function, parsed[1], parsed[0]) if parsed and not parsed[3] else None
        try:
            result = await within(self.runtime.invoke(function_arn, payload, found=found, trusted_json=True),
                                  self.timeout)
        except asyncio.TimeoutError:
            name = _function_name(function_arn)
            await self.hints.say(
                f"timeout:{function_arn}",
                f"route {route.route_key!r}: function {name} did not answer within the integration timeout of "
                f"{self.timeout:g} s, so API Gateway gave up; make the handler faster (its own timeout is set with "
                f"lambda.update_function_configuration(FunctionName={name!r}, Timeout=...)).",
                name,
            )
            return Outcome(failure=TIMEOUT)
        except Exception as error:  # noqa: BLE001 - FunctionNotFound, a crashed worker: the client sees a 5xx
            if type(error).__name__ == "FunctionNotFound":
                await self._say_missing_function(stage, route, function_arn)
                return Outcome(failure=CONFIG_ERROR)
            log.exception("invoking %s for route %s failed", function_arn, route.route_key)
            return Outcome(failure=FUNCTION_ERROR)
        if result.function_error or not 200 <= int(result.status_code) < 300:
            return Outcome(failure=FUNCTION_ERROR, raw=result.payload or b"")
        raw = result.payload or b""
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode(errors="replace")
        return Outcome(result=decoded, raw=raw)

    def _function_arn(self, route: apis.DeployedRoute) -> str | None:
        if route.integration_type not in ("AWS_PROXY", "AWS") or not route.integration_uri:
            return None
        return apis.function_arn_from_integration_uri(route.integration_uri)

    async def _check_invoke_allowed(self, stage: apis.StageView, route: apis.DeployedRoute,
                                    function_arn: str) -> tuple[Any, str | None]:
        """(moto's function, None) when AWS would invoke it; otherwise say why (once a minute) and give the cause."""
        function = find_function(function_arn)
        if function is None:
            await self._say_missing_function(stage, route, function_arn)
            return None, "missing"
        source_arn = execute_api_arn(stage.region, stage.account_id, stage.api_id, stage.stage_name, route.route_key)
        if allows_api_gateway(function, source_arn, stage.account_id):
            return function, None
        name = _function_name(function_arn)
        await self.hints.say(
            f"permission:{function_arn}:{source_arn}",
            f"route {route.route_key!r} of API {stage.api_id}: API Gateway may not invoke function {name} "
            f"(no lambda:InvokeFunction permission for apigateway.amazonaws.com matching {source_arn}), so AWS "
            f"answers 'Internal server error'; fix: lambda.add_permission(FunctionName={name!r}, "
            f"StatementId='apigateway-{route.route_key.strip('$')}', Action='lambda:InvokeFunction', "
            f"Principal='apigateway.amazonaws.com', "
            f"SourceArn='arn:aws:execute-api:{stage.region}:{stage.account_id}:{stage.api_id}/*/{route.route_key}').",
            name,
        )
        return function, "permission"

    async def _say_missing_function(self, stage: apis.StageView, route: apis.DeployedRoute, function_arn: str) -> None:
        await self.hints.say(
            f"missing:{function_arn}",
            f"route {route.route_key!r} of API {stage.api_id}: its integration URI names function "
            f"{_function_name(function_arn)!r}, which does not exist ({function_arn}); create it with "
            f"lambda.create_function(...) or fix the URI with apigatewayv2.update_integration(ApiId={stage.api_id!r}, "
            f"IntegrationId={route.integration_id!r}, IntegrationUri=...).",
        )


def _function_name(function_arn: str) -> str:
    parsed = parse_function_arn(function_arn)
    return parsed[2] if parsed else function_arn
