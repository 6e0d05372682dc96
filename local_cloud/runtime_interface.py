"""What the gateway asks of the Lambda runtime (a typing.Protocol), and the types and errors both sides share."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Protocol

# Imports nothing from local_cloud: the gateway and the runtime both import it, and neither imports the other.


class InvokeError(Exception):
    """An invoke the Lambda API rejects before any code runs.

    `error_type` is the code boto3 shows (error.response["Error"]["Code"]), `status` the HTTP status.
    """

    error_type = "InvalidParameterValueException"
    status = 400


class FunctionNotFound(InvokeError):
    """moto has no function by that name/ARN; the message is AWS's ("Function not found: arn:...")."""

    error_type = "ResourceNotFoundException"
    status = 404

    def __init__(self, arn: str) -> None:
        super().__init__(f"Function not found: {arn}")
        self.arn = arn


class InvalidRequestContent(InvokeError):
    """The payload is not JSON."""

    error_type = "InvalidRequestContentException"


@dataclass(frozen=True)
class FunctionArn:
    """The parts of arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}]."""

    region: str
    account: str
    name: str
    qualifier: str  # "" when unqualified

    @property
    def unqualified(self) -> str:
        return unqualified_arn(self.account, self.region, self.name)


@lru_cache(maxsize=1024)
def parse_function_arn(arn: str) -> FunctionArn | None:
    """The one parser of full Lambda function ARNs; None for anything else (a name, a partial ARN).

    Cached: a route's integration names the same ARN on every message.
    """
    parts = arn.split(":")
    if len(parts) not in (7, 8) or parts[0] != "arn" or parts[2] != "lambda" or parts[5] != "function":
        return None
    region, account, name = parts[3], parts[4], parts[6]
    if not (region and name and len(account) == 12 and account.isdigit()):
        return None
    qualifier = parts[7] if len(parts) == 8 else ""
    if len(parts) == 8 and not qualifier:
        return None
    return FunctionArn(region, account, name, qualifier)


def unqualified_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


@dataclass(frozen=True)
class FunctionSpec:
    """Everything about one function version that a worker needs, copied out of moto at invoke time."""

    name: str
    arn: str  # unqualified
    account: str
    region: str
    version: str
    handler: str
    runtime: str
    timeout: float
    memory_size: int
    environment: dict[str, str]
    code_sha256: str
    code_bytes: bytes = field(repr=False)
    # Tells a function from one created again under its name: that one starts cold, with fresh module state.
    incarnation: str = ""
    role: str = ""  # the execution role's ARN: the function runs with its temporary credentials

    @property
    def pool_key(self) -> tuple[str, str, str]:
        """One pool of workers per function (and version) in an account and region."""
        return (self.account, self.region, f"{self.name}:{self.version}")

    @cached_property
    def config_key(self) -> str:
        """Changes whenever the code or anything a worker was started with changes: then workers are replaced."""
        config = [self.incarnation, self.code_sha256, self.handler, self.runtime, self.timeout, self.memory_size,
                  sorted(self.environment.items()), self.role]
        return hashlib.sha256(json.dumps(config).encode()).hexdigest()

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.name}"

    @property
    def is_python(self) -> bool:
        return (self.runtime or "").startswith("python")


class ResourcePolicy(Protocol):
    """A function's resource-based policy as moto keeps it (lambda.add_permission adds to it)."""

    revision: str
    statements: list[dict[str, Any]]  # IAM policy statements: JSON objects


@dataclass(frozen=True)
class ResolvedFunction:
    """A function looked up once for one invocation: what to run, and the policy that says who may run it."""

    spec: FunctionSpec
    invoked_arn: str  # the ARN as the caller named it (with its qualifier, if any): the context's invoked ARN
    policy: ResourcePolicy | None

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class InvokeResult:
    status_code: int
    payload: bytes
    function_error: str | None
    log_result: str | None  # base64 of the last 4 KB of the log, when LogType is "Tail"
    executed_version: str | None
    request_id: str


class FunctionRuntime(Protocol):
    """The gateway's view of the Lambda runtime: find a function once, run it, write a line to its log."""

    def resolve(self, function_arn: str) -> ResolvedFunction:
        """The function this full ARN names, with its resource policy; raises FunctionNotFound."""
        ...

    async def invoke_resolved(self, function: ResolvedFunction, event_json: str) -> InvokeResult:
        """Run it synchronously with `event_json` (JSON text the caller wrote, passed to the worker as it is)."""
        ...

    def log_to_function(self, function_name: str, message: str) -> None:
        """Append the lines of `message` to the function's log group (a hint the learner finds next to its logs)."""
        ...
