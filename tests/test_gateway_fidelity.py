"""The gateway behaves like API Gateway, seen from a WebSocket client, for an API built with boto3 as a learner would."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.request

import pytest
import websocket
from botocore.exceptions import ClientError

from local_cloud import LocalCloud
from local_cloud.learner_api import LearnerApi
from tests.helpers.gateway import ask, close_frame, connect, connection_id_of

CONNECTION_ID = re.compile(r"^[A-Za-z0-9_-]{15}=$")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("gateway") / "local_cloud.log"
    with LocalCloud(mode="subprocess", log_path=log_path) as running:
        running.console = log_path  # hints land here
        yield running


@pytest.fixture(scope="module")
def learner(cloud):
    return LearnerApi(cloud, "fid")


@pytest.fixture(scope="module")
def chat(learner):
    """An API with $connect, $disconnect, $default, a two-way route and a one-way route, all on the probe."""
    probe = learner.function("probe")
    api_id = learner.api("chat")
    for key in ("$connect", "$disconnect", "$default"):
        learner.route(api_id, key, probe)
    learner.route(api_id, "whoami", probe, two_way=True)
    learner.route(api_id, "echo", probe, two_way=True)
    learner.route(api_id, "silent", probe)
    url = learner.deploy(api_id)
    return {"api_id": api_id, "url": url, "probe": probe}


def console_has(cloud, text: str, wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if text in cloud.console.read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False


def log_group_has(cloud, function_name: str, text: str, wait: float = 5.0) -> bool:
    logs = cloud.client("logs")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            found = logs.filter_log_events(logGroupName=f"/aws/lambda/{function_name}")["events"]
        except ClientError:
            found = []
        if any(text in event["message"] for event in found):
            return True
        time.sleep(0.2)
    return False


# -- connect ---------------------------------------------------------------------------------------


def test_connect_event_has_handshake_headers_query_and_aws_shaped_ids(learner, chat):
    ws = connect(chat["url"] + "?room=lobby&tag=a&tag=b", header=["X-Team: blue", "User-Agent: pytest-probe"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    ws.close()
    assert CONNECTION_ID.match(connection_id)
    event = learner.events(connection_id, "CONNECT")[0]
    assert event["headers"]["X-Team"] == "blue"
    assert event["multiValueHeaders"]["X-Team"] == ["blue"]
    assert event["queryStringParameters"] == {"room": "lobby", "tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"room": ["lobby"], "tag": ["a", "b"]}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["routeKey"] == "$connect" and context["eventType"] == "CONNECT"
    assert context["domainName"] == f"{chat['api_id']}.execute-api.us-east-1.amazonaws.com"
    assert context["stage"] == "test" and context["apiId"] == chat["api_id"]
    assert context["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "pytest-probe"}
    assert context["messageDirection"] == "IN"
    assert CONNECTION_ID.match(context["requestId"])
    assert abs(context["requestTimeEpoch"] - time.time() * 1000) < 120_000
    assert re.match(r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$", context["requestTime"])
    assert "messageId" not in context


def test_connect_without_query_string_has_no_query_fields(learner, chat):
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    ws.close()
    event = learner.events(connection_id, "CONNECT")[0]
    assert "queryStringParameters" not in event and "multiValueQueryStringParameters" not in event


def test_connect_status_rejects_the_handshake_with_that_status_and_body(chat):
    with pytest.raises(websocket.WebSocketBadStatusException) as rejected:
        connect(chat["url"] + "?status=401&say=who-are-you")
    assert rejected.value.status_code == 401
    assert b"who-are-you" in rejected.value.resp_body


def test_crashing_connect_function_gives_502(chat):
    with pytest.raises(websocket.WebSocketBadStatusException) as rejected:
        connect(chat["url"] + "?crash=1")
    assert rejected.value.status_code == 502


def test_connect_response_without_status_code_gives_502_and_a_hint(cloud, chat):
    with pytest.raises(websocket.WebSocketBadStatusException) as rejected:
        connect(chat["url"] + "?nostatus=1")
    assert rejected.value.status_code == 502
    assert console_has(cloud, "without a statusCode")
    assert log_group_has(cloud, "fid-probe", "without a statusCode")


def test_api_without_connect_route_accepts_every_handshake(learner):
    probe = learner.function("noconnect")
    api_id = learner.api("noconnect")
    learner.route(api_id, "echo", probe, two_way=True)
    ws = connect(learner.deploy(api_id))
    assert ask(ws, {"action": "echo"})["route"] == "echo"
    ws.close()


def test_connect_function_chooses_the_subprotocol(learner):
    source = '''
def handler(event, context):
    offered = event["headers"].get("Sec-WebSocket-Protocol", "")
    return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": offered.split(",")[0].strip()}}
'''
    function = learner.function("subprotocol", source)
    api_id = learner.api("subprotocol")
    learner.route(api_id, "$connect", function)
    ws = connect(learner.deploy(api_id), subprotocols=["chat.v2", "chat.v1"])
    assert ws.getsubprotocol() == "chat.v2"
    ws.close()


def test_unknown_stage_is_403_with_a_hint_and_unknown_api_is_404(cloud, chat):
    with pytest.raises(websocket.WebSocketBadStatusException) as rejected:
        connect(chat["url"].rsplit("/", 1)[0] + "/prod")
    assert rejected.value.status_code == 403
    assert console_has(cloud, "create_stage(")
    with pytest.raises(websocket.WebSocketBadStatusException) as missing:
        connect(f"{cloud.ws_base}/nosuchapi/test")
    assert missing.value.status_code == 404


# -- messages --------------------------------------------------------------------------------------


def test_route_selection_exact_match_default_and_non_json(learner, chat):
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    assert ask(ws, {"action": "echo", "n": 1})["route"] == "echo"
    ws.send(json.dumps({"action": "Echo"}))  # case-sensitive: no match, so $default
    ws.send("this is not JSON")
    ws.send(json.dumps({"action": "echo", "after": "plain text"}))
    # $default has no route response: only the last echo answers.
    assert json.loads(ws.recv())["echo"]["after"] == "plain text"
    ws.close()
    routes = [e["requestContext"]["routeKey"] for e in learner.events(connection_id, "MESSAGE", count=5)]
    assert routes == ["whoami", "echo", "$default", "$default", "echo"]


def test_message_event_shape(learner, chat):
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    ws.send(json.dumps({"action": "silent", "text": "hello"}))
    ask(ws, {"action": "echo"})  # the silent message was handled before this one (same connection: in order)
    ws.close()
    messages = [e for e in learner.events(connection_id, "MESSAGE", count=3) if e["requestContext"]["routeKey"] == "silent"]
    event = messages[0]
    assert event["body"] == json.dumps({"action": "silent", "text": "hello"})
    assert event["isBase64Encoded"] is False
    assert "headers" not in event
    context = event["requestContext"]
    assert context["eventType"] == "MESSAGE" and CONNECTION_ID.match(context["messageId"])
    assert context["connectionId"] == connection_id
    assert isinstance(context["connectedAt"], int)


def test_dotted_route_selection_expression(learner):
    probe = learner.function("dotted")
    api_id = learner.api("dotted", "$request.body.meta.kind")
    learner.route(api_id, "ping", probe, two_way=True)
    ws = connect(learner.deploy(api_id))
    assert ask(ws, {"meta": {"kind": "ping"}})["route"] == "ping"
    reply = ask(ws, {"kind": "ping"})  # no match and no $default
    assert reply["message"] == "Forbidden"
    ws.close()


def test_no_match_without_default_is_forbidden_and_the_socket_stays_open(learner):
    probe = learner.function("nodefault")
    api_id = learner.api("nodefault")
    learner.route(api_id, "echo", probe, two_way=True)
    ws = connect(learner.deploy(api_id))
    reply = ask(ws, {"action": "nothing-here"})
    assert reply["message"] == "Forbidden"
    assert CONNECTION_ID.match(reply["connectionId"]) and CONNECTION_ID.match(reply["requestId"])
    assert ask(ws, {"action": "echo"})["route"] == "echo"
    ws.close()


def test_failing_integration_is_internal_server_error_and_the_socket_stays_open(chat):
    ws = connect(chat["url"])
    reply = ask(ws, {"action": "echo", "do": "raise"})
    assert reply["message"] == "Internal server error"
    assert set(reply) == {"message", "connectionId", "requestId"}
    assert ask(ws, {"action": "echo", "n": 2})["echo"]["n"] == 2
    ws.close()


def test_route_response_sends_body_and_plain_return_values(chat):
    ws = connect(chat["url"])
    assert ask(ws, {"action": "echo", "do": "plain", "value": "just text"}) == "just text"
    ws.close()


def test_messages_of_one_connection_are_handled_in_order(chat):
    ws = connect(chat["url"])
    for n in range(20):
        ws.send(json.dumps({"action": "echo", "n": n}))
    assert [json.loads(ws.recv())["echo"]["n"] for _ in range(20)] == list(range(20))
    ws.close()


def test_handler_printing_megabytes_does_not_disturb_others(chat):
    noisy, calm = connect(chat["url"]), connect(chat["url"])
    noisy.send(json.dumps({"action": "echo", "do": "print", "bytes": 3_000_000}))
    assert ask(calm, {"action": "echo", "n": 1})["echo"]["n"] == 1
    assert json.loads(noisy.recv())["route"] == "echo"
    assert ask(noisy, {"action": "echo", "n": 2})["echo"]["n"] == 2
    noisy.close()
    calm.close()


# -- deployments and permissions (teaching hints) ---------------------------------------------------


def test_route_created_after_deployment_is_not_served_until_deployed(cloud, learner):
    probe = learner.function("late")
    api_id = learner.api("late")
    learner.route(api_id, "echo", probe, two_way=True)
    url = learner.deploy(api_id)
    learner.route(api_id, "late", probe, two_way=True)
    ws = connect(url)
    assert ask(ws, {"action": "late"})["message"] == "Forbidden"
    assert console_has(cloud, "'late' of API")
    assert console_has(cloud, "create_deployment(")
    learner.deploy(api_id)  # new deployment, update_stage(DeploymentId=...)
    assert ask(ws, {"action": "late"})["route"] == "late"
    ws.close()


def test_auto_deploy_stage_serves_new_routes_at_once(learner):
    probe = learner.function("auto")
    api_id = learner.api("auto")
    learner.route(api_id, "echo", probe, two_way=True)
    url = learner.deploy(api_id, stage="live", auto_deploy=True)
    ws = connect(url)
    learner.route(api_id, "later", probe, two_way=True)
    assert ask(ws, {"action": "later"})["route"] == "later"
    ws.close()


@pytest.mark.parametrize("permission", [None, "wrong-route"])
def test_missing_or_mismatched_permission_fails_like_aws_with_a_hint(cloud, learner, permission):
    name = f"perm{permission or 'none'}".replace("-", "")
    probe = learner.function(name)
    api_id = learner.api(name)
    if permission == "wrong-route":
        permission = f"arn:aws:execute-api:us-east-1:{learner.account}:{api_id}/*/other"
    learner.route(api_id, "echo", probe, two_way=True, permission=permission)
    ws = connect(learner.deploy(api_id))
    assert ask(ws, {"action": "echo"})["message"] == "Internal server error"
    assert ask(ws, {"action": "echo"})["message"] == "Internal server error"
    ws.close()
    hint = f"may not invoke function fid-{name}"
    assert console_has(cloud, hint)
    assert log_group_has(cloud, f"fid-{name}", "lambda.add_permission(")
    assert cloud.console.read_text().count(hint) == 1  # said once, not for every message


def test_a_permission_removed_or_added_counts_from_the_next_message(learner):
    """The gateway keeps its permission decision per policy state: a change to the policy is seen at once."""
    probe = learner.function("permchange")
    api_id = learner.api("permchange")
    learner.route(api_id, "echo", probe, two_way=True)
    ws = connect(learner.deploy(api_id))
    assert ask(ws, {"action": "echo"})["route"] == "echo"
    assert ask(ws, {"action": "echo"})["route"] == "echo"  # the decision is now kept
    policy = json.loads(learner.lambda_.get_policy(FunctionName=probe)["Policy"])
    for statement in policy["Statement"]:
        learner.lambda_.remove_permission(FunctionName=probe, StatementId=statement["Sid"])
    assert ask(ws, {"action": "echo"})["message"] == "Internal server error"
    learner.lambda_.add_permission(
        FunctionName=probe, StatementId="back-again", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:us-east-1:{learner.account}:{api_id}/*/echo")
    assert ask(ws, {"action": "echo"})["route"] == "echo"
    # A statement for another route only (remove, then add: the same count of statements as before).
    learner.lambda_.remove_permission(FunctionName=probe, StatementId="back-again")
    learner.lambda_.add_permission(
        FunctionName=probe, StatementId="other-route", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:us-east-1:{learner.account}:{api_id}/*/other")
    assert ask(ws, {"action": "echo"})["message"] == "Internal server error"
    ws.close()


def test_connect_route_without_permission_refuses_the_handshake_with_500(cloud, learner):
    probe = learner.function("connectperm")
    api_id = learner.api("connectperm")
    learner.route(api_id, "$connect", probe, permission=None)
    with pytest.raises(websocket.WebSocketBadStatusException) as rejected:
        connect(learner.deploy(api_id))
    assert rejected.value.status_code == 500
    assert console_has(cloud, "may not invoke function fid-connectperm")


def test_api_wide_permission_is_accepted(learner):
    probe = learner.function("wide")
    api_id = learner.api("wide")
    learner.route(api_id, "echo", probe, two_way=True, permission="api")
    ws = connect(learner.deploy(api_id))
    assert ask(ws, {"action": "echo"})["route"] == "echo"
    ws.close()


def test_integration_naming_a_missing_function_fails_with_a_hint(cloud, learner):
    api_id = learner.api("ghost")
    ghost = f"arn:aws:lambda:us-east-1:{learner.account}:function:fid-ghost"
    learner.route(api_id, "echo", ghost, two_way=True, permission=None)
    ws = connect(learner.deploy(api_id))
    assert ask(ws, {"action": "echo"})["message"] == "Internal server error"
    ws.close()
    assert console_has(cloud, "'fid-ghost', which does not exist")


# -- limits ---------------------------------------------------------------------------------------


def test_frame_over_32_kb_closes_with_1009(learner, chat):
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    ws.send(json.dumps({"action": "silent", "pad": "x" * 33_000}))
    assert close_frame(ws)[0] == 1009
    event = learner.events(connection_id, "DISCONNECT")[0]
    assert event["requestContext"]["disconnectStatusCode"] == 1009


def test_message_of_128_kb_in_32_kb_frames_is_accepted_and_more_closes_with_1009(chat):
    ws = connect(chat["url"])
    body = json.dumps({"action": "silent", "pad": ""})
    body = body[:-2] + "x" * (128 * 1024 - len(body)) + '"}'
    assert len(body) == 128 * 1024
    send_fragmented(ws, body.encode(), 32 * 1024)
    assert ask(ws, {"action": "echo", "n": 1})["echo"]["n"] == 1
    send_fragmented(ws, (body + " ").encode(), 32 * 1024)
    assert close_frame(ws)[0] == 1009


def send_fragmented(ws: websocket.WebSocket, data: bytes, size: int) -> None:
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    for index, chunk in enumerate(chunks):
        opcode = websocket.ABNF.OPCODE_TEXT if index == 0 else websocket.ABNF.OPCODE_CONT
        ws.send_frame(websocket.ABNF.create_frame(chunk, opcode, fin=int(index == len(chunks) - 1)))


@pytest.mark.parametrize("size", [140 * 1024, 33 * 1024])
def test_an_oversized_frame_sent_in_one_write_always_gets_its_1009_never_a_reset(chat, size):
    """The gateway reads what the client still sends after refusing a frame, so the close frame arrives intact."""
    frame = websocket.ABNF.create_frame(json.dumps({"action": "silent", "pad": "x" * size}),
                                        websocket.ABNF.OPCODE_TEXT).format()
    for _ in range(10):
        ws = connect(chat["url"])
        ws.sock.sendall(frame)  # the whole frame in one write, as a browser sends it
        assert close_frame(ws)[0] == 1009  # a reset would raise ConnectionResetError here
        ws.close()


def test_binary_and_bad_utf8_close_frames_arrive_even_with_more_data_in_flight(chat):
    for payload, opcode, code in ((b"\x00" * 1000, websocket.ABNF.OPCODE_BINARY, 1003),
                                  (b"\xff\xfe", websocket.ABNF.OPCODE_TEXT, 1007)):
        for _ in range(5):
            ws = connect(chat["url"])
            more = websocket.ABNF.create_frame("y" * 30_000, websocket.ABNF.OPCODE_TEXT).format()
            ws.sock.sendall(websocket.ABNF.create_frame(payload, opcode).format() + more * 4)
            assert close_frame(ws)[0] == code
            ws.close()


def test_binary_frame_closes_with_1003(learner, chat):
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    ws.send_binary(b"\x00\x01")
    assert close_frame(ws)[0] == 1003
    assert learner.events(connection_id, "DISCONNECT")[0]["requestContext"]["disconnectStatusCode"] == 1003


def test_invalid_utf8_text_frame_closes_with_1007(chat):
    ws = connect(chat["url"])
    ws.send_frame(websocket.ABNF.create_frame(b"\xff\xfe", websocket.ABNF.OPCODE_TEXT))
    assert close_frame(ws)[0] == 1007


# -- disconnect -----------------------------------------------------------------------------------


def test_client_close_runs_disconnect_with_status_and_reason(learner, chat):
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    ws.close(status=4000, reason=b"bye now")
    event = learner.events(connection_id, "DISCONNECT")[0]
    context = event["requestContext"]
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (4000, "bye now")
    assert context["routeKey"] == "$disconnect" and context["eventType"] == "DISCONNECT"
    assert "Host" in event["headers"]


def test_client_vanishing_without_close_frame_runs_disconnect_1006(learner, chat):
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    ws.sock.shutdown(socket.SHUT_RDWR)
    ws.sock.close()
    context = learner.events(connection_id, "DISCONNECT")[0]["requestContext"]
    assert context["disconnectStatusCode"] == 1006


# -- @connections ---------------------------------------------------------------------------------


def test_post_get_delete_through_every_endpoint_form(learner, chat):
    ws = connect(chat["url"], header=["User-Agent: pytest-agent"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    stage_client = learner.management(chat["api_id"])  # like a Lambda: /{apiId}/{stage}/@connections/{id}
    plain_client = learner.management()  # AWS_ENDPOINT_URL style: /@connections/{id}
    stage_only = learner.cloud.client("apigatewaymanagementapi", endpoint_url=f"{learner.cloud.endpoint_url}/test")
    stage_client.post_to_connection(ConnectionId=connection_id, Data=b"one")
    plain_client.post_to_connection(ConnectionId=connection_id, Data=b"two")
    stage_only.post_to_connection(ConnectionId=connection_id, Data=b"three")
    assert [ws.recv(), ws.recv(), ws.recv()] == ["one", "two", "three"]
    before = plain_client.get_connection(ConnectionId=connection_id)
    assert before["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "pytest-agent"}
    time.sleep(0.05)
    ask(ws, {"action": "echo"})
    after = stage_client.get_connection(ConnectionId=connection_id)
    assert after["ConnectedAt"] == before["ConnectedAt"]
    assert after["LastActiveAt"] > before["LastActiveAt"]
    stage_client.delete_connection(ConnectionId=connection_id)
    close_frame(ws)
    assert learner.events(connection_id, "DISCONNECT")[0]["requestContext"]["disconnectStatusCode"]
    with pytest.raises(stage_client.exceptions.GoneException):
        stage_client.post_to_connection(ConnectionId=connection_id, Data=b"three")
    with pytest.raises(stage_client.exceptions.GoneException):
        stage_client.get_connection(ConnectionId=connection_id)


def test_lambda_posts_with_a_client_built_from_the_event(chat):
    ws = connect(chat["url"])
    ws.send(json.dumps({"action": "silent", "do": "post_self", "data": "from the lambda"}))
    assert ws.recv() == "from the lambda"
    ws.close()


def test_management_errors_are_the_exceptions_boto3_knows(learner, chat):
    client = learner.management(chat["api_id"])
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")
    with pytest.raises(ClientError) as malformed:
        client.post_to_connection(ConnectionId="not-an-id", Data=b"x")
    assert malformed.value.response["Error"]["Code"] == "BadRequestException"
    ws = connect(chat["url"])
    connection_id = connection_id_of(learner, ws, chat["api_id"])
    with pytest.raises(client.exceptions.PayloadTooLargeException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))
    client.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024))
    assert len(ws.recv()) == 128 * 1024
    ws.close()
    unsigned = urllib.request.Request(f"{learner.cloud.endpoint_url}/@connections/{connection_id}", method="GET")
    with pytest.raises(urllib.request.HTTPError) as forbidden:
        urllib.request.urlopen(unsigned)
    with forbidden.value as answer:  # the error holds the open answer: left to the garbage collector, it warns
        assert answer.code == 403
        assert answer.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_posts_are_ordered_and_a_slow_client_hits_limit_exceeded_without_blocking_others(learner, chat):
    client = learner.management(chat["api_id"])
    reader, stuck = connect(chat["url"]), connect(chat["url"])
    reader_id = connection_id_of(learner, reader, chat["api_id"])
    stuck_id = connection_id_of(learner, stuck, chat["api_id"])
    for n in range(200):
        client.post_to_connection(ConnectionId=reader_id, Data=str(n).encode())
    assert [int(reader.recv()) for _ in range(200)] == list(range(200))
    chunk = b"y" * (128 * 1024)
    with pytest.raises(client.exceptions.LimitExceededException):
        for _ in range(400):  # 50 MB: more than the socket buffers and the gateway's outbox hold
            client.post_to_connection(ConnectionId=stuck_id, Data=chunk)
    client.post_to_connection(ConnectionId=reader_id, Data=b"still flowing")
    assert reader.recv() == "still flowing"
    reader.close()
    stuck.close()


def test_a_post_answered_before_its_frame_is_written_still_carries_the_sealed_headers(learner, chat):
    # The 200 is written before the frame (the poster prepares its next post meanwhile): it still carries
    # the headers that keep a browser from reading an API answer as a page.
    client = learner.management(chat["api_id"])
    reader = connect(chat["url"])
    reader_id = connection_id_of(learner, reader, chat["api_id"])
    answer = client.post_to_connection(ConnectionId=reader_id, Data=b"sealed")
    headers = answer["ResponseMetadata"]["HTTPHeaders"]
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in headers["content-security-policy"]
    assert reader.recv() == "sealed"
    reader.close()


def test_flooding_client_loses_nothing_and_others_keep_working(learner, chat):
    flood, calm = connect(chat["url"]), connect(chat["url"])
    flood_id = connection_id_of(learner, flood, chat["api_id"])
    for n in range(150):
        flood.send(json.dumps({"action": "silent", "n": n}))
    assert ask(calm, {"action": "echo", "n": "calm"})["echo"]["n"] == "calm"
    assert ask(flood, {"action": "echo", "n": "last"})["echo"]["n"] == "last"  # in order: after all 150
    silent = [json.loads(e["body"])["n"] for e in learner.events(flood_id, "MESSAGE", count=152)
              if e["requestContext"]["routeKey"] == "silent"]
    assert sorted(silent) == list(range(150))
    flood.close()
    calm.close()
