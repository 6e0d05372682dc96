"""Shared fixtures: a private local cloud per test module, on a free port, stopped afterwards."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

from local_cloud import LocalCloud
from local_cloud.config import FAKE_CREDENTIALS

# Tests never reach real AWS: fake credentials and no inherited endpoint or target.
for _name in ("AWS_ENDPOINT_URL", "WORKSHOP_TARGET", "AWS_PROFILE"):
    os.environ.pop(_name, None)
for _name, _value in FAKE_CREDENTIALS.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# Messages in English whatever the machine's locale; a test that wants Portuguese sets WORKSHOP_LANG itself.
os.environ.pop("WORKSHOP_LANG", None)
os.environ["LANGUAGE"] = "en"
# What the workshop remembers between commands (a running demo, deployed prefixes) goes to a folder of the
# test run, never to the learner's .workshop/.
if "WORKSHOP_STATE_DIR" not in os.environ:
    os.environ["WORKSHOP_STATE_DIR"] = tempfile.mkdtemp(prefix="workshop-test-state-")
    atexit.register(shutil.rmtree, os.environ["WORKSHOP_STATE_DIR"], ignore_errors=True)
# Control secrets of the clouds tests start go to a folder of this run, not the user's own state folder.
os.environ["LOCAL_CLOUD_STATE_DIR"] = tempfile.mkdtemp(prefix="local-cloud-state-")
atexit.register(shutil.rmtree, os.environ["LOCAL_CLOUD_STATE_DIR"], ignore_errors=True)


@pytest.fixture(scope="module")
def cloud():
    """A fresh local cloud in its own process, shared by the tests of one module."""
    with LocalCloud(mode="subprocess") as running:
        yield running


@pytest.fixture(scope="module")
def thread_cloud():
    """A local cloud inside this process: tests can read the same moto state their boto3 calls changed."""
    with LocalCloud(mode="thread") as running:
        yield running


@pytest.fixture(autouse=True)
def _close_websockets():
    """Whatever WebSockets a test opened with tests.gateway_helpers.connect are closed when it ends."""
    yield
    from tests.gateway_helpers import close_opened

    close_opened()
