"""IAM's wildcards (* and ?) in actions, resource ARNs and string conditions: what policies and conditions share."""

from __future__ import annotations

import re
from functools import lru_cache

# The resource of a request the local cloud cannot name (a service it has no resource rules for):
# statements are then judged on their actions and conditions only.
UNKNOWN_RESOURCE = ""


@lru_cache(maxsize=4096)
def wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # IAM wildcards: * is any run of characters, ? exactly one.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def action_matches(pattern: str, action: str) -> bool:
    """Action names match without regard to case (dynamodb:putitem is dynamodb:PutItem)."""
    return pattern == "*" or wildcard(pattern, True).fullmatch(action) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    """ARNs match part by part (the six colon-separated parts), each with * and ? wildcards, case-sensitively."""
    if pattern == "*" or resource == UNKNOWN_RESOURCE:
        return True
    wanted, actual = pattern.split(":", 5), resource.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return wildcard(pattern, False).fullmatch(resource) is not None
    return all(wildcard(w, False).fullmatch(a) is not None for w, a in zip(wanted, actual, strict=True))
