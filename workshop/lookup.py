"""Find the chat's resources by name on the current target (ids are never kept only in a kernel's memory)."""

from __future__ import annotations

import urllib.parse
from typing import Any

import botocore.exceptions

from .session import WorkshopSession


def _missing(error: botocore.exceptions.ClientError, *codes: str) -> bool:
    return error.response["Error"].get("Code") in codes


def role(session: WorkshopSession) -> dict[str, Any] | None:
    try:
        return session.client("iam").get_role(RoleName=session.names.role)["Role"]
    except botocore.exceptions.ClientError as error:
        if _missing(error, "NoSuchEntity"):
            return None
        raise


def table(session: WorkshopSession) -> dict[str, Any] | None:
    try:
        return session.client("dynamodb").describe_table(TableName=session.names.table)["Table"]
    except botocore.exceptions.ClientError as error:
        if _missing(error, "ResourceNotFoundException"):
            return None
        raise


def function(session: WorkshopSession, name: str) -> dict[str, Any] | None:
    """get_function's answer (Configuration, Tags) or None."""
    try:
        return session.client("lambda").get_function(FunctionName=name)
    except botocore.exceptions.ClientError as error:
        if _missing(error, "ResourceNotFoundException"):
            return None
        raise


def apis_named(session: WorkshopSession, name: str) -> list[dict[str, Any]]:
    """Every API with this exact name (a broken earlier run may have left more than one)."""
    paginator = session.client("apigatewayv2").get_paginator("get_apis")
    return [api for page in paginator.paginate() for api in page["Items"] if api["Name"] == name]


def api(session: WorkshopSession) -> dict[str, Any] | None:
    found = apis_named(session, session.names.api)
    return found[0] if found else None


def api_id(session: WorkshopSession) -> str | None:
    found = api(session)
    return found["ApiId"] if found else None


def routes(session: WorkshopSession, api_id: str) -> dict[str, dict[str, Any]]:
    """route key -> route."""
    paginator = session.client("apigatewayv2").get_paginator("get_routes")
    return {route["RouteKey"]: route for page in paginator.paginate(ApiId=api_id) for route in page["Items"]}


def integrations(session: WorkshopSession, api_id: str) -> dict[str, dict[str, Any]]:
    """integration id -> integration."""
    paginator = session.client("apigatewayv2").get_paginator("get_integrations")
    return {item["IntegrationId"]: item for page in paginator.paginate(ApiId=api_id) for item in page["Items"]}


def stage(session: WorkshopSession, api_id: str) -> dict[str, Any] | None:
    try:
        return session.client("apigatewayv2").get_stage(ApiId=api_id, StageName=session.names.stage)
    except botocore.exceptions.ClientError as error:
        if _missing(error, "NotFoundException"):
            return None
        raise


def websocket_url(session: WorkshopSession) -> str | None:
    """The URL chat clients connect to: ApiEndpoint + "/" + stage, once the stage exists."""
    found = api(session)
    if not found or stage(session, found["ApiId"]) is None:
        return None
    return f"{found['ApiEndpoint']}/{session.names.stage}"


def function_policy(session: WorkshopSession, name: str) -> list[dict[str, Any]]:
    """The statements of a function's resource policy (who may invoke it)."""
    import json

    try:
        policy = session.client("lambda").get_policy(FunctionName=name)["Policy"]
    except botocore.exceptions.ClientError as error:
        if _missing(error, "ResourceNotFoundException"):
            return []
        raise
    return json.loads(policy).get("Statement", [])


def role_policies(session: WorkshopSession) -> dict[str, dict[str, Any]]:
    """Inline policy name -> policy document of the chat's role."""
    import json
    import urllib.parse

    iam = session.client("iam")
    documents: dict[str, dict[str, Any]] = {}
    try:
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=session.names.role):
            for policy_name in page["PolicyNames"]:
                document = iam.get_role_policy(RoleName=session.names.role, PolicyName=policy_name)["PolicyDocument"]
                if isinstance(document, str):  # some endpoints return it URL-encoded
                    document = json.loads(urllib.parse.unquote(document))
                documents[policy_name] = document
    except botocore.exceptions.ClientError as error:
        if _missing(error, "NoSuchEntity"):
            return {}
        raise
    return documents


def execute_api_arn(session: WorkshopSession, api_id: str, route_key: str) -> str:
    """The SourceArn that lets API Gateway invoke a route's function: any stage, this route only."""
    return f"arn:aws:execute-api:{session.region}:{session.account_id}:{api_id}/*/{route_key}"


# Regions whose website endpoint is s3-website-REGION (the older form); the others use s3-website.REGION.
WEBSITE_DASH_REGIONS = {"us-east-1", "us-west-1", "us-west-2", "ap-southeast-1", "ap-southeast-2",
                        "ap-northeast-1", "sa-east-1", "eu-west-1", "us-gov-west-1"}


def website_bucket_name(session: WorkshopSession) -> str:
    return session.names.website_bucket(session.account_id, session.region)


def website_bucket(session: WorkshopSession) -> str | None:
    """The name of step 07's bucket when it exists and is ours (a 403 means another account owns the name)."""
    name = website_bucket_name(session)
    try:
        session.client("s3").head_bucket(Bucket=name)
    except botocore.exceptions.ClientError as error:
        if _missing(error, "404", "NoSuchBucket", "403", "AccessDenied"):
            return None
        raise
    return name


def website_url(session: WorkshopSession, bucket: str) -> str:
    """Where S3 serves the bucket as a website. No API returns it: it is built from the bucket and region.

    On the local cloud: http://BUCKET.s3-website.localhost:PORT/ (browsers send *.localhost to this machine).
    """
    if session.endpoint_url:
        port = urllib.parse.urlsplit(session.endpoint_url).port or 80
        return f"http://{bucket}.s3-website.localhost:{port}/"
    separator = "-" if session.region in WEBSITE_DASH_REGIONS else "."
    return f"http://{bucket}.s3-website{separator}{session.region}.amazonaws.com/"


def deployed_website_url(session: WorkshopSession) -> str | None:
    """The web page's URL once step 07 has configured the bucket as a website, else None."""
    bucket = website_bucket(session)
    if bucket is None:
        return None
    s3 = session.client("s3")
    try:
        s3.get_bucket_website(Bucket=bucket)
        s3.head_object(Bucket=bucket, Key="index.html")
    except botocore.exceptions.ClientError as error:
        if _missing(error, "NoSuchWebsiteConfiguration", "404", "NoSuchKey"):
            return None
        raise
    return website_url(session, bucket)
