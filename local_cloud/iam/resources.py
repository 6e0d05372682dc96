"""What IAM checks for a call: one or more (action, resource) pairs, the way each AWS service authorizes.

DynamoDB checks every item of a transaction on its own table, and an index is its own resource; Lambda's
Invoke is lambda:InvokeFunction; API Gateway's control plane is apigateway:{HTTP method} on the path; CloudWatch
Logs names log groups as `log-group:NAME:log-stream:STREAM`. A service without rules here is checked on its
action alone (its resource is unknown to the local cloud).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .operations import Call
from .policy import UNKNOWN_RESOURCE


@dataclass(frozen=True)
class Check:
    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def checks(call: Call, account: str) -> list[Check]:
    """Every (action, resource) pair that must be allowed for this call."""
    rule = RULES.get(call.signing_name)
    if rule is not None:
        return rule(call, account)
    prefix = call.signing_name
    return [Check(f"{prefix}:{call.operation}", UNKNOWN_RESOURCE)] if call.operation else []


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
    name = call.params.get("FunctionName")
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

def _apigateway(call: Call, account: str) -> list[Check]:
    path = call.path.removeprefix("/v2")
    return [Check(f"apigateway:{call.method}", f"arn:aws:apigateway:{call.region}::{path}")]


# -- S3 (path-style requests, as boto3 sends them to a local endpoint) ---------------------------------

S3_ACTIONS = {"ListObjects": "ListBucket", "ListObjectsV2": "ListBucket", "HeadBucket": "ListBucket",
              "HeadObject": "GetObject", "ListObjectVersions": "ListBucketVersions", "DeleteObjects": "DeleteObject",
              "CopyObject": "PutObject", "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
              "CompleteMultipartUpload": "PutObject", "AbortMultipartUpload": "AbortMultipartUpload",
              "ListBuckets": "ListAllMyBuckets", "GetObjectAttributes": "GetObject"}


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


