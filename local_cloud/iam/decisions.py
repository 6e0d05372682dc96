"""Allow/Deny decisions remembered per principal, for policy sets that decide by action and resource alone."""

from __future__ import annotations

from collections.abc import Sequence

from .policy import Match, Policy

# Per principal; a full memo is simply cleared (the chat uses a handful of (action, resource) pairs).
MAX_DECISIONS = 4096
UNKNOWN = object()  # nothing remembered (None is a decision: the implicit deny)


class Decisions:
    """A principal's decisions by (action, resource).

    Only when none of its policies has a Condition or a ${...} variable: then the request context (time,
    source IP, region...) cannot change a decision. A principal's policies never change under it: any IAM
    or STS write loads a new Principal (Principals.changed), and with it an empty memo.
    """

    def __init__(self, policies: Sequence[Policy]) -> None:
        self.enabled = all(policy.context_free for policy in policies)
        self._memo: dict[tuple[str, str], Match | None] = {}

    def get(self, action: str, resource: str) -> Match | None | object:
        """The remembered decision, or UNKNOWN."""
        return self._memo.get((action, resource), UNKNOWN) if self.enabled else UNKNOWN

    def remember(self, action: str, resource: str, match: Match | None) -> None:
        if not self.enabled:
            return
        if len(self._memo) >= MAX_DECISIONS:
            self._memo.clear()
        self._memo[(action, resource)] = match

    def __len__(self) -> int:
        return len(self._memo)
