"""IAM policy evaluation: statements compiled once, then Allow/Deny decided per action, resource and context."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import unquote

from .conditions import ConditionBlock
from .wildcards import UNKNOWN_RESOURCE, action_matches, resource_matches


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True)
class Match:
    """The statement that decided: which policy it is in, and its Sid."""

    effect: Effect
    policy: str
    sid: str | None


_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def substitute_variables(pattern: str, context: Mapping[str, Any]) -> str:
    """Policy variables such as ${aws:username}; ${*}, ${?}, ${$} stand for the literal characters."""
    if "${" not in pattern:
        return pattern

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in ("*", "?", "$"):
            return key
        name, _, default = key.partition(",")
        value = _lookup(context, name.strip())
        if value is None:
            return default.strip().strip("'") if default else "\x00"  # \x00 matches nothing
        return str(value[0] if isinstance(value, list) else value)

    return _VARIABLE.sub(replace, pattern)


def _lookup(context: Mapping[str, Any], key: str) -> Any:
    return context.get(key.lower())


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class Statement:
    """One statement, its lists normalised once."""

    def __init__(self, raw: Mapping[str, Any], policy_name: str) -> None:
        self.effect = Effect.DENY if raw.get("Effect") == "Deny" else Effect.ALLOW
        self.sid = raw.get("Sid")
        self.policy_name = policy_name
        self.not_action = "NotAction" in raw
        self.actions = [str(a) for a in _as_list(raw.get("NotAction" if self.not_action else "Action"))]
        self.not_resource = "NotResource" in raw
        self.resources = [str(r) for r in _as_list(raw.get("NotResource" if self.not_resource else "Resource"))]
        self.has_resource = "Resource" in raw or self.not_resource
        self.principal = raw.get("Principal")
        self.conditions = ConditionBlock(raw.get("Condition") or {})
        # No Condition and no ${...} variable: the request context plays no part in what this statement says.
        self.context_free = not self.conditions and not any("${" in pattern for pattern in self.resources)

    def covers_action(self, action: str) -> bool:
        hit = any(action_matches(pattern, action) for pattern in self.actions)
        return hit != self.not_action

    def covers_resource(self, resource: str, context: Mapping[str, Any]) -> bool:
        if not self.has_resource:  # trust policies name no resource
            return True
        if resource == UNKNOWN_RESOURCE:
            return True
        hit = any(resource_matches(substitute_variables(pattern, context), resource) for pattern in self.resources)
        return hit != self.not_resource

    def covers_principal(self, service: str | None, arn: str | None) -> bool:
        """For trust policies: does Principal name this service or this ARN (or everyone)?"""
        principal = self.principal
        if principal is None:
            return True
        if principal == "*":
            return True
        if not isinstance(principal, dict):
            return False
        if service and any(value in ("*", service) for value in _as_list(principal.get("Service"))):
            return True
        if arn:
            account = arn.split(":")[4] if arn.count(":") >= 5 else None
            names = {arn}
            if ":assumed-role/" in arn and account:  # a role session is named by its role
                names.add(f"arn:aws:iam::{account}:role/{arn.split(':assumed-role/', 1)[1].split('/', 1)[0]}")
            for value in _as_list(principal.get("AWS")):
                if value == "*" or value in names or (account and value in (account, f"arn:aws:iam::{account}:root")):
                    return True
        return False


class Policy:
    """A parsed policy document (inline or a managed policy's default version)."""

    def __init__(self, document: str | Mapping[str, Any], name: str) -> None:
        if isinstance(document, str):
            text = document if document.lstrip().startswith("{") else unquote(document)
            document = json.loads(text)
        self.name = name
        self.statements = [Statement(raw, name) for raw in _as_list(document.get("Statement"))]
        self.context_free = all(statement.context_free for statement in self.statements)


def evaluate(policies: Iterable[Policy], action: str, resource: str,
             context: Mapping[str, Any]) -> Match | None:
    """An explicit Deny wins over any Allow; None is the implicit deny (nothing allows it)."""
    allowed: Match | None = None
    for policy in policies:
        for statement in policy.statements:
            if not statement.covers_action(action) or not statement.covers_resource(resource, context):
                continue
            if not statement.conditions.holds(context):
                continue
            if statement.effect is Effect.DENY:
                return Match(Effect.DENY, policy.name, statement.sid)
            if allowed is None:
                allowed = Match(Effect.ALLOW, policy.name, statement.sid)
    return allowed


def trusts(policy: Policy, service: str | None = None, arn: str | None = None,
           action: str = "sts:AssumeRole") -> bool:
    """Does this trust policy let `service` (e.g. lambda.amazonaws.com) or the principal `arn` assume the role?"""
    allowed = False
    for statement in policy.statements:
        if not statement.covers_action(action) or not statement.covers_principal(service, arn):
            continue
        if not statement.conditions.holds({}):
            continue
        if statement.effect is Effect.DENY:
            return False
        allowed = True
    return allowed
