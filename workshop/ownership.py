"""Refuse to adopt a resource of the learner's prefix that someone else created (two learners, one prefix)."""

from __future__ import annotations

from collections.abc import Iterator

import botocore.exceptions

from . import lookup
from .errors import OwnershipError
from .i18n import N_, _
from .session import WorkshopSession


def _role_tags(session: WorkshopSession) -> Iterator[tuple[str, str, dict[str, str]]]:
    if lookup.role(session) is not None:
        tags = session.client("iam").list_role_tags(RoleName=session.names.role)["Tags"]
        yield N_("IAM role"), session.names.role, {t["Key"]: t["Value"] for t in tags}


def _table_tags(session: WorkshopSession) -> Iterator[tuple[str, str, dict[str, str]]]:
    table = lookup.table(session)
    if table is not None:
        tags = session.client("dynamodb").list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
        yield N_("DynamoDB table"), session.names.table, {t["Key"]: t["Value"] for t in tags}


def _function_tags(session: WorkshopSession) -> Iterator[tuple[str, str, dict[str, str]]]:
    for name in session.names.every_function:
        found = lookup.function(session, name)
        if found is not None:
            yield N_("Lambda function"), name, dict(found.get("Tags") or {})


def _api_tags(session: WorkshopSession) -> Iterator[tuple[str, str, dict[str, str]]]:
    for api in lookup.apis_named(session, session.names.api):
        yield N_("WebSocket API"), f"{api['Name']} ({api['ApiId']})", dict(api.get("Tags") or {})


def _bucket_tags(session: WorkshopSession) -> Iterator[tuple[str, str, dict[str, str]]]:
    bucket = lookup.website_bucket(session)
    if bucket is None:
        return
    try:
        tags = session.client("s3").get_bucket_tagging(Bucket=bucket)["TagSet"]
    except botocore.exceptions.ClientError as error:
        if error.response["Error"].get("Code") != "NoSuchTagSet":
            raise
        tags = []
    yield N_("S3 bucket"), bucket, {t["Key"]: t["Value"] for t in tags}


def tagged_resources(session: WorkshopSession) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(kind, name, tags) of every existing resource with this prefix's names."""
    for found in (_role_tags, _table_tags, _function_tags, _api_tags, _bucket_tags):
        yield from found(session)


def someone_else(tags: dict[str, str], prefix: str, caller_arn: str) -> str | None:
    """Who else the tags name (`learner` another prefix, or `owner` another identity), or None when it is ours.

    Untagged resources and resources without an `owner` tag (made before owners were recorded) are ours to adopt."""
    if tags.get("learner") not in (None, prefix):
        return _("learner {learner} (its learner tag)").format(learner=tags["learner"])
    if caller_arn and tags.get("owner") not in (None, caller_arn):
        return _("{owner} (its owner tag)").format(owner=tags["owner"])
    return None


def refuse_if_taken(session: WorkshopSession) -> None:
    """Raise OwnershipError, before anything changes, if a resource of this prefix belongs to someone else.

    Looked at once per session (about a dozen API calls): the next deploying step in the same process skips it.
    """
    if session.ownership_checked:
        return
    for kind, name, tags in tagged_resources(session):
        other = someone_else(tags, session.prefix, session.caller_arn)
        if other is not None:
            raise OwnershipError(_(
                "The {kind} {name} belongs to {other}, not to you ({caller}): another learner chose the prefix "
                "{prefix!r}. Nothing was changed. Choose a prefix of your own (e.g. WORKSHOP_PREFIX={prefix}-2) "
                "and run the step again."
            ).format(kind=_(kind), name=name, other=other, caller=session.caller_arn or "?", prefix=session.prefix))
    session.ownership_checked = True
