"""The Lambda proxy events API Gateway sends for CONNECT, MESSAGE and DISCONNECT."""

from __future__ import annotations

from typing import Any

from .ids import clf_time, new_id, now_ms


def request_context(conn: Any, route_key: str, event_type: str, request_id: str, epoch_ms: int) -> dict[str, Any]:
    """The requestContext every event carries; `conn` is a Connection (or a connection being set up)."""
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": clf_time(epoch_ms),
        "messageDirection": "IN",
        "stage": conn.stage,
        "connectedAt": conn.connected_at,
        "requestTimeEpoch": epoch_ms,
        "identity": {"userAgent": conn.user_agent, "sourceIp": conn.source_ip},
        "requestId": request_id,
        "domainName": conn.domain_name,
        "connectionId": conn.connection_id,
        "apiId": conn.api_id,
    }


def connect_event(conn: Any, headers: list[tuple[str, str]], query: list[tuple[str, str]],
                  request_id: str) -> dict[str, Any]:
    """CONNECT: the handshake's headers and query string (only when it has one)."""
    event: dict[str, Any] = {
        "headers": _single(headers),
        "multiValueHeaders": _multi(headers),
        "requestContext": request_context(conn, "$connect", "CONNECT", request_id, now_ms()),
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = _single(query)
        event["multiValueQueryStringParameters"] = _multi(query)
    return event


def message_event(conn: Any, route_key: str, body: str, request_id: str) -> dict[str, Any]:
    """MESSAGE: the frame's text as body; no headers."""
    context = request_context(conn, route_key, "MESSAGE", request_id, now_ms())
    context["messageId"] = new_id()
    return {"requestContext": context, "body": body, "isBase64Encoded": False}


def disconnect_event(conn: Any, status_code: int, reason: str, request_id: str) -> dict[str, Any]:
    """DISCONNECT: a small fixed set of headers, and why the socket ended."""
    headers = [("Host", conn.domain_name), ("x-api-key", ""), ("X-Forwarded-For", ""), ("x-restapi", "")]
    context = request_context(conn, "$disconnect", "DISCONNECT", request_id, now_ms())
    context["disconnectStatusCode"] = status_code
    context["disconnectReason"] = reason
    return {"headers": _single(headers), "multiValueHeaders": _multi(headers), "requestContext": context,
            "isBase64Encoded": False}


def _single(pairs: list[tuple[str, str]]) -> dict[str, str]:
    # API Gateway keeps the last value of a repeated name in the single-value map.
    return {name: value for name, value in pairs}


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped
