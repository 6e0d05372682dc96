"""Who is in the class: every learner prefix found on the target by the `learner` tag of the workshop's resources."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field

import botocore.exceptions

from ..errors import RosterRefused
from ..i18n import _
from ..naming import PREFIX_PATTERN, WORKSHOP_TAG, Names
from ..session import WorkshopSession

# Names end with these (naming.Names): only such resources are asked for their tags.
ROLE_SUFFIX, TABLE_SUFFIX, API_SUFFIX = "-lambda-role", "-connections", "-websocket-api"
FUNCTION_SUFFIXES = tuple(name.removeprefix("x-") for name in Names("x").every_function)  # "connect", ...


@dataclass
class Learner:
    """One learner prefix and who created its resources (their `owner` tags)."""

    prefix: str
    owners: Counter[str] = field(default_factory=Counter)
    resources: list[str] = field(default_factory=list)  # "kind name", as found

    @property
    def owner(self) -> str:
        return self.owners.most_common(1)[0][0] if self.owners else "?"


def as_learner(session: WorkshopSession, prefix: str) -> WorkshopSession:
    """The same target and credentials, with another learner's prefix (its names and checks)."""
    return dataclasses.replace(session, prefix=prefix, prefix_note="")


def _tags(pairs: list[dict[str, str]] | dict[str, str] | None) -> dict[str, str]:
    if isinstance(pairs, dict):
        return dict(pairs)
    return {pair["Key"]: pair["Value"] for pair in pairs or []}


def _tagged(session: WorkshopSession) -> list[tuple[str, str, dict[str, str]]]:
    """(kind, name, tags) of every role, table, API and function named like the workshop's."""
    found: list[tuple[str, str, dict[str, str]]] = []
    iam = session.client("iam")
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if role["RoleName"].endswith(ROLE_SUFFIX):
                found.append(("role", role["RoleName"], _tags(iam.list_role_tags(RoleName=role["RoleName"])["Tags"])))
    dynamodb = session.client("dynamodb")
    for page in dynamodb.get_paginator("list_tables").paginate():
        for name in page["TableNames"]:
            if name.endswith(TABLE_SUFFIX):
                arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
                found.append(("table", name, _tags(dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"])))
    for page in session.client("apigatewayv2").get_paginator("get_apis").paginate():
        for api in page["Items"]:
            if api["Name"].endswith(API_SUFFIX):
                found.append(("api", f"{api['Name']} {api['ApiId']}", _tags(api.get("Tags"))))
    lambda_client = session.client("lambda")
    for page in lambda_client.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            if not function["FunctionName"].endswith(tuple(f"-{suffix}" for suffix in FUNCTION_SUFFIXES)):
                continue  # not one of the workshop's: other functions of the account are not asked for tags
            tags = _tags(lambda_client.list_tags(Resource=function["FunctionArn"]).get("Tags"))
            found.append(("function", function["FunctionName"], tags))
    return found


def learners(session: WorkshopSession) -> list[Learner]:
    """Every learner with something tagged workshop=serverless-chat on the target, sorted by prefix."""
    by_prefix: dict[str, Learner] = {}
    for kind, name, tags in _tagged(session):
        prefix = tags.get("learner", "")
        if tags.get("workshop") != WORKSHOP_TAG or not PREFIX_PATTERN.match(prefix):
            continue
        learner = by_prefix.setdefault(prefix, Learner(prefix))
        learner.resources.append(f"{kind} {name}")
        if tags.get("owner"):
            learner.owners[tags["owner"]] += 1
    return [by_prefix[prefix] for prefix in sorted(by_prefix)]


def learners_or_explain(session: WorkshopSession) -> list[Learner]:
    """learners(), with a clear message when listing is refused."""
    try:
        return learners(session)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"].get("Code") not in ("AccessDenied", "AccessDeniedException"):
            raise
        raise RosterRefused(_(
            "{caller} may not list the account's resources ({code}): the class commands need the instructor's "
            "credentials, which see every learner's. Run them with your own (administrator) profile."
        ).format(caller=session.caller_arn or "?", code=error.response["Error"].get("Code"))) from error
