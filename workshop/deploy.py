"""Deploy the whole chat (steps 01–05, the notebooks' own code) and describe what is deployed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import lookup
from .errors import NotDeployed
from .i18n import _
from .session import WorkshopSession, setup, use
from .steps import DEPLOY_STEPS, StepRun, run_step


@dataclass
class Deployment:
    """Where the deployed chat is: its WebSocket URL and the ids behind it."""

    url: str
    api_id: str
    stage: str
    table: str
    role_arn: str
    functions: dict[str, str]  # route key -> function name
    prefix: str
    target: str
    steps: list[StepRun] = field(default_factory=list, repr=False)


def describe(session: WorkshopSession | None = None) -> Deployment:
    """Look up the deployed chat of the current prefix by name; raise NotDeployed with what to run if missing."""
    session = session or setup()
    api = lookup.api(session)
    role = lookup.role(session)
    url = lookup.websocket_url(session)
    if api is None or role is None or url is None:
        from .diagnosis import context_note

        note = context_note(session)
        raise NotDeployed(_("The chat of prefix {prefix!r} is not deployed on this target. "
                            "Run `python -m workshop deploy` (or notebooks 01–05) first.").format(prefix=session.prefix)
                          + (f"\n{note}" if note else ""))
    return Deployment(url=url, api_id=api["ApiId"], stage=session.names.stage, table=session.names.table,
                      role_arn=role["Arn"], functions=session.names.functions, prefix=session.prefix,
                      target=session.target)


def deploy_all(*, quiet: bool = True, steps: list[str] | None = None,
               progress: Callable[[StepRun], None] | None = None,
               session: WorkshopSession | None = None) -> Deployment:
    """Run steps 01–05 for the current target and prefix (each ends with its check) and return the chat's URL.

    `progress` is called with each finished step (e.g. to print one line per step). `session`: the target and
    prefix to deploy to (default: what setup() resolves, once for all the steps).
    """
    session = session or setup()
    runs = []
    with use(session):  # every step's setup() gets this session: no second look at the target
        for number in steps or DEPLOY_STEPS:
            runs.append(run_step(number, quiet=quiet))
            if progress is not None:
                progress(runs[-1])
    deployment = describe(session)
    deployment.steps = runs
    return deployment
