"""Every resource name and tag of the chat, derived from the learner's prefix."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from .errors import PrefixError
from .i18n import _

DEFAULT_PREFIX = "chat"
# Short enough that the longest derived name (an IAM role, 64 characters max) always fits.
PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,23}$")
WORKSHOP_TAG = "serverless-chat"

# route key -> (function name suffix, handler module): fixed in docs/architecture.md.
ROUTES: dict[str, str] = {
    "$connect": "connect",
    "$disconnect": "disconnect",
    "setName": "set_name",
    "sendPublic": "send_public",
    "sendPrivate": "send_private",
    "sendBot": "send_bot",
    "$default": "default",
}


def validate_prefix(prefix: str) -> str:
    """Return the prefix if AWS accepts it at the start of every name, else explain how to fix it."""
    if not PREFIX_PATTERN.match(prefix) or prefix.endswith("-") or "--" in prefix:
        raise PrefixError(_(
            "WORKSHOP_PREFIX={prefix!r} cannot start resource names. Use 1 to 24 lowercase letters, digits "
            "or single hyphens, starting with a letter, e.g. WORKSHOP_PREFIX=alice or WORKSHOP_PREFIX=team-3."
        ).format(prefix=prefix))
    return prefix


def normalize_prefix(given: str) -> str:
    """`Ana` -> `ana`: some AWS names refuse capitals (S3 buckets), so every name uses one case.

    A prefix that is still not usable once lower-cased is refused as the learner wrote it."""
    used = given.strip().lower()
    try:
        return validate_prefix(used)
    except PrefixError:
        validate_prefix(given.strip())  # raises, naming what the learner wrote
        raise


def prefix_note(given: str | None) -> str:
    """One line saying the prefix was lower-cased, or "" when it is used as given."""
    given = (given or "").strip()
    if not given or given == given.lower():
        return ""
    return _("note: WORKSHOP_PREFIX={given} is used as {used!r} (prefixes are lower-case)").format(
        given=given, used=given.lower())


def prefix_from_environment() -> str:
    return normalize_prefix(os.environ.get("WORKSHOP_PREFIX", "").strip() or DEFAULT_PREFIX)


def function_suffix(route_key: str) -> str:
    """`$connect` -> `connect`, `setName` -> `setName`: the route key without its `$`."""
    return route_key.lstrip("$")


@dataclass(frozen=True)
class Names:
    """The names of everything one learner creates; every one starts with the prefix."""

    prefix: str
    stage: str = "dev"
    name_index: str = "by-name"
    routes: dict[str, str] = field(default_factory=lambda: dict(ROUTES))

    @property
    def role(self) -> str:
        return f"{self.prefix}-lambda-role"

    @property
    def role_policy(self) -> str:
        """Inline policy of step 01: the table and the function logs."""
        return f"{self.prefix}-table-and-logs"

    @property
    def manage_connections_policy(self) -> str:
        """Inline policy of step 04: posting to this API's connections."""
        return f"{self.prefix}-manage-connections"

    @property
    def table(self) -> str:
        return f"{self.prefix}-connections"

    @property
    def api(self) -> str:
        return f"{self.prefix}-websocket-api"

    def website_bucket(self, account_id: str, region: str) -> str:
        """Step 07's bucket. Bucket names are global across all AWS accounts, so the account and region
        make it unique; at most 24 + 5 + 12 + 1 + 14 = 56 characters (S3 allows 63)."""
        return f"{self.prefix}-web-{account_id}-{region}"

    def function(self, route_key: str) -> str:
        return f"{self.prefix}-{function_suffix(route_key)}"

    @property
    def functions(self) -> dict[str, str]:
        """route key -> function name, in route order."""
        return {route: self.function(route) for route in self.routes}

    @property
    def counter_function(self) -> str:
        """The small function notebook 08 creates to look inside Lambda (not part of the chat)."""
        return f"{self.prefix}-counter"

    @property
    def every_function(self) -> list[str]:
        """Every function this prefix may create: the chat's, then notebook 08's. Cleanup deletes these."""
        return [*self.functions.values(), self.counter_function]

    @property
    def every_log_group(self) -> list[str]:
        return [f"/aws/lambda/{function_name}" for function_name in self.every_function]

    def module(self, route_key: str) -> str:
        return self.routes[route_key]

    def handler(self, route_key: str) -> str:
        return f"{self.routes[route_key]}.handler"

    def log_group(self, route_key: str) -> str:
        return f"/aws/lambda/{self.function(route_key)}"

    def permission_statement_id(self, route_key: str) -> str:
        return f"{self.prefix}-apigateway-{function_suffix(route_key)}"


def tags_for(prefix: str, owner: str | None = None) -> dict[str, str]:
    """The tags every taggable resource carries, so a shared account can tell learners apart.

    `owner` is who created it (the caller's ARN, from sts.get_caller_identity): two learners who chose the
    same prefix are told apart by it (workshop/ownership.py)."""
    tags = {"workshop": WORKSHOP_TAG, "learner": prefix}
    if owner:
        tags["owner"] = owner
    return tags
