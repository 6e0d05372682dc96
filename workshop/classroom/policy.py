"""The IAM policy that lets one learner do exactly the workshop in a shared account, and nothing outside their prefix."""

from __future__ import annotations

import json
from typing import Any

from ..i18n import N_, _
from ..naming import WORKSHOP_TAG, Names, validate_prefix

# AWS's limit for a customer managed policy, counted without whitespace.
MANAGED_POLICY_LIMIT = 6144

# Sid -> why the statement is there (printed by `class policy --explain`).
REASONS = {
    "OwnRole": N_("step 01 creates, tags and updates the role {role}, and step 10 deletes it; no other role"),
    "PassOwnRoleToLambdaOnly": N_("step 03 hands {role} to Lambda (iam:PassRole): only this role, only to "
                                  "lambda.amazonaws.com, so no other role's rights can be borrowed"),
    "OwnTable": N_("step 02 creates {table} (and its index); notebooks 03, 06 and 08 read it; step 10 deletes it"),
    "OwnFunctions": N_("step 03 creates the 7 chat functions and notebook 08 its counter, by exact name; "
                       "step 04 adds their invoke permissions; step 10 deletes them"),
    "OwnLogGroups": N_("notebooks 06 and 08 read the functions' logs; step 10 deletes the log groups"),
    "CreateApiTaggedAsThisLearner": N_("step 04 creates the WebSocket API: only with the tag learner={prefix} "
                                       "(API ids are random, so the tag is what names an API as theirs)"),
    "OwnApiByTag": N_("steps 04, 05 and 10 change routes, integrations, deployments and the stage of APIs "
                      "tagged learner={prefix} only"),
    "PostToOwnConnections": N_("notebook 06 posts to a connection of the chat from the notebook "
                               "(execute-api has no tags: connection ids are random and unguessable)"),
    "OwnWebsiteBucket": N_("step 07 creates the web page's bucket {bucket} and its files; step 10 deletes them"),
    "FindOwnThings": N_("listing names (roles, tables, log groups) to find their own resources and to name a "
                        "mistyped prefix; read-only, names only"),
    "FindOwnApi": N_("listing the APIs' names and ids, to find their own by name (read-only)"),
}


def learner_policy(prefix: str, account_id: str, region: str) -> dict[str, Any]:
    """The policy document for learner `prefix` in `account_id`, `region` (exact names, as naming.Names derives them)."""
    names = Names(validate_prefix(prefix))
    role_arn = f"arn:aws:iam::{account_id}:role/{names.role}"
    table_arn = f"arn:aws:dynamodb:{region}:{account_id}:table/{names.table}"
    functions = [f"arn:aws:lambda:{region}:{account_id}:function:{name}" for name in names.every_function]
    log_groups = [f"arn:aws:logs:{region}:{account_id}:log-group:{group}:*" for group in names.every_log_group]
    bucket = names.website_bucket(account_id, region)
    apis = f"arn:aws:apigateway:{region}::/apis"
    # Only the calls the notebooks, steps, checks and `workshop` commands make (tests/test_classroom.py runs
    # notebooks 01-10 with nothing else).
    statements = [
        _allow("OwnRole", [
            "iam:CreateRole", "iam:GetRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:ListRoleTags",
            "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:DeleteRole"],
            [role_arn]),
        _allow("PassOwnRoleToLambdaOnly", ["iam:PassRole"], [role_arn],
               {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
        _allow("OwnTable", [
            "dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:DeleteTable", "dynamodb:TagResource",
            "dynamodb:ListTagsOfResource", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"],
            [table_arn, f"{table_arn}/index/*"]),
        _allow("OwnFunctions", [
            "lambda:CreateFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
            "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction",
            "lambda:TagResource", "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy",
            "lambda:InvokeFunction"],
            functions),
        _allow("OwnLogGroups", ["logs:FilterLogEvents", "logs:DeleteLogGroup"], log_groups),
        _allow("CreateApiTaggedAsThisLearner", ["apigateway:POST"], [apis],
               {"StringEquals": {"aws:RequestTag/learner": names.prefix, "aws:RequestTag/workshop": WORKSHOP_TAG}}),
        _allow("OwnApiByTag", ["apigateway:GET", "apigateway:POST", "apigateway:PATCH", "apigateway:PUT",
                               "apigateway:DELETE"], [f"{apis}/*"],
               {"StringEquals": {"aws:ResourceTag/learner": names.prefix}}),
        _allow("PostToOwnConnections", ["execute-api:ManageConnections"],
               [f"arn:aws:execute-api:{region}:{account_id}:*/{names.stage}/*/@connections/*"]),
        _allow("OwnWebsiteBucket", [
            "s3:CreateBucket", "s3:ListBucket", "s3:DeleteBucket", "s3:GetBucketTagging", "s3:PutBucketTagging",
            "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:GetBucketPublicAccessBlock",
            "s3:PutBucketPublicAccessBlock", "s3:GetBucketWebsite", "s3:PutBucketWebsite", "s3:GetObject",
            "s3:PutObject", "s3:DeleteObject"],
            [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]),
        _allow("FindOwnThings", ["iam:ListRoles", "dynamodb:ListTables", "logs:DescribeLogGroups"], ["*"]),
        _allow("FindOwnApi", ["apigateway:GET"], [apis]),
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def _allow(sid: str, actions: list[str], resources: list[str], condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def policy_size(document: dict[str, Any]) -> int:
    """Characters AWS counts against the managed policy limit (whitespace does not count)."""
    return len(json.dumps(document, separators=(",", ":")))


def explain(document: dict[str, Any], prefix: str, account_id: str, region: str) -> str:
    """What each statement lets the learner do and why, and what it does not cover."""
    names = Names(prefix)
    values = {"role": names.role, "table": names.table, "prefix": prefix,
              "bucket": names.website_bucket(account_id, region)}
    lines = [_("IAM policy for learner {prefix!r} in account {account} ({region}), {size} of {limit} characters:").format(
        prefix=prefix, account=account_id, region=region, size=policy_size(document), limit=MANAGED_POLICY_LIMIT)]
    for statement in document["Statement"]:
        reason = REASONS[statement["Sid"]]
        lines.append(f"  {statement['Sid']}: {_(reason).format(**values)}")
    lines.append(_("  Not covered: a learner can still give their own role more rights with put_role_policy (the "
                   "functions would then act with them). For a class where that matters, use an account with "
                   "nothing else in it (AWS Organizations), and sweep it afterwards: python -m workshop class sweep."))
    return "\n".join(lines)
