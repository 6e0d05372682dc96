"""lambda.invoke on the local cloud runs the real deployed zip: real HTTP, real worker processes."""

from __future__ import annotations

import base64
import io
import json
import re
import sys
import textwrap
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

REQUEST_ID = re.compile(r"^[0-9a-f-]{36}$")


# -- helpers (also used by the other test_lambda_runtime_* modules) ------------------------------------

def make_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


def create_role(cloud) -> str:
    iam = cloud.client("iam")
    name = f"lambda-test-{uuid.uuid4().hex[:8]}"
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    # IAM is enforced: the functions of these tests write their logs and use the runtime-test table.
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    iam.put_role_policy(RoleName=name, PolicyName="runtime-test-table", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/runtime-test"}]}))
    return arn


def deploy(cloud, role: str, source: str, handler: str = "app.handler", files: dict[str, str] | None = None,
           **config) -> str:
    """Create a function from one module's source (app.py) and return its name."""
    name = f"fn-{uuid.uuid4().hex[:10]}"
    package = {"app.py": source} if files is None else files
    cloud.client("lambda").create_function(
        FunctionName=name, Runtime=config.pop("Runtime", "python3.12"), Role=role, Handler=handler,
        Code={"ZipFile": make_zip(package)}, **config)
    return name


def invoke(lam, name: str, event: object = None, **kwargs) -> tuple[dict, object]:
    payload = json.dumps(event if event is not None else {}).encode()
    response = lam.invoke(FunctionName=name, Payload=payload, **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")


PID_HANDLER = """
    import os, time

    def handler(event, context):
        time.sleep(event.get("sleep", 0))
        return {"pid": os.getpid()}
"""


@pytest.fixture(scope="module")
def lam(cloud):
    return cloud.client("lambda")


@pytest.fixture(scope="module")
def role(cloud):
    return create_role(cloud)


# -- running code ----------------------------------------------------------------------------------

def test_handler_sees_event_environment_and_context(cloud, lam, role):
    name = deploy(cloud, role, """
        import os, sys

        def handler(event, context):
            print("some output that must not confuse the worker protocol")
            sys.stdout.write('{"op": "result", "ok": true}\\n')
            os.write(1, b"raw bytes on fd 1\\n")
            keys = ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_LAMBDA_FUNCTION_NAME",
                    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
                    "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT", "_HANDLER", "TZ",
                    "TABLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LAMBDA_RUNTIME_DIR"]
            return {
                "event": event,
                "env": {key: os.environ.get(key) for key in keys},
                "cwd": os.getcwd(),
                "path0": sys.path[0],
                "context": {
                    "aws_request_id": context.aws_request_id,
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "invoked_function_arn": context.invoked_function_arn,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "log_group_name": context.log_group_name,
                    "log_stream_name": context.log_stream_name,
                    "remaining": context.get_remaining_time_in_millis(),
                    "client_context": context.client_context,
                    "identity": context.identity.cognito_identity_id,
                },
            }
    """, MemorySize=256, Timeout=7, Environment={"Variables": {"TABLE": "chat-connections"}})

    response, body = invoke(lam, name, {"action": "hello", "n": [1, 2]})

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert REQUEST_ID.match(headers["x-amzn-requestid"])
    assert body["event"] == {"action": "hello", "n": [1, 2]}
    env, context = body["env"], body["context"]
    assert env["TABLE"] == "chat-connections"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == cloud.region
    assert env["AWS_ENDPOINT_URL"] == cloud.endpoint_url
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert re.match(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$", env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["_HANDLER"] == "app.handler"
    assert env["TZ"] and env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert env["LAMBDA_RUNTIME_DIR"]
    assert body["cwd"] == env["LAMBDA_TASK_ROOT"] == body["path0"]
    assert REQUEST_ID.match(context["aws_request_id"])
    assert context["function_name"] == name
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == f"arn:aws:lambda:{cloud.region}:123456789012:function:{name}"
    assert context["memory_limit_in_mb"] == "256"
    assert context["log_group_name"] == f"/aws/lambda/{name}"
    assert context["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert 0 < context["remaining"] <= 7000
    assert context["client_context"] is None and context["identity"] is None


def test_boto3_inside_the_handler_reaches_the_local_cloud(cloud, lam, role):
    """The handler builds clients with no endpoint or credentials, as it would on AWS."""
    cloud.client("dynamodb").create_table(
        TableName="runtime-test", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    name = deploy(cloud, role, """
        import boto3

        table = boto3.resource("dynamodb").Table("runtime-test")

        def handler(event, context):
            table.put_item(Item={"id": event["id"], "count": 3})
            return table.get_item(Key={"id": event["id"]})["Item"]
    """)
    _, body = invoke(lam, name, {"id": "a"})
    assert body == {"id": "a", "count": 3}  # Decimal('3') came back as 3, as AWS's runtime does
    item = cloud.client("dynamodb").get_item(TableName="runtime-test", Key={"id": {"S": "a"}})["Item"]
    assert item["count"] == {"N": "3"}


def test_management_api_calls_to_execute_api_hosts_reach_the_local_cloud(cloud, lam, role):
    """An @connections client built from the event's domainName (as AWS samples do) is rewritten locally."""
    name = deploy(cloud, role, """
        import boto3
        from botocore.exceptions import ClientError

        def handler(event, context):
            client = boto3.client("apigatewaymanagementapi",
                                  endpoint_url="https://abc123.execute-api.us-east-1.amazonaws.com/prod")
            sent = []
            client.meta.events.register("before-send", lambda request, **kw: sent.append(request.url))
            try:
                client.post_to_connection(ConnectionId="conn-1", Data=b"hi")
                status = 200
            except ClientError as error:
                status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            return {"status": status, "url": sent[0]}
    """)
    _, body = invoke(lam, name)
    assert body["url"] == f"{cloud.endpoint_url}/abc123/prod/@connections/conn-1"
    assert isinstance(body["status"], int)  # an HTTP answer from the local cloud, not a DNS error


def test_warm_worker_is_reused_and_code_update_starts_a_new_one(cloud, lam, role):
    name = deploy(cloud, role, PID_HANDLER)
    _, first = invoke(lam, name)
    _, second = invoke(lam, name)
    assert first["pid"] == second["pid"]

    lam.update_function_code(FunctionName=name, ZipFile=make_zip({"app.py": """
        import os

        def handler(event, context):
            return {"pid": os.getpid(), "version": 2}
    """}))
    _, updated = invoke(lam, name)
    assert updated["version"] == 2
    assert updated["pid"] != first["pid"]

    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"MODE": "x"}})
    _, reconfigured = invoke(lam, name)
    assert reconfigured["pid"] != updated["pid"]


def test_overlapping_invocations_use_several_workers_within_the_bound(cloud, lam, role):
    name = deploy(cloud, role, PID_HANDLER)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: invoke(lam, name, {"sleep": 0.4}), range(8)))
    assert all(response["StatusCode"] == 200 and "FunctionError" not in response for response, _ in results)
    pids = {body["pid"] for _, body in results}
    assert 1 < len(pids) <= 4  # LOCAL_CLOUD_LAMBDA_MAX_WORKERS defaults to 4


# -- failures reported the way AWS reports them ------------------------------------------------------

def assert_unhandled(response, body, error_type: str) -> None:
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == error_type, body


def test_handler_exception_is_reported_and_the_worker_keeps_serving(cloud, lam, role):
    name = deploy(cloud, role, """
        import os

        def handler(event, context):
            if event.get("fail"):
                raise ValueError("name is required")
            return {"pid": os.getpid()}
    """)
    _, ok = invoke(lam, name)
    response, body = invoke(lam, name, {"fail": True})
    assert_unhandled(response, body, "ValueError")
    assert body["errorMessage"] == "name is required"
    assert REQUEST_ID.match(body["requestId"])
    assert isinstance(body["stackTrace"], list) and "app.py" in body["stackTrace"][0]
    _, again = invoke(lam, name)
    assert again["pid"] == ok["pid"]


def test_unserialisable_result_is_a_marshal_error(cloud, lam, role):
    name = deploy(cloud, role, "def handler(event, context):\n    return {'ids': {1, 2}}\n")
    response, body = invoke(lam, name)
    assert_unhandled(response, body, "Runtime.MarshalError")
    assert body["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"


def test_handler_that_kills_its_process_is_an_exit_error(cloud, lam, role):
    name = deploy(cloud, role, """
        import os

        def handler(event, context):
            if event.get("exit"):
                os._exit(3)
            if event.get("kill"):
                os.kill(os.getpid(), 9)
            return {"pid": os.getpid()}
    """)
    _, before = invoke(lam, name)
    response, body = invoke(lam, name, {"exit": True})
    assert_unhandled(response, body, "Runtime.ExitError")
    assert re.match(r"^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$",
                    body["errorMessage"])
    response, after = invoke(lam, name)
    assert "FunctionError" not in response and after["pid"] != before["pid"]
    if sys.platform != "win32":
        response, body = invoke(lam, name, {"kill": True})
        assert_unhandled(response, body, "Runtime.ExitError")
        assert body["errorMessage"].endswith("Runtime exited with error: signal: killed")
    response, _ = invoke(lam, name)
    assert "FunctionError" not in response


def test_timeout_kills_the_worker_and_reports_it(cloud, lam, role):
    name = deploy(cloud, role, PID_HANDLER, Timeout=1)
    _, before = invoke(lam, name)
    response, body = invoke(lam, name, {"sleep": 30})
    assert_unhandled(response, body, "Sandbox.Timedout")
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [0-9a-f-]{36} Task timed out after 1\.00 seconds$",
                    body["errorMessage"])
    response, after = invoke(lam, name)
    assert "FunctionError" not in response and after["pid"] != before["pid"]
    wait_for_log(cloud, name, "Task timed out after 1.00 seconds")


@pytest.mark.parametrize(("files", "handler", "error_type", "message"), [
    ({"other.py": "x = 1\n"}, "app.handler", "Runtime.ImportModuleError",
     "Unable to import module 'app': No module named 'app'"),
    ({"app.py": "def handler(e, c):\n    return 1\n"}, "app.nope", "Runtime.HandlerNotFound",
     "Handler 'nope' missing on module 'app'"),
    ({"app.py": "def handler(e, c)\n    return 1\n"}, "app.handler", "Runtime.UserCodeSyntaxError",
     "Syntax error in module 'app'"),
    ({"app.py": "def handler(e, c):\n    return 1\n"}, "apphandler", "Runtime.MalformedHandlerName",
     "Bad handler 'apphandler'"),
    ({"app.py": "import not_installed_anywhere\n"}, "app.handler", "Runtime.ImportModuleError",
     "Unable to import module 'app': No module named 'not_installed_anywhere'"),
    # The project is installed in .venv (editable), but a function on AWS has neither of these.
    ({"app.py": "import workshop\n"}, "app.handler", "Runtime.ImportModuleError",
     "Unable to import module 'app': No module named 'workshop'"),
    ({"app.py": "import local_cloud\n"}, "app.handler", "Runtime.ImportModuleError",
     "Unable to import module 'app': No module named 'local_cloud'"),
])
def test_bad_code_is_reported_and_the_cloud_keeps_running(cloud, lam, role, files, handler, error_type, message):
    name = deploy(cloud, role, "", handler=handler, files=files)
    response, body = invoke(lam, name)
    assert_unhandled(response, body, error_type)
    assert body["errorMessage"].startswith(message), body
    assert cloud.health()["service"] == "local_cloud"


def test_a_package_that_is_not_a_zip_is_refused_at_create(cloud, lam, role):
    name = f"fn-{uuid.uuid4().hex[:10]}"
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as refused:
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": b"print('not a zip')"})
    assert refused.value.response["Error"]["Message"] == (
        "Could not unzip uploaded file. Please check your file, then try to upload again.")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)


def test_a_result_over_6_mb_is_refused(cloud, lam, role):
    name = deploy(cloud, role, "def handler(event, context):\n    return 'x' * (7 * 1024 * 1024)\n")
    response, body = invoke(lam, name)
    assert_unhandled(response, body, "Function.ResponseSizeTooLarge")


def test_non_python_runtime_gets_a_clear_error(cloud, lam, role):
    name = deploy(cloud, role, "", handler="index.handler", files={"index.js": "exports.handler = 1"},
                  Runtime="nodejs20.x")
    response, body = invoke(lam, name)
    assert_unhandled(response, body, "Runtime.InvalidRuntime")
    assert "Python" in body["errorMessage"] and "nodejs20.x" in body["errorMessage"]


def test_unknown_function_and_non_json_payload_are_rejected_like_aws(cloud, lam, role):
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as missing:
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert missing.value.response["Error"]["Message"] == (
        f"Function not found: arn:aws:lambda:{cloud.region}:123456789012:function:no-such-function")
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    name = deploy(cloud, role, PID_HANDLER)
    with pytest.raises(ClientError) as bad:
        lam.invoke(FunctionName=name, Payload=b"hello, not json")
    assert bad.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert bad.value.response["Error"]["Message"].startswith("Could not parse request body into json")
    assert bad.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# -- invocation types and logs ------------------------------------------------------------------------

def test_event_dry_run_qualifier_and_arn(cloud, lam, role):
    name = deploy(cloud, role, """
        def handler(event, context):
            print("event invocation ran", event["marker"])
    """)
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    dry = lam.invoke(FunctionName=arn, InvocationType="DryRun")
    assert dry["StatusCode"] == 204

    queued = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"marker": "m-42"}))
    assert queued["StatusCode"] == 202
    assert wait_for_log(cloud, name, "event invocation ran m-42")

    response, body = invoke(lam, name, {"marker": "q"}, Qualifier="$LATEST")
    assert response["StatusCode"] == 200 and body is None


def test_log_tail_and_cloudwatch_logs(cloud, lam, role):
    name = deploy(cloud, role, """
        import logging

        print("at import time")
        logging.getLogger().setLevel(logging.INFO)

        def handler(event, context):
            print("hello from the handler")
            logging.info("via logging")
            return "ok"
    """, MemorySize=192)
    response, body = invoke(lam, name, LogType="Tail")
    assert body == "ok"
    tail = base64.b64decode(response["LogResult"]).decode()
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert f"START RequestId: {request_id} Version: $LATEST" in tail
    assert "hello from the handler" in tail and "via logging" in tail
    assert f"END RequestId: {request_id}" in tail
    report = re.search(rf"REPORT RequestId: {request_id}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
                       r"Memory Size: 192 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms", tail)
    assert report, tail

    _, _ = invoke(lam, name)  # a warm invocation: no Init Duration
    events = wait_for_log(cloud, name, "REPORT", count=2)
    messages = [event["message"] for event in events]
    assert "at import time" in messages
    assert messages.index("at import time") < messages.index(f"START RequestId: {request_id} Version: $LATEST")
    reports = [message for message in messages if message.startswith("REPORT")]
    assert "Init Duration" in reports[0] and "Init Duration" not in reports[1]
    streams = {event["logStreamName"] for event in events}
    assert len(streams) == 1 and re.match(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$", streams.pop())


def test_a_huge_log_is_capped(cloud, lam, role):
    name = deploy(cloud, role, """
        def handler(event, context):
            for _ in range(2000):
                print("x" * 1000)
            return "done"
    """)
    response, body = invoke(lam, name, LogType="Tail")
    assert body == "done"
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "log truncated" in tail and "REPORT RequestId" in tail
    assert len(tail) <= 4096


def wait_for_log(cloud, name: str, text: str, count: int = 1, timeout: float = 20.0) -> list[dict]:
    """filter_log_events until `count` events contain `text` (an Event invocation runs in the background)."""
    logs = cloud.client("logs")
    deadline = time.monotonic() + timeout
    while True:
        try:
            events = [event for page in logs.get_paginator("filter_log_events").paginate(
                logGroupName=f"/aws/lambda/{name}") for event in page["events"]]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if sum(text in event["message"] for event in events) >= count:
            return events
        if time.monotonic() > deadline:
            pytest.fail(f"{text!r} did not appear in /aws/lambda/{name}: {[e['message'] for e in events]}")
        time.sleep(0.1)
