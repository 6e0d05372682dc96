"""The answers API Gateway itself gives: error frames to a client, HTTP errors, and a route response's body."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .integration import CONFIG_ERROR, TIMEOUT, Outcome


def error_frame(message: str, connection_id: str, request_id: str) -> bytes:
    """The text frame a client gets when its message could not be served (Forbidden, Internal server error...)."""
    return json.dumps({"message": message, "connectionId": connection_id, "requestId": request_id}).encode()


def failure_message(outcome: Outcome) -> str:
    return "Endpoint request timed out" if outcome.failure == TIMEOUT else "Internal server error"


def failure_status(outcome: Outcome) -> int:
    """HTTP status of a failed $connect: 500 for a configuration error, 504 on timeout, 502 when the function failed."""
    if outcome.failure == CONFIG_ERROR:
        return 500
    return 504 if outcome.failure == TIMEOUT else 502


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def proxy_status(result: Any) -> int | None:
    """The statusCode of a Lambda proxy result, or None when the result has none."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return None
    try:
        return int(result["statusCode"])
    except (TypeError, ValueError):
        return None


def proxy_body(result: Any) -> str:
    body = result.get("body") if isinstance(result, dict) else None
    if body is None:
        return ""
    return body if isinstance(body, str) else json.dumps(body)


def route_response_body(outcome: Outcome) -> bytes | None:
    """What a two-way route sends back: a proxy result's body, or the raw return value; nothing for None."""
    result = outcome.result
    if result is None:
        return None
    if proxy_status(result) is not None:
        body = result.get("body")
        return None if body is None else proxy_body(result).encode()
    return outcome.raw
