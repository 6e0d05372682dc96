"""Least-privilege rules for the chat's IAM policies and Lambda permissions, shared by checks and tests."""

from __future__ import annotations

from typing import Any

from .i18n import _


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _scoped(resource: str, allowed_parts: list[str]) -> bool:
    """True when the resource names one of our resources and any wildcard only follows that name."""
    for part in allowed_parts:
        where = resource.find(part)
        if where >= 0 and "*" not in resource[:where + len(part)]:
            return True
    return False


def policy_problems(document: dict[str, Any], allowed_resource_parts: list[str]) -> list[str]:
    """Plain-words problems of an identity policy: wildcard actions, unscoped resources.

    A resource is scoped when it names one of `allowed_resource_parts` (the table, a log group,
    the API id) with no wildcard before that name: `...:table/chat-connections/index/*` is scoped,
    `*`, `arn:aws:dynamodb:*:*:table/chat-connections` and `...:log-group:/aws/lambda/*` are not.
    """
    problems = []
    for number, statement in enumerate(_as_list(document.get("Statement", [])), start=1):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement or "NotResource" in statement:
            problems.append(_("statement {number} uses NotAction/NotResource, which grants more than it names").format(
                number=number))
        for action in _as_list(statement.get("Action", [])):
            if "*" in action:
                problems.append(_("statement {number} allows the wildcard action {action!r}: name each action").format(
                    number=number, action=action))
        for resource in _as_list(statement.get("Resource", [])):
            if not _scoped(resource, allowed_resource_parts):
                problems.append(_("statement {number} allows resource {resource!r}: scope it to this chat's "
                                  "resources").format(number=number, resource=resource))
    return problems


def permission_problems(statements: list[dict[str, Any]], expected_source_arn: str) -> list[str]:
    """Problems of a function's resource policy: every grant needs a SourceArn, and the route's must exist."""
    problems = []
    found = False
    for statement in statements:
        condition = statement.get("Condition", {})
        source_arn = condition.get("ArnLike", {}).get("AWS:SourceArn") or condition.get("ArnEquals", {}).get("AWS:SourceArn")
        if not source_arn:
            problems.append(_("permission {sid!r} has no SourceArn: any API could invoke the function").format(
                sid=statement.get("Sid")))
        elif source_arn == expected_source_arn:
            found = True
    if not found:
        problems.append(_("no permission lets API Gateway invoke it from {arn}").format(arn=expected_source_arn))
    return problems
