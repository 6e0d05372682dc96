"""Find a deployed function in moto's Lambda backend (same process) and snapshot what running it needs."""

from __future__ import annotations

import contextlib
import re
import uuid
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.core import DEFAULT_ACCOUNT_ID

from ..runtime_interface import (
    FunctionNotFound,
    FunctionSpec,
    ResolvedFunction,
    parse_function_arn,
    unqualified_arn,
)

# "123456789012:function:name" - the partial ARN form the Invoke API also accepts.
PARTIAL_ARN = re.compile(r"^(?P<account>\d{12}):function:(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?$")
NAME_WITH_QUALIFIER = re.compile(r"^(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?$")


def find_function(function: str, region: str, qualifier: str | None = None) -> FunctionSpec:
    """Resolve a name, partial ARN or full ARN to a FunctionSpec; raise FunctionNotFound like AWS does.

    A full ARN says which account and region; for a bare name the caller's region comes first, then every
    account and region moto holds (the local cloud has one user, so a name is almost always unique).
    """
    account: str | None = None
    arn = parse_function_arn(function)
    if arn is not None:
        account, region, name, qualifier = arn.account, arn.region, arn.name, arn.qualifier or qualifier
    else:
        match = PARTIAL_ARN.match(function) or NAME_WITH_QUALIFIER.match(function)
        if match is None:
            raise FunctionNotFound(unqualified_arn(DEFAULT_ACCOUNT_ID, region, function))
        account = match.groupdict().get("account")
        name = match["name"]
        qualifier = match["qualifier"] or qualifier
    not_found_arn = unqualified_arn(account or DEFAULT_ACCOUNT_ID, region, name)
    if qualifier:
        not_found_arn += f":{qualifier}"
    for candidate_account, candidate_region in _places_to_look(account, region):
        found = _lookup(candidate_account, candidate_region, name, qualifier)
        if found is not None:
            return found
    raise FunctionNotFound(not_found_arn)


def _places_to_look(account: str | None, region: str) -> list[tuple[str, str]]:
    backends = lambda_backends
    # dict.items: look only at backends that exist; moto's own __getitem__ would create empty ones.
    existing = [(acc, reg) for acc, per_region in dict.items(backends) for reg in dict.keys(per_region)]
    first = [(acc, reg) for acc, reg in existing if reg == region and acc == (account or DEFAULT_ACCOUNT_ID)]
    rest = [(acc, reg) for acc, reg in existing if (acc, reg) not in first and (account is None or acc == account)]
    return first + rest


def resolve(function_arn: str) -> ResolvedFunction:
    """The function a full ARN names, with its resource policy: one lookup serves the permission check and the run."""
    arn = parse_function_arn(function_arn)
    fn = _moto_function(arn.account, arn.region, arn.name, arn.qualifier or None) if arn is not None else None
    if arn is None or fn is None:
        raise FunctionNotFound(function_arn)
    return ResolvedFunction(spec_of(fn, arn.account, arn.region), function_arn, fn.policy)


def _lookup(account: str, region: str, name: str, qualifier: str | None) -> FunctionSpec | None:
    fn = _moto_function(account, region, name, qualifier)
    return None if fn is None else spec_of(fn, account, region)


def _moto_function(account: str, region: str, name: str, qualifier: str | None) -> Any | None:
    """moto's function object, or None; never creates a backend (moto's own __getitem__ would)."""
    backend = dict.get(dict.get(lambda_backends, account) or {}, region)
    if backend is None:
        return None
    try:
        return backend.get_function(name, qualifier)
    except Exception:  # noqa: BLE001 - moto raises its own "not found" errors; any of them means "not here"
        return None


def spec_of(fn: Any, account: str, region: str) -> FunctionSpec:
    """The snapshot of moto's function object `fn` (a caller that already found it skips the lookup).

    Kept on `fn` and reused while what it copies is unchanged: a warm route builds no new spec (nor its
    config_key hash) per invocation. moto replaces the environment's dict on a change, and compares equal otherwise.
    """
    environment = fn.environment_vars or {}
    fingerprint = (account, region, fn.function_name, fn.version, fn.handler, fn.run_time, fn.timeout,
                   fn.memory_size, fn.code_sha_256, fn.role, len(getattr(fn, "code_bytes", b"") or b""))
    cached = getattr(fn, "_local_cloud_spec", None)
    if cached is not None and cached[0] == fingerprint and cached[1] == environment:
        return cached[2]
    spec = FunctionSpec(
        name=fn.function_name,
        arn=unqualified_arn(account, region, fn.function_name),
        account=account,
        region=region,
        version=str(fn.version),
        handler=fn.handler or "",
        runtime=fn.run_time or "",
        timeout=float(fn.timeout or 3),
        memory_size=int(fn.memory_size or 128),
        environment={str(k): str(v) for k, v in environment.items()},
        code_sha256=fn.code_sha_256 or "",
        code_bytes=getattr(fn, "code_bytes", b"") or b"",
        incarnation=_incarnation(fn),
        role=fn.role or "",
    )
    with contextlib.suppress(AttributeError):
        fn._local_cloud_spec = (fingerprint, dict(environment), spec)
    return spec


def _incarnation(fn: Any) -> str:
    """An id stored on moto's function object the first time it is run (a new object, a new id)."""
    found = getattr(fn, "_local_cloud_incarnation", None)
    if found is None:
        found = uuid.uuid4().hex
        fn._local_cloud_incarnation = found
    return found
