"""Who signed a request: a role session (a function's credentials, or sts.assume_role) or an IAM user's key.

Everything else - the learner's default fake credentials - is the account's administrator and is not looked up.
Principals are found in moto's IAM and STS backends (same process) and cached until IAM changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from .decisions import Decisions
from .policy import Policy


@dataclass
class Principal:
    """One identity whose policies the local cloud enforces."""

    kind: str  # "role" or "user"
    arn: str  # what AWS's messages name: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION or ...:user/NAME
    account: str
    name: str  # the role's or the user's name
    session_name: str | None = None  # for a role session: the function's name
    session_token: str | None = None
    policies: list[Policy] = field(default_factory=list)  # fixed: an IAM change loads a new Principal
    decisions: Decisions = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.decisions = Decisions(self.policies)

    @property
    def fix_call(self) -> str:
        return "put_role_policy" if self.kind == "role" else "put_user_policy"

    @property
    def name_argument(self) -> str:
        return "RoleName" if self.kind == "role" else "UserName"


@dataclass(frozen=True)
class _KeyRef:
    kind: str
    account: str
    partition: str
    name: str
    session_name: str | None
    session_token: str | None


class Principals:
    """Access key id -> Principal, rebuilt after IAM or STS changes (the `generation` goes up)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0
        self._index: dict[str, _KeyRef] = {}
        self._index_generation = -1
        self._cache: dict[str, tuple[int, Principal | None]] = {}
        # Keys moto issued that no longer work (deleted or made Inactive): refused, not taken for the admin's.
        self.retired: set[str] = set()

    def changed(self) -> None:
        """IAM or STS changed (a policy, a key, a new session): forget what was worked out."""
        with self._lock:
            self.generation += 1

    def find(self, access_key_id: str) -> Principal | None:
        """The principal behind this key, or None for credentials the local cloud does not know (the admin)."""
        generation = self.generation
        cached = self._cache.get(access_key_id)
        if cached is not None and cached[0] == generation:
            return cached[1]
        with self._lock:
            if self._index_generation != self.generation:
                index, inactive = _build_index()
                self.retired |= (set(self._index) - set(index)) | inactive
                self.retired -= set(index)
                self._index = index
                self._index_generation = self.generation
            ref = self._index.get(access_key_id)
        principal = _load(ref) if ref is not None else None
        if len(self._cache) > 10_000:  # many distinct fake keys: stay bounded
            self._cache.clear()
        self._cache[access_key_id] = (generation, principal)
        return principal

    def role(self, role_arn: str, session_name: str) -> Principal | None:
        """A role session's principal without its key (used for the function's log writes)."""
        parts = role_arn.split(":")
        if len(parts) < 6:
            return None
        ref = _KeyRef("role", parts[4], parts[1], role_arn.rsplit("/", 1)[-1], session_name, None)
        key = f"role-session:{role_arn}:{session_name}"
        cached = self._cache.get(key)
        if cached is not None and cached[0] == self.generation:
            return cached[1]
        principal = _load(ref)
        self._cache[key] = (self.generation, principal)
        return principal


def _build_index() -> tuple[dict[str, _KeyRef], set[str]]:
    """Every active key moto issued -> whose it is; and the keys that exist but are Inactive."""
    index: dict[str, _KeyRef] = {}
    inactive: set[str] = set()
    for account, per_partition in dict.items(iam_backends):
        for partition, backend in dict.items(per_partition):
            for user in list(backend.users.values()):
                for key in list(user.access_keys):
                    if key.status == "Active":
                        index[key.access_key_id] = _KeyRef("user", account, partition, user.name, None, None)
                    else:
                        inactive.add(key.access_key_id)
    for _account, per_partition in dict.items(sts_backends):
        for partition, backend in dict.items(per_partition):
            for session in list(backend.assumed_roles):
                index[session.access_key_id] = _KeyRef(
                    "role", session.account_id, partition, session.role_arn.rsplit("/", 1)[-1],
                    session.session_name, session.session_token)
    return index, inactive


def _load(ref: _KeyRef) -> Principal | None:
    backend = iam_backends[ref.account][ref.partition]
    if ref.kind == "user":
        user = backend.users.get(ref.name)
        if user is None:
            return None
        policies = _documents(user) + [p for group in backend.get_groups_for_user(user.name)
                                       for p in _documents(group)]
        return Principal("user", user.arn, ref.account, user.name, policies=policies)
    role = _role_by_name(backend, ref.name)
    arn = f"arn:{ref.partition}:sts::{ref.account}:assumed-role/{ref.name}/{ref.session_name}"
    # A deleted role's sessions keep their identity but lose every permission, as on AWS.
    policies = _documents(role) if role is not None else []
    return Principal("role", arn, ref.account, ref.name, ref.session_name, ref.session_token, policies)


def _role_by_name(backend: Any, name: str) -> Any | None:
    for role in list(backend.roles.values()):
        if role.name == name:
            return role
    return None


def _documents(holder: Any) -> list[Policy]:
    """Inline policies, then attached managed ones (their default version), of a role, user or group."""
    policies = [Policy(document, name) for name, document in dict(holder.policies).items()]
    for arn, managed in dict(holder.managed_policies).items():
        version = next((v for v in managed.versions if v.is_default), None)
        if version is not None and version.document:
            policies.append(Policy(version.document, arn))
    return policies
