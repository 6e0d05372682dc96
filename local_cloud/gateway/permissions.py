"""Would AWS let API Gateway invoke this function? Reads the function's resource policy from moto in-process."""

from __future__ import annotations

import contextlib
from functools import lru_cache
from typing import Any

from .arns import arn_like

PRINCIPAL = "apigateway.amazonaws.com"


@lru_cache(maxsize=1024)
def parse_function_arn(function_arn: str) -> tuple[str, str, str, str] | None:
    """(region, account, function name, qualifier or "") of arn:aws:lambda:{region}:{account}:function:{name}[:qualifier].

    Cached: a route's integration names the same ARN on every message.
    """
    parts = function_arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
        return None
    return parts[3], parts[4], parts[6], ":".join(parts[7:])


def find_function(function_arn: str) -> Any | None:
    """moto's LambdaFunction for this ARN, or None when it does not exist."""
    from moto.backends import get_backend

    parsed = parse_function_arn(function_arn)
    if parsed is None:
        return None
    region, account, name, _qualifier = parsed
    try:
        return get_backend("lambda")[account][region].get_function(name)
    except Exception:  # noqa: BLE001 - moto raises its own not-found types
        return None


def allows_api_gateway(function: Any, source_arn: str, account: str) -> bool:
    """True when a statement of the function's policy lets apigateway.amazonaws.com invoke it from source_arn.

    The decision is kept on moto's policy object, per (source ARN, account), for as long as the policy holds the
    same statements: every message of a route asks the same question, and the answer only changes with the policy.
    """
    policy = getattr(function, "policy", None)
    statements = tuple(getattr(policy, "statements", None) or ())
    # add_permission gives the policy a new revision; remove_permission only drops a statement. The statements'
    # identities catch both, and the cache entry holds the statements, so no id can be reused while it is kept.
    fingerprint = (getattr(policy, "revision", None), tuple(map(id, statements)))
    decisions = getattr(policy, "_local_cloud_decisions", None) if policy is not None else None
    if decisions is None or decisions[0] != fingerprint:
        decisions = (fingerprint, statements, {})
        if policy is not None:
            with contextlib.suppress(AttributeError):
                policy._local_cloud_decisions = decisions
    answers: dict[tuple[str, str], bool] = decisions[2]
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
