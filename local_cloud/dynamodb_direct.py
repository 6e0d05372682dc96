"""DynamoDB requests handed to moto's handler directly, not through its Flask app: the same answer, sooner.

moto serves every service through a Flask app: a request context, URL routing, before/after hooks and
flask-cors around the handler. For a DynamoDB call (a chat message makes a GetItem and a Scan) that frame
was about a fifth of moto's CPU. DynamoDB has one URL ("/", POST) and one handler, so this does what moto's
view does (moto.core.utils.convert_to_flask_response) without the frame. moto's request recorder is not
called: the bridge keeps it off. The bridge drops CORS headers from every answer anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from flask import Response
from moto.core.utils import normalize_request
from moto.dynamodb.responses import DynamoHandler
from moto.moto_server.werkzeug_app import BackendRequest

from .iam.operations import credential_scope


def handles(environ: dict[str, Any]) -> bool:
    """A DynamoDB API call, as moto's server would route it to DynamoDB's handler."""
    if environ["REQUEST_METHOD"] != "POST" or environ["PATH_INFO"] != "/":
        return False
    if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        return False
    # moto picks the service from the signature's scope first: a call signed for another service is its.
    scope = credential_scope(environ.get("HTTP_AUTHORIZATION", ""))
    return scope is not None and scope[2] == "dynamodb"


def call(environ: dict[str, Any], start_response: Callable[..., Any]) -> bytes:
    """Run DynamoDB's handler for this WSGI request and answer as moto's Flask view would."""
    request = normalize_request(BackendRequest(environ))
    try:
        # raw_url, as moto's view passes it: every mode hands the handler the same URL.
        status, headers, content = DynamoHandler.dispatch(request, request.raw_url, dict(request.headers))
    except ClientError as error:
        status, headers, content = 400, {}, error.response["Error"]["Message"]
    response = Response(response=content, status=status, headers=headers)
    return b"".join(response(environ, start_response))
