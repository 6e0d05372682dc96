"""Step 06 on a fresh local cloud: three clients chat in public and private, refused inputs, then the logs."""

from __future__ import annotations

import pytest

from workshop import check, setup
from workshop.testing import run_steps_through, target


@pytest.fixture(scope="module")
def runs(cloud):
    with target(cloud):
        yield run_steps_through("06")


def test_checks_pass(runs):
    session = setup()
    for step in ("00", "01", "02", "03", "04", "05", "06"):
        assert check(step, session, quiet=True, raise_on_failure=False).ok


def test_members_joined_and_messages_were_delivered(runs):
    output = runs[-1].output
    assert "Alice got members: ['Alice', 'Bob', 'Carol']" in output
    for person in ("Alice", "Bob", "Carol"):
        assert f"{person} got publicMessage: Alice: Hello everyone!" in output
    assert "Carol got privateMessage: Bob: Psst, Carol: lunch later?" in output
    assert "Alice got privateMessage" not in output  # private means private
    assert "got publicMessage: Bot:" in output


def test_bad_inputs_were_refused_to_the_sender_alone(runs):
    output = runs[-1].output
    assert "Carol got systemMessage: The name alice is taken" in output
    assert "Bob got systemMessage: A message cannot be empty" in output
    assert "Bob got systemMessage: Nobody called Zoe" in output
    assert "Alice got systemMessage: Messages must be JSON" in output
    assert "Alice got systemMessage: Carol left the chat" in output


def test_the_logs_of_every_function_were_shown(runs):
    output = runs[-1].output
    for name in ("connect", "disconnect", "setName", "sendPublic", "sendPrivate", "sendBot", "default"):
        assert f"--- /aws/lambda/chat-{name}: 0 lines" not in output
        assert f"--- /aws/lambda/chat-{name}:" in output


def test_the_notebook_posted_to_alice_like_the_functions_do(runs):
    output = runs[-1].output
    assert "Alice's connection " in output and "from 127.0.0.1" in output
    assert "Alice got systemMessage: Hello Alice, this frame comes from the notebook." in output


def test_report_lines_are_printed_whole(runs):
    reports = [line for line in runs[-1].output.splitlines() if line.strip().startswith("REPORT RequestId:")]
    assert reports and all("Max Memory Used: " in line for line in reports)
    assert any("Init Duration: " in line and line.rstrip().endswith(" ms") for line in reports)
