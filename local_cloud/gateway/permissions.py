"""Would AWS let API Gateway invoke this function? Reads the resource policy the runtime found with the function."""

from __future__ import annotations

import weakref
from typing import Any

from ..runtime_interface import ResourcePolicy
from .arns import arn_like

PRINCIPAL = "apigateway.amazonaws.com"

# (the policy's fingerprint, its statements, {(source ARN, account): allowed}), per policy object: gone with it.
Decisions = tuple[object, tuple[dict[str, Any], ...], dict[tuple[str, str], bool]]
_decisions: weakref.WeakKeyDictionary[ResourcePolicy, Decisions] = weakref.WeakKeyDictionary()


def allows_api_gateway(policy: ResourcePolicy | None, source_arn: str, account: str) -> bool:
    """True when a statement of the function's policy lets apigateway.amazonaws.com invoke it from source_arn.

    The decision is kept for moto's policy object, per (source ARN, account), for as long as the policy holds the
    same statements: every message of a route asks the same question, and the answer only changes with the policy.
    """
    if policy is None:
        return False
    statements = tuple(policy.statements)
    # add_permission gives the policy a new revision; remove_permission only drops a statement. The statements'
    # identities catch both, and the cache entry holds the statements, so no id can be reused while it is kept.
    fingerprint = (policy.revision, tuple(map(id, statements)))
    decisions = _decisions.get(policy)
    if decisions is None or decisions[0] != fingerprint:
        decisions = _decisions[policy] = (fingerprint, statements, {})
    answers = decisions[2]
    key = (source_arn, account)
    answer = answers.get(key)
    if answer is None:
        answer = answers[key] = any(_statement_allows(statement, source_arn, account) for statement in statements)
    return answer


def _statement_allows(statement: dict[str, Any], source_arn: str, account: str) -> bool:
    if statement.get("Effect", "Allow") != "Allow":
        return False
    actions = _as_list(statement.get("Action"))
    if not any(action in ("lambda:InvokeFunction", "lambda:*", "*") for action in actions):
        return False
    if not _principal_matches(statement.get("Principal")):
        return False
    return _conditions_match(statement.get("Condition") or {}, source_arn, account)


def _principal_matches(principal: Any) -> bool:
    if principal == "*" or principal == PRINCIPAL:
        return True
    if isinstance(principal, dict):
        return any(value in ("*", PRINCIPAL) for value in _as_list(principal.get("Service")))
    return False


def _conditions_match(condition: dict[str, Any], source_arn: str, account: str) -> bool:
    """Every SourceArn/SourceAccount condition must hold; a statement without them allows any API."""
    for operator, tests in condition.items():
        for key, wanted in (tests or {}).items():
            values = _as_list(wanted)
            if key.lower() == "aws:sourcearn":
                if operator in ("ArnLike", "StringLike"):
                    ok = any(arn_like(value, source_arn) for value in values)
                else:  # ArnEquals, StringEquals
                    ok = source_arn in values
            elif key.lower() == "aws:sourceaccount":
                ok = account in values
            else:
                continue  # conditions API Gateway's call does not carry are not checked here
            if not ok:
                return False
    return True


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
