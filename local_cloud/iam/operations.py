"""Which AWS operation an HTTP request calls, and with which parameters: read from botocore's service models."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote

from moto.core import utils as moto_utils

# SigV4 signing names that are not botocore service names (the first model that knows the path wins).
SIGNING_NAME_SERVICES = {
    "apigateway": ("apigatewayv2", "apigateway"),
    "execute-api": ("apigatewaymanagementapi",),
    "monitoring": ("cloudwatch",),
    "email": ("ses", "sesv2"),
    "states": ("stepfunctions",),
    "scheduler": ("scheduler",),
}
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass
class Call:
    """One request as IAM sees it: who signed it, for which service and region, which operation and parameters."""

    access_key: str
    region: str
    signing_name: str
    service: str | None  # botocore's service name, None when no model matched
    operation: str | None
    protocol: str
    params: dict[str, Any] = field(default_factory=dict)
    method: str = "GET"
    path: str = "/"


def credential_scope(authorization: str) -> tuple[str, str, str] | None:
    """(access key id, region, signing name) from a SigV4 Authorization header."""
    match = CREDENTIAL.search(authorization or "")
    return (match.group(1), match.group(2), match.group(3)) if match else None


def _model(service: str) -> Any | None:
    # moto's own copy of the model (cached, and kept without documentation by patches/footprint.py): a
    # botocore session of our own would hold a second, full copy of every model (about 2 MB each).
    try:
        return moto_utils.get_service_model(service)
    except Exception:  # noqa: BLE001 - an unknown service name
        return None


@dataclass(frozen=True)
class _Route:
    method: str
    regex: re.Pattern[str]
    query_keys: tuple[str, ...]
    operation: str
    literal_length: int


@lru_cache(maxsize=64)
def _rest_routes(service: str) -> tuple[_Route, ...]:
    model = _model(service)
    if model is None:
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        regex, literal = "", 0
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{"):
                label = piece[1:-1]
                greedy = label.endswith("+")
                label = label.rstrip("+")
                regex += f"(?P<{re.sub(r'[^A-Za-z0-9_]', '_', label)}>{'.+' if greedy else '[^/]+'})"
            else:
                regex += re.escape(piece)
                literal += len(piece)
        keys = tuple(part.split("=", 1)[0] for part in query.split("&") if part)
        routes.append(_Route(http.get("method", "GET"), re.compile(f"^{regex.rstrip('/')}/?$"), keys, name,
                             literal + len(keys)))
    return tuple(sorted(routes, key=lambda r: -r.literal_length))


def parse(method: str, path: str, query: str, headers: Any, body: bytes) -> Call | None:
    """The Call of a signed AWS API request, or None when it carries no SigV4 credential."""
    scope = credential_scope(headers.get("Authorization", ""))
    if scope is None:
        return None
    access_key, region, signing_name = scope
    target = headers.get("X-Amz-Target", "")
    if target:  # JSON protocol: DynamoDB_20120810.PutItem, Logs_20140328.PutLogEvents
        services = SIGNING_NAME_SERVICES.get(signing_name, (signing_name,))
        params = _json(body)
        return Call(access_key, region, signing_name, services[0], target.rsplit(".", 1)[-1], "json", params,
                    method, path)
    form = _form(query, headers, body)
    if "Action" in form:  # query protocol: IAM, STS, SNS, SQS (query), EC2...
        services = SIGNING_NAME_SERVICES.get(signing_name, (signing_name,))
        return Call(access_key, region, signing_name, services[0], form.pop("Action"), "query", form, method, path)
    for service in SIGNING_NAME_SERVICES.get(signing_name, (signing_name,)):
        found = _match_rest(service, method, path, query)
        if found is not None:
            operation, params = found
            protocol = _model(service).protocol  # type: ignore[union-attr]
            query_params = {key: values[-1] for key, values in parse_qs(query).items()}
            params = {**query_params, **params}  # e.g. Lambda's ?Qualifier=
            if protocol == "rest-json":
                params = {**_json(body), **params}
            return Call(access_key, region, signing_name, service, operation, protocol, params, method, path)
    return Call(access_key, region, signing_name, None, None, "unknown", {}, method, path)


def _match_rest(service: str, method: str, path: str, query: str) -> tuple[str, dict[str, Any]] | None:
    query_keys = set(parse_qs(query, keep_blank_values=True))
    for route in _rest_routes(service):
        if route.method != method or any(key not in query_keys for key in route.query_keys):
            continue
        match = route.regex.match(path)
        if match:
            return route.operation, {key: unquote(value) for key, value in match.groupdict().items()}
    return None


def _json(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _form(query: str, headers: Any, body: bytes) -> dict[str, str]:
    values = parse_qs(query, keep_blank_values=True)
    if body and "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        with contextlib.suppress(UnicodeDecodeError):
            values.update(parse_qs(body.decode("utf-8"), keep_blank_values=True))
    return {key: items[-1] for key, items in values.items()}
