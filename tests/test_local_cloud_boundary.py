"""The local cloud's network boundary, tried as an attacker would: real HTTP to a real local cloud.

Each attack is what a web page the learner visits (or a DNS-rebinding page) can send to 127.0.0.1.
A browser can send a "simple" cross-origin request (GET, or POST with a text/plain, form or multipart
body, no custom headers) without a CORS preflight; it always adds Origin to a cross-origin POST.
"""

from __future__ import annotations

import http.client
import json
import os
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import websocket
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from test_lambda_runtime import create_role, deploy

from local_cloud import LocalCloud, control
from local_cloud.embedded import PROJECT_ROOT

EVIL = "http://evil.example"
# What a page could put in a header if it could (it cannot without a preflight): a well-formed SigV4 header.
FAKE_SIGV4 = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, "
              "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)
# The handler leaves a mark when it runs: proof that code ran (or did not) on this machine.
MARKING_HANDLER = """
import os, pathlib

def handler(event, context):
    pathlib.Path(os.environ["MARK"]).write_text("ran")
    return {"ran": True}
"""


def send(cloud, method: str, path: str, headers: dict[str, str] | None = None,
         body: bytes = b"") -> tuple[int, http.client.HTTPMessage, bytes]:
    """One raw HTTP request, headers exactly as given (Host defaults to the cloud's own)."""
    connection = http.client.HTTPConnection("127.0.0.1", cloud.port, timeout=30)
    try:
        all_headers = {"Host": f"127.0.0.1:{cloud.port}", **(headers or {})}
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def cors_headers(headers: http.client.HTTPMessage) -> list[str]:
    return [name for name in headers if name.lower().startswith("access-control-")]


@pytest.fixture(scope="module")
def role(cloud):
    return create_role(cloud)


@pytest.fixture()
def marked(cloud, role, tmp_path):
    """A deployed function that writes `mark` when it runs."""
    mark = tmp_path / "mark"
    name = deploy(cloud, role, MARKING_HANDLER, Environment={"Variables": {"MARK": str(mark)}})
    return name, mark


def role_exists(cloud, name: str) -> bool:
    try:
        cloud.client("iam").get_role(RoleName=name)
    except ClientError:
        return False
    return True


def with_host(client, host: str):
    """A boto3 client whose requests say `Host: host`, like a page that re-bound its DNS name to 127.0.0.1."""
    def rebind(request, **_):
        request.headers["Host"] = host
    client.meta.events.register("before-send", rebind)
    return client


# -- simple cross-origin requests -------------------------------------------------------------------


def test_a_cross_origin_form_post_to_the_aws_api_is_refused(cloud):
    name = f"evil-{uuid.uuid4().hex[:8]}"
    status, headers, body = send(cloud, "POST", "/", {"Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"},
                                 f"Action=CreateUser&UserName={name}&Version=2010-05-08".encode())
    assert status == 403
    assert b"Origin" in body and b"LOCAL_CLOUD_ALLOWED_ORIGINS" in body
    assert not cors_headers(headers)
    with pytest.raises(ClientError):
        cloud.client("iam").get_user(UserName=name)


def test_a_cross_origin_text_plain_post_even_with_a_signature_is_refused(cloud):
    body = json.dumps({"TableName": "evil"}).encode()
    status, _, _ = send(cloud, "POST", "/", {"Origin": EVIL, "Content-Type": "text/plain",
                                             "X-Amz-Target": "DynamoDB_20120810.CreateTable",
                                             "Authorization": FAKE_SIGV4.format(service="dynamodb")}, body)
    assert status == 403


def test_a_cross_origin_post_to_invoke_runs_nothing(cloud, marked):
    name, mark = marked
    status, _, _ = send(cloud, "POST", f"/2015-03-31/functions/{name}/invocations",
                        {"Origin": EVIL, "Content-Type": "text/plain"}, b"{}")
    assert status == 403
    assert not mark.exists()


def test_a_cross_origin_post_to_connections_is_refused(cloud):
    status, _, _ = send(cloud, "POST", "/@connections/AAAAAAAAAAAAAAA=",
                        {"Origin": EVIL, "Content-Type": "text/plain",
                         "Authorization": FAKE_SIGV4.format(service="execute-api")}, b"hi")
    assert status == 403


def test_a_cross_origin_shutdown_is_refused_and_the_cloud_keeps_running(cloud):
    status, _, _ = send(cloud, "POST", "/_local_cloud/shutdown", {"Origin": EVIL, "Content-Type": "text/plain"})
    assert status == 403
    time.sleep(0.5)
    assert cloud.health()["service"] == "local_cloud"


def test_a_get_another_site_sent_is_refused_even_presigned(cloud, marked):
    """An <img> or a link sends no Origin on GET, but modern browsers say where it came from."""
    query = "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Credential=a%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Signature=00"
    status, _, _ = send(cloud, "GET", f"/?{query}", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert status == 403
    # the same presigned GET from a program (no browser headers) is an AWS request like any other
    status, _, body = send(cloud, "GET", f"/?{query}")
    assert status == 200, body


def test_a_preflight_is_refused_without_cors_headers(cloud, marked):
    name, _ = marked
    for path in ("/", f"/2015-03-31/functions/{name}/invocations", "/_local_cloud/shutdown", "/@connections/x"):
        status, headers, _ = send(cloud, "OPTIONS", path, {
            "Origin": EVIL, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,x-amz-target"})
        assert status == 403, path
        assert not cors_headers(headers), path


def test_no_access_control_headers_even_for_an_allowed_origin(cloud):
    """moto (flask-cors) reflects any Origin; the local cloud never passes that on."""
    own = f"http://127.0.0.1:{cloud.port}"
    status, headers, body = send(cloud, "POST", "/", {
        "Origin": own, "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Authorization": FAKE_SIGV4.format(service="dynamodb")}, b"{}")
    assert status == 200, body
    assert not cors_headers(headers)
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_an_origin_allowed_by_the_setting_may_call():
    with LocalCloud(env={"LOCAL_CLOUD_ALLOWED_ORIGINS": "http://trusted.example:8000, http://other.example"}) as cloud:
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
                   "Authorization": FAKE_SIGV4.format(service="dynamodb")}
        assert send(cloud, "POST", "/", {**headers, "Origin": "http://trusted.example:8000"}, b"{}")[0] == 200
        assert send(cloud, "POST", "/", {**headers, "Origin": "http://other.example"}, b"{}")[0] == 200
        assert send(cloud, "POST", "/", {**headers, "Origin": EVIL}, b"{}")[0] == 403


# -- DNS rebinding ------------------------------------------------------------------------------------


def test_a_rebound_host_cannot_create_a_role(cloud):
    name = f"rebound-{uuid.uuid4().hex[:8]}"
    iam = with_host(cloud.client("iam"), f"evil.example:{cloud.port}")
    with pytest.raises(ClientError) as refused:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "is not this local cloud" in str(refused.value)
    assert not role_exists(cloud, name)


def test_a_rebound_host_cannot_create_or_invoke_a_function(cloud, role, marked):
    lam = with_host(cloud.client("lambda"), f"evil.example:{cloud.port}")
    with pytest.raises(ClientError) as refused:
        lam.create_function(FunctionName="rebound", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": b"PK"})
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(cloud.client("lambda").exceptions.ResourceNotFoundException):
        cloud.client("lambda").get_function(FunctionName="rebound")
    name, mark = marked
    with pytest.raises(ClientError):
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert not mark.exists()


def test_the_cloud_answers_to_its_loopback_names(cloud):
    for host in (f"127.0.0.1:{cloud.port}", f"localhost:{cloud.port}", f"LOCALHOST:{cloud.port}"):
        status, _, _ = send(cloud, "GET", "/_local_cloud/health", {"Host": host})
        assert status == 200, host
    for host in (f"127.0.0.1:{cloud.port + 1}", "127.0.0.1", f"localhost.evil.example:{cloud.port}", ""):
        status, _, body = send(cloud, "GET", "/_local_cloud/health", {"Host": host})
        assert status == 403, host
        assert b"is not this local cloud" in body


def test_a_websocket_upgrade_with_a_rebound_host_is_refused(cloud):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"ws://127.0.0.1:{cloud.port}/nothing/dev", timeout=10,
                                    host=f"evil.example:{cloud.port}")
    assert refused.value.status_code == 403


# -- moto's own API -----------------------------------------------------------------------------------


def test_the_moto_api_is_never_reachable(cloud):
    table = f"kept-{uuid.uuid4().hex[:8]}"
    cloud.client("dynamodb").create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    recording = json.dumps({"method": "POST", "url": "/", "headers": {}, "body": "Action=CreateUser&UserName=x",
                            "body_encoded": False}).encode()
    for method, path, body in (
        ("POST", "/moto-api/recorder/start-recording", b""),
        ("POST", "/moto-api/recorder/upload-recording", recording),
        ("POST", "/moto-api/recorder/replay-recording", b""),
        ("GET", "/moto-api/recorder/download-recording", b""),
        ("POST", "/moto-api/reset", b""),
        ("GET", "/moto-api/data.json", b""),
        ("GET", "/moto-api/", b""),
        ("GET", "/%6Doto-api/data.json", b""),
        ("GET", "/favicon.ico", b""),
    ):
        for headers in ({"Content-Type": "text/plain"},
                        {"Content-Type": "text/plain", "Authorization": FAKE_SIGV4.format(service="s3")}):
            status, _, answer = send(cloud, method, path, headers, body)
            assert status in (403, 404), (method, path, status)
            assert table.encode() not in answer
    assert not (PROJECT_ROOT / "moto_recording").exists()
    assert table in cloud.client("dynamodb").list_tables()["TableNames"]  # reset did nothing


# -- SigV4 required, answered as AWS answers ---------------------------------------------------------


def test_invoke_without_authorization_runs_nothing(cloud, marked):
    name, mark = marked
    status, headers, body = send(cloud, "POST", f"/2015-03-31/functions/{name}/invocations", {}, b"{}")
    assert status == 403
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(body)["message"].startswith("Missing Authentication Token")
    assert not mark.exists()
    cloud.client("lambda").invoke(FunctionName=name, Payload=b"{}")  # signed (any key): it runs
    assert mark.read_text() == "ran"


@pytest.mark.parametrize(("service", "call", "code"), [
    ("lambda", lambda c: c.invoke(FunctionName="anything", Payload=b"{}"), "MissingAuthenticationTokenException"),
    ("lambda", lambda c: c.list_functions(), "MissingAuthenticationTokenException"),
    ("dynamodb", lambda c: c.list_tables(), "MissingAuthenticationTokenException"),
    ("logs", lambda c: c.describe_log_groups(), "MissingAuthenticationTokenException"),
    ("apigatewayv2", lambda c: c.get_apis(), "MissingAuthenticationTokenException"),
    ("iam", lambda c: c.list_roles(), "MissingAuthenticationToken"),
    ("sts", lambda c: c.get_caller_identity(), "MissingAuthenticationToken"),
])
def test_unsigned_requests_get_the_error_aws_sends(cloud, service, call, code):
    client = cloud.client(service, config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as refused:
        call(client)
    assert refused.value.response["Error"]["Code"] == code
    assert "Authentication Token" in refused.value.response["Error"]["Message"] or "access key" in str(refused.value)
    assert "any access key works locally" in str(refused.value)


def test_unsigned_connections_calls_get_forbidden(cloud):
    client = cloud.client("apigatewaymanagementapi", config=Config(signature_version=UNSIGNED))
    with pytest.raises(client.exceptions.ForbiddenException):
        client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")


def test_any_access_key_works(cloud):
    client = cloud.client("sts", aws_access_key_id="AKIAWHATEVER", aws_secret_access_key="anything")
    assert client.get_caller_identity()["Account"]


# -- WebSocket clients: any origin, as on API Gateway ---------------------------------------------------


def test_a_websocket_from_a_foreign_origin_is_accepted(cloud):
    api = cloud.client("apigatewayv2")
    api_id = api.create_api(Name=f"open-{uuid.uuid4().hex[:6]}", ProtocolType="WEBSOCKET",
                            RouteSelectionExpression="$request.body.action")["ApiId"]
    api.create_stage(ApiId=api_id, StageName="dev", AutoDeploy=True)
    ws = websocket.create_connection(f"{cloud.ws_base}/{api_id}/dev", timeout=10, origin=EVIL)
    try:
        assert ws.connected
    finally:
        ws.close()


# -- control: health is open, everything else needs the secret -----------------------------------------


def test_health_is_open_and_does_not_reveal_the_secret(cloud):
    status, _, body = send(cloud, "GET", "/_local_cloud/health")
    assert status == 200
    assert control.read_secret(cloud.port).encode() not in body
    assert send(cloud, "POST", "/_local_cloud/health")[0] == 405


def test_shutdown_without_or_with_a_wrong_secret_is_refused(cloud):
    assert send(cloud, "POST", "/_local_cloud/shutdown")[0] == 403
    assert send(cloud, "POST", "/_local_cloud/shutdown", {control.SECRET_HEADER: "guess"})[0] == 403
    right = control.read_secret(cloud.port)
    assert send(cloud, "POST", "/_local_cloud/shutdown", {control.SECRET_HEADER: right[:-1]})[0] == 403
    assert send(cloud, "POST", "/_local_cloud/settings", {control.SECRET_HEADER: "guess"})[0] == 403
    time.sleep(0.5)
    assert cloud.health()["service"] == "local_cloud"


def test_shutdown_with_the_secret_stops_the_cloud_and_removes_the_secret(tmp_path):
    cloud = LocalCloud(state_dir=tmp_path / "state").start()
    process = cloud._process
    try:
        path = control.secret_path(cloud.port, tmp_path / "state")
        assert path.exists()
        if sys.platform != "win32":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        with pytest.raises(control.ControlError, match="No control secret"):
            control.send(cloud.endpoint_url, "shutdown", state_dir=tmp_path / "elsewhere")
        assert control.send(cloud.endpoint_url, "shutdown", state_dir=tmp_path / "state") == {"stopping": True}
        assert process.wait(30) == 0  # by itself: its owner's pipe is still open
        assert not path.exists()
    finally:
        cloud.stop()


def test_control_send_says_when_no_cloud_answers(tmp_path):
    with pytest.raises(control.ControlError, match="No local cloud answered"):
        control.send("http://127.0.0.1:9", "health", timeout=2)


# -- where it listens ---------------------------------------------------------------------------------


def test_a_non_loopback_bind_needs_allow_remote():
    result = subprocess.run([sys.executable, "-m", "local_cloud", "--host", "0.0.0.0", "--port", "0"],
                            capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr
    assert "Local cloud listening" not in result.stdout


def test_thread_mode_refuses_a_non_loopback_bind_too():
    with pytest.raises(RuntimeError, match="--allow-remote"):
        LocalCloud(mode="thread", host="0.0.0.0").start()


def test_a_bad_state_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = subprocess.run([sys.executable, "-m", "local_cloud", "--port", "0", "--state-dir", str(blocker / "x")],
                            capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert "control secret" in result.stderr and "--state-dir" in result.stderr


def test_secret_files_are_private(tmp_path):
    secret, path = control.create_secret(4566, tmp_path)
    assert control.read_secret(4566, tmp_path) == secret
    assert Path(path).parent == tmp_path
    assert control.secret_matches(secret, secret)
    assert not control.secret_matches(secret + "x", secret)
    assert not control.secret_matches(None, secret)
    again, _ = control.create_secret(4566, tmp_path)  # a new cloud on the port replaces a dead one's
    assert again != secret and control.read_secret(4566, tmp_path) == again
    control.remove_secret(path, secret)  # not ours any more: kept
    assert path.exists()
    control.remove_secret(path, again)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_accepted_hosts_follow_the_bind_address():
    from local_cloud import boundary
    from local_cloud.config import Settings

    loopback = boundary.AcceptedHosts.for_settings(Settings(host="127.0.0.1", port=4566))
    assert loopback.accepts("[::1]:4566") and loopback.accepts("Localhost:4566")
    assert not loopback.accepts("192.168.1.5:4566") and not loopback.accepts(None)
    ipv6 = boundary.AcceptedHosts.for_settings(Settings(host="::1", port=4566))
    assert ipv6.accepts("[::1]:4566")
    class_lan = boundary.AcceptedHosts.for_settings(Settings(host="0.0.0.0", port=4566, allow_remote=True))
    assert class_lan.accepts("192.168.1.5:4566") and class_lan.accepts("[fe80::1]:4566")
    assert class_lan.accepts("localhost:4566")
    assert not class_lan.accepts("192.168.1.5:4567") and not class_lan.accepts("evil.example:4566")
    assert not class_lan.accepts("192.168.1.5.nip.io:4566")
    on_port_80 = boundary.AcceptedHosts.for_settings(Settings(host="0.0.0.0", port=80, allow_remote=True))
    assert on_port_80.accepts("10.0.0.2") and on_port_80.accepts("localhost")
    warning = boundary.remote_warning(Settings(host="0.0.0.0", port=4566, allow_remote=True))
    assert "every network this machine is on, port 4566" in warning and "run as you" in warning
    with pytest.raises(boundary.RemoteBindRefused, match="--allow-remote"):
        boundary.check_bind("192.168.1.5", allow_remote=False)
    boundary.check_bind("192.168.1.5", allow_remote=True)
    boundary.check_bind("localhost", allow_remote=False)
