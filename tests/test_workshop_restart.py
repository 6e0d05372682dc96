"""After the local cloud restarts (its state is gone), the checks say it forgot, and re-running the steps rebuilds the chat."""

from __future__ import annotations

import pytest

from local_cloud import LocalCloud
from tests.helpers.ports import free_port
from workshop import check, setup
from workshop.cleanup import destroy_all, find_leftovers
from workshop.deploy import deploy_all
from workshop.testing import run_steps_through, target


@pytest.mark.slow
def test_rerunning_the_steps_after_a_restart_rebuilds_everything():
    port = free_port()
    with LocalCloud(port=port) as first, target(first):
        first_url = deploy_all().url
    with LocalCloud(port=port) as second, target(second):
        session = setup()
        result = check("05", session, quiet=True, raise_on_failure=False)
        assert not result.ok
        restarted, *others = result.failures
        assert restarted.what.startswith("The local cloud restarted (at ")
        assert restarted.what.endswith("and forgot what you deployed")
        assert restarted.fix.startswith("run `python -m workshop deploy`")
        assert "04_websocket_api" in others[0].fix  # and the items say what is missing, as always
        run_steps_through("06", first="01")  # every step ends with its check, which raises on failure
        url = deploy_all().url  # and once more over what exists: nothing duplicated
        assert url.rsplit("/", 2)[0].startswith(f"ws://127.0.0.1:{port}") and url != first_url
        assert [kind for kind, _, _ in find_leftovers(session)].count("api") == 1
        destroy_all()
        assert find_leftovers(session) == []
        # Cleaned up on purpose: an empty cloud is no surprise, so no word of a restart.
        after = check("05", session, quiet=True, raise_on_failure=False)
        assert "04_websocket_api" in after.failures[0].fix
