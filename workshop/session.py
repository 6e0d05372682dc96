"""Where the workshop's boto3 calls go (local cloud, another endpoint, or real AWS) and with which names."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.exceptions

# The workshop starts the local cloud with the local cloud's own launcher (and its fake credentials).
from local_cloud import launcher
from local_cloud.config import FAKE_CLIENT_CREDENTIALS, PORT_VARIABLE

from . import background_cloud
from .errors import LocalCloudError, TargetError, TargetNotConfirmed
from .i18n import _
from .naming import Names, normalize_prefix, prefix_from_environment, prefix_note, tags_for

DEFAULT_REGION = "us-east-1"
TARGETS = ("local", "aws")
# What decides the target besides every AWS_* variable (endpoint, profile, credentials, region): a change of
# any of them in this process makes setup() resolve again.
DECIDING_VARIABLES = ("WORKSHOP_TARGET", "WORKSHOP_PREFIX", PORT_VARIABLE)
REMEMBERED_SESSIONS = 16  # tests resolve many environments in one process: keep the newest few


@dataclass
class WorkshopSession:
    """The current target, region, account and prefix, and boto3 clients that reach them.

    `target` is "local" (the background local cloud), "endpoint" (AWS_ENDPOINT_URL) or "aws".
    """

    target: str
    region: str
    prefix: str
    account_id: str
    endpoint_url: str | None
    boto_session: boto3.Session = field(repr=False)
    prefix_note: str = field(default="", repr=False)  # e.g. WORKSHOP_PREFIX=Ana is used as 'ana'
    caller_arn: str = ""  # who makes the calls (sts.get_caller_identity): the `owner` tag of what they create
    # ownership.refuse_if_taken found nothing of this prefix that is someone else's: later steps skip the look.
    ownership_checked: bool = field(default=False, repr=False, compare=False)

    @classmethod
    def local(cls, cloud: Any, prefix: str | None = None, region: str | None = None) -> WorkshopSession:
        """The "local" session a learner's setup() gives, for a given local cloud (a LocalCloud or its URL).

        The demo and the tests build theirs with it, then install it with `use(session)`. `prefix` defaults
        to WORKSHOP_PREFIX (or chat), `region` to the cloud's own.
        """
        url = cloud if isinstance(cloud, str) else cloud.endpoint_url
        region = region or getattr(cloud, "region", None) or _region()
        given = prefix if prefix is not None else os.environ.get("WORKSHOP_PREFIX")
        chosen = normalize_prefix(prefix) if prefix is not None else prefix_from_environment()
        boto_session = boto3.Session(region_name=region, **FAKE_CLIENT_CREDENTIALS)
        account, caller = _identity(boto_session, url, _("the local cloud"))
        return cls("local", region, chosen, account, url, boto_session, prefix_note(given), caller)

    @property
    def names(self) -> Names:
        return Names(self.prefix)

    @property
    def tags(self) -> dict[str, str]:
        """Tags as a mapping (Lambda, API Gateway)."""
        return tags_for(self.prefix, self.caller_arn)

    @property
    def tag_list(self) -> list[dict[str, str]]:
        """Tags as [{"Key": ..., "Value": ...}] (IAM, DynamoDB)."""
        return [{"Key": key, "Value": value} for key, value in self.tags.items()]

    @property
    def is_aws(self) -> bool:
        return self.target == "aws"

    def client(self, service: str) -> Any:
        """A boto3 client for `service` on the current target."""
        # Retries with back-off smooth over AWS throttling when a whole class deploys at once; notebook 08
        # invokes from up to 50 threads at once, each with its own pooled connection.
        config = botocore.config.Config(retries={"max_attempts": 8, "mode": "standard"}, max_pool_connections=50)
        return self.boto_session.client(service, endpoint_url=self.endpoint_url, config=config)

    def describe(self) -> str:
        where = {
            "local": _("the local cloud at {url}"),
            "endpoint": _("the endpoint {url} (AWS_ENDPOINT_URL)"),
            "aws": _("real AWS"),
        }[self.target].format(url=self.endpoint_url)
        line = _("Target: {where} · account {account} · region {region} · prefix {prefix!r}").format(
            where=where, account=self.account_id, region=self.region, prefix=self.prefix)
        return f"{line}\n{self.prefix_note}" if self.prefix_note else line

    def __str__(self) -> str:
        return self.describe()


_confirmed_aws: set[tuple[str, str, str]] = set()


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def _interactive() -> bool:
    """True in a notebook kernel or a terminal someone is typing in."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _identity(boto_session: boto3.Session, endpoint_url: str | None, where: str) -> tuple[str, str]:
    """(account id, caller ARN) of these credentials."""
    sts = boto_session.client("sts", endpoint_url=endpoint_url)
    try:
        identity = sts.get_caller_identity()
        return identity["Account"], identity["Arn"]
    except botocore.exceptions.NoCredentialsError as error:
        raise TargetError(_(
            "No AWS credentials found for the real-AWS target. Run `aws configure` (or `aws sso login "
            "--profile NAME` and set AWS_PROFILE=NAME), or unset WORKSHOP_TARGET to use the local cloud."
        )) from error
    except botocore.exceptions.ClientError as error:
        raise TargetError(_(
            "{where} refused your credentials ({code}): they are wrong or "
            "expired. Refresh them (`aws sso login`, or new keys with `aws configure`)."
        ).format(where=where, code=error.response["Error"].get("Code"))) from error
    except botocore.exceptions.EndpointConnectionError as error:
        raise TargetError(_("Cannot reach {where}: {error}. Check the address and your network.").format(
            where=where, error=error)) from error


def _confirm_aws(account_id: str, region: str, prefix: str) -> None:
    key = (account_id, region, prefix)
    if key in _confirmed_aws:
        return
    print(_("You chose real AWS: account {account}, region {region}, prefix {prefix!r}.").format(
        account=account_id, region=region, prefix=prefix))
    print(_("The workshop will create an IAM role, a DynamoDB table, 7 Lambda functions and a WebSocket API "
            "there. They cost little, but leftovers can bill: finish with 10_cleanup (python -m workshop destroy)."))
    answer = os.environ.get("WORKSHOP_CONFIRM", "").strip().lower()
    if answer != "yes":
        if not _interactive():
            raise TargetNotConfirmed(_(
                "Real AWS needs an explicit confirmation and none was given: nothing was created. "
                "Check the account and region above, then re-run with WORKSHOP_CONFIRM=yes."
            ))
        # The answer stays the English "yes" in every language, like WORKSHOP_CONFIRM=yes.
        answer = input(_("Type yes to use account {account} in {region}: ").format(
            account=account_id, region=region)).strip().lower()
        if answer != "yes":
            raise TargetNotConfirmed(_("Not confirmed: nothing was created. Unset WORKSHOP_TARGET to use the local "
                                       "cloud."))
    _confirmed_aws.add(key)


def chosen_target() -> str:
    """The target the environment picks, without reaching it: "endpoint", "aws" or "local".

    AWS_ENDPOINT_URL > WORKSHOP_TARGET=aws > the local cloud; a session installed with use() answers for itself.
    """
    installed = _installed_session()
    if installed is not None:
        return installed.target
    chosen = os.environ.get("WORKSHOP_TARGET", "").strip().lower() or "local"
    if chosen not in TARGETS:
        raise TargetError(_("WORKSHOP_TARGET={chosen!r} is not a target: use WORKSHOP_TARGET=local (the default) "
                            "or WORKSHOP_TARGET=aws.").format(chosen=chosen))
    if os.environ.get("AWS_ENDPOINT_URL", "").strip():
        return "endpoint"
    return chosen


Environment = tuple[tuple[str, str], ...]
_installed: list[tuple[Environment, WorkshopSession]] = []
_resolved: dict[Environment, WorkshopSession] = {}


def _deciding_environment() -> Environment:
    return tuple(sorted((name, value) for name, value in os.environ.items()
                        if name.startswith("AWS_") or name in DECIDING_VARIABLES))


def _installed_session() -> WorkshopSession | None:
    """The newest session installed with use(), while the environment that decides the target is unchanged."""
    if _installed and _installed[-1][0] == _deciding_environment():
        return _installed[-1][1]
    return None


@contextmanager
def use(session: WorkshopSession) -> Iterator[WorkshopSession]:
    """Within the block setup() returns `session` (one the demo or a test built, e.g. WorkshopSession.local).

    It stands for the environment as it is when the block starts: code in the block that sets AWS_ENDPOINT_URL,
    WORKSHOP_PREFIX, WORKSHOP_TARGET, ... gets what setup() resolves from those instead, as a learner would.
    """
    entry = (_deciding_environment(), session)
    _installed.append(entry)
    try:
        yield session
    finally:
        del _installed[len(_installed) - 1 - _installed[::-1].index(entry)]  # the newest: blocks may nest


def forget_sessions() -> None:
    """The next setup() resolves the target again (the local cloud is probed, STS asked)."""
    _resolved.clear()


def setup() -> WorkshopSession:
    """Resolve the target (AWS_ENDPOINT_URL > WORKSHOP_TARGET=aws > local cloud) and return a session for it.

    The local cloud is started in the background when it is not running. Real AWS is used only after the
    account and region were shown and confirmed (WORKSHOP_CONFIRM=yes, or typing yes when asked).
    Resolved once per process and environment: the next step's setup() returns the same session, with no
    health probe and no STS call (forget_sessions() makes it look again). A remembered local cloud that no
    longer listens (it was stopped) is started again.
    """
    installed = _installed_session()
    if installed is not None:
        return installed
    key = _deciding_environment()
    session = _resolved.get(key)
    if session is not None and session.target == "local" and not _still_listening(session.endpoint_url):
        # The remembered cloud was stopped (python -m workshop stop, a reboot): start one again, as the first
        # setup() did, rather than hand out a session whose every call fails with "connection refused".
        del _resolved[key]
        session = None
    if session is None:
        session = _resolve()
        while len(_resolved) >= REMEMBERED_SESSIONS:
            del _resolved[next(iter(_resolved))]
        _resolved[key] = session
    elif session.is_aws:
        _confirm_aws(session.account_id, session.region, session.prefix)  # asked once per process, as before
    return session


def _still_listening(endpoint_url: str | None) -> bool:
    """Something still accepts connections at the local cloud's address: a TCP connect, no HTTP request."""
    address = urlsplit(endpoint_url or "")
    return address.hostname is not None and address.port is not None and launcher.port_is_taken(
        address.hostname, address.port)


def _resolve() -> WorkshopSession:
    prefix = prefix_from_environment()
    note = prefix_note(os.environ.get("WORKSHOP_PREFIX"))
    region = _region()
    chosen = chosen_target()
    if chosen == "endpoint":
        endpoint_url = os.environ["AWS_ENDPOINT_URL"].strip()
        boto_session = _session_with_fallback_credentials(region)
        account, caller = _identity(boto_session, endpoint_url, endpoint_url)
        return WorkshopSession("endpoint", region, prefix, account, endpoint_url, boto_session, note, caller)
    if chosen == "aws":
        boto_session = _learner_session(region)
        region = boto_session.region_name or region
        account, caller = _identity(boto_session, None, "AWS")  # a name: the same in every language
        _confirm_aws(account, region, prefix)
        return WorkshopSession("aws", region, prefix, account, None, boto_session, note, caller)
    try:
        running = background_cloud.cloud().ensure_running()  # local_cloud.launcher.BackgroundCloud
    except launcher.LauncherError as error:
        raise TargetError(str(background_cloud.translate(error))) from error
    except LocalCloudError as error:  # WORKSHOP_LOCAL_PORT is not a port
        raise TargetError(error.message, fix=error.fix) from error
    return WorkshopSession.local(running.url, region=region)


def _learner_session(region: str) -> boto3.Session:
    """A boto3 session with the learner's own configuration (AWS_PROFILE, ~/.aws), explained when it is wrong."""
    try:
        return boto3.Session(region_name=region)
    except botocore.exceptions.ProfileNotFound as error:
        raise TargetError(_(
            "AWS_PROFILE={profile!r} names a profile that is not in your AWS "
            "configuration. `aws configure list-profiles` shows the ones you have: set AWS_PROFILE to one of "
            "them (or create it with `aws configure --profile NAME`), or unset AWS_PROFILE."
        ).format(profile=os.environ.get("AWS_PROFILE", ""))) from error


def _session_with_fallback_credentials(region: str) -> boto3.Session:
    """Use the learner's credentials if they have any; an emulator accepts any, so fake ones do."""
    session = _learner_session(region)
    if session.get_credentials() is None:
        session = boto3.Session(region_name=region, **FAKE_CLIENT_CREDENTIALS)
    return session
