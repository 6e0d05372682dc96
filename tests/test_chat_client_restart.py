"""The terminal client survives a restarted local cloud: it finds the chat again by prefix once it is deployed
again (a new API id), and sends what was typed meanwhile."""

from __future__ import annotations

import re

import pytest

from local_cloud import LocalCloud
from tests.helpers.ports import free_port
from tests.helpers.processes import DrivenClient
from workshop.deploy import deploy_all
from workshop.testing import target


@pytest.mark.slow
def test_the_client_follows_the_chat_to_its_new_url_after_a_restart():
    port = free_port()
    client = None
    first = LocalCloud(port=port).start()
    second = None
    try:
        with target(first, prefix="mv"):
            first_url = deploy_all().url
        client = DrivenClient("--name", "Mo", env={**first.environ, "WORKSHOP_PREFIX": "mv"})
        client.expect(rf"connected to {re.escape(first_url)} as Mo", timeout=60)
        client.expect(r"^· in the chat: Mo$")

        first.stop()  # the learner's machine restarts the local cloud: everything deployed is forgotten
        client.expect(r"connection lost")
        second = LocalCloud(port=port).start()
        client.type("typed while the cloud was away")
        client.expect(r"not connected right now")
        client.expect(r"could not reconnect", timeout=30)

        with target(second, prefix="mv"):
            second_url = deploy_all().url
        assert second_url != first_url  # a new API id
        client.expect(rf"the chat has a new URL \(deployed again\): {re.escape(second_url)}", timeout=60)
        client.expect(r"reconnected as Mo", timeout=30)
        client.expect(r"^Mo: typed while the cloud was away$")
        client.type("/quit")
        assert client.finish()[0] == 0
    finally:
        if client is not None:
            client.kill()
        for cloud in (first, second):
            if cloud is not None:
                cloud.stop()
