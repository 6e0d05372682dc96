"""The local cloud's network boundary: which requests may reach it at all, checked before anything is routed.

The cloud runs for hours on a learner's laptop while they browse the web, and any page can send requests
to 127.0.0.1. So, in this order:

1. `Host` must name this cloud (127.0.0.1, localhost, [::1] or the bind address, with its port): a page
   that re-binds its own DNS name to 127.0.0.1 (DNS rebinding) sends its own name and is refused.
2. WebSocket upgrades are then accepted from any origin, as API Gateway does.
3. moto's `/moto-api` (recorder, reset, state dump) is never served.
4. Browsers are refused on the AWS API, invoke, `@connections` and control paths: a CORS preflight
   (`OPTIONS`), a request with an `Origin` not allowed by a setting, and one a browser marks as sent by
   another site (`Sec-Fetch-Site`). boto3 sends none of these.
5. Every AWS API request carries SigV4 (`Authorization: AWS4-HMAC-SHA256 Credential=...`, or presigned
   query parameters), as on AWS; any key works locally, the signature is not verified. Without one the
   answer is AWS's own `MissingAuthenticationToken`, shaped for the caller's protocol.

The control paths' secret is checked by the control handler itself (control.py, server.py).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from aiohttp import web

from .config import Settings
from .control import CONTROL_PREFIX

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")
SIGV4_SCHEMES = ("AWS4-HMAC-SHA256 ", "AWS4-ECDSA-P256-SHA256 ")
# Sec-Fetch-Site values that mean "a page of another site sent this" (no Origin on a GET of an <img>).
FOREIGN_SITES = frozenset({"cross-site", "same-site"})
# A response a browser renders anyway (a navigation) gets no script, no plugins and no origin of its own.
SEALED_HEADERS = {"X-Content-Type-Options": "nosniff",
                  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox"}
MISSING_TOKEN_HINT = " (local cloud: sign requests with SigV4, as boto3 does; any access key works locally)"


class RemoteBindRefused(ValueError):
    """A non-loopback bind address without allow_remote."""


# -- where it listens -----------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def check_bind(host: str, allow_remote: bool) -> None:
    """Refuse a bind address other machines can reach, unless the caller asked for it on purpose."""
    if not is_loopback(host) and not allow_remote:
        raise RemoteBindRefused(
            f"Refusing to listen on {host or 'every address'}: other machines could then reach this cloud and run "
            f"code on this computer as you. For this machine only, use --host 127.0.0.1 (the default). To serve a "
            f"class on a network you trust, add --allow-remote."
        )


def remote_warning(settings: Settings) -> str:
    """What a non-loopback bind exposes, printed when the cloud starts with allow_remote."""
    where = "every network this machine is on" if settings.host in WILDCARD_ADDRESSES else settings.host
    return (
        f"WARNING: listening on {where}, port {settings.port} (--allow-remote). Anyone who can reach it may use this "
        f"cloud with any access key: create and invoke Lambda functions that run as you on this computer, read and "
        f"delete every table, close every chat. Use it on a network you trust, only while the class needs it."
    )


def url_host(host: str) -> str:
    """A host as it appears in a URL or a Host header: IPv6 literals in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass(frozen=True)
class AcceptedHosts:
    """The `Host` values this cloud answers to, each with its port.

    Another service with virtual hosts (say S3 websites on BUCKET.s3-website.localhost:PORT, which
    serve anonymous GET/HEAD of public content only) gets a matcher of its own, tried before this one,
    so its hosts never reach the AWS API paths.
    """

    exact: frozenset[str]
    port: int
    any_ip: bool = False  # a wildcard bind: any IP literal (an address cannot be re-bound, a name can)

    @classmethod
    def for_settings(cls, settings: Settings, extra_names: Iterable[str] = ()) -> AcceptedHosts:
        wildcard = settings.host in WILDCARD_ADDRESSES
        names = {*LOOPBACK_NAMES, *extra_names} | (set() if wildcard else {url_host(settings.host)})
        exact = {f"{name.lower()}:{settings.port}" for name in names}
        if settings.port == 80:
            exact |= {name.lower() for name in names}
        return cls(frozenset(exact), settings.port, any_ip=wildcard)

    def accepts(self, host: str | None) -> bool:
        if not host:
            return False
        host = host.lower()
        if host in self.exact:
            return True
        if not self.any_ip:
            return False
        if host.endswith("]") or ":" not in host:
            name, port = host, ""
        else:
            name, _, port = host.rpartition(":")
        if (int(port) if port.isdigit() else 80) != self.port:
            return False
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            return False
        return True

    def describe(self) -> str:
        listed = ", ".join(sorted(self.exact))
        return listed + (f" or any IP address with port {self.port}" if self.any_ip else "")


# -- the check ------------------------------------------------------------------------------------


class Boundary:
    """`refuse(request)`: None when the request may go on, else the answer it gets instead."""

    def __init__(self, settings: Settings) -> None:
        self.hosts = AcceptedHosts.for_settings(settings)
        own = {f"http://{name}:{settings.port}" for name in (*LOOPBACK_NAMES, url_host(settings.advertised_host))}
        self.allowed_origins = frozenset(
            origin.strip().rstrip("/").lower() for origin in (*own, *settings.allowed_origins))

    def refuse(self, request: web.Request) -> web.Response | None:
        headers = request.headers
        host = headers.get("Host")
        if not self.hosts.accepts(host):
            return aws_error(request, 403, "AccessDenied",
                             f"Local cloud: Host {host!r} is not this local cloud (it answers to {self.hosts.describe()}). "
                             "Use its URL as printed at start, e.g. in AWS_ENDPOINT_URL.")
        if headers.get("Upgrade", "").lower() == "websocket":
            return None  # API Gateway accepts WebSocket clients from any origin
        path = request.path
        if path.startswith("/moto-api") or request.raw_path.startswith("/moto-api"):
            return aws_error(request, 404, "NotFound",
                             "Local cloud: moto's /moto-api is not served (its recorder, reset and state dump "
                             "would let any web page run code here or wipe the cloud).")
        if request.method == "OPTIONS":
            return aws_error(request, 403, "AccessDenied",
                             "Local cloud: CORS preflight refused: web pages may not call this API.")
        origin = headers.get("Origin")
        if origin is not None:
            if origin.rstrip("/").lower() not in self.allowed_origins:
                return aws_error(request, 403, "AccessDenied",
                                 f"Local cloud: requests from web pages (Origin {origin!r}) are refused. To allow a "
                                 "page you trust, add its origin to LOCAL_CLOUD_ALLOWED_ORIGINS.")
        elif headers.get("Sec-Fetch-Site") in FOREIGN_SITES:
            return aws_error(request, 403, "AccessDenied",
                             "Local cloud: requests sent by another site's web page are refused.")
        if path.startswith(CONTROL_PREFIX):
            return None  # the control handler checks its secret
        if not is_signed(request):
            return missing_token(request)
        return None


def is_signed(request: web.Request) -> bool:
    """SigV4 in the Authorization header, or presigned in the query string (the signature is not verified)."""
    authorization = request.headers.get("Authorization")
    if authorization is not None:
        return authorization.startswith(SIGV4_SCHEMES) and "Credential=" in authorization
    if "X-Amz-Signature" not in request.query_string:  # skip parsing the query for the common case
        return False
    query = request.query
    return "X-Amz-Signature" in query and "X-Amz-Credential" in query


def missing_token(request: web.Request) -> web.Response:
    """AWS's answer to an unsigned request, in the shape the caller's SDK expects for that service."""
    if "/@connections" in request.path:
        # The execute-api management API's modelled error (boto3: client.exceptions.ForbiddenException).
        return web.json_response({"__type": "ForbiddenException", "message": "Missing Authentication Token"},
                                 status=403, headers={"x-amzn-ErrorType": "ForbiddenException"})
    protocol = aws_protocol(request)
    if protocol == "json":  # DynamoDB, CloudWatch Logs: 400 with a coral __type
        return aws_error(request, 400, "MissingAuthenticationTokenException",
                         "Request is missing Authentication Token" + MISSING_TOKEN_HINT)
    if protocol == "query":  # IAM, STS
        return aws_error(request, 403, "MissingAuthenticationToken",
                         "Request must contain either a valid (registered) AWS access key ID or X.509 certificate."
                         + MISSING_TOKEN_HINT)
    return aws_error(request, 403, "MissingAuthenticationTokenException",  # Lambda, API Gateway
                     "Missing Authentication Token" + MISSING_TOKEN_HINT)


def aws_protocol(request: web.Request) -> str:
    """The wire protocol of the AWS API a request is for: json (X-Amz-Target), query (Action=...) or rest-json."""
    if "X-Amz-Target" in request.headers:
        return "json"
    if request.content_type == "application/x-www-form-urlencoded" or "Action=" in request.query_string:
        return "query"
    return "rest-json"


def aws_error(request: web.Request, status: int, code: str, message: str) -> web.Response:
    """An error botocore parses into ClientError(code, message), whatever the service's protocol; one line."""
    protocol = aws_protocol(request)
    if protocol == "query":
        code = code.removesuffix("Exception")
        body = (f'<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code>'
                f'<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>')
        return web.Response(status=status, text=body, content_type="text/xml")
    if protocol == "json":
        code = code if code.endswith("Exception") else f"{code}Exception"
        return web.json_response({"__type": f"com.amazon.coral.service#{code}", "message": message},
                                 status=status, content_type="application/x-amz-json-1.0")
    code = code if code.endswith("Exception") else f"{code}Exception"
    return web.json_response({"message": message}, status=status, headers={"x-amzn-ErrorType": code})


def seal(response: web.StreamResponse) -> web.StreamResponse:
    """Headers that keep a browser from treating an API answer as a page (see SEALED_HEADERS)."""
    if not response.prepared:
        response.headers.update(SEALED_HEADERS)
    return response
