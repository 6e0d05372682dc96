"""The gateway's integrations against a runtime that implements runtime_interface.FunctionRuntime, in-process.

What a message costs the gateway is counted here: one lookup of its function, its event written as JSON once
and never parsed on the way to the handler, the response parsed once.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from local_cloud.gateway import integration
from local_cloud.gateway.deployed_apis import DeployedRoute, StageView
from local_cloud.gateway.hints import Hints
from local_cloud.gateway.integration import CONFIG_ERROR, FUNCTION_ERROR, TIMEOUT, Integrations
from local_cloud.runtime_interface import (
    FunctionNotFound,
    FunctionRuntime,
    FunctionSpec,
    InvokeResult,
    ResolvedFunction,
)

ACCOUNT, REGION = "123456789012", "us-east-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:chat-echo"
URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
STAGE = StageView("abc123", "test", ACCOUNT, REGION, "$request.body.action", {}, "d1", False, ())
ROUTE = DeployedRoute("echo", "r1", "i1", "AWS_PROXY", URI, True)
ALLOW = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Principal": {"Service": "apigateway.amazonaws.com"},
         "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/*/echo"}}}


class Policy:
    """A function's resource policy as moto keeps it (moto.awslambda.policy.Policy)."""

    def __init__(self, statements):
        self.revision = "1"
        self.statements = statements


class Runtime:
    """A FunctionRuntime that records what the gateway asks of it and answers with the event it got."""

    def __init__(self, statements=(ALLOW,), exists=True, delay=0.0):
        self.policy = Policy(list(statements))
        self.exists, self.delay = exists, delay
        self.resolved: list[str] = []
        self.events: list[object] = []
        self.logged: list[tuple[str, str]] = []

    def resolve(self, function_arn: str) -> ResolvedFunction:
        self.resolved.append(function_arn)
        if not self.exists:
            raise FunctionNotFound(function_arn)
        spec = FunctionSpec("chat-echo", FUNCTION_ARN, ACCOUNT, REGION, "$LATEST", "echo.handler", "python3.12",
                            3.0, 128, {}, "sha", b"")
        return ResolvedFunction(spec, function_arn, self.policy)

    async def invoke_resolved(self, function: ResolvedFunction, event_json: str) -> InvokeResult:
        self.events.append(event_json)
        await asyncio.sleep(self.delay)
        payload = json.dumps({"statusCode": 200, "body": "got it"}).encode()
        return InvokeResult(200, payload, None, None, "$LATEST", "req")

    def log_to_function(self, function_name: str, message: str) -> None:
        self.logged.append((function_name, message))


def integrations(runtime: FunctionRuntime, timeout: float = 5.0) -> Integrations:
    return Integrations(runtime, Hints(runtime.log_to_function), timeout)


class CountingJson:
    """Stands in for the json module inside local_cloud.gateway.integration and counts its calls."""

    def __init__(self):
        self.calls: list[str] = []

    def dumps(self, value):
        self.calls.append("dumps")
        return json.dumps(value)

    def loads(self, text):
        self.calls.append("loads")
        return json.loads(text)


def test_one_lookup_one_serialisation_one_parse_per_message(monkeypatch):
    counting = CountingJson()
    monkeypatch.setattr(integration, "json", counting)
    runtime = Runtime()
    event = {"requestContext": {"routeKey": "echo", "connectionId": "c"}, "body": '{"action": "echo"}'}
    outcome = asyncio.run(integrations(runtime).invoke(STAGE, ROUTE, event))
    assert runtime.resolved == [FUNCTION_ARN]  # the permission check and the run share one lookup
    assert len(runtime.events) == 1 and isinstance(runtime.events[0], str)  # JSON text, passed on as it is
    assert counting.calls == ["dumps"]  # the event written once; the response not parsed yet (a one-way route)
    assert outcome.failure is None and outcome.result == {"statusCode": 200, "body": "got it"}
    assert outcome.result is outcome.result and counting.calls == ["dumps", "loads"]  # parsed once, when asked
    assert json.loads(runtime.events[0]) == event


def test_a_missing_function_is_a_configuration_error_with_a_hint(caplog):
    runtime = Runtime(exists=False)
    outcome = asyncio.run(integrations(runtime).invoke(STAGE, ROUTE, {}))
    assert outcome.failure == CONFIG_ERROR and runtime.events == []
    assert "names function 'chat-echo', which does not exist" in caplog.text


def test_no_permission_refuses_before_invoking_and_tells_the_functions_log(caplog):
    runtime = Runtime(statements=())
    outcome = asyncio.run(integrations(runtime).invoke(STAGE, ROUTE, {}))
    assert outcome.failure == CONFIG_ERROR and runtime.events == []
    assert runtime.logged and runtime.logged[0][0] == "chat-echo"
    assert "lambda.add_permission(FunctionName='chat-echo'" in runtime.logged[0][1]


def test_a_slow_function_times_out():
    runtime = Runtime(delay=1.0)
    outcome = asyncio.run(integrations(runtime, timeout=0.05).invoke(STAGE, ROUTE, {}))
    assert outcome.failure == TIMEOUT
    assert "did not answer within the integration timeout of 0.05 s" in runtime.logged[0][1]


@pytest.mark.parametrize("integration_type", ["HTTP_PROXY", None])
def test_only_lambda_integrations_run(integration_type):
    runtime = Runtime()
    route = DeployedRoute("echo", "r1", "i1", integration_type, URI, True)
    outcome = asyncio.run(integrations(runtime).invoke(STAGE, route, {}))
    assert outcome.failure == CONFIG_ERROR and runtime.resolved == []


def test_a_runtime_fault_is_a_function_error():
    class Broken(Runtime):
        async def invoke_resolved(self, function, event_json):
            raise ConnectionResetError("the worker's pipe broke")

    outcome = asyncio.run(integrations(Broken()).invoke(STAGE, ROUTE, {}))
    assert outcome.failure == FUNCTION_ERROR
