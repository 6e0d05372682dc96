"""Teaching hints for IAM denials: who was refused what, on which resource, and the boto3 call that fixes it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from .policy import UNKNOWN_RESOURCE, Match
from .principals import Principal

log = logging.getLogger("local_cloud.iam")

REPEAT_AFTER_SECONDS = 60.0


def suggested_resource(action: str, resource: str) -> str:
    """The resource to grant: the exact one, widened where AWS practice is a pattern (connections, log streams)."""
    if not resource or resource == UNKNOWN_RESOURCE:
        return "*"
    if action.lower() == "execute-api:manageconnections" and "/@connections/" in resource:
        return resource.rsplit("/@connections/", 1)[0] + "/@connections/*"
    if action.lower().startswith("logs:") and ":log-group:" in resource:
        group = resource.split(":log-group:", 1)[1].split(":log-stream:", 1)[0]
        prefix = resource.split(":log-group:", 1)[0]
        return f"{prefix}:log-group:{group}:*"
    return resource


def fix_statement(principal: Principal, action: str, resource: str) -> str:
    """The boto3 call that grants exactly what was missing."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": suggested_resource(action, resource)}]}
    policy_name = "allow-" + action.replace(":", "-").replace("*", "all")
    return (f"iam.{principal.fix_call}({principal.name_argument}={principal.name!r}, PolicyName={policy_name!r}, "
            f"PolicyDocument=json.dumps({json.dumps(policy)}))")


def denial_hint(principal: Principal, action: str, resource: str, match: Match | None, what_fails: str) -> str:
    on = f" on {resource}" if resource and resource != UNKNOWN_RESOURCE else ""
    who = f"its {principal.kind} {principal.name}"
    head = f"{principal.arn} may not {action}{on}, so {what_fails} (AWS refuses it the same way)."
    if match is not None:  # an explicit Deny
        sid = f" (statement {match.sid})" if match.sid else ""
        return (f"{head} The policy {match.policy}{sid} of {who} denies it, and an explicit Deny beats every "
                f"Allow: remove or narrow that statement.")
    return f"{head} No policy of {who} allows it. To allow it: {fix_statement(principal, action, resource)}"


LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def logs_hint(principal: Principal, function_name: str, group_arn: str, action: str, match: Match | None) -> str:
    """Lambda writes a function's logs as its role: without the three logs actions nothing reaches the log group."""
    head = (f"{principal.arn} may not {action}, so nothing {function_name} prints or raises reaches its log "
            f"group {group_arn.split(':log-group:', 1)[1].removesuffix(':*')} - on AWS too: Lambda writes a "
            f"function's logs with its role's permissions.")
    if match is not None:
        sid = f" (statement {match.sid})" if match.sid else ""
        return f"{head} The policy {match.policy}{sid} of its role {principal.name} denies it: remove or narrow it."
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": LOG_ACTIONS, "Resource": group_arn}]}
    return (f"{head} To allow it (or attach AWSLambdaBasicExecutionRole): iam.{principal.fix_call}("
            f"{principal.name_argument}={principal.name!r}, PolicyName='logs', PolicyDocument=json.dumps("
            f"{json.dumps(policy)}))")


class Hints:
    """Says each hint in the console and, when given a writer, in the function's log group; once a minute per cause."""

    def __init__(self, repeat_after: float = REPEAT_AFTER_SECONDS) -> None:
        self.repeat_after = repeat_after
        self._last_said: dict[str, float] = {}

    def say(self, cause: str, text: str, write: Callable[[str], None] | None = None) -> None:
        now = time.monotonic()
        last = self._last_said.get(cause)
        if last is not None and now - last < self.repeat_after:
            return
        if len(self._last_said) > 10_000:
            self._last_said.clear()
        self._last_said[cause] = now
        log.warning("HINT %s", text)
        if write is not None:
            try:
                write(f"[IAM] {text}")
            except Exception:  # noqa: BLE001 - a hint must never break the request it explains
                log.debug("could not write an IAM hint to a log group", exc_info=True)
