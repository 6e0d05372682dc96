"""What IAM checks for a call: one or more (action, resource) pairs, the way each AWS service authorizes.

DynamoDB checks every item of a transaction on its own table, and an index is its own resource; Lambda's
Invoke is lambda:InvokeFunction; API Gateway's control plane is apigateway:{HTTP method} on the path; CloudWatch
Logs names log groups as `log-group:NAME:log-stream:STREAM`. A service without rules here is checked on its
action alone (its resource is unknown to the local cloud).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .operations import Call
from .policy import UNKNOWN_RESOURCE


@dataclass(frozen=True)
class Check:
    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def checks(call: Call, account: str) -> list[Check]:
    """Every (action, resource) pair that must be allowed for this call, with the request's tags as context."""
    rule = RULES.get(call.signing_name)
    if rule is not None:
        found = rule(call, account)
    else:
        prefix = call.signing_name
        found = [Check(f"{prefix}:{call.operation}", UNKNOWN_RESOURCE)] if call.operation else []
    tags = request_tags(call)
    if tags:
        extra = tag_context(tags, "aws:requesttag/")
        extra["aws:tagkeys"] = list(tags)
        found = [Check(check.action, check.resource, {**extra, **check.context}) for check in found]
    return found


def request_tags(call: Call) -> dict[str, str]:
    """The tags a request sets: {"k": "v"} (Lambda, API Gateway), [{"Key", "Value"}] (DynamoDB, IAM's JSON) or
    IAM's query form Tags.member.N.Key / Tags.member.N.Value."""
    raw = call.params.get("Tags", call.params.get("tags"))
    if isinstance(raw, dict):
        return {str(key): str(value) for key, value in raw.items()}
    if isinstance(raw, list):
        return {str(tag.get("Key")): str(tag.get("Value", "")) for tag in raw if isinstance(tag, dict) and "Key" in tag}
    found: dict[str, str] = {}
    for name, value in call.params.items():
        if isinstance(name, str) and name.startswith("Tags.member.") and name.endswith(".Key"):
            found[str(value)] = str(call.params.get(name.removesuffix(".Key") + ".Value", ""))
    return found


def tag_context(tags: dict[str, str], key_prefix: str) -> dict[str, str | list[str]]:
    """aws:RequestTag/KEY or aws:ResourceTag/KEY condition keys (lower-cased: condition keys ignore case)."""
    return {f"{key_prefix}{key.lower()}": value for key, value in tags.items()}


# -- DynamoDB ------------------------------------------------------------------------------------------

TRANSACT_WRITE_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                          "ConditionCheck": "ConditionCheckItem"}


def _table_arn(call: Call, account: str, table: str) -> str:
    if table.startswith("arn:"):
        return table
    return f"arn:aws:dynamodb:{call.region}:{account}:table/{table}"


def _dynamodb(call: Call, account: str) -> list[Check]:
    op, params = call.operation or "", call.params
    if op == "TransactWriteItems":
        found = []
        for item in params.get("TransactItems") or []:
            for kind, action in TRANSACT_WRITE_ACTIONS.items():
                if isinstance(item, dict) and kind in item:
                    found.append(Check(f"dynamodb:{action}", _table_arn(call, account, item[kind].get("TableName", ""))))
        return found
    if op == "TransactGetItems":
        return [Check("dynamodb:GetItem", _table_arn(call, account, item["Get"].get("TableName", "")))
                for item in params.get("TransactItems") or [] if isinstance(item, dict) and "Get" in item]
    if op in ("BatchWriteItem", "BatchGetItem"):
        return [Check(f"dynamodb:{op}", _table_arn(call, account, table)) for table in params.get("RequestItems") or {}]
    table = params.get("TableName") or params.get("ResourceArn")
    if not table:
        return [Check(f"dynamodb:{op}", "*")]
    arn = _table_arn(call, account, table)
    if params.get("IndexName") and op in ("Query", "Scan"):
        arn = f"{arn}/index/{params['IndexName']}"
    return [Check(f"dynamodb:{op}", arn)]


# -- Lambda --------------------------------------------------------------------------------------------

LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction",
                  "InvokeAsync": "InvokeFunction"}


def _function_arn(call: Call, account: str, name: str, qualifier: str | None) -> str:
    if name.startswith("arn:"):
        return name
    if ":function:" in name:  # 123456789012:function:NAME
        return f"arn:aws:lambda:{call.region}:{name}"
    base, _, inline_qualifier = name.partition(":")
    arn = f"arn:aws:lambda:{call.region}:{account}:function:{base}"
    qualifier = inline_qualifier or qualifier
    return f"{arn}:{qualifier}" if qualifier else arn


def _lambda(call: Call, account: str) -> list[Check]:
    op = call.operation or ""
    action = f"lambda:{LAMBDA_ACTIONS.get(op, op.removesuffix('20150331').removesuffix('20150331v2'))}"
    name = call.params.get("FunctionName") or call.params.get("Resource")  # TagResource, ListTags: the ARN
    found = [Check(action, _function_arn(call, account, name, call.params.get("Qualifier")) if name else "*")]
    role = call.params.get("Role")
    if op in ("CreateFunction", "UpdateFunctionConfiguration") and role:
        # Handing a role to Lambda needs iam:PassRole on it, as on AWS.
        found.append(Check("iam:PassRole", role, {"iam:passedtoservice": "lambda.amazonaws.com"}))
    return found


# -- CloudWatch Logs -----------------------------------------------------------------------------------

def log_arn(region: str, account: str, group: str = "", stream: str = "") -> str:
    """Logs' resource ARN as its authorization names it (also for CreateLogGroup: `...:log-stream:`)."""
    return f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}"


def _logs(call: Call, account: str) -> list[Check]:
    params = call.params
    group = params.get("logGroupName") or params.get("logGroupIdentifier") or ""
    if group.startswith("arn:"):
        group = group.split(":log-group:", 1)[-1].removesuffix(":*")
    stream = params.get("logStreamName") or ""
    return [Check(f"logs:{call.operation}", log_arn(call.region, account, group, stream))]


# -- IAM and STS ---------------------------------------------------------------------------------------

def _iam(call: Call, account: str) -> list[Check]:
    params, op = call.params, call.operation or ""
    base = f"arn:aws:iam::{account}:"
    if params.get("PolicyArn") and op in ("GetPolicy", "GetPolicyVersion", "CreatePolicyVersion",
                                          "DeletePolicy", "DeletePolicyVersion", "ListPolicyVersions",
                                          "SetDefaultPolicyVersion", "ListEntitiesForPolicy",
                                          "TagPolicy", "UntagPolicy"):
        resource = params["PolicyArn"]
    elif params.get("RoleName"):
        resource = f"{base}role/{params['RoleName']}"
    elif params.get("UserName"):
        resource = f"{base}user/{params['UserName']}"
    elif params.get("GroupName"):
        resource = f"{base}group/{params['GroupName']}"
    elif params.get("InstanceProfileName"):
        resource = f"{base}instance-profile/{params['InstanceProfileName']}"
    elif params.get("PolicyName") and op == "CreatePolicy":
        resource = f"{base}policy{params.get('Path', '/')}{params['PolicyName']}"
    else:
        resource = "*"
    if params.get("Path") and resource.startswith(f"{base}role/") and op == "CreateRole":
        resource = f"{base}role{params['Path']}{params['RoleName']}"
    return [Check(f"iam:{op}", resource)]


def _sts(call: Call, account: str) -> list[Check]:
    op = call.operation or ""
    if op == "GetCallerIdentity":
        return []  # always allowed, even under an explicit Deny
    return [Check(f"sts:{op}", call.params.get("RoleArn") or "*")]


# -- API Gateway's control plane (apigateway and apigatewayv2) -----------------------------------------

API_PATH = re.compile(r"^/apis/(?P<api>[^/]+)(?:/stages/(?P<stage>[^/]+))?")


def _apigateway(call: Call, account: str) -> list[Check]:
    path = call.path.removeprefix("/v2")
    context = tag_context(_api_resource_tags(call, account, path), "aws:resourcetag/")
    return [Check(f"apigateway:{call.method}", f"arn:aws:apigateway:{call.region}::{path}", context)]


def _api_resource_tags(call: Call, account: str, path: str) -> dict[str, str]:
    """The tags of the API a path is under (routes, integrations and stages inherit their API's tags for
    aws:ResourceTag, a stage adds its own); for /tags/ARN, those of the tagged API."""
    if path.startswith("/tags/"):
        path = unquote(path.removeprefix("/tags/")).split("::", 1)[-1]
    match = API_PATH.match(path)
    if match is None:
        return {}
    from moto.apigatewayv2.models import apigatewayv2_backends

    try:
        api = apigatewayv2_backends[account][call.region].apis.get(match.group("api"))
    except KeyError:
        return {}
    if api is None:
        return {}
    tags = dict(api.backend.get_tags(api.arn))
    stage = api.stages.get(unquote(match.group("stage") or ""))
    if stage is not None:
        tags.update(stage.tags or {})
    return tags


# -- S3 (path-style requests, as boto3 sends them to a local endpoint) ---------------------------------

S3_ACTIONS = {"ListObjects": "ListBucket", "ListObjectsV2": "ListBucket", "HeadBucket": "ListBucket",
              "HeadObject": "GetObject", "ListObjectVersions": "ListBucketVersions", "DeleteObjects": "DeleteObject",
              "CopyObject": "PutObject", "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
              "CompleteMultipartUpload": "PutObject", "AbortMultipartUpload": "AbortMultipartUpload",
              "ListBuckets": "ListAllMyBuckets", "GetObjectAttributes": "GetObject",
              "PutPublicAccessBlock": "PutBucketPublicAccessBlock", "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
              "DeletePublicAccessBlock": "PutBucketPublicAccessBlock", "DeleteBucketTagging": "PutBucketTagging"}


def _s3(call: Call, account: str) -> list[Check]:
    op = call.operation or ""
    bucket, key = call.params.get("Bucket"), call.params.get("Key")
    resource = f"arn:aws:s3:::{bucket}/{key}" if bucket and key else f"arn:aws:s3:::{bucket}" if bucket else "*"
    return [Check(f"s3:{S3_ACTIONS.get(op, op)}", resource)] if op else []


RULES: dict[str, Callable[[Call, str], list[Check]]] = {
    "s3": _s3,
    "dynamodb": _dynamodb,
    "lambda": _lambda,
    "logs": _logs,
    "iam": _iam,
    "sts": _sts,
    "apigateway": _apigateway,
}


def execute_api_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """The resource of an @connections call: arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/@connections/ID."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}{path}"


