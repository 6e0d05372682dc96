"""Idle timeout, maximum connection duration and integration timeout, on a local cloud set to small values."""

from __future__ import annotations

import json
import time

import pytest

from local_cloud import LocalCloud
from local_cloud.learner_api import LearnerApi
from tests.helpers.gateway import ask, close_frame, connect, connection_id_of

# Small values so the tests run in seconds (the defaults are AWS's: 10 min, 2 h, 29 s).
SETTINGS = {
    "LOCAL_CLOUD_WS_IDLE_TIMEOUT": "2",
    "LOCAL_CLOUD_WS_MAX_DURATION": "4",
    "LOCAL_CLOUD_INTEGRATION_TIMEOUT": "1",
}


@pytest.fixture(scope="module")
def learner():
    with LocalCloud(mode="subprocess", env=SETTINGS) as cloud:
        yield LearnerApi(cloud, "tmo")


@pytest.fixture(scope="module")
def chat(learner):
    probe = learner.function("probe")
    api_id = learner.api("chat")
    for key in ("$connect", "$disconnect"):
        learner.route(api_id, key, probe)
    learner.route(api_id, "whoami", probe, two_way=True)
    learner.route(api_id, "echo", probe, two_way=True)
    # Start the function's worker now: a cold start must not count against a 2-second idle timeout.
    warm = {"requestContext": {"requestId": "warm-up", "connectionId": "warm-up", "eventType": "DISCONNECT",
                               "routeKey": "$disconnect"}}
    learner.lambda_.invoke(FunctionName=probe, Payload=json.dumps(warm).encode())
    return {"api_id": api_id, "url": learner.deploy(api_id)}


def test_idle_connection_is_closed_with_1001_and_disconnect_runs(learner, chat):
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    assert close_frame(ws, timeout=10)[0] == 1001
    context = learner.events(connection_id, "DISCONNECT")[0]["requestContext"]
    assert context["disconnectStatusCode"] == 1001
    assert "Idle" in context["disconnectReason"]


def test_messages_keep_it_open_until_the_maximum_duration(learner, chat):
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    opened = time.monotonic()
    ws.settimeout(10)
    closed_by = None
    while time.monotonic() - opened < 10:
        try:
            reply = ask(ws, {"action": "echo"})
        except Exception:  # noqa: BLE001 - the server closed the socket
            closed_by = "close"
            break
        if reply == "":  # the close frame came first: websocket-client's recv() returns it as ""
            closed_by = "close"
            break
        assert reply["route"] == "echo"
        time.sleep(0.5)
    assert closed_by == "close"
    assert time.monotonic() - opened >= 3.5  # not the 2 s idle timeout: messages kept it alive
    context = learner.events(connection_id, "DISCONNECT")[0]["requestContext"]
    assert context["disconnectStatusCode"] == 1001
    assert "duration" in context["disconnectReason"]


def test_hanging_handler_times_out_and_others_keep_working(chat):
    hung, calm = connect(chat["url"]), connect(chat["url"])
    hung.send(json.dumps({"action": "echo", "do": "sleep", "seconds": 5}))
    assert ask(calm, {"action": "echo", "n": 1})["echo"]["n"] == 1
    reply = json.loads(hung.recv())
    assert reply["message"] == "Endpoint request timed out"
    assert set(reply) == {"message", "connectionId", "requestId"}
    assert ask(hung, {"action": "echo", "n": 2})["echo"]["n"] == 2
    hung.close()
    calm.close()
