"""Least-privilege rules for the chat's IAM policies and Lambda permissions, shared by checks and tests."""

from __future__ import annotations

from typing import Any


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
            problems.append(f"statement {number} uses NotAction/NotResource, which grants more than it names")
        for action in _as_list(statement.get("Action", [])):
            if "*" in action:
                problems.append(f"statement {number} allows the wildcard action {action!r}: name each action")
        for resource in _as_list(statement.get("Resource", [])):
            if not _scoped(resource, allowed_resource_parts):
                problems.append(f"statement {number} allows resource {resource!r}: scope it to this chat's resources")
    return problems


def permission_problems(statements: list[dict[str, Any]], expected_source_arn: str) -> list[str]:
    """Problems of a function's resource policy: every grant needs a SourceArn, and the route's must exist."""
    problems = []
    found = False
    for statement in statements:
        condition = statement.get("Condition", {})
        source_arn = condition.get("ArnLike", {}).get("AWS:SourceArn") or condition.get("ArnEquals", {}).get("AWS:SourceArn")
        if not source_arn:
            problems.append(f"permission {statement.get('Sid')!r} has no SourceArn: any API could invoke the function")
        elif source_arn == expected_source_arn:
            found = True
    if not found:
        problems.append(f"no permission lets API Gateway invoke it from {expected_source_arn}")
    return problems
