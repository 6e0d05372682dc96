"""Helpers for tests (and the demo): point the workshop at a given local cloud and run steps on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .environment import temporary_environ
from .steps import STEPS, StepRun, run_step

TARGET_VARIABLES = ("AWS_ENDPOINT_URL", "WORKSHOP_PREFIX", "WORKSHOP_TARGET", "WORKSHOP_CONFIRM", "WORKSHOP_DRY_RUN")


@contextmanager
def target(cloud: Any, prefix: str = "chat") -> Iterator[None]:
    """Within the block, setup() reaches `cloud` (a LocalCloud) with `prefix`; the environment is restored after."""
    values: dict[str, str | None] = dict.fromkeys(TARGET_VARIABLES)
    values.update(AWS_ENDPOINT_URL=cloud.endpoint_url, WORKSHOP_PREFIX=prefix)
    with temporary_environ(values):
        yield


def run_steps_through(last: str, first: str = "00", *, quiet: bool = True, language: str = "en") -> list[StepRun]:
    """Run steps first..last in order (each ends with its check, which raises on failure), in one edition."""
    numbers = [step.number for step in STEPS if first <= step.number <= last]
    return [run_step(number, quiet=quiet, language=language) for number in numbers]
