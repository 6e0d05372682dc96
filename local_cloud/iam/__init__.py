"""IAM enforced like AWS: functions run as their role, and requests signed by a role or user are held to its policies."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import denials, operations, resources
from .decisions import UNKNOWN
from .hints import Hints, denial_hint, logs_hint
from .policy import Effect, Match, evaluate
from .principals import Principal, Principals
from .trust import FunctionRoles, role_trusts_principal

log = logging.getLogger("local_cloud.iam")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# IAM operations that change nothing (everything else may change a policy, a key or a role).
READ_ONLY_PREFIXES = ("Get", "List", "Generate", "Simulate")
# How messages name the learner's own (administrator) credentials, which belong to no IAM user of the cloud.
LEARNER = "learner"


class IAM:
    """The local cloud's IAM: one per server. `guard` wraps the handlers of AWS API requests."""

    def __init__(self, enabled: bool, log_to_function: Callable[[str, str], None] | None = None) -> None:
        self.enabled = enabled
        self.principals = Principals()
        self.hints = Hints()
        self.functions = FunctionRoles(self.principals)
        self._log_to_function = log_to_function

    def install(self) -> None:
        """Hook into moto's Lambda (roles must trust Lambda) and the runtime's log writes (logs as the role)."""
        from ..lambda_runtime import cloudwatch
        from .trust import apply_trust_check

        apply_trust_check(self.enabled)
        cloudwatch.set_write_guard(self.may_write_logs if self.enabled else None)

    # -- AWS API requests (moto's services and lambda.invoke) ------------------------------------------
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse the request like AWS when its signer's policies do not allow it; otherwise hand it on."""
        scope = operations.credential_scope(request.headers.get("Authorization", ""))
        if scope is None:
            return await handler(request)
        access_key, _, signing_name = scope
        principal = self.principals.find(access_key) if self.enabled else None
        if self.enabled and (access_key in self.principals.retired or _wrong_token(principal, request)):
            return self._invalid_credentials(request, signing_name, access_key)
        changes_iam = signing_name in ("iam", "sts")
        if principal is None and not changes_iam:
            return await handler(request)  # the learner's own credentials: the account's administrator
        body = await request.read()
        call = operations.parse(request.method, request.raw_path.split("?", 1)[0], request.query_string,
                                request.headers, body)
        if principal is not None and call is not None:
            refusal = self.authorize(principal, call, request.remote)
            if refusal is not None:
                return refusal
        if self.enabled and call is not None and call.signing_name == "sts" and call.operation == "AssumeRole":
            refusal = self._check_trust(principal, call)
            if refusal is not None:
                return refusal
        response = await handler(request)
        if call is not None and changes_iam and _changes_identities(call):
            self.principals.changed()
        return response

    def _check_trust(self, principal: Principal | None, call: operations.Call) -> web.Response | None:
        """sts:AssumeRole also needs the role's trust policy to name the caller - even the administrator."""
        role_arn = str(call.params.get("RoleArn", ""))
        account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
        caller = principal.arn if principal is not None else f"arn:aws:iam::{account}:user/{LEARNER}"
        if role_trusts_principal(role_arn, caller, call.region):
            return None
        self.hints.say(f"trust|{caller}|{role_arn}",
                       f"{caller} may not assume {role_arn}: its trust policy (AssumeRolePolicyDocument) does not "
                       "name this caller, so AWS refuses it too. A role for Lambda trusts only "
                       "lambda.amazonaws.com; to assume it yourself, add a statement with "
                       f'"Principal": {{"AWS": "arn:aws:iam::{account}:root"}} (iam.update_assume_role_policy).')
        text = denials.message(caller, "sts:AssumeRole", role_arn, False, with_reason=False)
        return denials.response("query", "sts", text)

    def _invalid_credentials(self, request: web.Request, signing_name: str, access_key: str) -> web.Response:
        """A deleted or inactive key, or a role session's key with another token: refused as AWS refuses it."""
        self.hints.say(f"invalid-key|{access_key}",
                       f"A request was signed with the access key {access_key}, which is deleted, inactive or used "
                       "with the wrong session token: AWS refuses it as an invalid security token. Create a new key "
                       "(iam.create_access_key) or use the credentials the role session gave you, all three together.")
        call = operations.parse(request.method, request.raw_path.split("?", 1)[0], request.query_string,
                                request.headers, b"")
        protocol = call.protocol if call is not None else "rest-json"
        return denials.invalid_token(protocol, signing_name)

    def authorize(self, principal: Principal, call: operations.Call, source_ip: str | None = None) -> web.Response | None:
        for check in resources.checks(call, principal.account):
            extra = {"aws:requestedregion": call.region, **check.context}
            match = self.decide(principal, check.action, check.resource, extra, source_ip)
            if match is None or match.effect is Effect.DENY:
                text = denials.message(principal.arn, check.action, check.resource, match is not None)
                refusal = denials.response(call.protocol, call.signing_name, text)
                code = "AccessDenied" if call.protocol in ("query", "rest-xml") else "AccessDeniedException"
                what_fails = f"{call.operation or 'the call'} fails with {code} ({refusal.status})"
                self._hint(principal, check.action, check.resource, match, what_fails)
                return refusal
        return None

    def decide(self, principal: Principal, action: str, resource: str, extra: dict[str, str] | None = None,
               source_ip: str | None = None) -> Match | None:
        """The statement that decides (Allow or Deny), or None when nothing allows it."""
        remembered = principal.decisions.get(action, resource)
        if remembered is not UNKNOWN:  # no Condition, no variable: the context is not even built
            return remembered  # type: ignore[return-value]
        context = request_context(principal, source_ip)
        if extra:
            context.update(extra)
        match = evaluate(principal.policies, action, resource, context)
        principal.decisions.remember(action, resource, match)
        return match

    # -- @connections ------------------------------------------------------------------------------------
    def function_of(self, request: web.Request) -> str | None:
        """The function whose role signed this request (its session name), if any."""
        scope = operations.credential_scope(request.headers.get("Authorization", ""))
        principal = self.principals.find(scope[0]) if scope else None
        return principal.session_name if principal is not None else None

    def authorize_connections(self, request: web.Request, api_id: str, stage: str,
                              connection_id: str) -> web.Response | None:
        """execute-api:ManageConnections on .../API/STAGE/METHOD/@connections/ID, for role and user signers."""
        if not self.enabled:
            return None
        scope = operations.credential_scope(request.headers.get("Authorization", ""))
        principal = self.principals.find(scope[0]) if scope else None
        if scope is not None and (scope[0] in self.principals.retired or _wrong_token(principal, request)):
            return denials.connections_forbidden("The security token included in the request is invalid.")
        if principal is None or scope is None:
            return None
        action = "execute-api:ManageConnections"
        resource = resources.execute_api_arn(scope[1], principal.account, api_id, stage, request.method,
                                             f"/@connections/{connection_id}")
        match = self.decide(principal, action, resource, None, request.remote)
        if match is not None and match.effect is Effect.ALLOW:
            return None
        operation = {"POST": "PostToConnection", "GET": "GetConnection", "DELETE": "DeleteConnection"}.get(
            request.method, request.method)
        self._hint(principal, action, resource, match,
                   f"{operation} fails with ForbiddenException (403) and nobody receives anything")
        return denials.connections_forbidden(denials.message(principal.arn, action, resource, False,
                                                             with_reason=False))

    # -- what the Lambda runtime asks ----------------------------------------------------------------------
    def function_credentials(self, role_arn: str, function_name: str, region: str) -> dict[str, str] | None:
        """AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN of the function's role session."""
        return self.functions.credentials(role_arn, function_name, region)

    def may_write_logs(self, account: str, region: str, group: str, stream: str, group_exists: bool,
                       stream_exists: bool) -> bool:
        """Would Lambda's log writes under the function's role succeed? (Lambda writes logs as the role.)"""
        if not self.enabled or not group.startswith("/aws/lambda/"):
            return True
        function_name = group.removeprefix("/aws/lambda/")
        principal = self.functions.principal(account, region, function_name)
        if principal is None:
            return True
        needed = []
        if not group_exists:
            needed.append(("logs:CreateLogGroup", resources.log_arn(region, account, group)))
        if not stream_exists:
            needed.append(("logs:CreateLogStream", resources.log_arn(region, account, group, stream)))
        needed.append(("logs:PutLogEvents", resources.log_arn(region, account, group, stream)))
        for action, resource in needed:
            match = self.decide(principal, action, resource)
            if match is None or match.effect is Effect.DENY:
                # Console only: the log group is exactly what the role cannot write to.
                group_arn = f"arn:aws:logs:{region}:{account}:log-group:{group}:*"
                self.hints.say(f"logs|{principal.arn}|{action}",
                               logs_hint(principal, function_name, group_arn, action, match))
                return False
        return True

    # -- hints ---------------------------------------------------------------------------------------------
    def _hint(self, principal: Principal, action: str, resource: str, match: Match | None, what_fails: str) -> None:
        write = None
        if principal.session_name and self._log_to_function is not None:
            function_name, log_to_function = principal.session_name, self._log_to_function

            def write(text: str) -> None:
                log_to_function(function_name, text)

        self.hints.say(f"{principal.arn}|{action}|{resource}", denial_hint(principal, action, resource, match,
                                                                           what_fails), write)


def request_context(principal: Principal, source_ip: str | None) -> dict[str, Any]:
    """The global condition keys AWS sets on every request (lower-cased: condition keys ignore case)."""
    now = time.time()
    context: dict[str, Any] = {
        "aws:principalaccount": principal.account,
        "aws:requestedregion": None,
        "aws:securetransport": "true",  # boto3 talks HTTPS to AWS; a policy requiring it must not fail here
        "aws:sourceip": source_ip or "127.0.0.1",
        "aws:currenttime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "aws:epochtime": str(int(now)),
        "aws:viaawsservice": "false",
    }
    if principal.kind == "role":
        context["aws:principaltype"] = "AssumedRole"
        context["aws:principalarn"] = f"arn:aws:iam::{principal.account}:role/{principal.name}"
        context["aws:userid"] = f"{principal.name}:{principal.session_name}"
    else:
        context["aws:principaltype"] = "User"
        context["aws:principalarn"] = principal.arn
        context["aws:username"] = principal.name
        context["aws:userid"] = principal.name
    return {key: value for key, value in context.items() if value is not None}


def _wrong_token(principal: Principal | None, request: web.Request) -> bool:
    if principal is None or principal.kind != "role" or principal.session_token is None:
        return False
    return request.headers.get("X-Amz-Security-Token") != principal.session_token


def _changes_identities(call: operations.Call) -> bool:
    if call.signing_name == "sts":
        return (call.operation or "") != "GetCallerIdentity"
    return not (call.operation or "").startswith(READ_ONLY_PREFIXES)


ON_VALUES = ("on", "1", "true", "yes", "enabled")
OFF_VALUES = ("off", "0", "false", "no", "disabled")


def enabled_from(value: str | None) -> bool:
    """LOCAL_CLOUD_IAM: on (default) or off; anything else is a mistake worth stopping for."""
    text = (value or "on").strip().lower()
    if text in ON_VALUES:
        return True
    if text in OFF_VALUES:
        return False
    raise ValueError(f"LOCAL_CLOUD_IAM must be 'on' or 'off', not {value!r}: on (the default) enforces IAM "
                     "like AWS; off lets every function do anything.")


__all__ = ["IAM", "Principal", "enabled_from"]
