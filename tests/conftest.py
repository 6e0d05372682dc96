"""Shared fixtures: a private local cloud per test module, on a free port, stopped afterwards; the parallel plan."""

from __future__ import annotations

import atexit
import gc
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
# Each pytest-xdist worker gets its own (it inherits the controller's environment, folder included).
if "WORKSHOP_STATE_DIR" not in os.environ or os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["WORKSHOP_STATE_DIR"] = tempfile.mkdtemp(prefix="workshop-test-state-")
    atexit.register(shutil.rmtree, os.environ["WORKSHOP_STATE_DIR"], ignore_errors=True)
# Control secrets of the clouds tests start go to a folder of this run, not the user's own state folder.
os.environ["LOCAL_CLOUD_STATE_DIR"] = tempfile.mkdtemp(prefix="local-cloud-state-")
atexit.register(shutil.rmtree, os.environ["LOCAL_CLOUD_STATE_DIR"], ignore_errors=True)


# -- running in parallel ------------------------------------------------------------------------------------
# `make test` runs pytest-xdist workers with --dist loadfile: each test module goes whole to one worker, so its
# tests share that worker's module-scoped cloud and keep their order (some build on each other). Modules start
# longest first (their durations in the last whole run, kept in .pytest_cache; else those with `slow` tests first),
# so the long ones (the notebooks, the classroom) do not start last and leave the other workers idle at the end.
DURATIONS_KEY = "workshop/module-durations"


def module_of(nodeid: str) -> str:
    return nodeid.split("::")[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    durations = config.cache.get(DURATIONS_KEY, {}) if config.cache else {}
    slow = {module_of(item.nodeid) for item in items if item.get_closest_marker("slow")}
    # A stable sort: the tests of a module keep their order. Every worker must sort alike (xdist compares).
    items.sort(key=lambda item: (-durations.get(module_of(item.nodeid), 0.0), module_of(item.nodeid) not in slow))


_module_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Sum each module's time: on the controller, which sees every worker's reports, or in a serial run."""
    _module_seconds[module_of(report.nodeid)] = _module_seconds.get(module_of(report.nodeid), 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Keep the module durations of a whole run (not a chosen few tests) for the next run's order."""
    config = session.config
    whole_run = config.args_source == pytest.Config.ArgsSource.TESTPATHS and not config.option.keyword \
        and not config.option.markexpr
    if os.environ.get("PYTEST_XDIST_WORKER") or config.cache is None or not whole_run or not _module_seconds:
        return
    config.cache.set(DURATIONS_KEY, {module: round(seconds, 1) for module, seconds in sorted(_module_seconds.items())})


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
    """Whatever WebSockets a test opened with tests.helpers.gateway.connect are closed when it ends."""
    yield
    from tests.helpers.gateway import close_opened

    close_opened()


@pytest.fixture(scope="module", autouse=True)
def _collect_garbage_after_each_module():
    """A resource left open (a socket, a file) warns only when it is collected, and a collection can come at any
    time, in any later test (or between tests, where the warning is lost). Collecting here makes it come at the
    latest at the end of the module that leaked it, while warnings are errors."""
    yield
    gc.collect()
