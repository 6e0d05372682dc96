"""Run a route's integration the way API Gateway does: check it may invoke the function, invoke, read the result."""

from __future__ import annotations

import asyncio
import json
import logging
from functools import cached_property
from typing import Any

from ..deadline import within
from ..runtime_interface import FunctionNotFound, FunctionRuntime, parse_function_arn
from . import hints
from .arns import execute_api_arn
from .deployed_apis import DeployedRoute, StageView, function_arn_from_integration_uri
from .hints import Hints
from .permissions import allows_api_gateway

log = logging.getLogger("local_cloud.gateway")

# What went wrong, in the words API Gateway sends to the client (or uses to pick an HTTP status).
CONFIG_ERROR = "config"  # no permission, no such function, unsupported integration: 500
FUNCTION_ERROR = "function"  # the handler raised or the runtime failed: 502 / Internal server error
TIMEOUT = "timeout"  # the integration timed out: 504 / Endpoint request timed out


class Outcome:
    """The integration's answer: the function's raw response, and what went wrong (`failure`), if anything."""

    def __init__(self, failure: str | None = None, raw: bytes = b"") -> None:
        self.failure = failure
        self.raw = raw

    @cached_property
    def result(self) -> Any:
        """The decoded return value (None after a failure), parsed when first asked: a one-way route never asks."""
        if self.failure is not None or not self.raw:
            return None
        try:
            return json.loads(self.raw)
        except ValueError:
            return self.raw.decode(errors="replace")


class Integrations:
    """Invokes route integrations through the Lambda runtime, with AWS's checks and teaching hints."""

    def __init__(self, runtime: FunctionRuntime, hints: Hints, timeout: float) -> None:
        self.runtime = runtime
        self.hints = hints
        self.timeout = timeout

    async def invoke(self, stage: StageView, route: DeployedRoute, event: dict[str, Any]) -> Outcome:
        """Invoke the route's function with `event`, written as JSON here once and not parsed on its way."""
        function_arn = _function_arn(route)
        if function_arn is None:
            self.hints.say(f"integration:{stage.api_id}:{route.route_key}",
                           hints.no_proxy_integration(stage.api_id, route.route_key, route.integration_type))
            return Outcome(failure=CONFIG_ERROR)
        # One lookup serves both the permission check and the run.
        try:
            function = self.runtime.resolve(function_arn)
        except FunctionNotFound:
            self._say_missing_function(stage, route, function_arn)
            return Outcome(failure=CONFIG_ERROR)
        source_arn = execute_api_arn(stage.region, stage.account_id, stage.api_id, stage.stage_name, route.route_key)
        if not allows_api_gateway(function.policy, source_arn, stage.account_id):
            self.hints.say(f"permission:{function_arn}:{source_arn}", hints.no_invoke_permission(
                stage.api_id, route.route_key, function.name, source_arn, stage.region, stage.account_id),
                function.name)
            return Outcome(failure=CONFIG_ERROR)
        try:
            result = await within(self.runtime.invoke_resolved(function, json.dumps(event)), self.timeout)
        except asyncio.TimeoutError:
            self.hints.say(f"timeout:{function_arn}",
                           hints.integration_timeout(route.route_key, function.name, self.timeout), function.name)
            return Outcome(failure=TIMEOUT)
        except FunctionNotFound:  # deleted between the lookup and the run
            self._say_missing_function(stage, route, function_arn)
            return Outcome(failure=CONFIG_ERROR)
        except Exception:  # noqa: BLE001 - a crashed worker, a runtime fault: the client sees a 5xx
            log.exception("invoking %s for route %s failed", function_arn, route.route_key)
            return Outcome(failure=FUNCTION_ERROR)
        raw = result.payload or b""
        if result.function_error or not 200 <= result.status_code < 300:
            return Outcome(failure=FUNCTION_ERROR, raw=raw)
        return Outcome(raw=raw)

    def _say_missing_function(self, stage: StageView, route: DeployedRoute, function_arn: str) -> None:
        self.hints.say(f"missing:{function_arn}", hints.missing_function(
            stage.api_id, route.route_key, route.integration_id, function_name(function_arn), function_arn))


def _function_arn(route: DeployedRoute) -> str | None:
    if route.integration_type not in ("AWS_PROXY", "AWS") or not route.integration_uri:
        return None
    return function_arn_from_integration_uri(route.integration_uri)


def function_name(function_arn: str) -> str:
    """The name in a function ARN (the ARN itself when it is not one)."""
    parsed = parse_function_arn(function_arn)
    return parsed.name if parsed else function_arn
