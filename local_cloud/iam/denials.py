"""AccessDenied answers shaped like AWS's, per protocol, so botocore raises the exception a learner meets on AWS."""

from __future__ import annotations

import json
import uuid
from xml.sax.saxutils import escape

from aiohttp import web

from .policy import UNKNOWN_RESOURCE


def message(principal_arn: str, action: str, resource: str, explicit_deny: bool, with_reason: bool = True) -> str:
    """`User: ARN is not authorized to perform: ACTION on resource: RESOURCE because ...` as AWS words it."""
    text = f"User: {principal_arn} is not authorized to perform: {action}"
    if resource and resource != UNKNOWN_RESOURCE:
        text += f" on resource: {resource}"
    if not with_reason:
        return text
    if explicit_deny:
        return f"{text} with an explicit deny in an identity-based policy"
    return f"{text} because no identity-based policy allows the {action} action"


def response(protocol: str, signing_name: str, text: str) -> web.Response:
    """The error response of a service speaking `protocol` (botocore's name for it)."""
    request_id = str(uuid.uuid4())
    if protocol in ("query", "ec2", "rest-xml"):
        code = "UnauthorizedOperation" if protocol == "ec2" else "AccessDenied"
        if protocol == "rest-xml":
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                    f"<Message>{escape(text)}</Message><RequestId>{request_id}</RequestId></Error>")
        else:
            body = (f'<ErrorResponse xmlns="https://{signing_name}.amazonaws.com/doc/"><Error><Type>Sender</Type>'
                    f"<Code>{code}</Code><Message>{escape(text)}</Message></Error>"
                    f"<RequestId>{request_id}</RequestId></ErrorResponse>")
        return web.Response(status=403, body=body.encode(), content_type="text/xml",
                            headers={"x-amzn-RequestId": request_id})
    if protocol == "json":  # DynamoDB, CloudWatch Logs: 400 with __type
        body = {"__type": "com.amazon.coral.service#AccessDeniedException", "message": text}
        return web.Response(status=400, body=json.dumps(body).encode(), content_type="application/x-amz-json-1.0",
                            headers={"x-amzn-RequestId": request_id})
    # rest-json (Lambda, API Gateway) and anything else
    return web.json_response({"Type": "User", "Message": text}, status=403,
                             headers={"x-amzn-ErrorType": "AccessDeniedException", "x-amzn-RequestId": request_id})


def connections_forbidden(text: str) -> web.Response:
    """@connections refuses with 403 ForbiddenException (botocore: client.exceptions.ForbiddenException)."""
    return web.json_response({"message": text, "Message": text}, status=403,
                             headers={"x-amzn-ErrorType": "ForbiddenException"})


INVALID_TOKEN = "The security token included in the request is invalid."


def invalid_token(protocol: str, signing_name: str) -> web.Response:
    """What AWS answers a deleted/inactive key or a wrong session token (botocore: UnrecognizedClientException...)."""
    request_id = str(uuid.uuid4())
    if protocol in ("query", "ec2", "rest-xml"):
        code = "InvalidAccessKeyId" if protocol == "rest-xml" else "InvalidClientTokenId"
        body = (f'<ErrorResponse xmlns="https://{signing_name}.amazonaws.com/doc/"><Error><Type>Sender</Type>'
                f"<Code>{code}</Code><Message>{INVALID_TOKEN}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
        return web.Response(status=403, body=body.encode(), content_type="text/xml")
    if protocol == "json":
        body = {"__type": "com.amazon.coral.service#UnrecognizedClientException", "message": INVALID_TOKEN}
        return web.Response(status=400, body=json.dumps(body).encode(), content_type="application/x-amz-json-1.0")
    return web.json_response({"message": INVALID_TOKEN}, status=403,
                             headers={"x-amzn-ErrorType": "UnrecognizedClientException"})
