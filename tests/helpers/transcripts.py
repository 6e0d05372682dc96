"""Reading the demo's transcript: patterns that must match its lines in order, in both editions."""

from __future__ import annotations

import re

# The step lines of `python -m workshop demo`: the step's name, its time and what it made (any language).
STEP_LINES = [rf"^  {label}\s+\d+\.\d s  \S" for label in (
    "00_setup", "01_iam_role", "02_dynamodb_table", "03_lambda_functions", "04_websocket_api", "05_deploy_stage")]


def assert_in_order(lines: list[str], patterns: list[str]) -> None:
    """Each pattern matches a line, in this order: the transcript tells the story in sequence."""
    position = 0
    for pattern in patterns:
        for index in range(position, len(lines)):
            if re.search(pattern, lines[index]):
                position = index + 1
                break
        else:
            raise AssertionError(f"no line matching {pattern!r} after line {position}:\n" + "\n".join(lines))
