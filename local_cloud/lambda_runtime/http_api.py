"""lambda.invoke over HTTP: POST /2015-03-31/functions/{name}/invocations, answered the way AWS answers."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from ..runtime_interface import InvokeError

if TYPE_CHECKING:
    from .runtime import LambdaRuntime

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations/?$")
SIGNING_REGION = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/")
# Lambda's payload quotas: 6 MB for a synchronous invoke, 1 MB for an asynchronous one.
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_EVENT_PAYLOAD = 1024 * 1024


def aws_error(status: int, error_type: str, message: str) -> web.Response:
    """botocore reads the error code from x-amzn-ErrorType and the text from the body's Message."""
    return web.json_response({"Type": "User", "Message": message}, status=status,
                             headers={"x-amzn-ErrorType": error_type})


async def handle_invoke(runtime: LambdaRuntime, request: web.Request) -> web.Response:
    """The front door's handler for lambda.invoke (after the boundary and IAM): the runtime answers like AWS."""
    match = INVOKE_PATH.match(request.path)
    if match is None:
        return aws_error(404, "ResourceNotFoundException", f"No Lambda API at {request.path}")
    function = unquote(match["function"])
    invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
    log_type = request.headers.get("X-Amz-Log-Type", "None")
    qualifier = request.query.get("Qualifier")
    signed = SIGNING_REGION.search(request.headers.get("Authorization", ""))
    payload = await request.read()

    limit = MAX_EVENT_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD
    if len(payload) > limit:
        return aws_error(413, "RequestTooLargeException",
                         f"Request must be smaller than {limit} bytes for the {invocation_type} invocation type")
    try:
        client_context = _client_context(request.headers.get("X-Amz-Client-Context"))
        result = await runtime.invoke(function, payload, invocation_type, log_type, qualifier=qualifier,
                                      client_context=client_context,
                                      region=signed["region"] if signed else None)
    except InvokeError as error:  # FunctionNotFound included: 404 ResourceNotFoundException
        return aws_error(error.status, error.error_type, str(error))

    headers = {"x-amzn-RequestId": result.request_id}
    if result.executed_version:
        headers["X-Amz-Executed-Version"] = result.executed_version
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    if result.log_result is not None:
        headers["X-Amz-Log-Result"] = result.log_result
    return web.Response(status=result.status_code, body=result.payload, headers=headers,
                        content_type="application/json")


def _client_context(header: str | None) -> dict[str, Any] | None:
    """X-Amz-Client-Context is base64-encoded JSON (ClientContext in boto3)."""
    if not header:
        return None
    try:
        return json.loads(base64.b64decode(header))
    except (binascii.Error, ValueError):
        raise InvokeError("ClientContext must be base64-encoded JSON, e.g. "
                          "base64.b64encode(json.dumps({'custom': {...}}).encode()).decode()") from None
