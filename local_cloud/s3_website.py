"""S3's static website endpoint: anonymous GET/HEAD of what a website bucket's policy makes public.

AWS serves a bucket configured with `put_bucket_website` at `http://BUCKET.s3-website-REGION.amazonaws.com`;
the local cloud serves it at `http://BUCKET.s3-website.localhost:PORT/`. Browsers resolve `*.localhost` to
the loopback address themselves, and the distinct host name gives every website its own origin, so a page
served from a bucket gains nothing on the cloud's API paths (the front door answers website hosts here only).

As on AWS, a request is anonymous: an object is served only when the bucket's Block Public Access settings
let a public policy work and the bucket policy allows `s3:GetObject` to everyone. A new bucket blocks
public access (AWS's default since April 2023, see patches/s3_block_public_access.py).
"""

from __future__ import annotations

import fnmatch
import html
import json
import logging
import re
import secrets
import urllib.parse
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Any

from aiohttp import web

log = logging.getLogger("local_cloud.s3_website")

WEBSITE_SUFFIX = ".s3-website.localhost"
# S3 bucket names: 3-63 characters, lowercase letters, digits, dots and hyphens.
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
S3_NAMESPACE = "{http://s3.amazonaws.com/doc/2006-03-01/}"
DEFAULT_CONTENT_TYPE = "binary/octet-stream"  # what S3 answers for an object uploaded without ContentType
# Object metadata S3 returns as response headers on a website GET.
PASSED_HEADERS = ("cache-control", "content-disposition", "content-encoding", "content-language", "expires")


def website_host(host: str, port: int) -> str | None:
    """The bucket name when `host` (a Host header) is `BUCKET.s3-website.localhost:PORT` of this cloud."""
    name, _, host_port = host.lower().rpartition(":")
    if not name or host_port != str(port) or not name.endswith(WEBSITE_SUFFIX):
        return None
    bucket = name[: -len(WEBSITE_SUFFIX)]
    return bucket if BUCKET_NAME.match(bucket) else None


def website_url(bucket: str, port: int) -> str:
    return f"http://{bucket}{WEBSITE_SUFFIX}:{port}/"


# -- the access decision (pure functions: unit-tested without a server) ------------------------------------

@dataclass(frozen=True)
class WebsiteConfig:
    index_suffix: str | None
    error_key: str | None
    redirect_all_to: str | None = None


def parse_website_configuration(document: bytes | str | None) -> WebsiteConfig | None:
    """moto keeps put_bucket_website's XML as it came; None when the bucket is not a website."""
    if not document:
        return None
    root = ElementTree.fromstring(document)

    def text(path: str) -> str | None:
        found = root.find("/".join(f"{S3_NAMESPACE}{part}" for part in path.split("/")))
        if found is None:
            found = root.find(path)  # a document sent without the namespace
        return found.text.strip() if found is not None and found.text else None

    return WebsiteConfig(text("IndexDocument/Suffix"), text("ErrorDocument/Key"),
                         text("RedirectAllRequestsTo/HostName"))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS", []))


def _statement_matches(statement: dict[str, Any], bucket: str, key: str) -> bool:
    """Does this statement speak about an anonymous s3:GetObject of this object? Conditions never match:
    an anonymous browser request carries nothing a condition could be satisfied by here."""
    if not _is_everyone(statement.get("Principal")) or "Condition" in statement:
        return False
    actions = [action.lower() for action in _as_list(statement.get("Action", []))]
    if not any(fnmatch.fnmatchcase("s3:getobject", action) for action in actions):
        return False
    arn = f"arn:aws:s3:::{bucket}/{key}"
    return any(fnmatch.fnmatchcase(arn, resource) for resource in _as_list(statement.get("Resource", [])))


def policy_allows_public_read(policy: str | bytes | None, bucket: str, key: str) -> bool:
    """True when the bucket policy lets anyone read `key`: an Allow for everyone and no Deny."""
    if not policy:
        return False
    try:
        document = json.loads(policy)
    except ValueError:
        return False
    statements = [s for s in _as_list(document.get("Statement", [])) if isinstance(s, dict)]
    if any(s.get("Effect") == "Deny" and _statement_matches(s, bucket, key) for s in statements):
        return False
    return any(s.get("Effect") == "Allow" and _statement_matches(s, bucket, key) for s in statements)


def public_policy_blocked(block: Any) -> str | None:
    """Why Block Public Access stops a public bucket policy, or None when it does not.

    `block` is moto's PublicAccessBlock: a new bucket has all four settings on (the patch
    s3_block_public_access does that, as AWS does); None after delete_public_access_block (nothing blocked).
    """
    if block is None:
        return None
    if block.restrict_public_buckets:
        return ("RestrictPublicBuckets is true (a new bucket's default): AWS ignores the bucket's public policy "
                "for anonymous readers. Set it and BlockPublicPolicy to False with s3.put_public_access_block(...), "
                "then put the bucket policy")
    # BlockPublicPolicy stops new public policies (put_bucket_policy answers AccessDenied), not reads.
    return None


# -- the endpoint ----------------------------------------------------------------------------------------

class WebsiteError(Exception):
    """An answer of S3's website endpoint other than the object: status, S3 code, message, and a hint."""

    def __init__(self, status: int, code: str, message: str, hint: str = "", **details: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.hint, self.details = status, code, message, hint, details


class S3WebsiteEndpoint:
    """Answers requests whose Host is a website host; reads buckets and objects from moto in this process."""

    async def handle(self, request: web.Request, bucket_name: str) -> web.StreamResponse:
        request_id = secrets.token_hex(8).upper()
        try:
            if request.method not in ("GET", "HEAD"):
                raise WebsiteError(405, "MethodNotAllowed", "The specified method is not allowed against this "
                                   "resource.", "a website endpoint serves GET and HEAD only; use the S3 API "
                                   "(boto3) to change the bucket", Method=request.method)
            return self.serve(request, bucket_name, request_id)
        except WebsiteError as error:
            if error.hint:
                log.info("s3 website %s %s: %s %s (hint: %s)", bucket_name, request.path, error.status,
                         error.code, error.hint)
            return error_page(error, request_id)

    def serve(self, request: web.Request, bucket_name: str, request_id: str) -> web.StreamResponse:
        bucket = find_bucket(bucket_name)
        if bucket is None:
            raise WebsiteError(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=bucket_name)
        config = parse_website_configuration(bucket.website_configuration)
        if config is None:
            raise WebsiteError(404, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website "
                               "configuration", "call s3.put_bucket_website(...) on the bucket first",
                               BucketName=bucket_name)
        if config.redirect_all_to:
            raise web.HTTPMovedPermanently(f"http://{config.redirect_all_to}{request.path_qs}")
        key = urllib.parse.unquote(request.path[1:])
        if config.index_suffix and (key == "" or key.endswith("/")):
            key += config.index_suffix
        try:
            return self.object_response(request, bucket, key, 200, request_id)
        except WebsiteError as error:
            if error.status == 404 and config.index_suffix and not key.endswith("/" + config.index_suffix) \
                    and readable(bucket, f"{key}/{config.index_suffix}") is not None:
                # A "folder" without its slash: S3 redirects to it, like a web server does.
                raise web.HTTPFound("/" + urllib.parse.quote(key) + "/") from None
            if config.error_key and error.status in (403, 404) and readable(bucket, config.error_key) is not None:
                if error.hint:
                    log.info("s3 website %s /%s: %s %s (hint: %s)", bucket_name, key, error.status,
                             error.code, error.hint)
                return self.object_response(request, bucket, config.error_key, error.status, request_id)
            raise

    def object_response(self, request: web.Request, bucket: Any, key: str, status: int,
                        request_id: str) -> web.Response:
        item = readable(bucket, key)
        if item is None:
            raise WebsiteError(404, "NoSuchKey", "The specified key does not exist.", Key=key)
        blocked = public_policy_blocked(bucket.public_access_block)
        if blocked or not policy_allows_public_read(bucket.policy, bucket.name, key):
            hint = blocked or (f"the bucket policy does not allow s3:GetObject on arn:aws:s3:::{bucket.name}/{key} "
                               "to Principal \"*\": put one with s3.put_bucket_policy(...)")
            raise WebsiteError(403, "AccessDenied", "Access Denied", hint)
        metadata = item.metadata
        headers = {
            "Content-Type": metadata.get("content-type") or DEFAULT_CONTENT_TYPE,
            "ETag": item.etag,
            "Last-Modified": item.last_modified_RFC1123,
            "x-amz-request-id": request_id,
            "Server": "AmazonS3",
        }
        headers.update({name.title(): metadata[name] for name in PASSED_HEADERS if metadata.get(name)})
        # aiohttp sends no body for HEAD but keeps the Content-Length, as S3 does.
        return web.Response(status=status, body=item.value, headers=headers)


def find_bucket(name: str) -> Any | None:
    """moto's bucket of that name, in whichever account created it (bucket names are global)."""
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(name)
    if owner is None:
        return None
    partition, account_id = owner
    return s3_backends[account_id][partition].buckets.get(name)


def readable(bucket: Any, key: str) -> Any | None:
    """The current version of an object (None when missing, or when its latest version is a delete marker)."""
    from moto.s3.models import FakeKey

    item = bucket.keys.get(key) if key else None
    return item if isinstance(item, FakeKey) else None


def error_page(error: WebsiteError, request_id: str) -> web.Response:
    """The small HTML page S3's website endpoint answers errors with, plus the local cloud's hint."""
    reasons = {403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}
    title = f"{error.status} {reasons.get(error.status, 'Error')}"
    items = [("Code", error.code), ("Message", error.message), *error.details.items(), ("RequestId", request_id)]
    lines = "".join(f"<li>{html.escape(name)}: {html.escape(value)}</li>" for name, value in items)
    hint = f"<p>Local cloud hint: {html.escape(error.hint)}</p>" if error.hint else ""
    page = f"<html>\n<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<ul>{lines}</ul>\n{hint}<hr/>\n</body>\n</html>\n"
    headers = {"x-amz-request-id": request_id, "Server": "AmazonS3"}
    if error.code == "MethodNotAllowed":
        headers["Allow"] = "GET, HEAD"
    return web.Response(status=error.status, text=page, headers=headers, content_type="text/html", charset="utf-8")
