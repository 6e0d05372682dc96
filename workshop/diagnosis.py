"""Why something of the chat is missing: an earlier step not run, a mistyped prefix, or a restarted local cloud."""

from __future__ import annotations

import time

import botocore.exceptions

from . import lookup, records
from .errors import NotReady
from .i18n import _, ngettext
from .naming import PREFIX_PATTERN
from .session import WorkshopSession
from .steps import step_label

# The suffix of each kind of name a prefix starts (naming.Names), to find the prefixes that have something.
NAME_SUFFIXES = {"role": "-lambda-role", "table": "-connections", "api": "-websocket-api"}


def deployed_prefixes(session: WorkshopSession) -> list[str]:
    """Every prefix with a workshop role, table or API on this target (sorted); [] when they cannot be listed."""
    names: list[str] = []
    try:
        for page in session.client("iam").get_paginator("list_roles").paginate():
            names += [role["RoleName"] for role in page["Roles"]]
        for page in session.client("dynamodb").get_paginator("list_tables").paginate():
            names += page["TableNames"]
        names += [api["Name"] for page in session.client("apigatewayv2").get_paginator("get_apis").paginate()
                  for api in page["Items"]]
    except botocore.exceptions.ClientError:
        pass  # a class account may not allow listing: the hint is optional
    found = set()
    for name in names:
        for suffix in NAME_SUFFIXES.values():
            prefix = name.removesuffix(suffix)
            if prefix != name and PREFIX_PATTERN.match(prefix):
                found.add(prefix)
    return sorted(found)


def _nothing_of_prefix(session: WorkshopSession) -> bool:
    return lookup.role(session) is None and lookup.table(session) is None and lookup.api(session) is None


def restart_note(session: WorkshopSession) -> str:
    """One line when the local cloud restarted since this prefix deployed to it (its state is gone), else ""."""
    started = records.restarted_since_deploy(session.endpoint_url, session.prefix)
    if started is None or not _nothing_of_prefix(session):
        return ""
    at = time.strftime("%H:%M", time.localtime(started))
    return _("The local cloud restarted (at {time}) and forgot what you deployed: run `python -m workshop deploy` "
             "(or the notebooks from 01 again).").format(time=at)


def other_prefixes_note(session: WorkshopSession) -> str:
    """When nothing of this prefix exists but other prefixes have something: name them (a typo?), else ""."""
    if not _nothing_of_prefix(session):
        return ""
    others = [prefix for prefix in deployed_prefixes(session) if prefix != session.prefix]
    if not others:
        return ""
    return ngettext(
        "Nothing of prefix {prefix!r} is here, while {others} has something: a typo in WORKSHOP_PREFIX? Set it to "
        "yours (e.g. WORKSHOP_PREFIX={example}), then restart the kernel.",
        "Nothing of prefix {prefix!r} is here, while {others} have something: a typo in WORKSHOP_PREFIX? Set it to "
        "yours (e.g. WORKSHOP_PREFIX={example}), then restart the kernel.",
        len(others)).format(prefix=session.prefix, others=", ".join(others), example=others[0])


def context_note(session: WorkshopSession) -> str:
    """Why nothing of this prefix is here, when a reason is known: a restart first, else other prefixes."""
    return restart_note(session) or other_prefixes_note(session)


def _missing(session: WorkshopSession, step: str) -> str | None:
    """What step `step` creates that is not there, in a few words (None when it is all there)."""
    names = session.names
    if step == "01":
        return None if lookup.role(session) else _("the IAM role {role}").format(role=names.role)
    if step == "02":
        return None if lookup.table(session) else _("the table {table}").format(table=names.table)
    if step == "03":
        absent = [name for name in names.functions.values() if lookup.function(session, name) is None]
        return _("the functions {functions}").format(functions=", ".join(absent)) if absent else None
    api = lookup.api(session)
    if step == "04":
        return None if api else _("the API {api}").format(api=names.api)
    if step == "05":
        if api and lookup.stage(session, api["ApiId"]):
            return None
        return _("the stage {stage} of {api}").format(stage=names.stage, api=names.api)
    raise ValueError(_("step {step} creates nothing another step needs").format(step=step))


NEEDS = {"03": ["01"], "04": ["01", "03"], "05": ["04"], "06": ["04", "05"]}


def not_ready(session: WorkshopSession, step: str) -> NotReady:
    """NotReady naming exactly what step `step` lacks and which notebook creates it (and why it may be gone)."""
    missing = [(earlier, what) for earlier in NEEDS[step] if (what := _missing(session, earlier))]
    if not missing:
        missing = [(NEEDS[step][-1], _("something an earlier step creates"))]
    joiner = _(" and ")
    things = joiner.join(what for _earlier, what in missing)
    notebooks = joiner.join(step_label(earlier) for earlier, _what in missing)
    message = ngettext("Step {step} needs {things}, which is not there: run notebook {notebooks} first.",
                       "Step {step} needs {things}, which are not there: run notebooks {notebooks} first.",
                       len(missing)).format(step=step, things=things, notebooks=notebooks)
    note = context_note(session)
    return NotReady(f"{message}\n{note}" if note else message)
