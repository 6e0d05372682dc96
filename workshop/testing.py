"""Helpers for tests (and the demo): point the workshop at a given local cloud and run steps on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .steps import STEPS, StepRun, run_step

TARGET_VARIABLES = ("AWS_ENDPOINT_URL", "WORKSHOP_PREFIX", "WORKSHOP_TARGET", "WORKSHOP_CONFIRM", "WORKSHOP_DRY_RUN")


@contextmanager
def target(cloud: Any, prefix: str = "chat") -> Iterator[None]:
    """Within the block, setup() reaches `cloud` (a LocalCloud) with `prefix`; the environment is restored after."""
    saved = {name: os.environ.get(name) for name in TARGET_VARIABLES}
    for name in TARGET_VARIABLES:
        os.environ.pop(name, None)
    os.environ["AWS_ENDPOINT_URL"] = cloud.endpoint_url
    os.environ["WORKSHOP_PREFIX"] = prefix
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_steps_through(last: str, first: str = "00", *, quiet: bool = True) -> list[StepRun]:
    """Run steps first..last in order (each ends with its check, which raises on failure)."""
    numbers = [step.number for step in STEPS if first <= step.number <= last]
    return [run_step(number, quiet=quiet) for number in numbers]
