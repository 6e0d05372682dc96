"""ARN wildcard matching as IAM's ArnLike does it: each of the six colon-separated parts on its own."""

from __future__ import annotations

import re
from functools import lru_cache


def _split(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 else None


@lru_cache(maxsize=1024)
def _part_pattern(pattern: str) -> re.Pattern[str]:
    # IAM wildcards: * is any run of characters (also "/" and ":"), ? is exactly one.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL)


def arn_like(pattern: str, arn: str) -> bool:
    """True when `arn` matches `pattern` (with * and ? wildcards), component by component."""
    if pattern == "*":
        return True
    wanted, actual = _split(pattern), _split(arn)
    if wanted is None or actual is None:
        return False
    return all(_part_pattern(w).fullmatch(a) is not None for w, a in zip(wanted, actual, strict=True))


def execute_api_arn(region: str, account: str, api_id: str, stage: str, route_key: str) -> str:
    """The SourceArn API Gateway presents when it invokes a route's Lambda function."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{route_key}"
