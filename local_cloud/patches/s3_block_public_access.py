"""Fills moto's gap: S3 Block Public Access as AWS applies it since April 2023.

A new bucket starts with all four Block Public Access settings on, and `put_bucket_policy` with a policy
that grants public access is refused (AccessDenied) while `BlockPublicPolicy` is on. moto creates buckets
without the settings and accepts any policy, so forgetting `put_public_access_block` would pass locally
and fail on AWS.
"""

from __future__ import annotations

import json
from typing import Any

from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeBucket, PublicAccessBlock, S3Backend

from .wrapping import replace_method


class PublicPolicyBlocked(S3ClientError):
    code = "AccessDenied"

    def __init__(self, bucket: str) -> None:
        super().__init__(
            "AccessDenied",
            f'User is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::{bucket}" because '
            "public policies are blocked by the BlockPublicPolicy block public access setting. (Local cloud hint: "
            "call put_public_access_block with BlockPublicPolicy=False first, as AWS requires.)",
        )


def grants_public_access(policy: str | bytes) -> bool:
    """AWS's test, simplified: an Allow to everyone ("*" or {"AWS": "*"}) not narrowed by a condition."""
    try:
        document = json.loads(policy)
    except ValueError:
        return False
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or "Condition" in statement:
            continue
        principal = statement.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        if principal == "*" or aws == "*" or (isinstance(aws, list) and "*" in aws):
            return True
    return False


def _blocked_by_default(original: Any) -> Any:
    def create_bucket(self: S3Backend, *args: Any, **kwargs: Any) -> FakeBucket:
        bucket = original(self, *args, **kwargs)
        if bucket.public_access_block is None:
            bucket.public_access_block = PublicAccessBlock("true", "true", "true", "true")
        return bucket

    return create_bucket


def _refuse_blocked_public_policies(original: Any) -> Any:
    def put_bucket_policy(self: S3Backend, bucket_name: str, policy: bytes) -> None:
        block = self.get_bucket(bucket_name).public_access_block
        if block is not None and block.block_public_policy and grants_public_access(policy):
            raise PublicPolicyBlocked(bucket_name)
        return original(self, bucket_name, policy)

    return put_bucket_policy


def apply() -> None:
    replace_method(S3Backend, "create_bucket", _blocked_by_default)
    replace_method(S3Backend, "put_bucket_policy", _refuse_blocked_public_policies)
