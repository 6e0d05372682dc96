"""The runtime's programmatic API, as the WebSocket gateway uses it, on a thread-mode local cloud."""

from __future__ import annotations

import asyncio
import json

import pytest
from test_lambda_runtime import PID_HANDLER, create_role, deploy, wait_for_log

from local_cloud import LocalCloud
from local_cloud.lambda_runtime import FunctionNotFound, InvokeResult


@pytest.fixture(scope="module")
def role(thread_cloud):
    return create_role(thread_cloud)


def run(cloud: LocalCloud, coroutine):
    """Run a coroutine on the cloud's own event loop, where the runtime lives."""
    return asyncio.run_coroutine_threadsafe(coroutine, cloud._loop).result(60)


def test_invoke_returns_an_invoke_result(thread_cloud, role):
    name = deploy(thread_cloud, role, PID_HANDLER)
    runtime = thread_cloud._server.runtime
    arn = thread_cloud.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    for function in (name, arn, f"123456789012:function:{name}"):
        result = run(thread_cloud, runtime.invoke(function, b"{}"))
        assert isinstance(result, InvokeResult)
        assert result.status_code == 200 and result.function_error is None and result.log_result is None
        assert result.executed_version == "$LATEST" and len(result.request_id) == 36
        assert "pid" in json.loads(result.payload)

    tail = run(thread_cloud, runtime.invoke(name, b"{}", log_type="Tail"))
    assert tail.log_result
    queued = run(thread_cloud, runtime.invoke(name, b"{}", invocation_type="Event"))
    assert queued.status_code == 202 and queued.payload == b""


def test_missing_function_raises_function_not_found(thread_cloud):
    runtime = thread_cloud._server.runtime
    with pytest.raises(FunctionNotFound, match="^Function not found: arn:aws:lambda:"):
        run(thread_cloud, runtime.invoke("no-such-function", b"{}"))
    with pytest.raises(FunctionNotFound):
        run(thread_cloud, runtime.invoke("arn:aws:lambda:us-east-1:123456789012:function:nope", b"{}"))


def test_many_concurrent_tasks_share_a_bounded_set_of_workers(thread_cloud, role):
    name = deploy(thread_cloud, role, PID_HANDLER)
    runtime = thread_cloud._server.runtime

    async def many():
        return await asyncio.gather(*(runtime.invoke(name, b'{"sleep": 0.2}') for _ in range(20)))

    results = run(thread_cloud, many())
    assert all(result.status_code == 200 and result.function_error is None for result in results)
    pids = {json.loads(result.payload)["pid"] for result in results}
    assert 1 < len(pids) <= thread_cloud._server.settings.lambda_max_workers


def test_function_error_and_log_to_function(thread_cloud, role):
    name = deploy(thread_cloud, role, "def handler(event, context):\n    raise KeyError('nope')\n")
    runtime = thread_cloud._server.runtime
    result = run(thread_cloud, runtime.invoke(name, b"{}"))
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload)["errorType"] == "KeyError"

    runtime.log_to_function(name, "[API Gateway] a hint for the learner")
    wait_for_log(thread_cloud, name, "[API Gateway] a hint for the learner")
