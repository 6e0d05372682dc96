"""Find what this prefix created (for step 10's dry run and its proof), and destroy it by running step 10."""

from __future__ import annotations

import contextlib

from . import lookup
from .i18n import N_
from .session import WorkshopSession, use
from .steps import StepRun, run_step


def find_leftovers(session: WorkshopSession) -> list[tuple[str, str, str]]:
    """(kind, name, id) of every resource of this prefix that still exists, in the order to delete them.

    Only the exact names this prefix derives are considered, so prefix `chat` never touches `chat-b`'s resources.
    """
    names = session.names
    found: list[tuple[str, str, str]] = []
    bucket = lookup.website_bucket(session)
    if bucket is not None:
        found.append((N_("bucket"), bucket, f"arn:aws:s3:::{bucket}"))
    for api in lookup.apis_named(session, names.api):
        found.append((N_("api"), api["Name"], api["ApiId"]))
    for function_name in names.every_function:
        function = lookup.function(session, function_name)
        if function is not None:
            found.append((N_("function"), function_name, function["Configuration"]["FunctionArn"]))
    table = lookup.table(session)
    if table is not None:
        found.append((N_("table"), names.table, table["TableArn"]))
    role = lookup.role(session)
    if role is not None:
        found.append((N_("role"), names.role, role["Arn"]))
    logs = session.client("logs")
    wanted_groups = set(names.every_log_group)
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=f"/aws/lambda/{names.prefix}-"):
        for group in page["logGroups"]:
            if group["logGroupName"] in wanted_groups:
                found.append((N_("log group"), group["logGroupName"], group["logGroupName"]))
    return found


def destroy_all(dry_run: bool = False, *, quiet: bool = True, session: WorkshopSession | None = None) -> StepRun:
    """Run step 10 (the cleanup notebook's code): list everything of this prefix, then delete it unless dry_run.

    `session`: the target and prefix to clean up (default: what setup() resolves).
    """
    with use(session) if session is not None else contextlib.nullcontext():
        return run_step("10", quiet=quiet, env={"WORKSHOP_DRY_RUN": "1" if dry_run else "0"})
