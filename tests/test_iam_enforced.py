"""IAM on the local cloud: functions run as their role, roles and users are held to their policies like on AWS.

One local cloud for the module (IAM on, the default); the learner's own (fake) credentials act as the administrator
and set everything up, as in the notebooks.
"""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from local_cloud import LocalCloud
from local_cloud.learner_api import PROBE_POLICY, TRUST_POLICY, LearnerApi, zip_source
from tests.helpers.gateway import connect

REGION = "us-east-1"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
DYNAMODB_READ_ONLY = "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"

# A function that does what its event asks with boto3 and reports the outcome (AWS's error code and message).
ACTOR_SOURCE = '''
import os
import boto3

def handler(event, context):
    results = {"identity": boto3.client("sts").get_caller_identity()["Arn"],
               "key": os.environ["AWS_ACCESS_KEY_ID"], "token": bool(os.environ.get("AWS_SESSION_TOKEN"))}
    ddb = boto3.client("dynamodb")
    for step in event.get("steps", []):
        try:
            if step[0] == "put":
                ddb.put_item(TableName=step[1], Item={"k": {"S": step[2]}})
            elif step[0] == "get":
                ddb.get_item(TableName=step[1], Key={"k": {"S": step[2]}})
            elif step[0] == "transact":
                ddb.transact_write_items(TransactItems=[{"Put": {"TableName": t, "Item": {"k": {"S": k}}}}
                                                        for t, k in step[1]])
            results[step[0]] = "ok"
        except Exception as error:
            results[step[0]] = [error.response["Error"]["Code"], error.response["Error"]["Message"]]
    return results
'''


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    return tmp_path_factory.mktemp("iam") / "local-cloud.log"


@pytest.fixture(scope="module")
def cloud(console):
    with LocalCloud(mode="subprocess", log_path=console) as running:
        yield running


@pytest.fixture(scope="module")
def tables(cloud):
    ddb = cloud.client("dynamodb")
    names = ["iam-notes", "iam-other"]
    for name in names:
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    return names


def role(cloud, *, trust: str = TRUST_POLICY, inline: dict | None = None, managed: list[str] = ()) -> str:
    iam = cloud.client("iam")
    name = f"iam-test-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    if inline is not None:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(inline))
    for policy_arn in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return arn


def actor(cloud, role_arn: str) -> str:
    name = f"iam-actor-{uuid.uuid4().hex[:8]}"
    cloud.client("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role_arn,
                                           Handler="handler.handler", Code={"ZipFile": zip_source(ACTOR_SOURCE)},
                                           Timeout=30)
    return name


def act(cloud, function: str, *steps) -> dict:
    response = cloud.client("lambda").invoke(FunctionName=function, Payload=json.dumps({"steps": steps}))
    result = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, result
    return result


def statement(effect: str, action, resource) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": action, "Resource": resource}]}


def table_arn(cloud, name: str) -> str:
    account = cloud.client("sts").get_caller_identity()["Account"]
    return f"arn:aws:dynamodb:{REGION}:{account}:table/{name}"


def console_hints(console, *parts: str) -> list[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [line for line in console.read_text().splitlines()
                 if "HINT" in line and all(part in line for part in parts)]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_a_function_runs_as_its_role_with_temporary_credentials(cloud, tables):
    role_arn = role(cloud)
    function = actor(cloud, role_arn)
    result = act(cloud, function)
    account = role_arn.split(":")[4]
    assert result["identity"] == f"arn:aws:sts::{account}:assumed-role/{role_arn.rsplit('/', 1)[1]}/{function}"
    assert result["key"].startswith("ASIA") and result["token"]


def test_a_role_that_does_not_trust_lambda_is_refused_at_create_function(cloud):
    ec2_trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    lam = cloud.client("lambda")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as refused:
        actor(cloud, role(cloud, trust=ec2_trust))
    assert refused.value.response["Error"]["Message"] == "The role defined for the function cannot be assumed by Lambda."
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Switching a working function to such a role is refused the same way.
    function = actor(cloud, role(cloud))
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.update_function_configuration(FunctionName=function, Role=role(cloud, trust=ec2_trust))


def test_without_a_policy_a_write_is_denied_like_aws_with_a_hint(cloud, console, tables):
    role_arn = role(cloud)
    function = actor(cloud, role_arn)
    result = act(cloud, function, ["put", "iam-notes", "a"])
    code, message = result["put"]
    assert code == "AccessDeniedException"
    assert message == (f"User: {result['identity']} is not authorized to perform: dynamodb:PutItem on resource: "
                       f"{table_arn(cloud, 'iam-notes')} because no identity-based policy allows the "
                       "dynamodb:PutItem action")
    hint = console_hints(console, result["identity"], "dynamodb:PutItem")
    assert hint and "iam.put_role_policy(RoleName=" in hint[0] and table_arn(cloud, "iam-notes") in hint[0]
    # A policy added now works at once: policies are re-read after every IAM change.
    cloud.client("iam").put_role_policy(RoleName=role_arn.rsplit("/", 1)[1], PolicyName="notes", PolicyDocument=json.dumps(
        statement("Allow", "dynamodb:PutItem", table_arn(cloud, "iam-notes"))))
    assert act(cloud, function, ["put", "iam-notes", "a"])["put"] == "ok"


def test_an_explicit_deny_beats_an_allow_from_a_managed_policy(cloud, tables):
    deny_writes = statement("Deny", ["dynamodb:PutItem", "dynamodb:UpdateItem"], "arn:aws:dynamodb:*:*:table/iam-*")
    function = actor(cloud, role(cloud, inline=deny_writes, managed=[ADMIN]))
    result = act(cloud, function, ["put", "iam-notes", "b"], ["get", "iam-notes", "b"])
    assert result["get"] == "ok"
    code, message = result["put"]
    assert code == "AccessDeniedException"
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_aws_managed_policies_and_their_wildcards(cloud, tables):
    function = actor(cloud, role(cloud, managed=[DYNAMODB_READ_ONLY]))
    result = act(cloud, function, ["get", "iam-notes", "a"], ["put", "iam-notes", "c"])
    assert result["get"] == "ok"  # AmazonDynamoDBReadOnlyAccess: "dynamodb:Get*" on "*"
    assert result["put"][0] == "AccessDeniedException"


def test_every_item_of_a_transaction_is_checked_on_its_own_table(cloud, tables):
    only_notes = statement("Allow", "dynamodb:PutItem", table_arn(cloud, "iam-notes"))
    function = actor(cloud, role(cloud, inline=only_notes))
    result = act(cloud, function, ["transact", [["iam-notes", "t1"], ["iam-other", "t1"]]])
    code, message = result["transact"]
    assert code == "AccessDeniedException" and table_arn(cloud, "iam-other") in message
    ddb = cloud.client("dynamodb")
    assert "Item" not in ddb.get_item(TableName="iam-notes", Key={"k": {"S": "t1"}}), "nothing of it may be written"
    assert act(cloud, function, ["transact", [["iam-notes", "t1"]]])["transact"] == "ok"


def test_an_iam_user_with_keys_is_limited_to_its_narrow_policy(cloud, console, tables):
    iam = cloud.client("iam")
    user = f"iam-user-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="read-notes", PolicyDocument=json.dumps(
        statement("Allow", "dynamodb:GetItem", table_arn(cloud, "iam-notes"))))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    session = boto3.session.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                                    region_name=REGION)
    ddb = session.client("dynamodb", endpoint_url=cloud.endpoint_url)
    user_arn = session.client("sts", endpoint_url=cloud.endpoint_url).get_caller_identity()["Arn"]
    assert user_arn.endswith(f":user/{user}")

    ddb.get_item(TableName="iam-notes", Key={"k": {"S": "a"}})
    for call in (lambda: ddb.put_item(TableName="iam-notes", Item={"k": {"S": "u"}}),
                 lambda: ddb.get_item(TableName="iam-other", Key={"k": {"S": "a"}})):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
        assert denied.value.response["Error"]["Message"].startswith(f"User: {user_arn} is not authorized")
    # IAM (query protocol): 403 AccessDenied; Lambda (REST): 403 AccessDeniedException.
    with pytest.raises(ClientError) as denied:
        session.client("iam", endpoint_url=cloud.endpoint_url).create_role(RoleName="escalate",
                                                                           AssumeRolePolicyDocument=TRUST_POLICY)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "iam:CreateRole" in denied.value.response["Error"]["Message"]
    lam = session.client("lambda", endpoint_url=cloud.endpoint_url)
    with pytest.raises(ClientError) as denied:
        lam.list_functions()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    hint = console_hints(console, user_arn, "lambda:ListFunctions")
    assert hint and f"iam.put_user_policy(UserName='{user}'" in hint[0]
    # The learner's own credentials are the administrator: unaffected by any of this.
    cloud.client("dynamodb").put_item(TableName="iam-notes", Item={"k": {"S": "admin"}})


def test_invoke_needs_lambda_invoke_function(cloud, tables):
    iam = cloud.client("iam")
    user = f"iam-invoker-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    function = actor(cloud, role(cloud))
    arn = cloud.client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    iam.put_user_policy(UserName=user, PolicyName="invoke", PolicyDocument=json.dumps(
        statement("Allow", "lambda:InvokeFunction", arn)))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    lam = boto3.client("lambda", endpoint_url=cloud.endpoint_url, region_name=REGION,
                       aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    assert lam.invoke(FunctionName=function)["StatusCode"] == 200
    other = actor(cloud, role(cloud))
    with pytest.raises(ClientError) as denied:
        lam.invoke(FunctionName=other)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "lambda:InvokeFunction" in denied.value.response["Error"]["Message"]


# -- @connections ------------------------------------------------------------------------------------

POSTER_SOURCE = '''
import json
import boto3

def handler(event, context):
    ctx = event["requestContext"]
    if ctx["eventType"] != "MESSAGE":
        return {"statusCode": 200}
    body = json.loads(event["body"])
    endpoint = f"https://{ctx['domainName']}" + ("" if body.get("no_stage") else f"/{ctx['stage']}")
    client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    outcome = {}
    for name, call in (("post", lambda: client.post_to_connection(ConnectionId=ctx["connectionId"], Data=b"posted")),
                       ("get", lambda: client.get_connection(ConnectionId=ctx["connectionId"]))):
        try:
            call()
            outcome[name] = "ok"
        except client.exceptions.ForbiddenException as error:
            outcome[name] = ["ForbiddenException", error.response["Error"]["Message"]]
    return {"statusCode": 200, "body": json.dumps(outcome)}
'''


@pytest.fixture(scope="module")
def poster(cloud):
    """A WebSocket API whose $default function posts back to the caller (and reads its connection)."""
    api = LearnerApi(cloud, "iam-ws")
    policy = statement("Allow", "execute-api:ManageConnections", "arn:aws:execute-api:*:*:*/*/POST/@connections/*")
    role_name = api.role_arn.rsplit("/", 1)[1]
    cloud.client("iam").put_role_policy(RoleName=role_name, PolicyName=PROBE_POLICY, PolicyDocument=json.dumps(policy))
    api_id = api.api("poster")
    api.route(api_id, "$default", api.function("poster", POSTER_SOURCE), two_way=True)
    return api, api_id, api.deploy(api_id)


def test_connections_are_checked_per_method(cloud, console, poster):
    _, api_id, url = poster
    ws = connect(url)
    try:
        ws.send(json.dumps({"go": 1}))
        frames = [ws.recv(), ws.recv()]
    finally:
        ws.close()
    assert "posted" in frames
    outcome = json.loads(next(frame for frame in frames if frame != "posted"))
    assert outcome["post"] == "ok"
    code, message = outcome["get"]  # POST is granted, GET is not
    assert code == "ForbiddenException"
    assert f":{api_id}/test/GET/@connections/" in message and "execute-api:ManageConnections" in message
    assert console_hints(console, "execute-api:ManageConnections", f"{api_id}/test/GET/@connections/")


def test_a_management_endpoint_without_the_stage_is_refused_with_a_hint(cloud, console, poster):
    _, api_id, url = poster
    ws = connect(url)
    try:
        ws.send(json.dumps({"no_stage": True}))
        outcome = json.loads(ws.recv())
    finally:
        ws.close()
    assert outcome["post"][0] == "ForbiddenException"
    hint = console_hints(console, f"API {api_id} has no stage")
    assert hint and "https://{domainName}/{stage}" in hint[0] and f"{api_id}.execute-api." in hint[0]


def test_iam_can_be_turned_off(tables):
    with LocalCloud(mode="subprocess", env={"LOCAL_CLOUD_IAM": "off"}) as lenient:
        ddb = lenient.client("dynamodb")
        ddb.create_table(TableName="iam-notes", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
        function = actor(lenient, role(lenient))
        assert act(lenient, function, ["put", "iam-notes", "a"])["put"] == "ok"


def test_an_inactive_or_deleted_key_is_refused_not_taken_for_the_administrator(cloud, tables):
    iam = cloud.client("iam")
    user = f"iam-gone-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    ddb = boto3.client("dynamodb", endpoint_url=cloud.endpoint_url, region_name=REGION,
                       aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    with pytest.raises(ClientError) as denied:
        ddb.list_tables()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"  # active, but no policy
    iam.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as refused:
        ddb.list_tables()
    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as refused:
        ddb.list_tables()
    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_a_role_session_key_needs_its_own_session_token(cloud, tables):
    account = cloud.client("sts").get_caller_identity()["Account"]
    trust_the_account = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]})
    role_arn = role(cloud, trust=trust_the_account, managed=[ADMIN])
    credentials = cloud.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="me")["Credentials"]
    signed = boto3.client("dynamodb", endpoint_url=cloud.endpoint_url, region_name=REGION,
                          aws_access_key_id=credentials["AccessKeyId"],
                          aws_secret_access_key=credentials["SecretAccessKey"],
                          aws_session_token=credentials["SessionToken"])
    assert "TableNames" in signed.list_tables()
    wrong = boto3.client("dynamodb", endpoint_url=cloud.endpoint_url, region_name=REGION,
                         aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token="forged")
    with pytest.raises(ClientError) as refused:
        wrong.list_tables()
    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_assume_role_needs_the_trust_policy_to_name_the_caller(cloud, console):
    sts = cloud.client("sts")
    lambda_only = role(cloud)  # trusts lambda.amazonaws.com only, like the workshop's role
    with pytest.raises(ClientError) as denied:
        sts.assume_role(RoleArn=lambda_only, RoleSessionName="me")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert "sts:AssumeRole" in denied.value.response["Error"]["Message"]
    assert console_hints(console, "may not assume", lambda_only)
