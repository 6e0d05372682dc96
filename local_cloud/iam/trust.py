"""Functions and their roles: a role must trust Lambda to be used at all, and each function runs as a role session."""

from __future__ import annotations

import threading
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaBackend
from moto.backends import get_backend
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from .policy import Policy, trusts
from .principals import Principal, Principals

LAMBDA_SERVICE = "lambda.amazonaws.com"
CANNOT_ASSUME = "The role defined for the function cannot be assumed by Lambda."
# Lambda's credentials last as long as the execution environment; 12 h outlives any class.
SESSION_SECONDS = 12 * 3600


class FunctionRoles:
    """Issues each function's role-session credentials (one session per function and role) and finds its principal."""

    def __init__(self, principals: Principals) -> None:
        self.principals = principals
        self._lock = threading.Lock()
        self._sessions: dict[tuple[str, str], dict[str, str]] = {}

    def credentials(self, role_arn: str, function_name: str, region: str) -> dict[str, str] | None:
        key = (role_arn, function_name)
        with self._lock:
            found = self._sessions.get(key)
            if found is not None:
                return dict(found)
            account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else None
            if not account:
                return None
            backend = sts_backends[account][get_partition(region)]
            session = backend.assume_role(region_name=region, role_session_name=function_name[:64],
                                          role_arn=role_arn, policy="", duration=SESSION_SECONDS, external_id="")
            found = {"AWS_ACCESS_KEY_ID": session.access_key_id,
                     "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
                     "AWS_SESSION_TOKEN": session.session_token}
            self._sessions[key] = found
        self.principals.changed()
        return dict(found)

    def principal(self, account: str, region: str, function_name: str) -> Principal | None:
        """The role session a function's log writes run as (None when the function is unknown)."""
        try:
            function = get_backend("lambda")[account][region].get_function(function_name)
        except Exception:  # noqa: BLE001 - moto's not-found errors
            return None
        role = getattr(function, "role", None)
        if not role:
            return None
        return self.principals.role(role, function_name)


def role_trusts_lambda(role_arn: str, region: str) -> bool:
    """Does the role exist, and does its trust policy let lambda.amazonaws.com call sts:AssumeRole?"""
    parts = role_arn.split(":")
    if len(parts) < 6:
        return False
    backend = iam_backends[parts[4]][get_partition(region)]
    name = role_arn.rsplit("/", 1)[-1]
    role = next((r for r in list(backend.roles.values()) if r.name == name), None)
    if role is None or not role.assume_role_policy_document:
        return False
    return trusts(Policy(role.assume_role_policy_document, "trust policy"), service=LAMBDA_SERVICE)


def role_trusts_principal(role_arn: str, principal_arn: str, region: str) -> bool:
    """Does the role's trust policy let this principal (a user, a role session, the account) assume it?"""
    parts = role_arn.split(":")
    if len(parts) < 6:
        return False
    backend = iam_backends[parts[4]][get_partition(region)]
    name = role_arn.rsplit("/", 1)[-1]
    role = next((r for r in list(backend.roles.values()) if r.name == name), None)
    if role is None or not role.assume_role_policy_document:
        return False
    return trusts(Policy(role.assume_role_policy_document, "trust policy"), arn=principal_arn)


_checking = {"enabled": True}


def _checked_create(original: Any) -> Any:
    def create_function(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        role = spec.get("Role")
        if _checking["enabled"] and role and not role_trusts_lambda(role, self.region_name):
            raise InvalidParameterValueException(CANNOT_ASSUME)
        return original(self, spec)

    return create_function


def _checked_update(original: Any) -> Any:
    def update_function_configuration(self: LambdaBackend, function_name: str, qualifier: str,
                                      body: dict[str, Any]) -> Any:
        role = body.get("Role")
        if _checking["enabled"] and role and not role_trusts_lambda(role, self.region_name):
            raise InvalidParameterValueException(CANNOT_ASSUME)
        return original(self, function_name, qualifier, body)

    return update_function_configuration


_applied = False


def apply_trust_check(enabled: bool) -> None:
    """create_function / update_function_configuration refuse a role that does not trust Lambda, as AWS does."""
    global _applied
    _checking["enabled"] = enabled
    if _applied:
        return
    _applied = True
    from ..patches.wrapping import replace_method

    replace_method(LambdaBackend, "create_function", _checked_create)
    replace_method(LambdaBackend, "update_function_configuration", _checked_update)
