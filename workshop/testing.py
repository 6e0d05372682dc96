"""Helpers for tests (and benchmarks): point the workshop at a given local cloud and run steps on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from local_cloud.config import PORT_VARIABLE

from .session import WorkshopSession, use
from .steps import STEPS, StepRun, run_step
from .temporary_environ import temporary_environ

TARGET_VARIABLES = ("AWS_ENDPOINT_URL", "WORKSHOP_PREFIX", "WORKSHOP_TARGET", "WORKSHOP_CONFIRM", "WORKSHOP_DRY_RUN",
                    PORT_VARIABLE)


@contextmanager
def target(cloud: Any, prefix: str = "chat") -> Iterator[WorkshopSession]:
    """Within the block the workshop takes the "local" target on `cloud` (a LocalCloud) with `prefix`, as a learner.

    setup() returns that session (WorkshopSession.local, installed with session.use). Processes started in the
    block (a step script, a notebook's kernel, `python -m workshop ...`) take the same "local" path on their own:
    WORKSHOP_LOCAL_PORT is the cloud's port. The environment is restored after.
    """
    values: dict[str, str | None] = dict.fromkeys(TARGET_VARIABLES)
    values.update({PORT_VARIABLE: str(cloud.port), "WORKSHOP_PREFIX": prefix})
    with temporary_environ(values), use(WorkshopSession.local(cloud, prefix=prefix)) as session:
        yield session


def run_steps_through(last: str, first: str = "00", *, quiet: bool = True, language: str = "en") -> list[StepRun]:
    """Run steps first..last in order (each ends with its check, which raises on failure), in one edition."""
    numbers = [step.number for step in STEPS if first <= step.number <= last]
    return [run_step(number, quiet=quiet, language=language) for number in numbers]
